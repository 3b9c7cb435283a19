// The operating-system calls of the common layer, behind one interface (with stop_signal.hpp):
// platform_posix.cpp for Linux, platform_win32.cpp for the Windows build. Strings are UTF-8 on
// every platform; the Windows file converts to and from UTF-16 at the system boundary.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace motcua {

// Makes `path` (an existing file) readable and writable by its owner only: mode 0600 on POSIX; on
// Windows an access list that grants the current user, SYSTEM and Administrators full control and
// inherits nothing from the directory. kIo naming the file when the system refuses.
Status restrict_to_owner(const std::string& path);

// The value of environment variable `name` in UTF-8, or nullopt when it is unset or empty.
std::optional<std::string> environment_variable(const char* name);

// The command-line arguments in UTF-8, program name first: argv itself on POSIX; on Windows the
// UTF-16 command line (argv there is in the ANSI code page, which cannot hold Vietnamese letters).
std::vector<std::string> utf8_arguments(int argc, char** argv);

// Sets the console, if any, to show UTF-8 output (Windows); nothing to do on POSIX.
void use_utf8_console();

}  // namespace motcua
