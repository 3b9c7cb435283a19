// The operating-system calls the agent needs, behind one interface: platform_posix.cpp for Linux,
// platform_win32.cpp for the Windows build. Paths are UTF-8 on every platform.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
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
  // The native handle: a file descriptor on POSIX, a HANDLE on Windows; -1 when none.
  explicit FileLock(intptr_t handle) : m_handle(handle) {}
  intptr_t m_handle = -1;
};

// Socket options for a listening socket that only this process may hold: the address can be
// reused right after a restart (SO_REUSEADDR), but a second process can never bind the same port
// (no SO_REUSEPORT; SO_EXCLUSIVEADDRUSE on Windows), so two agents never share one port's
// requests. `socket` is the native handle (an int on POSIX, a SOCKET on Windows).
void set_exclusive_listen_options(intptr_t socket);

// The installer's default for setting `key` kept by the system rather than in a file: on Windows
// the value the MSI wrote under HKLM\SOFTWARE\motcua\agent (a string; empty counts as absent);
// elsewhere, and when the value is absent, nullopt (Debian's installer defaults are a file:
// agent/config.hpp).
std::optional<std::string> system_installer_value(const std::string& key);

// Hands memory the process freed back to the operating system (glibc's malloc_trim; the process
// heap's HeapCompact on Windows), so an idle agent does not keep the peak of its last sync or page.
void return_free_memory();

}  // namespace motcua::agent
