// motcua-hub report --data DIR --from YYYY-MM-DD --to YYYY-MM-DD [--by unit|field|procedure]
//                   [--json | --csv] [--out FILE]
// The province's statistics for a period (hub/report.hpp, docs/STATISTICS.md): a text table by
// default, the JSON document with --json, CSV for Excel with --csv; --out writes it to FILE instead
// of stdout. A bad period or grouping exits 3 before the database is opened.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hub/cli/cli.hpp"
#include "hub/hub_store.hpp"
#include "hub/report.hpp"

namespace motcua::hub::cli {

namespace {

// Columns a cell takes in a terminal: its code points (the text is NFC, so composed Vietnamese
// letters take one column each).
size_t display_width(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

// One line per row and the total: the key, every count and rate under short English headers, then
// the name last (it is the longest cell).
std::string text_table(const nlohmann::json& report) {
  const auto& columns = report_columns();
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> header;
  for (const auto& c : columns) header.push_back(c.header_en);
  lines.push_back(header);
  auto add = [&](const nlohmann::json& row) {
    std::vector<std::string> cells;
    for (const auto& c : columns) {
      const nlohmann::json& v = row.at(c.key);
      cells.push_back(c.kind != ReportColumn::kText && v.is_null() ? std::string("-") : format_report_value(v, c.kind));
    }
    lines.push_back(cells);
  };
  for (const auto& row : report.at("rows")) add(row);
  add(report.at("total"));
  lines.back()[0] = "total";
  // Column 1 is the name, printed last.
  std::vector<size_t> width(columns.size(), 0);
  for (const auto& l : lines) {
    for (size_t i = 0; i < l.size(); ++i) width[i] = std::max(width[i], display_width(l[i]));
  }
  std::ostringstream out;
  out << "Statistics " << report.at("from").get<std::string>() << " to " << report.at("to").get<std::string>()
      << " by " << report.at("by").get<std::string>() << " (generated " << report.at("generated_at").get<std::string>()
      << ")\n";
  for (const auto& l : lines) {
    out << l[0] << std::string(width[0] - display_width(l[0]), ' ');
    for (size_t i = 2; i < l.size(); ++i) out << "  " << std::string(width[i] - display_width(l[i]), ' ') << l[i];
    out << "  " << l[1] << "\n";
  }
  return out.str();
}

}  // namespace

Command add_report_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    std::string from, to, by = "unit", out;
    bool csv = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("report", "Statistics for a period (báo cáo 06, Bộ chỉ số 766)");
  add_common_options(app, o->common);
  app->add_option("--from", o->from, "First day of the period, YYYY-MM-DD (Vietnam time)")->required();
  app->add_option("--to", o->to, "Last day of the period, YYYY-MM-DD (inclusive)")->required();
  app->add_option("--by", o->by, "Group rows by unit (receiving unit), field or procedure (default unit)");
  app->add_flag("--csv", o->csv, "Write CSV for Excel (UTF-8 with BOM, CRLF) instead of a text table");
  app->add_option("--out", o->out, "Write the report to FILE instead of stdout");
  return {app, [o] {
            if (o->csv && o->common.json) {
              return report_usage_error("motcua-hub", "report: --json and --csv cannot be combined", o->common.json);
            }
            auto query = parse_report_query(o->from, o->to, o->by);
            if (!query) return report_error(query.error(), o->common.json);
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto report = statistics_report(store->db(), *query);
            if (!report) return report_error(report.error(), o->common.json);
            std::string text;
            if (o->csv) {
              text = report_csv(*report);
            } else if (o->common.json) {
              text = report->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
            } else {
              text = text_table(*report);
            }
            if (o->out.empty()) {
              std::cout << text << std::flush;
              return 0;
            }
            std::ofstream file(o->out, std::ios::binary | std::ios::trunc);
            file << text;
            file.close();
            if (!file) {
              return report_error(Error::io("cannot write the report to " + o->out,
                                            "choose a file in a directory you can write to"),
                                  o->common.json);
            }
            if (o->common.json) {
              print_json({{"written", o->out}, {"rows", (*report)["rows"].size()}});
            } else {
              std::cerr << "Wrote the report (" << (*report)["rows"].size() << " rows) to " << o->out << "\n";
            }
            return 0;
          }};
}

}  // namespace motcua::hub::cli
