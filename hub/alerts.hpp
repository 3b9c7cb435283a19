// Alerts for provincial IT, raised by `motcua-hub serve` (hub/fleet.hpp says which): every
// alert_check_seconds the watcher reads the fleet's status on its own connection, compares its
// alerts with the previous check's, and for every alert raised or cleared writes one line to the
// log and, when alert_webhook_url is set, POSTs one JSON document to it:
//   {"event":"alert_raised"|"alert_cleared","province","unit","name","code","severity","message",
//    "message_vi","state","at"}
// A webhook that fails or times out (5 s) is logged and not retried: the next change is sent
// anyway, and the dashboard always shows the current alerts.
// Thread-safety: check_now() and stop() may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "common/error.hpp"
#include "common/time.hpp"

namespace motcua::hub {

// POSTs `body` (JSON) to `url`; kUnavailable or kTimeout naming the URL when it does not answer 2xx.
Status post_webhook(const std::string& url, const std::string& body);

class AlertWatcher {
 public:
  using Sender = std::function<Status(const std::string& url, const std::string& body)>;
  // Starts the watcher thread; its first check runs at once. `log` must outlive the watcher.
  static Result<std::unique_ptr<AlertWatcher>> start(const std::string& data_dir, const Clock& clock,
                                                     std::ostream& log, Sender sender = post_webhook);
  ~AlertWatcher();
  AlertWatcher(const AlertWatcher&) = delete;
  AlertWatcher& operator=(const AlertWatcher&) = delete;

  // Runs one check on the caller's thread; returns how many alerts were raised or cleared.
  Result<int> check_now();
  void stop();

  struct Impl;

 private:
  explicit AlertWatcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace motcua::hub
