// The Windows side of agent/platform.hpp, and the Windows service bindings of agent/service.hpp
// (the Service Control Manager's dispatcher, ServiceMain and the control handler around a
// ServiceHost; recovery actions; the data directory's access list; the log file).
#include <winsock2.h>
#include <windows.h>

#include <aclapi.h>
#include <fcntl.h>
#include <io.h>
#include <sddl.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "agent/platform.hpp"
#include "agent/service.hpp"
#include "common/files.hpp"

namespace motcua::agent {

namespace {
std::string windows_error(DWORD code) { return std::system_category().message(static_cast<int>(code)); }
}  // namespace

Result<FileLock> FileLock::acquire(const std::string& path, int wait_ms) {
  // Wide-character API: the data directory may have Vietnamese letters in its name. Every sharing
  // mode is allowed, as with flock: only the byte-range lock below excludes another holder.
  const HANDLE file = CreateFileW(utf8_path(path).c_str(), GENERIC_READ | GENERIC_WRITE,
                                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_ALWAYS,
                                  FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    return fail(Error::io("cannot open the lock file " + path + ": " + windows_error(GetLastError()),
                          "check that the data directory exists and is writable by this account"));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    OVERLAPPED whole_file{};
    // The whole file's range; Windows releases the lock when the handle closes or the process dies.
    if (LockFileEx(file, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &whole_file)) {
      break;
    }
    const DWORD code = GetLastError();
    if (code != ERROR_LOCK_VIOLATION && code != ERROR_IO_PENDING) {
      CloseHandle(file);
      return fail(Error::io("cannot lock " + path + ": " + windows_error(code)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      CloseHandle(file);
      return fail(Error::unavailable("another motcua-agent process is talking to the hub for this office",
                                     "wait for it to finish (the service syncs on its own), then retry"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // bounded by the deadline above
  }
  return FileLock(reinterpret_cast<intptr_t>(file));
}

FileLock::FileLock(FileLock&& other) noexcept : m_handle(other.m_handle) { other.m_handle = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (m_handle != -1) CloseHandle(reinterpret_cast<HANDLE>(m_handle));
    m_handle = other.m_handle;
    other.m_handle = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (m_handle != -1) CloseHandle(reinterpret_cast<HANDLE>(m_handle));  // closing releases the lock
}

void set_exclusive_listen_options(intptr_t socket) {
  // SO_EXCLUSIVEADDRUSE alone: on Windows SO_REUSEADDR would let another process bind the same port
  // and take over its connections, and the two options cannot be combined. The price: a restart can
  // find the port busy while the previous run's accepted connections are in TIME_WAIT.
  BOOL yes = TRUE;
  ::setsockopt(static_cast<SOCKET>(socket), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&yes),
               sizeof yes);
}

std::optional<std::string> system_installer_value(const std::string& key) {
  // The 64-bit view, where the x64 MSI writes; a string of at most 4 KiB.
  wchar_t value[2048];
  DWORD bytes = sizeof value;
  const LSTATUS rc = RegGetValueW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\motcua\\agent", utf8_path(key).wstring().c_str(),
                                  RRF_RT_REG_SZ | RRF_SUBKEY_WOW6464KEY, nullptr, value, &bytes);
  if (rc != ERROR_SUCCESS) return std::nullopt;
  std::string text = path_utf8(std::filesystem::path(std::wstring(value)));
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return std::nullopt;
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// --- the Windows service (agent/service.hpp) ----------------------------------------------------

static_assert(SERVICE_CONTROL_STOP == 1 && SERVICE_CONTROL_INTERROGATE == 4 && SERVICE_CONTROL_SHUTDOWN == 5 &&
                  SERVICE_CONTROL_PRESHUTDOWN == 15,
              "service_control_from_code's numbers are the SDK's");

namespace {

Error win32_error(const std::string& what, DWORD code, const std::string& hint = {}) {
  wchar_t* text = nullptr;
  FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                 code, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string message = what + " (Windows error " + std::to_string(code) + ")";
  if (text) {
    const int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
    std::string narrow(static_cast<size_t>(n > 0 ? n - 1 : 0), '\0');
    if (n > 1) WideCharToMultiByte(CP_UTF8, 0, text, -1, narrow.data(), n, nullptr, nullptr);
    while (!narrow.empty() && (narrow.back() == '\n' || narrow.back() == '\r' || narrow.back() == '.')) narrow.pop_back();
    message = what + ": " + narrow + " (Windows error " + std::to_string(code) + ")";
    LocalFree(text);
  }
  return Error{code == ERROR_ACCESS_DENIED ? ErrorCode::kUnauthorized : ErrorCode::kIo, message, hint, {}};
}

// Closes a service-manager handle when it goes out of scope.
struct ScHandle {
  SC_HANDLE h = nullptr;
  explicit ScHandle(SC_HANDLE handle) : h(handle) {}
  ~ScHandle() {
    if (h) CloseServiceHandle(h);
  }
  ScHandle(const ScHandle&) = delete;
  ScHandle& operator=(const ScHandle&) = delete;
};

// The one service this process runs. The manager calls ServiceMain and the handler on threads of
// its own; they meet here.
struct Running {
  std::wstring name;
  const OfficeBody* office = nullptr;
  SERVICE_STATUS_HANDLE status = nullptr;
  std::mutex mutex;
  DWORD checkpoint = 0;
  std::optional<ServiceHost> host;  // lives as long as the process: a late control must not find it gone
  int exit_code = 0;
  bool main_ran = false;
};
Running g_running;

DWORD win32_state(ServiceState state) {
  switch (state) {
    case ServiceState::kStartPending: return SERVICE_START_PENDING;
    case ServiceState::kRunning: return SERVICE_RUNNING;
    case ServiceState::kStopPending: return SERVICE_STOP_PENDING;
    case ServiceState::kStopped: return SERVICE_STOPPED;
  }
  return SERVICE_STOPPED;
}

void report_to_manager(const ServiceReport& r) {
  std::lock_guard<std::mutex> lock(g_running.mutex);
  SERVICE_STATUS st{};
  st.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  st.dwCurrentState = win32_state(r.state);
  st.dwControlsAccepted = r.accepts_stop ? (SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN) : 0;
  st.dwWin32ExitCode = r.exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  st.dwServiceSpecificExitCode = static_cast<DWORD>(r.exit_code);
  st.dwWaitHint = static_cast<DWORD>(r.wait_hint_ms);
  const bool pending = r.state == ServiceState::kStartPending || r.state == ServiceState::kStopPending;
  st.dwCheckPoint = pending ? ++g_running.checkpoint : 0;
  if (g_running.status) SetServiceStatus(g_running.status, &st);
}

DWORD WINAPI control_handler(DWORD control, DWORD, LPVOID, LPVOID) {
  if (!g_running.host) return ERROR_CALL_NOT_IMPLEMENTED;
  return g_running.host->control(service_control_from_code(control)) ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

void WINAPI service_main(DWORD, LPWSTR*) {
  g_running.main_ran = true;
  g_running.status = RegisterServiceCtrlHandlerExW(g_running.name.c_str(), control_handler, nullptr);
  if (!g_running.status) {
    std::fprintf(stderr, "motcua-agent: cannot register the service control handler (Windows error %lu)\n",
                 GetLastError());
    g_running.exit_code = 1;
    return;
  }
  g_running.host.emplace(report_to_manager);
  g_running.exit_code = g_running.host->run(*g_running.office);
}

}  // namespace

Result<int> run_under_service_manager(const std::string& name, const OfficeBody& office) {
  g_running.name = utf8_path(name).wstring();
  g_running.office = &office;
  SERVICE_TABLE_ENTRYW table[] = {{g_running.name.data(), service_main}, {nullptr, nullptr}};
  // Blocks until the service has stopped.
  if (!StartServiceCtrlDispatcherW(table)) {
    const DWORD code = GetLastError();
    if (code == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      return fail(Error::failed_precondition(
          "this command is started by the Windows Service Control Manager, not by hand",
          "to run the agent in this window instead, add --console; to start the service: sc start " + name));
    }
    return fail(win32_error("the service dispatcher could not start", code));
  }
  return g_running.exit_code;
}

Status set_service_recovery(const std::string& name) {
  ScHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (!manager.h) return fail(win32_error("cannot open the Service Control Manager", GetLastError()));
  ScHandle service(OpenServiceW(manager.h, utf8_path(name).wstring().c_str(), SERVICE_CHANGE_CONFIG | SERVICE_START));
  if (!service.h) return fail(win32_error("cannot open service " + name + " to set its recovery actions", GetLastError()));
  SC_ACTION actions[3] = {{SC_ACTION_RESTART, 60 * 1000}, {SC_ACTION_RESTART, 60 * 1000}, {SC_ACTION_RESTART, 5 * 60 * 1000}};
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = 24 * 60 * 60;  // seconds without a failure before the count starts over
  failure.cActions = 3;
  failure.lpsaActions = actions;
  if (!ChangeServiceConfig2W(service.h, SERVICE_CONFIG_FAILURE_ACTIONS, &failure)) {
    return fail(win32_error("cannot set the recovery actions of service " + name, GetLastError()));
  }
  // Also when the agent stops by itself with an error exit code, not only when it crashes.
  SERVICE_FAILURE_ACTIONS_FLAG flag{};
  flag.fFailureActionsOnNonCrashFailures = TRUE;
  if (!ChangeServiceConfig2W(service.h, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag)) {
    return fail(win32_error("cannot set the recovery flag of service " + name, GetLastError()));
  }
  return ok();
}

Status restrict_to_service_and_admins(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(utf8_path(dir), ec);
  if (ec) return fail(Error::io("cannot create " + dir + ": " + ec.message(), "check the disk and the path"));
  // Protected (P: nothing inherited from above), inherited by everything below (OICI): full control
  // for SYSTEM (the service's account) and the Administrators group, nobody else.
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", SDDL_REVISION_1,
                                                            &sd, nullptr)) {
    return fail(win32_error("cannot build the data directory's access list", GetLastError()));
  }
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted);
  std::wstring path = utf8_path(dir).wstring();
  const DWORD rc = SetNamedSecurityInfoW(path.data(), SE_FILE_OBJECT,
                                         DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
                                         nullptr, dacl, nullptr);
  LocalFree(sd);
  if (rc != ERROR_SUCCESS) return fail(win32_error("cannot limit " + dir + " to SYSTEM and Administrators", rc));
  return ok();
}

Status log_to_file(const std::string& data_dir) {
  namespace fs = std::filesystem;
  const fs::path logs = utf8_path(data_dir) / "logs";
  std::error_code ec;
  fs::create_directories(logs, ec);
  if (ec) return fail(Error::io("cannot create " + path_utf8(logs) + ": " + ec.message(), "check the disk"));
  const fs::path log = logs / "agent.log";
  constexpr uintmax_t kKeep = 10u * 1024 * 1024;
  if (fs::exists(log, ec) && fs::file_size(log, ec) > kKeep) {
    fs::rename(log, logs / "agent.log.1", ec);  // replaces the older one
  }
  // A service starts without standard handles, so stderr cannot simply be reopened: the file
  // becomes descriptor 2 (and the process's standard error handle), and the stream is pointed at it.
  const HANDLE file = CreateFileW(log.wstring().c_str(), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                  nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    return fail(Error::io("cannot open " + path_utf8(log) + " for the agent's log: " + windows_error(GetLastError()),
                          "check the disk and its permissions"));
  }
  const int fd = _open_osfhandle(reinterpret_cast<intptr_t>(file), _O_APPEND | _O_TEXT);
  if (fd < 0 || _dup2(fd, 2) != 0) {
    if (fd >= 0) _close(fd); else CloseHandle(file);
    return fail(Error::io("cannot send the agent's log to " + path_utf8(log), "check the disk and its permissions"));
  }
  _close(fd);
  SetStdHandle(STD_ERROR_HANDLE, reinterpret_cast<HANDLE>(_get_osfhandle(2)));
  // msvcrt leaves the stderr stream of a process started without standard handles on descriptor -2
  // (and freopen refuses such a stream): point it at descriptor 2, and clear the error it recorded.
  stderr->_file = 2;
  clearerr(stderr);
  std::setvbuf(stderr, nullptr, _IONBF, 0);  // every line on disk at once: a crash loses nothing
  return ok();
}

void return_free_memory() { HeapCompact(GetProcessHeap(), 0); }

}  // namespace motcua::agent
