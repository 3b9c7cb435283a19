#include "tests/support/flaky_link.hpp"

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace motcua::test {

namespace {

constexpr int kReadyTimeoutMs = 10000;
constexpr auto kPollInterval = std::chrono::milliseconds(5);
const std::string kListening = "listening on 127.0.0.1:";

// The port from a complete "listening on 127.0.0.1:PORT\n" line, or 0 while there is none.
int listening_port(const std::string& output) {
  const auto at = output.find(kListening);
  if (at == std::string::npos) return 0;
  const auto start = at + kListening.size();
  const auto end = output.find('\n', start);
  if (end == std::string::npos || end == start) return 0;
  return std::atoi(output.substr(start, end - start).c_str());
}

}  // namespace

std::string flaky_proxy_exe() { return MOTCUA_FLAKY_PROXY_EXE; }

FlakyLink::FlakyLink(int upstream_port, std::vector<std::string> fault_args) {
  std::vector<std::string> args{flaky_proxy_exe(), "--listen", "127.0.0.1:0", "--upstream",
                                "127.0.0.1:" + std::to_string(upstream_port)};
  args.insert(args.end(), fault_args.begin(), fault_args.end());
  m_process = std::make_unique<BackgroundProcess>(args, std::map<std::string, std::string>{}, m_dir.file("proxy.log"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    m_port = listening_port(m_process->output());
    if (m_port > 0) return;
    if (!m_process->running()) throw std::runtime_error("motcua-flaky-proxy exited: " + m_process->output());
    std::this_thread::sleep_for(kPollInterval);
  }
  throw std::runtime_error("motcua-flaky-proxy did not start listening: " + m_process->output());
}

FlakyLink::~FlakyLink() {
  if (m_process && m_process->running()) m_process->stop(SIGTERM, 5000);
}

bool FlakyLink::wait_for_output(const std::string& text, int timeout_ms) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (output().find(text) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace motcua::test
