-- motcua agent database, schema version 2: the zstd dictionaries the hub published through the feed
-- (PROTOCOL.md 4.1). Hub-owned, applied with the feed's cursor, never captured. The newest one
-- compresses the office's batches; none means plain zstd.

CREATE TABLE compression_dictionary (
  id          INTEGER PRIMARY KEY CHECK (id >= 32768 AND id < 2147483648),  -- zstd dictionary id
  bytes       BLOB NOT NULL,
  version     INTEGER NOT NULL,  -- the publication's version: the highest is the one in use
  received_at INTEGER NOT NULL
) STRICT;
