// What an agent tells the hub about itself at the end of every sync (sync-protocol/PROTOCOL.md 7.5,
// POST /v1/report): when it last tried and succeeded, what it still has to send, its last error,
// its clock, disk and reference versions. The hub keeps the latest report per agent and a bounded
// history for provincial IT; nothing in a report is ever used to order or apply facts.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"

namespace motcua::hub {

constexpr size_t kMaxReportBytes = 4096;       // a larger body is payload_too_large
constexpr int64_t kReportHistoryPerAgent = 200;  // reports kept per agent in agent_report_history

struct AgentReport {
  Instant sent_at;  // the agent's clock when it sent the report
  std::string agent_version;
  int64_t schema_version = 0;
  std::optional<Instant> last_attempt_at;
  std::optional<Instant> last_success_at;
  std::optional<Instant> last_upload_ok_at;
  std::optional<Instant> last_feed_ok_at;
  int64_t pending_changes = 0;
  std::optional<Instant> oldest_unsent_at;
  std::optional<std::string> last_error_code;  // the three are set together, or none
  std::optional<std::string> last_error_message;
  std::optional<Instant> last_error_at;
  std::optional<int64_t> clock_offset_ms;
  std::optional<int64_t> free_disk_bytes;
  std::optional<int64_t> quarantined_batches;
  std::optional<int64_t> refused_batches;
  std::optional<int64_t> catalog_version;
  std::optional<int64_t> calendar_version;
  std::string raw;  // the body as received
};

// Parses a report body: a JSON object whose required members (sent_at, agent_version,
// schema_version, pending_changes) are present and whose known members have their types (times
// RFC 3339 with an offset; counts non-negative integers; null where PROTOCOL.md allows it).
// Unknown members are ignored. kInvalidInput naming the first wrong member.
Result<AgentReport> parse_agent_report(std::string_view body);

// Records `report` as the agent's latest and appends it to the agent's history, dropping all but
// its newest kReportHistoryPerAgent reports. Runs inside the caller's transaction.
Status record_agent_report(sql::Db& db, const Id128& agent_id, const AgentReport& report, Instant received_at);

// The latest report of `agent_id` as shown by `motcua-hub status` (times RFC 3339), or null.
Result<nlohmann::json> latest_report_json(sql::Db& db, const sql::Blob& agent_id);

}  // namespace motcua::hub
