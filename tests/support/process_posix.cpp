#include "tests/support/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace motcua::test {

namespace {

struct Child {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
};

Child spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]); close(out_pipe[1]); close(err_pipe[0]); close(err_pipe[1]);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  return Child{pid, out_pipe[0], err_pipe[0]};
}

// Reads what is available; returns false once both pipes are closed.
bool pump(Child& c, std::string& out, std::string& err, int wait_ms) {
  pollfd fds[2];
  int n = 0;
  if (c.out_fd >= 0) fds[n++] = {c.out_fd, POLLIN, 0};
  if (c.err_fd >= 0) fds[n++] = {c.err_fd, POLLIN, 0};
  if (n == 0) return false;
  poll(fds, static_cast<nfds_t>(n), wait_ms);
  char buf[4096];
  for (int i = 0; i < n; ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t r = read(fds[i].fd, buf, sizeof buf);
    std::string& dst = fds[i].fd == c.out_fd ? out : err;
    if (r > 0) {
      dst.append(buf, static_cast<size_t>(r));
    } else if (r == 0) {
      close(fds[i].fd);
      (fds[i].fd == c.out_fd ? c.out_fd : c.err_fd) = -1;
    }
  }
  return c.out_fd >= 0 || c.err_fd >= 0;
}

void close_fds(Child& c) {
  if (c.out_fd >= 0) close(c.out_fd);
  if (c.err_fd >= 0) close(c.err_fd);
  c.out_fd = c.err_fd = -1;
}

void reap(pid_t pid, ProcessResult& r) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                          int timeout_ms) {
  ProcessResult r;
  Child c = spawn(args, env);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (pump(c, r.out, r.err, 100)) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(c.pid, SIGKILL);
      break;
    }
  }
  close_fds(c);
  reap(c.pid, r);
  return r;
}

bool run_until_marker_then_sigkill(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                                   const std::string& marker, std::string& err, int timeout_ms) {
  std::string out;
  Child c = spawn(args, env);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool seen = false;
  while (!seen && pump(c, out, err, 50)) {
    seen = err.find(marker) != std::string::npos;
    if (std::chrono::steady_clock::now() > deadline) break;
  }
  seen = seen || err.find(marker) != std::string::npos;
  kill(c.pid, SIGKILL);
  close_fds(c);
  ProcessResult r;
  reap(c.pid, r);
  return seen && r.signal == SIGKILL;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env, const std::string& output_path)
    : m_output_path(output_path) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  m_pid = pid;
}

BackgroundProcess::~BackgroundProcess() {
  if (!m_reaped && m_pid > 0) {
    kill(m_pid, SIGKILL);
    waitpid(m_pid, nullptr, 0);
  }
}

std::string BackgroundProcess::output() const {
  std::ifstream in(m_output_path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool BackgroundProcess::running() {
  if (m_reaped) return false;
  int status = 0;
  if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
    m_reaped = true;
    m_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return false;
  }
  return true;
}

int BackgroundProcess::stop(int signal, int timeout_ms) {
  if (m_reaped) return -1;
  kill(m_pid, signal);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (waitpid(m_pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(m_pid, SIGKILL);
      waitpid(m_pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  m_reaped = true;
  m_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return m_exit_code;
}

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace motcua::test
