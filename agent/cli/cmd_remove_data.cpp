// motcua-agent remove-data --data DIR --yes [--json]
// Deletes the office's data directory (database and logs) when every change in it has reached the
// hub; the MSI's uninstall runs it when asked to remove the data (REMOVE_DATA=1), after the service
// has stopped. While a change is unsent it removes nothing, exits 5, and says so in DIR/logs/
// agent.log as well, since nobody watches an uninstall's output.
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/service.hpp"
#include "common/files.hpp"

namespace motcua::agent::cli {

namespace {

// Appends one line to DIR/logs/agent.log (the service's log) when DIR is an office's data directory;
// any other directory is left exactly as it was.
void note_in_office_log(const std::string& data_dir, const std::string& line) {
  std::error_code ec;
  const auto logs = utf8_path(data_dir) / "logs";
  if (!std::filesystem::exists(utf8_path(data_dir) / "agent.db", ec)) return;
  std::filesystem::create_directories(logs, ec);
  std::ofstream out(logs / "agent.log", std::ios::app);
  const std::time_t now = std::time(nullptr);
  char when[32] = "";
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  out << when << " motcua-agent: " << line << "\n";
}

}  // namespace

Command add_remove_data_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    bool yes = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "remove-data", "Delete the office's data directory, only when every change has reached the hub (uninstall)");
  add_common_options(app, o->common);
  app->add_flag("--yes", o->yes, "Confirm: the database and logs in --data are deleted");
  return {app, [o] {
            if (!o->yes) {
              return report_usage_error("motcua-agent",
                                        "remove-data deletes the office's database and logs in " + o->common.data_dir +
                                            "; add --yes to confirm",
                                        o->common.json);
            }
            auto removed = remove_office_data(o->common.data_dir, process_clock());
            if (!removed) {
              note_in_office_log(o->common.data_dir, "asked to remove the office's data, refused: " +
                                                         removed.error().message);
              return report_error(removed.error(), o->common.json);
            }
            if (o->common.json) {
              print_json({{"removed", removed->existed}, {"data_dir", o->common.data_dir},
                          {"dossiers", removed->dossiers}});
            } else if (removed->existed) {
              std::cout << "removed " << o->common.data_dir << " (" << removed->dossiers
                        << " dossier(s), every change already at the hub)\n";
            } else {
              std::cout << "nothing to remove: " << o->common.data_dir << " does not exist\n";
            }
            return 0;
          }};
}

}  // namespace motcua::agent::cli
