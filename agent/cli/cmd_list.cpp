// motcua-agent list --data DIR [--status N] [--limit N] [--json]
// Lists the office's dossiers, soonest appointment first.
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/dossiers.hpp"

namespace motcua::agent::cli {

Command add_list_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    int status = 0;
    int limit = 200;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("list", "List dossiers, soonest appointment first");
  add_common_options(app, o->common);
  app->add_option("--status", o->status, "Only dossiers in this status (1-10)");
  app->add_option("--limit", o->limit, "At most this many rows (default 200)");
  return {app, [o] {
            auto store = Store::open(o->common.data_dir, false, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            ListFilter filter;
            if (o->status != 0) filter.status = o->status;
            filter.limit = o->limit;
            auto r = list_dossiers(*store, filter);
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json) {
              print_json(*r);
              return 0;
            }
            for (const auto& d : (*r)["dossiers"]) {
              std::cout << d["code"].get<std::string>() << "  " << d["status"].get<int>() << " "
                        << d["status_name"].get<std::string>() << "  hẹn trả "
                        << human_time(d["due_at"].is_null() ? "" : d["due_at"].get<std::string>()) << "  "
                        << d["applicant_name"].get<std::string>() << "\n";
            }
            std::cout << (*r)["dossiers"].size() << " / " << (*r)["total"].get<int64_t>() << " hồ sơ\n";
            return 0;
          }};
}

}  // namespace motcua::agent::cli
