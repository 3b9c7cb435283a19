#include "agent/cli/cli.hpp"

#include <cstdio>
#include <iostream>

namespace motcua::agent::cli {

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput: return kExitInvalidInput;
    case ErrorCode::kNotFound: return kExitNotFound;
    case ErrorCode::kConflict: return kExitConflict;
    case ErrorCode::kFailedPrecondition: return kExitPrecondition;
    case ErrorCode::kCorruption: return kExitCorruption;
    case ErrorCode::kIo: return kExitIo;
    case ErrorCode::kUnavailable:
    case ErrorCode::kTimeout: return kExitUnavailable;
    case ErrorCode::kUnauthorized: return kExitUnauthorized;
    case ErrorCode::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

int report_error(const Error& error, bool json) {
  if (json) {
    nlohmann::json e = {{"code", error_code_name(error.code)}, {"message", error.message}, {"hint", error.hint}};
    if (!error.message_vi.empty()) e["message_vi"] = error.message_vi;
    std::cerr << nlohmann::json{{"error", e}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    if (!error.message_vi.empty()) std::cerr << error.message_vi << "\n";
    std::cerr << "error: " << error.message << "\n";
    if (!error.hint.empty()) std::cerr << "hint: " << error.hint << "\n";
  }
  return exit_code_for(error.code);
}

int report_usage_error(const std::string& message, bool json) {
  const std::string hint = "run motcua-agent --help, or motcua-agent COMMAND --help";
  if (json) {
    nlohmann::json e = {{"code", "usage"}, {"message", message}, {"hint", hint}};
    std::cerr << nlohmann::json{{"error", e}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cerr << "error: " << message << "\nhint: " << hint << "\n";
  }
  return kExitUsage;
}

void print_json(const nlohmann::json& doc) {
  std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void add_common_options(CLI::App* app, CommonOptions& options) {
  app->add_option("--data", options.data_dir, "Office data directory (holds agent.db)")->required();
  app->add_flag("--json", options.json, "Machine-readable output on stdout; errors as JSON on stderr");
}

std::string human_time(const std::string& t) {
  if (t.size() < 16) return "không có";
  // 2026-02-25T10:00:00+07:00 -> 25/02/2026 10:00
  return t.substr(8, 2) + "/" + t.substr(5, 2) + "/" + t.substr(0, 4) + " " + t.substr(11, 5);
}

}  // namespace motcua::agent::cli
