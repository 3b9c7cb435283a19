// motcua-agent status --data DIR [--json]
// The office at a glance: unit, dossier count, changes not yet sent, catalogue and calendar versions.
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/dossiers.hpp"

namespace motcua::agent::cli {

Command add_status_command(CLI::App& root) {
  auto o = std::make_shared<CommonOptions>();
  CLI::App* app = root.add_subcommand("status", "Show the office's state: dossiers, pending changes, versions");
  add_common_options(app, *o);
  return {app, [o] {
            auto store = Store::open(o->data_dir, false, process_clock());
            if (!store) return report_error(store.error(), o->json);
            auto r = office_status(*store);
            if (!r) return report_error(r.error(), o->json);
            if (o->json) {
              print_json(*r);
              return 0;
            }
            const auto& s = *r;
            std::cout << s["unit_name"].get<std::string>() << " (" << s["unit"].get<std::string>() << ")\n"
                      << "  Hồ sơ: " << s["dossiers"].get<int64_t>() << "\n"
                      << "  Thay đổi chưa gửi: " << s["pending_changes"].get<int64_t>() << "\n"
                      << "  Danh mục thủ tục: phiên bản " << s["catalog_version"].get<int64_t>() << " ("
                      << s["procedures"].get<int64_t>() << " thủ tục)\n"
                      << "  Lịch làm việc: phiên bản " << s["calendar_version"].get<int64_t>() << "\n";
            return 0;
          }};
}

}  // namespace motcua::agent::cli
