// motcua-hub commands: one file per command registers a CLI11 subcommand and how to run it.
#pragma once

#include <string>

#include "common/cli_output.hpp"

namespace motcua::hub::cli {

using namespace motcua::cli;

struct CommonOptions {
  std::string data_dir;
  bool json = false;
};
void add_common_options(CLI::App* app, CommonOptions& options);

Command add_init_command(CLI::App& root);
Command add_enroll_code_command(CLI::App& root);
Command add_status_command(CLI::App& root);
Command add_serve_command(CLI::App& root);
Command add_catalog_publish_command(CLI::App& root);
Command add_calendar_publish_command(CLI::App& root);

}  // namespace motcua::hub::cli
