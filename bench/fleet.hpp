// What the fleet benchmarks (motcua-bench-intake, motcua-bench-fanout) share: the real
// `motcua-hub serve` executable as a child process whose CPU time and memory are read from /proc,
// a fleet of offices enrolled with it through the agent library over loopback HTTP, and
// percentiles. Linux only (the hub is).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"

namespace motcua::bench {

// A running `motcua-hub serve --data DIR --listen 127.0.0.1:<free port> --threads T`; its output
// goes to DIR/serve.log. Destroying it sends SIGTERM and waits up to 10 s, then SIGKILL.
class HubProcess {
 public:
  // Starts the executable `hub_exe` and waits (at most 20 s) until GET /v1/health answers 200.
  // kUnavailable with the log's last lines when it exits or never answers.
  static Result<std::unique_ptr<HubProcess>> start(const std::string& hub_exe, const std::string& data_dir,
                                                   int threads);
  ~HubProcess();
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  const std::string& url() const { return m_url; }
  pid_t pid() const { return m_pid; }

  struct Usage {
    double cpu_seconds = 0;  // user + system since the start
    int64_t rss_kib = 0;     // resident now (VmRSS)
    int64_t peak_rss_kib = 0;  // the most it has been resident (VmHWM)
    int threads = 0;
  };
  // Read from /proc/PID; zeros when the process is gone.
  Usage usage() const;

 private:
  HubProcess(pid_t pid, std::string url) : m_pid(pid), m_url(std::move(url)) {}
  pid_t m_pid;
  std::string m_url;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
Result<int> free_loopback_port();

// Creates one enrollment code per unit in the hub's database (it may be serving: CLI writers share
// it), then enrolls an office for each unit with agent::enroll, from `workers` threads, into
// BASE/office-<unit> (created empty). Each enrollment ends with the office's first feed pull.
// Returns the office directories in the order of `units`; the first failure stops and is returned.
Result<std::vector<std::string>> enroll_offices(const std::string& hub_dir, const std::string& hub_url,
                                                const std::vector<std::string>& units, const std::string& base_dir,
                                                int workers, const Clock& clock);

// The p-th percentile (0-100, nearest rank) of `values`; 0 for none.
double percentile(std::vector<double> values, double p);

// "Intel Xeon ... (2 cores)", from /proc/cpuinfo.
std::string machine_description();

}  // namespace motcua::bench
