// The province's statistics for a period (`motcua-hub report`, docs/STATISTICS.md): the counts of
// "báo cáo số 06" and indicators 2.1, 2.2 and 3.3 of Bộ chỉ số 766, grouped by receiving unit,
// field or procedure, computed from the dossier facts in one pass (domain/statistics.hpp).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.hpp"
#include "common/sqlite.hpp"

namespace motcua::hub {

enum class ReportBy { kUnit, kField, kProcedure };

struct ReportQuery {
  std::string from;  // YYYY-MM-DD, Vietnam calendar date, inclusive
  std::string to;    // YYYY-MM-DD, inclusive
  ReportBy by = ReportBy::kUnit;
};

// Checks the period (valid dates, from ≤ to) and the grouping ("unit", "field" or "procedure").
// kInvalidInput saying what is wrong and what to give instead.
Result<ReportQuery> parse_report_query(const std::string& from, const std::string& to, const std::string& by);

// {"from","to","by","generated_at","rows":[{"key","name",<counts>}...],"total":{"key":"","name":"Tổng cộng",<counts>}}
// where <counts> are received_carried_over, received_new, received_new_direct, received_new_online,
// received_new_post, received_total, refused, resolved_early, resolved_on_time, resolved_late,
// resolved_total, in_progress_on_time, in_progress_late, waiting_supplement, withdrawn, stopped,
// on_time_rate_766, on_time_rate_06, avg_resolution_days, avg_resolution_working_days, online_share
// (rates and averages null when there is nothing to divide by). Rows are sorted by key; a group
// appears when at least one dossier counts in it; generated_at is process_clock()'s now (RFC 3339,
// +07:00). Reads the dossier facts, the derived dossier_state and dossier_conflict tables, units,
// the catalogue and the working calendar, in one pass over the dossiers that may count.
Result<nlohmann::json> statistics_report(sql::Db& db, const ReportQuery& query);

// The report as CSV for Excel: UTF-8 with a byte order mark, CRLF line ends, one header line in
// Vietnamese (NFC), then the rows and the total; fields quoted when they hold a comma, a quote or a
// line break; null values are empty cells; rates written with a dot and 4 decimals, averages with 2.
std::string report_csv(const nlohmann::json& report);

// The report's columns in order, for the CSV and the command's text table.
struct ReportColumn {
  enum Kind { kText, kCount, kRate, kAverage };
  const char* key;        // JSON name
  const char* header_vi;  // CSV header (NFC)
  const char* header_en;  // short English header for the text table
  Kind kind;
};
const std::vector<ReportColumn>& report_columns();

// A report value as a cell: "" for null, integers as they are, rates with 4 decimals, averages with 2.
std::string format_report_value(const nlohmann::json& value, ReportColumn::Kind kind);

}  // namespace motcua::hub
