// Instants, civil dates and Vietnam local time (UTC+7, no daylight saving), RFC 3339 text, and the
// clock interface that lets tests control time.
//
// An Instant is milliseconds since the Unix epoch (UTC) and is what the databases store. Local
// (legal) time is always Vietnam time; text on the wire and in JSON is RFC 3339 with an offset.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace motcua {

struct Instant {
  int64_t ms = 0;  // milliseconds since 1970-01-01T00:00:00Z
  friend bool operator==(Instant a, Instant b) { return a.ms == b.ms; }
  friend bool operator!=(Instant a, Instant b) { return a.ms != b.ms; }
  friend bool operator<(Instant a, Instant b) { return a.ms < b.ms; }
  friend bool operator<=(Instant a, Instant b) { return a.ms <= b.ms; }
  friend bool operator>(Instant a, Instant b) { return a.ms > b.ms; }
  friend bool operator>=(Instant a, Instant b) { return a.ms >= b.ms; }
};

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;
constexpr int64_t kVietnamOffsetMs = 7 * kMsPerHour;

// A proleptic Gregorian calendar date.
struct Date {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  friend bool operator==(const Date& a, const Date& b) { return a.year == b.year && a.month == b.month && a.day == b.day; }
  friend bool operator!=(const Date& a, const Date& b) { return !(a == b); }
  friend bool operator<(const Date& a, const Date& b) {
    if (a.year != b.year) return a.year < b.year;
    if (a.month != b.month) return a.month < b.month;
    return a.day < b.day;
  }
};

// Days since 1970-01-01 for a date, and back.
int64_t days_from_date(const Date& d);
Date date_from_days(int64_t days);
// 0 = Sunday ... 6 = Saturday.
int weekday(const Date& d);
Date add_days(const Date& d, int64_t n);
bool is_valid_date(const Date& d);
// "YYYY-MM-DD"; parse accepts exactly that form.
std::string format_date(const Date& d);
Result<Date> parse_date(std::string_view text);

// `t` truncated to a whole second: instants a clerk records (receipt, status changes) carry no
// sub-second part, so printed appointments read 10:00:00, not 10:00:00.002.
inline Instant whole_second(Instant t) { return Instant{t.ms - ((t.ms % kMsPerSecond) + kMsPerSecond) % kMsPerSecond}; }

// Vietnam local date of an instant, milliseconds since local midnight, and the instant of a local
// date at a given local millisecond of the day.
Date vn_date(Instant t);
int64_t vn_ms_of_day(Instant t);
Instant vn_instant(const Date& d, int64_t ms_of_day);

// RFC 3339. Parsing accepts "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z" or "+HH:MM"/"-HH:MM"; when
// `assume_vn_if_no_offset` is true a missing offset means Vietnam time (for hand-typed CLI input and
// the golden CSV), otherwise it is an error. Formatting always writes Vietnam time with "+07:00"
// (milliseconds only when non-zero).
Result<Instant> parse_rfc3339(std::string_view text, bool assume_vn_if_no_offset = false);
std::string format_rfc3339_vn(Instant t);

// Writes the instant as RFC 3339 Vietnam time (for logs and test failure messages).
std::ostream& operator<<(std::ostream& out, Instant t);

// The source of "now". Production uses SystemClock; tests use ManualClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : m_now(start) {}
  Instant now() const override { return m_now; }
  void set(Instant t) { m_now = t; }
  void advance_ms(int64_t ms) { m_now.ms += ms; }

 private:
  Instant m_now;
};

// Reads MOTCUA_NOW (RFC 3339) if set, else the system clock: lets the CLI and the demo pin the
// clock, as an office PC with a wrong clock would be. The returned clock lives for the process.
const Clock& process_clock();

}  // namespace motcua
