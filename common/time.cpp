#include "common/time.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ostream>

namespace motcua {

// Civil-from-days and days-from-civil for the proleptic Gregorian calendar (era-based algorithm).
int64_t days_from_date(const Date& d) {
  int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (d.month + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date date_from_days(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return Date{static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d)};
}

int weekday(const Date& d) {
  int64_t z = days_from_date(d);
  return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

Date add_days(const Date& d, int64_t n) { return date_from_days(days_from_date(d) + n); }

bool is_valid_date(const Date& d) {
  if (d.year < 1900 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1) return false;
  return date_from_days(days_from_date(d)) == d;
}

std::string format_date(const Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

Result<Date> parse_date(std::string_view text) {
  Date d;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(text, 0, 4, d.year) ||
      !digits(text, 5, 2, d.month) || !digits(text, 8, 2, d.day) || !is_valid_date(d)) {
    return fail(Error::invalid_input("'" + std::string(text) + "' is not a date", "write dates as YYYY-MM-DD, e.g. 2026-02-17"));
  }
  return d;
}

Date vn_date(Instant t) {
  int64_t local = t.ms + kVietnamOffsetMs;
  int64_t days = local >= 0 ? local / kMsPerDay : (local - kMsPerDay + 1) / kMsPerDay;
  return date_from_days(days);
}

int64_t vn_ms_of_day(Instant t) {
  int64_t local = t.ms + kVietnamOffsetMs;
  int64_t r = local % kMsPerDay;
  return r < 0 ? r + kMsPerDay : r;
}

Instant vn_instant(const Date& d, int64_t ms_of_day) {
  return Instant{days_from_date(d) * kMsPerDay + ms_of_day - kVietnamOffsetMs};
}

Result<Instant> parse_rfc3339(std::string_view text, bool assume_vn_if_no_offset) {
  auto bad = [&] {
    return fail(Error::invalid_input("'" + std::string(text) + "' is not an RFC 3339 timestamp",
                                     "write e.g. 2026-02-25T10:00:00+07:00"));
  };
  if (text.size() < 16) return bad();
  MOTCUA_ASSIGN_OR_RETURN(Date d, parse_date(text.substr(0, 10)));
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return bad();
  int hh = 0, mi = 0, ss = 0, ms = 0;
  if (!digits(text, 11, 2, hh) || text[13] != ':' || !digits(text, 14, 2, mi)) return bad();
  size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    if (!digits(text, pos + 1, 2, ss)) return bad();
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      size_t start = ++pos;
      int frac = 0, n = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (n < 3) { frac = frac * 10 + (text[pos] - '0'); ++n; }
        ++pos;
      }
      if (pos == start) return bad();
      while (n < 3) { frac *= 10; ++n; }
      ms = frac;
    }
  }
  if (hh > 23 || mi > 59 || ss > 60) return bad();
  if (ss == 60) ss = 59;  // a leap second is clamped; legal times never need it
  int64_t offset_ms;
  if (pos == text.size()) {
    if (!assume_vn_if_no_offset) {
      return fail(Error::invalid_input("'" + std::string(text) + "' has no UTC offset",
                                       "add the offset, e.g. 2026-02-25T10:00:00+07:00"));
    }
    offset_ms = kVietnamOffsetMs;
  } else if (text[pos] == 'Z' || text[pos] == 'z') {
    if (pos + 1 != text.size()) return bad();
    offset_ms = 0;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh = 0, om = 0;
    if (pos + 6 != text.size() || !digits(text, pos + 1, 2, oh) || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad();
    }
    offset_ms = (oh * kMsPerHour + om * kMsPerMinute) * (text[pos] == '-' ? -1 : 1);
  } else {
    return bad();
  }
  int64_t local = days_from_date(d) * kMsPerDay + hh * kMsPerHour + mi * kMsPerMinute + ss * kMsPerSecond + ms;
  return Instant{local - offset_ms};
}

std::string format_rfc3339_vn(Instant t) {
  Date d = vn_date(t);
  int64_t msd = vn_ms_of_day(t);
  int hh = static_cast<int>(msd / kMsPerHour);
  int mi = static_cast<int>(msd / kMsPerMinute % 60);
  int ss = static_cast<int>(msd / kMsPerSecond % 60);
  int ms = static_cast<int>(msd % kMsPerSecond);
  char buf[48];
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+07:00", d.year, d.month, d.day, hh, mi, ss, ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+07:00", d.year, d.month, d.day, hh, mi, ss);
  }
  return buf;
}

std::ostream& operator<<(std::ostream& out, Instant t) { return out << format_rfc3339_vn(t); }

Instant SystemClock::now() const {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return Instant{std::chrono::duration_cast<std::chrono::milliseconds>(since).count()};
}

namespace {

class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(int64_t offset_ms) : m_offset_ms(offset_ms) {}
  Instant now() const override { return Instant{m_system.now().ms + m_offset_ms}; }

 private:
  SystemClock m_system;
  int64_t m_offset_ms;
};

}  // namespace

const Clock& process_clock() {
  // MOTCUA_NOW pins the start of the process's clock; time then runs forward normally, so
  // successive events in one process still get increasing instants.
  static const Clock* clock = [] () -> const Clock* {
    const char* env = std::getenv("MOTCUA_NOW");
    if (env && *env) {
      auto t = parse_rfc3339(env, true);
      if (t) return new OffsetClock(t->ms - SystemClock().now().ms);
      std::fprintf(stderr, "motcua: ignoring MOTCUA_NOW='%s': %s\n", env, t.error().message.c_str());
    }
    return new SystemClock();
  }();
  return *clock;
}

}  // namespace motcua
