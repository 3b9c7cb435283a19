// Shared plumbing for motcua-agent commands: one file per command registers a CLI11 subcommand
// and a function that runs it. Errors are printed as {"error":{"code","message","hint"}} on stderr
// with --json, as text otherwise, and mapped to the documented exit codes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace motcua::agent::cli {

// Exit codes (documented in README.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitInvalidInput = 3,
  kExitNotFound = 4,
  kExitConflict = 5,
  kExitPrecondition = 6,
  kExitCorruption = 7,
  kExitIo = 8,
  kExitUnavailable = 9,
  kExitUnauthorized = 10,
};

int exit_code_for(ErrorCode code);

// Prints `error` to stderr (JSON or text) and returns its exit code.
int report_error(const Error& error, bool json);
// A command-line usage error: code "usage", exit 2.
int report_usage_error(const std::string& message, bool json);
// Prints a JSON document to stdout.
void print_json(const nlohmann::json& doc);

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// Options every command that touches an office has.
struct CommonOptions {
  std::string data_dir;
  bool json = false;
};
void add_common_options(CLI::App* app, CommonOptions& options);

// Each adds its subcommand to `root` and returns how to run it.
Command add_init_command(CLI::App& root);
Command add_receive_command(CLI::App& root);
Command add_set_status_command(CLI::App& root);
Command add_show_command(CLI::App& root);
Command add_list_command(CLI::App& root);
Command add_status_command(CLI::App& root);
Command add_procedures_command(CLI::App& root);

// Local Vietnamese rendering for the human (non-JSON) output: "25/02/2026 10:00".
std::string human_time(const std::string& rfc3339_or_empty);

}  // namespace motcua::agent::cli
