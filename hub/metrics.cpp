#include "hub/metrics.hpp"

#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time.hpp"

namespace motcua::hub {

using nlohmann::json;

Route route_of(std::string_view method, std::string_view path) {
  if (path == "/v1/batches" && method == "POST") return Route::kBatches;
  if (path == "/v1/batches/state") return Route::kBatchState;
  if (path == "/v1/feed") return Route::kFeed;
  if (path == "/v1/report") return Route::kReport;
  if (path == "/v1/enroll") return Route::kEnroll;
  if (path == "/v1/health") return Route::kHealth;
  if (path == "/metrics") return Route::kMetrics;
  if (path.rfind("/v1/", 0) == 0) return Route::kOther;
  return Route::kDashboard;
}

const char* route_label(Route r) {
  switch (r) {
    case Route::kBatches: return "batches";
    case Route::kBatchState: return "batch_state";
    case Route::kFeed: return "feed";
    case Route::kReport: return "report";
    case Route::kEnroll: return "enroll";
    case Route::kHealth: return "health";
    case Route::kDashboard: return "dashboard";
    case Route::kMetrics: return "metrics";
    case Route::kOther: return "other";
  }
  return "other";
}

void HubMetrics::observe(Route route, int status, size_t bytes_in, size_t bytes_out, int64_t micros) {
  PerRoute& r = m_routes[static_cast<size_t>(route)];
  r.requests.fetch_add(1, std::memory_order_relaxed);
  if (status >= 400) r.errors.fetch_add(1, std::memory_order_relaxed);
  r.bytes_in.fetch_add(static_cast<int64_t>(bytes_in), std::memory_order_relaxed);
  r.bytes_out.fetch_add(static_cast<int64_t>(bytes_out), std::memory_order_relaxed);
  if (route != Route::kBatches) return;
  const double seconds = static_cast<double>(micros) / 1e6;
  size_t bucket = kLatencyBuckets.size();
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      bucket = i;
      break;
    }
  }
  m_latency[bucket].fetch_add(1, std::memory_order_relaxed);
  m_latency_micros_sum.fetch_add(micros, std::memory_order_relaxed);
}

std::string prometheus_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

Result<std::string> HubMetrics::render(const json& status, sql::Db& db) const {
  std::string out;
  out.reserve(64 * 1024);

  header(out, "motcua_offices", "gauge", "Units by dashboard state (green, amber, red, grey).");
  for (const char* s : {"red", "amber", "green", "grey"}) {
    out += std::string("motcua_offices{state=\"") + s + "\"} " + std::to_string(status["summary"][s].get<int64_t>()) + "\n";
  }
  header(out, "motcua_alerts", "gauge", "Alerts currently raised, by kind.");
  std::map<std::string, int64_t> alerts = {{"silent", 0}, {"errors_rising", 0}, {"clock_off", 0}, {"old_version", 0}, {"quarantined", 0}};
  for (const json& a : status["alerts"]) alerts[a["code"].get<std::string>()]++;
  for (const auto& [code, n] : alerts) out += "motcua_alerts{code=\"" + code + "\"} " + std::to_string(n) + "\n";

  // Per-office gauges: enrolled offices only (a unit without an agent has nothing to measure).
  struct Series {
    const char* name;
    const char* help;
    std::function<std::optional<double>(const json&)> value;
  };
  auto opt_ms_seconds = [](const json& v) -> std::optional<double> {
    if (v.is_null()) return std::nullopt;
    return static_cast<double>(v.get<int64_t>()) / 1000.0;
  };
  const std::vector<Series> series = {
      {"motcua_office_sync_lag_seconds", "Seconds since the office's last successful sync (hub clock).",
       [&](const json& u) { return opt_ms_seconds(u["silent_ms"]); }},
      {"motcua_office_sync_lag_working_seconds", "Working seconds (province calendar) since the last successful sync.",
       [&](const json& u) { return opt_ms_seconds(u["silent_working_ms"]); }},
      {"motcua_office_pending_changes", "Changes the office reported as not yet acknowledged by the hub.",
       [](const json& u) -> std::optional<double> {
         if (!u["report"].is_object()) return std::nullopt;
         return static_cast<double>(u["report"]["pending_changes"].get<int64_t>());
       }},
      {"motcua_office_clock_offset_seconds", "Hub clock minus office clock, measured at the office's last feed request.",
       [&](const json& u) { return opt_ms_seconds(u["clock_offset_ms"]); }},
      {"motcua_office_quarantined_batches", "Batches of the office held in quarantine at the hub.",
       [](const json& u) -> std::optional<double> { return static_cast<double>(u["quarantined_batches"].get<int64_t>()); }},
      {"motcua_office_state", "1 for the office's current state (red, amber, green).",
       [](const json&) -> std::optional<double> { return 1.0; }},
  };
  for (const Series& s : series) {
    header(out, s.name, "gauge", s.help);
    for (const json& u : status["units"]) {
      if (u["silent_ms"].is_null()) continue;
      auto v = s.value(u);
      if (!v) continue;
      out += std::string(s.name) + "{unit=\"" + prometheus_label(u["unit"].get<std::string>()) + "\",name=\"" +
             prometheus_label(u["name"].get<std::string>()) + "\"";
      if (std::string(s.name) == "motcua_office_state") out += ",state=\"" + u["state"].get<std::string>() + "\"";
      out += "} " + number(*v) + "\n";
    }
  }

  header(out, "motcua_batches_total", "counter", "Batches the hub answered, by outcome (from its batch records).");
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT status, count(*) FROM batch GROUP BY status"));
  int64_t applied = 0, refused = 0, quarantined = 0;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const std::string outcome = st.text(0);
    (outcome == "applied" ? applied : outcome == "refused" ? refused : quarantined) = st.int64(1);
  }
  out += "motcua_batches_total{outcome=\"applied\"} " + std::to_string(applied) + "\n";
  out += "motcua_batches_total{outcome=\"refused\"} " + std::to_string(refused) + "\n";
  header(out, "motcua_batches_quarantined", "gauge", "Batches held in quarantine now.");
  out += "motcua_batches_quarantined " + std::to_string(quarantined) + "\n";
  header(out, "motcua_dossiers", "gauge", "Dossiers in the hub's system of record.");
  out += "motcua_dossiers " + std::to_string(status["dossiers"].get<int64_t>()) + "\n";
  header(out, "motcua_conflicts", "gauge", "Conflict records (docs/CONFLICTS.md).");
  out += "motcua_conflicts " + std::to_string(status["conflicts"].get<int64_t>()) + "\n";

  header(out, "motcua_http_requests_total", "counter", "Requests answered since the hub started, by route.");
  for (size_t i = 0; i < kRouteCount; ++i) {
    out += std::string("motcua_http_requests_total{route=\"") + route_label(static_cast<Route>(i)) + "\"} " +
           std::to_string(m_routes[i].requests.load(std::memory_order_relaxed)) + "\n";
  }
  header(out, "motcua_http_errors_total", "counter", "Requests answered with 4xx or 5xx, by route.");
  for (size_t i = 0; i < kRouteCount; ++i) {
    out += std::string("motcua_http_errors_total{route=\"") + route_label(static_cast<Route>(i)) + "\"} " +
           std::to_string(m_routes[i].errors.load(std::memory_order_relaxed)) + "\n";
  }
  header(out, "motcua_http_received_bytes_total", "counter", "Request body bytes received, by route.");
  for (size_t i = 0; i < kRouteCount; ++i) {
    out += std::string("motcua_http_received_bytes_total{route=\"") + route_label(static_cast<Route>(i)) + "\"} " +
           std::to_string(m_routes[i].bytes_in.load(std::memory_order_relaxed)) + "\n";
  }
  header(out, "motcua_http_sent_bytes_total", "counter", "Response body bytes sent, by route.");
  for (size_t i = 0; i < kRouteCount; ++i) {
    out += std::string("motcua_http_sent_bytes_total{route=\"") + route_label(static_cast<Route>(i)) + "\"} " +
           std::to_string(m_routes[i].bytes_out.load(std::memory_order_relaxed)) + "\n";
  }
  header(out, "motcua_intake_duration_seconds", "histogram",
         "Time to answer POST /v1/batches (verify, authorise, apply, acknowledge).");
  int64_t cumulative = 0;
  for (size_t i = 0; i <= kLatencyBuckets.size(); ++i) {
    cumulative += m_latency[i].load(std::memory_order_relaxed);
    const std::string le = i < kLatencyBuckets.size() ? number(kLatencyBuckets[i]) : "+Inf";
    out += "motcua_intake_duration_seconds_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "motcua_intake_duration_seconds_sum " +
         number(static_cast<double>(m_latency_micros_sum.load(std::memory_order_relaxed)) / 1e6) + "\n";
  out += "motcua_intake_duration_seconds_count " + std::to_string(cumulative) + "\n";
  return out;
}

}  // namespace motcua::hub
