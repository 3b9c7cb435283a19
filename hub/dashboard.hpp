// The web dashboard for provincial IT staff and leadership, served by `motcua-hub serve` on the
// hub's listener (behind the same nginx as the protocol). Vietnamese pages, one stylesheet and
// one script served from memory (no CDN, no external scripts):
//   GET  /login, POST /login, POST /logout      sign-in for IT staff (hub/it_accounts.hpp)
//   GET  /                                      every office, worst first; filters state=, kind=,
//                                               q= (name or code, with or without diacritics);
//                                               alerts; columns sortable in the page
//   GET  /office/<unit>                         one office: its status, syncs, batches, conflicts,
//                                               quarantined batches
//   GET  /reports?from=&to=&by=                 statistics (hub/report.hpp) with charts
//   GET  /reports.csv?…, /api/report?…          the same as CSV (UTF-8 with BOM) and JSON
//   GET  /api/status                            hub_status() as JSON
//   GET  /assets/dashboard.css, /assets/dashboard.js
// Every page but /login and the assets needs a session cookie (HttpOnly, SameSite=Strict, Secure
// when nginx forwarded HTTPS); a POST needs the session's CSRF token and a same-origin request.
// Thread-safety: handle() may be called from any number of threads (requests are served one at a
// time on the dashboard's own database connection).
#pragma once

#include <memory>
#include <string>

#include "common/error.hpp"
#include "common/time.hpp"
#include "hub/http.hpp"
#include "hub/metrics.hpp"

namespace motcua::hub {

class Dashboard {
 public:
  static Result<std::unique_ptr<Dashboard>> create(const std::string& data_dir, const Clock& clock);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  HttpResponse handle(const HttpRequest& request);
  // The /metrics exposition, read on the dashboard's connection (hub/metrics.hpp).
  Result<std::string> render_metrics(const HubMetrics& metrics);

  struct Impl;

 private:
  explicit Dashboard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace motcua::hub
