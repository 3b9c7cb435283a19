// The operating-system calls the agent needs, behind one interface: platform_posix.cpp here, a
// Windows file beside it for the Windows build.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/error.hpp"

namespace motcua::agent {

// An exclusive lock on a file, held until destroyed, and released by the operating system if the
// process dies (flock; LockFileEx on Windows). Serialises everything that talks to the hub for one
// data directory, so two `sync` runs (or `run` and a manual `sync`) never interleave requests.
class FileLock {
 public:
  // Creates `path` if needed and takes the lock, waiting up to `wait_ms`. kUnavailable when another
  // process still holds it then; kIo when the file cannot be opened.
  static Result<FileLock> acquire(const std::string& path, int wait_ms);
  FileLock(FileLock&&) noexcept;
  FileLock& operator=(FileLock&&) noexcept;
  ~FileLock();

 private:
  explicit FileLock(int handle) : m_handle(handle) {}
  int m_handle = -1;
};

// Socket options for a listening socket that only this process may hold: the address can be
// reused right after a restart (SO_REUSEADDR), but a second process can never bind the same port
// (no SO_REUSEPORT; SO_EXCLUSIVEADDRUSE on Windows), so two agents never share one port's
// requests. `socket` is the native handle (an int on POSIX, a SOCKET on Windows).
void set_exclusive_listen_options(intptr_t socket);

}  // namespace motcua::agent
