#include "hub/dossier_actions.hpp"

#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "hub/audit.hpp"
#include "hub/relay.hpp"

namespace motcua::hub {

using nlohmann::json;

namespace {

// Runs `body` in one write transaction as `actor` with a fresh hub HLC, then relays the new facts
// of the dossier to every unit involved with it.
template <typename T>
Result<T> act(HubStore& store, const HubActor& who, const std::string& code,
              const std::function<Result<T>(sql::Db&, const facts::Actor&)>& body) {
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  facts::Actor actor;
  if (who.unit.empty()) {
    MOTCUA_ASSIGN_OR_RETURN(actor.unit, store.get_meta("province"));
  } else {
    actor.unit = who.unit;
  }
  actor.name = who.name;
  actor.at = whole_second(store.clock().now());
  MOTCUA_ASSIGN_OR_RETURN(auto last, sql::query_int64(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hlc'"));
  // After everything the hub has seen, so the step orders after the facts it follows.
  MOTCUA_ASSIGN_OR_RETURN(auto seen, sql::query_int64(db, "SELECT max(last_hlc) FROM dossier_state"));
  actor.hlc = hlc_receive(Hlc{last.value_or(0)}, Hlc{seen.value_or(0)}, store.clock().now());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt known, db.prepare("SELECT 1 FROM unit WHERE code = ?1"));
  known.bind(1, actor.unit);
  MOTCUA_ASSIGN_OR_RETURN(bool unit_known, known.step());
  if (!unit_known) {
    return fail(Error::not_found("unit '" + actor.unit + "' is not in the province's list of units",
                                 "pass --as with the GSO code of the unit you act for"));
  }
  MOTCUA_ASSIGN_OR_RETURN(Id128 dossier, facts::find_dossier_by_code(db, code));
  MOTCUA_ASSIGN_OR_RETURN(auto before, facts::dossier_fact_refs(db, dossier));
  MOTCUA_ASSIGN_OR_RETURN(T result, body(db, actor));
  MOTCUA_TRY(store.set_meta("hlc", std::to_string(actor.hlc.value)));
  MOTCUA_ASSIGN_OR_RETURN(auto after, facts::dossier_fact_refs(db, dossier));
  TouchedFacts touched;
  touched.dossiers.insert(dossier);
  for (const auto& ref : after) {
    bool old = false;
    for (const auto& b : before) old = old || (b.id == ref.id && b.table == ref.table);
    if (!old) touched.rows.push_back(ref);
  }
  if (!touched.rows.empty()) MOTCUA_TRY(relay_facts(db, touched, "", store.clock().now()).map([](auto&&) {}));
  // The facts a province user added carry no office's signature: the audit log says who and which.
  json facts = json::array();
  for (const auto& ref : touched.rows) facts.push_back({{"table", ref.table}, {"id", ref.id.hex()}});
  MOTCUA_TRY(append_audit(db,
                          AuditEntry{"hub_action", std::nullopt, actor.unit, actor.name,
                                     json{{"code", code}, {"facts", facts}}.dump()},
                          store.clock().now()));
  MOTCUA_TRY(tx.commit());
  return result;
}

}  // namespace

Result<facts::StepResult> hub_set_status(HubStore& store, const HubActor& actor, const std::string& code,
                                         domain::DossierStatus to, const std::string& note) {
  return act<facts::StepResult>(store, actor, code, [&](sql::Db& db, const facts::Actor& a) {
    return facts::record_status(db, a, code, to, note);
  });
}

Result<facts::StepResult> hub_transfer(HubStore& store, const HubActor& actor, const std::string& code,
                                       const std::string& to_unit, const std::string& note) {
  return act<facts::StepResult>(store, actor, code, [&](sql::Db& db, const facts::Actor& a) {
    return facts::record_transfer(db, a, code, to_unit, note);
  });
}

Result<bool> hub_correct(HubStore& store, const HubActor& actor, const std::string& code, const std::string& field,
                         const std::string& value, const std::string& note) {
  return act<bool>(store, actor, code, [&](sql::Db& db, const facts::Actor& a) {
    return facts::record_correction(db, a, code, field, value, note);
  });
}

Result<json> hub_dossier_json(HubStore& store, const std::string& code) {
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(Id128 id, facts::find_dossier_by_code(db, code));
  MOTCUA_ASSIGN_OR_RETURN(json out, facts::dossier_json(db, id));
  json units = json::array();
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt u,
                          db.prepare("SELECT unit FROM dossier_unit WHERE dossier_id = ?1 ORDER BY since, unit"));
  u.bind(1, id.blob());
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, u.step());
    if (!row) break;
    units.push_back(u.text(0));
  }
  out["involved_units"] = units;
  json flags = json::array();
  MOTCUA_ASSIGN_OR_RETURN(
      sql::Stmt f,
      db.prepare(
          "SELECT fact_id, agent_id, offset_ms, flagged_at FROM clock_flag WHERE dossier_id = ?1 ORDER BY flagged_at"));
  f.bind(1, id.blob());
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, f.step());
    if (!row) break;
    const sql::Blob fact = f.blob(0), agent = f.blob(1);
    flags.push_back({{"fact", to_hex(fact.data(), fact.size())},
                     {"agent", to_hex(agent.data(), agent.size())},
                     {"clock_offset_ms", f.int64(2)},
                     {"flagged_at", format_rfc3339_vn(Instant{f.int64(3)})}});
  }
  out["clock_flags"] = flags;
  return out;
}

Result<json> list_conflicts(HubStore& store, const ConflictFilter& filter) {
  sql::Db& db = store.db();
  if (filter.limit < 1) return fail(Error::invalid_input("--limit must be at least 1"));
  std::string where = filter.unit ? " WHERE c.dossier_id IN (SELECT dossier_id FROM dossier_unit WHERE unit = ?1)" : "";
  MOTCUA_ASSIGN_OR_RETURN(
      sql::Stmt st,
      db.prepare("SELECT c.dossier_id, c.event_id FROM dossier_conflict c JOIN dossier_event e ON e.id = c.event_id" +
                 where + " ORDER BY e.hlc DESC, e.id LIMIT " + std::to_string(filter.limit)));
  if (filter.unit) st.bind(1, *filter.unit);
  std::vector<std::pair<Id128, Id128>> rows;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    MOTCUA_ASSIGN_OR_RETURN(Id128 dossier, Id128::from_blob(st.blob(0)));
    MOTCUA_ASSIGN_OR_RETURN(Id128 event, Id128::from_blob(st.blob(1)));
    rows.emplace_back(dossier, event);
  }
  json list = json::array();
  std::map<Id128, json> dossiers;
  for (const auto& [dossier, event] : rows) {
    auto it = dossiers.find(dossier);
    if (it == dossiers.end()) {
      MOTCUA_ASSIGN_OR_RETURN(json d, facts::dossier_json(db, dossier));
      it = dossiers.emplace(dossier, std::move(d)).first;
    }
    const json& d = it->second;
    for (const json& c : d["conflicts"]) {
      if (c["lost"]["id"] != event.hex()) continue;
      json entry = c;
      entry["dossier"] = dossier.hex();
      entry["code"] = d["code"];
      entry["holder_unit"] = d["holder_unit"];
      entry["receiving_unit"] = d["receiving_unit"];
      list.push_back(std::move(entry));
    }
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt count, db.prepare("SELECT count(*) FROM dossier_conflict c" + where));
  if (filter.unit) count.bind(1, *filter.unit);
  MOTCUA_ASSIGN_OR_RETURN(bool crow, count.step());
  return json{{"conflicts", list}, {"total", crow ? count.int64(0) : 0}, {"limit", filter.limit}};
}

}  // namespace motcua::hub
