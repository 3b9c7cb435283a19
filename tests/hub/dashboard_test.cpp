// The hub's dashboard, /metrics and the router in front of them (hub/service.hpp) on a real hub
// database: sign-in, sessions and CSRF, filters, pages, and the Prometheus text matching the status.
// The browser test (tests/e2e/fleet_dashboard.test.mjs) drives the same pages over real HTTP.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/hub_store.hpp"
#include "hub/it_accounts.hpp"
#include "hub/service.hpp"
#include "hub/status.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using nlohmann::json;

namespace {

struct DashboardWorld {
  test::TempDir dir;
  std::string hub_dir = dir.file("hub");
  ManualClock clock{*parse_rfc3339("2026-11-30T10:00:00+07:00")};
  std::unique_ptr<hub::HubService> service;

  DashboardWorld() {
    REQUIRE(hub::init_hub(hub_dir, "33", clock));
    auto store = hub::HubStore::open(hub_dir, clock);
    REQUIRE(store);
    REQUIRE(hub::add_it_account(store->db(), clock, "cntt", "Trần Văn Bình", "mat-khau-cntt"));
    auto s = hub::HubService::create(hub_dir, clock);
    REQUIRE(s);
    service = std::move(*s);
  }

  hub::HttpResponse request(const std::string& method, const std::string& target, const std::string& body = "",
                            std::map<std::string, std::string> headers = {}) {
    hub::HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    headers.emplace("host", "127.0.0.1:8440");
    r.headers = std::move(headers);
    return service->handle(r);
  }

  // Signs in and returns the cookie header value ("motcua_hub_session=...").
  std::string sign_in() {
    auto r = request("POST", "/login", "username=cntt&password=mat-khau-cntt", {{"origin", "http://127.0.0.1:8440"}});
    REQUIRE(r.status == 303);
    const std::string cookie = header(r, "Set-Cookie");
    REQUIRE(cookie.rfind("motcua_hub_session=", 0) == 0);
    return cookie.substr(0, cookie.find(';'));
  }

  static std::string header(const hub::HttpResponse& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return {};
  }

  json status() {
    auto store = hub::HubStore::open(hub_dir, clock);
    REQUIRE(store);
    auto s = hub::hub_status(*store);
    REQUIRE(s);
    return *s;
  }
};

std::string csrf_of(const std::string& page) {
  std::smatch m;
  REQUIRE(std::regex_search(page, m, std::regex("name=\"csrf\" value=\"([0-9a-f]{64})\"")));
  return m[1];
}

}  // namespace

TEST_CASE("the dashboard asks for sign-in and answers the API with 401 without a session", "[dashboard]") {
  DashboardWorld w;
  auto page = w.request("GET", "/");
  CHECK(page.status == 303);
  CHECK(DashboardWorld::header(page, "Location") == "/login");
  auto api = w.request("GET", "/api/status");
  CHECK(api.status == 401);
  CHECK(json::parse(api.body)["error"]["code"] == "unauthorized");
  auto login = w.request("GET", "/login");
  CHECK(login.status == 200);
  CHECK(login.body.find("<html lang=\"vi\">") != std::string::npos);
  CHECK(DashboardWorld::header(login, "Content-Security-Policy").find("script-src 'self'") != std::string::npos);
  auto nowhere = w.request("GET", "/wp-admin");
  CHECK(nowhere.status == 404);
}

TEST_CASE("a wrong password is refused in Vietnamese and a right one sets a strict session cookie", "[dashboard]") {
  DashboardWorld w;
  auto wrong = w.request("POST", "/login", "username=cntt&password=sai-mat-khau", {{"origin", "http://127.0.0.1:8440"}});
  CHECK(wrong.status == 401);
  CHECK(wrong.body.find("Tên đăng nhập hoặc mật khẩu không đúng.") != std::string::npos);
  CHECK(DashboardWorld::header(wrong, "Set-Cookie").empty());
  auto right = w.request("POST", "/login", "username=cntt&password=mat-khau-cntt",
                         {{"origin", "https://127.0.0.1:8440"}, {"x-forwarded-proto", "https"}});
  REQUIRE(right.status == 303);
  const std::string cookie = DashboardWorld::header(right, "Set-Cookie");
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("Secure") != std::string::npos);  // nginx forwarded HTTPS
  auto cross = w.request("POST", "/login", "username=cntt&password=mat-khau-cntt", {{"origin", "http://evil.example"}});
  CHECK(cross.status == 403);
}

TEST_CASE("signing out needs the session's CSRF token and ends the session", "[dashboard]") {
  DashboardWorld w;
  const std::string cookie = w.sign_in();
  auto page = w.request("GET", "/", "", {{"cookie", cookie}});
  REQUIRE(page.status == 200);
  const std::string csrf = csrf_of(page.body);
  auto forged = w.request("POST", "/logout", "csrf=" + std::string(64, '0'), {{"cookie", cookie}});
  CHECK(forged.status == 403);
  CHECK(w.request("GET", "/", "", {{"cookie", cookie}}).status == 200);
  auto out = w.request("POST", "/logout", "csrf=" + csrf, {{"cookie", cookie}, {"origin", "http://127.0.0.1:8440"}});
  CHECK(out.status == 303);
  CHECK(w.request("GET", "/", "", {{"cookie", cookie}}).status == 303);
}

TEST_CASE("the fleet page filters by state and kind and finds an office by name without diacritics", "[dashboard]") {
  DashboardWorld w;
  const std::string cookie = w.sign_in();
  auto all = w.request("GET", "/", "", {{"cookie", cookie}});
  REQUIRE(all.status == 200);
  const json s = w.status();
  const size_t units = s["units"].size();
  auto rows = [](const std::string& body) {
    size_t n = 0;
    for (size_t p = body.find("<tr class=\"state-"); p != std::string::npos; p = body.find("<tr class=\"state-", p + 1)) ++n;
    return n;
  };
  CHECK(rows(all.body) == units);
  CHECK(all.body.find("id=\"count-grey\"><span class=\"n\">" + std::to_string(units) + "</span>") != std::string::npos);
  auto green = w.request("GET", "/?state=green", "", {{"cookie", cookie}});
  CHECK(rows(green.body) == 0);  // no office has synced yet
  auto found = w.request("GET", "/?q=pho+hien", "", {{"cookie", cookie}});
  CHECK(rows(found.body) == 1);
  CHECK(found.body.find("data-unit=\"11953\"") != std::string::npos);
  auto agencies = w.request("GET", "/?kind=agency", "", {{"cookie", cookie}});
  size_t expected = 0;
  for (const json& u : s["units"]) expected += u["kind"] == "agency";
  CHECK(rows(agencies.body) == expected);
}

TEST_CASE("an office page shows its history sections, and an unknown office is 404", "[dashboard]") {
  DashboardWorld w;
  const std::string cookie = w.sign_in();
  auto office = w.request("GET", "/office/11953", "", {{"cookie", cookie}});
  REQUIRE(office.status == 200);
  for (const char* id : {"id=\"office-state\"", "id=\"syncs\"", "id=\"batches\"", "id=\"quarantined\"", "id=\"conflicts\""}) {
    CHECK(office.body.find(id) != std::string::npos);
  }
  CHECK(office.body.find("Phường Phố Hiến") != std::string::npos);
  CHECK(w.request("GET", "/office/99999", "", {{"cookie", cookie}}).status == 404);
}

TEST_CASE("the statistics page refuses a bad period and the CSV download opens in Excel", "[dashboard]") {
  DashboardWorld w;
  const std::string cookie = w.sign_in();
  auto bad = w.request("GET", "/reports?from=2026-12-01&to=2026-01-01&by=unit", "", {{"cookie", cookie}});
  CHECK(bad.status == 400);
  CHECK(bad.body.find("Không lập được báo cáo") != std::string::npos);
  auto page = w.request("GET", "/reports?from=2026-01-01&to=2026-11-30&by=field", "", {{"cookie", cookie}});
  CHECK(page.status == 200);
  CHECK(page.body.find("id=\"report\"") != std::string::npos);
  auto csv = w.request("GET", "/reports.csv?from=2026-01-01&to=2026-11-30&by=unit", "", {{"cookie", cookie}});
  REQUIRE(csv.status == 200);
  CHECK(csv.body.rfind("\xEF\xBB\xBF", 0) == 0);
  CHECK(csv.content_type.find("text/csv") == 0);
  auto api = w.request("GET", "/api/report?from=2026-01-01&to=2026-11-30&by=procedure", "", {{"cookie", cookie}});
  REQUIRE(api.status == 200);
  CHECK(json::parse(api.body)["by"] == "procedure");
}

TEST_CASE("/metrics is Prometheus text whose office counts match the status, for local requests only", "[dashboard][metrics]") {
  DashboardWorld w;
  auto m = w.request("GET", "/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.content_type.find("text/plain; version=0.0.4") == 0);
  // Every line is a comment or `name{labels} value`, and every sample's family was declared.
  const std::regex sample(R"(^([a-z_]+)(\{([a-z_]+="([^"\\]|\\.)*")(,[a-z_]+="([^"\\]|\\.)*")*\})? (-?[0-9.e+]+|\+Inf|NaN)$)");
  std::map<std::string, std::string> types;
  std::map<std::string, double> values;
  size_t start = 0;
  while (start < m.body.size()) {
    size_t end = m.body.find('\n', start);
    REQUIRE(end != std::string::npos);  // the text ends with a newline
    const std::string line = m.body.substr(start, end - start);
    start = end + 1;
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      types[rest.substr(0, rest.find(' '))] = rest.substr(rest.find(' ') + 1);
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) continue;
    std::smatch parts;
    INFO(line);
    REQUIRE(std::regex_match(line, parts, sample));
    std::string family = parts[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string sfx = suffix;
      if (!types.count(family) && family.size() > sfx.size() && family.compare(family.size() - sfx.size(), sfx.size(), sfx) == 0) {
        family = family.substr(0, family.size() - sfx.size());
      }
    }
    CHECK(types.count(family) == 1);
    values[line.substr(0, line.rfind(' '))] = std::stod(line.substr(line.rfind(' ') + 1));
  }
  const json s = w.status();
  for (const char* state : {"red", "amber", "green", "grey"}) {
    CHECK(values[std::string("motcua_offices{state=\"") + state + "\"}"] == s["summary"][state].get<double>());
  }
  CHECK(values["motcua_dossiers"] == s["dossiers"].get<double>());
  CHECK(types["motcua_intake_duration_seconds"] == "histogram");
  CHECK(values["motcua_intake_duration_seconds_bucket{le=\"+Inf\"}"] == values["motcua_intake_duration_seconds_count"]);

  auto proxied = w.request("GET", "/metrics", "", {{"x-forwarded-for", "203.0.113.7"}});
  CHECK(proxied.status == 403);
  auto store = hub::HubStore::open(w.hub_dir, w.clock);
  REQUIRE(store);
  REQUIRE(store->set_meta("metrics_access", "proxy"));
  CHECK(w.request("GET", "/metrics", "", {{"x-forwarded-for", "203.0.113.7"}}).status == 200);
}
