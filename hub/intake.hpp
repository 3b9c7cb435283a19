// The hub's protocol endpoints (sync-protocol/PROTOCOL.md "HTTP binding"), independent of the HTTP
// library: GET /v1/health, POST /v1/enroll, POST /v1/batches, GET /v1/batches/state, GET /v1/feed
// (pages: hub/feed.hpp), POST /v1/report (hub/agent_report.hpp).
//
// Every write (enrollment, batch apply, a feed request's counter) runs on one dedicated writer
// thread that owns its own database connection; listener threads only parse, and wait for the
// writer's answer. A batch is verified (request signature and counter, envelope, batch signature,
// schema version, sequence and hash chain), authorised row by row, and applied in one transaction
// together with the agent's high-water mark and the batch record, then acknowledged with a
// hub-signed ack.
// Thread-safety: handle() may be called from any number of threads.
#pragma once

#include <memory>
#include <string>

#include "common/error.hpp"
#include "common/time.hpp"
#include "hub/http.hpp"

namespace motcua::hub {

class Intake {
 public:
  // Opens the hub in `data_dir` (its database and key) and starts the writer thread.
  static Result<std::unique_ptr<Intake>> create(const std::string& data_dir, const Clock& clock);
  ~Intake();
  Intake(const Intake&) = delete;
  Intake& operator=(const Intake&) = delete;

  HttpResponse handle(const HttpRequest& request);

  struct Impl;

 private:
  explicit Intake(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace motcua::hub
