// motcua-hub commands: one file per command registers a CLI11 subcommand and how to run it.
#pragma once

#include <string>
#include <vector>

#include "common/cli_output.hpp"

namespace motcua::hub::cli {

using namespace motcua::cli;

// --data DIR and --json on every command that works on a data directory.
inline void add_common_options(CLI::App* app, CommonOptions& options) {
  motcua::cli::add_common_options(app, options, "Hub data directory (holds hub.db)");
}

Command add_init_command(CLI::App& root);
Command add_enroll_code_command(CLI::App& root);
Command add_status_command(CLI::App& root);
Command add_config_command(CLI::App& root);
Command add_report_command(CLI::App& root);  // report --from --to --by
Command add_serve_command(CLI::App& root);
Command add_catalog_publish_command(CLI::App& root);
Command add_calendar_publish_command(CLI::App& root);
Command add_dictionary_publish_command(CLI::App& root);
Command add_backup_command(CLI::App& root);
Command add_restore_command(CLI::App& root);
// users add|list|disable|enable|passwd: the IT staff accounts of the web dashboard
Command add_users_command(CLI::App& root);
// quarantine list, quarantine retry
std::vector<Command> add_quarantine_commands(CLI::App& root);
std::vector<Command> add_dossier_commands(CLI::App& root);
std::vector<Command> add_agents_commands(CLI::App& root);  // agents list|revoke
std::vector<Command> add_audit_commands(CLI::App& root);   // audit verify  // dossier show|set-status|transfer|correct, conflicts list

}  // namespace motcua::hub::cli
