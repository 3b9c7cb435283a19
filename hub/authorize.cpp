#include "hub/authorize.hpp"

#include <set>
#include <vector>

#include "common/text.hpp"
#include "domain/dossier.hpp"
#include "facts/dossier_store.hpp"
#include "schema/tables.hpp"

namespace motcua::hub {

namespace {

std::string value_text(sqlite3_value* v) {
  if (!v) return {};
  const unsigned char* t = sqlite3_value_text(v);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_value_bytes(v))) : std::string();
}

sql::Blob value_blob(sqlite3_value* v) {
  if (!v || sqlite3_value_type(v) != SQLITE_BLOB) return {};
  const auto* p = static_cast<const unsigned char*>(sqlite3_value_blob(v));
  return sql::Blob(p, p + sqlite3_value_bytes(v));
}

}  // namespace

Result<FactColumns> read_fact_columns(sql::Db& db) {
  FactColumns out;
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT cid, name, upper(type) FROM pragma_table_info(?1)"));
  for (const auto& table : schema::agent_captured_tables()) {
    st.bind(1, table);
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      out.at[table][st.text(1)] = static_cast<int>(st.int64(0));
      out.type[table][st.text(1)] = st.text(2);
      ++out.count[table];
    }
    MOTCUA_TRY(st.reset());
  }
  return out;
}

Result<std::optional<std::string>> authorize_changeset(sql::Db& db, const FactColumns& columns,
                                                       const sql::Blob& changeset, const std::string& unit) {
  sqlite3_changeset_iter* raw = nullptr;
  int rc = sqlite3changeset_start(&raw, static_cast<int>(changeset.size()), const_cast<unsigned char*>(changeset.data()));
  sql::ChangesetIterHandle it(raw);
  if (rc != SQLITE_OK) return fail(Error::corruption("cannot read the change set"));
  std::set<sql::Blob> new_dossiers;
  struct Pending {
    std::string table;
    sql::Blob dossier_id;
  };
  std::vector<Pending> needs_dossier;
  std::set<std::string> transfer_targets;
  int rows = 0;
  int step = SQLITE_ROW;
  while ((step = sqlite3changeset_next(it.get())) == SQLITE_ROW) {
    const char* table_c = nullptr;
    int ncol = 0, op = 0, indirect = 0;
    sqlite3changeset_op(it.get(), &table_c, &ncol, &op, &indirect);
    const std::string table = table_c;
    auto cols = columns.at.find(table);
    if (cols == columns.at.end()) return std::optional<std::string>("table " + table + " may not be written by an office");
    if (op != SQLITE_INSERT) return std::optional<std::string>("facts are insert-only: an update or delete of " + table);
    // A table listed in `at` has at least one column, so it is in `count` too.
    const int hub_columns = columns.count.at(table);
    if (ncol != hub_columns) {
      return std::optional<std::string>("table " + table + " has " + std::to_string(ncol) + " columns in the batch but " +
                                        std::to_string(hub_columns) + " at the hub");
    }
    auto get = [&](const char* column) {
      sqlite3_value* v = nullptr;
      sqlite3changeset_new(it.get(), cols->second.at(column), &v);
      return v;
    };
    if (++rows > kMaxRowsPerBatch) {
      return std::optional<std::string>("the batch holds more than " + std::to_string(kMaxRowsPerBatch) + " rows");
    }
    const auto& types = columns.type.at(table);
    std::string row_name = table + " (no id)";
    if (sqlite3_value* idv = get("id"); idv && sqlite3_value_type(idv) == SQLITE_BLOB) {
      auto id = Id128::from_blob(value_blob(idv));
      if (id) row_name = table + " " + id->hex();
    }
    for (const auto& [column, index] : cols->second) {
      sqlite3_value* v = nullptr;
      sqlite3changeset_new(it.get(), index, &v);
      const int vt = v ? sqlite3_value_type(v) : SQLITE_NULL;
      if (vt == SQLITE_NULL) continue;  // NOT NULL is the schema's to enforce
      const std::string& declared = types.at(column);
      const char* got = vt == SQLITE_INTEGER ? "INTEGER" : vt == SQLITE_TEXT ? "TEXT" : vt == SQLITE_BLOB ? "BLOB" : "REAL";
      if (declared != got) {
        return std::optional<std::string>(row_name + ": " + column + " holds " + got + " where the hub keeps " + declared);
      }
      if (vt == SQLITE_BLOB && sqlite3_value_bytes(v) != 16) {
        return std::optional<std::string>(row_name + ": " + column + " is not a 16-byte id");
      }
      if (vt != SQLITE_TEXT) continue;
      // Text is stored, compared and hashed in NFC (DESIGN.md): every office normalises what it
      // records, so anything else is a defect, refused before it can make equal names differ.
      const std::string text = value_text(v);
      const size_t limit = facts::max_text_bytes(table, column);
      if (text.size() > limit) {
        return std::optional<std::string>(row_name + ": " + column + " is " + std::to_string(text.size()) +
                                          " bytes, over its limit of " + std::to_string(limit));
      }
      if (!is_valid_utf8(text)) return std::optional<std::string>(row_name + ": " + column + " is not valid UTF-8");
      if (text.find('\0') != std::string::npos) {
        return std::optional<std::string>(row_name + ": " + column + " contains a NUL character");
      }
      auto nfc = to_nfc(text);
      if (!nfc || *nfc != text) return std::optional<std::string>(row_name + ": " + column + " is not NFC-normalised UTF-8");
    }
    const std::string origin = value_text(get("origin_unit"));
    if (origin != unit) return std::optional<std::string>(table + " row claims origin unit " + origin + ", not " + unit);
    if (table == "dossier") {
      if (value_text(get("receiving_unit")) != unit) {
        return std::optional<std::string>("a dossier received by another unit (" + value_text(get("receiving_unit")) + ")");
      }
      if (value_text(get("holder_unit")) != unit) {
        // A new dossier starts with its receiving unit; handing it over is a transfer event.
        return std::optional<std::string>("a new dossier held by another unit (" + value_text(get("holder_unit")) + ")");
      }
      new_dossiers.insert(value_blob(get("id")));
    } else {
      needs_dossier.push_back({table, value_blob(get("dossier_id"))});
      if (table == "dossier_event" && value_text(get("kind")) == "transfer") {
        domain::EventFact e;
        if (!domain::parse_event_data(value_text(get("data")), e) || e.transfer_to.empty()) {
          return std::optional<std::string>("a transfer event that names no unit to hand over to");
        }
        transfer_targets.insert(e.transfer_to);
      }
    }
  }
  // A read error part-way must not pass for the end: the rows after it were never checked.
  if (step != SQLITE_DONE) return fail(Error::corruption("cannot read the change set"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt known_unit, db.prepare("SELECT 1 FROM unit WHERE code = ?1"));
  for (const std::string& target : transfer_targets) {
    known_unit.bind(1, target);
    MOTCUA_ASSIGN_OR_RETURN(bool ok_row, known_unit.step());
    MOTCUA_TRY(known_unit.reset());
    if (!ok_row) return std::optional<std::string>("a transfer to unit " + target + ", which the hub does not know");
  }
  // Received, ever held, or acted on (hub/relay.hpp keeps dossier_unit).
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt owned, db.prepare(
      "SELECT 1 FROM dossier_unit WHERE dossier_id = ?1 AND unit = ?2"));
  for (const auto& p : needs_dossier) {
    if (new_dossiers.count(p.dossier_id)) continue;
    owned.bind(1, p.dossier_id).bind(2, unit);
    MOTCUA_ASSIGN_OR_RETURN(bool ok_row, owned.step());
    MOTCUA_TRY(owned.reset());
    if (!ok_row) return std::optional<std::string>(p.table + " row for a dossier unit " + unit + " never received or held");
  }
  return std::optional<std::string>();
}

}  // namespace motcua::hub
