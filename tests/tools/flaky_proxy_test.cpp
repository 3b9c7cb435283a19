// motcua-flaky-proxy, run as a real process (through FlakyLink) in front of a small echo or sink
// server on loopback. Timings assert lower bounds only, except where a fault must happen just once.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/flaky_link.hpp"
#include "tests/support/process.hpp"

using namespace motcua::test;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kIoTimeoutMs = 10000;

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// A closed file descriptor on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd(other.fd) { other.fd = -1; }
};

Fd connect_to(int port) {
  Fd s(::socket(AF_INET, SOCK_STREAM, 0));
  REQUIRE(s.fd >= 0);
  const int yes = 1;
  ::setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return s;
}

// Sends everything (blocking); false once the peer is gone.
bool send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

struct Received {
  std::string data;
  bool eof = false;  // the peer closed with a FIN
  int error = 0;     // errno of the read that failed (ECONNRESET...), ETIMEDOUT when nothing came in time
};

// Reads until `limit` bytes arrived, the peer closed, an error, or `timeout_ms` without progress.
Received read_until(int fd, size_t limit = SIZE_MAX, int timeout_ms = kIoTimeoutMs) {
  Received r;
  char buf[16384];
  while (r.data.size() < limit) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) {
      r.error = ETIMEDOUT;
      return r;
    }
    const ssize_t n = ::recv(fd, buf, std::min(sizeof buf, limit - r.data.size()), 0);
    if (n > 0) {
      r.data.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      r.eof = true;
      return r;
    } else if (errno != EINTR) {
      r.error = errno;
      return r;
    }
  }
  return r;
}

// A loopback server for the proxy to forward to: `echo` sends back what it receives and passes the
// client's FIN on; `sink` keeps what it receives. Every connection's outcome is recorded.
class LoopbackServer {
 public:
  enum class Mode { echo, sink };
  struct Connection {
    Received received;
    Clock::time_point ended;
  };

  explicit LoopbackServer(Mode mode) : m_mode(mode) {
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(m_listen >= 0);
    const int yes = 1;
    ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(m_listen, 128) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }

  ~LoopbackServer() {
    m_stop = true;
    m_thread.join();
    for (auto& t : m_handlers) t.join();
    ::close(m_listen);
  }

  int port() const { return m_port; }
  int accepted() const { return m_accepted; }

  // The `index`-th connection to end (in order of ending), waiting at most `timeout_ms`.
  Connection wait_for_ended(size_t index, int timeout_ms = kIoTimeoutMs) {
    std::unique_lock<std::mutex> lock(m_mutex);
    const bool ended =
        m_cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return m_ended.size() > index; });
    REQUIRE(ended);
    return m_ended[index];
  }

 private:
  void serve() {
    while (!m_stop) {
      pollfd p{m_listen, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;  // wakes every 20 ms to notice m_stop
      const int fd = ::accept(m_listen, nullptr, nullptr);
      if (fd < 0) continue;
      ++m_accepted;
      m_handlers.emplace_back([this, fd] { handle(fd); });
    }
  }

  void handle(int fd) {
    Connection c;
    char buf[16384];
    while (!m_stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.received.data.append(buf, static_cast<size_t>(n));
        if (m_mode == Mode::echo && !send_all(fd, std::string(buf, static_cast<size_t>(n)))) {
          c.received.error = errno;
          break;
        }
      } else if (n == 0) {
        c.received.eof = true;
        if (m_mode == Mode::echo) ::shutdown(fd, SHUT_WR);
        break;
      } else if (errno != EINTR) {
        c.received.error = errno;
        break;
      }
    }
    c.ended = Clock::now();
    ::close(fd);
    std::lock_guard<std::mutex> lock(m_mutex);
    m_ended.push_back(std::move(c));
    m_cv.notify_all();
  }

  Mode m_mode;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_accepted{0};
  std::thread m_thread;
  std::vector<std::thread> m_handlers;  // only touched by the accept thread until it is joined
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::vector<Connection> m_ended;
};

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// CPU time (user + system) a process has used, in clock ticks, from /proc.
long long cpu_ticks(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close_paren = stat.rfind(')');
  REQUIRE(close_paren != std::string::npos);
  std::istringstream fields(stat.substr(close_paren + 2));
  std::string field;
  long long utime = 0, stime = 0;
  // After "(comm) ": state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  return utime + stime;
}

}  // namespace

TEST_CASE("flaky proxy: with no fault, bytes pass through unchanged both ways and a half-close is passed on",
          "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  FlakyLink link(echo.port(), {});
  const std::string payload = random_bytes(300 * 1024, 1);
  Fd client = connect_to(link.port());
  std::thread sender([&] {
    send_all(client.fd, payload);
    ::shutdown(client.fd, SHUT_WR);
  });
  const Received back = read_until(client.fd);
  sender.join();
  INFO(link.output());
  CHECK(back.eof);
  CHECK(back.error == 0);
  CHECK(back.data.size() == payload.size());
  CHECK(back.data == payload);
  const auto upstream = echo.wait_for_ended(0);
  CHECK(upstream.received.data == payload);
  CHECK(upstream.received.eof);
  REQUIRE(link.wait_for_output("connection 1: client->upstream 307200 bytes, upstream->client 307200 bytes"));
  CHECK(link.output().find("fault: none") != std::string::npos);
}

TEST_CASE("flaky proxy: when it stops it prints the bytes forwarded over all connections, open ones included",
          "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  FlakyLink link(echo.port(), {});
  {
    Fd first = connect_to(link.port());
    REQUIRE(send_all(first.fd, random_bytes(1000, 7)));
    ::shutdown(first.fd, SHUT_WR);
    REQUIRE(read_until(first.fd).data.size() == 1000);
  }
  REQUIRE(link.wait_for_output("connection 1: client->upstream 1000 bytes, upstream->client 1000 bytes"));
  Fd open = connect_to(link.port());
  REQUIRE(send_all(open.fd, "ping"));
  REQUIRE(read_until(open.fd, 4).data == "ping");
  CHECK(link.stop(SIGTERM, 5000) == 0);
  INFO(link.output());
  CHECK(link.output().find("after 2 connections; in all client->upstream 1004 bytes, upstream->client 1004 bytes\n") !=
        std::string::npos);
}

TEST_CASE("flaky proxy: many connections are forwarded at the same time", "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  FlakyLink link(echo.port(), {"--latency-ms", "20"});
  constexpr int kConnections = 40;
  std::vector<Fd> clients;
  std::vector<std::string> payloads;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(connect_to(link.port()));
    payloads.push_back(random_bytes(8192, static_cast<unsigned>(100 + i)));
  }
  // All are open before any is read: each is sent its bytes and half-closed, then read back.
  for (int i = 0; i < kConnections; ++i) {
    REQUIRE(send_all(clients[i].fd, payloads[i]));
    ::shutdown(clients[i].fd, SHUT_WR);
  }
  for (int i = 0; i < kConnections; ++i) {
    const Received back = read_until(clients[i].fd);
    INFO("connection " << i << "\n" << link.output());
    CHECK(back.eof);
    CHECK(back.data == payloads[i]);
  }
  CHECK(echo.accepted() == kConnections);
}

TEST_CASE("flaky proxy: --latency-ms delays data in each direction", "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  FlakyLink link(echo.port(), {"--latency-ms", "150"});
  Fd client = connect_to(link.port());
  for (int round = 0; round < 2; ++round) {
    const auto start = Clock::now();
    REQUIRE(send_all(client.fd, "ping"));
    const Received back = read_until(client.fd, 4);
    const auto elapsed = ms_since(start);
    INFO("round " << round << ": " << elapsed << " ms\n" << link.output());
    REQUIRE(back.data == "ping");
    CHECK(elapsed >= 300);  // 150 ms up and 150 ms down
  }
}

TEST_CASE("flaky proxy: --bandwidth caps the rate of each direction", "[flaky]") {
  LoopbackServer sink(LoopbackServer::Mode::sink);
  FlakyLink link(sink.port(), {"--bandwidth", "32768"});
  const std::string payload = random_bytes(64 * 1024, 2);
  Fd client = connect_to(link.port());
  const auto start = Clock::now();
  REQUIRE(send_all(client.fd, payload));
  ::shutdown(client.fd, SHUT_WR);
  const auto upstream = sink.wait_for_ended(0);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(upstream.ended - start).count();
  INFO(elapsed << " ms\n" << link.output());
  CHECK(upstream.received.data == payload);
  CHECK(upstream.received.eof);
  CHECK(elapsed >= 1800);  // 64 KiB at 32 KiB/s: 2 s, less the first paced chunk
}

TEST_CASE("flaky proxy: --cut-after closes both sides plainly once that many bytes passed", "[flaky]") {
  LoopbackServer sink(LoopbackServer::Mode::sink);
  FlakyLink link(sink.port(), {"--cut-after", "10000"});
  const std::string payload = random_bytes(100 * 1024, 3);
  Fd client = connect_to(link.port());
  send_all(client.fd, payload);  // may fail part way once the proxy has closed
  const Received at_client = read_until(client.fd);
  const auto upstream = sink.wait_for_ended(0);
  INFO(link.output());
  CHECK(at_client.eof);
  CHECK(at_client.error == 0);
  CHECK(at_client.data.empty());
  CHECK(upstream.received.eof);
  CHECK(upstream.received.error == 0);
  REQUIRE(upstream.received.data.size() <= 10000);
  CHECK(upstream.received.data.size() == 10000);
  CHECK(upstream.received.data == payload.substr(0, upstream.received.data.size()));
  ::close(std::exchange(client.fd, -1));
  CHECK(link.wait_for_output("fault: cut-after; cut both sides after 10000 bytes"));
}

TEST_CASE("flaky proxy: --cut-after counts the bytes of both directions", "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  FlakyLink link(echo.port(), {"--cut-after", "4000"});
  const std::string payload = random_bytes(3000, 4);
  Fd client = connect_to(link.port());
  REQUIRE(send_all(client.fd, payload));
  const Received back = read_until(client.fd);
  INFO(link.output());
  // 3000 bytes up and their echo down make 6000: the link is cut at 4000, so at most 2000 come back.
  CHECK(back.eof);
  CHECK(back.error == 0);
  CHECK(back.data.size() <= 2000);
  CHECK(back.data == payload.substr(0, back.data.size()));
  ::close(std::exchange(client.fd, -1));
  CHECK(link.wait_for_output("fault: cut-after; cut both sides after 4000 bytes"));
}

TEST_CASE("flaky proxy: --reset-after resets the connection (ECONNRESET)", "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  FlakyLink link(echo.port(), {"--reset-after", "1000"});
  const std::string payload = random_bytes(5000, 5);
  Fd client = connect_to(link.port());
  send_all(client.fd, payload);
  const Received back = read_until(client.fd);
  INFO(link.output());
  CHECK_FALSE(back.eof);
  CHECK(back.error == ECONNRESET);
  CHECK(back.data.size() <= 1000);
  CHECK(link.wait_for_output("fault: reset-after"));
}

TEST_CASE("flaky proxy: --stall-after stops forwarding for --stall-ms, once", "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  FlakyLink link(echo.port(), {"--stall-after", "1000", "--stall-ms", "800"});
  Fd client = connect_to(link.port());
  const std::string payload = random_bytes(2000, 6);

  auto start = Clock::now();
  REQUIRE(send_all(client.fd, payload));
  Received back = read_until(client.fd, payload.size());
  const auto first = ms_since(start);
  REQUIRE(back.data == payload);

  start = Clock::now();
  REQUIRE(send_all(client.fd, payload));
  back = read_until(client.fd, payload.size());
  const auto second = ms_since(start);
  REQUIRE(back.data == payload);

  INFO("first exchange " << first << " ms, second " << second << " ms\n" << link.output());
  CHECK(first >= 800);
  CHECK(second < 800);  // the stall happens once per connection
  ::close(std::exchange(client.fd, -1));  // closing ends the connection, whose line names the fault
  CHECK(link.wait_for_output("fault: stall;"));
}

TEST_CASE("flaky proxy: --drop-fraction 1.0 closes every connection right after accepting it", "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  FlakyLink link(echo.port(), {"--drop-fraction", "1.0"});
  for (int i = 0; i < 5; ++i) {
    Fd client = connect_to(link.port());
    send_all(client.fd, "hello");
    const Received back = read_until(client.fd);
    INFO("connection " << i << "\n" << link.output());
    CHECK(back.data.empty());
    CHECK((back.eof || back.error == ECONNRESET));
  }
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (count_of(link.output(), "fault: drop") < 5 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(count_of(link.output(), "fault: drop") == 5);
  CHECK(echo.accepted() == 0);
}

TEST_CASE("flaky proxy: the same --seed drops the same connections", "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  auto pattern = [&](const std::string& seed) {
    FlakyLink link(echo.port(), {"--drop-fraction", "0.5", "--seed", seed});
    std::string kept;
    for (int i = 0; i < 16; ++i) {
      Fd client = connect_to(link.port());
      send_all(client.fd, "x");
      const Received back = read_until(client.fd, 1);
      kept += back.data == "x" ? 'k' : 'd';
    }
    CHECK(link.output().find("seed " + seed) != std::string::npos);
    return kept;
  };
  const std::string first = pattern("20260213");
  const std::string again = pattern("20260213");
  INFO(first << " / " << again);
  CHECK(first == again);
  CHECK(first.find('k') != std::string::npos);
  CHECK(first.find('d') != std::string::npos);
}

TEST_CASE("flaky proxy: without a seed it prints the one it chose, and an unreachable upstream closes the client",
          "[flaky]") {
  FlakyLink link(free_loopback_port(), {});
  CHECK(link.output().find("seed ") != std::string::npos);
  Fd client = connect_to(link.port());
  const Received back = read_until(client.fd);
  INFO(link.output());
  CHECK(back.data.empty());
  CHECK((back.eof || back.error == ECONNRESET));
  ::close(std::exchange(client.fd, -1));
  CHECK(link.wait_for_output("unreachable"));
}

TEST_CASE("flaky proxy: addresses other than loopback are refused with exit 2", "[flaky]") {
  const std::string upstream = "127.0.0.1:" + std::to_string(free_loopback_port());
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"0.0.0.0:0", upstream},          {"192.168.1.10:0", upstream},   {"localhost:0", upstream},
      {"127.0.0.1:0", "10.0.0.1:8080"}, {"127.0.0.1:0", "8.8.8.8:53"}, {"127.0.0.1:0", "[::1]:80"},
  };
  for (const auto& [listen, up] : refused) {
    const auto r = run_process({flaky_proxy_exe(), "--listen", listen, "--upstream", up}, {}, 10000);
    INFO("--listen " << listen << " --upstream " << up << "\n" << describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("loopback") != std::string::npos);
    CHECK(r.out.find("listening on") == std::string::npos);
  }
  const std::vector<std::vector<std::string>> bad_options = {
      {"--drop-fraction", "1.5"}, {"--stall-after", "100"}, {"--latency-ms", "-1"}, {"--bandwidth", "0"}, {}};
  for (const auto& options : bad_options) {
    std::vector<std::string> args{flaky_proxy_exe(), "--listen", "127.0.0.1:0"};
    if (!options.empty()) args.insert(args.end(), {"--upstream", upstream});  // the last lacks --upstream
    args.insert(args.end(), options.begin(), options.end());
    const auto r = run_process(args, {}, 10000);
    INFO(describe(r));
    CHECK(r.exit_code == 2);
  }
}

TEST_CASE("flaky proxy: --max-connections keeps further connections waiting until one ends", "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  FlakyLink link(echo.port(), {"--max-connections", "1"});
  Fd first = connect_to(link.port());
  REQUIRE(send_all(first.fd, "one"));
  REQUIRE(read_until(first.fd, 3).data == "one");
  Fd second = connect_to(link.port());  // the kernel completes it; the proxy does not take it yet
  REQUIRE(send_all(second.fd, "two"));
  const Received waiting = read_until(second.fd, 3, 300);
  CHECK(waiting.error == ETIMEDOUT);
  CHECK(waiting.data.empty());
  ::close(std::exchange(first.fd, -1));
  const Received served = read_until(second.fd, 3);
  INFO(link.output());
  CHECK(served.data == "two");
  CHECK(echo.accepted() == 2);
}

TEST_CASE("flaky proxy: --max-seconds makes it exit 0 by itself", "[flaky]") {
  const auto start = Clock::now();
  const auto r = run_process({flaky_proxy_exe(), "--listen", "127.0.0.1:0", "--upstream",
                              "127.0.0.1:" + std::to_string(free_loopback_port()), "--max-seconds", "1"},
                             {}, 10000);
  const auto elapsed = ms_since(start);
  INFO(elapsed << " ms\n" << describe(r));
  CHECK(r.exit_code == 0);
  CHECK(r.signal == 0);
  CHECK(elapsed >= 900);
  CHECK(r.out.rfind("listening on 127.0.0.1:", 0) == 0);
  CHECK(count_of(r.out, "\n") == 1);
}

TEST_CASE("flaky proxy: SIGTERM and SIGINT stop it cleanly, open connections included", "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  for (const int signal : {SIGTERM, SIGINT}) {
    FlakyLink link(echo.port(), {"--latency-ms", "50"});
    Fd client = connect_to(link.port());
    REQUIRE(send_all(client.fd, "ping"));
    REQUIRE(read_until(client.fd, 4).data == "ping");
    const auto start = Clock::now();
    const int code = link.stop(signal, 5000);
    INFO("signal " << signal << ", " << ms_since(start) << " ms\n" << link.output());
    CHECK(code == 0);
    const Received after = read_until(client.fd);
    CHECK((after.eof || after.error == ECONNRESET));
    CHECK(link.output().find(signal == SIGTERM ? "stopped by SIGTERM" : "stopped by SIGINT") != std::string::npos);
  }
}

TEST_CASE("flaky proxy: an idle proxy uses no CPU", "[flaky]") {
  LoopbackServer echo(LoopbackServer::Mode::echo);
  FlakyLink link(echo.port(), {"--latency-ms", "100", "--bandwidth", "1000", "--stall-after", "100000",
                               "--stall-ms", "1000"});
  Fd client = connect_to(link.port());
  REQUIRE(send_all(client.fd, "ping"));
  REQUIRE(read_until(client.fd, 4).data == "ping");
  // An open idle connection, and another half-closed by the client whose FIN waits out the latency.
  Fd half = connect_to(link.port());
  ::shutdown(half.fd, SHUT_WR);
  const long long before = cpu_ticks(link.pid());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long long used = cpu_ticks(link.pid()) - before;
  INFO(used << " ticks in 500 ms\n" << link.output());
  CHECK(used <= 5);  // a busy loop would use about 50
}
