// The province's working calendar: which dates are working days. Weekdays work and weekends rest,
// except for the calendar's rows: every row marks a day off (holiday, compensatory, swapped day
// off, Tết, weekend) except kind "makeup_workday", which makes a Saturday a working day.
// Every row of a published calendar counts, whatever its status column says.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"
#include "domain/csv.hpp"

namespace motcua::domain {

struct CalendarDay {
  Date date;
  std::string kind;    // holiday | compensatory | swap_day_off | weekend | tet_anchor | makeup_workday | ...
  std::string name;    // Vietnamese, NFC
  std::string status;  // official | statutory | derived | reported (information for IT staff only)
  bool working = false;
};

class Calendar {
 public:
  Calendar() = default;
  explicit Calendar(std::vector<CalendarDay> days);

  bool is_working_day(const Date& d) const;
  // The same for a day number as returned by days_from_date (saves conversions in loops).
  bool is_working_day_number(int64_t day) const;
  const std::vector<CalendarDay>& days() const { return m_days; }

 private:
  std::vector<CalendarDay> m_days;
  std::map<int64_t, bool> m_override;  // days_from_date -> working
};

// Parses the format of holidays-vn.csv (columns date, weekday, name, kind, applies_to, status,
// note, source; only date, name, kind and status are required). Text is normalised to NFC. A bad
// date, an unknown kind or a duplicated date is kInvalidInput naming the line.
Result<std::vector<CalendarDay>> parse_calendar_csv(const CsvTable& table);

}  // namespace motcua::domain
