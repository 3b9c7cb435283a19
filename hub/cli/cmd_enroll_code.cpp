// motcua-hub enroll-code --data DIR --unit 11953 [--ttl-hours 72] [--json]
// Issues a one-time code an installer types into `motcua-agent enroll` at the office.
#include <iostream>
#include <memory>

#include "hub/cli/cli.hpp"
#include "hub/enrollment.hpp"
#include "hub/hub_store.hpp"

namespace motcua::hub::cli {

Command add_enroll_code_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    std::string unit;
    int64_t ttl_hours = kDefaultEnrollmentTtlHours;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("enroll-code", "Issue a one-time enrollment code for an office's agent");
  add_common_options(app, o->common);
  app->add_option("--unit", o->unit, "GSO code of the office's unit, e.g. 11953")->required();
  app->add_option("--ttl-hours", o->ttl_hours, "Hours the code stays valid (1-720, default 72)");
  return {app, [o] {
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto code = create_enrollment_code(store->db(), o->unit, o->ttl_hours, whole_second(store->clock().now()));
            if (!code) return report_error(code.error(), o->common.json);
            if (o->common.json) {
              print_json({{"code", code->display}, {"unit", code->unit},
                          {"expires_at", format_rfc3339_vn(code->expires_at)}});
            } else {
              std::cout << "Enrollment code for unit " << code->unit << ": " << code->display << " (single use, valid until "
                        << format_rfc3339_vn(code->expires_at) << ")\n";
            }
            return 0;
          }};
}

}  // namespace motcua::hub::cli
