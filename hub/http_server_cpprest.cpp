// The only file that includes cpprestsdk (a test enforces it): the hub's HTTP listener.
//
// Known limits of cpprestsdk's http_listener (DESIGN.md): no header/body/idle timeouts, whole bodies
// buffered, Expect: 100-continue never answered, slow with its default 40 threads. So the hub listens
// on loopback behind nginx, uses a small pool, and never does long work on these threads: handlers
// hand writes to the intake's writer thread.
#include <atomic>
#include <mutex>

#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>

#include "hub/http.hpp"

namespace motcua::hub {

namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::experimental::listener::http_listener;
using web::http::experimental::listener::http_listener_config;

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

void reply(const http_request& request, const HttpResponse& r) {
  http_response response(static_cast<web::http::status_code>(r.status));
  std::vector<unsigned char> body(r.body.begin(), r.body.end());
  response.set_body(std::move(body));
  response.headers().set_content_type(r.content_type);
  for (const auto& [name, value] : r.headers) response.headers().add(name, value);
  request.reply(response).then([](pplx::task<void> t) {
    try {
      t.get();
    } catch (...) {
      // The client went away before the reply was sent: nothing to do.
    }
  });
}

HttpResponse error_response(int status, const std::string& code, const std::string& message, bool transient) {
  HttpResponse r;
  r.status = status;
  r.body = std::string("{\"error\":{\"code\":\"") + code + "\",\"message\":\"" + message +
           "\",\"hint\":\"\",\"transient\":" + (transient ? "true" : "false") + "}}";
  return r;
}

class CpprestServer final : public HttpServer {
 public:
  CpprestServer(int port, std::unique_ptr<http_listener> listener) : m_port(port), m_listener(std::move(listener)) {}
  ~CpprestServer() override { (void)stop(); }
  int port() const override { return m_port; }
  Status stop() override {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_listener) return ok();
    try {
      m_listener->close().wait();
    } catch (const std::exception& e) {
      m_listener.reset();
      return fail(Error::internal(std::string("closing the HTTP listener: ") + e.what()));
    }
    m_listener.reset();
    return ok();
  }

 private:
  int m_port;
  std::mutex m_mutex;
  std::unique_ptr<http_listener> m_listener;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> start_http_server(const HttpServerOptions& options, HttpHandler handler) {
  static std::once_flag pool_once;
  std::call_once(pool_once, [&] { crossplat::threadpool::initialize_with_threads(static_cast<size_t>(options.threads)); });
  if (options.port <= 0 || options.port > 65535) {
    return fail(Error::invalid_input("port " + std::to_string(options.port) + " is not a TCP port",
                                     "listen on an explicit port, e.g. --listen 127.0.0.1:8440"));
  }
  const std::string uri = "http://" + options.host + ":" + std::to_string(options.port);
  http_listener_config config;
  auto listener = std::make_unique<http_listener>(web::uri(uri), config);
  const size_t max_body = options.max_body_bytes;
  listener->support([handler, max_body](http_request request) {
    try {
      HttpRequest req;
      req.method = request.method();
      req.target = request.request_uri().resource().to_string();
      for (const auto& [name, value] : request.headers()) req.headers[lower(name)] = value;
      if (request.headers().content_length() > max_body) {
        reply(request, error_response(413, "payload_too_large", "request body over the hub's limit", false));
        return;
      }
      std::vector<unsigned char> body = request.extract_vector().get();
      if (body.size() > max_body) {
        reply(request, error_response(413, "payload_too_large", "request body over the hub's limit", false));
        return;
      }
      req.body.assign(body.begin(), body.end());
      reply(request, handler(req));
    } catch (const std::exception&) {
      reply(request, error_response(500, "internal", "the hub failed to handle the request", true));
    }
  });
  try {
    listener->open().wait();
  } catch (const std::exception& e) {
    return fail(Error::unavailable("cannot listen on " + uri + ": " + e.what(),
                                   "choose a free port on a local address, e.g. --listen 127.0.0.1:8440"));
  }
  return std::unique_ptr<HttpServer>(new CpprestServer(options.port, std::move(listener)));
}

}  // namespace motcua::hub
