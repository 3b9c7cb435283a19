#include "hub/service.hpp"

#include <chrono>

#include "hub/dashboard.hpp"
#include "hub/hub_store.hpp"
#include "hub/intake.hpp"
#include "hub/metrics.hpp"

namespace motcua::hub {

struct HubService::Impl {
  std::string data_dir;
  const Clock* clock = nullptr;
  std::unique_ptr<Intake> intake;
  std::unique_ptr<Dashboard> dashboard;
  HubMetrics metrics;

  // The metrics_access setting, read per request (it is one indexed row).
  bool metrics_allowed(const HttpRequest& req) {
    if (req.header("x-forwarded-for").empty() && req.header("x-real-ip").empty()) return true;
    auto store = HubStore::open(data_dir, *clock);
    if (!store) return false;
    auto access = store->get_meta("metrics_access");
    return access && *access == "proxy";
  }

  HttpResponse metrics_response(const HttpRequest& req) {
    HttpResponse r;
    if (req.method != "GET") {
      r.status = 405;
      r.body = R"({"error":{"code":"invalid_input","message":"use GET /metrics","hint":""}})";
      return r;
    }
    if (!metrics_allowed(req)) {
      r.status = 403;
      r.body = R"({"error":{"code":"unauthorized","message":"/metrics answers only local requests",)"
               R"("hint":"scrape the hub on its loopback address, or set metrics_access to proxy and list the scraper in nginx's allow-list"}})";
      return r;
    }
    auto text = dashboard->render_metrics(metrics);
    if (!text) {
      r.status = 500;
      r.body = R"({"error":{"code":"internal","message":"the hub could not read its status","hint":"see the hub's log"}})";
      return r;
    }
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = std::move(*text);
    return r;
  }
};

Result<std::unique_ptr<HubService>> HubService::create(const std::string& data_dir, const Clock& clock) {
  auto impl = std::make_unique<Impl>();
  impl->data_dir = data_dir;
  impl->clock = &clock;
  MOTCUA_ASSIGN_OR_RETURN(impl->intake, Intake::create(data_dir, clock));
  MOTCUA_ASSIGN_OR_RETURN(impl->dashboard, Dashboard::create(data_dir, clock));
  return std::unique_ptr<HubService>(new HubService(std::move(impl)));
}

HubService::HubService(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HubService::~HubService() = default;

HttpResponse HubService::handle(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  const std::string path = request.target.substr(0, request.target.find('?'));
  const Route route = route_of(request.method, path);
  HttpResponse response;
  if (path.rfind("/v1/", 0) == 0) {
    response = m_impl->intake->handle(request);
  } else if (route == Route::kMetrics) {
    response = m_impl->metrics_response(request);
  } else {
    response = m_impl->dashboard->handle(request);
  }
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  m_impl->metrics.observe(route, response.status, request.body.size(), response.body.size(), micros);
  return response;
}

}  // namespace motcua::hub
