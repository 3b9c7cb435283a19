// What the clerk's screens ask of the office database, in one place for the web UI and the CLI:
// the "Hồ sơ của tôi" queues with their counts, search, and the sync indicator.
//
// Everything here reads the office's own database only: an office never sees a dossier it did not
// receive, hold or get through the feed, so no request can reach another office's data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "agent/store.hpp"
#include "common/error.hpp"

namespace motcua::agent {

// The clerk's queues. "In progress" means status 2 (received), 4 (processing) or 6 (fees).
enum class Queue {
  kProcessing,  // đang xử lý: in progress
  kSupplement,  // chờ bổ sung: status 5
  kDueSoon,     // tới hạn: in progress, due from now to one working day (8 working hours) ahead
  kOverdue,     // quá hạn: in progress, due before now
  kResolved,    // đã xử lý xong chờ trả: status 9
  kReturned,    // đã trả: status 10
};
inline constexpr Queue kAllQueues[] = {Queue::kProcessing, Queue::kSupplement, Queue::kDueSoon,
                                       Queue::kOverdue,    Queue::kResolved,   Queue::kReturned};
const char* queue_name(Queue q);     // "processing", "supplement", "due-soon", "overdue", "resolved", "returned"
const char* queue_label_vi(Queue q); // "Đang xử lý", ...
std::optional<Queue> parse_queue(const std::string& name);

// Counts of every queue, in kAllQueues order.
Result<std::vector<int64_t>> queue_counts(Store& store);

// One page of a queue, ordered by appointment (none last) then code. JSON as list_dossiers:
// {"dossiers":[{code,status,status_name,applicant_name,procedure,received_at,due_at,holder_unit}],
//  "total":N}.
Result<nlohmann::json> list_queue(Store& store, Queue queue, int offset, int limit);

// Dossiers whose code, citizen id or applicant name matches `query`: 12 digits is a CCCD (exact),
// text with a dash and digits a code (prefix, any case), anything else part of the applicant's
// name or code compared without diacritics or case ("dang van duc" finds "Đặng Văn Đức").
// Newest first; same JSON as list_queue. An empty query is kInvalidInput.
Result<nlohmann::json> search_dossiers(Store& store, const std::string& query, int limit);

// The sync indicator every screen shows (DESIGN.md "Users"):
//   grey   not enrolled with the hub yet;
//   red    the hub refuses this office (revoked), or the office has been out of step for longer
//          than `red_after_ms` (unsent changes that old, or no successful sync that long while the
//          last attempt failed), with the reason in plain Vietnamese and what to do;
//   amber  changes not sent yet (the count and the age of the oldest);
//   green  everything sent: "Đã đồng bộ lúc HH:MM".
// JSON: {state, text, detail, pending, oldest_pending_at, last_sync_ok_at, last_error_code,
//        clock_warning (Vietnamese text or null)}.
struct IndicatorPolicy {
  int64_t red_after_ms = 30 * 60 * 1000;
};
Result<nlohmann::json> sync_indicator(Store& store, const IndicatorPolicy& policy = {});

// Units a dossier can be handed over to (liên thông): the province's units the hub published and
// the communes of this office's province, without this office; provincial agencies first, then
// by name.
struct UnitChoice {
  std::string code;
  std::string name;
  std::string kind;  // commune | province | agency
};
Result<std::vector<UnitChoice>> transfer_targets(Store& store);

// "HH:MM dd/mm/yyyy" in Vietnam time, as clerks write it.
std::string format_vn_datetime(Instant t);
// "dd/mm/yyyy".
std::string format_vn_date(Instant t);

}  // namespace motcua::agent
