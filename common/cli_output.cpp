#include "common/cli_output.hpp"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>

#include "common/platform.hpp"

namespace motcua::cli {

std::string default_actor() {
  for (const char* var : {"MOTCUA_ACTOR", "USER", "USERNAME"}) {
    if (auto v = environment_variable(var)) return *v;
  }
  return "unknown";
}

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

int report_usage_error(const std::string& program, const std::string& message, bool json) {
  const std::string hint = "run " + program + " --help, or " + program + " COMMAND --help";
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

void add_common_options(CLI::App* app, CommonOptions& options, const std::string& data_help) {
  app->add_option("--data", options.data_dir, data_help)->required();
  app->add_flag("--json", options.json, "Machine-readable output on stdout; errors as JSON on stderr");
}

int run_commands(CLI::App& app, const std::vector<Command>& commands, const std::string& program, int raw_argc,
                 char** raw_argv) {
  use_utf8_console();
  // Arguments in UTF-8 on every platform (file paths and names with Vietnamese letters).
  std::vector<std::string> args = utf8_arguments(raw_argc, raw_argv);
  std::vector<char*> arg_pointers;
  arg_pointers.reserve(args.size() + 1);
  for (auto& a : args) arg_pointers.push_back(a.data());
  arg_pointers.push_back(nullptr);
  const int argc = static_cast<int>(args.size());
  char** argv = arg_pointers.data();
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) json = true;
  }
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
      std::string names;
      for (const auto& c : commands) names += (names.empty() ? "" : ", ") + c.app->get_name();
      message = std::string("unknown command '") + argv[1] + "'; commands: " + names;
    }
    return report_usage_error(program, message, json);
  }
  try {
    for (const auto& c : commands) {
      if (c.app->parsed()) return c.run();
    }
  } catch (const std::exception& e) {
    return report_error(Error::internal(std::string("unexpected failure: ") + e.what(),
                                        "this is a bug: report it with the command you ran"),
                        json);
  }
  return report_usage_error(program, "no command given", json);
}

}  // namespace motcua::cli
