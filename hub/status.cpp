#include "hub/status.hpp"

#include <nlohmann/json.hpp>

#include "hub/agent_report.hpp"

namespace motcua::hub {

using nlohmann::json;

Result<json> hub_status(HubStore& store) {
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(std::string province, store.get_meta("province"));
  MOTCUA_ASSIGN_OR_RETURN(std::string epoch, store.get_meta("epoch"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT u.code, u.name, u.kind, a.status, a.last_seen_at, a.high_water_seq, "
      "  (SELECT count(*) FROM dossier d WHERE d.receiving_unit = u.code), a.feed_position, "
      "  (SELECT coalesce(max(position), 0) FROM feed_entry f WHERE f.unit = u.code), "
      "  (SELECT max(version) FROM feed_entry f WHERE f.unit = u.code AND f.kind = 'catalog' "
      "     AND f.position <= a.feed_position), a.id, a.clock_offset_ms, a.clock_measured_at, "
      "  (SELECT count(*) FROM dossier_state s WHERE s.holder_unit = u.code), "
      "  (SELECT count(*) FROM dossier_conflict c WHERE c.dossier_id IN "
      "     (SELECT dossier_id FROM dossier_unit du WHERE du.unit = u.code)) "
      "FROM unit u LEFT JOIN agent a ON a.unit = u.code AND a.status = 'active' ORDER BY u.kind DESC, u.code"));
  json units = json::array();
  int64_t dossiers = 0, agents = 0;
  MOTCUA_ASSIGN_OR_RETURN(auto conflicts, sql::query_int64(db, "SELECT count(*) FROM dossier_conflict"));
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const bool enrolled = !st.is_null(3);
    agents += enrolled;
    dossiers += st.int64(6);
    units.push_back({{"unit", st.text(0)},
                     {"name", st.text(1)},
                     {"kind", st.text(2)},
                     {"agent_status", enrolled ? json(st.text(3)) : json("not_enrolled")},
                     {"last_seen_at", st.is_null(4) ? json(nullptr) : json(format_rfc3339_vn(Instant{st.int64(4)}))},
                     {"high_water_seq", enrolled ? json(st.int64(5)) : json(nullptr)},
                     {"dossiers", st.int64(6)},
                     // The office confirmed it applied its feed up to here (it asked for what follows).
                     {"feed_position", enrolled ? json(st.int64(7)) : json(nullptr)},
                     {"feed_head", st.int64(8)},
                     {"catalog_version_applied", st.is_null(9) ? json(nullptr) : json(st.int64(9))},
                     // hub − office clock, measured at the office's last feed request (docs/CONFLICTS.md)
                     {"clock_offset_ms", st.is_null(11) ? json(nullptr) : json(st.int64(11))},
                     {"clock_measured_at", st.is_null(12) ? json(nullptr) : json(format_rfc3339_vn(Instant{st.int64(12)}))},
                     {"dossiers_held", st.int64(13)},
                     {"conflicts", st.int64(14)}});
    // What the office itself said at the end of its last sync (POST /v1/report), or null.
    json report = nullptr;
    if (enrolled) {
      MOTCUA_ASSIGN_OR_RETURN(report, latest_report_json(db, st.blob(10)));
    }
    units.back()["report"] = std::move(report);
  }
  MOTCUA_ASSIGN_OR_RETURN(auto catalog, sql::query_int64(db, "SELECT max(version) FROM catalog_publication"));
  MOTCUA_ASSIGN_OR_RETURN(auto calendar, sql::query_int64(db, "SELECT max(version) FROM calendar_publication"));
  return json{{"province", province},
              {"epoch", epoch},
              {"units", units},
              {"dossiers", dossiers},
              {"agents", agents},
              {"conflicts", conflicts.value_or(0)},
              {"catalog_version", catalog ? json(*catalog) : json(nullptr)},
              {"calendar_version", calendar ? json(*calendar) : json(nullptr)}};
}

}  // namespace motcua::hub
