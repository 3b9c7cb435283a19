#include "agent/service.hpp"

#include <filesystem>
#include <utility>

#include "agent/config.hpp"
#include "agent/store.hpp"
#include "agent/sync.hpp"
#include "common/files.hpp"
#include "common/sqlite.hpp"

namespace motcua::agent {

void StopLink::attach(std::function<void()> stop) {
  std::function<void()> now;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_requested && !m_done) {
      m_done = true;
      now = std::move(stop);
    } else {
      m_stop = std::move(stop);
    }
  }
  if (now) now();
}

void StopLink::detach() {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_stop = nullptr;
}

void StopLink::request() {
  std::function<void()> stop;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_requested = true;
    if (m_stop && !m_done) {
      m_done = true;
      stop = std::move(m_stop);
      m_stop = nullptr;
    }
  }
  // Outside the lock: the stop function may take the office's own locks.
  if (stop) stop();
}

bool StopLink::requested() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_requested;
}

const char* service_state_name(ServiceState state) {
  switch (state) {
    case ServiceState::kStartPending: return "start_pending";
    case ServiceState::kRunning: return "running";
    case ServiceState::kStopPending: return "stop_pending";
    case ServiceState::kStopped: return "stopped";
  }
  return "unknown";
}

ServiceControl service_control_from_code(unsigned long code) {
  switch (code) {
    case 1: return ServiceControl::kStop;
    case 4: return ServiceControl::kInterrogate;
    case 5: return ServiceControl::kShutdown;
    case 15: return ServiceControl::kPreshutdown;
    default: return ServiceControl::kOther;
  }
}

ServiceHost::ServiceHost(Reporter report) : m_report(std::move(report)) {}

ServiceState ServiceHost::state() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_state;
}

void ServiceHost::report(ServiceState state, int exit_code) {
  ServiceReport r;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    // Once stopping, a late "starting" or "started" must not tell the manager it runs again.
    if (m_state == ServiceState::kStopPending &&
        (state == ServiceState::kRunning || state == ServiceState::kStartPending)) {
      return;
    }
    if (m_state == ServiceState::kStopped) return;
    m_state = state;
    r.state = state;
    r.exit_code = exit_code;
    r.wait_hint_ms = state == ServiceState::kStartPending  ? kStartWaitHintMs
                     : state == ServiceState::kStopPending ? kStopWaitHintMs
                                                           : 0;
    r.accepts_stop = state == ServiceState::kRunning;
  }
  m_report(r);
}

int ServiceHost::run(const std::function<int(StopLink& stop, const std::function<void()>& started)>& office) {
  report(ServiceState::kStartPending);
  const int code = office(m_stop, [this] { report(ServiceState::kRunning); });
  report(ServiceState::kStopped, code);
  return code;
}

bool ServiceHost::control(ServiceControl control) {
  switch (control) {
    case ServiceControl::kStop:
    case ServiceControl::kShutdown:
    case ServiceControl::kPreshutdown:
      // Report first: the manager hears "stopping" at once, and the office stops on its own
      // thread after its current step.
      if (state() != ServiceState::kStopped) report(ServiceState::kStopPending);
      m_stop.request();
      return true;
    case ServiceControl::kInterrogate: {
      ServiceReport r;
      r.state = state();
      r.accepts_stop = r.state == ServiceState::kRunning;
      m_report(r);
      return true;
    }
    case ServiceControl::kOther: return false;
  }
  return false;
}

Result<FirstStart> enroll_from_installer_defaults(const std::string& data_dir, const Clock& clock) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::u8path(data_dir + "/agent.db"), ec)) {
    MOTCUA_ASSIGN_OR_RETURN(Store store, Store::open(data_dir, false, clock));
    MOTCUA_ASSIGN_OR_RETURN(auto agent_id, store.get_meta("agent_id"));
    if (agent_id && !agent_id->empty()) return FirstStart::kAlreadyEnrolled;
  }
  MOTCUA_ASSIGN_OR_RETURN(auto hub, installer_enroll_default("hub"));
  MOTCUA_ASSIGN_OR_RETURN(auto code, installer_enroll_default("enroll_code"));
  if (!hub || !code) return FirstStart::kNoCode;
  EnrollRequest request;
  request.data_dir = data_dir;
  request.hub_url = *hub;
  request.code = *code;
  MOTCUA_ASSIGN_OR_RETURN(EnrollResult enrolled, enroll(request, clock));
  (void)enrolled;
  return FirstStart::kEnrolled;
}

Result<DataRemoval> remove_office_data(const std::string& data_dir, const Clock& clock) {
  namespace fs = std::filesystem;
  const fs::path dir = utf8_path(data_dir);
  std::error_code ec;
  DataRemoval out;
  if (!fs::exists(dir, ec)) return out;
  out.existed = true;
  if (!fs::is_directory(dir, ec)) {
    return fail(Error::invalid_input(data_dir + " is not a directory", "name the office's data directory"));
  }
  if (fs::exists(dir / "agent.db", ec)) {
    // Closed again before anything is deleted (Windows cannot delete an open file).
    MOTCUA_ASSIGN_OR_RETURN(Store store, Store::open(data_dir, false, clock));
    MOTCUA_ASSIGN_OR_RETURN(auto pending,
                            sql::query_int64(store.db(), "SELECT count(*) FROM outbox WHERE state = 'pending'"));
    MOTCUA_ASSIGN_OR_RETURN(auto dossiers, sql::query_int64(store.db(), "SELECT count(*) FROM dossier_state"));
    if (pending.value_or(0) > 0) {
      return fail(Error::conflict(
          std::to_string(*pending) + " change(s) in " + data_dir + " have not reached the hub: the data is kept",
          "let the office sync (motcua-agent sync --data DIR) and remove it again, or delete the directory by hand "
          "if that work may be lost"));
    }
    out.dossiers = dossiers.value_or(0);
  } else {
    // No database: only what the service writes before its first enrollment (its logs) may go.
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().filename() != "logs") {
        return fail(Error::invalid_input(
            data_dir + " holds " + path_utf8(it->path().filename()) + " but no agent.db: it is not an office's data "
                                                                       "directory, so nothing was removed",
            "name the office's data directory"));
      }
    }
    if (ec) return fail(Error::io("cannot list " + data_dir + ": " + ec.message()));
  }
  fs::remove_all(dir, ec);
  if (ec || fs::exists(dir)) {
    return fail(Error::io("could not delete everything in " + data_dir + (ec ? ": " + ec.message() : std::string()),
                          "stop the agent (and anything else using the directory) and delete it by hand"));
  }
  return out;
}

}  // namespace motcua::agent
