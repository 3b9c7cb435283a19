// Runs the real executables from tests (process_posix.cpp; process_win32.cpp has run_process and
// run_until_marker_then_sigkill for the Windows build). Each child gets its own
// environment additions, stdout/stderr captured through pipes.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace motcua::test {

struct ProcessResult {
  int exit_code = -1;     // -1 when killed by a signal
  int signal = 0;         // the signal that killed it, or 0
  std::string out;
  std::string err;
};

// "exit N signal S" plus what the child printed, for failure messages.
std::string describe(const ProcessResult& r);

// Runs `args[0]` with `args`, waits (at most `timeout_ms`, then SIGKILL) and returns what it printed.
ProcessResult run_process(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                          int timeout_ms = 60000);

// Runs `args` and waits until its stderr contains `marker` (e.g. "fault point X reached"), then
// kills it with SIGKILL and reaps it. Returns true if the marker was seen before the child exited
// or `timeout_ms` passed; `err` receives what stderr carried.
bool run_until_marker_then_sigkill(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                                   const std::string& marker, std::string& err, int timeout_ms = 30000);

// Path of the motcua-agent executable under test.
std::string agent_exe();

// A child left running in the background (a hub's `serve`), its stdout and stderr written to
// files. Killed with SIGKILL and reaped on destruction if still running.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    const std::string& output_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  int pid() const { return m_pid; }
  std::string output() const;           // what it printed so far (stdout and stderr)
  bool running();
  // Its exit code once running() or stop() saw it end; -1 while it runs or when a signal ended it.
  int exit_code() const { return m_exit_code; }
  // Sends `signal` and waits up to `timeout_ms` for the exit; returns the exit code (-1 if killed).
  int stop(int signal, int timeout_ms = 10000);

 private:
  int m_pid = -1;
  std::string m_output_path;
  bool m_reaped = false;
  int m_exit_code = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_loopback_port();

}  // namespace motcua::test
