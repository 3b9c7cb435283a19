#include "bench/fleet.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "agent/http_client.hpp"
#include "agent/sync.hpp"
#include "hub/enrollment.hpp"
#include "hub/hub_store.hpp"

extern char** environ;

namespace motcua::bench {

namespace {

std::string log_tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

bool exited(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

// Hubs still running: a benchmark that stops early (bench::die calls exit) must not leave one
// behind, so they are killed at exit.
std::mutex g_live_mutex;
std::vector<pid_t> g_live;

void kill_live_hubs() {
  std::lock_guard<std::mutex> lock(g_live_mutex);
  for (pid_t pid : g_live) {
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  g_live.clear();
}

void track(pid_t pid, bool alive) {
  static std::once_flag registered;
  std::call_once(registered, [] { std::atexit(kill_live_hubs); });
  std::lock_guard<std::mutex> lock(g_live_mutex);
  if (alive) {
    g_live.push_back(pid);
  } else {
    g_live.erase(std::remove(g_live.begin(), g_live.end(), pid), g_live.end());
  }
}

}  // namespace

Result<int> free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return fail(Error::io("socket() failed"));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  close(fd);
  if (!ok) return fail(Error::io("cannot bind a port on 127.0.0.1"));
  return static_cast<int>(ntohs(a.sin_port));
}

Result<std::unique_ptr<HubProcess>> HubProcess::start(const std::string& hub_exe, const std::string& data_dir,
                                                      int threads) {
  MOTCUA_ASSIGN_OR_RETURN(int port, free_loopback_port());
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  const std::string log = data_dir + "/serve.log";
  const std::string threads_text = std::to_string(threads);
  std::vector<std::string> args = {hub_exe, "serve", "--data", data_dir, "--listen", listen, "--threads", threads_text};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, hub_exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return fail(Error::io("cannot start " + hub_exe + ": " + std::strerror(rc)));
  track(pid, true);
  std::unique_ptr<HubProcess> hub(new HubProcess(pid, "http://" + listen));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (exited(pid)) {
      track(pid, false);
      hub->m_pid = -1;
      return fail(Error::unavailable("the hub exited at start: " + log_tail(log, 600)));
    }
    auto reply = agent::http_get(hub->url() + "/v1/health");
    if (reply && reply->status == 200) return hub;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return fail(Error::unavailable("the hub did not answer /v1/health within 20 s: " + log_tail(log, 600)));
}

HubProcess::~HubProcess() {
  if (m_pid <= 0) return;
  kill(m_pid, SIGTERM);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = exited(m_pid);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!gone) {
    kill(m_pid, SIGKILL);
    int status = 0;
    waitpid(m_pid, &status, 0);
  }
  track(m_pid, false);
}

HubProcess::Usage HubProcess::usage() const {
  Usage u;
  if (m_pid <= 0) return u;
  {
    std::ifstream in("/proc/" + std::to_string(m_pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces), counted from field 3 (state).
    const size_t close_paren = text.rfind(')');
    if (close_paren != std::string::npos) {
      std::istringstream fields(text.substr(close_paren + 2));
      std::vector<std::string> f;
      for (std::string s; fields >> s;) f.push_back(s);
      if (f.size() > 12) {  // utime is field 14, stime 15: indexes 11 and 12 here
        const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
        u.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      }
    }
  }
  std::ifstream status("/proc/" + std::to_string(m_pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    auto number = [&](const char* key) -> int64_t {
      return std::stoll(line.substr(std::strlen(key)));
    };
    if (line.rfind("VmRSS:", 0) == 0) u.rss_kib = number("VmRSS:");
    if (line.rfind("VmHWM:", 0) == 0) u.peak_rss_kib = number("VmHWM:");
    if (line.rfind("Threads:", 0) == 0) u.threads = static_cast<int>(number("Threads:"));
  }
  return u;
}

Result<std::vector<std::string>> enroll_offices(const std::string& hub_dir, const std::string& hub_url,
                                                const std::vector<std::string>& units, const std::string& base_dir,
                                                int workers, const Clock& clock) {
  std::vector<std::string> codes;
  {
    MOTCUA_ASSIGN_OR_RETURN(hub::HubStore store, hub::HubStore::open(hub_dir, clock));
    for (const auto& unit : units) {
      MOTCUA_ASSIGN_OR_RETURN(auto code, hub::create_enrollment_code(store.db(), unit, 72, clock.now()));
      codes.push_back(code.code);
    }
  }
  std::vector<std::string> dirs(units.size());
  for (size_t i = 0; i < units.size(); ++i) dirs[i] = base_dir + "/office-" + units[i];
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::optional<Error> first_error;
  auto work = [&] {
    for (size_t i = next++; i < units.size(); i = next++) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (first_error) return;
      }
      auto enrolled = agent::enroll({dirs[i], hub_url, codes[i], "", ""}, clock);
      std::optional<Error> problem;
      if (!enrolled) problem = enrolled.error();
      else if (enrolled->feed_error) problem = *enrolled->feed_error;
      if (problem) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!first_error) {
          first_error = *problem;
          first_error->message = "enrolling unit " + units[i] + ": " + first_error->message;
        }
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < std::max(1, workers); ++w) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  if (first_error) return fail(*first_error);
  return dirs;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  rank = std::clamp<size_t>(rank, 1, values.size());
  return values[rank - 1];
}

std::string machine_description() {
  std::ifstream in("/proc/cpuinfo");
  std::string model = "unknown CPU";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(colon + 2);
      break;
    }
  }
  return model + " (" + std::to_string(std::thread::hardware_concurrency()) + " cores)";
}

}  // namespace motcua::bench
