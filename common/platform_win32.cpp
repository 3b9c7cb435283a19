// The Windows side of common/platform.hpp and common/stop_signal.hpp.
#include <windows.h>
// After windows.h, which they need.
#include <aclapi.h>
#include <sddl.h>
#include <shellapi.h>

#include <csignal>
#include <cstdlib>
#include <memory>

#include "common/platform.hpp"
#include "common/stop_signal.hpp"

namespace motcua {

namespace {

std::wstring widen(const std::string& utf8) {
  if (utf8.empty()) return std::wstring();
  const int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring wide(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), wide.data(), n);
  return wide;
}

std::string narrow(const wchar_t* wide) {
  const int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, nullptr, 0, nullptr, nullptr);
  if (n <= 1) return std::string();
  std::string utf8(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide, -1, utf8.data(), n, nullptr, nullptr);
  utf8.resize(static_cast<size_t>(n - 1));  // without the terminating NUL
  return utf8;
}

std::string last_error_text(DWORD code) {
  wchar_t* text = nullptr;
  const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                 nullptr, code, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string message = n > 0 ? narrow(text) : "Windows error " + std::to_string(code);
  if (text) LocalFree(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == '.')) {
    message.pop_back();
  }
  return message;
}

// The console control events arrive on a thread the system creates; they are handed to the thread in
// wait_for_stop_signal() through a manual-reset event, the way sigwait() receives SIGINT/SIGTERM.
HANDLE g_stop_event = nullptr;
volatile LONG g_stop_number = 0;

BOOL WINAPI on_console_event(DWORD type) {
  // Ctrl-C is the terminal's interrupt (SIGINT); closing the console, logging off and shutting down
  // are requests to terminate (SIGTERM).
  const LONG number = type == CTRL_C_EVENT ? SIGINT : SIGTERM;
  InterlockedCompareExchange(&g_stop_number, number, 0);
  if (g_stop_event) SetEvent(g_stop_event);
  if (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT) {
    // Windows ends the process as soon as this handler returns for these events (and after about 5
    // seconds regardless): give the clean stop that time; the process exits before the wait ends
    // when the stop is quicker.
    Sleep(4500);
  }
  return TRUE;
}

}  // namespace

void block_stop_signals() {
  if (g_stop_event == nullptr) g_stop_event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  SetConsoleCtrlHandler(on_console_event, TRUE);
}

int wait_for_stop_signal() {
  if (g_stop_event == nullptr) block_stop_signals();
  WaitForSingleObject(g_stop_event, INFINITE);
  return static_cast<int>(g_stop_number);
}

Status restrict_to_owner(const std::string& path) {
  // The access list: full control for the current user, SYSTEM and the Administrators group; "P"
  // (protected) stops the directory's inherited entries (Users: read) from applying.
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    return fail(Error::io("cannot read this account's identity to protect " + path + ": " + last_error_text(GetLastError())));
  }
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::unique_ptr<BYTE[]> buffer(new BYTE[size]);
  const bool have_user = GetTokenInformation(token, TokenUser, buffer.get(), size, &size) != 0;
  CloseHandle(token);
  if (!have_user) {
    return fail(Error::io("cannot read this account's identity to protect " + path + ": " + last_error_text(GetLastError())));
  }
  wchar_t* user_sid = nullptr;
  if (!ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buffer.get())->User.Sid, &user_sid)) {
    return fail(Error::io("cannot read this account's identity to protect " + path + ": " + last_error_text(GetLastError())));
  }
  const std::wstring sddl = std::wstring(L"D:P(A;;FA;;;") + user_sid + L")(A;;FA;;;SY)(A;;FA;;;BA)";
  LocalFree(user_sid);
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &descriptor, nullptr)) {
    return fail(Error::internal("cannot build the access list for " + path + ": " + last_error_text(GetLastError())));
  }
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted);
  std::wstring wide_path = widen(path);
  const DWORD rc = SetNamedSecurityInfoW(wide_path.data(), SE_FILE_OBJECT,
                                         DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                         nullptr, nullptr, dacl, nullptr);
  LocalFree(descriptor);
  if (rc != ERROR_SUCCESS) {
    return fail(Error::io("cannot restrict " + path + " to this account: " + last_error_text(rc),
                          "check that this account owns the data directory (or run as an administrator)"));
  }
  return ok();
}

std::optional<std::string> environment_variable(const char* name) {
  const std::wstring wide_name = widen(name);
  const wchar_t* value = _wgetenv(wide_name.c_str());
  if (value == nullptr || *value == L'\0') return std::nullopt;
  return narrow(value);
}

std::vector<std::string> utf8_arguments(int argc, char** argv) {
  int count = 0;
  wchar_t** wide = CommandLineToArgvW(GetCommandLineW(), &count);
  if (wide == nullptr) return std::vector<std::string>(argv, argv + argc);  // keep what the C runtime parsed
  std::vector<std::string> args;
  args.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) args.push_back(narrow(wide[i]));
  LocalFree(wide);
  return args;
}

void use_utf8_console() {
  // Only matters when stdout/stderr are a console; pipes and files receive the bytes unchanged.
  SetConsoleOutputCP(CP_UTF8);
}

}  // namespace motcua
