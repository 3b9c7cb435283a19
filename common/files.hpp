// Small whole-file helpers (portable: std::filesystem and streams only).
#pragma once

#include <optional>
#include <string>

#include "common/error.hpp"

namespace motcua {

// Writes `content` to `path` for the owner only (mode 0600 where the OS has modes): written to
// PATH.tmp, restricted before the content goes in, then renamed over `path`. kIo naming the file.
Status write_private_file(const std::string& path, const std::string& content);

// The whole file, or nullopt when it cannot be opened.
std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace motcua
