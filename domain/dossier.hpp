// Dossier statuses (the national codes 1–10), the counter's legal transitions, and the fold that
// derives a dossier's current state from its facts. Agent and hub both link this: the rules are
// written once.
#pragma once

#include <cstdint>
#include <map>
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

// Who may take a step in a dossier's processing chain (docs/CONFLICTS.md "Who may act"): the
// holder takes any legal step and hands the dossier over; the receiving unit may always take the
// counter's steps: supplement received (5→4), result returned (9→10), withdrawal (→7).
bool is_counter_step(DossierStatus from, DossierStatus to);

// A dossier may be handed over (liên thông) while received (2) or being processed (4), to continue
// its processing elsewhere, or once resolved (9), to hand the result back to the receiving unit.
bool is_transferable(DossierStatus s);

// The applicant data a correction event may change, and the Vietnamese label of each.
// applicant_name, applicant_citizen_id, submitter_name, phone, address.
bool is_correctable_field(const std::string& field);
const char* correctable_field_vi(const std::string& field);

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
  std::string applicant_name;
  std::string applicant_citizen_id;
  std::string submitter_name;
  std::string phone;
  std::string address;
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
  // From the event's `data` (event_data_json / parse_event_data):
  // status and transfer: the chain step the actor's view followed (a zero id: the creation).
  // correction: the previous correction of the same field the actor saw (zero: the original value).
  // Absent only in events written before parents were recorded: the fold then takes the step
  // before it in fact order.
  std::optional<Id128> parent;
  std::string transfer_to;   // transfer: the unit that receives the dossier
  std::string field;         // correction: which applicant field
  std::string value;         // correction: its new value (NFC)
  bool clock_suspect = false;  // the office's clock was off the hub's by more than the threshold
};

// The event's kind-specific JSON (the `data` column), and back. Unknown keys are kept out; a
// malformed document is kInvalidInput.
std::string event_data_json(const EventFact& e);
Status parse_event_data(const std::string& data, EventFact& e);

// Total order of facts: hybrid logical clock, then origin unit, then event id.
bool event_before(const EventFact& a, const EventFact& b);

// The closed vocabulary of conflict rules (docs/CONFLICTS.md).
enum class ConflictRule {
  kConcurrentStep,        // two steps from the same point: the rule's priority chose the other
  kNotAllowed,            // a step by a unit that was neither holder nor, for a counter step, receiver
  kIllegalStep,           // a step the transition table does not allow from where the dossier was
  kSupersededBranch,      // a step that followed a step which lost
  kConcurrentCorrection,  // two corrections of the same field from the same value
  kCorrectionNotAllowed,  // a correction by a unit that never received or held the dossier
};
const char* conflict_rule_name(ConflictRule r);  // "concurrent_step", "not_allowed", ...

struct ConflictRecord {
  Id128 event_id;                 // the event that lost: kept in history, not applied
  std::optional<Id128> winner_id; // the event applied in its place, if any
  ConflictRule rule = ConflictRule::kConcurrentStep;
  std::string detail;             // English, for IT staff
};

struct DossierState {
  DossierStatus status = DossierStatus::kReceived;
  std::string holder_unit;
  std::vector<std::string> holders;  // every unit that held the dossier, in order (receiving unit first)
  std::optional<Instant> due_at;
  std::optional<Instant> paused_at;    // while waiting for a supplement
  std::optional<Instant> resolved_at;  // reached 9
  std::optional<Instant> returned_at;  // reached 10
  int supplement_count = 0;
  int event_count = 0;
  Hlc last_hlc;
  // Applicant data after corrections.
  std::string applicant_name;
  std::string applicant_citizen_id;
  std::string submitter_name;
  std::string phone;
  std::string address;
  std::optional<Id128> head;             // the last chain step applied (none: the creation)
  std::map<std::string, Id128> correction_heads;  // field -> the last correction applied
  std::vector<Id128> applied;            // chain steps and corrections applied, in fold order
  std::vector<ConflictRecord> conflicts; // events that lost inside the fold (never silently dropped)
  std::vector<Id128> waiting;            // events whose parent this replica has not received yet
  bool is_applied(const Id128& event_id) const;
  const ConflictRecord* conflict_of(const Id128& event_id) const;
};

// Folds the facts of one dossier into its state (docs/CONFLICTS.md). Deterministic: the result
// depends only on the set of facts, never on the order they are given in nor on any clock. Status
// and transfer events form a tree by `parent`; from the creation the fold follows, at each point,
// the allowed child of highest priority (a hand-over, then the holder's step, then the receiving
// unit's counter step; ties by unit code, then event id). Every other child, and everything that
// followed it, becomes a conflict record. Corrections form one tree per field the same way.
DossierState fold_dossier(const CreationFact& creation, std::vector<EventFact> events);

}  // namespace motcua::domain
