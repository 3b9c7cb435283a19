#include "common/files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace motcua {

namespace fs = std::filesystem;

Status write_private_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  std::error_code ec;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail(Error::io("cannot write " + tmp, "check the data directory's permissions"));
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
    out << content;
    out.flush();
    if (!out) return fail(Error::io("cannot write " + tmp, "check free disk space"));
  }
  fs::rename(tmp, path, ec);
  if (ec) return fail(Error::io("cannot create " + path + ": " + ec.message(), "check the data directory's permissions"));
  return ok();
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace motcua
