#include "domain/dossier.hpp"

#include <algorithm>
#include <tuple>

namespace motcua::domain {

bool is_valid_status(int code) { return code >= 1 && code <= 10; }

const char* status_name_vi(DossierStatus s) {
  switch (s) {
    case DossierStatus::kNew: return "Mới đăng ký";
    case DossierStatus::kReceived: return "Được tiếp nhận";
    case DossierStatus::kRefused: return "Không được tiếp nhận";
    case DossierStatus::kProcessing: return "Đang xử lý";
    case DossierStatus::kSupplement: return "Yêu cầu bổ sung";
    case DossierStatus::kFinancial: return "Nghĩa vụ tài chính";
    case DossierStatus::kWithdrawn: return "Rút hồ sơ";
    case DossierStatus::kStopped: return "Dừng xử lý";
    case DossierStatus::kResolved: return "Đã xử lý xong";
    case DossierStatus::kReturned: return "Đã trả kết quả";
  }
  return "?";
}

const char* status_name_en(DossierStatus s) {
  switch (s) {
    case DossierStatus::kNew: return "new";
    case DossierStatus::kReceived: return "received";
    case DossierStatus::kRefused: return "refused";
    case DossierStatus::kProcessing: return "processing";
    case DossierStatus::kSupplement: return "waiting for supplement";
    case DossierStatus::kFinancial: return "financial obligation";
    case DossierStatus::kWithdrawn: return "withdrawn";
    case DossierStatus::kStopped: return "stopped";
    case DossierStatus::kResolved: return "resolved";
    case DossierStatus::kReturned: return "result returned";
  }
  return "?";
}

bool is_legal_transition(DossierStatus from, DossierStatus to) {
  using S = DossierStatus;
  switch (to) {
    case S::kProcessing:
      return from == S::kReceived || from == S::kSupplement || from == S::kFinancial;
    case S::kSupplement:
    case S::kFinancial:
    case S::kResolved:
      return from == S::kProcessing;
    case S::kReturned:
      return from == S::kResolved;
    case S::kWithdrawn:
      return from == S::kReceived || from == S::kProcessing || from == S::kSupplement || from == S::kFinancial;
    case S::kStopped:
      return from == S::kProcessing || from == S::kSupplement || from == S::kFinancial;
    case S::kNew:
    case S::kReceived:
    case S::kRefused:
      return false;  // only the creation fact sets these
  }
  return false;
}

std::vector<DossierStatus> legal_targets(DossierStatus from) {
  std::vector<DossierStatus> out;
  for (int c = 1; c <= 10; ++c) {
    if (is_legal_transition(from, static_cast<DossierStatus>(c))) out.push_back(static_cast<DossierStatus>(c));
  }
  return out;
}

Error illegal_transition_error(const std::string& code, DossierStatus from, DossierStatus to) {
  std::string allowed_vi, allowed_en;
  for (DossierStatus t : legal_targets(from)) {
    if (!allowed_vi.empty()) { allowed_vi += ", "; allowed_en += ", "; }
    allowed_vi += std::string(status_name_vi(t)) + " (" + std::to_string(static_cast<int>(t)) + ")";
    allowed_en += std::string(status_name_en(t)) + " (" + std::to_string(static_cast<int>(t)) + ")";
  }
  std::string from_n = std::to_string(static_cast<int>(from)), to_n = std::to_string(static_cast<int>(to));
  std::string en = "dossier " + code + " cannot go from status " + from_n + " (" + status_name_en(from) +
                   ") to " + to_n + " (" + status_name_en(to) + ")";
  std::string vi = "Không thể chuyển hồ sơ " + code + " từ trạng thái \"" + status_name_vi(from) + "\" (" + from_n +
                   ") sang \"" + status_name_vi(to) + "\" (" + to_n + ").";
  std::string hint;
  if (allowed_en.empty()) {
    hint = "a dossier in status " + from_n + " is finished: no further status change is allowed";
    vi += " Hồ sơ ở trạng thái này không thể chuyển tiếp.";
  } else {
    hint = "from status " + from_n + " the allowed next statuses are: " + allowed_en;
    vi += " Từ trạng thái này chỉ có thể chuyển sang: " + allowed_vi + ".";
  }
  return Error::conflict(en, hint).vi(vi);
}

const char* event_kind_name(EventKind k) {
  switch (k) {
    case EventKind::kStatus: return "status";
    case EventKind::kCorrection: return "correction";
    case EventKind::kTransfer: return "transfer";
    case EventKind::kNote: return "note";
  }
  return "?";
}

Result<EventKind> parse_event_kind(const std::string& name) {
  if (name == "status") return EventKind::kStatus;
  if (name == "correction") return EventKind::kCorrection;
  if (name == "transfer") return EventKind::kTransfer;
  if (name == "note") return EventKind::kNote;
  return fail(Error::corruption("unknown dossier event kind '" + name + "'"));
}

bool event_before(const EventFact& a, const EventFact& b) {
  return std::tie(a.hlc.value, a.origin_unit, a.id) < std::tie(b.hlc.value, b.origin_unit, b.id);
}

DossierState fold_dossier(const CreationFact& creation, std::vector<EventFact> events) {
  std::sort(events.begin(), events.end(), event_before);
  DossierState st;
  st.status = creation.status;
  st.holder_unit = creation.holder_unit;
  st.due_at = creation.due_at;
  st.last_hlc = creation.hlc;
  for (const EventFact& e : events) {
    ++st.event_count;
    if (st.last_hlc < e.hlc) st.last_hlc = e.hlc;
    if (e.kind != EventKind::kStatus) continue;
    if (!e.to_status || !e.from_status) {
      st.rejected.push_back({e.id, "status event without from/to status"});
      continue;
    }
    if (*e.from_status != st.status) {
      st.rejected.push_back({e.id, "event expected status " + std::to_string(static_cast<int>(*e.from_status)) +
                                       " but the dossier was in " + std::to_string(static_cast<int>(st.status))});
      continue;
    }
    if (!is_legal_transition(st.status, *e.to_status)) {
      st.rejected.push_back({e.id, "illegal transition " + std::to_string(static_cast<int>(st.status)) + " -> " +
                                       std::to_string(static_cast<int>(*e.to_status))});
      continue;
    }
    DossierStatus to = *e.to_status;
    if (to == DossierStatus::kSupplement) {
      st.paused_at = e.at;
      ++st.supplement_count;
    } else if (st.status == DossierStatus::kSupplement) {
      st.paused_at.reset();
      if (e.due_at) st.due_at = e.due_at;
    }
    if (to == DossierStatus::kResolved) st.resolved_at = e.at;
    if (to == DossierStatus::kReturned) st.returned_at = e.at;
    st.status = to;
  }
  return st;
}

}  // namespace motcua::domain
