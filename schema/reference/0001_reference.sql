-- Reference data, version 1: hub-owned (units, the procedure catalogue, the working calendar),
-- identical on agent and hub so one apply path (reference/reference.cpp) serves `init` from files,
-- the hub's publications and the feed. Included in agent migration 1 and hub migration 1.

CREATE TABLE unit (
  code          TEXT PRIMARY KEY,          -- GSO code: 5 digits for a commune, 2 for a province
  name          TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('commune', 'province', 'agency')),
  province_code TEXT NOT NULL,
  agency_id     TEXT NOT NULL              -- prefix of this unit's dossier codes
) STRICT;

CREATE TABLE catalog_publication (
  version         INTEGER PRIMARY KEY,     -- numbered per publication by the province
  published_at    INTEGER NOT NULL,
  source          TEXT NOT NULL,           -- file name or hub publication id
  procedure_count INTEGER NOT NULL         -- rows that changed in this publication
) STRICT;

-- One row per procedure per publication that changed it. A dossier pins (procedure_key, version);
-- the current catalogue is the highest version of each key that is not abolished.
CREATE TABLE procedure (
  key                TEXT NOT NULL,        -- national code, or 'NB-…' internal id when there is none
  version            INTEGER NOT NULL,
  national_code      TEXT,                 -- NULL: "chưa có mã"
  name               TEXT NOT NULL,
  field              TEXT NOT NULL,
  resolving_body     TEXT NOT NULL,
  time_limit_text    TEXT NOT NULL,        -- verbatim as published
  limit_outcome      TEXT NOT NULL CHECK (limit_outcome IN ('parsed', 'parsed_with_variants', 'text', 'empty')),
  limit_kind         TEXT NOT NULL CHECK (limit_kind IN ('none', 'hours', 'same_day', 'same_day_15h')),
  limit_hours        INTEGER,
  limit_label        TEXT NOT NULL DEFAULT '',
  limit_variants     TEXT NOT NULL DEFAULT '[]',   -- JSON array of {label, kind, hours, extends}
  limit_notes        TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  fee_text           TEXT NOT NULL DEFAULT '',
  notes              TEXT NOT NULL DEFAULT '',
  required_documents TEXT NOT NULL DEFAULT '',
  online_level       TEXT NOT NULL DEFAULT '',
  source             TEXT NOT NULL DEFAULT '',
  abolished          INTEGER NOT NULL DEFAULT 0 CHECK (abolished IN (0, 1)),
  PRIMARY KEY (key, version)
) STRICT;

CREATE TABLE calendar_publication (
  version      INTEGER PRIMARY KEY,
  published_at INTEGER NOT NULL,
  source       TEXT NOT NULL,
  day_count    INTEGER NOT NULL
) STRICT;

-- The current calendar: replaced whole by each publication.
CREATE TABLE calendar_day (
  date    TEXT PRIMARY KEY,
  kind    TEXT NOT NULL,
  name    TEXT NOT NULL,
  status  TEXT NOT NULL,
  working INTEGER NOT NULL CHECK (working IN (0, 1))
) STRICT;
