// motcua-agent init --data DIR --unit CODE --catalog FILE.csv --calendar FILE.csv [--agency-id ID]
// Sets up a standalone office from the province's files.
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/setup.hpp"

namespace motcua::agent::cli {

Command add_init_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    InitRequest request;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("init", "Set up an office from the province's catalogue and calendar files");
  add_common_options(app, o->common);
  app->add_option("--unit", o->request.unit_code, "GSO code of the office's unit, e.g. 11953")->required();
  app->add_option("--catalog", o->request.catalog_path, "Procedure catalogue CSV (format of data/tthc-commune-sample.csv)")
      ->required();
  app->add_option("--calendar", o->request.calendar_path, "Working calendar CSV (format of data/holidays-vn.csv)")
      ->required();
  app->add_option("--agency-id", o->request.agency_id,
                  "Dossier code prefix (default: <province>.<unit>, e.g. 33.11953)");
  return {app, [o] {
            o->request.data_dir = o->common.data_dir;
            auto r = init_office(o->request, process_clock());
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json) {
              print_json({{"unit", r->unit_code}, {"unit_name", r->unit_name}, {"agency_id", r->agency_id},
                          {"catalog_version", r->catalog_version}, {"procedures", r->procedures},
                          {"calendar_version", r->calendar_version}, {"calendar_days", r->calendar_days},
                          {"units", r->units}});
            } else {
              std::cout << "Đã thiết lập văn phòng " << r->unit_name << " (" << r->unit_code << "), mã cơ quan "
                        << r->agency_id << ": " << r->procedures << " thủ tục, " << r->calendar_days
                        << " ngày trong lịch làm việc.\n";
            }
            return 0;
          }};
}

}  // namespace motcua::agent::cli
