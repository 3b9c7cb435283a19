// Everything `motcua-hub serve` answers on its one listener: the protocol under /v1/ (hub/intake.hpp),
// the Prometheus endpoint /metrics (hub/metrics.hpp) and the dashboard everywhere else
// (hub/dashboard.hpp). Counts every request for /metrics.
// /metrics answers only requests made to the hub directly when the setting metrics_access is
// "local" (the default): a request nginx forwarded (it carries X-Forwarded-For) gets 403. With
// "proxy", nginx's allow-list for /metrics decides (packaging/nginx/motcua-hub.conf).
// Thread-safety: handle() may be called from any number of threads.
#pragma once

#include <memory>
#include <string>

#include "common/error.hpp"
#include "common/time.hpp"
#include "hub/http.hpp"

namespace motcua::hub {

class HubService {
 public:
  static Result<std::unique_ptr<HubService>> create(const std::string& data_dir, const Clock& clock);
  ~HubService();
  HubService(const HubService&) = delete;
  HubService& operator=(const HubService&) = delete;

  HttpResponse handle(const HttpRequest& request);

  struct Impl;

 private:
  explicit HubService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace motcua::hub
