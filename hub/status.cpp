#include "hub/status.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "hub/agent_report.hpp"
#include "hub/fleet.hpp"
#include "reference/reference.hpp"

namespace motcua::hub {

using nlohmann::json;

namespace {

// unit or agent key → count, from a "SELECT key, count" query.
template <typename Key>
Result<std::map<Key, int64_t>> counts_by(sql::Db& db, const char* query, int64_t bind_value = 0) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(query));
  if (bind_value != 0) st.bind(1, bind_value);
  std::map<Key, int64_t> out;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    if constexpr (std::is_same_v<Key, std::string>) {
      out[st.text(0)] = st.int64(1);
    } else {
      out[st.blob(0)] = st.int64(1);
    }
  }
  return out;
}

json time_or_null(const std::optional<Instant>& t) { return t ? json(format_rfc3339_vn(*t)) : json(nullptr); }

}  // namespace

Result<json> hub_status(HubStore& store) {
  sql::Db& db = store.db();
  const Instant now = store.clock().now();
  MOTCUA_ASSIGN_OR_RETURN(std::string province, store.get_meta("province"));
  MOTCUA_ASSIGN_OR_RETURN(std::string epoch, store.get_meta("epoch"));
  MOTCUA_ASSIGN_OR_RETURN(FleetPolicy policy, load_fleet_policy(store));
  MOTCUA_ASSIGN_OR_RETURN(domain::Calendar calendar, reference::load_calendar(db));

  // Per-unit and per-agent aggregates, each one grouped pass instead of a query per unit.
  MOTCUA_ASSIGN_OR_RETURN(auto received, counts_by<std::string>(db,
      "SELECT receiving_unit, count(*) FROM dossier GROUP BY receiving_unit"));
  MOTCUA_ASSIGN_OR_RETURN(auto held, counts_by<std::string>(db,
      "SELECT holder_unit, count(*) FROM dossier_state GROUP BY holder_unit"));
  MOTCUA_ASSIGN_OR_RETURN(auto conflicts_by_unit, counts_by<std::string>(db,
      "SELECT du.unit, count(*) FROM dossier_conflict c JOIN dossier_unit du ON du.dossier_id = c.dossier_id "
      "GROUP BY du.unit"));
  MOTCUA_ASSIGN_OR_RETURN(auto feed_head, counts_by<std::string>(db,
      "SELECT unit, max(position) FROM feed_entry GROUP BY unit"));
  MOTCUA_ASSIGN_OR_RETURN(auto quarantined, counts_by<sql::Blob>(db,
      "SELECT agent_id, count(*) FROM batch WHERE status = 'quarantined' GROUP BY agent_id"));
  // Reports whose error is newer than their last success: failed syncs, per hour.
  const char* errors_sql =
      "SELECT agent_id, count(*) FROM agent_report_history WHERE received_at > ?1 AND received_at <= ?1 + 3600000 "
      "AND last_error_code IS NOT NULL AND coalesce(json_extract(report, '$.last_error.at'), '') > "
      "coalesce(json_extract(report, '$.last_success_at'), '') GROUP BY agent_id";
  MOTCUA_ASSIGN_OR_RETURN(auto errors_last, counts_by<sql::Blob>(db, errors_sql, now.ms - kMsPerHour));
  MOTCUA_ASSIGN_OR_RETURN(auto errors_before, counts_by<sql::Blob>(db, errors_sql, now.ms - 2 * kMsPerHour));

  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT u.code, u.name, u.kind, a.status, a.last_seen_at, a.high_water_seq, a.feed_position, "
      "  (SELECT max(version) FROM feed_entry f WHERE f.unit = u.code AND f.kind = 'catalog' "
      "     AND f.position <= a.feed_position), a.id, a.clock_offset_ms, a.clock_measured_at, a.enrolled_at, "
      "  r.last_success_at + r.hub_clock_offset_ms, r.received_at, r.last_error_at + r.hub_clock_offset_ms, "
      "  r.agent_version, a.feed_pulled_at, "
      "  (SELECT b.status FROM agent b WHERE b.unit = u.code ORDER BY coalesce(b.retired_at, b.revoked_at) DESC LIMIT 1) "
      "FROM unit u LEFT JOIN agent a ON a.unit = u.code AND a.status = 'active' "
      "LEFT JOIN agent_report r ON r.agent_id = a.id"));
  struct Row {
    OfficeState state;
    int64_t silent_ms;
    std::string code;
    json doc;
  };
  std::vector<Row> rows;
  int64_t dossiers = 0, agents = 0;
  json all_alerts = json::array();
  std::map<std::string, int64_t> summary = {{"red", 0}, {"amber", 0}, {"green", 0}, {"grey", 0}};
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const std::string code = st.text(0);
    const bool enrolled = !st.is_null(3);
    agents += enrolled;
    auto count = [](const std::map<std::string, int64_t>& m, const std::string& k) {
      auto it = m.find(k);
      return it == m.end() ? int64_t{0} : it->second;
    };
    const int64_t unit_dossiers = count(received, code);
    dossiers += unit_dossiers;

    OfficeFacts facts;
    facts.enrolled = enrolled;
    int64_t unit_quarantined = 0;
    if (enrolled) {
      const sql::Blob agent_id = st.blob(8);
      auto per_agent = [&](const std::map<sql::Blob, int64_t>& m) {
        auto it = m.find(agent_id);
        return it == m.end() ? int64_t{0} : it->second;
      };
      unit_quarantined = per_agent(quarantined);
      facts.quarantined = unit_quarantined;
      facts.errors_last_hour = static_cast<int>(per_agent(errors_last));
      facts.errors_previous_hour = static_cast<int>(per_agent(errors_before));
      if (!st.is_null(9)) facts.clock_offset_ms = st.int64(9);
      if (!st.is_null(12)) {
        // The office's clock converted to the hub's; never later than the report's arrival.
        facts.last_success_at = Instant{std::min(st.int64(12), st.int64(13))};
      }
      // A feed request is a sync's last step, and an idle office reports at most hourly
      // (PROTOCOL.md 7.5): the hub's own record of it counts as a successful sync too.
      if (!st.is_null(16) && (!facts.last_success_at || st.int64(16) > facts.last_success_at->ms)) {
        facts.last_success_at = Instant{st.int64(16)};
      }
      facts.silent_since = facts.last_success_at.value_or(Instant{st.int64(11)});
      facts.error_current = !st.is_null(14) && (!facts.last_success_at || st.int64(14) > facts.last_success_at->ms);
      if (!st.is_null(15)) facts.agent_version = st.text(15);
    }
    const OfficeAssessment a = assess_office(facts, policy, now, calendar);
    summary[office_state_name(a.state)]++;
    json alerts = json::array();
    for (const Alert& al : a.alerts) {
      json one = {{"code", al.code}, {"severity", al.severity}, {"message", al.message}, {"message_vi", al.message_vi}};
      alerts.push_back(one);
      one["unit"] = code;
      one["name"] = st.text(1);
      all_alerts.push_back(std::move(one));
    }
    std::string agent_status = "not_enrolled";
    if (enrolled) {
      agent_status = st.text(3);
    } else if (!st.is_null(17)) {
      agent_status = st.text(17);  // revoked or retired, with no active agent
    }
    json doc = {{"unit", code},
                {"name", st.text(1)},
                {"kind", st.text(2)},
                {"agent_status", agent_status},
                {"state", office_state_name(a.state)},
                {"state_vi", office_state_vi(a.state)},
                {"last_success_at", time_or_null(facts.last_success_at)},
                {"silent_ms", enrolled ? json(a.silent_ms) : json(nullptr)},
                {"silent_working_ms", enrolled ? json(a.silent_working_ms) : json(nullptr)},
                {"alerts", alerts},
                {"quarantined_batches", unit_quarantined},
                {"last_seen_at", st.is_null(4) ? json(nullptr) : json(format_rfc3339_vn(Instant{st.int64(4)}))},
                {"high_water_seq", enrolled ? json(st.int64(5)) : json(nullptr)},
                {"dossiers", unit_dossiers},
                // The office confirmed it applied its feed up to here (it asked for what follows).
                {"feed_position", enrolled ? json(st.int64(6)) : json(nullptr)},
                {"feed_head", count(feed_head, code)},
                {"catalog_version_applied", st.is_null(7) ? json(nullptr) : json(st.int64(7))},
                // hub − office clock, measured at the office's last feed request (docs/CONFLICTS.md)
                {"clock_offset_ms", st.is_null(9) ? json(nullptr) : json(st.int64(9))},
                {"clock_measured_at", st.is_null(10) ? json(nullptr) : json(format_rfc3339_vn(Instant{st.int64(10)}))},
                {"dossiers_held", count(held, code)},
                {"conflicts", count(conflicts_by_unit, code)}};
    // What the office itself said at the end of its last sync (POST /v1/report), or null.
    json report = nullptr;
    if (enrolled) {
      MOTCUA_ASSIGN_OR_RETURN(report, latest_report_json(db, st.blob(8)));
    }
    doc["report"] = std::move(report);
    rows.push_back({a.state, enrolled ? a.silent_ms : 0, code, std::move(doc)});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    if (x.state != y.state) return x.state < y.state;
    if (x.silent_ms != y.silent_ms) return x.silent_ms > y.silent_ms;
    return x.code < y.code;
  });
  json units = json::array();
  for (Row& r : rows) units.push_back(std::move(r.doc));
  MOTCUA_ASSIGN_OR_RETURN(auto conflicts, sql::query_int64(db, "SELECT count(*) FROM dossier_conflict"));
  MOTCUA_ASSIGN_OR_RETURN(auto catalog, sql::query_int64(db, "SELECT max(version) FROM catalog_publication"));
  MOTCUA_ASSIGN_OR_RETURN(auto calendar_version, sql::query_int64(db, "SELECT max(version) FROM calendar_publication"));
  return json{{"province", province},
              {"epoch", epoch},
              {"generated_at", format_rfc3339_vn(now)},
              {"policy", {{"amber_after", format_threshold(policy.amber_after)},
                          {"red_after", format_threshold(policy.red_after)},
                          {"clock_alert_minutes", policy.clock_alert_ms / kMsPerMinute},
                          {"min_agent_version", policy.min_agent_version},
                          {"errors_rising", policy.errors_rising_min}}},
              {"summary", summary},
              {"alerts", all_alerts},
              {"units", units},
              {"dossiers", dossiers},
              {"agents", agents},
              {"conflicts", conflicts.value_or(0)},
              {"catalog_version", catalog ? json(*catalog) : json(nullptr)},
              {"calendar_version", calendar_version ? json(*calendar_version) : json(nullptr)}};
}

}  // namespace motcua::hub
