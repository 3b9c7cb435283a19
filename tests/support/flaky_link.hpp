// A bad commune link between a test and a server on loopback: starts motcua-flaky-proxy
// (tests/tools/flaky_proxy.cpp) as a real background process in front of `upstream_port`, with the
// faults given as its command-line options, e.g. {"--latency-ms", "300", "--bandwidth", "4000"}.
// The constructor returns once the proxy listens (bounded polling of its output, no fixed sleep)
// and throws if it does not; the destructor stops it (SIGTERM, then SIGKILL).
//
// A test executable that uses it needs `add_dependencies(<tests> motcua-flaky-proxy)` so the proxy
// is built first. POSIX only, like tests/support/process.hpp.
#pragma once

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace motcua::test {

// Path of the motcua-flaky-proxy executable (MOTCUA_FLAKY_PROXY_EXE at build time).
std::string flaky_proxy_exe();

class FlakyLink {
 public:
  FlakyLink(int upstream_port, std::vector<std::string> fault_args);
  ~FlakyLink();
  FlakyLink(const FlakyLink&) = delete;
  FlakyLink& operator=(const FlakyLink&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  int port() const { return m_port; }
  int pid() const { return m_process->pid(); }

  // Everything the proxy printed so far: the listening line, its seed and settings, and one line
  // per connection that ended ("connection N: ... fault: cut-after; ...").
  std::string output() const { return m_process->output(); }
  // Waits (bounded polling) until the output contains `text`; false after `timeout_ms`.
  bool wait_for_output(const std::string& text, int timeout_ms = 5000) const;
  bool running() { return m_process->running(); }
  // Sends `signal` and waits for the exit; returns the exit code (-1 if it was killed or had already exited).
  int stop(int signal = SIGTERM, int timeout_ms = 5000) { return m_process->stop(signal, timeout_ms); }

 private:
  TempDir m_dir;
  std::unique_ptr<BackgroundProcess> m_process;
  int m_port = 0;
};

}  // namespace motcua::test
