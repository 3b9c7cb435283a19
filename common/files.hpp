// Small whole-file helpers (portable: std::filesystem and streams only; the owner-only access of
// private files goes through common/platform.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/error.hpp"

namespace motcua {

// Writes `content` to `path` for the owner only (mode 0600 on POSIX; on Windows an access list for
// this account, SYSTEM and Administrators): written to PATH.tmp, restricted before the content goes
// in, then renamed over `path`. kIo naming the file.
Status write_private_file(const std::string& path, const std::string& content);

// The whole file, or nullopt when it cannot be opened.
std::optional<std::string> read_whole_file(const std::string& path);

// A path held as a UTF-8 string (every path in motcua is) as a std::filesystem path, and back. On
// Windows std::filesystem and the narrow file streams would read a std::string in the ANSI code page
// and lose Vietnamese letters; on POSIX both conversions leave the bytes as they are.
std::filesystem::path utf8_path(const std::string& utf8);
std::string path_utf8(const std::filesystem::path& path);

}  // namespace motcua
