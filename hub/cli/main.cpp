// motcua-hub: the provincial hub. Parses the command line and calls the hub library.
#include "hub/cli/cli.hpp"
#include "common/version.hpp"

int main(int argc, char** argv) {
  using namespace motcua::hub::cli;
  CLI::App app{"motcua-hub: the provincial hub that receives offices' change sets and publishes reference data"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("motcua-hub ") + motcua::kVersion);
  std::vector<Command> commands = {add_init_command(app), add_enroll_code_command(app), add_status_command(app),
                                   add_config_command(app), add_report_command(app), add_serve_command(app),
                                   add_catalog_publish_command(app), add_calendar_publish_command(app),
                                   add_dictionary_publish_command(app), add_backup_command(app), add_restore_command(app),
                                   add_users_command(app)};
  for (auto& c : add_quarantine_commands(app)) commands.push_back(std::move(c));
  for (auto& c : add_dossier_commands(app)) commands.push_back(std::move(c));
  for (auto& c : add_agents_commands(app)) commands.push_back(std::move(c));
  for (auto& c : add_audit_commands(app)) commands.push_back(std::move(c));
  return run_commands(app, commands, "motcua-hub", argc, argv);
}
