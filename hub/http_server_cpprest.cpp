// The only file that includes cpprestsdk (a test enforces it): the hub's HTTP listener.
//
// Known limits of cpprestsdk's http_listener (DESIGN.md): no header/body/idle timeouts, whole bodies
// buffered, Expect: 100-continue never answered, slow with its default 40 threads. So the hub listens
// on loopback behind nginx and uses a small pool.
//
// That pool also runs the listener's own I/O (accepting, reading bodies, writing replies), so nothing
// may block on it: a pool thread that waited for a body (extract().get()) or for the intake's writer
// left the I/O without threads once every pool thread waited, and with more requests in flight than
// threads the hub stopped answering until clients gave up (measured: 10 offices uploading at once
// against 4 threads, every request timed out after 30 s). So bodies are read by continuations, and
// the handler runs on the server's own worker threads (Workers), which may wait as long as they need.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

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

// The threads that run handlers. post() queues a job unless `max_queued` jobs already wait or the
// workers are stopping (then the caller answers 503 itself). stop() runs what is queued, then joins.
class Workers {
 public:
  Workers(int threads, size_t max_queued) : m_max_queued(max_queued) {
    for (int i = 0; i < threads; ++i) m_threads.emplace_back([this] { run(); });
  }
  ~Workers() { stop(); }
  bool post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      if (m_stopping || m_jobs.size() >= m_max_queued) return false;
      m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
    return true;
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_stopping = true;
    }
    m_wake.notify_all();
    for (auto& t : m_threads) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void run() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_wake.wait(lock, [&] { return m_stopping || !m_jobs.empty(); });
        if (m_jobs.empty()) return;
        job = std::move(m_jobs.front());
        m_jobs.pop_front();
      }
      job();
    }
  }
  const size_t m_max_queued;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<std::function<void()>> m_jobs;
  bool m_stopping = false;
  std::vector<std::thread> m_threads;
};

class CpprestServer final : public HttpServer {
 public:
  CpprestServer(int port, std::unique_ptr<http_listener> listener, std::shared_ptr<Workers> workers)
      : m_port(port), m_listener(std::move(listener)), m_workers(std::move(workers)) {}
  ~CpprestServer() override { (void)stop(); }
  int port() const override { return m_port; }
  Status stop() override {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_listener) return ok();
    Status closed = ok();
    try {
      m_listener->close().wait();
    } catch (const std::exception& e) {
      closed = fail(Error::internal(std::string("closing the HTTP listener: ") + e.what()));
    }
    m_listener.reset();
    m_workers->stop();  // requests already handed over still run; new ones get 503
    return closed;
  }

 private:
  int m_port;
  std::mutex m_mutex;
  std::unique_ptr<http_listener> m_listener;
  std::shared_ptr<Workers> m_workers;
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
  // Twice the I/O threads: handlers mostly wait (for the writer, for SQLite), and each waiting one
  // holds a request; 4,096 handed-over requests at most, then 503 until the backlog drains.
  auto workers = std::make_shared<Workers>(2 * options.threads, 4096);
  listener->support([handler, max_body, workers](http_request request) {
    try {
      HttpRequest req;
      req.method = request.method();
      req.target = request.request_uri().resource().to_string();
      for (const auto& [name, value] : request.headers()) req.headers[lower(name)] = value;
      if (request.headers().content_length() > max_body) {
        reply(request, error_response(413, "payload_too_large", "request body over the hub's limit", false));
        return;
      }
      request.extract_vector().then([handler, max_body, workers, request,
                                     req = std::move(req)](pplx::task<std::vector<unsigned char>> read) mutable {
        std::vector<unsigned char> body;
        try {
          body = read.get();
        } catch (const std::exception&) {
          return;  // the connection failed while the body was read: no one to answer
        }
        if (body.size() > max_body) {
          reply(request, error_response(413, "payload_too_large", "request body over the hub's limit", false));
          return;
        }
        req.body.assign(body.begin(), body.end());
        const bool queued = workers->post([handler, request, req = std::move(req)] {
          try {
            reply(request, handler(req));
          } catch (const std::exception&) {
            reply(request, error_response(500, "internal", "the hub failed to handle the request", true));
          }
        });
        if (!queued) reply(request, error_response(503, "unavailable", "the hub is busy or stopping; try again later", true));
      });
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
  return std::unique_ptr<HttpServer>(new CpprestServer(options.port, std::move(listener), std::move(workers)));
}

}  // namespace motcua::hub
