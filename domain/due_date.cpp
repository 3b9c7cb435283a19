#include "domain/due_date.hpp"

namespace motcua::domain {

namespace {

// The working periods of a working day, in Vietnam milliseconds since midnight.
constexpr int64_t kMorningStart = 7 * kMsPerHour;                       // 07:00
constexpr int64_t kMorningEnd = 11 * kMsPerHour + 30 * kMsPerMinute;    // 11:30
constexpr int64_t kAfternoonStart = 13 * kMsPerHour + 30 * kMsPerMinute;  // 13:30
constexpr int64_t kAfternoonEnd = 17 * kMsPerHour;                      // 17:00
constexpr int64_t kSameDayCutoff = 15 * kMsPerHour;                     // 15:00:00
constexpr int64_t kMorningMs = kMorningEnd - kMorningStart;             // 4 h 30
constexpr int64_t kDayMs = kWorkingDayHours * kMsPerHour;               // 8 h
static_assert(kMorningMs + (kAfternoonEnd - kAfternoonStart) == kDayMs, "the periods must add up to a working day");

int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Working milliseconds of a working day elapsed by local time `ms_of_day` (0 .. kDayMs).
int64_t worked_by(int64_t ms_of_day) {
  return clamp(ms_of_day, kMorningStart, kMorningEnd) - kMorningStart +
         clamp(ms_of_day, kAfternoonStart, kAfternoonEnd) - kAfternoonStart;
}

// Local time of day at which `worked` (0 < worked <= kDayMs) working milliseconds of a working day
// have elapsed. Running out exactly at the end of the morning gives 11:30, not 13:30.
int64_t time_when_worked(int64_t worked) {
  if (worked <= kMorningMs) return kMorningStart + worked;
  return kAfternoonStart + (worked - kMorningMs);
}

// The first working day after day number `day`. Weekdays work unless the calendar lists them, so
// this ends within the calendar's longest run of days off plus a weekend.
int64_t next_working_day_number(int64_t day, const Calendar& cal) {
  do {
    ++day;
  } while (!cal.is_working_day_number(day));
  return day;
}

Date next_working_day(const Date& d, const Calendar& cal) {
  return date_from_days(next_working_day_number(days_from_date(d), cal));
}

}  // namespace

Instant working_start(Instant t, const Calendar& cal) {
  const Date d = vn_date(t);
  if (!cal.is_working_day(d)) return vn_instant(next_working_day(d, cal), kMorningStart);
  const int64_t m = vn_ms_of_day(t);
  if (m < kMorningStart) return vn_instant(d, kMorningStart);
  if (m < kMorningEnd) return t;
  if (m < kAfternoonStart) return vn_instant(d, kAfternoonStart);
  if (m < kAfternoonEnd) return t;
  return vn_instant(next_working_day(d, cal), kMorningStart);
}

Instant add_working_time(Instant t, int64_t working_ms, const Calendar& cal) {
  const Instant start = working_start(t, cal);
  if (working_ms <= 0) return start;
  // Step by whole working days, never by minutes.
  int64_t day = days_from_date(vn_date(start));
  const int64_t already = worked_by(vn_ms_of_day(start));
  int64_t remaining = working_ms;
  if (remaining <= kDayMs - already) return vn_instant(date_from_days(day), time_when_worked(already + remaining));
  remaining -= kDayMs - already;
  for (;;) {
    day = next_working_day_number(day, cal);
    if (remaining <= kDayMs) return vn_instant(date_from_days(day), time_when_worked(remaining));
    remaining -= kDayMs;
  }
}

int64_t working_time_between(Instant from, Instant to, const Calendar& cal) {
  if (to <= from) return 0;
  const Date df = vn_date(from);
  const Date dt = vn_date(to);
  const int64_t mf = vn_ms_of_day(from);
  const int64_t mt = vn_ms_of_day(to);
  if (df == dt) return cal.is_working_day(df) ? worked_by(mt) - worked_by(mf) : 0;
  int64_t total = cal.is_working_day(df) ? kDayMs - worked_by(mf) : 0;
  const int64_t last = days_from_date(dt);
  for (int64_t n = days_from_date(df) + 1; n < last; ++n) {
    if (cal.is_working_day_number(n)) total += kDayMs;
  }
  if (cal.is_working_day(dt)) total += worked_by(mt);
  return total;
}

std::optional<Instant> compute_due(Instant received, const TimeLimit& limit, const Calendar& cal) {
  switch (limit.kind) {
    case LimitKind::kNone:
      return std::nullopt;
    case LimitKind::kWorkingHours:
      return add_working_time(received, limit.hours * kMsPerHour, cal);
    case LimitKind::kSameDay:
    case LimitKind::kSameDay15h: {
      const Date d = vn_date(received);
      const int64_t cutoff = limit.kind == LimitKind::kSameDay15h ? kSameDayCutoff : kAfternoonEnd;
      const int64_t m = vn_ms_of_day(received);
      // "By 15:00" includes 15:00:00.000 itself; "same day" needs the receipt before closing.
      const bool same_day = cal.is_working_day(d) &&
                            (limit.kind == LimitKind::kSameDay15h ? m <= cutoff : m < cutoff);
      return vn_instant(same_day ? d : next_working_day(d, cal), kAfternoonEnd);
    }
  }
  return std::nullopt;
}

Instant resume_due(Instant due_before_pause, Instant paused_at, Instant resumed_at, const Calendar& cal) {
  return add_working_time(resumed_at, working_time_between(paused_at, due_before_pause, cal), cal);
}

}  // namespace motcua::domain
