// What every motcua executable prints when a command ends: JSON documents on stdout, errors on
// stderr (as {"error":{"code","message","hint"[,"message_vi"]}} with --json, as text otherwise),
// and the documented exit codes (README.md "Exit codes").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace motcua::cli {

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

// Who runs a command when no --actor is given, for the records it writes: MOTCUA_ACTOR, else the
// login name (USER, USERNAME), else "unknown".
std::string default_actor();

int exit_code_for(ErrorCode code);

// Prints `error` to stderr (JSON or text) and returns its exit code.
int report_error(const Error& error, bool json);
// A command-line usage error of `program`: code "usage", exit 2.
int report_usage_error(const std::string& program, const std::string& message, bool json);
// Prints a JSON document to stdout (invalid UTF-8 replaced, never thrown).
void print_json(const nlohmann::json& doc);

// Options every command that works on a data directory has: --data DIR (required) and --json.
struct CommonOptions {
  std::string data_dir;
  bool json = false;
};
void add_common_options(CLI::App* app, CommonOptions& options, const std::string& data_help);

// One subcommand: its CLI11 app and what runs it (returns the exit code).
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// Parses argv into `app` (whose subcommands are `commands`), runs the chosen command and returns its
// exit code: --help/--version exit 0; usage errors exit 2 (naming an unknown command); an escaped
// exception is reported as an internal error, never a crash.
int run_commands(CLI::App& app, const std::vector<Command>& commands, const std::string& program, int argc,
                 char** argv);

}  // namespace motcua::cli
