// motcua-agent: the office agent. Parses the command line and calls the agent library.
#include <cstring>
#include <exception>
#include <iostream>
#include <vector>

#include "agent/cli/cli.hpp"

int main(int argc, char** argv) {
  using namespace motcua::agent::cli;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) json = true;
  }
  CLI::App app{"motcua-agent: records a commune office's dossiers offline and syncs them to the provincial hub"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "motcua-agent 0.1.0");
  std::vector<Command> commands = {
      add_init_command(app),   add_receive_command(app), add_set_status_command(app),
      add_show_command(app),   add_list_command(app),    add_status_command(app),
      add_procedures_command(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    // CLI11 reports an unknown first word as "A subcommand is required"; name the word instead.
    if (app.get_subcommands().empty() && argc > 1 && argv[1][0] != '-') {
      message = std::string("unknown command '") + argv[1] + "'; commands: init, receive, set-status, show, list, status, procedures";
    }
    return report_usage_error(message, json);
  }
  try {
    for (const auto& c : commands) {
      if (c.app->parsed()) return c.run();
    }
  } catch (const std::exception& e) {
    return report_error(motcua::Error::internal(std::string("unexpected failure: ") + e.what(),
                                                "this is a bug: report it with the command you ran"), json);
  }
  return kExitUsage;
}
