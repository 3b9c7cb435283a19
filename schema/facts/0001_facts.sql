-- Replicated facts, version 1: identical on agent and hub (change sets apply to either). Included
-- first in agent migration 1 and hub migration 1; a change here is a new migration on both sides.

-- Fact: what the counter received. Inserted once, never updated.
CREATE TABLE dossier (
  id                   BLOB PRIMARY KEY CHECK (length(id) = 16),
  code                 TEXT NOT NULL,      -- <agency id>-YYMMDD-NNNN
  receiving_unit       TEXT NOT NULL,
  resolving_unit       TEXT NOT NULL,
  holder_unit          TEXT NOT NULL,      -- first holder; transfers are events
  procedure_key        TEXT NOT NULL,
  procedure_version    INTEGER NOT NULL,
  applicant_name       TEXT NOT NULL,
  applicant_citizen_id TEXT NOT NULL CHECK (length(applicant_citizen_id) = 12 AND applicant_citizen_id NOT GLOB '*[^0-9]*'),
  submitter_name       TEXT NOT NULL DEFAULT '',
  phone                TEXT NOT NULL DEFAULT '',
  address              TEXT NOT NULL DEFAULT '',
  channel              INTEGER NOT NULL CHECK (channel IN (1, 2, 3)),
  received_at          INTEGER NOT NULL,   -- when the citizen handed it in (clerk's clock or back-entered)
  entered_at           INTEGER NOT NULL,   -- when it was typed into motcua
  due_at               INTEGER,            -- appointment given to the citizen; NULL with due_rule 'none'
  due_rule             TEXT NOT NULL CHECK (due_rule IN ('computed', 'manual', 'none')),
  limit_kind           TEXT NOT NULL CHECK (limit_kind IN ('none', 'hours', 'same_day', 'same_day_15h')),
  limit_hours          INTEGER,
  status               INTEGER NOT NULL CHECK (status IN (2, 3)),
  clock_suspect        INTEGER NOT NULL DEFAULT 0 CHECK (clock_suspect IN (0, 1)),
  hlc                  INTEGER NOT NULL,
  origin_unit          TEXT NOT NULL,
  actor                TEXT NOT NULL
) STRICT;
CREATE INDEX dossier_code ON dossier(code);

-- Fact: something that happened to a dossier. Inserted once, never updated.
CREATE TABLE dossier_event (
  id          BLOB PRIMARY KEY CHECK (length(id) = 16),
  dossier_id  BLOB NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('status', 'correction', 'transfer', 'note')),
  from_status INTEGER,                     -- the status the actor saw
  to_status   INTEGER,
  at          INTEGER NOT NULL,            -- wall instant of the action (clerk's clock)
  due_at      INTEGER,                     -- new due instant recorded by this event (resume, new appointment)
  note        TEXT NOT NULL DEFAULT '',
  data        TEXT NOT NULL DEFAULT '{}',  -- kind-specific JSON
  hlc         INTEGER NOT NULL,
  origin_unit TEXT NOT NULL,
  actor       TEXT NOT NULL
) STRICT;
CREATE INDEX dossier_event_dossier ON dossier_event(dossier_id, hlc);

-- Fact: a document received with the dossier (thành phần hồ sơ).
CREATE TABLE dossier_document (
  id          BLOB PRIMARY KEY CHECK (length(id) = 16),
  dossier_id  BLOB NOT NULL,
  position    INTEGER NOT NULL,
  name        TEXT NOT NULL,
  form        TEXT NOT NULL CHECK (form IN ('chinh', 'sao', 'photo')),
  copies      INTEGER NOT NULL CHECK (copies > 0),
  hlc         INTEGER NOT NULL,
  origin_unit TEXT NOT NULL
) STRICT;
CREATE INDEX dossier_document_dossier ON dossier_document(dossier_id, position);
