// The agent as an operating-system service: what it reports to the service manager while it starts,
// runs and stops, and how a stop request from the manager reaches the running office. The logic is
// portable (and tested on every platform); agent/service_win32.cpp binds it to the Windows Service
// Control Manager (ServiceMain, the control handler, SetServiceStatus). A STOP and a SHUTDOWN both
// end the office exactly as SIGTERM ends `motcua-agent run`: the sync in progress finishes, nothing
// is lost or sent twice. Wine never sends SHUTDOWN, so that path is tested here, not under Wine.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "common/error.hpp"
#include "common/time.hpp"

namespace motcua::agent {

// A stop request that may arrive before the work it stops has started: the work attaches how to
// stop it once it can be stopped, and a request made earlier is carried out at once then.
// Thread-safe.
class StopLink {
 public:
  // `stop` runs (once) on request(), or right away if a request came first.
  void attach(std::function<void()> stop);
  // Detaches the stop function (the work it stops is ending); requests still count.
  void detach();
  void request();
  bool requested() const;

 private:
  mutable std::mutex m_mutex;
  std::function<void()> m_stop;
  bool m_requested = false;
  bool m_done = false;
};

// The service states a manager is told about (Windows: SERVICE_START_PENDING, SERVICE_RUNNING,
// SERVICE_STOP_PENDING, SERVICE_STOPPED).
enum class ServiceState { kStartPending, kRunning, kStopPending, kStopped };

const char* service_state_name(ServiceState state);

// Control requests from the manager (Windows: SERVICE_CONTROL_STOP, _SHUTDOWN, _PRESHUTDOWN,
// _INTERROGATE; anything else is kOther).
enum class ServiceControl { kStop, kShutdown, kPreshutdown, kInterrogate, kOther };

// The control a Windows SERVICE_CONTROL_* code asks for (1 stop, 4 interrogate, 5 shutdown,
// 15 preshutdown; agent/service_win32.cpp checks these against <windows.h>).
ServiceControl service_control_from_code(unsigned long code);

// One report to the manager: the state, the exit code when stopped (0: a clean stop), and for the
// pending states how long the next step may take before the manager considers the service hung.
struct ServiceReport {
  ServiceState state = ServiceState::kStartPending;
  int exit_code = 0;
  int wait_hint_ms = 0;
  bool accepts_stop = false;  // STOP and SHUTDOWN are accepted (only while running)
};

// Drives one run of the service: reports start-pending, runs the office, reports running once the
// office says it has started, turns STOP/SHUTDOWN/PRESHUTDOWN into a stop request and a
// stop-pending report, and reports stopped with the office's exit code when it returns.
class ServiceHost {
 public:
  using Reporter = std::function<void(const ServiceReport&)>;
  // How long a clean stop may take: the sync in progress has its own timeouts (agent/http_client).
  static constexpr int kStopWaitHintMs = 60000;
  static constexpr int kStartWaitHintMs = 30000;

  explicit ServiceHost(Reporter report);

  // Runs `office` to its end on the calling thread and returns its exit code. `office` is given
  // the stop link to attach its stop function to, and a function to call once it has started.
  int run(const std::function<int(StopLink& stop, const std::function<void()>& started)>& office);

  // Called from the manager's control handler thread. Returns false for controls the service does
  // not handle (the manager is then told "not implemented"). Never blocks on the office.
  bool control(ServiceControl control);

  ServiceState state() const;

 private:
  void report(ServiceState state, int exit_code = 0);

  Reporter m_report;
  StopLink m_stop;
  mutable std::mutex m_mutex;
  ServiceState m_state = ServiceState::kStartPending;
};

// What the first start of an installed agent did about enrollment.
enum class FirstStart {
  kAlreadyEnrolled,  // the office has its agent id: nothing to do
  kNoCode,           // not enrolled, and the installer gave no hub and code: enroll by hand
  kEnrolled,         // enrolled now with the installer's hub, CA and code
};

// The first start of an installed agent: when the office in `data_dir` is not enrolled and the
// installer defaults (agent/config.hpp: /etc/motcua/agent.conf, or what the MSI recorded on
// Windows) name a hub (`hub`) and a one-time code (`enroll_code`), enrolls with them; the CA comes
// from `hub_ca` / `hub_ca_sha256` as for `motcua-agent enroll`. The office's own settings win: an
// enrolled office is never enrolled again. Errors are enroll's: kUnavailable/kTimeout when the hub
// cannot be reached (retry later), kUnauthorized or kInvalidInput for a used, expired or mistyped
// code (a new code is needed).
Result<FirstStart> enroll_from_installer_defaults(const std::string& data_dir, const Clock& clock);

// What removing an office's data at uninstall found.
struct DataRemoval {
  bool existed = false;  // false: there was no data directory, nothing to remove
  int64_t dossiers = 0;  // dossiers the removed database held (all of them at the hub)
};

// Deletes the office's data directory `data_dir` (the database, its logs, everything the agent
// keeps there), for an uninstall asked to remove the data (the MSI's REMOVE_DATA=1). Changes
// nothing and fails when removing it would lose work: kConflict while a change has not been
// acknowledged by the hub (sync first); kInvalidInput when the directory holds files but no
// agent.db (it is not an office's data directory); the database's own error when it cannot be read
// (then nobody can tell what is unsent). kIo when something could not be deleted (naming it).
Result<DataRemoval> remove_office_data(const std::string& data_dir, const Clock& clock);

// Bindings to the operating system's service manager (agent/service_win32.cpp; elsewhere each
// returns kFailedPrecondition: on Linux, systemd runs `motcua-agent run`).

// Runs the process as service `name` under the Windows Service Control Manager: `office` runs on
// the service's thread inside a ServiceHost whose reports go to the manager. Returns `office`'s exit
// code once stopped; kFailedPrecondition when the process was not started by the manager (then
// `--console` runs it in the foreground).
using OfficeBody = std::function<int(StopLink& stop, const std::function<void()>& started)>;
Result<int> run_under_service_manager(const std::string& name, const OfficeBody& office);

// Makes the manager restart service `name` after it fails (1 minute, 1 minute, then 5 minutes;
// the count resets after a day without failure), also when it stops with an error exit code.
// Done by the service at each start, since the installer cannot set recovery actions.
Status set_service_recovery(const std::string& name);

// Limits `dir` (created if missing) and everything below it to the service account (SYSTEM) and
// the Administrators group: full control, nothing inherited from above, nobody else.
Status restrict_to_service_and_admins(const std::string& dir);

// Sends stderr to DIR/logs/agent.log (created if missing; the previous one is kept as
// agent.log.1 once over 10 MiB), since a service has no console.
Status log_to_file(const std::string& data_dir);

}  // namespace motcua::agent
