// Dossier statuses (the national codes 1–10), the counter's legal transitions, and the fold that
// derives a dossier's current state from its facts. Agent and hub both link this: the rules are
// written once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/hlc.hpp"
#include "common/id.hpp"
#include "common/time.hpp"

namespace motcua::domain {

enum class DossierStatus : int {
  kNew = 1,              // Mới đăng ký
  kReceived = 2,         // Được tiếp nhận
  kRefused = 3,          // Không được tiếp nhận
  kProcessing = 4,       // Đang xử lý
  kSupplement = 5,       // Yêu cầu bổ sung
  kFinancial = 6,        // Nghĩa vụ tài chính
  kWithdrawn = 7,        // Rút hồ sơ
  kStopped = 8,          // Dừng xử lý
  kResolved = 9,         // Đã xử lý xong
  kReturned = 10,        // Đã trả kết quả
};

bool is_valid_status(int code);
// Vietnamese name (NFC), e.g. "Đang xử lý"; English name, e.g. "processing".
const char* status_name_vi(DossierStatus s);
const char* status_name_en(DossierStatus s);

// True if the counter may move a dossier from `from` to `to` (DESIGN.md §2):
// 2→4; 4→5, 5→4; 4→6, 6→4; 4→9; 9→10; 2|4|5|6→7; 4|5|6→8.
bool is_legal_transition(DossierStatus from, DossierStatus to);
std::vector<DossierStatus> legal_targets(DossierStatus from);

// kConflict with an English message and a Vietnamese one naming both statuses and what is allowed.
Error illegal_transition_error(const std::string& code, DossierStatus from, DossierStatus to);

// The creation fact, as far as the fold needs it.
struct CreationFact {
  Id128 id;
  std::string code;
  std::string receiving_unit;
  std::string resolving_unit;
  std::string holder_unit;
  Instant received_at;
  std::optional<Instant> due_at;
  DossierStatus status = DossierStatus::kReceived;
  Hlc hlc;
  std::string origin_unit;
};

enum class EventKind { kStatus, kCorrection, kTransfer, kNote };
const char* event_kind_name(EventKind k);  // "status", "correction", "transfer", "note"
Result<EventKind> parse_event_kind(const std::string& name);

struct EventFact {
  Id128 id;
  EventKind kind = EventKind::kStatus;
  std::optional<DossierStatus> from_status;
  std::optional<DossierStatus> to_status;
  Instant at;
  std::optional<Instant> due_at;  // a new appointment recorded by this event (resume after supplement)
  Hlc hlc;
  std::string origin_unit;
  std::string actor;
  std::string note;  // the actor's remark (reason for a supplement, a refusal, ...)
};

// Total order of facts: hybrid logical clock, then origin unit, then event id.
bool event_before(const EventFact& a, const EventFact& b);

struct RejectedEvent {
  Id128 event_id;
  std::string reason;  // English, for IT staff
};

struct DossierState {
  DossierStatus status = DossierStatus::kReceived;
  std::string holder_unit;
  std::optional<Instant> due_at;
  std::optional<Instant> paused_at;    // while waiting for a supplement
  std::optional<Instant> resolved_at;  // reached 9
  std::optional<Instant> returned_at;  // reached 10
  int supplement_count = 0;
  int event_count = 0;
  Hlc last_hlc;
  std::vector<RejectedEvent> rejected;  // events that lost inside the fold (never silently dropped)
};

// Folds the facts of one dossier into its state. Deterministic: the result depends only on the set
// of facts, not on the order they are given in. A status event applies when its from_status equals
// the folded status and the transition is legal; otherwise it is listed in `rejected`.
DossierState fold_dossier(const CreationFact& creation, std::vector<EventFact> events);

}  // namespace motcua::domain
