#include "domain/calendar.hpp"

#include <array>
#include <set>
#include <utility>

#include "common/text.hpp"

namespace motcua::domain {

namespace {

constexpr std::array<const char*, 6> kKnownKinds = {
    "holiday", "compensatory", "swap_day_off", "weekend", "tet_anchor", "makeup_workday",
};

bool known_kind(const std::string& kind) {
  for (const char* k : kKnownKinds) {
    if (kind == k) return true;
  }
  return false;
}

std::string known_kinds_list() {
  std::string out;
  for (const char* k : kKnownKinds) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

}  // namespace

Calendar::Calendar(std::vector<CalendarDay> days) : m_days(std::move(days)) {
  for (const CalendarDay& d : m_days) m_override[days_from_date(d.date)] = d.working;
}

bool Calendar::is_working_day(const Date& d) const { return is_working_day_number(days_from_date(d)); }

bool Calendar::is_working_day_number(int64_t day) const {
  if (!m_override.empty() && day >= m_override.begin()->first && day <= m_override.rbegin()->first) {
    auto it = m_override.find(day);
    if (it != m_override.end()) return it->second;
  }
  // Day 0 (1970-01-01) was a Thursday; 0 = Sunday ... 6 = Saturday.
  const int64_t wd = ((day + 4) % 7 + 7) % 7;
  return wd != 0 && wd != 6;
}

Result<std::vector<CalendarDay>> parse_calendar_csv(const CsvTable& table) {
  const int c_date = table.column("date");
  const int c_name = table.column("name");
  const int c_kind = table.column("kind");
  const int c_status = table.column("status");
  for (auto [col, name] : {std::pair<int, const char*>{c_date, "date"}, {c_name, "name"}, {c_kind, "kind"},
                           {c_status, "status"}}) {
    if (col < 0) {
      return fail(Error::invalid_input(std::string("calendar CSV has no '") + name + "' column",
                                       "the header must contain date, name, kind and status"));
    }
  }
  std::vector<CalendarDay> days;
  days.reserve(table.rows.size());
  std::set<int64_t> seen;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const std::string where = "calendar CSV line " + std::to_string(table.line_of(r));
    CalendarDay day;
    auto date = parse_date(trim(row[static_cast<size_t>(c_date)]));
    if (!date) return fail(std::move(date.error()).context(where));
    day.date = *date;
    auto name = to_nfc(trim(row[static_cast<size_t>(c_name)]));
    if (!name) return fail(std::move(name.error()).context(where + ", column name"));
    day.name = std::move(*name);
    auto status = to_nfc(trim(row[static_cast<size_t>(c_status)]));
    if (!status) return fail(std::move(status.error()).context(where + ", column status"));
    day.status = std::move(*status);
    day.kind = std::string(trim(row[static_cast<size_t>(c_kind)]));
    if (!known_kind(day.kind)) {
      return fail(Error::invalid_input(where + ": unknown kind '" + day.kind + "'",
                                       "kind must be one of: " + known_kinds_list()));
    }
    day.working = day.kind == "makeup_workday";
    if (!seen.insert(days_from_date(day.date)).second) {
      return fail(Error::invalid_input(where + ": date " + format_date(day.date) + " appears twice",
                                       "keep one row per date"));
    }
    days.push_back(std::move(day));
  }
  return days;
}

}  // namespace motcua::domain
