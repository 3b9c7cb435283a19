// motcua-hub serve --data DIR --listen 127.0.0.1:PORT [--threads N]
// Serves the protocol (/v1/...), the dashboard (/) and /metrics until SIGINT or SIGTERM, and watches
// the fleet for alerts (hub/alerts.hpp). Binds loopback: production puts nginx (TLS, limits,
// timeouts) in front.
#include <iostream>
#include <memory>

#include "hub/cli/cli.hpp"
#include "hub/http.hpp"
#include "hub/alerts.hpp"
#include "hub/service.hpp"
#include "common/stop_signal.hpp"

namespace motcua::hub::cli {

namespace {

Result<HttpServerOptions> parse_listen(const std::string& listen) {
  auto bad = [&] {
    return fail(Error::invalid_input("--listen '" + listen + "' is not HOST:PORT", "e.g. --listen 127.0.0.1:8440"));
  };
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad();
  HttpServerOptions o;
  o.host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return bad();
  o.port = std::stoi(port);
  if (o.port < 1 || o.port > 65535) return bad();
  return o;
}

}  // namespace

Command add_serve_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    std::string listen = "127.0.0.1:8440";
    int threads = 4;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("serve", "Serve offices (enrollment, batches, feed), the dashboard and /metrics, until SIGINT/SIGTERM");
  add_common_options(app, o->common);
  app->add_option("--listen", o->listen, "HOST:PORT to listen on (default 127.0.0.1:8440; keep it on loopback)");
  app->add_option("--threads", o->threads,
                  "listener threads (default 4; 1-64). Batches are applied on one writer thread whatever this is; "
                  "4 serve 1,000 offices on 2 cores (README \"Benchmarks\": motcua-bench-intake)");
  return {app, [o] {
            block_stop_signals();
            auto options = parse_listen(o->listen);
            if (!options) return report_error(options.error(), o->common.json);
            if (o->threads < 1 || o->threads > 64) {
              return report_error(Error::invalid_input("--threads " + std::to_string(o->threads) + " is out of range",
                                                       "give 1-64 listener threads (default 4)"),
                                  o->common.json);
            }
            options->threads = o->threads;
            auto service = HubService::create(o->common.data_dir, process_clock());
            if (!service) return report_error(service.error(), o->common.json);
            HubService* handler = service->get();
            auto server = start_http_server(*options, [handler](const HttpRequest& r) { return handler->handle(r); });
            if (!server) return report_error(server.error(), o->common.json);
            std::cout << "motcua-hub: serving " << o->common.data_dir << " on http://" << options->host << ":"
                      << options->port << " (dashboard at /, metrics at /metrics)" << std::endl;
            auto watcher = AlertWatcher::start(o->common.data_dir, process_clock(), std::cout);
            if (!watcher) return report_error(watcher.error(), o->common.json);
            const int sig = wait_for_stop_signal();
            std::cout << "motcua-hub: signal " << sig << ", stopping" << std::endl;
            (*watcher)->stop();
            auto stopped = (*server)->stop();
            if (!stopped) return report_error(stopped.error(), o->common.json);
            return 0;
          }};
}

}  // namespace motcua::hub::cli
