#include "hub/relay.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>

namespace motcua::hub {

using nlohmann::json;

Result<TouchedFacts> touched_by_changeset(const sql::Blob& changeset) {
  sqlite3_changeset_iter* raw = nullptr;
  int rc =
      sqlite3changeset_start(&raw, static_cast<int>(changeset.size()), const_cast<unsigned char*>(changeset.data()));
  sql::ChangesetIterHandle it(raw);
  if (rc != SQLITE_OK) return fail(Error::corruption("cannot read the change set"));
  TouchedFacts out;
  while (sqlite3changeset_next(it.get()) == SQLITE_ROW) {
    const char* table = nullptr;
    int ncol = 0, op = 0, indirect = 0;
    sqlite3changeset_op(it.get(), &table, &ncol, &op, &indirect);
    if (op != SQLITE_INSERT) continue;
    // Column 0 is the id of every fact table; column 1 the dossier id of documents and events.
    auto id_at = [&](int col) -> std::optional<Id128> {
      sqlite3_value* v = nullptr;
      if (sqlite3changeset_new(it.get(), col, &v) != SQLITE_OK || !v || sqlite3_value_type(v) != SQLITE_BLOB) {
        return std::nullopt;
      }
      const auto* p = static_cast<const unsigned char*>(sqlite3_value_blob(v));
      auto id = Id128::from_blob(sql::Blob(p, p + sqlite3_value_bytes(v)));
      return id ? std::optional<Id128>(*id) : std::nullopt;
    };
    const std::string name = table;
    auto id = id_at(0);
    auto dossier = name == "dossier" ? id : id_at(1);
    if (!id || !dossier) return fail(Error::corruption("a fact row of " + name + " has no 128-bit id"));
    out.rows.push_back({name, *id});
    out.dossiers.insert(*dossier);
  }
  return out;
}

namespace {

Result<std::set<std::string>> involved_units(sql::Db& db, const Id128& dossier) {
  std::set<std::string> out;
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT unit FROM dossier_unit WHERE dossier_id = ?1"));
  st.bind(1, dossier.blob());
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.insert(st.text(0));
  }
  return out;
}

Result<std::set<std::string>> acting_units(sql::Db& db, const Id128& dossier) {
  std::set<std::string> out;
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT origin_unit FROM dossier WHERE id = ?1 UNION SELECT "
                                                   "origin_unit FROM dossier_event WHERE dossier_id = ?1"));
  st.bind(1, dossier.blob());
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.insert(st.text(0));
  }
  return out;
}

}  // namespace

Result<RelayReport> relay_facts(sql::Db& db, const TouchedFacts& touched, const std::string& from_unit, Instant now) {
  RelayReport report;
  std::map<Id128, std::vector<facts::FactRef>> rows_of;
  std::map<std::string, sql::Stmt> dossier_of;  // table -> SELECT dossier_id
  for (const facts::FactRef& ref : touched.rows) {
    // Which dossier a row belongs to: itself for a creation, else read back (it is applied).
    if (ref.table == "dossier") {
      rows_of[ref.id].push_back(ref);
      continue;
    }
    // One statement per table, prepared once: a batch carries up to hundreds of rows.
    auto cached = dossier_of.find(ref.table);
    if (cached == dossier_of.end()) {
      MOTCUA_ASSIGN_OR_RETURN(sql::Stmt prepared, db.prepare("SELECT dossier_id FROM " + ref.table + " WHERE id = ?1"));
      cached = dossier_of.emplace(ref.table, std::move(prepared)).first;
    }
    sql::Stmt& st = cached->second;
    st.bind(1, ref.id.blob());
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    std::optional<Id128> dossier;
    if (row) {
      MOTCUA_ASSIGN_OR_RETURN(Id128 id, Id128::from_blob(st.blob(0)));
      dossier = id;
    }
    MOTCUA_TRY(st.reset());
    if (dossier) rows_of[*dossier].push_back(ref);
  }

  std::map<std::string, std::vector<facts::FactRef>> for_unit;
  MOTCUA_ASSIGN_OR_RETURN(
      sql::Stmt join, db.prepare("INSERT OR IGNORE INTO dossier_unit(dossier_id, unit, since) VALUES (?1, ?2, ?3)"));
  for (const Id128& dossier : touched.dossiers) {
    MOTCUA_ASSIGN_OR_RETURN(auto state, facts::refresh_derived(db, dossier));
    if (!state) continue;  // events of a dossier whose creation the hub does not hold: nothing to fold
    ++report.dossiers;
    MOTCUA_ASSIGN_OR_RETURN(std::set<std::string> before, involved_units(db, dossier));
    std::set<std::string> now_involved = before;
    now_involved.insert(state->holders.begin(), state->holders.end());
    MOTCUA_ASSIGN_OR_RETURN(std::set<std::string> actors, acting_units(db, dossier));
    now_involved.insert(actors.begin(), actors.end());
    std::vector<facts::FactRef> whole;
    for (const std::string& unit : now_involved) {
      const bool joined = !before.count(unit);
      if (joined) {
        join.bind(1, dossier.blob()).bind(2, unit).bind(3, now.ms);
        MOTCUA_TRY(join.run());
        ++report.units_joined;
      }
      if (unit == from_unit) continue;
      auto& out = for_unit[unit];
      if (joined) {
        if (whole.empty()) {
          MOTCUA_ASSIGN_OR_RETURN(whole, facts::dossier_fact_refs(db, dossier));
        }
        out.insert(out.end(), whole.begin(), whole.end());
      } else {
        const auto& fresh = rows_of[dossier];
        out.insert(out.end(), fresh.begin(), fresh.end());
      }
    }
  }

  MOTCUA_ASSIGN_OR_RETURN(
      sql::Stmt append,
      db.prepare(
          "INSERT INTO feed_entry(unit, position, kind, version, created_at, body) "
          "VALUES (?1, coalesce((SELECT max(position) FROM feed_entry WHERE unit = ?1), 0) + 1, 'facts', 1, ?2, ?3)"));
  for (const auto& [unit, refs] : for_unit) {
    if (refs.empty()) continue;
    for (size_t start = 0; start < refs.size(); start += kFactRowsPerEntry) {
      const std::vector<facts::FactRef> chunk(
          refs.begin() + static_cast<std::ptrdiff_t>(start),
          refs.begin() + static_cast<std::ptrdiff_t>(std::min(refs.size(), start + kFactRowsPerEntry)));
      MOTCUA_ASSIGN_OR_RETURN(json body, facts::facts_json(db, chunk));
      append.bind(1, unit).bind(2, now.ms).bind(3, body.dump());
      MOTCUA_TRY(append.run());
      ++report.entries;
    }
  }
  return report;
}

Result<RelayReport> after_office_facts(sql::Db& db, const sql::Blob& changeset, const Id128& agent_id,
                                       const std::string& unit, Instant now) {
  MOTCUA_ASSIGN_OR_RETURN(TouchedFacts touched, touched_by_changeset(changeset));
  MOTCUA_ASSIGN_OR_RETURN(RelayReport report, relay_facts(db, touched, unit, now));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt off, db.prepare("SELECT clock_offset_ms FROM agent WHERE id = ?1"));
  off.bind(1, agent_id.blob());
  MOTCUA_ASSIGN_OR_RETURN(bool row, off.step());
  const std::optional<int64_t> offset = row ? off.opt_int64(0) : std::nullopt;
  if (offset && (*offset > facts::kClockSuspectMs || -*offset > facts::kClockSuspectMs)) {
    MOTCUA_ASSIGN_OR_RETURN(
        sql::Stmt flag,
        db.prepare("INSERT OR IGNORE INTO clock_flag(fact_id, dossier_id, agent_id, offset_ms, flagged_at) "
                   "SELECT ?1, coalesce((SELECT dossier_id FROM dossier_event WHERE id = ?1), "
                   "(SELECT dossier_id FROM dossier_document WHERE id = ?1), ?1), ?2, ?3, ?4"));
    for (const facts::FactRef& ref : touched.rows) {
      if (ref.table == "dossier_document") continue;  // a document shares its dossier's moment
      flag.bind(1, ref.id.blob()).bind(2, agent_id.blob()).bind(3, *offset).bind(4, now.ms);
      MOTCUA_TRY(flag.run());
    }
  }
  return report;
}

}  // namespace motcua::hub
