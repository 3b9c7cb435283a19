// Which rows an office's batch may write at the hub (PROTOCOL.md 7.2 step 7, DESIGN.md "Security"):
// known fact tables with the hub's columns only; inserts only; each value of its column's type, ids
// of 16 bytes, text valid UTF-8 in NFC without NUL and within its length limit
// (facts::max_text_bytes); at most kMaxRowsPerBatch rows; rows whose origin unit
// is the agent's unit; dossiers the unit received (and holds at first); events or documents of
// dossiers in the same batch or that the unit is involved with (received, ever held or acted on:
// dossier_unit); transfers only to units the hub knows. Whether a step was the unit's to take is
// not checked here: such facts are accepted and lose inside the fold (docs/CONFLICTS.md), so an
// honest office's late work is never refused. One rule set for intake (a batch as it
// arrives) and for IT staff retrying a quarantined batch (hub/quarantine.hpp).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "common/sqlite.hpp"

namespace motcua::hub {

// Column positions and declared types of the fact tables, read from the hub's own schema.
struct FactColumns {
  std::map<std::string, int> count;                      // table -> number of columns
  std::map<std::string, std::map<std::string, int>> at;  // table -> column -> index
  std::map<std::string, std::map<std::string, std::string>> type;  // table -> column -> INTEGER|TEXT|BLOB
};

// The most rows one batch may carry (about 200 times what 500 outbox entries of a busy office hold).
inline constexpr int kMaxRowsPerBatch = 100000;

Result<FactColumns> read_fact_columns(sql::Db& db);

// Checks every row of `changeset` against what `unit` may write, reading dossier ownership from
// `db`. nullopt: every row is allowed; otherwise the reason the whole batch is refused, naming the
// table, the row's id and the column.
// kCorruption when the change set cannot be read at all.
Result<std::optional<std::string>> authorize_changeset(sql::Db& db, const FactColumns& columns,
                                                       const sql::Blob& changeset, const std::string& unit);

}  // namespace motcua::hub
