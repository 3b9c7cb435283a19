-- motcua agent database, schema version 1.
--
-- Every table belongs to exactly one class (schema/tables.cpp lists them; tests/schema enforces it):
--   replicated facts  dossier, dossier_event, dossier_document
--                     insert-only, random 128-bit ids, explicit PRIMARY KEY; the only tables attached
--                     to the session, so the only ones captured into the outbox and shipped.
--   reference data    unit, catalog_publication, procedure, calendar_publication, calendar_day
--                     hub-owned; applied without capture (no echo back to the hub).
--   derived           dossier_state: a deterministic fold over the facts; never captured or shipped.
--   local             meta, outbox, outbox_batch, dossier_counter: this office's own bookkeeping.
--
-- Instants are INTEGER milliseconds since the Unix epoch (UTC); dates are TEXT 'YYYY-MM-DD';
-- text is NFC. Citizen ids and phones are TEXT (leading zeros matter).

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- The reference tables (unit, catalog_publication, procedure, calendar_publication, calendar_day)
-- come from schema/reference/0001_reference.sql, shared with the hub.

-- The replicated fact tables (dossier, dossier_event, dossier_document) come first, from
-- schema/facts/0001_facts.sql, shared with the hub.


-- Derived: the current state of each dossier, folded from its facts. Rebuildable at any time.
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
  due_at               INTEGER,            -- current appointment (moves after a supplement pause)
  paused_at            INTEGER,            -- set while waiting for a supplement (status 5)
  resolved_at          INTEGER,            -- reached 9
  returned_at          INTEGER,            -- reached 10
  supplement_count     INTEGER NOT NULL DEFAULT 0,
  event_count          INTEGER NOT NULL DEFAULT 0,
  last_hlc             INTEGER NOT NULL,
  search_text          TEXT NOT NULL DEFAULT ''   -- folded (no diacritics, lower case, đ→d)
) STRICT;
CREATE INDEX dossier_state_status_due ON dossier_state(status, due_at);
CREATE INDEX dossier_state_code ON dossier_state(code);
CREATE INDEX dossier_state_citizen ON dossier_state(applicant_citizen_id);

-- Local: every captured changeset, written in the same transaction as the change itself.
CREATE TABLE outbox (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at     INTEGER NOT NULL,
  schema_version INTEGER NOT NULL,         -- a batch never spans two schema versions
  changeset      BLOB NOT NULL,
  state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acknowledged', 'quarantined', 'refused')),
  acked_at       INTEGER
) STRICT;
CREATE INDEX outbox_state ON outbox(state, seq);

-- Local: every batch built from the outbox, kept with its exact bytes: a batch is re-sent unchanged
-- until the hub acknowledges it, so a lost answer can never turn into a different batch.
CREATE TABLE outbox_batch (
  first_seq   INTEGER PRIMARY KEY,
  last_seq    INTEGER NOT NULL,
  hash        BLOB NOT NULL,               -- signed hash: the next batch's previous-batch hash
  envelope    BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  acked_at    INTEGER,
  ack_status  TEXT CHECK (ack_status IN ('applied', 'duplicate', 'quarantined', 'refused')),
  ack_reason  TEXT NOT NULL DEFAULT ''
) STRICT;

-- Local: the daily dossier counter per receiving unit. Only ever increases.
CREATE TABLE dossier_counter (
  unit TEXT NOT NULL,
  day  TEXT NOT NULL,                      -- YYMMDD of the receipt (Vietnam date)
  last INTEGER NOT NULL,
  PRIMARY KEY (unit, day)
) STRICT;
