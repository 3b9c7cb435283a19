// Shared plumbing for motcua-agent commands: one file per command registers a CLI11 subcommand
// and a function that runs it; output and exit codes come from common/cli_output.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "agent/feed.hpp"
#include "agent/service.hpp"
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
Command add_service_command(CLI::App& root);
Command add_remove_data_command(CLI::App& root);

// What `run` and `service` share: the office's data directory and the loop's settings (0 / "":
// the office's own settings).
struct ServeOptions {
  CommonOptions common;
  int64_t feed_interval_seconds = 0;
  std::string ui;
};
void add_serve_options(CLI::App* app, ServeOptions& options);

// Keeps the office in step with the hub and serves the clerk web UI until `stop` is requested:
// attaches the loop's stop to `stop`, calls `started` once it runs, and returns the exit code
// (0 after a clean stop; an error is reported the CLI's way).
int serve_office(const ServeOptions& options, StopLink& stop, const std::function<void()>& started);

// Blocks SIGINT and SIGTERM (Ctrl+C and console close on Windows) and starts the thread that turns
// them into a request on the returned link. Call first thing, before any other thread starts.
std::shared_ptr<StopLink> stop_on_signals();

// Local Vietnamese rendering for the human (non-JSON) output: "25/02/2026 10:00".
std::string human_time(const std::string& rfc3339_or_empty);

// A feed pull for --json: {"applied": ["catalog 2", ...], "skipped", "position", "catalog_version",
// "calendar_version", "requests", "wire_bytes_up", "wire_bytes_down"}.
nlohmann::json feed_json(const FeedReport& feed);
// One line per publication received, for the clerk.
void print_feed_vi(const FeedReport& feed);

}  // namespace motcua::agent::cli
