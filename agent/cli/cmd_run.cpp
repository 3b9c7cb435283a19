// motcua-agent run --data DIR [--feed-interval SECONDS]
// Keeps the office in step with the hub until SIGINT or SIGTERM (the Windows service stop, later):
// uploads changes as they are made, polls the feed, retries with backoff when the link is down.
#include <iostream>
#include <memory>
#include <thread>

#include "agent/cli/cli.hpp"
#include "agent/config.hpp"
#include "agent/run.hpp"
#include "agent/store.hpp"
#include "common/stop_signal.hpp"

namespace motcua::agent::cli {

Command add_run_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    int64_t feed_interval_seconds = 300;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("run", "Keep this office in step with the hub until stopped (the service)");
  add_common_options(app, o->common);
  CLI::Option* interval = app->add_option("--feed-interval", o->feed_interval_seconds,
                                          "Seconds between feed polls when nothing is pending (default: the "
                                          "feed_interval setting, 300)")
                               ->check(CLI::Range(int64_t{5}, int64_t{86400}));
  return {app, [o, interval] {
            block_stop_signals();  // before any thread starts
            if (interval->count() == 0) {
              auto store = Store::open(o->common.data_dir, false, process_clock());
              if (!store) return report_error(store.error(), o->common.json);
              auto configured = feed_interval_seconds(*store);
              if (!configured) return report_error(configured.error(), o->common.json);
              o->feed_interval_seconds = *configured;
            }
            RunOptions options;
            options.policy.feed_interval_ms = o->feed_interval_seconds * kMsPerSecond;
            Runner runner(o->common.data_dir, process_clock(), options);
            std::thread stopper([&runner] {
              const int sig = wait_for_stop_signal();
              std::cerr << "motcua-agent: signal " << sig << ", stopping after the current step\n";
              runner.request_stop();
            });
            stopper.detach();  // it ends with the process
            auto ran = runner.run();
            if (!ran) return report_error(ran.error(), o->common.json);
            return 0;
          }};
}

}  // namespace motcua::agent::cli
