-- motcua hub database, schema version 5: the hub folds dossiers like every office, relays facts to
-- every unit involved with a dossier, and measures office clocks (docs/CONFLICTS.md).
-- Preceded by schema/derived/0001_dossier_conflict.sql. The hub refolds every dossier after this
-- migration (hub/hub_store.cpp).

-- Derived: the current state of each dossier, the same columns as the agent's (schema/agent/0001,
-- checked equal by tests/schema).
CREATE TABLE dossier_state (
  dossier_id           BLOB PRIMARY KEY,
  code                 TEXT NOT NULL,
  status               INTEGER NOT NULL,
  holder_unit          TEXT NOT NULL,
  receiving_unit       TEXT NOT NULL,
  resolving_unit       TEXT NOT NULL,
  procedure_key        TEXT NOT NULL,
  applicant_name       TEXT NOT NULL,
  applicant_citizen_id TEXT NOT NULL,
  received_at          INTEGER NOT NULL,
  due_at               INTEGER,
  paused_at            INTEGER,
  resolved_at          INTEGER,
  returned_at          INTEGER,
  supplement_count     INTEGER NOT NULL DEFAULT 0,
  event_count          INTEGER NOT NULL DEFAULT 0,
  last_hlc             INTEGER NOT NULL,
  search_text          TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX dossier_state_status_due ON dossier_state(status, due_at);
CREATE INDEX dossier_state_code ON dossier_state(code);
CREATE INDEX dossier_state_citizen ON dossier_state(applicant_citizen_id);

-- Hub-internal: every unit involved with a dossier (received it, ever held it, or acted on it).
-- Only grows: a unit once involved keeps receiving the dossier's facts, so it converges on the
-- final state even if a later fact changes who held it when.
CREATE TABLE dossier_unit (
  dossier_id BLOB NOT NULL,
  unit       TEXT NOT NULL,
  since      INTEGER NOT NULL,             -- hub clock
  PRIMARY KEY (dossier_id, unit)
) STRICT, WITHOUT ROWID;
CREATE INDEX dossier_unit_unit ON dossier_unit(unit);
INSERT INTO dossier_unit(dossier_id, unit, since) SELECT id, receiving_unit, entered_at FROM dossier;

-- Hub-internal: facts recorded while their office's clock was off the hub's by more than the
-- threshold (facts::kClockSuspectMs), for IT staff. A wall clock never decides a winner; these
-- flags only say which recorded times to doubt.
CREATE TABLE clock_flag (
  fact_id     BLOB PRIMARY KEY,
  dossier_id  BLOB NOT NULL,
  agent_id    BLOB NOT NULL,
  offset_ms   INTEGER NOT NULL,            -- hub - office, as last measured
  flagged_at  INTEGER NOT NULL
) STRICT;

-- Each agent's clock, measured at every feed request (hub clock - the agent's stated time).
ALTER TABLE agent ADD COLUMN clock_offset_ms INTEGER;
ALTER TABLE agent ADD COLUMN clock_measured_at INTEGER;

-- Feed entries now also carry fact rows ('facts', the body stored with the entry).
CREATE TABLE feed_entry_v5 (
  unit       TEXT NOT NULL,
  position   INTEGER NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('catalog', 'calendar', 'dictionary', 'facts')),
  version    INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  body       TEXT,                         -- 'facts': the rows as JSON; publications: NULL (see publication)
  PRIMARY KEY (unit, position)
) STRICT;
INSERT INTO feed_entry_v5(unit, position, kind, version, created_at)
  SELECT unit, position, kind, version, created_at FROM feed_entry;
DROP TABLE feed_entry;
ALTER TABLE feed_entry_v5 RENAME TO feed_entry;
