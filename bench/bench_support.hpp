// What the benchmark commands share: failing loudly, and a real hub serving on a loopback port.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "common/time.hpp"
#include "hub/http.hpp"
#include "hub/intake.hpp"

namespace motcua::bench {

// The benchmark's name, for messages ("motcua-bench-feed").
inline const char* g_program = "motcua-bench";

[[noreturn]] inline void die(const std::string& what, const Error& e) {
  std::fprintf(stderr, "%s: %s: %s\n", g_program, what.c_str(), e.message.c_str());
  std::exit(1);
}

template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r) die(what, r.error());
  return std::move(*r);
}
inline void must(Status s, const std::string& what) {
  if (!s) die(what, s.error());
}

// The hub of `data_dir` (already initialised) serving in this process on the first free port of
// 127.0.0.1:18500-18699, until destroyed.
class LoopbackHub {
 public:
  LoopbackHub(const std::string& data_dir, const Clock& clock) {
    m_intake = must(hub::Intake::create(data_dir, clock), "hub start");
    hub::Intake* handler = m_intake.get();
    for (int port = 18500; port < 18700 && !m_server; ++port) {
      hub::HttpServerOptions options;
      options.port = port;
      auto server = hub::start_http_server(options, [handler](const hub::HttpRequest& r) { return handler->handle(r); });
      if (server) {
        m_server = std::move(*server);
        m_url = "http://127.0.0.1:" + std::to_string(port);
      }
    }
    if (!m_server) die("hub listen", Error::unavailable("no free port in 127.0.0.1:18500-18699"));
  }
  ~LoopbackHub() {
    if (m_server) (void)m_server->stop();
  }
  const std::string& url() const { return m_url; }

 private:
  std::unique_ptr<hub::Intake> m_intake;
  std::unique_ptr<hub::HttpServer> m_server;
  std::string m_url;
};

}  // namespace motcua::bench
