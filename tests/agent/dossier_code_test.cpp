#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "tests/agent/agent_fixture.hpp"

using namespace motcua;
using motcua::test::Office;
using motcua::test::vn;

TEST_CASE("dossier codes number the receipt day from 0001 with the unit's agency id", "[code]") {
  Office office("11953", "2026-03-02T09:00");
  CHECK(office.receive().code == "33.11953-260302-0001");
  CHECK(office.receive().code == "33.11953-260302-0002");
}

TEST_CASE("the daily counter starts again at 0001 on the next day", "[code]") {
  Office office("11953", "2026-03-02T09:00");
  office.receive();
  office.receive();
  office.clock.set(vn("2026-03-03T08:00"));
  CHECK(office.receive().code == "33.11953-260303-0001");
}

TEST_CASE("a code is never reused after the office database is closed and reopened", "[code]") {
  test::TempDir dir;
  ManualClock clock(vn("2026-03-02T09:00"));
  test::init_sample_office(dir.file("o"), "12004", clock);
  std::set<std::string> codes;
  for (int round = 0; round < 3; ++round) {
    auto store = agent::Store::open(dir.file("o"), false, clock);
    REQUIRE(store);
    for (int i = 0; i < 2; ++i) {
      agent::ReceiveRequest req;
      req.procedure = "2.001019";
      req.applicant = "Phạm Văn Đức";
      req.citizen_id = "001098001234";
      auto r = agent::receive(*store, req);
      REQUIRE(r);
      CHECK(codes.insert(r->code).second);
    }
  }
  CHECK(codes.size() == 6);
  CHECK(codes.count("33.12004-260302-0006") == 1);
}

TEST_CASE("the counter grows past four digits instead of wrapping", "[code]") {
  Office office("11953", "2026-03-02T09:00");
  REQUIRE(office.store.db().exec("INSERT INTO dossier_counter(unit, day, last) VALUES ('11953', '260302', 9999)"));
  CHECK(office.receive().code == "33.11953-260302-10000");
}

TEST_CASE("a back-entered dossier is numbered on the day it was received", "[code]") {
  Office office("11953", "2026-03-02T09:00");
  office.receive();
  agent::ReceiveRequest req;
  req.procedure = "2.001019";
  req.applicant = "Lê Thị Mai";
  req.citizen_id = "033198001234";
  req.received_at = vn("2026-02-27T16:00");
  auto r = agent::receive(office.store, req);
  REQUIRE(r);
  CHECK(r->code == "33.11953-260227-0001");
  CHECK(office.receive().code == "33.11953-260302-0002");
}

TEST_CASE("a code already present in the database is skipped, never issued twice", "[code]") {
  Office office("11953", "2026-03-02T09:00");
  auto first = office.receive();
  // Simulate a dossier that arrived from elsewhere with the next code while the counter lagged.
  REQUIRE(office.store.db().exec("UPDATE dossier_counter SET last = 0"));
  auto second = office.receive();
  CHECK(second.code != first.code);
  CHECK(second.code == "33.11953-260302-0002");
}

TEST_CASE("an office set up with its own agency id prefixes its codes with it", "[code]") {
  test::TempDir dir;
  ManualClock clock(vn("2026-03-02T09:00"));
  agent::InitRequest init;
  init.data_dir = dir.file("o");
  init.unit_code = "11953";
  init.agency_id = "000.33.11953";
  init.catalog_path = test::source_path("data/tthc-commune-sample.csv");
  init.calendar_path = test::source_path("data/holidays-vn.csv");
  REQUIRE(agent::init_office(init, clock));
  auto store = agent::Store::open(dir.file("o"), false, clock);
  REQUIRE(store);
  agent::ReceiveRequest req;
  req.procedure = "2.001019";
  req.applicant = "A";
  req.citizen_id = "033198001234";
  auto r = agent::receive(*store, req);
  REQUIRE(r);
  CHECK(std::regex_match(r->code, std::regex(R"(000\.33\.11953-260302-0001)")));
}

TEST_CASE("an agency id with a dash is refused before anything is created", "[code]") {
  test::TempDir dir;
  ManualClock clock(vn("2026-03-02T09:00"));
  agent::InitRequest init;
  init.data_dir = dir.file("o");
  init.unit_code = "11953";
  init.agency_id = "H33-X";
  init.catalog_path = test::source_path("data/tthc-commune-sample.csv");
  init.calendar_path = test::source_path("data/holidays-vn.csv");
  auto r = agent::init_office(init, clock);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidInput);
  CHECK_FALSE(std::filesystem::exists(dir.file("o")));
}
