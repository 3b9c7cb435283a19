#include "tests/agent/agent_fixture.hpp"

#include <catch2/catch.hpp>

namespace motcua::test {

Instant vn(const std::string& local) {
  auto t = parse_rfc3339(local, true);
  REQUIRE(t);
  return *t;
}

void init_sample_office(const std::string& dir, const std::string& unit, const Clock& clock) {
  agent::InitRequest req;
  req.data_dir = dir;
  req.unit_code = unit;
  req.catalog_path = source_path("data/tthc-commune-sample.csv");
  req.calendar_path = source_path("data/holidays-vn.csv");
  auto r = agent::init_office(req, clock);
  if (!r) FAIL(r.error().message);
}

namespace {
agent::Store open_store(const TempDir& dir, const std::string& unit, ManualClock& clock) {
  init_sample_office(dir.file("office"), unit, clock);
  auto s = agent::Store::open(dir.file("office"), false, clock);
  if (!s) FAIL(s.error().message);
  return std::move(*s);
}
}  // namespace

Office::Office(const std::string& unit, const std::string& start)
    : clock(vn(start)), store(open_store(dir, unit, clock)) {}

agent::ReceiveResult Office::receive(const std::string& procedure, const std::string& applicant) {
  agent::ReceiveRequest req;
  req.procedure = procedure;
  req.applicant = applicant;
  req.citizen_id = "033198001234";
  req.actor = "test-clerk";
  auto r = agent::receive(store, req);
  if (!r) FAIL(r.error().message);
  return *r;
}

}  // namespace motcua::test
