-- motcua hub database, schema version 3: zstd dictionaries for small batches (PROTOCOL.md 4.1).
-- Each dictionary is published to every office through the feed (kind 'dictionary'); the hub keeps
-- every one it ever published, since an office may still send a batch compressed with an old one.

CREATE TABLE dictionary (
  id           INTEGER PRIMARY KEY CHECK (id >= 32768 AND id < 2147483648),  -- zstd dictionary id
  bytes        BLOB NOT NULL,
  version      INTEGER NOT NULL UNIQUE,  -- its publication's version
  published_at INTEGER NOT NULL,
  source       TEXT NOT NULL
) STRICT;

-- publication and feed_entry now also carry dictionaries: SQLite cannot change a CHECK constraint,
-- so both tables are rebuilt with the wider one.
CREATE TABLE publication_v3 (
  kind         TEXT NOT NULL CHECK (kind IN ('catalog', 'calendar', 'dictionary')),
  version      INTEGER NOT NULL,
  published_at INTEGER NOT NULL,
  source       TEXT NOT NULL,
  payload      TEXT NOT NULL,
  PRIMARY KEY (kind, version)
) STRICT;
INSERT INTO publication_v3 SELECT kind, version, published_at, source, payload FROM publication;
DROP TABLE publication;
ALTER TABLE publication_v3 RENAME TO publication;

CREATE TABLE feed_entry_v3 (
  unit       TEXT NOT NULL,
  position   INTEGER NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('catalog', 'calendar', 'dictionary')),
  version    INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (unit, position)
) STRICT;
INSERT INTO feed_entry_v3 SELECT unit, position, kind, version, created_at FROM feed_entry;
DROP TABLE feed_entry;
ALTER TABLE feed_entry_v3 RENAME TO feed_entry;
