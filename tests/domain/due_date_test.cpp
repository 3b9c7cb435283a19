#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "common/time.hpp"
#include "domain/calendar.hpp"
#include "domain/csv.hpp"
#include "domain/due_date.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using namespace motcua::domain;

namespace {

const Calendar& vn_calendar() {
  static const Calendar cal = [] {
    auto table = read_csv_file(test::source_path("data/holidays-vn.csv"));
    if (!table) throw std::runtime_error(table.error().message);
    auto days = parse_calendar_csv(*table);
    if (!days) throw std::runtime_error(days.error().message);
    return Calendar(std::move(*days));
  }();
  return cal;
}

// Vietnam local time "YYYY-MM-DDTHH:MM[:SS[.fff]]".
Instant T(const std::string& local) {
  auto t = parse_rfc3339(local, true);
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

std::string S(Instant t) { return format_rfc3339_vn(t); }
std::string S(const std::optional<Instant>& t) { return t ? format_rfc3339_vn(*t) : std::string("none"); }

TimeLimit hours(int64_t h) { return TimeLimit{LimitKind::kWorkingHours, h}; }
const TimeLimit kSameDay15{LimitKind::kSameDay15h, 0};
const TimeLimit kSameDayOnly{LimitKind::kSameDay, 0};

std::string due(const std::string& received, const TimeLimit& limit) {
  return S(compute_due(T(received), limit, vn_calendar()));
}

std::string vn(const std::string& local) { return S(T(local)); }

}  // namespace

TEST_CASE("due date: every row of due-dates-golden.csv", "[due_date][golden]") {
  auto table = read_csv_file(test::source_path("tests/data/due-dates-golden.csv"));
  REQUIRE(table);
  const int c_case = table->column("case");
  const int c_limit = table->column("limit_hours");
  const int c_received = table->column("received_at");
  const int c_req = table->column("supplement_requested_at");
  const int c_res = table->column("supplement_received_at");
  const int c_expected = table->column("expected_due_at");
  REQUIRE(c_case >= 0);
  REQUIRE(c_limit >= 0);
  REQUIRE(c_received >= 0);
  REQUIRE(c_req >= 0);
  REQUIRE(c_res >= 0);
  REQUIRE(c_expected >= 0);
  REQUIRE(table->rows.size() >= 10);

  int checked = 0;
  for (const auto& row : table->rows) {
    auto col = [&](int c) { return row[static_cast<size_t>(c)]; };
    INFO("case " << col(c_case));
    TimeLimit limit;
    if (col(c_limit) == "same-day-15h") {
      limit = kSameDay15;
    } else {
      limit = hours(std::stoll(col(c_limit)));
    }
    const Instant received = T(col(c_received));
    auto computed = compute_due(received, limit, vn_calendar());
    REQUIRE(computed);
    Instant result = *computed;
    if (!col(c_req).empty() || !col(c_res).empty()) {
      REQUIRE_FALSE(col(c_req).empty());
      REQUIRE_FALSE(col(c_res).empty());
      result = resume_due(result, T(col(c_req)), T(col(c_res)), vn_calendar());
    }
    CHECK(S(result) == S(T(col(c_expected))));
    ++checked;
  }
  CHECK(checked == static_cast<int>(table->rows.size()));
}

TEST_CASE("due date: where the count starts", "[due_date]") {
  const Calendar& cal = vn_calendar();
  // Monday 2026-03-02 is an ordinary working day.
  CHECK(S(working_start(T("2026-03-02T06:59:59"), cal)) == vn("2026-03-02T07:00"));
  CHECK(S(working_start(T("2026-03-02T07:00"), cal)) == vn("2026-03-02T07:00"));
  CHECK(S(working_start(T("2026-03-02T11:29:59"), cal)) == vn("2026-03-02T11:29:59"));
  CHECK(S(working_start(T("2026-03-02T11:30"), cal)) == vn("2026-03-02T13:30"));
  CHECK(S(working_start(T("2026-03-02T13:30"), cal)) == vn("2026-03-02T13:30"));
  CHECK(S(working_start(T("2026-03-02T16:59:59"), cal)) == vn("2026-03-02T16:59:59"));
  CHECK(S(working_start(T("2026-03-02T17:00"), cal)) == vn("2026-03-03T07:00"));
  CHECK(S(working_start(T("2026-03-06T17:00"), cal)) == vn("2026-03-09T07:00"));  // Friday evening
  CHECK(S(working_start(T("2026-03-07T10:00"), cal)) == vn("2026-03-09T07:00"));  // Saturday
  CHECK(S(working_start(T("2026-02-14T08:00"), cal)) == vn("2026-02-23T07:00"));  // in Tết
  CHECK(S(working_start(T("2026-08-22T08:00"), cal)) == vn("2026-08-22T08:00"));  // make-up Saturday
}

TEST_CASE("due date: receipt at period boundaries", "[due_date]") {
  // Exactly 07:00: a full day ends at 17:00 the same day.
  CHECK(due("2026-03-02T07:00", hours(8)) == vn("2026-03-02T17:00"));
  CHECK(due("2026-03-02T07:00", hours(1)) == vn("2026-03-02T08:00"));
  // Before 07:00 counts from 07:00.
  CHECK(due("2026-03-02T05:45", hours(1)) == vn("2026-03-02T08:00"));
  CHECK(due("2026-03-02T00:00", hours(8)) == vn("2026-03-02T17:00"));
  // Exactly 11:30 is lunch: counts from 13:30.
  CHECK(due("2026-03-02T11:30", hours(1)) == vn("2026-03-02T14:30"));
  CHECK(due("2026-03-02T11:30", hours(8)) == vn("2026-03-03T11:30"));
  // Exactly 13:30.
  CHECK(due("2026-03-02T13:30", hours(1)) == vn("2026-03-02T14:30"));
  CHECK(due("2026-03-02T13:30", hours(4)) == vn("2026-03-03T07:30"));
  // Exactly 17:00 counts from the next morning.
  CHECK(due("2026-03-02T17:00", hours(1)) == vn("2026-03-03T08:00"));
  CHECK(due("2026-03-02T17:00", hours(8)) == vn("2026-03-03T17:00"));
  // Just before the end of a period.
  CHECK(due("2026-03-02T16:59", hours(1)) == vn("2026-03-03T07:59"));
  CHECK(due("2026-03-02T11:29", hours(1)) == vn("2026-03-02T14:29"));
}

TEST_CASE("due date: a count that runs out at the end of a period ends there", "[due_date]") {
  // 4 h 30 from 07:00 ends at 11:30, not at 13:30.
  CHECK(due("2026-03-02T07:00", TimeLimit{LimitKind::kWorkingHours, 0}) == vn("2026-03-02T07:00"));
  CHECK(S(add_working_time(T("2026-03-02T07:00"), 4 * kMsPerHour + 30 * kMsPerMinute, vn_calendar())) ==
        vn("2026-03-02T11:30"));
  CHECK(S(add_working_time(T("2026-03-02T06:00"), 4 * kMsPerHour + 30 * kMsPerMinute, vn_calendar())) ==
        vn("2026-03-02T11:30"));
  // 3 h 30 from 13:30 ends at 17:00, not at 07:00 the next day.
  CHECK(S(add_working_time(T("2026-03-02T13:30"), 3 * kMsPerHour + 30 * kMsPerMinute, vn_calendar())) ==
        vn("2026-03-02T17:00"));
  CHECK(due("2026-03-02T09:00", hours(6)) == vn("2026-03-02T17:00"));
  CHECK(due("2026-03-02T10:00", hours(1) ) == vn("2026-03-02T11:00"));
  CHECK(due("2026-03-02T10:30", hours(1)) == vn("2026-03-02T11:30"));
  CHECK(due("2026-03-02T16:00", hours(1)) == vn("2026-03-02T17:00"));
  // A multi-day count ending at the end of a day ends at 17:00 of that day.
  CHECK(due("2026-03-02T07:00", hours(16)) == vn("2026-03-03T17:00"));
  CHECK(due("2026-03-06T07:00", hours(16)) == vn("2026-03-09T17:00"));  // over a weekend
  // ... and one ending at the end of a morning ends at 11:30.
  CHECK(due("2026-03-02T13:30", hours(8)) == vn("2026-03-03T11:30"));
}

TEST_CASE("due date: the 15:00 rule", "[due_date]") {
  CHECK(due("2026-03-02T07:00", kSameDay15) == vn("2026-03-02T17:00"));
  CHECK(due("2026-03-02T06:00", kSameDay15) == vn("2026-03-02T17:00"));
  CHECK(due("2026-03-02T14:59:59", kSameDay15) == vn("2026-03-02T17:00"));
  CHECK(due("2026-03-02T15:00:00", kSameDay15) == vn("2026-03-02T17:00"));  // exactly 15:00:00: same day
  CHECK(due("2026-03-02T15:00:00.001", kSameDay15) == vn("2026-03-03T17:00"));
  CHECK(due("2026-03-02T15:00:01", kSameDay15) == vn("2026-03-03T17:00"));
  CHECK(due("2026-03-02T17:30", kSameDay15) == vn("2026-03-03T17:00"));
  CHECK(due("2026-03-06T15:30", kSameDay15) == vn("2026-03-09T17:00"));  // Friday after 15:00
  CHECK(due("2026-03-07T09:00", kSameDay15) == vn("2026-03-09T17:00"));  // Saturday
  CHECK(due("2026-02-13T15:01", kSameDay15) == vn("2026-02-23T17:00"));  // before Tết
  CHECK(due("2026-08-21T16:00", kSameDay15) == vn("2026-08-22T17:00"));  // next day is a make-up Saturday
  CHECK(due("2026-08-22T10:00", kSameDay15) == vn("2026-08-22T17:00"));  // on the make-up Saturday
}

TEST_CASE("due date: same day without cut-off", "[due_date]") {
  CHECK(due("2026-03-02T06:00", kSameDayOnly) == vn("2026-03-02T17:00"));
  CHECK(due("2026-03-02T16:59:59", kSameDayOnly) == vn("2026-03-02T17:00"));
  CHECK(due("2026-03-02T17:00", kSameDayOnly) == vn("2026-03-03T17:00"));
  CHECK(due("2026-03-08T10:00", kSameDayOnly) == vn("2026-03-09T17:00"));  // Sunday
}

TEST_CASE("due date: no legal limit gives no due instant", "[due_date]") {
  CHECK_FALSE(compute_due(T("2026-03-02T10:00"), TimeLimit{}, vn_calendar()));
}

TEST_CASE("due date: zero-hour limit is due when the count would start", "[due_date]") {
  CHECK(due("2026-03-02T10:00", hours(0)) == vn("2026-03-02T10:00"));
  CHECK(due("2026-03-02T12:00", hours(0)) == vn("2026-03-02T13:30"));
  CHECK(due("2026-03-02T18:00", hours(0)) == vn("2026-03-03T07:00"));
  CHECK(due("2026-03-07T10:00", hours(0)) == vn("2026-03-09T07:00"));
}

TEST_CASE("due date: long limits across Tết and holidays", "[due_date]") {
  // 10 working days from Thursday 12/02/2026 09:00: 6 h Thursday, 8 h Friday, Tết 14–22/02 off,
  // then 23–27/02 (40 h), 02–04/03 (24 h) and 2 h on Thursday 05/03.
  CHECK(due("2026-02-12T09:00", hours(80)) == vn("2026-03-05T09:00"));
  // 3 working days from Friday 13/02 10:00 (golden row tet-break) and from inside Tết.
  CHECK(due("2026-02-13T10:00", hours(24)) == vn("2026-02-25T10:00"));
  CHECK(due("2026-02-17T10:00", hours(24)) == vn("2026-02-25T17:00"));
  // 18 working days (the mountain-commune land limit) from Tuesday 25/08/2026 07:00: 31/08,
  // 01/09 and 02/09 are off.
  // Working days: 25,26,27,28 Aug; 3,4 Sep; 7..11; 14..18; 21,22 → the 18th is 22/09.
  CHECK(due("2026-08-25T07:00", hours(144)) == vn("2026-09-22T17:00"));
  // Over New Year 2027 (01/01/2027 is a Friday holiday).
  CHECK(due("2026-12-31T13:30", hours(8)) == vn("2027-01-04T11:30"));
}

TEST_CASE("due date: make-up Saturday counts as a working day", "[due_date]") {
  CHECK(due("2026-08-21T09:00", hours(16)) == vn("2026-08-24T09:00"));
  CHECK(due("2026-08-22T09:00", hours(8)) == vn("2026-08-24T09:00"));
  CHECK(due("2026-08-22T17:00", hours(8)) == vn("2026-08-24T17:00"));
  // The swapped day off (31/08) and National Day (01–02/09) do not.
  CHECK(due("2026-08-28T13:30", hours(8)) == vn("2026-09-03T11:30"));
}

TEST_CASE("due date: working time between two instants", "[due_date]") {
  const Calendar& cal = vn_calendar();
  CHECK(working_time_between(T("2026-03-02T07:00"), T("2026-03-02T17:00"), cal) == 8 * kMsPerHour);
  CHECK(working_time_between(T("2026-03-02T00:00"), T("2026-03-03T00:00"), cal) == 8 * kMsPerHour);
  CHECK(working_time_between(T("2026-03-02T11:00"), T("2026-03-02T14:00"), cal) == kMsPerHour);
  CHECK(working_time_between(T("2026-03-02T12:00"), T("2026-03-02T13:00"), cal) == 0);
  CHECK(working_time_between(T("2026-03-06T16:00"), T("2026-03-09T08:00"), cal) == 2 * kMsPerHour);
  CHECK(working_time_between(T("2026-02-13T07:00"), T("2026-02-24T07:00"), cal) == 16 * kMsPerHour);
  CHECK(working_time_between(T("2026-03-02T10:00"), T("2026-03-02T10:00"), cal) == 0);
  CHECK(working_time_between(T("2026-03-03T10:00"), T("2026-03-02T10:00"), cal) == 0);
  CHECK(working_time_between(T("2026-08-22T07:00"), T("2026-08-23T07:00"), cal) == 8 * kMsPerHour);
}

TEST_CASE("due date: supplement pause and resume", "[due_date]") {
  const Calendar& cal = vn_calendar();
  // Received Monday 08:00, 3 working days: due Thursday 05/03 08:00.
  const Instant due0 = *compute_due(T("2026-03-02T08:00"), hours(24), cal);
  CHECK(S(due0) == vn("2026-03-05T08:00"));
  // Paused Tuesday 08:00 (16 h left), resumed Thursday 14:00: 3 h Thursday, 8 h Friday, 5 h Monday.
  CHECK(S(resume_due(due0, T("2026-03-03T08:00"), T("2026-03-05T14:00"), cal)) == vn("2026-03-09T14:00"));
  // Resumed during lunch or after hours counts from the next working period.
  CHECK(S(resume_due(due0, T("2026-03-04T17:00"), T("2026-03-10T12:00"), cal)) == vn("2026-03-10T14:30"));
  CHECK(S(resume_due(due0, T("2026-03-04T17:00"), T("2026-03-13T18:00"), cal)) == vn("2026-03-16T08:00"));
  // Paused after the due instant: nothing remained, due when work resumes.
  CHECK(S(resume_due(due0, T("2026-03-06T09:00"), T("2026-03-10T10:00"), cal)) == vn("2026-03-10T10:00"));
  // A same-day dossier paused at 14:00 keeps 3 h.
  const Instant same = *compute_due(T("2026-03-02T10:00"), kSameDay15, cal);
  CHECK(S(resume_due(same, T("2026-03-02T14:00"), T("2026-03-03T09:00"), cal)) == vn("2026-03-03T14:00"));
}

TEST_CASE("due date: counting forward and measuring back agree", "[due_date]") {
  const Calendar& cal = vn_calendar();
  // Receipts every 37 minutes over a year, limits of 0..150 h: the working time between the
  // start of the count and the due instant is the limit, and the due instant is in (or at the end
  // of) a working period of a working day.
  const Instant begin = T("2026-01-01T00:00");
  const Instant end = T("2027-01-01T00:00");
  int64_t n = 0;
  for (Instant t = begin; t < end; t.ms += 37 * kMsPerMinute, ++n) {
    const int64_t h = n % 151;
    const Instant d = *compute_due(t, hours(h), cal);
    const Instant start = working_start(t, cal);
    REQUIRE(d >= start);
    REQUIRE(working_time_between(start, d, cal) == h * kMsPerHour);
    REQUIRE(working_time_between(t, d, cal) == h * kMsPerHour);
    REQUIRE(cal.is_working_day(vn_date(d)));
    const int64_t m = vn_ms_of_day(d);
    const bool in_morning = m >= 7 * kMsPerHour && m <= 11 * kMsPerHour + 30 * kMsPerMinute;
    const bool in_afternoon = m >= 13 * kMsPerHour + 30 * kMsPerMinute && m <= 17 * kMsPerHour;
    REQUIRE((in_morning || in_afternoon));
    if (h > 0) REQUIRE_FALSE(m == 13 * kMsPerHour + 30 * kMsPerMinute);  // never the start of a period
    if (h > 0) REQUIRE_FALSE(m == 7 * kMsPerHour);
  }
  CHECK(n > 10000);
}

TEST_CASE("due date: a million computations stay fast", "[due_date][perf]") {
  const Calendar& cal = vn_calendar();
  const Instant base = T("2026-01-05T07:00");
  const auto started = std::chrono::steady_clock::now();
  int64_t checksum = 0;
  for (int64_t i = 0; i < 1000000; ++i) {
    const Instant t{base.ms + (i * 7919 % 600) * kMsPerHour + (i % 60) * kMsPerMinute};
    const TimeLimit limit = i % 10 == 0 ? kSameDay15 : hours(8 * (i % 19));
    checksum += compute_due(t, limit, cal)->ms % 1000003;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO("1,000,000 due dates took " << seconds << " s");
  CHECK(checksum != 0);
  // Day-stepping arithmetic takes well under a second in an optimised build (a few seconds in a
  // debug build with sanitizers); minute-stepping would take minutes.
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
  const double limit_seconds = 5.0;
#else
  const double limit_seconds = 60.0;
#endif
  CHECK(seconds < limit_seconds);
}
