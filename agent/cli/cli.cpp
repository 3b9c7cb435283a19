#include "agent/cli/cli.hpp"

namespace motcua::agent::cli {

std::string human_time(const std::string& t) {
  if (t.size() < 16) return "không có";
  // 2026-02-25T10:00:00+07:00 -> 25/02/2026 10:00
  return t.substr(8, 2) + "/" + t.substr(5, 2) + "/" + t.substr(0, 4) + " " + t.substr(11, 5);
}

}  // namespace motcua::agent::cli
