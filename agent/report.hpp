// What the office tells its hub about itself at the end of every sync (sync-protocol/PROTOCOL.md
// 7.5, POST /v1/report), so provincial IT sees an office that has stopped syncing and why: its last
// attempt and success (whole sync, upload, feed), pending changes and the oldest of them, its last
// error, clock offset, free disk, batches the hub set aside, and the reference versions it applied.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "agent/store.hpp"
#include "common/error.hpp"

namespace motcua::agent {

// The longest last-error message a report carries (bytes of UTF-8, cut between characters): the
// whole report stays well under the hub's 4 KiB limit.
constexpr size_t kMaxReportMessageBytes = 1024;

// The report body, from what the office has recorded (agent/dossiers.hpp office_status and its
// settings); sent_at is the office clock now.
Result<nlohmann::json> build_hub_report(Store& store, const std::string& agent_version);

// A report that says nothing new (only times, or free disk and clock offset within 100 MB and a
// minute of the last one sent) is sent at most this often.
constexpr int64_t kReportRefreshMs = 3600 * 1000;

// Whether `report` differs from the last one sent in anything but its times, free disk within
// 100 MB, and the clock offset within a minute. True when nothing was sent before.
bool report_says_something_new(const nlohmann::json& report, const nlohmann::json& last_sent);

struct ReportSent {
  bool sent = false;  // false: the office is not enrolled, or the report says nothing new yet
  int64_t wire_bytes_up = 0;
  int64_t wire_bytes_down = 0;
};

// Builds the report and, when it says something new or the last one is kReportRefreshMs old, sends
// it as a signed request, holding the hub lock (agent/hub_link.hpp). A transport failure or any
// answer but 200 is an error (hub_error) and records nothing; a report sent is remembered.
Result<ReportSent> send_hub_report(Store& store, const std::string& agent_version);

}  // namespace motcua::agent
