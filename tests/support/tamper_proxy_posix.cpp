#include "tests/support/tamper_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace motcua::test {

namespace {

constexpr int kIoTimeoutMs = 10000;

bool send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads one HTTP message (head and a Content-Length body) from `fd`. Empty on failure or timeout.
std::string read_message(int fd) {
  std::string data;
  size_t head_end = std::string::npos;
  size_t wanted = std::string::npos;
  char buf[16384];
  while (wanted == std::string::npos || data.size() < wanted) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kIoTimeoutMs) <= 0) return {};
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {};
    data.append(buf, static_cast<size_t>(n));
    if (head_end == std::string::npos) {
      head_end = data.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      std::string head = data.substr(0, head_end);
      std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
      size_t length = 0;
      const auto at = head.find("\r\ncontent-length:");
      if (at != std::string::npos) {
        const auto value = head.find_first_of("0123456789", at + 17);
        if (value == std::string::npos) return {};  // a length that is no number: give up on the message
        length = static_cast<size_t>(std::strtoull(head.c_str() + value, nullptr, 10));
      }
      wanted = head_end + 4 + length;
    }
  }
  return data;
}

std::string header_value(const std::string& head, const std::string& lower_name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto at = lower.find("\r\n" + lower_name + ":");
  if (at == std::string::npos) return {};
  const auto start = head.find_first_not_of(' ', at + 3 + lower_name.size());
  return head.substr(start, head.find("\r\n", start) - start);
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TamperProxy::TamperProxy(int upstream_port) : m_upstream_port(upstream_port) {
  m_listen_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (m_listen_fd < 0) throw std::runtime_error("proxy: socket failed");
  const int yes = 1;
  ::setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listen_fd, 8) != 0) {
    ::close(m_listen_fd);
    throw std::runtime_error("proxy: cannot listen on loopback");
  }
  socklen_t len = sizeof addr;
  ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  m_port = ntohs(addr.sin_port);
  m_thread = std::thread([this] { serve(); });
}

TamperProxy::~TamperProxy() {
  m_stop = true;
  if (m_thread.joinable()) m_thread.join();
  ::close(m_listen_fd);
}

void TamperProxy::set_transform(Transform transform) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_transform = std::move(transform);
}

void TamperProxy::serve() {
  while (!m_stop) {
    pollfd p{m_listen_fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;  // wakes every 100 ms to notice m_stop
    const int client = ::accept(m_listen_fd, nullptr, nullptr);
    if (client < 0) continue;
    handle(client);
    ::close(client);
  }
}

void TamperProxy::handle(int client) {
  const std::string request = read_message(client);
  if (request.empty()) return;
  const int upstream = connect_loopback(m_upstream_port);
  if (upstream < 0) return;
  std::string response;
  if (send_all(upstream, request)) response = read_message(upstream);
  ::close(upstream);
  if (response.empty()) return;

  const size_t head_end = response.find("\r\n\r\n");
  std::string head = response.substr(0, head_end);
  ProxiedResponse r;
  const auto line_end = request.find("\r\n");
  const std::string request_line = request.substr(0, line_end);
  const auto sp1 = request_line.find(' ');
  r.request_target = request_line.substr(sp1 + 1, request_line.rfind(' ') - sp1 - 1);
  r.content_type = header_value(head, "content-type");
  r.body = response.substr(head_end + 4);
  Transform transform;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    transform = m_transform;
  }
  if (transform) transform(r);
  // The head again, with the new length and without keep-alive: one response per connection.
  std::string out;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(pos, end - pos);
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower.rfind("content-length:", 0) != 0 && lower.rfind("connection:", 0) != 0) out += line + "\r\n";
    pos = end + 2;
  }
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n" + r.body;
  send_all(client, out);
}

}  // namespace motcua::test
