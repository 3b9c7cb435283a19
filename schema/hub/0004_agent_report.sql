-- motcua hub database, schema version 4: what each agent reports about itself at the end of every
-- sync (POST /v1/report, PROTOCOL.md 7.5), for provincial IT: the latest report per agent, and a
-- bounded history (the last 200 per agent, pruned in the transaction that records a report).
-- Times the agent sends are its own clock's (never used for ordering); received_at is the hub's.

CREATE TABLE agent_report (
  agent_id            BLOB PRIMARY KEY REFERENCES agent(id),
  received_at         INTEGER NOT NULL,   -- hub clock
  sent_at             INTEGER NOT NULL,   -- agent clock, when it sent the report
  hub_clock_offset_ms INTEGER NOT NULL,   -- received_at - sent_at: the hub's view of the agent's clock
  agent_version       TEXT NOT NULL,
  schema_version      INTEGER NOT NULL,
  last_attempt_at     INTEGER,
  last_success_at     INTEGER,            -- last whole sync (upload and feed)
  last_upload_ok_at   INTEGER,
  last_feed_ok_at     INTEGER,
  pending_changes     INTEGER NOT NULL,
  oldest_unsent_at    INTEGER,            -- the oldest change the hub has not acknowledged
  last_error_code     TEXT,
  last_error_message  TEXT,
  last_error_at       INTEGER,
  clock_offset_ms     INTEGER,            -- as the agent measured it (hub - agent)
  free_disk_bytes     INTEGER,
  quarantined_batches INTEGER,
  refused_batches     INTEGER,
  catalog_version     INTEGER,
  calendar_version    INTEGER,
  report              TEXT NOT NULL       -- the JSON body as received
) STRICT;

CREATE TABLE agent_report_history (
  id                  INTEGER PRIMARY KEY,  -- arrival order
  agent_id            BLOB NOT NULL REFERENCES agent(id),
  received_at         INTEGER NOT NULL,
  hub_clock_offset_ms INTEGER NOT NULL,
  pending_changes     INTEGER NOT NULL,
  oldest_unsent_at    INTEGER,
  last_success_at     INTEGER,
  last_error_code     TEXT,
  report              TEXT NOT NULL
) STRICT;
CREATE INDEX agent_report_history_agent ON agent_report_history(agent_id, id);
