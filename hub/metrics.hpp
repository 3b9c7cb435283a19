// The hub's Prometheus text endpoint (GET /metrics, exposition format 0.0.4). Gauges per office
// come from the same status document as `motcua-hub status --json` and the dashboard, so the three
// always agree; batch counters come from the batch table (they survive restarts); request counts,
// bytes in and out and the intake latency histogram are counted by this process since it started.
// README "Metrics" lists every series.
// Thread-safety: observe() and render() may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/error.hpp"
#include "common/sqlite.hpp"

namespace motcua::hub {

// The request routes counted separately; anything else is "other".
enum class Route { kBatches, kBatchState, kFeed, kReport, kEnroll, kHealth, kDashboard, kMetrics, kOther };
inline constexpr size_t kRouteCount = 9;
Route route_of(std::string_view method, std::string_view path);
const char* route_label(Route r);

class HubMetrics {
 public:
  // Upper bounds (seconds) of the intake latency histogram's buckets.
  static constexpr std::array<double, 10> kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 10};

  void observe(Route route, int status, size_t bytes_in, size_t bytes_out, int64_t micros);

  // The whole exposition: `status` is hub_status()'s document; `db` is read for batch counters.
  Result<std::string> render(const nlohmann::json& status, sql::Db& db) const;

 private:
  struct PerRoute {
    std::atomic<int64_t> requests{0};
    std::atomic<int64_t> errors{0};  // 4xx and 5xx answers
    std::atomic<int64_t> bytes_in{0};
    std::atomic<int64_t> bytes_out{0};
  };
  std::array<PerRoute, kRouteCount> m_routes;
  std::array<std::atomic<int64_t>, kLatencyBuckets.size() + 1> m_latency{};  // last: +Inf
  std::atomic<int64_t> m_latency_micros_sum{0};
};

// Escapes a label value for the text format (backslash, double quote, newline).
std::string prometheus_label(std::string_view value);

}  // namespace motcua::hub
