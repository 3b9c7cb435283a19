#include "hub/agent_report.hpp"

#include <limits>

#include <nlohmann/json.hpp>

#include "common/text.hpp"

namespace motcua::hub {

using nlohmann::json;

namespace {

Error bad_member(const std::string& name, const std::string& what) {
  return Error::invalid_input("report member " + name + " " + what,
                              "send the members PROTOCOL.md 7.5 lists, with their types");
}

// A member that may be absent or null (nullopt), else must satisfy the reader.
Result<std::optional<Instant>> opt_time(const json& doc, const char* name) {
  if (!doc.contains(name) || doc[name].is_null()) return std::optional<Instant>();
  if (!doc[name].is_string()) return fail(bad_member(name, "must be an RFC 3339 time or null"));
  auto t = parse_rfc3339(doc[name].get<std::string>());
  if (!t) return fail(bad_member(name, "is not an RFC 3339 time with an offset: " + t.error().message));
  return std::optional<Instant>(*t);
}

Result<std::optional<int64_t>> opt_int(const json& doc, const char* name, bool non_negative) {
  if (!doc.contains(name) || doc[name].is_null()) return std::optional<int64_t>();
  const json& v = doc[name];
  if (!v.is_number_integer() ||
      (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
    return fail(bad_member(name, non_negative ? "must be a non-negative integer" : "must be an integer"));
  }
  const int64_t n = v.get<int64_t>();
  if (non_negative && n < 0) return fail(bad_member(name, "must be a non-negative integer"));
  return std::optional<int64_t>(n);
}

Result<std::string> text_member(const json& doc, const char* name) {
  if (!doc.contains(name) || !doc[name].is_string()) return fail(bad_member(name, "must be a string"));
  return to_nfc(doc[name].get<std::string>());
}

template <typename T>
Result<T> required(Result<std::optional<T>> v, const char* name) {
  if (!v) return fail(std::move(v.error()));
  if (!*v) return fail(bad_member(name, "is required"));
  return **v;
}

json opt_time_json(const sql::Stmt& st, int col) {
  return st.is_null(col) ? json(nullptr) : json(format_rfc3339_vn(Instant{st.int64(col)}));
}

json opt_int_json(const sql::Stmt& st, int col) { return st.is_null(col) ? json(nullptr) : json(st.int64(col)); }

}  // namespace

Result<AgentReport> parse_agent_report(std::string_view body) {
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (!doc.is_object()) {
    return fail(Error::invalid_input("a report must be a JSON object (UTF-8)",
                                     "send the members PROTOCOL.md 7.5 lists, with their types"));
  }
  AgentReport r;
  r.raw = std::string(body);
  MOTCUA_ASSIGN_OR_RETURN(r.sent_at, required(opt_time(doc, "sent_at"), "sent_at"));
  MOTCUA_ASSIGN_OR_RETURN(r.agent_version, text_member(doc, "agent_version"));
  MOTCUA_ASSIGN_OR_RETURN(r.schema_version, required(opt_int(doc, "schema_version", true), "schema_version"));
  MOTCUA_ASSIGN_OR_RETURN(r.pending_changes, required(opt_int(doc, "pending_changes", true), "pending_changes"));
  MOTCUA_ASSIGN_OR_RETURN(r.last_attempt_at, opt_time(doc, "last_attempt_at"));
  MOTCUA_ASSIGN_OR_RETURN(r.last_success_at, opt_time(doc, "last_success_at"));
  MOTCUA_ASSIGN_OR_RETURN(r.last_upload_ok_at, opt_time(doc, "last_upload_ok_at"));
  MOTCUA_ASSIGN_OR_RETURN(r.last_feed_ok_at, opt_time(doc, "last_feed_ok_at"));
  MOTCUA_ASSIGN_OR_RETURN(r.oldest_unsent_at, opt_time(doc, "oldest_unsent_at"));
  MOTCUA_ASSIGN_OR_RETURN(r.clock_offset_ms, opt_int(doc, "clock_offset_ms", false));
  MOTCUA_ASSIGN_OR_RETURN(r.free_disk_bytes, opt_int(doc, "free_disk_bytes", true));
  MOTCUA_ASSIGN_OR_RETURN(r.quarantined_batches, opt_int(doc, "quarantined_batches", true));
  MOTCUA_ASSIGN_OR_RETURN(r.refused_batches, opt_int(doc, "refused_batches", true));
  MOTCUA_ASSIGN_OR_RETURN(r.catalog_version, opt_int(doc, "catalog_version", true));
  MOTCUA_ASSIGN_OR_RETURN(r.calendar_version, opt_int(doc, "calendar_version", true));
  if (doc.contains("last_error") && !doc["last_error"].is_null()) {
    const json& e = doc["last_error"];
    if (!e.is_object()) return fail(bad_member("last_error", "must be an object {code, message, at} or null"));
    auto code = text_member(e, "code");
    auto message = text_member(e, "message");
    if (!code || !message) return fail(bad_member("last_error", "needs string members code and message"));
    MOTCUA_ASSIGN_OR_RETURN(auto at, opt_time(e, "at"));
    if (!at) return fail(bad_member("last_error.at", "is required"));
    r.last_error_code = std::move(*code);
    r.last_error_message = std::move(*message);
    r.last_error_at = at;
  }
  return r;
}

Status record_agent_report(sql::Db& db, const Id128& agent_id, const AgentReport& r, Instant received_at) {
  const int64_t hub_offset = received_at.ms - r.sent_at.ms;
  auto ms = [](const std::optional<Instant>& t) { return t ? std::optional<int64_t>(t->ms) : std::nullopt; };
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt latest, db.prepare(
      "INSERT OR REPLACE INTO agent_report(agent_id, received_at, sent_at, hub_clock_offset_ms, agent_version, "
      "schema_version, last_attempt_at, last_success_at, last_upload_ok_at, last_feed_ok_at, pending_changes, "
      "oldest_unsent_at, last_error_code, last_error_message, last_error_at, clock_offset_ms, free_disk_bytes, "
      "quarantined_batches, refused_batches, catalog_version, calendar_version, report) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"));
  latest.bind(1, agent_id.blob()).bind(2, received_at.ms).bind(3, r.sent_at.ms).bind(4, hub_offset)
      .bind(5, r.agent_version).bind(6, r.schema_version).bind(7, ms(r.last_attempt_at)).bind(8, ms(r.last_success_at))
      .bind(9, ms(r.last_upload_ok_at)).bind(10, ms(r.last_feed_ok_at)).bind(11, r.pending_changes)
      .bind(12, ms(r.oldest_unsent_at)).bind(13, r.last_error_code).bind(14, r.last_error_message)
      .bind(15, ms(r.last_error_at)).bind(16, r.clock_offset_ms).bind(17, r.free_disk_bytes)
      .bind(18, r.quarantined_batches).bind(19, r.refused_batches).bind(20, r.catalog_version)
      .bind(21, r.calendar_version).bind(22, r.raw);
  MOTCUA_TRY(latest.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt history, db.prepare(
      "INSERT INTO agent_report_history(agent_id, received_at, hub_clock_offset_ms, pending_changes, oldest_unsent_at, "
      "last_success_at, last_error_code, report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  history.bind(1, agent_id.blob()).bind(2, received_at.ms).bind(3, hub_offset).bind(4, r.pending_changes)
      .bind(5, ms(r.oldest_unsent_at)).bind(6, ms(r.last_success_at)).bind(7, r.last_error_code).bind(8, r.raw);
  MOTCUA_TRY(history.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt prune, db.prepare(
      "DELETE FROM agent_report_history WHERE agent_id = ?1 AND id <= "
      "(SELECT id FROM agent_report_history WHERE agent_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)"));
  prune.bind(1, agent_id.blob()).bind(2, kReportHistoryPerAgent);
  return prune.run();
}

Result<json> latest_report_json(sql::Db& db, const sql::Blob& agent_id) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT received_at, sent_at, hub_clock_offset_ms, agent_version, schema_version, last_attempt_at, "
      "last_success_at, last_upload_ok_at, last_feed_ok_at, pending_changes, oldest_unsent_at, last_error_code, "
      "last_error_message, last_error_at, clock_offset_ms, free_disk_bytes, quarantined_batches, refused_batches, "
      "catalog_version, calendar_version FROM agent_report WHERE agent_id = ?1"));
  st.bind(1, agent_id);
  MOTCUA_ASSIGN_OR_RETURN(bool found, st.step());
  if (!found) return json(nullptr);
  json last_error = nullptr;
  if (!st.is_null(11)) {
    last_error = {{"code", st.text(11)}, {"message", st.text(12)}, {"at", opt_time_json(st, 13)}};
  }
  return json{{"received_at", opt_time_json(st, 0)},
              {"sent_at", opt_time_json(st, 1)},
              {"hub_clock_offset_ms", st.int64(2)},
              {"agent_version", st.text(3)},
              {"schema_version", st.int64(4)},
              {"last_attempt_at", opt_time_json(st, 5)},
              {"last_success_at", opt_time_json(st, 6)},
              {"last_upload_ok_at", opt_time_json(st, 7)},
              {"last_feed_ok_at", opt_time_json(st, 8)},
              {"pending_changes", st.int64(9)},
              {"oldest_unsent_at", opt_time_json(st, 10)},
              {"last_error", last_error},
              {"clock_offset_ms", opt_int_json(st, 14)},
              {"free_disk_bytes", opt_int_json(st, 15)},
              {"quarantined_batches", opt_int_json(st, 16)},
              {"refused_batches", opt_int_json(st, 17)},
              {"catalog_version", opt_int_json(st, 18)},
              {"calendar_version", opt_int_json(st, 19)}};
}

}  // namespace motcua::hub
