// SQLite changesets as motcua ships them: the captured changes of the replicated-fact tables.
// Pure functions over bytes (no database, no I/O).
//
// SQLite 3.40's changeset reader can spin for minutes on some truncated or damaged inputs (measured:
// a changeset cut inside its first table header never returns). So every changeset from outside is
// first walked by validate_changeset(), a strict, bounded parser of the format below, and only a
// changeset it accepts is handed to SQLite.
//
// Format (sqlite3session, "changeset" not "patchset"), as a grammar:
//   changeset    = *table
//   table        = %x54 varint(ncol) ncol*pk-flag table-name %x00 1*change
//   pk-flag      = %x00 / %x01                      ; at least one %x01 per table
//   table-name   = 1*255 bytes, no %x00
//   change       = insert / delete / update
//   insert       = %x12 indirect ncol*defined-value
//   delete       = %x09 indirect ncol*defined-value
//   update       = %x17 indirect ncol*value ncol*value  ; old then new; %x00 marks unchanged
//   indirect     = %x00 / %x01
//   value        = %x00 / defined-value
//   defined-value= %x01 8byte-int / %x02 8byte-real / %x03 varint(n) n*utf8 / %x04 varint(n) n*byte / %x05
//   varint       = SQLite varint (1-9 bytes, big-endian 7-bit groups)
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/sqlite.hpp"

namespace motcua::sync {

struct TableChanges {
  int inserts = 0;
  int updates = 0;
  int deletes = 0;
  int columns = 0;
};

// Per-table counts of the operations in a changeset, keyed by table name.
struct ChangesetSummary {
  std::map<std::string, TableChanges> tables;
  int total() const;
};

// Walks the whole changeset against the grammar above. Any deviation (truncation, unknown
// operation or value type, a length past the end, invalid UTF-8 text, a table with no primary key
// column or more than 2000 columns) is kCorruption naming the byte offset. Linear time, no allocation
// proportional to declared lengths.
Result<ChangesetSummary> validate_changeset(const sql::Blob& changeset);

// Same as validate_changeset (kept as the name callers read best when they only want counts).
inline Result<ChangesetSummary> summarize_changeset(const sql::Blob& changeset) { return validate_changeset(changeset); }

// Merges consecutive changesets into one (sqlite3changegroup), as a batch does before compression.
// Each input is validated first.
Result<sql::Blob> merge_changesets(const std::vector<sql::Blob>& changesets);

}  // namespace motcua::sync
