// The operating-system calls the agent needs, behind one interface: platform_posix.cpp here, a
// Windows file beside it for the Windows build.
#pragma once

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

}  // namespace motcua::agent
