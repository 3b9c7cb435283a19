// A man in the middle for tests (POSIX sockets, loopback only): forwards each HTTP/1.1 request to a
// real upstream hub and hands the upstream response to a transform before returning it, so a test
// can alter or replay what the hub really sent. One connection at a time; every connection is
// closed after one response. Stops (and joins its thread) on destruction.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace motcua::test {

struct ProxiedResponse {
  std::string request_target;  // path and query of the request
  std::string content_type;
  std::string body;            // may be changed by the transform
};

class TamperProxy {
 public:
  using Transform = std::function<void(ProxiedResponse&)>;

  explicit TamperProxy(int upstream_port);
  ~TamperProxy();
  TamperProxy(const TamperProxy&) = delete;
  TamperProxy& operator=(const TamperProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  // Applied to every later response; an empty function passes responses through unchanged.
  void set_transform(Transform transform);

 private:
  void serve();
  void handle(int client);

  int m_upstream_port;
  int m_port = 0;
  int m_listen_fd = -1;
  std::atomic<bool> m_stop{false};
  std::mutex m_mutex;
  Transform m_transform;
  std::thread m_thread;
};

}  // namespace motcua::test
