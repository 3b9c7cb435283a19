// motcua-flaky-proxy: a TCP proxy on loopback that imitates a commune's bad link (2G/3G, flaky
// ADSL) between an office agent and the hub, for tests and benchmarks. Every connection accepted on
// --listen is forwarded to --upstream through the faults asked for: one-way latency, a bandwidth cap
// per direction, a plain close or a TCP reset after so many bytes, one stall, dropped connections.
//
// One thread, one ppoll loop, non-blocking sockets. Nothing is polled that has nothing to do, and
// every wait is bounded by the next timer (a chunk's release, the bandwidth pacing, a stall, a
// drain, --max-seconds), so an idle proxy sleeps. Each direction buffers at most kMaxBuffered bytes
// and stops reading its source while full. Loopback addresses only (127.0.0.0/8).
//
// Faults count bytes per connection, both directions together, as forwarded. Latency applies to data
// and to a half-close (FIN), not to the connection set-up; with it, a direction moves at most
// kMaxBuffered bytes per latency period. A connection whose upstream refuses is closed plainly
// (the hub is down). A plain close (a cut, a drop) sends FIN and then discards the peer's input for
// up to kDrainTime, so the peer reads everything forwarded and then EOF rather than a reset.
// --max-connections bounds the connections open at once; more wait in the listen backlog.
//
// stdout carries exactly one line, "listening on 127.0.0.1:PORT", once the socket listens; stderr
// carries the seed, the settings, one line per connection when it ends, e.g.
//   connection 3: client->upstream 1000 bytes, upstream->client 0 bytes, 12 ms, fault: stall,cut-after; cut both sides after 1000 bytes
// and a last line when the proxy stops, with the bytes forwarded over all connections, e.g.
//   motcua-flaky-proxy: stopped by SIGTERM after 3 connections; in all client->upstream 5120 bytes, upstream->client 900 bytes
// (stderr is written blocking: send it to a file, or read it, when there are many connections).
//
// Exit codes: 0 after --max-seconds or SIGTERM/SIGINT, 1 when the socket cannot be set up, 2 for a
// bad command line (a non-loopback address among them).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Nanos = std::chrono::nanoseconds;

constexpr const char* kName = "motcua-flaky-proxy";
constexpr size_t kMaxBuffered = 256 * 1024;  // per direction
constexpr size_t kReadSize = 64 * 1024;
constexpr int kAcceptsPerWake = 64;
constexpr auto kDrainTime = std::chrono::milliseconds(500);   // plain close: how long unread input is discarded
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);  // after EMFILE/ENFILE
constexpr TimePoint kNever = TimePoint::max();

volatile sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int signal) { g_stop_signal = signal; }

struct Settings {
  sockaddr_in listen{};
  sockaddr_in upstream{};
  std::string upstream_text;
  Nanos latency{0};
  std::optional<uint64_t> bandwidth;  // bytes per second, per direction
  std::optional<uint64_t> cut_after;
  std::optional<uint64_t> reset_after;
  std::optional<uint64_t> stall_after;
  Nanos stall{0};
  std::optional<double> drop_fraction;
  uint64_t seed = 0;
  int max_seconds = 600;
  size_t max_connections = 10000;
};

// "127.a.b.c:PORT" only; anything else (other addresses, host names, IPv6) is refused.
bool parse_loopback(const std::string& text, bool allow_port_zero, sockaddr_in& out, std::string& error) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    error = "'" + text + "' is not ADDRESS:PORT";
    return false;
  }
  const std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  in_addr addr{};
  if (::inet_pton(AF_INET, host.c_str(), &addr) != 1) {
    error = "'" + host + "' is not an IPv4 address; only loopback addresses (127.0.0.0/8) are accepted";
    return false;
  }
  if ((ntohl(addr.s_addr) >> 24) != 127) {
    error = "'" + host + "' is not a loopback address; only loopback addresses (127.0.0.0/8) are accepted";
    return false;
  }
  if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5) {
    error = "'" + port_text + "' is not a port number";
    return false;
  }
  const long port = std::stol(port_text);
  if (port > 65535 || (port == 0 && !allow_port_zero)) {
    error = "port " + port_text + " is out of range";
    return false;
  }
  out = sockaddr_in{};
  out.sin_family = AF_INET;
  out.sin_addr = addr;
  out.sin_port = htons(static_cast<uint16_t>(port));
  return true;
}

std::string address_text(const sockaddr_in& addr) {
  char host[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(addr.sin_port));
}

std::string optional_text(const std::optional<uint64_t>& value) {
  return value ? std::to_string(*value) : std::string("off");
}

void set_nodelay(int fd) {
  const int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
}

// Closes with a TCP reset instead of a FIN.
void close_with_reset(int fd) {
  const linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

struct Chunk {
  TimePoint release;  // not forwarded before this (arrival + latency)
  std::string data;   // empty with eof: the source's FIN, forwarded as shutdown(SHUT_WR)
  size_t offset = 0;
  bool eof = false;
};

struct Direction {
  std::deque<Chunk> queue;
  size_t buffered = 0;        // bytes in the queue not yet forwarded
  bool source_eof = false;    // the source sent its FIN (nothing more to read)
  bool done = false;          // that FIN was passed on
  bool want_write = false;    // the destination's send buffer was full: wait for POLLOUT
  TimePoint next_send{};      // bandwidth pacing
  uint64_t forwarded = 0;
};

enum class State { open, draining, finished };

struct Connection {
  uint64_t id = 0;
  int fd[2] = {-1, -1};  // 0 the client, 1 the upstream; direction d reads fd[d] and writes fd[1 - d]
  bool connecting = false;
  Direction dir[2];      // 0 client->upstream, 1 upstream->client
  uint64_t total = 0;    // bytes forwarded, both directions
  bool stall_done = false;
  TimePoint stall_until{};
  State state = State::open;
  TimePoint drain_deadline{};
  TimePoint started{};
  std::vector<std::string> faults;
  std::string end;
};

class Proxy {
 public:
  explicit Proxy(const Settings& settings) : m_s(settings), m_rng(settings.seed) {
    const uint64_t rate = m_s.bandwidth.value_or(0);
    m_pace_chunk = rate == 0 ? 0 : static_cast<size_t>(std::clamp<uint64_t>(rate / 20, 1, 16384));
  }

  // Binds and listens; returns false (with a message on stderr) on failure.
  bool start() {
    m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_listen_fd < 0) return fail("socket");
    const int yes = 1;
    ::setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr = m_s.listen;
    if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return fail("bind " + address_text(addr));
    if (::listen(m_listen_fd, SOMAXCONN) != 0) return fail("listen");
    socklen_t len = sizeof addr;
    ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_listen_text = address_text(addr);
    return true;
  }

  const std::string& listen_text() const { return m_listen_text; }

  // Runs until --max-seconds or a stop signal (blocked by the caller, unblocked only inside ppoll).
  void run(const sigset_t& wait_mask) {
    const TimePoint deadline = Clock::now() + std::chrono::seconds(m_s.max_seconds);
    std::vector<pollfd> fds;
    std::vector<std::pair<Connection*, int>> owners;  // per pollfd after the listener
    for (;;) {
      TimePoint now = Clock::now();
      if (g_stop_signal != 0) {
        stop_all(now, std::string("stopped by ") + (g_stop_signal == SIGINT ? "SIGINT" : "SIGTERM"));
        return;
      }
      if (now >= deadline) {
        stop_all(now, "stopped after --max-seconds " + std::to_string(m_s.max_seconds));
        return;
      }

      TimePoint wake = deadline;
      for (auto it = m_connections.begin(); it != m_connections.end();) {
        wake = std::min(wake, service(*it, now));
        if (it->state == State::finished) {
          it = m_connections.erase(it);
        } else {
          ++it;
        }
      }

      fds.clear();
      owners.clear();
      const bool accepting = m_connections.size() < m_s.max_connections && now >= m_accept_resume;
      if (!accepting && m_accept_resume > now) wake = std::min(wake, m_accept_resume);
      fds.push_back({accepting ? m_listen_fd : -1, POLLIN, 0});
      for (auto& c : m_connections) {
        for (int side = 0; side < 2; ++side) {
          const short events = poll_events(c, side);
          if (events == 0) continue;
          fds.push_back({c.fd[side], events, 0});
          owners.emplace_back(&c, side);
        }
      }

      timespec timeout{};
      const Nanos wait = std::max(Nanos(0), std::chrono::duration_cast<Nanos>(wake - now));
      timeout.tv_sec = static_cast<time_t>(wait.count() / 1000000000);
      timeout.tv_nsec = static_cast<long>(wait.count() % 1000000000);
      const int ready = ::ppoll(fds.data(), fds.size(), &timeout, &wait_mask);
      if (ready < 0) {
        if (errno == EINTR) continue;
        std::fprintf(stderr, "%s: poll failed: %s\n", kName, std::strerror(errno));
        stop_all(Clock::now(), "stopped: poll failed");
        return;
      }
      if (ready == 0) continue;

      now = Clock::now();
      for (size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents != 0) on_event(*owners[i - 1].first, owners[i - 1].second, fds[i].revents, now);
      }
      if (fds[0].revents != 0) accept_new(now);
    }
  }

 private:
  bool fail(const std::string& what) {
    std::fprintf(stderr, "%s: %s failed: %s\n", kName, what.c_str(), std::strerror(errno));
    return false;
  }

  // What to wait for on one side of a connection; 0 means leave it out of the poll (a socket that
  // hung up would otherwise wake the loop again and again while its data waits for a timer).
  short poll_events(const Connection& c, int side) const {
    if (c.fd[side] < 0) return 0;
    if (c.state == State::draining) return POLLIN;
    if (side == 1 && c.connecting) return POLLOUT;
    short events = 0;
    const Direction& in = c.dir[side];
    if (!in.source_eof && in.buffered < kMaxBuffered) events |= POLLIN;
    if (c.dir[1 - side].want_write) events |= POLLOUT;
    return events;
  }

  void accept_new(TimePoint now) {
    for (int i = 0; i < kAcceptsPerWake && m_connections.size() < m_s.max_connections; ++i) {
      const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          std::fprintf(stderr, "%s: accept: %s (pausing accepts)\n", kName, std::strerror(errno));
          m_accept_resume = now + kAcceptBackoff;
        }
        return;  // EAGAIN, or a connection that went away before accept
      }
      set_nodelay(fd);
      m_connections.emplace_back();
      Connection& c = m_connections.back();
      c.id = ++m_next_id;
      c.fd[0] = fd;
      c.started = now;
      if (m_s.drop_fraction && uniform() < *m_s.drop_fraction) {
        c.faults.push_back("drop");
        begin_drain(c, now, "dropped on accept");
        continue;
      }
      connect_upstream(c, now);
      if (c.state == State::open) check_thresholds(c, now);
    }
  }

  // [0, 1) from the seeded generator: the same seed draws the same drops.
  double uniform() { return static_cast<double>(m_rng() >> 11) * 0x1.0p-53; }

  void connect_upstream(Connection& c, TimePoint now) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      c.end = std::string("upstream socket failed: ") + std::strerror(errno);
      begin_drain(c, now, c.end);
      return;
    }
    set_nodelay(fd);
    c.fd[1] = fd;
    sockaddr_in addr = m_s.upstream;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return;
    if (errno == EINPROGRESS) {
      c.connecting = true;
      return;
    }
    upstream_unreachable(c, now, errno);
  }

  void upstream_unreachable(Connection& c, TimePoint now, int error) {
    ::close(c.fd[1]);
    c.fd[1] = -1;
    c.connecting = false;
    begin_drain(c, now, "upstream " + m_s.upstream_text + " unreachable: " + std::strerror(error));
  }

  void on_event(Connection& c, int side, short revents, TimePoint now) {
    if (c.state == State::finished || c.fd[side] < 0) return;
    if (c.state == State::draining) {
      drain_read(c, side);
      return;
    }
    if (side == 1 && c.connecting) {
      int error = 0;
      socklen_t len = sizeof error;
      ::getsockopt(c.fd[1], SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) {
        upstream_unreachable(c, now, error);
        return;
      }
      c.connecting = false;
      return;
    }
    Direction& out = c.dir[1 - side];  // the direction that writes to this side
    if ((revents & (POLLOUT | POLLERR | POLLHUP)) && out.want_write) out.want_write = false;
    if ((revents & (POLLIN | POLLERR | POLLHUP)) && !c.dir[side].source_eof && c.dir[side].buffered < kMaxBuffered) {
      read_from(c, side, now);
    }
  }

  void read_from(Connection& c, int side, TimePoint now) {
    Direction& d = c.dir[side];
    const size_t room = std::min(kReadSize, kMaxBuffered - d.buffered);
    std::string data(room, '\0');
    const ssize_t n = ::recv(c.fd[side], data.data(), room, 0);
    if (n > 0) {
      data.resize(static_cast<size_t>(n));
      d.buffered += static_cast<size_t>(n);
      d.queue.push_back(Chunk{now + m_s.latency, std::move(data), 0, false});
    } else if (n == 0) {
      d.source_eof = true;
      d.queue.push_back(Chunk{now + m_s.latency, {}, 0, true});
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      abort_connection(c, side, errno);
    }
  }

  // Forwards what may go now and returns when it next needs to run (kNever: only a socket event).
  TimePoint service(Connection& c, TimePoint now) {
    TimePoint wake = kNever;
    if (c.state == State::open) {
      for (int d = 0; d < 2 && c.state == State::open; ++d) wake = std::min(wake, flush(c, d, now));
      if (c.state == State::open && c.dir[0].done && c.dir[1].done) {
        c.end = "closed by the peers";
        finish(c, now);
      }
    }
    // Also right after a fault began the drain here: both peers may have closed already.
    if (c.state == State::draining) {
      if (now < c.drain_deadline && (c.fd[0] >= 0 || c.fd[1] >= 0)) return c.drain_deadline;
      finish(c, now);
    }
    return c.state == State::open ? wake : kNever;
  }

  TimePoint flush(Connection& c, int d, TimePoint now) {
    Direction& dir = c.dir[d];
    const int dst = c.fd[1 - d];
    if (d == 0 && c.connecting) return kNever;
    while (!dir.queue.empty()) {
      if (c.stall_until > now) return c.stall_until;
      Chunk& chunk = dir.queue.front();
      if (chunk.release > now) return chunk.release;
      if (chunk.eof) {
        ::shutdown(dst, SHUT_WR);
        dir.done = true;
        dir.queue.pop_front();
        continue;
      }
      if (dir.want_write) return kNever;
      if (m_pace_chunk != 0 && dir.next_send > now) return dir.next_send;
      size_t n = chunk.data.size() - chunk.offset;
      if (m_pace_chunk != 0) n = std::min(n, m_pace_chunk);
      n = static_cast<size_t>(std::min<uint64_t>(n, bytes_before_next_fault(c)));
      const ssize_t sent = ::send(dst, chunk.data.data() + chunk.offset, n, MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          dir.want_write = true;
          return kNever;
        }
        if (errno == EINTR) continue;
        abort_connection(c, 1 - d, errno);
        return kNever;
      }
      const auto count = static_cast<size_t>(sent);
      chunk.offset += count;
      dir.buffered -= count;
      dir.forwarded += count;
      c.total += count;
      if (m_pace_chunk != 0) {
        dir.next_send = std::max(dir.next_send, now) + Nanos(static_cast<int64_t>(count * 1000000000ull / *m_s.bandwidth));
      }
      if (chunk.offset == chunk.data.size()) dir.queue.pop_front();
      check_thresholds(c, now);
      if (c.state != State::open) return kNever;
      if (count < n) {
        dir.want_write = true;
        return kNever;
      }
    }
    return kNever;
  }

  // How many bytes may still pass before a byte-count fault must fire (so it fires exactly there).
  uint64_t bytes_before_next_fault(const Connection& c) const {
    uint64_t limit = UINT64_MAX;
    if (m_s.cut_after) limit = std::min(limit, *m_s.cut_after - std::min(*m_s.cut_after, c.total));
    if (m_s.reset_after) limit = std::min(limit, *m_s.reset_after - std::min(*m_s.reset_after, c.total));
    if (m_s.stall_after && !c.stall_done) limit = std::min(limit, *m_s.stall_after - std::min(*m_s.stall_after, c.total));
    return std::max<uint64_t>(limit, 1);
  }

  void check_thresholds(Connection& c, TimePoint now) {
    if (m_s.reset_after && c.total >= *m_s.reset_after) {
      c.faults.push_back("reset-after");
      c.end = "reset both sides after " + std::to_string(c.total) + " bytes";
      for (int& fd : c.fd) {
        if (fd >= 0) close_with_reset(fd);
        fd = -1;
      }
      finish(c, now);
      return;
    }
    if (m_s.cut_after && c.total >= *m_s.cut_after) {
      c.faults.push_back("cut-after");
      begin_drain(c, now, "cut both sides after " + std::to_string(c.total) + " bytes");
      return;
    }
    if (m_s.stall_after && !c.stall_done && c.total >= *m_s.stall_after) {
      c.stall_done = true;
      c.stall_until = now + m_s.stall;
      c.faults.push_back("stall");
    }
  }

  // A socket error on `side`: the other side gets a reset too, as it would without the proxy.
  void abort_connection(Connection& c, int side, int error) {
    c.end = std::string(side == 0 ? "client" : "upstream") + " error: " + std::strerror(error);
    for (int& fd : c.fd) {
      if (fd >= 0) close_with_reset(fd);
      fd = -1;
    }
    finish(c, Clock::now());
  }

  // A plain close: FIN now (after what the kernel already holds), then input is read and discarded
  // until the peer closes or kDrainTime passes, so unread input does not turn the close into a reset.
  void begin_drain(Connection& c, TimePoint now, const std::string& end) {
    if (c.end.empty()) c.end = end;
    if (c.connecting) {  // nothing was sent upstream yet: the half-open socket just goes
      ::close(c.fd[1]);
      c.fd[1] = -1;
      c.connecting = false;
    }
    for (int& fd : c.fd) {
      if (fd >= 0) ::shutdown(fd, SHUT_WR);
    }
    for (auto& d : c.dir) {
      d.queue.clear();
      d.buffered = 0;
    }
    c.state = State::draining;
    c.drain_deadline = now + kDrainTime;
    for (int side = 0; side < 2; ++side) drain_read(c, side);
  }

  void drain_read(Connection& c, int side) {
    char scratch[16384];
    while (c.fd[side] >= 0) {
      const ssize_t n = ::recv(c.fd[side], scratch, sizeof scratch, 0);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      ::close(c.fd[side]);
      c.fd[side] = -1;
    }
  }

  void finish(Connection& c, TimePoint now) {
    for (int& fd : c.fd) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
    c.state = State::finished;
    m_forwarded[0] += c.dir[0].forwarded;
    m_forwarded[1] += c.dir[1].forwarded;
    std::string faults;
    for (const auto& f : c.faults) faults += (faults.empty() ? "" : ",") + f;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - c.started).count();
    std::fprintf(stderr,
                 "connection %" PRIu64 ": client->upstream %" PRIu64 " bytes, upstream->client %" PRIu64
                 " bytes, %lld ms, fault: %s; %s\n",
                 c.id, c.dir[0].forwarded, c.dir[1].forwarded, static_cast<long long>(ms),
                 faults.empty() ? "none" : faults.c_str(), c.end.empty() ? "closed" : c.end.c_str());
  }

  void stop_all(TimePoint now, const std::string& why) {
    for (auto& c : m_connections) {
      if (c.state == State::finished) continue;
      if (c.state == State::open) c.end = "closed: proxy stopping";
      finish(c, now);
    }
    m_connections.clear();
    if (m_listen_fd >= 0) ::close(m_listen_fd);
    m_listen_fd = -1;
    std::fprintf(stderr,
                 "%s: %s after %" PRIu64 " connections; in all client->upstream %" PRIu64
                 " bytes, upstream->client %" PRIu64 " bytes\n",
                 kName, why.c_str(), m_next_id, m_forwarded[0], m_forwarded[1]);
  }

  Settings m_s;
  std::mt19937_64 m_rng;
  size_t m_pace_chunk = 0;  // bytes per send under --bandwidth (about 1/20 s worth)
  int m_listen_fd = -1;
  std::string m_listen_text;
  std::list<Connection> m_connections;
  uint64_t m_next_id = 0;
  uint64_t m_forwarded[2] = {0, 0};  // bytes forwarded by the connections that ended, per direction
  TimePoint m_accept_resume{};
};

// Enough descriptors for --max-connections (two each), as far as the hard limit allows.
void raise_fd_limit(size_t max_connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(max_connections) * 2 + 64;
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"motcua-flaky-proxy: a TCP proxy on loopback that imitates a bad commune link (tests and benchmarks)"};
  std::string listen_text;
  std::string upstream_text;
  int64_t latency_ms = 0;
  std::optional<uint64_t> bandwidth, cut_after, reset_after, stall_after, seed;
  int64_t stall_ms = 0;
  std::optional<double> drop_fraction;
  int max_seconds = 600;
  size_t max_connections = 10000;

  app.add_option("--listen", listen_text, "127.x.y.z:PORT to accept on (PORT 0: a free port)")->required();
  app.add_option("--upstream", upstream_text, "127.x.y.z:PORT to forward to")->required();
  app.add_option("--latency-ms", latency_ms, "One-way delay added to data in each direction")
      ->check(CLI::Range(int64_t{0}, int64_t{3600000}));
  app.add_option("--bandwidth", bandwidth, "Bytes per second, per direction")
      ->check(CLI::Range(uint64_t{1}, static_cast<uint64_t>(UINT64_MAX / 1000000000u)));
  app.add_option("--cut-after", cut_after, "Close both sides once this many bytes passed (both directions)");
  app.add_option("--reset-after", reset_after, "Reset (RST) both sides once this many bytes passed (both directions)");
  auto* stall_after_option =
      app.add_option("--stall-after", stall_after, "Stop forwarding once, after this many bytes (both directions)");
  auto* stall_ms_option = app.add_option("--stall-ms", stall_ms, "How long the stall lasts")
                              ->check(CLI::Range(int64_t{0}, int64_t{3600000}));
  stall_after_option->needs(stall_ms_option);
  stall_ms_option->needs(stall_after_option);
  app.add_option("--drop-fraction", drop_fraction, "Fraction of connections closed right after accept (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", seed, "Seed for the random choices (printed at start when not given)");
  app.add_option("--max-seconds", max_seconds, "Exit 0 after this many seconds")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--max-connections", max_connections, "Most connections open at once (more wait in the backlog)")
      ->check(CLI::Range(size_t{1}, size_t{1000000}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  Settings s;
  std::string error;
  if (!parse_loopback(listen_text, true, s.listen, error)) {
    std::fprintf(stderr, "%s: --listen: %s\n", kName, error.c_str());
    return 2;
  }
  if (!parse_loopback(upstream_text, false, s.upstream, error)) {
    std::fprintf(stderr, "%s: --upstream: %s\n", kName, error.c_str());
    return 2;
  }
  s.upstream_text = address_text(s.upstream);
  s.latency = std::chrono::milliseconds(latency_ms);
  s.bandwidth = bandwidth;
  s.cut_after = cut_after;
  s.reset_after = reset_after;
  s.stall_after = stall_after;
  s.stall = std::chrono::milliseconds(stall_ms);
  s.drop_fraction = drop_fraction;
  s.seed = seed ? *seed : (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}() ^
                              static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  s.max_seconds = max_seconds;
  s.max_connections = max_connections;

  std::fprintf(stderr, "%s: seed %" PRIu64 " (replay with --seed %" PRIu64 ")\n", kName, s.seed, s.seed);
  std::fprintf(stderr,
               "%s: upstream %s, latency %lld ms, bandwidth %s, cut-after %s, reset-after %s, stall-after %s "
               "(%lld ms), drop-fraction %s, max-seconds %d, max-connections %zu\n",
               kName, s.upstream_text.c_str(), static_cast<long long>(latency_ms),
               bandwidth ? (std::to_string(*bandwidth) + " B/s").c_str() : "off",
               optional_text(cut_after).c_str(), optional_text(reset_after).c_str(),
               optional_text(stall_after).c_str(), static_cast<long long>(stall_ms),
               drop_fraction ? std::to_string(*drop_fraction).c_str() : "off", max_seconds, max_connections);

  // SIGTERM and SIGINT are blocked except inside ppoll, so a stop is never missed between checks.
  ::signal(SIGPIPE, SIG_IGN);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  sigset_t blocked, wait_mask;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGINT);
  ::sigprocmask(SIG_BLOCK, &blocked, &wait_mask);
  sigdelset(&wait_mask, SIGTERM);
  sigdelset(&wait_mask, SIGINT);

  raise_fd_limit(s.max_connections);
  Proxy proxy(s);
  if (!proxy.start()) return 1;
  std::fprintf(stdout, "listening on %s\n", proxy.listen_text().c_str());
  std::fflush(stdout);
  proxy.run(wait_mask);
  return 0;
}
