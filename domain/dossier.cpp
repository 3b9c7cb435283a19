#include "domain/dossier.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

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

bool is_counter_step(DossierStatus from, DossierStatus to) {
  using S = DossierStatus;
  if (!is_legal_transition(from, to)) return false;
  return (from == S::kSupplement && to == S::kProcessing) || (from == S::kResolved && to == S::kReturned) ||
         to == S::kWithdrawn;
}

bool is_transferable(DossierStatus s) {
  return s == DossierStatus::kReceived || s == DossierStatus::kProcessing || s == DossierStatus::kResolved;
}

bool is_correctable_field(const std::string& field) {
  return field == "applicant_name" || field == "applicant_citizen_id" || field == "submitter_name" ||
         field == "phone" || field == "address";
}

const char* correctable_field_vi(const std::string& field) {
  if (field == "applicant_name") return "Họ tên chủ hồ sơ";
  if (field == "applicant_citizen_id") return "Số CCCD";
  if (field == "submitter_name") return "Người nộp";
  if (field == "phone") return "Số điện thoại";
  if (field == "address") return "Địa chỉ";
  return "?";
}

std::string event_data_json(const EventFact& e) {
  nlohmann::json d = nlohmann::json::object();
  if (e.parent) d["parent"] = e.parent->hex();
  if (!e.transfer_to.empty()) d["to"] = e.transfer_to;
  if (!e.field.empty()) {
    d["field"] = e.field;
    d["value"] = e.value;
  }
  if (e.clock_suspect) d["clock_suspect"] = true;
  return d.dump();
}

Status parse_event_data(const std::string& data, EventFact& e) {
  nlohmann::json d = nlohmann::json::parse(data, nullptr, false);
  if (!d.is_object()) return fail(Error::invalid_input("event " + e.id.hex() + ": data is not a JSON object"));
  auto text = [&](const char* key) -> std::string {
    auto it = d.find(key);
    return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (auto it = d.find("parent"); it != d.end()) {
    auto id = it->is_string() ? Id128::from_hex(it->get<std::string>()) : Result<Id128>(fail(Error::invalid_input("")));
    if (!id) return fail(Error::invalid_input("event " + e.id.hex() + ": parent is not 32 hex digits"));
    e.parent = *id;
  }
  e.transfer_to = text("to");
  e.field = text("field");
  e.value = text("value");
  if (auto it = d.find("clock_suspect"); it != d.end() && it->is_boolean()) e.clock_suspect = it->get<bool>();
  return ok();
}

const char* conflict_rule_name(ConflictRule r) {
  switch (r) {
    case ConflictRule::kConcurrentStep: return "concurrent_step";
    case ConflictRule::kNotAllowed: return "not_allowed";
    case ConflictRule::kIllegalStep: return "illegal_step";
    case ConflictRule::kSupersededBranch: return "superseded_branch";
    case ConflictRule::kConcurrentCorrection: return "concurrent_correction";
    case ConflictRule::kCorrectionNotAllowed: return "correction_not_allowed";
  }
  return "?";
}

bool DossierState::is_applied(const Id128& event_id) const {
  return std::find(applied.begin(), applied.end(), event_id) != applied.end();
}

const ConflictRecord* DossierState::conflict_of(const Id128& event_id) const {
  for (const auto& c : conflicts) {
    if (c.event_id == event_id) return &c;
  }
  return nullptr;
}

namespace {

std::string status_text(DossierStatus s) {
  return std::to_string(static_cast<int>(s)) + " (" + status_name_en(s) + ")";
}

std::string describe_step(const EventFact& e) {
  if (e.kind == EventKind::kTransfer) return "transfer to " + e.transfer_to + " by " + e.origin_unit;
  std::string from = e.from_status ? std::to_string(static_cast<int>(*e.from_status)) : "?";
  std::string to = e.to_status ? std::to_string(static_cast<int>(*e.to_status)) : "?";
  return "status " + from + " -> " + to + " by " + e.origin_unit;
}

// Why `e` cannot be the next step from `st`, or empty when it can. `counter` tells a counter step
// by the receiving unit from a holder's step.
struct StepCheck {
  bool allowed = false;
  int rank = 9;  // 0 hand-over, 1 holder's step, 2 receiving unit's counter step
  ConflictRule rule = ConflictRule::kNotAllowed;
  std::string why;
};

StepCheck check_step(const DossierState& st, const CreationFact& creation, const EventFact& e) {
  StepCheck c;
  const bool holder = e.origin_unit == st.holder_unit;
  if (e.kind == EventKind::kTransfer) {
    if (!holder) {
      c.why = e.origin_unit + " handed over a dossier held by " + st.holder_unit;
    } else if (!is_transferable(st.status)) {
      c.rule = ConflictRule::kIllegalStep;
      c.why = "a dossier in status " + status_text(st.status) + " cannot be handed over (2, 4 or 9 only)";
    } else if (e.transfer_to.empty() || e.transfer_to == st.holder_unit) {
      c.rule = ConflictRule::kIllegalStep;
      c.why = "a hand-over to '" + e.transfer_to + "', which already holds it or is no unit";
    } else {
      c.allowed = true;
      c.rank = 0;
    }
    return c;
  }
  if (!e.to_status || !e.from_status) {
    c.rule = ConflictRule::kIllegalStep;
    c.why = "a status event without from/to status";
    return c;
  }
  if (*e.from_status != st.status || !is_legal_transition(st.status, *e.to_status)) {
    c.rule = ConflictRule::kIllegalStep;
    c.why = "status " + std::to_string(static_cast<int>(*e.from_status)) + " -> " +
            std::to_string(static_cast<int>(*e.to_status)) + " is not a legal step from " + status_text(st.status);
    return c;
  }
  if (holder) {
    c.allowed = true;
    c.rank = 1;
  } else if (e.origin_unit == creation.receiving_unit && is_counter_step(st.status, *e.to_status)) {
    c.allowed = true;
    c.rank = 2;
  } else {
    c.why = e.origin_unit + " is not the holder (" + st.holder_unit + ")" +
            (e.origin_unit == creation.receiving_unit ? " and this is not a counter step" : "");
  }
  return c;
}

void apply_step(DossierState& st, const EventFact& e) {
  if (e.kind == EventKind::kTransfer) {
    st.holder_unit = e.transfer_to;
    if (std::find(st.holders.begin(), st.holders.end(), e.transfer_to) == st.holders.end()) {
      st.holders.push_back(e.transfer_to);
    }
    return;
  }
  const DossierStatus to = *e.to_status;
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

std::string* field_of(DossierState& st, const std::string& field) {
  if (field == "applicant_name") return &st.applicant_name;
  if (field == "applicant_citizen_id") return &st.applicant_citizen_id;
  if (field == "submitter_name") return &st.submitter_name;
  if (field == "phone") return &st.phone;
  if (field == "address") return &st.address;
  return nullptr;
}

using Children = std::map<Id128, std::vector<const EventFact*>>;

// Records every event below `root` in `children` (a lost branch) as superseded.
void supersede_below(DossierState& st, const Children& children, const Id128& root, const Id128& lost) {
  std::vector<Id128> stack{root};
  while (!stack.empty()) {
    Id128 at = stack.back();
    stack.pop_back();
    auto it = children.find(at);
    if (it == children.end()) continue;
    for (const EventFact* e : it->second) {
      st.conflicts.push_back({e->id, std::nullopt, ConflictRule::kSupersededBranch,
                              describe_step(*e) + " followed " + lost.hex() + ", a step that was not applied"});
      stack.push_back(e->id);
    }
  }
}

}  // namespace

DossierState fold_dossier(const CreationFact& creation, std::vector<EventFact> events) {
  std::sort(events.begin(), events.end(), event_before);
  DossierState st;
  st.status = creation.status;
  st.holder_unit = creation.holder_unit;
  st.holders = {creation.holder_unit};
  if (creation.receiving_unit != creation.holder_unit) st.holders.insert(st.holders.begin(), creation.receiving_unit);
  st.due_at = creation.due_at;
  st.last_hlc = creation.hlc;
  st.applicant_name = creation.applicant_name;
  st.applicant_citizen_id = creation.applicant_citizen_id;
  st.submitter_name = creation.submitter_name;
  st.phone = creation.phone;
  st.address = creation.address;

  const Id128 root{};
  std::set<Id128> known;
  for (const EventFact& e : events) {
    ++st.event_count;
    if (st.last_hlc < e.hlc) st.last_hlc = e.hlc;
    known.insert(e.id);
  }

  // The processing chain: status and transfer events as a tree by parent. An event written before
  // parents were recorded follows the chain event before it in fact order.
  Children chain;
  std::map<std::string, Children> corrections;  // field -> tree
  std::map<Id128, Id128> parent_of;             // every chain step and correction -> its parent
  std::optional<Id128> previous_chain;
  for (const EventFact& e : events) {
    if (e.kind == EventKind::kStatus || e.kind == EventKind::kTransfer) {
      const Id128 parent = e.parent ? *e.parent : previous_chain.value_or(root);
      previous_chain = e.id;
      parent_of[e.id] = parent;
      if (parent != root && !known.count(parent)) {
        st.waiting.push_back(e.id);
        continue;
      }
      chain[parent].push_back(&e);
    } else if (e.kind == EventKind::kCorrection) {
      const Id128 parent = e.parent.value_or(root);
      parent_of[e.id] = parent;
      if (parent != root && !known.count(parent)) {
        st.waiting.push_back(e.id);
        continue;
      }
      corrections[e.field][parent].push_back(&e);
    }
  }

  Id128 head = root;
  for (size_t guard = 0; guard <= events.size(); ++guard) {
    auto it = chain.find(head);
    if (it == chain.end()) break;
    const EventFact* winner = nullptr;
    StepCheck best;
    std::vector<std::pair<const EventFact*, StepCheck>> kids;
    for (const EventFact* e : it->second) kids.emplace_back(e, check_step(st, creation, *e));
    for (const auto& [e, c] : kids) {
      if (!c.allowed) continue;
      if (!winner || std::tie(c.rank, e->origin_unit, e->id) < std::tie(best.rank, winner->origin_unit, winner->id)) {
        winner = e;
        best = c;
      }
    }
    for (const auto& [e, c] : kids) {
      if (e == winner) continue;
      if (c.allowed) {
        st.conflicts.push_back({e->id, winner->id, ConflictRule::kConcurrentStep,
                                describe_step(*e) + " and " + describe_step(*winner) +
                                    " both followed the same step; the " +
                                    (best.rank == 0   ? std::string("hand-over")
                                     : best.rank == 1 ? std::string("holder's step")
                                                      : std::string("counter step")) +
                                    " was applied"});
      } else {
        st.conflicts.push_back({e->id, winner ? std::optional<Id128>(winner->id) : std::nullopt, c.rule,
                                describe_step(*e) + ": " + c.why});
      }
      supersede_below(st, chain, e->id, e->id);
    }
    if (!winner) break;
    apply_step(st, *winner);
    st.applied.push_back(winner->id);
    st.head = winner->id;
    head = winner->id;
  }

  // Corrections: one tree per field. The receiving unit's correction wins over a concurrent one
  // (it has the citizen at its counter), then unit code, then event id. Concurrent corrections to
  // the same value agree and are no conflict.
  for (auto& [field, tree] : corrections) {
    std::string* target = field_of(st, field);
    Id128 at = root;
    for (size_t guard = 0; guard <= events.size(); ++guard) {
      auto it = tree.find(at);
      if (it == tree.end()) break;
      const EventFact* winner = nullptr;
      auto rank = [&](const EventFact* e) { return e->origin_unit == creation.receiving_unit ? 0 : 1; };
      auto may = [&](const EventFact* e) {
        return target && std::find(st.holders.begin(), st.holders.end(), e->origin_unit) != st.holders.end();
      };
      for (const EventFact* e : it->second) {
        if (!may(e)) continue;
        if (!winner || std::make_tuple(rank(e), e->origin_unit, e->id) <
                           std::make_tuple(rank(winner), winner->origin_unit, winner->id)) {
          winner = e;
        }
      }
      for (const EventFact* e : it->second) {
        if (e == winner) continue;
        if (!may(e)) {
          st.conflicts.push_back({e->id, std::nullopt, ConflictRule::kCorrectionNotAllowed,
                                  "correction of " + field + " by " + e->origin_unit +
                                      (target ? ", which neither received the dossier nor held it in its applied history" : ": not a correctable field")});
        } else if (e->value != winner->value) {
          st.conflicts.push_back({e->id, winner->id, ConflictRule::kConcurrentCorrection,
                                  "corrections of " + field + " by " + e->origin_unit + " ('" + e->value + "') and " +
                                      winner->origin_unit + " ('" + winner->value + "') started from the same value; " +
                                      (rank(winner) == 0 ? "the receiving unit's" : "the lower unit code's") +
                                      " was applied"});
        } else {
          // The same value: both stand, and what followed either continues from the winner.
          st.applied.push_back(e->id);
          if (auto below = tree.find(e->id); below != tree.end()) {
            auto& into = tree[winner->id];
            into.insert(into.end(), below->second.begin(), below->second.end());
          }
          continue;
        }
        supersede_below(st, tree, e->id, e->id);
      }
      if (!winner) break;
      *target = winner->value;
      st.applied.push_back(winner->id);
      st.correction_heads[field] = winner->id;
      at = winner->id;
    }
  }

  // An event below a waiting one waits with it: what it builds on has not arrived yet either.
  const std::set<Id128> waiting(st.waiting.begin(), st.waiting.end());
  auto below_waiting = [&](const Id128& id) {
    std::set<Id128> visited;
    for (auto it = parent_of.find(id); it != parent_of.end() && visited.insert(it->second).second;
         it = parent_of.find(it->second)) {
      if (waiting.count(it->second)) return true;
    }
    return false;
  };
  // Whatever is neither applied, lost, nor waiting does not descend from the creation (a parent
  // that is a note, a loop of parents): it is recorded too, never silently dropped.
  std::set<Id128> seen(st.applied.begin(), st.applied.end());
  for (const auto& c : st.conflicts) seen.insert(c.event_id);
  seen.insert(st.waiting.begin(), st.waiting.end());
  for (const EventFact& e : events) {
    if (e.kind == EventKind::kNote || seen.count(e.id)) continue;
    if (below_waiting(e.id)) {
      st.waiting.push_back(e.id);
      continue;
    }
    st.conflicts.push_back({e.id, std::nullopt, ConflictRule::kIllegalStep,
                            std::string(event_kind_name(e.kind)) + " event by " + e.origin_unit +
                                " does not follow from the dossier's creation"});
  }
  return st;
}

}  // namespace motcua::domain
