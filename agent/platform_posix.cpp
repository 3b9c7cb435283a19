#include <fcntl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "agent/platform.hpp"
#include "agent/service.hpp"

namespace motcua::agent {

Result<FileLock> FileLock::acquire(const std::string& path, int wait_ms) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(Error::io("cannot open the lock file " + path + ": " + std::strerror(errno),
                          "check that the data directory exists and is writable by this account"));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return fail(Error::io("cannot lock " + path + ": " + why));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return fail(Error::unavailable("another motcua-agent process is talking to the hub for this office",
                                     "wait for it to finish (the service syncs on its own), then retry"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return FileLock(fd);
}

FileLock::FileLock(FileLock&& other) noexcept : m_handle(other.m_handle) { other.m_handle = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (m_handle >= 0) ::close(static_cast<int>(m_handle));
    m_handle = other.m_handle;
    other.m_handle = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (m_handle >= 0) ::close(static_cast<int>(m_handle));  // closing the descriptor releases the lock
}

std::optional<std::string> system_installer_value(const std::string&) { return std::nullopt; }

void set_exclusive_listen_options(intptr_t socket) {
  int yes = 1;
  ::setsockopt(static_cast<int>(socket), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

// The Windows service bindings (agent/service.hpp): systemd runs `motcua-agent run` here, keeps its
// log in the journal, restarts it (Restart=always) and owns its directory (StateDirectory).
namespace {
Error no_service_manager(const std::string& what) {
  return Error::failed_precondition(what + " is for the Windows service",
                                    "on Linux, systemd runs `motcua-agent run` (packaging/systemd/motcua-agent.service)");
}
}  // namespace

Result<int> run_under_service_manager(const std::string&, const OfficeBody&) {
  return fail(no_service_manager("running under the Service Control Manager"));
}

Status set_service_recovery(const std::string&) { return fail(no_service_manager("setting recovery actions")); }

Status restrict_to_service_and_admins(const std::string&) {
  return fail(no_service_manager("limiting the data directory to SYSTEM and Administrators"));
}

Status log_to_file(const std::string&) { return fail(no_service_manager("logging to a file")); }

void return_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace motcua::agent
