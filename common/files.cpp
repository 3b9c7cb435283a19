#include "common/files.hpp"

#include <fstream>
#include <sstream>

#include "common/platform.hpp"

namespace motcua {

namespace fs = std::filesystem;

Status write_private_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  std::error_code ec;
  {
    std::ofstream out(utf8_path(tmp), std::ios::binary | std::ios::trunc);
    if (!out) return fail(Error::io("cannot write " + tmp, "check the data directory's permissions"));
    if (auto restricted = restrict_to_owner(tmp); !restricted) {
      out.close();
      fs::remove(utf8_path(tmp), ec);  // never leave the content-less file with the wrong access
      return restricted;
    }
    out << content;
    out.flush();
    if (!out) return fail(Error::io("cannot write " + tmp, "check free disk space"));
  }
  fs::rename(utf8_path(tmp), utf8_path(path), ec);
  if (ec) return fail(Error::io("cannot create " + path + ": " + ec.message(), "check the data directory's permissions"));
  return ok();
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(utf8_path(path), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path utf8_path(const std::string& utf8) { return fs::u8path(utf8); }

std::string path_utf8(const fs::path& path) { return path.u8string(); }

}  // namespace motcua
