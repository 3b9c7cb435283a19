// motcua-agent run --data DIR [--feed-interval SECONDS] [--ui ADDRESS:PORT|off]
// Keeps the office in step with the hub until SIGINT or SIGTERM (Ctrl+C or closing the console on
// Windows; `service` shares this loop and stops it on the service manager's STOP and SHUTDOWN):
// uploads changes as they are made, polls the feed, retries with backoff when the link is down.
// Also serves the clerk web UI (agent/web/web_ui.hpp), on 127.0.0.1:8480 unless the ui_listen
// setting or --ui says otherwise.
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "agent/cli/cli.hpp"
#include "agent/config.hpp"
#include "agent/run.hpp"
#include "agent/service.hpp"
#include "agent/web/web_ui.hpp"
#include "agent/store.hpp"
#include "common/stop_signal.hpp"

namespace motcua::agent::cli {

int serve_office(const ServeOptions& o, StopLink& stop, const std::function<void()>& started) {
  // Settings are read on a connection of their own, closed before the service starts.
  std::optional<Store> store;
  if (auto opened = Store::open(o.common.data_dir, false, process_clock())) {
    store.emplace(std::move(*opened));
  } else {
    return report_error(opened.error(), o.common.json);
  }
  int64_t feed_interval = o.feed_interval_seconds;
  if (feed_interval == 0) {
    auto configured = feed_interval_seconds(*store);
    if (!configured) return report_error(configured.error(), o.common.json);
    feed_interval = *configured;
  }
  std::optional<std::string> listen;
  if (o.ui.empty()) {
    auto configured = ui_listen(*store);
    if (!configured) return report_error(configured.error(), o.common.json);
    listen = *configured;
  } else if (o.ui != "off") {
    listen = o.ui;
  }
  WebUiOptions ui;
  ui.data_dir = o.common.data_dir;
  if (listen) {
    auto parsed = parse_listen_address(*listen, ui.host, ui.port);
    if (!parsed) return report_error(parsed.error(), o.common.json);
    auto minutes = ui_session_minutes(*store);
    if (!minutes) return report_error(minutes.error(), o.common.json);
    ui.sessions.idle_ms = *minutes * kMsPerMinute;
  }
  store.reset();
  RunOptions options;
  options.policy.feed_interval_ms = feed_interval * kMsPerSecond;
  Runner runner(o.common.data_dir, process_clock(), options);
  std::unique_ptr<WebUi> web;
  if (listen) {
    ui.on_sync_now = [&runner] { runner.request_sync_now(); };
    auto web_started = WebUi::start(ui, process_clock());
    if (!web_started) return report_error(web_started.error(), o.common.json);
    web = std::move(*web_started);
    std::cerr << "motcua-agent: clerk web UI on " << web->url() << std::endl;
  }
  stop.attach([&runner] { runner.request_stop(); });
  started();
  auto ran = runner.run();
  stop.detach();
  if (web) web->stop();
  if (!ran) return report_error(ran.error(), o.common.json);
  return 0;
}

void add_serve_options(CLI::App* app, ServeOptions& o) {
  add_common_options(app, o.common);
  app->add_option("--feed-interval", o.feed_interval_seconds,
                  "Seconds between feed polls when nothing is pending (default: the feed_interval setting, 300)")
      ->check(CLI::Range(int64_t{5}, int64_t{86400}));
  app->add_option("--ui", o.ui,
                  "Serve the clerk web UI on ADDRESS:PORT (default: the ui_listen setting, 127.0.0.1:8480), or off");
}

std::shared_ptr<StopLink> stop_on_signals() {
  block_stop_signals();  // before any thread starts
  auto stop = std::make_shared<StopLink>();
  std::thread stopper([stop] {
    const int sig = wait_for_stop_signal();
    std::cerr << "motcua-agent: signal " << sig << ", stopping after the current step\n";
    stop->request();
  });
  stopper.detach();  // it ends with the process
  return stop;
}

Command add_run_command(CLI::App& root) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* app = root.add_subcommand("run", "Keep this office in step with the hub until stopped (the service)");
  add_serve_options(app, *o);
  return {app, [o] { return serve_office(*o, *stop_on_signals(), [] {}); }};
}

}  // namespace motcua::agent::cli
