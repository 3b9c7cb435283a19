#include "hub/report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "domain/due_date.hpp"
#include "domain/statistics.hpp"
#include "reference/reference.hpp"

namespace motcua::hub {

using nlohmann::json;

namespace {

const char* const kUnknownField = "(không rõ lĩnh vực)";
const char* const kUnknownProcedure = "(không rõ thủ tục)";
const char* const kUnknownUnit = "(không rõ đơn vị)";
const char* const kTotalName = "Tổng cộng";

const char* by_name(ReportBy by) {
  switch (by) {
    case ReportBy::kUnit: return "unit";
    case ReportBy::kField: return "field";
    case ReportBy::kProcedure: return "procedure";
  }
  return "unit";
}

json ratio(int64_t num, int64_t den, double scale = 1.0) {
  if (den == 0) return nullptr;
  return static_cast<double>(num) / static_cast<double>(den) / scale;
}

json counts_json(const std::string& key, const std::string& name, const domain::StatCounts& c) {
  const int64_t resolved = c.resolved_total();
  return json{{"key", key},
              {"name", name},
              {"received_carried_over", c.received_carried_over},
              {"received_new", c.received_new},
              {"received_new_direct", c.received_new_direct},
              {"received_new_online", c.received_new_online},
              {"received_new_post", c.received_new_post},
              {"received_total", c.received_total()},
              {"refused", c.refused},
              {"resolved_early", c.resolved_early},
              {"resolved_on_time", c.resolved_on_time},
              {"resolved_late", c.resolved_late},
              {"resolved_total", resolved},
              {"in_progress_on_time", c.in_progress_on_time},
              {"in_progress_late", c.in_progress_late},
              {"waiting_supplement", c.waiting_supplement},
              {"withdrawn", c.withdrawn},
              {"stopped", c.stopped},
              {"on_time_rate_766", ratio(c.i766_on_time, resolved)},
              {"on_time_rate_06", ratio(c.resolved_early + c.resolved_on_time, resolved)},
              {"avg_resolution_days", ratio(c.resolution_ms_sum, resolved, static_cast<double>(kMsPerDay))},
              {"avg_resolution_working_days",
               ratio(c.resolution_working_ms_sum, resolved, static_cast<double>(domain::kWorkingDayHours * kMsPerHour))},
              {"online_share", ratio(c.received_new_online, c.received_new)}};
}

// What names a group: units, and each procedure's field and name by (key, version) and by key
// (its newest version).
struct Names {
  std::map<std::string, std::string> units;
  std::map<std::pair<std::string, int64_t>, std::string> field_of_version;
  std::map<std::string, std::string> field_of_key;
  std::map<std::string, std::string> procedure_name;
};

Result<Names> load_names(sql::Db& db) {
  Names n;
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt units, db.prepare("SELECT code, name FROM unit"));
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, units.step());
    if (!row) break;
    n.units[units.text(0)] = units.text(1);
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt procs, db.prepare("SELECT key, version, field, name FROM procedure ORDER BY key, version"));
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, procs.step());
    if (!row) break;
    std::string key = procs.text(0);
    std::string field = procs.text(2);
    n.field_of_version[{key, procs.int64(1)}] = field;
    n.field_of_key[key] = field;  // ordered by version: the newest stays
    n.procedure_name[key] = procs.text(3);
  }
  return n;
}

std::string group_key(const Names& names, ReportBy by, const std::string& unit, const std::string& procedure,
                      int64_t version) {
  switch (by) {
    case ReportBy::kUnit: return unit;
    case ReportBy::kProcedure: return procedure;
    case ReportBy::kField: {
      auto v = names.field_of_version.find({procedure, version});
      if (v != names.field_of_version.end()) return v->second;
      auto k = names.field_of_key.find(procedure);
      return k != names.field_of_key.end() ? k->second : std::string(kUnknownField);
    }
  }
  return unit;
}

std::string group_name(const Names& names, ReportBy by, const std::string& key) {
  const std::map<std::string, std::string>* table = nullptr;
  const char* unknown = "";
  switch (by) {
    case ReportBy::kUnit: table = &names.units; unknown = kUnknownUnit; break;
    case ReportBy::kProcedure: table = &names.procedure_name; unknown = kUnknownProcedure; break;
    case ReportBy::kField: return key;  // a field is its own name
  }
  auto it = table->find(key);
  return it != table->end() ? it->second : std::string(unknown);
}

// A status event of the dossier being read, with what orders it (domain::event_before).
struct ReadEvent {
  int64_t hlc = 0;
  std::string origin_unit;
  sql::Blob id;
  domain::StatStep step;
};

// The dossiers that may count in the period, each with its status events in HLC order (one row per
// event, or one row with NULL event columns): received before the end of the period, neither
// refused before it nor resolved or returned before it (by the derived dossier_state, read by
// primary key as the dossier table is scanned); withdrawn and stopped dossiers are decided from their
// events. Events that lost inside the fold (dossier_conflict) are left out.
constexpr const char* kReportSql =
    "SELECT d.rowid, d.receiving_unit, d.procedure_key, d.procedure_version, d.received_at, d.status, d.channel, "
    "  d.due_at, d.limit_kind, d.limit_hours, e.hlc, e.origin_unit, e.id, e.at, e.to_status, e.due_at "
    "FROM dossier d "
    "LEFT JOIN dossier_state s ON s.dossier_id = d.id "
    "LEFT JOIN dossier_event e ON e.dossier_id = d.id AND e.kind = 'status' AND e.to_status IS NOT NULL "
    "  AND e.id NOT IN (SELECT event_id FROM dossier_conflict) "
    "WHERE d.received_at < ?2 "
    "  AND NOT (d.status = 3 AND d.received_at < ?1) "
    "  AND (s.status IS NULL OR s.status NOT IN (9, 10) OR coalesce(s.resolved_at, s.returned_at, ?1) >= ?1) "
    "ORDER BY d.rowid, e.hlc";

}  // namespace

Result<ReportQuery> parse_report_query(const std::string& from, const std::string& to, const std::string& by) {
  MOTCUA_TRY(domain::parse_stat_period(from, to));
  ReportQuery q;
  q.from = from;
  q.to = to;
  if (by == "unit") {
    q.by = ReportBy::kUnit;
  } else if (by == "field") {
    q.by = ReportBy::kField;
  } else if (by == "procedure") {
    q.by = ReportBy::kProcedure;
  } else {
    return fail(Error::invalid_input("cannot group a report by '" + by + "'",
                                     "give --by unit (receiving unit), field (lĩnh vực) or procedure (thủ tục)"));
  }
  return q;
}

Result<json> statistics_report(sql::Db& db, const ReportQuery& q) {
  MOTCUA_ASSIGN_OR_RETURN(domain::StatPeriod period, domain::parse_stat_period(q.from, q.to));
  MOTCUA_ASSIGN_OR_RETURN(domain::Calendar calendar, reference::load_calendar(db));
  MOTCUA_ASSIGN_OR_RETURN(Names names, load_names(db));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(kReportSql));
  st.bind(1, period.from.ms).bind(2, period.to_exclusive.ms);

  std::map<std::string, domain::StatCounts> groups;
  domain::StatDossier dossier;
  std::vector<ReadEvent> events;
  std::string unit, procedure;
  int64_t version = 0;
  int64_t current = 0;
  bool have = false;
  domain::StatCounts* group = nullptr;
  std::string last_key;

  auto flush = [&] {
    // Ties of HLC are rare; the order then goes on with origin unit and event id.
    for (size_t i = 1; i < events.size(); ++i) {
      if (events[i].hlc == events[i - 1].hlc) {
        std::stable_sort(events.begin(), events.end(), [](const ReadEvent& a, const ReadEvent& b) {
          if (a.hlc != b.hlc) return a.hlc < b.hlc;
          if (a.origin_unit != b.origin_unit) return a.origin_unit < b.origin_unit;
          return a.id < b.id;
        });
        break;
      }
    }
    dossier.steps.clear();
    for (const ReadEvent& e : events) dossier.steps.push_back(e.step);
    std::string key = group_key(names, q.by, unit, procedure, version);
    if (!group || key != last_key) {
      group = &groups[key];
      last_key = std::move(key);
    }
    domain::count_dossier(dossier, period, calendar, *group);
  };

  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const int64_t rowid = st.int64(0);
    if (!have || rowid != current) {
      if (have) flush();
      have = true;
      current = rowid;
      events.clear();
      unit = st.text(1);
      procedure = st.text(2);
      version = st.int64(3);
      dossier.received_at = Instant{st.int64(4)};
      dossier.creation_status = static_cast<int>(st.int64(5));
      dossier.channel = static_cast<int>(st.int64(6));
      dossier.due_at = st.is_null(7) ? std::nullopt : std::optional<Instant>(Instant{st.int64(7)});
      dossier.limit_kind = st.text(8);
      dossier.limit_hours = st.opt_int64(9);
    }
    if (st.is_null(10)) continue;  // no status event
    ReadEvent e;
    e.hlc = st.int64(10);
    e.origin_unit = st.text(11);
    e.id = st.blob(12);
    e.step.at = Instant{st.int64(13)};
    e.step.to_status = static_cast<int>(st.int64(14));
    e.step.due_at = st.is_null(15) ? std::nullopt : std::optional<Instant>(Instant{st.int64(15)});
    events.push_back(std::move(e));
  }
  if (have) flush();

  json rows = json::array();
  domain::StatCounts total;
  for (const auto& [key, counts] : groups) {
    if (counts.received_total() + counts.refused == 0) continue;  // every dossier there finished before
    rows.push_back(counts_json(key, group_name(names, q.by, key), counts));
    total.add(counts);
  }
  return json{{"from", q.from},
              {"to", q.to},
              {"by", by_name(q.by)},
              {"generated_at", format_rfc3339_vn(whole_second(process_clock().now()))},
              {"rows", std::move(rows)},
              {"total", counts_json("", kTotalName, total)}};
}

const std::vector<ReportColumn>& report_columns() {
  static const std::vector<ReportColumn> columns = {
      {"key", "Mã", "key", ReportColumn::kText},
      {"name", "Tên", "name", ReportColumn::kText},
      {"received_carried_over", "Số hồ sơ kỳ trước chuyển qua", "carried", ReportColumn::kCount},
      {"received_new", "Số hồ sơ tiếp nhận mới", "new", ReportColumn::kCount},
      {"received_new_direct", "Tiếp nhận trực tiếp", "direct", ReportColumn::kCount},
      {"received_new_online", "Tiếp nhận trực tuyến", "online", ReportColumn::kCount},
      {"received_new_post", "Tiếp nhận qua bưu chính công ích", "post", ReportColumn::kCount},
      {"received_total", "Tổng số hồ sơ tiếp nhận", "received", ReportColumn::kCount},
      {"refused", "Từ chối tiếp nhận", "refused", ReportColumn::kCount},
      {"resolved_early", "Giải quyết trước hạn", "early", ReportColumn::kCount},
      {"resolved_on_time", "Giải quyết đúng hạn", "on_time", ReportColumn::kCount},
      {"resolved_late", "Giải quyết quá hạn", "late", ReportColumn::kCount},
      {"resolved_total", "Tổng số đã giải quyết", "resolved", ReportColumn::kCount},
      {"in_progress_on_time", "Đang giải quyết trong hạn", "open_ok", ReportColumn::kCount},
      {"in_progress_late", "Đang giải quyết quá hạn", "open_late", ReportColumn::kCount},
      {"waiting_supplement", "Chờ bổ sung", "supplement", ReportColumn::kCount},
      {"withdrawn", "Rút hồ sơ", "withdrawn", ReportColumn::kCount},
      {"stopped", "Dừng xử lý", "stopped", ReportColumn::kCount},
      {"on_time_rate_766", "Tỷ lệ đúng hạn (Bộ chỉ số 766)", "ontime766", ReportColumn::kRate},
      {"on_time_rate_06", "Tỷ lệ đúng hạn (báo cáo 06)", "ontime06", ReportColumn::kRate},
      {"avg_resolution_days", "Thời gian giải quyết trung bình (ngày)", "avg_days", ReportColumn::kAverage},
      {"avg_resolution_working_days", "Thời gian giải quyết trung bình (ngày làm việc)", "avg_wdays",
       ReportColumn::kAverage},
      {"online_share", "Tỷ lệ tiếp nhận trực tuyến", "online%", ReportColumn::kRate},
  };
  return columns;
}

std::string format_report_value(const json& value, ReportColumn::Kind kind) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (kind == ReportColumn::kCount || value.is_number_integer()) return std::to_string(value.get<int64_t>());
  char buf[64];
  std::snprintf(buf, sizeof buf, kind == ReportColumn::kRate ? "%.4f" : "%.2f", value.get<double>());
  return buf;
}

std::string report_csv(const json& report) {
  auto cell = [](const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  };
  std::string out = "\xEF\xBB\xBF";
  const auto& columns = report_columns();
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) out += ',';
    out += cell(columns[i].header_vi);
  }
  out += "\r\n";
  auto line = [&](const json& row) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i) out += ',';
      out += cell(format_report_value(row.value(columns[i].key, json()), columns[i].kind));
    }
    out += "\r\n";
  };
  for (const auto& row : report.at("rows")) line(row);
  line(report.at("total"));
  return out;
}

}  // namespace motcua::hub
