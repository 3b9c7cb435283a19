#include "agent/report.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "agent/dossiers.hpp"
#include "agent/hub_link.hpp"
#include "common/files.hpp"

namespace motcua::agent {

using nlohmann::json;

namespace {

// At most `max` bytes of `text`, never cut inside a UTF-8 character.
std::string utf8_prefix(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

}  // namespace

Result<json> build_hub_report(Store& store, const std::string& agent_version) {
  MOTCUA_ASSIGN_OR_RETURN(json s, office_status(store));
  MOTCUA_ASSIGN_OR_RETURN(auto quarantined, sql::query_int64(store.db(),
      "SELECT count(*) FROM outbox_batch WHERE ack_status = 'quarantined'"));
  MOTCUA_ASSIGN_OR_RETURN(auto refused, sql::query_int64(store.db(),
      "SELECT count(*) FROM outbox_batch WHERE ack_status = 'refused'"));
  json last_error = nullptr;
  if (s["last_error"].is_object()) {
    last_error = {{"code", s["last_error"]["code"]},
                  {"message", utf8_prefix(s["last_error"]["message"].get<std::string>(), kMaxReportMessageBytes)},
                  {"at", s["last_error"]["at"]}};
  }
  std::error_code ec;
  const auto space = std::filesystem::space(utf8_path(store.data_dir()), ec);
  return json{{"sent_at", format_rfc3339_vn(store.clock().now())},
              {"agent_version", agent_version},
              {"schema_version", s["schema_version"]},
              {"last_attempt_at", s["last_attempt_at"]},
              {"last_success_at", s["last_sync_ok_at"]},
              {"last_upload_ok_at", s["last_upload_ok_at"]},
              {"last_feed_ok_at", s["last_feed_ok_at"]},
              {"pending_changes", s["pending_changes"]},
              {"oldest_unsent_at", s["oldest_pending_at"]},
              {"last_error", last_error},
              {"clock_offset_ms", s["clock_offset_ms"]},
              {"free_disk_bytes", ec ? json(nullptr) : json(static_cast<int64_t>(space.available))},
              {"quarantined_batches", quarantined.value_or(0)},
              {"refused_batches", refused.value_or(0)},
              {"catalog_version", s["catalog_version"]},
              {"calendar_version", s["calendar_version"]}};
}

bool report_says_something_new(const json& report, const json& last_sent) {
  if (!last_sent.is_object()) return true;
  json a = report, b = last_sent;
  for (const char* moving : {"sent_at", "last_attempt_at", "last_success_at", "last_upload_ok_at", "last_feed_ok_at",
                             "free_disk_bytes", "clock_offset_ms"}) {
    a.erase(moving);
    b.erase(moving);
  }
  if (a != b) return true;
  // Free disk and the clock offset move a little at every sync: only a move IT would act on counts.
  auto moved = [&](const char* name, int64_t by) {
    const json& x = report.contains(name) ? report[name] : json();
    const json& y = last_sent.contains(name) ? last_sent[name] : json();
    if (x.is_number_integer() != y.is_number_integer()) return true;
    if (!x.is_number_integer()) return false;
    const int64_t d = x.get<int64_t>() - y.get<int64_t>();
    return d >= by || d <= -by;
  };
  return moved("free_disk_bytes", 100'000'000) || moved("clock_offset_ms", 60'000);
}

Result<ReportSent> send_hub_report(Store& store, const std::string& agent_version) {
  MOTCUA_ASSIGN_OR_RETURN(auto agent_id, store.get_meta("agent_id"));
  if (!agent_id) return ReportSent{};
  MOTCUA_ASSIGN_OR_RETURN(json report, build_hub_report(store, agent_version));
  // An idle office syncs every few minutes over a metered link: a report that says nothing new
  // waits, up to kReportRefreshMs (the hub's own last_seen_at shows every contact meanwhile).
  MOTCUA_ASSIGN_OR_RETURN(auto last_sent, store.get_meta("last_report"));
  MOTCUA_ASSIGN_OR_RETURN(auto last_at, store.get_meta("last_report_at"));
  const int64_t now = store.clock().now().ms;
  const json last = last_sent ? json::parse(*last_sent, nullptr, false) : json();
  if (!report_says_something_new(report, last) && last_at) {
    auto at = parse_meta_number(*last_at, "last_report_at");
    // Within the hour either way: an office clock set back a little must not silence reports.
    if (at && std::llabs(now - static_cast<int64_t>(*at)) < kReportRefreshMs) return ReportSent{};
  }
  MOTCUA_ASSIGN_OR_RETURN(HubLink link, load_hub_link(store));
  MOTCUA_ASSIGN_OR_RETURN(FileLock lock, lock_hub_link(store.data_dir()));
  const std::string body = report.dump(-1, ' ', false, json::error_handler_t::replace);
  MOTCUA_ASSIGN_OR_RETURN(SignedReply sent, send_signed(store, link, "POST", "/v1/report", "application/json", body));
  if (sent.reply.status != 200) return fail(hub_error(sent.reply));
  MOTCUA_TRY(store.set_meta("last_report", body));
  MOTCUA_TRY(store.set_meta("last_report_at", std::to_string(now)));
  return ReportSent{true, sent.reply.bytes_sent, sent.reply.bytes_received};
}

}  // namespace motcua::agent
