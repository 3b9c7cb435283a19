#include <catch2/catch.hpp>

#include "common/time.hpp"

using namespace motcua;

TEST_CASE("RFC 3339 timestamps with an offset parse to the same instant", "[time]") {
  auto a = parse_rfc3339("2026-02-25T10:00:00+07:00");
  auto b = parse_rfc3339("2026-02-25T03:00:00Z");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);
  CHECK(format_rfc3339_vn(*a) == "2026-02-25T10:00:00+07:00");
}

TEST_CASE("a timestamp without an offset is refused unless Vietnam time is assumed", "[time]") {
  CHECK_FALSE(parse_rfc3339("2026-02-25T10:00"));
  auto t = parse_rfc3339("2026-02-25T10:00", true);
  REQUIRE(t);
  CHECK(format_rfc3339_vn(*t) == "2026-02-25T10:00:00+07:00");
}

TEST_CASE("malformed timestamps are refused with an invalid-input error", "[time]") {
  for (const char* bad : {"", "2026-02-30T10:00:00+07:00", "2026-13-01T10:00:00Z", "2026-02-25 25:00:00Z",
                          "2026-02-25T10:00:00+7", "yesterday", "2026-02-25T10:00:00+07:00x"}) {
    auto r = parse_rfc3339(bad, true);
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalidInput);
    CHECK_FALSE(r.error().hint.empty());
  }
}

TEST_CASE("Vietnam local date changes at local midnight, not UTC midnight", "[time]") {
  auto t = parse_rfc3339("2026-02-24T17:30:00Z");  // 00:30 on the 25th in Vietnam
  REQUIRE(t);
  CHECK(vn_date(*t) == Date{2026, 2, 25});
  CHECK(vn_ms_of_day(*t) == 30 * kMsPerMinute);
  CHECK(vn_instant(Date{2026, 2, 25}, 30 * kMsPerMinute) == *t);
}

TEST_CASE("civil dates round-trip through day numbers and know their weekday", "[time]") {
  CHECK(weekday(Date{2026, 2, 14}) == 6);  // Saturday
  CHECK(weekday(Date{2026, 4, 27}) == 1);  // Monday
  CHECK(weekday(Date{1970, 1, 1}) == 4);   // Thursday
  for (int64_t d = -1000; d < 40000; d += 37) CHECK(days_from_date(date_from_days(d)) == d);
  CHECK(add_days(Date{2026, 12, 31}, 1) == Date{2027, 1, 1});
  CHECK(is_valid_date(Date{2028, 2, 29}));
  CHECK_FALSE(is_valid_date(Date{2027, 2, 29}));
}

TEST_CASE("whole_second drops milliseconds", "[time]") {
  CHECK(whole_second(Instant{1234567}).ms == 1234000);
  CHECK(whole_second(Instant{-1}).ms == -1000);
}
