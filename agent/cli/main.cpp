// motcua-agent: the office agent. Parses the command line and calls the agent library.
#include "agent/cli/cli.hpp"
#include "common/version.hpp"

int main(int argc, char** argv) {
  using namespace motcua::agent::cli;
  CLI::App app{"motcua-agent: records a commune office's dossiers offline and syncs them to the provincial hub"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("motcua-agent ") + motcua::kVersion);
  const std::vector<Command> commands = {
      add_init_command(app),     add_receive_command(app),    add_set_status_command(app),
      add_transfer_command(app), add_correct_command(app),    add_show_command(app),
      add_list_command(app),     add_status_command(app),     add_procedures_command(app),
      add_enroll_command(app),   add_sync_command(app),       add_run_command(app),
      add_config_command(app),   add_users_command(app),      add_service_command(app),
      add_remove_data_command(app),
  };
  return run_commands(app, commands, "motcua-agent", argc, argv);
}
