#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "domain/calendar.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using namespace motcua::domain;

namespace {

const char* kHeader = "date,weekday,name,kind,applies_to,status,note,source\n";

Result<std::vector<CalendarDay>> parse_text(const std::string& text) {
  auto table = parse_csv(text);
  REQUIRE(table);
  return parse_calendar_csv(*table);
}

Calendar vn_calendar() {
  auto table = read_csv_file(test::source_path("data/holidays-vn.csv"));
  REQUIRE(table);
  auto days = parse_calendar_csv(*table);
  INFO((days ? std::string() : days.error().message));
  REQUIRE(days);
  return Calendar(std::move(*days));
}

Date D(int y, int m, int d) { return Date{y, m, d}; }

}  // namespace

TEST_CASE("calendar: without rows, weekdays work and weekends rest", "[calendar]") {
  Calendar cal;
  CHECK(cal.is_working_day(D(2026, 3, 2)));   // Monday
  CHECK(cal.is_working_day(D(2026, 3, 6)));   // Friday
  CHECK_FALSE(cal.is_working_day(D(2026, 3, 7)));  // Saturday
  CHECK_FALSE(cal.is_working_day(D(2026, 3, 8)));  // Sunday
}

TEST_CASE("calendar: holidays-vn.csv", "[calendar]") {
  Calendar cal = vn_calendar();
  CHECK(cal.days().size() == 28);

  // Tết 2026: 14/02 (Saturday) to 22/02 (Sunday) all off.
  CHECK(cal.is_working_day(D(2026, 2, 13)));
  for (int d = 14; d <= 22; ++d) CHECK_FALSE(cal.is_working_day(D(2026, 2, d)));
  CHECK(cal.is_working_day(D(2026, 2, 23)));

  // Make-up Saturday 22/08/2026 works; its swapped day off 31/08 does not.
  CHECK(cal.is_working_day(D(2026, 8, 22)));
  CHECK_FALSE(cal.is_working_day(D(2026, 8, 23)));
  CHECK_FALSE(cal.is_working_day(D(2026, 8, 31)));
  CHECK_FALSE(cal.is_working_day(D(2026, 9, 1)));
  CHECK_FALSE(cal.is_working_day(D(2026, 9, 2)));
  // An ordinary Saturday still rests.
  CHECK_FALSE(cal.is_working_day(D(2026, 8, 29)));

  // Compensatory day and holidays.
  CHECK_FALSE(cal.is_working_day(D(2026, 4, 27)));
  CHECK_FALSE(cal.is_working_day(D(2026, 4, 30)));
  CHECK_FALSE(cal.is_working_day(D(2026, 5, 1)));
  CHECK(cal.is_working_day(D(2026, 4, 28)));

  // Every row counts whatever its status: "reported" and "derived" days are off too.
  CHECK_FALSE(cal.is_working_day(D(2026, 11, 24)));  // reported
  CHECK_FALSE(cal.is_working_day(D(2027, 2, 5)));    // derived tet_anchor on a Friday
  CHECK_FALSE(cal.is_working_day(D(2027, 5, 3)));    // derived compensatory
}

TEST_CASE("calendar: parsed fields are NFC and kinds map to working", "[calendar]") {
  auto days = parse_text(std::string(kHeader) +
                         "2026-08-22,Thứ Bảy,La\xCC\x80m bu\xCC\x80,makeup_workday,x,official,,\n"  // decomposed
                         "2026-09-02,Thứ Tư,Quốc khánh,holiday,x, statutory ,,\n");
  REQUIRE(days);
  REQUIRE(days->size() == 2);
  CHECK((*days)[0].date == D(2026, 8, 22));
  CHECK((*days)[0].name == "Làm bù");
  CHECK((*days)[0].kind == "makeup_workday");
  CHECK((*days)[0].working);
  CHECK((*days)[1].status == "statutory");
  CHECK_FALSE((*days)[1].working);
}

TEST_CASE("calendar: every known kind except makeup_workday is a day off", "[calendar]") {
  for (const char* kind : {"holiday", "compensatory", "swap_day_off", "weekend", "tet_anchor"}) {
    INFO(kind);
    auto days = parse_text(std::string(kHeader) + "2026-03-04,,X," + kind + ",,official,,\n");
    REQUIRE(days);
    CHECK_FALSE(days->front().working);
    Calendar cal(*days);
    CHECK_FALSE(cal.is_working_day(D(2026, 3, 4)));
    CHECK(cal.is_working_day(D(2026, 3, 5)));
  }
}

TEST_CASE("calendar: only date, name, kind and status columns are required", "[calendar]") {
  auto days = parse_text("kind,date,status,name\nholiday,2026-01-01,official,Tết Dương lịch\n");
  REQUIRE(days);
  CHECK(days->front().name == "Tết Dương lịch");

  auto missing = parse_text("date,name,status\n2026-01-01,X,official\n");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kInvalidInput);
  CHECK(missing.error().message.find("'kind'") != std::string::npos);
}

TEST_CASE("calendar: errors name the line", "[calendar]") {
  auto unknown = parse_text(std::string(kHeader) + "2026-01-01,,A,holiday,,official,,\n2026-01-02,,B,party,,official,,\n");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::kInvalidInput);
  CHECK(unknown.error().message.find("line 3") != std::string::npos);
  CHECK(unknown.error().message.find("party") != std::string::npos);

  auto bad_date = parse_text(std::string(kHeader) + "2026-02-30,,A,holiday,,official,,\n");
  REQUIRE_FALSE(bad_date);
  CHECK(bad_date.error().message.find("line 2") != std::string::npos);
  CHECK(bad_date.error().message.find("2026-02-30") != std::string::npos);

  auto dup = parse_text(std::string(kHeader) + "2026-01-01,,A,holiday,,official,,\n2026-01-01,,B,holiday,,official,,\n");
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message.find("line 3") != std::string::npos);
  CHECK(dup.error().message.find("twice") != std::string::npos);
}

TEST_CASE("calendar: day numbers agree with dates", "[calendar]") {
  Calendar cal = vn_calendar();
  for (int64_t n = days_from_date(D(2025, 12, 1)); n < days_from_date(D(2028, 1, 31)); ++n) {
    const Date d = date_from_days(n);
    INFO(format_date(d));
    REQUIRE(cal.is_working_day_number(n) == cal.is_working_day(d));
    if (cal.days().end() == std::find_if(cal.days().begin(), cal.days().end(),
                                         [&](const CalendarDay& c) { return c.date == d; })) {
      REQUIRE(cal.is_working_day(d) == (weekday(d) != 0 && weekday(d) != 6));
    }
  }
}
