// motcua-agent service --data DIR [--console] [--feed-interval SECONDS] [--ui ADDRESS:PORT|off]
// The agent as a Windows service: the Service Control Manager starts this command (the MSI installs
// the service so). At each start it sends its log to DIR\logs\agent.log, limits DIR to SYSTEM and
// Administrators, sets its own recovery actions (restart after a failure), and on the first start
// enrolls with the hub, CA fingerprint and one-time code the installer recorded (the office's own
// settings win). Then it does what `run` does until the manager sends STOP or SHUTDOWN, which stop
// it as SIGTERM stops `run`. --console runs the same in this window (Ctrl+C stops it), for an
// installer checking a PC; on Linux, systemd runs `run` instead and only --console applies.
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>

#include "agent/cli/cli.hpp"
#include "agent/service.hpp"

namespace motcua::agent::cli {

namespace {

constexpr const char* kServiceName = "motcua-agent";

// Waits `ms` unless a stop is requested first; false when stopped.
bool wait_unless_stopped(StopLink& stop, int64_t ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (stop.requested()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return !stop.requested();
}

// The first start's enrollment, retried while the hub cannot be reached (the office's link may be
// down on installation day): 30 s, doubling to 10 minutes. Returns false when stopped meanwhile or
// when the installer's code is refused (a new code is needed: the service stops with an error).
bool enroll_on_first_start(const ServeOptions& o, StopLink& stop, int& exit_code) {
  int64_t delay_ms = 30 * 1000;
  for (int attempt = 1;; ++attempt) {
    auto r = enroll_from_installer_defaults(o.common.data_dir, process_clock());
    if (r) {
      if (*r == FirstStart::kEnrolled) std::cerr << "motcua-agent: enrolled with the installer's hub and code\n";
      if (*r == FirstStart::kNoCode) {
        std::cerr << "motcua-agent: not enrolled and the installer gave no hub address and code; enroll with "
                     "`motcua-agent enroll --data " << o.common.data_dir << " --hub URL --code CODE`\n";
      }
      return true;
    }
    const bool transient = r.error().code == ErrorCode::kUnavailable || r.error().code == ErrorCode::kTimeout;
    if (!transient) {
      exit_code = report_error(r.error(), o.common.json);
      return false;
    }
    std::cerr << "motcua-agent: enrollment attempt " << attempt << " failed, next in " << delay_ms / 1000
              << " s: " << r.error().message << "\n";
    if (!wait_unless_stopped(stop, delay_ms)) {
      exit_code = 0;
      return false;
    }
    delay_ms = std::min<int64_t>(delay_ms * 2, 10 * 60 * 1000);
  }
}

int serve_installed_office(const ServeOptions& o, StopLink& stop, const std::function<void()>& started, bool console) {
  if (!console) {
    if (auto logged = log_to_file(o.common.data_dir); !logged) return report_error(logged.error(), o.common.json);
    if (auto acl = restrict_to_service_and_admins(o.common.data_dir); !acl) {
      std::cerr << "motcua-agent: warning: " << acl.error().message << "\n";
    }
    if (auto recovery = set_service_recovery(kServiceName); !recovery) {
      std::cerr << "motcua-agent: warning: " << recovery.error().message << "\n";
    }
  }
  // The manager hears "running" as soon as the service answers controls, even while it still waits
  // for the hub to enroll: a stop must work then too.
  started();
  int exit_code = 0;
  if (!enroll_on_first_start(o, stop, exit_code)) return exit_code;
  return serve_office(o, stop, [] {});
}

}  // namespace

Command add_service_command(CLI::App& root) {
  struct Opts {
    ServeOptions serve;
    bool console = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("service", "Run as the Windows service (started by the Service Control Manager)");
  add_serve_options(app, o->serve);
  app->add_flag("--console", o->console, "Run in this window instead of under the Service Control Manager");
  return {app, [o] {
            if (o->console) return serve_installed_office(o->serve, *stop_on_signals(), [] {}, true);
            auto r = run_under_service_manager(kServiceName, [o](StopLink& stop, const std::function<void()>& started) {
              return serve_installed_office(o->serve, stop, started, false);
            });
            if (!r) return report_error(r.error(), o->serve.common.json);
            return *r;
          }};
}

}  // namespace motcua::agent::cli
