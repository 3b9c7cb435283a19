#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <utility>

#include "domain/dossier.hpp"

using namespace motcua;
using namespace motcua::domain;

TEST_CASE("the counter's transition table allows exactly the legal moves of DESIGN.md", "[transitions]") {
  // Written from the design text: 2→4; 4→5, 5→4; 4→6, 6→4; 4→9; 9→10; 2|4|5|6→7; 4|5|6→8.
  const std::set<std::pair<int, int>> legal = {{2, 4}, {4, 5}, {5, 4}, {4, 6}, {6, 4}, {4, 9}, {9, 10},
                                               {2, 7}, {4, 7}, {5, 7}, {6, 7}, {4, 8}, {5, 8}, {6, 8}};
  int allowed = 0;
  for (int from = 1; from <= 10; ++from) {
    for (int to = 1; to <= 10; ++to) {
      INFO(from << " -> " << to);
      bool expected = legal.count({from, to}) == 1;
      CHECK(is_legal_transition(static_cast<DossierStatus>(from), static_cast<DossierStatus>(to)) == expected);
      allowed += expected;
    }
  }
  CHECK(allowed == 14);
}

TEST_CASE("finished dossiers (3, 7, 8, 10) accept no further status", "[transitions]") {
  for (int s : {3, 7, 8, 10}) CHECK(legal_targets(static_cast<DossierStatus>(s)).empty());
}

TEST_CASE("an illegal transition explains itself in Vietnamese and English", "[transitions]") {
  Error e = illegal_transition_error("33.11953-260302-0001", DossierStatus::kReceived, DossierStatus::kResolved);
  CHECK(e.code == ErrorCode::kConflict);
  CHECK(e.message.find("2 (received)") != std::string::npos);
  CHECK(e.message_vi.find("Không thể chuyển hồ sơ 33.11953-260302-0001") != std::string::npos);
  CHECK(e.message_vi.find("Đang xử lý (4)") != std::string::npos);
  CHECK(e.message_vi.find("Rút hồ sơ (7)") != std::string::npos);
  CHECK(e.hint.find("processing (4)") != std::string::npos);
}

namespace {

CreationFact creation() {
  CreationFact c;
  c.id = Id128::random();
  c.code = "33.11953-260302-0001";
  c.receiving_unit = c.resolving_unit = c.holder_unit = c.origin_unit = "11953";
  c.received_at = Instant{1000};
  c.due_at = Instant{100000};
  c.hlc = Hlc::from(1000, 0);
  return c;
}

EventFact status_event(int from, int to, int64_t hlc_ms, std::string unit = "11953") {
  EventFact e;
  e.id = Id128::random();
  e.kind = EventKind::kStatus;
  e.from_status = static_cast<DossierStatus>(from);
  e.to_status = static_cast<DossierStatus>(to);
  e.at = Instant{hlc_ms};
  e.hlc = Hlc::from(hlc_ms, 0);
  e.origin_unit = std::move(unit);
  return e;
}

}  // namespace

TEST_CASE("the fold follows status events in clock order", "[fold]") {
  auto c = creation();
  auto s = fold_dossier(c, {status_event(9, 10, 5000), status_event(2, 4, 2000), status_event(4, 9, 3000)});
  CHECK(s.status == DossierStatus::kReturned);
  CHECK(s.resolved_at == Instant{3000});
  CHECK(s.returned_at == Instant{5000});
  CHECK(s.conflicts.empty());
  CHECK(s.event_count == 3);
}

TEST_CASE("a supplement pause is recorded and the resume's new due date applies", "[fold]") {
  auto c = creation();
  auto resume = status_event(5, 4, 4000);
  resume.due_at = Instant{200000};
  auto s = fold_dossier(c, {status_event(2, 4, 2000), status_event(4, 5, 3000)});
  CHECK(s.status == DossierStatus::kSupplement);
  CHECK(s.paused_at == Instant{3000});
  CHECK(s.due_at == Instant{100000});
  auto s2 = fold_dossier(c, {status_event(2, 4, 2000), status_event(4, 5, 3000), resume});
  CHECK(s2.status == DossierStatus::kProcessing);
  CHECK_FALSE(s2.paused_at);
  CHECK(s2.due_at == Instant{200000});
  CHECK(s2.supplement_count == 1);
}

TEST_CASE("an event that no longer matches the dossier's status loses and is listed, not dropped", "[fold]") {
  auto c = creation();
  // Two offices both act on status 4: the later (by HLC) one loses.
  auto a = status_event(4, 9, 3000, "11953");
  auto b = status_event(4, 8, 3001, "12004");
  auto s = fold_dossier(c, {status_event(2, 4, 2000), b, a});
  CHECK(s.status == DossierStatus::kResolved);
  REQUIRE(s.conflicts.size() == 1);
  CHECK(s.conflicts[0].event_id == b.id);
}

TEST_CASE("the fold gives the same state whatever order the facts arrive in", "[fold]") {
  auto c = creation();
  std::vector<EventFact> events = {status_event(2, 4, 2000), status_event(4, 5, 3000), status_event(5, 4, 4000),
                                   status_event(4, 6, 4000, "12004"), status_event(4, 9, 5000),
                                   status_event(6, 4, 5000, "12004"), status_event(9, 10, 6000)};
  auto reference = fold_dossier(c, events);
  std::mt19937 rng(20261128);
  for (int i = 0; i < 50; ++i) {
    std::shuffle(events.begin(), events.end(), rng);
    auto s = fold_dossier(c, events);
    CHECK(s.status == reference.status);
    CHECK(s.conflicts.size() == reference.conflicts.size());
    CHECK(s.last_hlc == reference.last_hlc);
    CHECK(s.due_at == reference.due_at);
  }
}
