// The Windows side of tests/support/process.hpp, for the agent's tests in the Windows build (run
// under Wine): run_process and run_until_marker_then_sigkill with CreateProcessW, the child's
// stdout and stderr read by one thread each, and TerminateProcess in the place of SIGKILL (the child
// runs no more code, as after a power cut). The hub and the proxies are Linux-only, so
// BackgroundProcess and free_loopback_port have no Windows side.
#include "tests/support/process.hpp"

#include <windows.h>

#include <chrono>
#include <cwchar>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace motcua::test {

namespace {

std::wstring widen(const std::string& s) {
  if (s.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), out.data(), n);
  return out;
}

// An absolute POSIX path (the build tree's, as CMake names it) as Wine's drive Z: sees it.
std::wstring program_path(const std::string& path) {
  std::wstring w = widen(path);
  if (!w.empty() && w[0] == L'/') {
    for (auto& c : w) {
      if (c == L'/') c = L'\\';
    }
    w = L"Z:" + w;
  }
  return w;
}

// One argument quoted as the C runtime's command-line parser reads it back.
void append_quoted(std::wstring& line, const std::wstring& arg) {
  if (!line.empty()) line += L' ';
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += arg;
    return;
  }
  line += L'"';
  size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"') line.append(backslashes * 2 + 1, L'\\');
    else line.append(backslashes, L'\\');
    backslashes = 0;
    line += c;
  }
  line.append(backslashes * 2, L'\\');
  line += L'"';
}

// This process's environment with `env` set on top (names compare without case, as Windows does).
std::wstring environment_block(const std::map<std::string, std::string>& env) {
  std::vector<std::wstring> entries;
  if (wchar_t* current = GetEnvironmentStringsW()) {
    for (const wchar_t* p = current; *p; p += wcslen(p) + 1) entries.emplace_back(p);
    FreeEnvironmentStringsW(current);
  }
  for (const auto& [key, value] : env) {
    const std::wstring name = widen(key);
    for (auto it = entries.begin(); it != entries.end();) {
      const bool same = it->size() > name.size() && (*it)[name.size()] == L'=' &&
                        _wcsnicmp(it->c_str(), name.c_str(), name.size()) == 0;
      it = same ? entries.erase(it) : it + 1;
    }
    entries.push_back(name + L"=" + widen(value));
  }
  std::wstring block;
  for (const auto& e : entries) block += e + L'\0';
  block += L'\0';
  return block;
}

// A running child whose stdout and stderr are collected by two reader threads.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    HANDLE out_read = nullptr, out_write = nullptr, err_read = nullptr, err_write = nullptr;
    if (!CreatePipe(&out_read, &out_write, &inherit, 0) || !CreatePipe(&err_read, &err_write, &inherit, 0)) {
      throw std::runtime_error("CreatePipe failed");
    }
    SetHandleInformation(out_read, HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(err_read, HANDLE_FLAG_INHERIT, 0);
    HANDLE nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, OPEN_EXISTING, 0, nullptr);

    std::wstring line;
    append_quoted(line, program_path(args.at(0)));
    for (size_t i = 1; i < args.size(); ++i) append_quoted(line, widen(args[i]));
    std::wstring block = environment_block(env);
    const std::wstring program = program_path(args[0]);

    STARTUPINFOW si{};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = nul;
    si.hStdOutput = out_write;
    si.hStdError = err_write;
    PROCESS_INFORMATION pi{};
    const BOOL created = CreateProcessW(program.c_str(), line.data(), nullptr, nullptr, TRUE,
                                        CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW, block.data(), nullptr, &si, &pi);
    const DWORD error = GetLastError();
    CloseHandle(out_write);
    CloseHandle(err_write);
    if (nul != INVALID_HANDLE_VALUE) CloseHandle(nul);
    if (!created) {
      CloseHandle(out_read);
      CloseHandle(err_read);
      throw std::runtime_error("CreateProcessW failed for " + args[0] + " (Windows error " + std::to_string(error) + ")");
    }
    CloseHandle(pi.hThread);
    m_process = pi.hProcess;
    m_out_reader = std::thread([this, out_read] { drain(out_read, m_out); });
    m_err_reader = std::thread([this, err_read] { drain(err_read, m_err); });
  }

  ~Child() {
    if (!m_finished) {
      TerminateProcess(m_process, 137);
      finish();
    }
    CloseHandle(m_process);
  }

  // Waits at most `ms` for the exit; true once it has exited.
  bool wait(DWORD ms) { return WaitForSingleObject(m_process, ms) == WAIT_OBJECT_0; }

  // The SIGKILL of this platform: the child stops where it is.
  void terminate() {
    TerminateProcess(m_process, 137);
    m_terminated = true;
  }

  // Waits for the exit and for both pipes to close; fills `r`.
  void finish(ProcessResult* r = nullptr) {
    WaitForSingleObject(m_process, INFINITE);
    if (m_out_reader.joinable()) m_out_reader.join();
    if (m_err_reader.joinable()) m_err_reader.join();
    m_finished = true;
    if (!r) return;
    DWORD code = 0;
    GetExitCodeProcess(m_process, &code);
    r->out = m_out;
    r->err = m_err;
    if (m_terminated) {
      r->signal = SIGKILL_EQUIVALENT;
      r->exit_code = -1;
    } else {
      r->exit_code = static_cast<int>(code);
    }
  }

  std::string err_so_far() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_err;
  }

  static constexpr int SIGKILL_EQUIVALENT = 9;

 private:
  void drain(HANDLE pipe, std::string& into) {
    char buf[4096];
    DWORD got = 0;
    while (ReadFile(pipe, buf, sizeof buf, &got, nullptr) && got > 0) {
      std::lock_guard<std::mutex> lock(m_mutex);
      into.append(buf, got);
    }
    CloseHandle(pipe);
  }

  HANDLE m_process = nullptr;
  std::thread m_out_reader;
  std::thread m_err_reader;
  std::mutex m_mutex;
  std::string m_out;
  std::string m_err;
  bool m_terminated = false;
  bool m_finished = false;
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                          int timeout_ms) {
  ProcessResult r;
  Child child(args, env);
  if (!child.wait(static_cast<DWORD>(timeout_ms))) child.terminate();
  child.finish(&r);
  return r;
}

bool run_until_marker_then_sigkill(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                                   const std::string& marker, std::string& err, int timeout_ms) {
  Child child(args, env);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool seen = false;
  bool exited = false;
  while (!seen && !exited && std::chrono::steady_clock::now() < deadline) {
    exited = child.wait(50);
    seen = child.err_so_far().find(marker) != std::string::npos;
  }
  if (!exited) child.terminate();
  ProcessResult r;
  child.finish(&r);
  err = r.err;
  seen = seen || err.find(marker) != std::string::npos;
  return seen && !exited;
}

}  // namespace motcua::test
