// motcua-agent set-status --data DIR CODE --status N [--note ..] [--actor ..]
// Moves a dossier along the legal transitions of the counter.
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/dossiers.hpp"

namespace motcua::agent::cli {

Command add_set_status_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    SetStatusRequest request;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("set-status", "Change a dossier's status (4 processing, 5 supplement, 6 fees, "
                                                    "7 withdrawn, 8 stopped, 9 resolved, 10 returned)");
  add_common_options(app, o->common);
  app->add_option("code", o->request.code, "Dossier code, e.g. 33.11953-260213-0001")->required();
  app->add_option("--status", o->request.status, "New status: 4, 5, 6, 7, 8, 9 or 10")->required();
  app->add_option("--note", o->request.note, "Reason or remark recorded with the change");
  app->add_option("--actor", o->request.actor, "Who made the change (default: the signed-in user)");
  return {app, [o] {
            auto store = Store::open(o->common.data_dir, false, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto r = set_status(*store, o->request);
            if (!r) return report_error(r.error(), o->common.json);
            std::string due = r->due_at ? format_rfc3339_vn(*r->due_at) : "";
            if (o->common.json) {
              print_json({{"code", r->code}, {"from", static_cast<int>(r->from)}, {"status", static_cast<int>(r->to)},
                          {"status_name", domain::status_name_vi(r->to)},
                          {"due_at", r->due_at ? nlohmann::json(due) : nlohmann::json(nullptr)}});
            } else {
              std::cout << "Hồ sơ " << r->code << ": " << domain::status_name_vi(r->from) << " → "
                        << domain::status_name_vi(r->to);
              if (r->due_at) std::cout << " (hẹn trả " << human_time(due) << ")";
              std::cout << "\n";
            }
            return 0;
          }};
}

}  // namespace motcua::agent::cli
