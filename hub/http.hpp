// The hub's view of HTTP, independent of the server library: requests in, responses out. The one
// adapter file (http_server_cpprest.cpp) converts to and from the listener's types.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace motcua::hub {

struct HttpRequest {
  std::string method;                         // "GET", "POST", ...
  std::string target;                         // path and query, e.g. "/v1/batches"
  std::map<std::string, std::string> headers; // names in lower case
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// A running HTTP listener. Stopping (or destroying) it waits for requests in flight.
class HttpServer {
 public:
  virtual ~HttpServer() = default;
  virtual int port() const = 0;
  virtual Status stop() = 0;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // the hub binds loopback; nginx terminates TLS in front of it
  int port = 0;                    // 0: any free port (tests)
  int threads = 4;                 // listener I/O threads (the default 40 is slower on 2 cores); handlers
                                   // run on twice as many threads of their own, never on these
  size_t max_body_bytes = 5u << 20;
};

// Starts listening and dispatching to `handler`, which must be thread-safe. kUnavailable when the
// address cannot be bound, naming it.
Result<std::unique_ptr<HttpServer>> start_http_server(const HttpServerOptions& options, HttpHandler handler);

}  // namespace motcua::hub
