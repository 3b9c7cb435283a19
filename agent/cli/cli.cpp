#include "agent/cli/cli.hpp"


namespace motcua::agent::cli {

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
