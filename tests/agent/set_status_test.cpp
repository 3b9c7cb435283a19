#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/agent/agent_fixture.hpp"

using namespace motcua;
using motcua::test::Office;
using motcua::test::vn;

namespace {

agent::SetStatusResult move(Office& office, const std::string& code, int status, const std::string& at) {
  office.clock.set(vn(at));
  auto r = agent::set_status(office.store, {code, status, "", "clerk"});
  if (!r) FAIL(r.error().message);
  return *r;
}

}  // namespace

TEST_CASE("a dossier walks the whole counter path from receipt to returned result", "[set-status]") {
  Office office("11953", "2026-03-02T08:00");
  auto r = office.receive();
  move(office, r.code, 4, "2026-03-02T09:00");
  move(office, r.code, 6, "2026-03-02T10:00");
  move(office, r.code, 4, "2026-03-02T11:00");
  move(office, r.code, 9, "2026-03-03T09:00");
  auto last = move(office, r.code, 10, "2026-03-03T10:00");
  CHECK(last.to == domain::DossierStatus::kReturned);
  auto shown = agent::show_dossier(office.store, r.code);
  REQUIRE(shown);
  CHECK((*shown)["status"] == 10);
  CHECK((*shown)["events"].size() == 5);
  CHECK((*shown)["resolved_at"] == "2026-03-03T09:00:00+07:00");
  CHECK((*shown)["returned_at"] == "2026-03-03T10:00:00+07:00");
}

TEST_CASE("the supplement pause stops the clock and the resume moves the appointment", "[set-status]") {
  // The golden case 'supplement-pause': 24 working hours from Monday 02/03 08:00 (due Thursday 08:00);
  // supplement requested Tuesday 08:00, received Thursday 14:00 -> due Monday 09/03 14:00.
  Office office("11953", "2026-03-02T08:00");
  auto r = office.receive("1.004837");  // "Giám hộ cử: 03 ngày làm việc" = 24 h
  REQUIRE(r.due_at);
  CHECK(*r.due_at == vn("2026-03-05T08:00"));
  move(office, r.code, 4, "2026-03-02T09:00");
  auto paused = move(office, r.code, 5, "2026-03-03T08:00");
  CHECK(*paused.due_at == vn("2026-03-05T08:00"));
  auto resumed = move(office, r.code, 4, "2026-03-05T14:00");
  REQUIRE(resumed.due_at);
  CHECK(*resumed.due_at == vn("2026-03-09T14:00"));
  auto shown = agent::show_dossier(office.store, r.code);
  REQUIRE(shown);
  CHECK((*shown)["due_at"] == "2026-03-09T14:00:00+07:00");
  CHECK((*shown)["appointment_at"] == "2026-03-05T08:00:00+07:00");  // the receipt's printed date stays a fact
  CHECK((*shown)["supplement_count"] == 1);
  CHECK((*shown)["events"][2]["due_at"] == "2026-03-09T14:00:00+07:00");  // recorded in the resume event
}

TEST_CASE("a later calendar never moves an appointment already recorded", "[set-status]") {
  Office office("11953", "2026-03-02T08:00");
  auto r = office.receive("1.004837");
  // The province declares 03/03 a day off after the fact: the stored appointment does not change.
  REQUIRE(office.store.db().exec("INSERT INTO calendar_day VALUES ('2026-03-03', 'holiday', 'Nghỉ đột xuất', 'official', 0)"));
  auto shown = agent::show_dossier(office.store, r.code);
  REQUIRE(shown);
  CHECK((*shown)["due_at"] == "2026-03-05T08:00:00+07:00");
}

TEST_CASE("an illegal transition is refused with a Vietnamese message and changes nothing", "[set-status]") {
  Office office;
  auto r = office.receive();
  for (int to : {1, 2, 3, 5, 6, 8, 9, 10}) {
    INFO("2 -> " << to);
    auto bad = agent::set_status(office.store, {r.code, to, "", "clerk"});
    REQUIRE_FALSE(bad);
    if (to <= 3) {
      CHECK((bad.error().code == ErrorCode::kConflict || bad.error().code == ErrorCode::kInvalidInput));
    } else {
      CHECK(bad.error().code == ErrorCode::kConflict);
      CHECK(bad.error().message_vi.find("Không thể chuyển hồ sơ") != std::string::npos);
    }
  }
  auto shown = agent::show_dossier(office.store, r.code);
  REQUIRE(shown);
  CHECK((*shown)["status"] == 2);
  CHECK((*shown)["events"].empty());
}

TEST_CASE("status codes outside 1-10 and unknown dossier codes are refused", "[set-status]") {
  Office office;
  auto r = office.receive();
  auto bad = agent::set_status(office.store, {r.code, 11, "", "clerk"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kInvalidInput);
  auto missing = agent::set_status(office.store, {"33.11953-260302-9999", 4, "", "clerk"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);
  CHECK_FALSE(missing.error().message_vi.empty());
}

TEST_CASE("a withdrawn dossier is finished: nothing follows", "[set-status]") {
  Office office;
  auto r = office.receive();
  move(office, r.code, 7, "2026-03-02T10:00");
  auto again = agent::set_status(office.store, {r.code, 4, "", "clerk"});
  REQUIRE_FALSE(again);
  CHECK(again.error().hint.find("finished") != std::string::npos);
}

TEST_CASE("list filters by status and orders by appointment", "[set-status][list]") {
  Office office("11953", "2026-03-02T08:00");
  auto a = office.receive("2.001019");  // 16 h: due 03/03 16:00... computed
  auto b = office.receive("2.000815");  // same day: due 02/03 17:00
  move(office, a.code, 4, "2026-03-02T09:00");
  auto all = agent::list_dossiers(office.store, {});
  REQUIRE(all);
  REQUIRE((*all)["dossiers"].size() == 2);
  CHECK((*all)["dossiers"][0]["code"] == b.code);
  auto processing = agent::list_dossiers(office.store, {4, 200});
  REQUIRE(processing);
  REQUIRE((*processing)["dossiers"].size() == 1);
  CHECK((*processing)["dossiers"][0]["code"] == a.code);
  CHECK((*processing)["total"] == 1);
}

TEST_CASE("the office status counts dossiers and pending changes", "[status]") {
  Office office;
  office.receive();
  auto r = office.receive();
  move(office, r.code, 4, "2026-03-02T10:00");
  auto s = agent::office_status(office.store);
  REQUIRE(s);
  CHECK((*s)["unit"] == "11953");
  CHECK((*s)["unit_name"] == "Phường Phố Hiến");
  CHECK((*s)["dossiers"] == 2);
  CHECK((*s)["pending_changes"] == 3);
  CHECK((*s)["catalog_version"] == 0);  // loaded from files, before any hub publication
  CHECK((*s)["calendar_version"] == 0);
  CHECK((*s)["procedures"] == 41);
}
