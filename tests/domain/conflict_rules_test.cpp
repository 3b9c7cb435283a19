// The conflict rules of docs/CONFLICTS.md, one scenario (or more) per rule, on the pure fold: the
// steps of a dossier form a tree by `parent`, never ordered by a clock.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "domain/dossier.hpp"

using namespace motcua;
using namespace motcua::domain;

namespace {

// The receiving unit, a commune the dossier is handed over to, and one that never holds it.
const std::string R = "11953";
const std::string A = "11983";
const std::string B = "12103";
const Id128 kCreation{};  // the parent of a first step: 32 zeros
constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;
constexpr int64_t kT0 = 1772416800000;  // 2026-03-02 09:00 +07:00

CreationFact creation(const std::string& receiving = R) {
  CreationFact c;
  c.id = Id128::random();
  c.code = "33." + receiving + "-260302-0001";
  c.receiving_unit = c.resolving_unit = c.holder_unit = c.origin_unit = receiving;
  c.received_at = Instant{kT0};
  c.due_at = Instant{kT0 + 3 * kDayMs};
  c.hlc = Hlc::from(kT0, 0);
  c.applicant_name = "Nguyễn Thị Hoa";
  c.applicant_citizen_id = "033198001234";
  return c;
}

// `minute`: the author's clock, in minutes after the receipt.
EventFact step(const std::string& unit, int from, int to, const Id128& parent, int64_t minute) {
  EventFact e;
  e.id = Id128::random();
  e.kind = EventKind::kStatus;
  e.from_status = static_cast<DossierStatus>(from);
  e.to_status = static_cast<DossierStatus>(to);
  e.at = Instant{kT0 + minute * 60000};
  e.hlc = Hlc::from(kT0 + minute * 60000, 0);
  e.origin_unit = unit;
  e.actor = "clerk " + unit;
  e.parent = parent;
  return e;
}

EventFact hand_over(const std::string& unit, const std::string& to_unit, int status, const Id128& parent,
                    int64_t minute) {
  EventFact e = step(unit, status, status, parent, minute);
  e.kind = EventKind::kTransfer;
  e.transfer_to = to_unit;
  return e;
}

EventFact correction(const std::string& unit, const std::string& field, const std::string& value,
                     const Id128& parent, int64_t minute) {
  EventFact e = step(unit, 2, 2, parent, minute);
  e.kind = EventKind::kCorrection;
  e.from_status.reset();
  e.to_status.reset();
  e.field = field;
  e.value = value;
  return e;
}

EventFact note(const std::string& unit, int64_t minute) {
  EventFact e = step(unit, 2, 2, kCreation, minute);
  e.kind = EventKind::kNote;
  e.from_status.reset();
  e.to_status.reset();
  e.parent.reset();
  e.note = "Đã gọi điện cho công dân";
  return e;
}

using ConflictKey = std::tuple<Id128, std::optional<Id128>, ConflictRule, std::string>;

std::set<ConflictKey> conflict_set(const DossierState& s) {
  std::set<ConflictKey> out;
  for (const auto& c : s.conflicts) out.insert({c.event_id, c.winner_id, c.rule, c.detail});
  return out;
}

std::set<Id128> id_set(const std::vector<Id128>& ids) { return {ids.begin(), ids.end()}; }

// The conflict record of `e`, REQUIREd to exist.
const ConflictRecord& lost(const DossierState& s, const EventFact& e) {
  const ConflictRecord* c = s.conflict_of(e.id);
  INFO("event " << e.id.hex() << " should have lost");
  REQUIRE(c != nullptr);
  return *c;
}

bool waits(const DossierState& s, const EventFact& e) {
  return std::find(s.waiting.begin(), s.waiting.end(), e.id) != s.waiting.end();
}

}  // namespace

// --- concurrent_step ---------------------------------------------------------------------------

TEST_CASE("a hand-over wins over a concurrent step by the same holder, which is kept as concurrent_step",
          "[conflicts][concurrent_step]") {
  auto c = creation();
  auto start = step(R, 2, 4, kCreation, 10);
  // Both follow `start`; the step's clock says it came first, which decides nothing.
  auto resolved = step(R, 4, 9, start.id, 20);
  auto handed = hand_over(R, A, 4, start.id, 30);
  auto s = fold_dossier(c, {start, resolved, handed});
  CHECK(s.status == DossierStatus::kProcessing);
  CHECK(s.holder_unit == A);
  CHECK(s.holders == std::vector<std::string>{R, A});
  CHECK(s.applied == std::vector<Id128>{start.id, handed.id});
  CHECK_FALSE(s.is_applied(resolved.id));
  CHECK_FALSE(s.resolved_at);
  REQUIRE(s.conflicts.size() == 1);
  const auto& k = lost(s, resolved);
  CHECK(k.rule == ConflictRule::kConcurrentStep);
  REQUIRE(k.winner_id);
  CHECK(*k.winner_id == handed.id);
  CHECK(k.detail.find("hand-over") != std::string::npos);
}

TEST_CASE("the holder's step wins over a concurrent counter step of the receiving unit", "[conflicts][concurrent_step]") {
  auto c = creation();
  auto start = step(R, 2, 4, kCreation, 10);
  auto handed = hand_over(R, A, 4, start.id, 20);
  // The holder resolves; the receiving unit, not having seen it, records a withdrawal at its
  // counter. The withdrawal has the earlier clock and the lower unit code: the holder still wins.
  auto resolved = step(A, 4, 9, handed.id, 90);
  auto withdrawn = step(R, 4, 7, handed.id, 30);
  auto s = fold_dossier(c, {start, handed, resolved, withdrawn});
  CHECK(s.status == DossierStatus::kResolved);
  CHECK(s.holder_unit == A);
  CHECK(s.is_applied(resolved.id));
  CHECK_FALSE(s.is_applied(withdrawn.id));
  REQUIRE(s.conflicts.size() == 1);
  const auto& k = lost(s, withdrawn);
  CHECK(k.rule == ConflictRule::kConcurrentStep);
  REQUIRE(k.winner_id);
  CHECK(*k.winner_id == resolved.id);
}

TEST_CASE("two concurrent steps of the same rank are settled by unit code and then id, never by clock",
          "[conflicts][concurrent_step]") {
  auto c = creation();
  auto start = step(R, 2, 4, kCreation, 10);
  auto first = hand_over(R, A, 4, start.id, 50);
  auto second = hand_over(R, B, 4, start.id, 20);
  auto s = fold_dossier(c, {start, first, second});
  // Same unit, same rank: the lower id wins whatever the clocks say.
  const EventFact& winner = first.id < second.id ? first : second;
  const EventFact& loser = first.id < second.id ? second : first;
  CHECK(s.holder_unit == winner.transfer_to);
  const auto& k = lost(s, loser);
  CHECK(k.rule == ConflictRule::kConcurrentStep);
  REQUIRE(k.winner_id);
  CHECK(*k.winner_id == winner.id);
}

// --- a former holder after a hand-over ---------------------------------------------------------

TEST_CASE("a former holder's step taken from the point before its hand-over is kept but loses as concurrent_step",
          "[conflicts][concurrent_step][transfer]") {
  // The hand-over was recorded (e.g. at the hub by a province user acting for the holder) and the
  // holder's office, not having seen it, resolved the dossier from the same point.
  auto c = creation();
  auto start = step(R, 2, 4, kCreation, 10);
  auto handed = hand_over(R, A, 4, start.id, 100);
  auto late = step(R, 4, 9, start.id, 40);
  auto s = fold_dossier(c, {start, handed, late});
  CHECK(s.status == DossierStatus::kProcessing);
  CHECK(s.holder_unit == A);
  CHECK(s.event_count == 3);  // kept in history
  const auto& k = lost(s, late);
  CHECK(k.rule == ConflictRule::kConcurrentStep);
  REQUIRE(k.winner_id);
  CHECK(*k.winner_id == handed.id);
  CHECK(s.waiting.empty());
}

TEST_CASE("a former holder's step that follows its own hand-over is not_allowed and changes nothing",
          "[conflicts][not_allowed][transfer]") {
  auto c = creation();
  auto start = step(R, 2, 4, kCreation, 10);
  auto handed = hand_over(R, A, 4, start.id, 20);
  // 4→5 is no counter step: the receiving unit, no longer the holder, may not take it.
  auto late = step(R, 4, 5, handed.id, 30);

  SECTION("nothing else was done at that point: recorded without a winner") {
    auto s = fold_dossier(c, {start, handed, late});
    CHECK(s.status == DossierStatus::kProcessing);
    CHECK(s.holder_unit == A);
    CHECK(s.supplement_count == 0);
    CHECK_FALSE(s.paused_at);
    const auto& k = lost(s, late);
    CHECK(k.rule == ConflictRule::kNotAllowed);
    CHECK_FALSE(k.winner_id);
    CHECK(k.detail.find("not the holder") != std::string::npos);
  }
  SECTION("the new holder acted at that point: recorded with the holder's step") {
    auto resolved = step(A, 4, 9, handed.id, 60);
    auto s = fold_dossier(c, {start, handed, late, resolved});
    CHECK(s.status == DossierStatus::kResolved);
    const auto& k = lost(s, late);
    CHECK(k.rule == ConflictRule::kNotAllowed);
    REQUIRE(k.winner_id);
    CHECK(*k.winner_id == resolved.id);
  }
  SECTION("a former holder that is not the receiving unit may not even take a counter step") {
    auto back = hand_over(A, B, 4, handed.id, 40);
    auto withdrawal_by_a = step(A, 4, 7, back.id, 50);
    auto s = fold_dossier(c, {start, handed, back, withdrawal_by_a});
    CHECK(s.status == DossierStatus::kProcessing);
    CHECK(s.holder_unit == B);
    CHECK(lost(s, withdrawal_by_a).rule == ConflictRule::kNotAllowed);
  }
}

// --- not_allowed ---------------------------------------------------------------------------------

TEST_CASE("a step by a unit that never held the dossier is not_allowed", "[conflicts][not_allowed]") {
  auto c = creation();
  auto stranger = step(B, 2, 4, kCreation, 10);
  SECTION("alone") {
    auto s = fold_dossier(c, {stranger});
    CHECK(s.status == DossierStatus::kReceived);
    CHECK(s.holder_unit == R);
    CHECK(s.applied.empty());
    const auto& k = lost(s, stranger);
    CHECK(k.rule == ConflictRule::kNotAllowed);
    CHECK_FALSE(k.winner_id);
  }
  SECTION("beside the holder's step from the same point") {
    auto start = step(R, 2, 4, kCreation, 30);
    auto s = fold_dossier(c, {stranger, start});
    CHECK(s.status == DossierStatus::kProcessing);
    const auto& k = lost(s, stranger);
    CHECK(k.rule == ConflictRule::kNotAllowed);
    REQUIRE(k.winner_id);
    CHECK(*k.winner_id == start.id);
  }
  SECTION("a hand-over by a unit that does not hold it") {
    auto grab = hand_over(B, A, 2, kCreation, 10);
    auto s = fold_dossier(c, {grab});
    CHECK(s.holder_unit == R);
    CHECK(s.holders == std::vector<std::string>{R});
    CHECK(lost(s, grab).rule == ConflictRule::kNotAllowed);
  }
}

TEST_CASE("the receiving unit's own processing step on a dossier held elsewhere is not_allowed",
          "[conflicts][not_allowed]") {
  auto c = creation();
  auto handed = hand_over(R, A, 2, kCreation, 10);
  auto start = step(A, 2, 4, handed.id, 20);
  auto resolve_by_receiver = step(R, 4, 9, start.id, 30);
  auto s = fold_dossier(c, {handed, start, resolve_by_receiver});
  CHECK(s.status == DossierStatus::kProcessing);
  CHECK(s.holder_unit == A);
  const auto& k = lost(s, resolve_by_receiver);
  CHECK(k.rule == ConflictRule::kNotAllowed);
  CHECK(k.detail.find("not a counter step") != std::string::npos);

  // 5→8 is no counter step either.
  auto supplement = step(A, 4, 5, start.id, 40);
  auto stop_by_receiver = step(R, 5, 8, supplement.id, 50);
  auto s2 = fold_dossier(c, {handed, start, supplement, stop_by_receiver});
  CHECK(s2.status == DossierStatus::kSupplement);
  CHECK(lost(s2, stop_by_receiver).rule == ConflictRule::kNotAllowed);
}

TEST_CASE("the receiving unit's counter steps apply on a dossier held elsewhere", "[conflicts][counter]") {
  auto c = creation();
  auto handed = hand_over(R, A, 2, kCreation, 10);
  auto start = step(A, 2, 4, handed.id, 20);

  SECTION("supplement received (5→4) and result returned (9→10)") {
    auto supplement = step(A, 4, 5, start.id, 30);
    auto received = step(R, 5, 4, supplement.id, 40);
    received.due_at = Instant{kT0 + 5 * kDayMs};
    auto resolved = step(A, 4, 9, received.id, 50);
    auto returned = step(R, 9, 10, resolved.id, 60);
    auto s = fold_dossier(c, {handed, start, supplement, received, resolved, returned});
    CHECK(s.conflicts.empty());
    CHECK(s.status == DossierStatus::kReturned);
    CHECK(s.holder_unit == A);
    CHECK(s.applied == std::vector<Id128>{handed.id, start.id, supplement.id, received.id, resolved.id, returned.id});
    CHECK(s.due_at == Instant{kT0 + 5 * kDayMs});
    CHECK(s.returned_at == returned.at);
  }
  SECTION("withdrawal") {
    auto withdrawn = step(R, 4, 7, start.id, 30);
    auto s = fold_dossier(c, {handed, start, withdrawn});
    CHECK(s.conflicts.empty());
    CHECK(s.status == DossierStatus::kWithdrawn);
  }
}

// --- superseded_branch ---------------------------------------------------------------------------

TEST_CASE("a step that followed a losing step is superseded_branch, and so is everything below it",
          "[conflicts][superseded_branch]") {
  auto c = creation();
  auto start = step(R, 2, 4, kCreation, 10);
  auto handed = hand_over(R, A, 4, start.id, 20);
  // The receiving office, unaware of its hand-over, goes on along its own branch.
  auto supplement = step(R, 4, 5, start.id, 30);
  auto received = step(R, 5, 4, supplement.id, 40);
  auto resolved = step(R, 4, 9, received.id, 50);
  auto s = fold_dossier(c, {start, handed, supplement, received, resolved});
  CHECK(s.status == DossierStatus::kProcessing);
  CHECK(s.holder_unit == A);
  CHECK(s.supplement_count == 0);
  CHECK_FALSE(s.resolved_at);
  CHECK(s.applied == std::vector<Id128>{start.id, handed.id});
  CHECK(lost(s, supplement).rule == ConflictRule::kConcurrentStep);
  for (const EventFact* e : {&received, &resolved}) {
    const auto& k = lost(s, *e);
    CHECK(k.rule == ConflictRule::kSupersededBranch);
    CHECK_FALSE(k.winner_id);
    CHECK(k.detail.find(supplement.id.hex()) != std::string::npos);
  }
  CHECK(s.conflicts.size() == 3);
}

TEST_CASE("what followed a not_allowed or illegal step is superseded_branch", "[conflicts][superseded_branch]") {
  auto c = creation();
  auto stranger = step(B, 2, 4, kCreation, 10);
  auto after_stranger = step(B, 4, 9, stranger.id, 20);
  auto illegal = step(R, 2, 9, kCreation, 30);
  auto after_illegal = step(R, 9, 10, illegal.id, 40);
  auto s = fold_dossier(c, {stranger, after_stranger, illegal, after_illegal});
  CHECK(s.status == DossierStatus::kReceived);
  CHECK(lost(s, stranger).rule == ConflictRule::kNotAllowed);
  CHECK(lost(s, illegal).rule == ConflictRule::kIllegalStep);
  CHECK(lost(s, after_stranger).rule == ConflictRule::kSupersededBranch);
  CHECK(lost(s, after_illegal).rule == ConflictRule::kSupersededBranch);
}

// --- illegal_step --------------------------------------------------------------------------------

TEST_CASE("a step the transition table does not allow from its parent's state is illegal_step",
          "[conflicts][illegal_step]") {
  auto c = creation();
  auto start = step(R, 2, 4, kCreation, 10);
  SECTION("a transition that is never legal") {
    auto jump = step(R, 2, 9, kCreation, 5);
    auto s = fold_dossier(c, {start, jump});
    CHECK(s.status == DossierStatus::kProcessing);
    const auto& k = lost(s, jump);
    CHECK(k.rule == ConflictRule::kIllegalStep);
    REQUIRE(k.winner_id);
    CHECK(*k.winner_id == start.id);
  }
  SECTION("a legal transition from a status the dossier was not in at that point") {
    auto resume = step(R, 5, 4, start.id, 20);  // the dossier is in 4 after `start`, not 5
    auto s = fold_dossier(c, {start, resume});
    CHECK(s.status == DossierStatus::kProcessing);
    CHECK(s.applied == std::vector<Id128>{start.id});
    const auto& k = lost(s, resume);
    CHECK(k.rule == ConflictRule::kIllegalStep);
    CHECK_FALSE(k.winner_id);
  }
  SECTION("a step after a finished dossier") {
    auto withdrawn = step(R, 4, 7, start.id, 20);
    auto again = step(R, 7, 4, withdrawn.id, 30);
    auto s = fold_dossier(c, {start, withdrawn, again});
    CHECK(s.status == DossierStatus::kWithdrawn);
    CHECK(lost(s, again).rule == ConflictRule::kIllegalStep);
  }
}

TEST_CASE("a hand-over in status 5 (or any status but 2, 4 and 9), or to the unit that already holds it, is illegal_step",
          "[conflicts][illegal_step][transfer]") {
  auto c = creation();
  auto start = step(R, 2, 4, kCreation, 10);
  auto supplement = step(R, 4, 5, start.id, 20);
  SECTION("status 5") {
    auto handed = hand_over(R, A, 5, supplement.id, 30);
    auto s = fold_dossier(c, {start, supplement, handed});
    CHECK(s.status == DossierStatus::kSupplement);
    CHECK(s.holder_unit == R);
    CHECK(s.holders == std::vector<std::string>{R});
    const auto& k = lost(s, handed);
    CHECK(k.rule == ConflictRule::kIllegalStep);
    CHECK(k.detail.find("cannot be handed over") != std::string::npos);
  }
  SECTION("status 6, 7, 8 and 10 cannot be handed over either") {
    for (int st : {6, 7, 8}) {
      INFO("status " << st);
      auto to = step(R, 4, st, start.id, 20);
      auto handed = hand_over(R, A, st, to.id, 30);
      auto s = fold_dossier(c, {start, to, handed});
      CHECK(s.holder_unit == R);
      CHECK(lost(s, handed).rule == ConflictRule::kIllegalStep);
    }
    auto resolved = step(R, 4, 9, start.id, 20);
    auto returned = step(R, 9, 10, resolved.id, 30);
    auto handed = hand_over(R, A, 10, returned.id, 40);
    auto s = fold_dossier(c, {start, resolved, returned, handed});
    CHECK(s.holder_unit == R);
    CHECK(lost(s, handed).rule == ConflictRule::kIllegalStep);
  }
  SECTION("to its own holder") {
    auto to_self = hand_over(R, R, 4, start.id, 30);
    auto s = fold_dossier(c, {start, to_self});
    CHECK(s.holders == std::vector<std::string>{R});
    CHECK(lost(s, to_self).rule == ConflictRule::kIllegalStep);
  }
}

TEST_CASE("a hand-over in status 9 gives the result back and the receiving unit then returns it",
          "[conflicts][transfer]") {
  auto c = creation();
  auto handed = hand_over(R, A, 2, kCreation, 10);
  auto start = step(A, 2, 4, handed.id, 20);
  auto resolved = step(A, 4, 9, start.id, 30);
  auto back = hand_over(A, R, 9, resolved.id, 40);
  auto returned = step(R, 9, 10, back.id, 50);
  // The former holder, which handed the result back, may not return it itself.
  auto returned_by_a = step(A, 9, 10, back.id, 45);
  auto s = fold_dossier(c, {handed, start, resolved, back, returned, returned_by_a});
  CHECK(s.status == DossierStatus::kReturned);
  CHECK(s.holder_unit == R);
  CHECK(s.holders == std::vector<std::string>{R, A});
  CHECK(s.is_applied(back.id));
  CHECK(s.is_applied(returned.id));
  const auto& k = lost(s, returned_by_a);
  CHECK(k.rule == ConflictRule::kNotAllowed);
  REQUIRE(k.winner_id);
  CHECK(*k.winner_id == returned.id);
}

// --- waiting -------------------------------------------------------------------------------------

TEST_CASE("an event whose parent has not arrived waits, is no conflict, and is taken up when the parent arrives",
          "[conflicts][waiting]") {
  auto c = creation();
  auto start = step(R, 2, 4, kCreation, 10);
  auto resolved = step(R, 4, 9, start.id, 20);
  auto returned = step(R, 9, 10, resolved.id, 30);
  auto name = correction(R, "applicant_name", "Nguyễn Thị Hòa", kCreation, 15);
  auto name_again = correction(R, "applicant_name", "Nguyễn Thị Hoà", name.id, 25);

  SECTION("the parent of the last step is missing") {
    auto s = fold_dossier(c, {start, returned, name_again});
    CHECK(s.status == DossierStatus::kProcessing);
    CHECK(s.conflicts.empty());
    CHECK(waits(s, returned));
    CHECK(waits(s, name_again));
    CHECK_FALSE(s.is_applied(returned.id));
    CHECK(s.applicant_name == "Nguyễn Thị Hoa");
    CHECK(s.waiting.size() == 2);
  }
  SECTION("a step below a waiting step waits with it") {
    auto s = fold_dossier(c, {resolved, returned});
    CHECK(s.status == DossierStatus::kReceived);
    CHECK(s.conflicts.empty());
    CHECK(waits(s, resolved));
    CHECK(waits(s, returned));
    CHECK(s.applied.empty());
  }
  SECTION("once the parents arrive everything applies") {
    auto s = fold_dossier(c, {start, resolved, returned, name, name_again});
    CHECK(s.waiting.empty());
    CHECK(s.conflicts.empty());
    CHECK(s.status == DossierStatus::kReturned);
    CHECK(s.applicant_name == "Nguyễn Thị Hoà");
    CHECK(s.applied.size() == 5);
  }
}

// --- events that do not descend from the creation -------------------------------------------------

TEST_CASE("a step whose parent is a note, or whose parents form a loop, is recorded as illegal_step, never dropped",
          "[conflicts][illegal_step]") {
  auto c = creation();
  auto remark = note(R, 5);
  SECTION("parent is a note") {
    auto start = step(R, 2, 4, remark.id, 10);
    auto s = fold_dossier(c, {remark, start});
    CHECK(s.status == DossierStatus::kReceived);
    CHECK(s.waiting.empty());
    CHECK(lost(s, start).rule == ConflictRule::kIllegalStep);
    CHECK_FALSE(s.conflict_of(remark.id));  // a note is recorded, never a conflict
  }
  SECTION("a loop of two") {
    auto a = step(R, 2, 4, kCreation, 10);
    auto b = step(R, 4, 9, a.id, 20);
    a.parent = b.id;
    auto s = fold_dossier(c, {a, b});
    CHECK(s.status == DossierStatus::kReceived);
    CHECK(s.waiting.empty());
    CHECK(lost(s, a).rule == ConflictRule::kIllegalStep);
    CHECK(lost(s, b).rule == ConflictRule::kIllegalStep);
  }
  SECTION("its own parent") {
    auto a = step(R, 2, 4, kCreation, 10);
    a.parent = a.id;
    auto s = fold_dossier(c, {a});
    CHECK(s.status == DossierStatus::kReceived);
    CHECK(lost(s, a).rule == ConflictRule::kIllegalStep);
  }
  SECTION("a correction whose parent is a status step") {
    auto start = step(R, 2, 4, kCreation, 10);
    auto fix = correction(R, "phone", "0912345678", start.id, 20);
    auto s = fold_dossier(c, {start, fix});
    CHECK(s.phone.empty());
    CHECK(lost(s, fix).rule == ConflictRule::kIllegalStep);
  }
}

// --- corrections ---------------------------------------------------------------------------------

TEST_CASE("of two concurrent corrections of a field the receiving unit's applies and the other is concurrent_correction",
          "[conflicts][concurrent_correction]") {
  // The receiving unit has the higher code, so neither unit code nor clock can be what decides.
  auto c = creation(B);
  auto handed = hand_over(B, R, 2, kCreation, 10);
  auto by_holder = correction(R, "applicant_name", "Nguyễn Thị Hòa", kCreation, 20);
  auto by_receiver = correction(B, "applicant_name", "Nguyễn Thị Hoà", kCreation, 90);
  auto s = fold_dossier(c, {handed, by_holder, by_receiver});
  CHECK(s.applicant_name == "Nguyễn Thị Hoà");
  CHECK(s.is_applied(by_receiver.id));
  CHECK_FALSE(s.is_applied(by_holder.id));
  REQUIRE(s.correction_heads.count("applicant_name"));
  CHECK(s.correction_heads.at("applicant_name") == by_receiver.id);
  REQUIRE(s.conflicts.size() == 1);
  const auto& k = lost(s, by_holder);
  CHECK(k.rule == ConflictRule::kConcurrentCorrection);
  REQUIRE(k.winner_id);
  CHECK(*k.winner_id == by_receiver.id);
  CHECK(k.detail.find("Nguyễn Thị Hòa") != std::string::npos);
  CHECK(k.detail.find("Nguyễn Thị Hoà") != std::string::npos);
}

TEST_CASE("between two units that are not the receiving unit the lower unit code's correction applies",
          "[conflicts][concurrent_correction]") {
  auto c = creation();
  auto h1 = hand_over(R, B, 2, kCreation, 10);
  auto h2 = hand_over(B, A, 2, h1.id, 20);
  auto by_b = correction(B, "address", "Số 2 Phố Hiến", kCreation, 30);
  auto by_a = correction(A, "address", "Số 3 Phố Hiến", kCreation, 40);
  auto s = fold_dossier(c, {h1, h2, by_b, by_a});
  CHECK(s.address == "Số 3 Phố Hiến");  // A = 11983 < B = 12103
  CHECK(lost(s, by_b).rule == ConflictRule::kConcurrentCorrection);
}

TEST_CASE("concurrent corrections to the same value agree: both apply and there is no conflict",
          "[conflicts][concurrent_correction]") {
  auto c = creation();
  auto handed = hand_over(R, A, 2, kCreation, 10);
  auto by_r = correction(R, "phone", "0912345678", kCreation, 20);
  auto by_a = correction(A, "phone", "0912345678", kCreation, 30);
  SECTION("alone") {
    auto s = fold_dossier(c, {handed, by_r, by_a});
    CHECK(s.conflicts.empty());
    CHECK(s.phone == "0912345678");
    CHECK(s.is_applied(by_r.id));
    CHECK(s.is_applied(by_a.id));
  }
  SECTION("a later correction made on top of either one continues") {
    auto next = correction(A, "phone", "0987654321", by_a.id, 40);
    auto s = fold_dossier(c, {handed, by_r, by_a, next});
    CHECK(s.conflicts.empty());
    CHECK(s.phone == "0987654321");
    CHECK(s.is_applied(next.id));
  }
}

TEST_CASE("a correction by a unit that never received or held the dossier is correction_not_allowed",
          "[conflicts][correction_not_allowed]") {
  auto c = creation();
  auto stranger = correction(B, "applicant_citizen_id", "033198009999", kCreation, 10);
  auto s = fold_dossier(c, {stranger});
  CHECK(s.applicant_citizen_id == "033198001234");
  CHECK_FALSE(s.is_applied(stranger.id));
  const auto& k = lost(s, stranger);
  CHECK(k.rule == ConflictRule::kCorrectionNotAllowed);
  CHECK_FALSE(k.winner_id);

  // A unit that held the dossier at some point may correct, even before its hand-over in the tree.
  auto handed = hand_over(R, B, 2, kCreation, 20);
  auto s2 = fold_dossier(c, {handed, stranger});
  CHECK(s2.conflicts.empty());
  CHECK(s2.applicant_citizen_id == "033198009999");
}

// --- convergence ---------------------------------------------------------------------------------

namespace {

// One dossier exercising every rule: hand-overs both ways, concurrent and not-allowed steps, a
// superseded branch, an illegal hand-over, corrections in conflict and in agreement, a note, a
// loop, and a step waiting for its parent.
struct Busy {
  CreationFact c = creation();
  std::vector<EventFact> events;
  Busy() {
    auto start = step(R, 2, 4, kCreation, 10);
    auto handed = hand_over(R, A, 4, start.id, 20);
    auto concurrent = step(R, 4, 5, start.id, 25);         // concurrent_step (hand-over wins)
    auto below = step(R, 5, 4, concurrent.id, 26);         // superseded_branch
    auto supplement = step(A, 4, 5, handed.id, 30);
    auto illegal_handover = hand_over(A, B, 5, supplement.id, 31);  // illegal_step
    auto stranger = step(B, 5, 8, supplement.id, 32);       // not_allowed
    auto received = step(R, 5, 4, supplement.id, 40);       // counter step
    auto resolved = step(A, 4, 9, received.id, 50);
    auto withdrawal = step(R, 4, 7, received.id, 45);       // concurrent_step (holder wins)
    auto back = hand_over(A, R, 9, resolved.id, 60);
    auto returned = step(R, 9, 10, back.id, 70);
    auto orphan = step(A, 9, 10, Id128::random(), 65);      // waiting
    auto name_r = correction(R, "applicant_name", "Nguyễn Thị Hòa", kCreation, 12);
    auto name_a = correction(A, "applicant_name", "Nguyễn Thị Hoà", kCreation, 13);  // concurrent_correction
    auto phone_r = correction(R, "phone", "0912345678", kCreation, 14);
    auto phone_a = correction(A, "phone", "0912345678", kCreation, 15);  // agrees
    auto phone_next = correction(R, "phone", "0987654321", phone_a.id, 16);
    auto id_b = correction(B, "applicant_citizen_id", "033198009999", kCreation, 17);  // correction_not_allowed
    auto remark = note(A, 33);
    auto on_note = step(A, 4, 9, remark.id, 34);            // illegal_step (parent is a note)
    auto loop_a = step(R, 2, 7, kCreation, 80);
    auto loop_b = step(R, 7, 4, loop_a.id, 81);
    loop_a.parent = loop_b.id;                              // illegal_step (loop)
    events = {start, handed, concurrent, below, supplement, illegal_handover, stranger, received, resolved,
              withdrawal, back, returned, orphan, name_r, name_a, phone_r, phone_a, phone_next, id_b, remark,
              on_note, loop_a, loop_b};
  }
};

void check_same(const DossierState& s, const DossierState& ref) {
  CHECK(s.status == ref.status);
  CHECK(s.holder_unit == ref.holder_unit);
  CHECK(s.holders == ref.holders);
  CHECK(s.applicant_name == ref.applicant_name);
  CHECK(s.phone == ref.phone);
  CHECK(id_set(s.applied) == id_set(ref.applied));
  CHECK(s.applied.size() == ref.applied.size());
  CHECK(conflict_set(s) == conflict_set(ref));
  CHECK(s.conflicts.size() == ref.conflicts.size());
  CHECK(id_set(s.waiting) == id_set(ref.waiting));
}

}  // namespace

TEST_CASE("one dossier that meets every rule folds to the documented state, conflicts and waiting events", "[conflicts][convergence]") {
  Busy b;
  auto s = fold_dossier(b.c, b.events);
  CHECK(s.status == DossierStatus::kReturned);
  CHECK(s.holder_unit == R);
  CHECK(s.holders == std::vector<std::string>{R, A});
  CHECK(s.applicant_name == "Nguyễn Thị Hòa");
  CHECK(s.phone == "0987654321");
  CHECK(s.applicant_citizen_id == "033198001234");
  CHECK(s.waiting.size() == 1);
  std::multiset<ConflictRule> rules;
  for (const auto& k : s.conflicts) rules.insert(k.rule);
  CHECK(rules.count(ConflictRule::kConcurrentStep) == 2);
  CHECK(rules.count(ConflictRule::kSupersededBranch) == 1);
  CHECK(rules.count(ConflictRule::kNotAllowed) == 1);
  CHECK(rules.count(ConflictRule::kIllegalStep) == 4);
  CHECK(rules.count(ConflictRule::kConcurrentCorrection) == 1);
  CHECK(rules.count(ConflictRule::kCorrectionNotAllowed) == 1);
  // Every event is applied, lost, waiting, or a note.
  CHECK(s.applied.size() + s.conflicts.size() + s.waiting.size() + 1 == b.events.size());
}

TEST_CASE("the fold gives the same state and conflicts under every order of the same facts",
          "[conflicts][convergence]") {
  Busy b;
  const auto reference = fold_dossier(b.c, b.events);
  std::mt19937 rng(20260302);
  std::vector<EventFact> events = b.events;
  for (int i = 0; i < 300; ++i) {
    std::shuffle(events.begin(), events.end(), rng);
    INFO("permutation " << i);
    check_same(fold_dossier(b.c, events), reference);
  }
}

TEST_CASE("no clock decides: the same tree with a clock days behind or reversed clocks gives the same outcome",
          "[conflicts][convergence][clock]") {
  Busy b;
  const auto reference = fold_dossier(b.c, b.events);

  SECTION("the receiving office's clock is three days behind") {
    auto events = b.events;
    for (auto& e : events) {
      if (e.origin_unit == R) e.hlc = Hlc::from(e.hlc.physical_ms() - 3 * kDayMs, 0);
    }
    check_same(fold_dossier(b.c, events), reference);
  }
  SECTION("every clock runs backwards") {
    auto events = b.events;
    for (auto& e : events) e.hlc = Hlc::from(2 * kT0 - e.hlc.physical_ms(), 0);
    check_same(fold_dossier(b.c, events), reference);
  }
  SECTION("all events carry the same clock value") {
    auto events = b.events;
    for (auto& e : events) e.hlc = Hlc::from(kT0, 0);
    check_same(fold_dossier(b.c, events), reference);
  }
}

// --- legacy events -------------------------------------------------------------------------------

TEST_CASE("a step recorded before parents existed follows the previous chain step in fact order, and later steps build on it",
          "[conflicts][legacy]") {
  auto c = creation();
  auto start = step(R, 2, 4, kCreation, 10);
  start.parent.reset();
  auto resolved = step(R, 4, 9, kCreation, 20);
  resolved.parent.reset();
  auto returned = step(R, 9, 10, resolved.id, 30);  // written after parents were recorded
  std::vector<EventFact> events{returned, resolved, start};
  auto s = fold_dossier(c, events);
  CHECK(s.conflicts.empty());
  CHECK(s.waiting.empty());
  CHECK(s.status == DossierStatus::kReturned);
  CHECK(s.applied == std::vector<Id128>{start.id, resolved.id, returned.id});
}
