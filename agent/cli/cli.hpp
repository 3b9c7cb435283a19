// Shared plumbing for motcua-agent commands: one file per command registers a CLI11 subcommand
// and a function that runs it; output and exit codes come from common/cli_output.hpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "agent/feed.hpp"
#include "common/cli_output.hpp"
#include "common/error.hpp"

namespace motcua::agent::cli {

// Exit codes, error and JSON output shared by every executable.
using namespace motcua::cli;

// --data DIR and --json on every command that works on a data directory.
inline void add_common_options(CLI::App* app, CommonOptions& options) {
  motcua::cli::add_common_options(app, options, "Office data directory (holds agent.db)");
}

// Each adds its subcommand to `root` and returns how to run it.
Command add_init_command(CLI::App& root);
Command add_receive_command(CLI::App& root);
Command add_set_status_command(CLI::App& root);
Command add_transfer_command(CLI::App& root);
Command add_correct_command(CLI::App& root);
Command add_show_command(CLI::App& root);
Command add_list_command(CLI::App& root);
Command add_status_command(CLI::App& root);
Command add_procedures_command(CLI::App& root);
Command add_enroll_command(CLI::App& root);
Command add_sync_command(CLI::App& root);
Command add_run_command(CLI::App& root);
Command add_config_command(CLI::App& root);
Command add_users_command(CLI::App& root);

// Local Vietnamese rendering for the human (non-JSON) output: "25/02/2026 10:00".
std::string human_time(const std::string& rfc3339_or_empty);

// A feed pull for --json: {"applied": ["catalog 2", ...], "skipped", "position", "catalog_version",
// "calendar_version", "requests", "wire_bytes_up", "wire_bytes_down"}.
nlohmann::json feed_json(const FeedReport& feed);
// One line per publication received, for the clerk.
void print_feed_vi(const FeedReport& feed);

}  // namespace motcua::agent::cli
