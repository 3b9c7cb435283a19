// motcua-agent run --data DIR [--feed-interval SECONDS] [--ui ADDRESS:PORT|off]
// Keeps the office in step with the hub until SIGINT or SIGTERM (the Windows service stop, later):
// uploads changes as they are made, polls the feed, retries with backoff when the link is down.
// Also serves the clerk web UI (agent/web/web_ui.hpp), on 127.0.0.1:8480 unless the ui_listen
// setting or --ui says otherwise.
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "agent/cli/cli.hpp"
#include "agent/config.hpp"
#include "agent/run.hpp"
#include "agent/web/web_ui.hpp"
#include "agent/store.hpp"
#include "common/stop_signal.hpp"

namespace motcua::agent::cli {

Command add_run_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    int64_t feed_interval_seconds = 300;
    std::string ui;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("run", "Keep this office in step with the hub until stopped (the service)");
  add_common_options(app, o->common);
  CLI::Option* interval = app->add_option("--feed-interval", o->feed_interval_seconds,
                                          "Seconds between feed polls when nothing is pending (default: the "
                                          "feed_interval setting, 300)")
                               ->check(CLI::Range(int64_t{5}, int64_t{86400}));
  app->add_option("--ui", o->ui,
                  "Serve the clerk web UI on ADDRESS:PORT (default: the ui_listen setting, 127.0.0.1:8480), or off");
  return {app, [o, interval] {
            block_stop_signals();  // before any thread starts
            // Settings are read on a connection of their own, closed before the service starts.
            std::optional<Store> store;
            if (auto opened = Store::open(o->common.data_dir, false, process_clock())) {
              store.emplace(std::move(*opened));
            } else {
              return report_error(opened.error(), o->common.json);
            }
            if (interval->count() == 0) {
              auto configured = feed_interval_seconds(*store);
              if (!configured) return report_error(configured.error(), o->common.json);
              o->feed_interval_seconds = *configured;
            }
            std::optional<std::string> listen;
            if (o->ui.empty()) {
              auto configured = ui_listen(*store);
              if (!configured) return report_error(configured.error(), o->common.json);
              listen = *configured;
            } else if (o->ui != "off") {
              listen = o->ui;
            }
            WebUiOptions ui;
            ui.data_dir = o->common.data_dir;
            if (listen) {
              auto parsed = parse_listen_address(*listen, ui.host, ui.port);
              if (!parsed) return report_error(parsed.error(), o->common.json);
              auto minutes = ui_session_minutes(*store);
              if (!minutes) return report_error(minutes.error(), o->common.json);
              ui.sessions.idle_ms = *minutes * kMsPerMinute;
            }
            store.reset();
            RunOptions options;
            options.policy.feed_interval_ms = o->feed_interval_seconds * kMsPerSecond;
            Runner runner(o->common.data_dir, process_clock(), options);
            std::unique_ptr<WebUi> web;
            if (listen) {
              ui.on_sync_now = [&runner] { runner.request_sync_now(); };
              auto started = WebUi::start(ui, process_clock());
              if (!started) return report_error(started.error(), o->common.json);
              web = std::move(*started);
              std::cerr << "motcua-agent: clerk web UI on " << web->url() << std::endl;
            }
            std::thread stopper([&runner] {
              const int sig = wait_for_stop_signal();
              std::cerr << "motcua-agent: signal " << sig << ", stopping after the current step\n";
              runner.request_stop();
            });
            stopper.detach();  // it ends with the process
            auto ran = runner.run();
            if (web) web->stop();
            if (!ran) return report_error(ran.error(), o->common.json);
            return 0;
          }};
}

}  // namespace motcua::agent::cli
