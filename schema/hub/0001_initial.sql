-- motcua hub database, schema version 1. Preceded by schema/facts/0001_facts.sql (the replicated
-- fact tables, identical to the agent's so change sets apply unchanged) and
-- schema/reference/0001_reference.sql (units, catalogue, calendar: the same apply path as offices).
--
-- Table classes (schema/tables.cpp):
--   replicated facts  dossier, dossier_event, dossier_document (from the facts file)
--   reference data    unit, catalog_publication, procedure, calendar_publication, calendar_day
--   hub-internal      meta, agent, enrollment_code, batch, publication, feed_entry: never writable
--                     by an agent
-- Instants are INTEGER milliseconds since the Unix epoch (UTC).

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- One-time enrollment codes bound to a unit: single use, expiring.
CREATE TABLE enrollment_code (
  code       TEXT PRIMARY KEY,            -- human-typeable, without separators
  unit       TEXT NOT NULL REFERENCES unit(code),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  used_by    BLOB                         -- agent id that used it
) STRICT;

-- Enrolled agents. One active agent per unit: enrolling a new one retires the previous.
CREATE TABLE agent (
  id                   BLOB PRIMARY KEY CHECK (length(id) = 16),
  unit                 TEXT NOT NULL REFERENCES unit(code),
  public_key           BLOB NOT NULL CHECK (length(public_key) = 32),   -- Ed25519
  status               TEXT NOT NULL CHECK (status IN ('active', 'retired', 'revoked')),
  enrolled_at          INTEGER NOT NULL,
  retired_at           INTEGER,
  high_water_seq       INTEGER NOT NULL DEFAULT 0,   -- last outbox sequence applied
  last_batch_hash      BLOB,                         -- SHA-256 of the last accepted batch
  last_request_counter INTEGER NOT NULL DEFAULT 0,   -- replay protection
  last_seen_at         INTEGER,
  agent_version        TEXT NOT NULL DEFAULT '',
  schema_version       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX agent_one_active_per_unit ON agent(unit) WHERE status = 'active';

-- Every batch the hub has answered, for duplicate detection and IT staff.
CREATE TABLE batch (
  agent_id    BLOB NOT NULL,
  first_seq   INTEGER NOT NULL,
  last_seq    INTEGER NOT NULL,
  hash        BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('applied', 'quarantined', 'refused')),
  reason      TEXT NOT NULL DEFAULT '',
  size        INTEGER NOT NULL,
  envelope    BLOB,                          -- kept while quarantined, so IT staff can retry it
  PRIMARY KEY (agent_id, first_seq)
) STRICT;

-- Every reference publication as offices receive it (JSON), by kind and version.
CREATE TABLE publication (
  kind         TEXT NOT NULL CHECK (kind IN ('catalog', 'calendar')),
  version      INTEGER NOT NULL,
  published_at INTEGER NOT NULL,
  source       TEXT NOT NULL,
  payload      TEXT NOT NULL,
  PRIMARY KEY (kind, version)
) STRICT;

-- The per-unit feed: what each office must receive, in order (the cursor's position).
CREATE TABLE feed_entry (
  unit       TEXT NOT NULL,
  position   INTEGER NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('catalog', 'calendar')),
  version    INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (unit, position)
) STRICT;
