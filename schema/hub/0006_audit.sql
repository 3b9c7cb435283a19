-- motcua hub database, schema version 6: a tamper-evident history of who changed what
-- (`motcua-hub audit verify`, hub/audit.hpp).
--
-- Every batch keeps its envelope (not only quarantined ones) and the batch hash it chains to, so
-- each agent's batches form a hash chain signed link by link with the agent's own key: the hub
-- cannot invent or alter an office's change without that office's private key. Batches recorded
-- before this version have no envelope or prev_hash; verification counts them as "before the audit
-- trail" and checks the chain from the first batch that has one.
ALTER TABLE batch ADD COLUMN prev_hash BLOB;

-- Revocation by provincial IT (status 'revoked'): when and why.
ALTER TABLE agent ADD COLUMN revoked_at INTEGER;
ALTER TABLE agent ADD COLUMN revoked_reason TEXT NOT NULL DEFAULT '';

-- Security events, each chained to the one before: hash = SHA-256 of the previous hash and this
-- entry's fields (hub/audit.cpp gives the exact text). Insert-only.
CREATE TABLE audit_log (
  seq       INTEGER PRIMARY KEY,           -- 1, 2, ... without gaps
  at        INTEGER NOT NULL,              -- hub clock
  kind      TEXT NOT NULL,                 -- batch_refused, agent_enrolled, agent_retired, agent_revoked,
                                           -- enrollment_refused, hub_action
  agent_id  BLOB,                          -- the agent concerned, if any
  unit      TEXT NOT NULL DEFAULT '',
  actor     TEXT NOT NULL DEFAULT '',      -- who did it: 'agent', or the IT user's name
  detail    TEXT NOT NULL DEFAULT '',      -- what happened, for people (JSON for hub actions)
  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash      BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;
CREATE INDEX audit_log_agent ON audit_log(agent_id, seq);
