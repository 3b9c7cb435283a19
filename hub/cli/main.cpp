// motcua-hub: the provincial hub. Parses the command line and calls the hub library.
#include "hub/cli/cli.hpp"

namespace motcua::hub::cli {

void add_common_options(CLI::App* app, CommonOptions& options) {
  app->add_option("--data", options.data_dir, "Hub data directory (holds hub.db)")->required();
  app->add_flag("--json", options.json, "Machine-readable output on stdout; errors as JSON on stderr");
}

}  // namespace motcua::hub::cli

int main(int argc, char** argv) {
  using namespace motcua::hub::cli;
  CLI::App app{"motcua-hub: the provincial hub that receives offices' change sets and publishes reference data"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "motcua-hub 0.1.0");
  const std::vector<Command> commands = {add_init_command(app), add_enroll_code_command(app), add_status_command(app),
                                         add_serve_command(app), add_catalog_publish_command(app),
                                         add_calendar_publish_command(app)};
  return run_commands(app, commands, "motcua-hub", argc, argv);
}
