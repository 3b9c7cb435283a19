// motcua-hub init --data DIR --province 33 [--json]
// Creates the hub database for a province with its units.
#include <iostream>
#include <memory>

#include "hub/cli/cli.hpp"
#include "hub/hub_store.hpp"

namespace motcua::hub::cli {

Command add_init_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    std::string province;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("init", "Create the hub database for a province");
  add_common_options(app, o->common);
  app->add_option("--province", o->province, "GSO code of the province, e.g. 33 (Hưng Yên)")->required();
  return {app, [o] {
            auto r = init_hub(o->common.data_dir, o->province, process_clock());
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json) {
              print_json({{"province", r->province_code}, {"province_name", r->province_name}, {"units", r->units},
                          {"epoch", r->epoch}, {"public_key", r->public_key}});
            } else {
              std::cout << "Created the hub for " << r->province_name << " (" << r->province_code << ") with "
                        << r->units << " units in " << o->common.data_dir << "\n";
            }
            return 0;
          }};
}

}  // namespace motcua::hub::cli
