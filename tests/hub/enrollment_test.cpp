#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "hub/enrollment.hpp"
#include "hub/hub_store.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;

namespace {

struct Hub {
  Hub() : clock(*parse_rfc3339("2026-03-02T09:00:00+07:00")) {
    REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
    auto s = hub::HubStore::open(dir.file("hub"), clock);
    REQUIRE(s);
    store = std::make_unique<hub::HubStore>(std::move(*s));
  }
  test::TempDir dir;
  ManualClock clock;
  std::unique_ptr<hub::HubStore> store;
};

}  // namespace

TEST_CASE("enrollment codes are ten unambiguous characters shown in two groups", "[enroll]") {
  Hub h;
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto c = hub::create_enrollment_code(h.store->db(), "11953", 72, h.clock.now());
    REQUIRE(c);
    CHECK(std::regex_match(c->display, std::regex("[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")));
    CHECK(c->code.size() == 10);
    CHECK(seen.insert(c->code).second);
    CHECK(c->expires_at.ms - h.clock.now().ms == 72 * kMsPerHour);
  }
}

TEST_CASE("a typed code is forgiving about case, dashes, spaces and look-alike letters", "[enroll]") {
  auto a = hub::normalize_enrollment_code("7k3qd-m9x2a");
  REQUIRE(a);
  CHECK(*a == "7K3QDM9X2A");
  auto b = hub::normalize_enrollment_code(" 7K3QD M9X2A ");
  REQUIRE(b);
  CHECK(*b == "7K3QDM9X2A");
  auto c = hub::normalize_enrollment_code("OIL00-00000");
  REQUIRE(c);
  CHECK(*c == "0110000000");
  CHECK_FALSE(hub::normalize_enrollment_code("7K3QD-M9X2"));    // too short
  CHECK_FALSE(hub::normalize_enrollment_code("7K3QD-M9X2U"));   // U is not in the alphabet
  CHECK_FALSE(hub::normalize_enrollment_code("7K3QD-M9X2A1"));  // too long
}

TEST_CASE("an enrollment code works once, for its own unit", "[enroll]") {
  Hub h;
  auto c = hub::create_enrollment_code(h.store->db(), "12004", 72, h.clock.now());
  REQUIRE(c);
  auto unit = hub::consume_enrollment_code(h.store->db(), c->display, Id128::random(), h.clock.now());
  REQUIRE(unit);
  CHECK(*unit == "12004");
  auto again = hub::consume_enrollment_code(h.store->db(), c->display, Id128::random(), h.clock.now());
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kUnauthorized);
  CHECK(again.error().message.find("enrollment_code_used") == 0);
}

TEST_CASE("an expired or unknown enrollment code is refused", "[enroll]") {
  Hub h;
  auto c = hub::create_enrollment_code(h.store->db(), "11953", 1, h.clock.now());
  REQUIRE(c);
  h.clock.advance_ms(kMsPerHour);
  auto expired = hub::consume_enrollment_code(h.store->db(), c->code, Id128::random(), h.clock.now());
  REQUIRE_FALSE(expired);
  CHECK(expired.error().message.find("enrollment_code_expired") == 0);
  auto unknown = hub::consume_enrollment_code(h.store->db(), "00000-00000", Id128::random(), h.clock.now());
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("enrollment_code_invalid") == 0);
  CHECK_FALSE(unknown.error().hint.empty());
}

TEST_CASE("enrollment codes are refused for other provinces' units and odd validity periods", "[enroll]") {
  Hub h;
  auto other = hub::create_enrollment_code(h.store->db(), "00070", 72, h.clock.now());  // a Hà Nội ward
  REQUIRE_FALSE(other);
  CHECK(other.error().code == ErrorCode::kNotFound);
  CHECK_FALSE(hub::create_enrollment_code(h.store->db(), "11953", 0, h.clock.now()));
  CHECK_FALSE(hub::create_enrollment_code(h.store->db(), "11953", 721, h.clock.now()));
}

TEST_CASE("enroll-code writes while another connection holds the database open for reading", "[enroll][cli]") {
  Hub h;
  // A long read transaction, as a serving hub answering a status query would hold.
  auto reader = sql::Db::open(hub::HubStore::database_path(h.dir.file("hub")));
  REQUIRE(reader);
  REQUIRE(reader->exec("BEGIN"));
  auto n = sql::query_int64(*reader, "SELECT count(*) FROM unit");
  REQUIRE(n);
  auto r = test::run_process({MOTCUA_HUB_EXE, "enroll-code", "--data", h.dir.file("hub"), "--unit", "11953", "--json"});
  INFO(test::describe(r));
  CHECK(r.exit_code == 0);
  REQUIRE(reader->exec("COMMIT"));
  auto codes = sql::query_int64(h.store->db(), "SELECT count(*) FROM enrollment_code");
  REQUIRE(codes);
  CHECK(**codes == 1);
}
