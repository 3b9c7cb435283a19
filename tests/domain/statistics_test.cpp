// The counting rules of the province's statistics, one dossier at a time (domain/statistics.hpp,
// docs/STATISTICS.md). The period is March 2026 unless a test says otherwise; the calendar is the
// real one (data/holidays-vn.csv).
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "common/time.hpp"
#include "domain/calendar.hpp"
#include "domain/csv.hpp"
#include "domain/statistics.hpp"
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

// Vietnam local time "YYYY-MM-DDTHH:MM[:SS]".
Instant T(const std::string& local) {
  auto t = parse_rfc3339(local, true);
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

StatPeriod march() {
  auto p = parse_stat_period("2026-03-01", "2026-03-31");
  if (!p) throw std::runtime_error(p.error().message);
  return *p;
}

// Received Monday 2 March 2026 08:00 at the counter, due Tuesday 10 March 17:00 (48 working hours).
StatDossier dossier() {
  StatDossier d;
  d.group_key = "11953";
  d.received_at = T("2026-03-02T08:00");
  d.creation_status = 2;
  d.channel = 1;
  d.due_at = T("2026-03-10T17:00");
  d.limit_kind = "hours";
  d.limit_hours = 48;
  return d;
}

StatStep step(const std::string& at, int to, std::optional<Instant> due = std::nullopt) { return {T(at), to, due}; }

StatCounts count(const StatDossier& d, const StatPeriod& p = march()) {
  StatCounts c;
  count_dossier(d, p, vn_calendar(), c);
  return c;
}

// A dossier resolved on `at` after being forwarded for processing at 09:00 on receipt day.
StatDossier resolved_at(const std::string& at) {
  StatDossier d = dossier();
  d.steps = {step("2026-03-02T09:00", 4), step(at, 9)};
  return d;
}

}  // namespace

TEST_CASE("a period runs from 00:00 of its first day to 24:00 of its last day, Vietnam time") {
  const StatPeriod p = march();
  CHECK(p.from == T("2026-03-01T00:00"));
  CHECK(p.to_exclusive == T("2026-04-01T00:00"));
  auto one_day = parse_stat_period("2026-03-05", "2026-03-05");
  REQUIRE(one_day);
  CHECK(one_day->to_exclusive.ms - one_day->from.ms == kMsPerDay);
}

TEST_CASE("a period that is not two dates in order is invalid input") {
  for (auto [from, to] : {std::pair<std::string, std::string>{"2026-03-31", "2026-03-01"},
                          {"2026-02-30", "2026-03-01"},
                          {"2026-03-01", "31/03/2026"},
                          {"", "2026-03-01"}}) {
    auto p = parse_stat_period(from, to);
    REQUIRE_FALSE(p);
    CHECK(p.error().code == ErrorCode::kInvalidInput);
    CHECK_FALSE(p.error().hint.empty());
  }
}

TEST_CASE("a dossier received in the period is new and counted by its channel") {
  for (int channel : {1, 2, 3}) {
    StatDossier d = dossier();
    d.channel = channel;
    const StatCounts c = count(d);
    CHECK(c.received_new == 1);
    CHECK(c.received_carried_over == 0);
    CHECK(c.received_new_direct == (channel == 1 ? 1 : 0));
    CHECK(c.received_new_online == (channel == 2 ? 1 : 0));
    CHECK(c.received_new_post == (channel == 3 ? 1 : 0));
    CHECK(c.in_progress_late == 1);  // due 10 March, unfinished at the end of the month
  }
}

TEST_CASE("the period's first and last instants are inside it") {
  StatDossier d = dossier();
  d.received_at = T("2026-03-01T00:00");
  CHECK(count(d).received_new == 1);
  d.received_at = T("2026-03-31T23:59:59");
  CHECK(count(d).received_new == 1);
  d.received_at = T("2026-04-01T00:00");
  const StatCounts after = count(d);
  CHECK(after.received_new == 0);
  CHECK(after.received_total() == 0);
  CHECK(after.in_progress_on_time == 0);
}

TEST_CASE("a refusal at the counter is counted as refused, never as received") {
  StatDossier d = dossier();
  d.creation_status = 3;
  d.due_at.reset();
  const StatCounts c = count(d);
  CHECK(c.refused == 1);
  CHECK(c.received_total() == 0);
  CHECK(c.in_progress_on_time + c.in_progress_late + c.resolved_total() == 0);
  d.received_at = T("2026-02-27T08:00");
  CHECK(count(d).refused == 0);
}

TEST_CASE("a dossier received before the period and not finished at its start is carried over") {
  StatDossier d = dossier();
  d.received_at = T("2026-02-26T08:00");
  d.due_at = T("2026-03-06T17:00");
  d.steps = {step("2026-02-26T09:00", 4), step("2026-03-05T10:00", 9)};
  const StatCounts c = count(d);
  CHECK(c.received_carried_over == 1);
  CHECK(c.received_new == 0);
  CHECK(c.resolved_early == 1);
}

TEST_CASE("a dossier finished before the period counts nothing in it") {
  StatDossier d = dossier();
  d.received_at = T("2026-02-26T08:00");
  d.steps = {step("2026-02-26T09:00", 4), step("2026-02-27T10:00", 9), step("2026-03-03T10:00", 10)};
  const StatCounts c = count(d);
  CHECK(c.received_total() == 0);
  CHECK(c.resolved_total() == 0);
  CHECK(c.i766_on_time + c.i766_late == 0);
  d.steps = {step("2026-02-27T10:00", 7)};
  CHECK(count(d).received_total() == 0);
  CHECK(count(d).withdrawn == 0);
}

TEST_CASE("resolution is compared with the appointment by calendar day: earlier day early, due day on time, later day late") {
  CHECK(count(resolved_at("2026-03-09T16:00")).resolved_early == 1);
  CHECK(count(resolved_at("2026-03-10T08:00")).resolved_on_time == 1);
  // After 17:00 on the due day is still the due day.
  CHECK(count(resolved_at("2026-03-10T19:00")).resolved_on_time == 1);
  const StatCounts late = count(resolved_at("2026-03-11T07:30"));
  CHECK(late.resolved_late == 1);
  CHECK(late.resolved_total() == 1);
  CHECK(late.i766_late == 1);
  CHECK(late.in_progress_on_time + late.in_progress_late == 0);
}

TEST_CASE("a returned dossier that never reached 9 counts as resolved when it was returned") {
  StatDossier d = dossier();
  d.steps = {step("2026-03-02T09:00", 4), step("2026-03-12T09:00", 10)};
  const StatCounts c = count(d);
  CHECK(c.resolved_late == 1);
  CHECK(c.i766_late == 1);
}

TEST_CASE("a dossier resolved in one period and returned in the next counts as resolved in the first only") {
  StatDossier d = dossier();
  d.steps = {step("2026-03-02T09:00", 4), step("2026-03-31T16:00", 9), step("2026-04-01T08:00", 10)};
  CHECK(count(d).resolved_late == 1);
  auto april = parse_stat_period("2026-04-01", "2026-04-30");
  REQUIRE(april);
  const StatCounts c = count(d, *april);
  CHECK(c.received_total() == 0);
  CHECK(c.resolved_total() == 0);
}

TEST_CASE("the appointment recorded when a supplement is received replaces the first one") {
  StatDossier d = dossier();
  d.steps = {step("2026-03-02T09:00", 4), step("2026-03-03T09:00", 5),
             step("2026-03-06T09:00", 4, T("2026-03-13T17:00")), step("2026-03-12T10:00", 9)};
  const StatCounts c = count(d);
  CHECK(c.resolved_early == 1);
  CHECK(c.i766_on_time == 1);
}

TEST_CASE("a dossier without an appointment counts as resolved on time for report 06") {
  StatDossier d = dossier();
  d.due_at.reset();
  d.limit_kind = "none";
  d.limit_hours.reset();
  d.steps = {step("2026-03-02T09:00", 4), step("2026-03-30T09:00", 9)};
  const StatCounts c = count(d);
  CHECK(c.resolved_on_time == 1);
  CHECK(c.i766_on_time == 1);  // and no legal time limit to compare with
}

TEST_CASE("indicator 2.1 compares a dossier without an appointment with its legal time limit") {
  StatDossier d = dossier();
  d.due_at.reset();
  d.limit_hours = 16;  // from Monday 08:00: due Wednesday 4 March 08:00
  d.steps = {step("2026-03-02T09:00", 4), step("2026-03-04T16:00", 9)};
  StatCounts c = count(d);
  CHECK(c.resolved_on_time == 1);
  CHECK(c.i766_on_time == 1);
  d.steps.back() = step("2026-03-05T08:00", 9);
  c = count(d);
  CHECK(c.resolved_on_time == 1);
  CHECK(c.i766_late == 1);
}

TEST_CASE("indicator 2.1 extends the legal time limit by the working time spent waiting for a supplement") {
  StatDossier d = dossier();
  d.due_at.reset();
  d.limit_hours = 16;
  // Paused from Tuesday 08:00 to Thursday 08:00: 16 working hours, so due Friday 6 March 08:00.
  d.steps = {step("2026-03-02T09:00", 4), step("2026-03-03T08:00", 5), step("2026-03-05T08:00", 4),
             step("2026-03-06T15:00", 9)};
  CHECK(count(d).i766_on_time == 1);
  d.steps.back() = step("2026-03-09T08:00", 9);
  CHECK(count(d).i766_late == 1);
}

TEST_CASE("indicator 2.1 compares a same-day procedure without an appointment with 17:00 of its day") {
  StatDossier d = dossier();
  d.due_at.reset();
  d.limit_kind = "same_day_15h";
  d.limit_hours.reset();
  d.received_at = T("2026-03-02T15:30");  // after 15:00: due Tuesday 17:00
  d.steps = {step("2026-03-03T10:00", 4), step("2026-03-03T16:00", 9)};
  CHECK(count(d).i766_on_time == 1);
  d.steps.back() = step("2026-03-04T08:00", 9);
  CHECK(count(d).i766_late == 1);
}

TEST_CASE("more than one supplement request makes a dossier late for indicator 2.1 but not for report 06") {
  StatDossier d = dossier();
  d.steps = {step("2026-03-02T09:00", 4), step("2026-03-03T09:00", 5), step("2026-03-04T09:00", 4),
             step("2026-03-04T10:00", 5), step("2026-03-05T09:00", 4), step("2026-03-06T09:00", 9)};
  const StatCounts c = count(d);
  CHECK(c.resolved_early == 1);
  CHECK(c.i766_late == 1);
  CHECK(c.i766_on_time == 0);
  // One request only: on time.
  d.steps = {step("2026-03-02T09:00", 4), step("2026-03-03T09:00", 5), step("2026-03-04T09:00", 4),
             step("2026-03-06T09:00", 9)};
  CHECK(count(d).i766_on_time == 1);
}

TEST_CASE("an unfinished dossier at the end of the period is in progress within time, past due, or waiting for a supplement") {
  StatDossier d = dossier();
  d.received_at = T("2026-03-25T08:00");
  d.due_at = T("2026-04-02T17:00");
  d.steps = {step("2026-03-25T09:00", 4)};
  CHECK(count(d).in_progress_on_time == 1);
  d.due_at = T("2026-03-31T17:00");
  CHECK(count(d).in_progress_late == 1);
  d.due_at.reset();
  CHECK(count(d).in_progress_on_time == 1);
  d.steps.push_back(step("2026-03-27T09:00", 5));
  const StatCounts waiting = count(d);
  CHECK(waiting.waiting_supplement == 1);
  CHECK(waiting.in_progress_on_time + waiting.in_progress_late == 0);
  // Steps after the period do not change where it stood at its end.
  d.due_at = T("2026-03-31T17:00");
  d.steps = {step("2026-03-25T09:00", 4), step("2026-04-01T09:00", 9)};
  const StatCounts c = count(d);
  CHECK(c.in_progress_late == 1);
  CHECK(c.resolved_total() == 0);
}

TEST_CASE("a dossier resumed after a supplement is in progress against its new appointment") {
  StatDossier d = dossier();
  d.received_at = T("2026-03-25T08:00");
  d.due_at = T("2026-03-27T17:00");
  d.steps = {step("2026-03-25T09:00", 4), step("2026-03-26T09:00", 5),
             step("2026-03-30T09:00", 4, T("2026-04-01T10:00"))};
  CHECK(count(d).in_progress_on_time == 1);
}

TEST_CASE("withdrawals and stops in the period are counted as such, not as resolved or in progress") {
  StatDossier d = dossier();
  d.steps = {step("2026-03-02T09:00", 4), step("2026-03-04T09:00", 7)};
  StatCounts c = count(d);
  CHECK(c.withdrawn == 1);
  CHECK(c.received_new == 1);
  CHECK(c.resolved_total() + c.in_progress_on_time + c.in_progress_late + c.waiting_supplement == 0);
  CHECK(c.i766_on_time + c.i766_late == 0);
  d.steps = {step("2026-03-02T09:00", 4), step("2026-03-04T09:00", 5), step("2026-03-05T09:00", 8)};
  c = count(d);
  CHECK(c.stopped == 1);
  CHECK(c.waiting_supplement == 0);
}

TEST_CASE("resolution time is summed in calendar and working time") {
  // Monday 08:00 to Wednesday 08:00: 48 hours, 16 working hours.
  const StatCounts c = count(resolved_at("2026-03-04T08:00"));
  CHECK(c.resolution_ms_sum == 48 * kMsPerHour);
  CHECK(c.resolution_working_ms_sum == 16 * kMsPerHour);
}

TEST_CASE("counts add up field by field") {
  StatCounts a = count(resolved_at("2026-03-04T08:00"));
  StatCounts b = count(dossier());
  a.add(b);
  CHECK(a.received_new == 2);
  CHECK(a.resolved_early == 1);
  CHECK(a.in_progress_late == 1);
  CHECK(a.resolution_ms_sum == 48 * kMsPerHour);
}
