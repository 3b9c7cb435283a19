// motcua-bench-dashboard [--offices N] [--dossiers N] [--requests N] [--keep DIR]
// The hub's web dashboard for provincial IT with a province-sized fleet:
//   1. Sets a hub up in a temporary directory (or DIR) with N offices (default 1,000: the
//      province's units and extra ones), an agent at most of them with 50 reports and a few
//      hundred batches each (a mix of fresh, silent, failing, clock-off, outdated and quarantined
//      offices), and N dossiers (default 1,000,000) received at those offices over the last year
//      (bench/hub_dataset.hpp, shared with motcua-bench-report).
//   2. Opens the real hub::HubService on it with the system clock, creates an IT account and signs
//      in with POST /login, then times, through HubService::handle, GET /, GET /?state=red,
//      GET /office/<the worst office>, GET /api/status and GET /metrics (--requests times each,
//      default 20), GET /reports for 2026 by unit (3 times), and hub::hub_status called directly.
//      The first call of each is reported separately (cold: the service's connection has an empty
//      page cache; the file itself was just written and sits in the OS cache).
// Prints the machine, the generation time, the database size, the fleet's states and, per
// request, the cold time, p50 / p95 / max and the response size. Every response must be 200:
// anything else stops the bench with exit status 1. The directory is removed at the end unless
// --keep DIR; with --keep, a DIR that already holds a hub from an earlier run is used as is (no
// generation; its offices' last syncs have aged since).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_support.hpp"
#include "bench/hub_dataset.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "hub/hub_store.hpp"
#include "hub/it_accounts.hpp"
#include "hub/service.hpp"
#include "hub/status.hpp"

using namespace motcua;
using motcua::bench::die;
using motcua::bench::must;
namespace fs = std::filesystem;
using Clk = std::chrono::steady_clock;

namespace {

std::string g_cleanup_dir;

void remove_cleanup_dir() {
  if (g_cleanup_dir.empty()) return;
  std::error_code ec;
  fs::remove_all(g_cleanup_dir, ec);
  g_cleanup_dir.clear();
}

double ms_since(Clk::time_point t0) { return std::chrono::duration<double, std::milli>(Clk::now() - t0).count(); }

bool parse_int(const char* text, long lo, long hi, long& out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) return false;
  out = v;
  return true;
}

int usage() {
  std::fprintf(stderr,
               "usage: motcua-bench-dashboard [--offices N (10-20000, default 1000)] [--dossiers N (0-5000000, "
               "default 1000000)] [--requests N (1-1000, default 20)] [--keep DIR]\n");
  return 2;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return std::string(trim(line.substr(colon + 1)));
    }
  }
  return "unknown";
}

double db_megabytes(const std::string& data) {
  std::error_code ec;
  double total = 0;
  for (const char* suffix : {"", "-wal"}) {
    const auto size = fs::file_size(hub::HubStore::database_path(data) + suffix, ec);
    if (!ec) total += static_cast<double>(size);
  }
  return total / 1e6;
}

// The q-quantile of sorted samples (nearest rank).
double quantile(const std::vector<double>& sorted, double q) {
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

struct Timing {
  std::string name;
  double cold_ms = 0;
  std::vector<double> warm_ms;
  size_t bytes = 0;
};

void print_timing(const Timing& t) {
  std::vector<double> v = t.warm_ms;
  std::sort(v.begin(), v.end());
  std::printf("%-46s cold %8.1f ms  p50 %8.1f ms  p95 %8.1f ms  max %8.1f ms  (%2zu warm)  %9.1f KB\n", t.name.c_str(),
              t.cold_ms, quantile(v, 0.5), quantile(v, 0.95), v.back(), v.size(), static_cast<double>(t.bytes) / 1e3);
}

// Runs `call` once cold and `repeats` times warm; `call` returns the response size.
Timing measure(const std::string& name, int repeats, const std::function<size_t()>& call) {
  Timing t;
  t.name = name;
  auto t0 = Clk::now();
  t.bytes = call();
  t.cold_ms = ms_since(t0);
  for (int i = 0; i < repeats; ++i) {
    t0 = Clk::now();
    t.bytes = call();
    t.warm_ms.push_back(ms_since(t0));
  }
  print_timing(t);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  bench::g_program = "motcua-bench-dashboard";
  long offices = 1000, dossiers = 1000000, requests = 20;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--offices") == 0 && i + 1 < argc) {
      if (!parse_int(argv[++i], 10, 20000, offices)) return usage();
    } else if (std::strcmp(argv[i], "--dossiers") == 0 && i + 1 < argc) {
      if (!parse_int(argv[++i], 0, 5000000, dossiers)) return usage();
    } else if (std::strcmp(argv[i], "--requests") == 0 && i + 1 < argc) {
      if (!parse_int(argv[++i], 1, 1000, requests)) return usage();
    } else if (std::strcmp(argv[i], "--keep") == 0 && i + 1 < argc) {
      keep = argv[++i];
    } else {
      return usage();
    }
  }
  const fs::path dir = keep.empty() ? fs::temp_directory_path() / ("motcua-bench-dashboard-" + Id128::random().hex())
                                    : fs::path(keep);
  const std::string data = (dir / "hub").string();
  const bool reuse = !keep.empty() && fs::exists(hub::HubStore::database_path(data));
  fs::create_directories(dir);
  if (keep.empty()) {
    g_cleanup_dir = dir.string();
    std::atexit(remove_cleanup_dir);
  }
  SystemClock clock;
  std::printf("machine   %ld CPUs, %s\n", sysconf(_SC_NPROCESSORS_ONLN), cpu_model().c_str());

  // 1. The hub, its fleet and its year.
  if (reuse) {
    std::printf("reused    %s (no generation)\n", data.c_str());
  } else {
    const auto g0 = Clk::now();
    must(bench::init_bench_hub(data, clock, static_cast<int>(offices)), "init");
    const double init_ms = ms_since(g0);
    sql::Db db = must(bench::open_generating_db(data), "open database");
    const Instant now = clock.now();
    const auto f0 = Clk::now();
    bench::FleetOptions fleet_options;
    fleet_options.now = now;
    const bench::FleetStats fleet = must(bench::generate_fleet(db, fleet_options), "fleet");
    const double fleet_ms = ms_since(f0);
    const auto d0 = Clk::now();
    bench::DossierOptions options;
    options.count = dossiers;
    options.now = now;
    options.last_day = vn_date(now);
    options.first_day = add_days(options.last_day, -364);
    options.units = must(bench::office_units(db), "units");
    options.with_conflicts = true;
    bench::DossierStats stats;
    if (dossiers > 0) stats = must(bench::generate_dossiers(db, options), "dossiers");
    const double dossier_ms = ms_since(d0);
    std::printf("fleet     %zu offices: %lld agents active, %lld revoked, %lld never enrolled; planted %lld fresh, "
                "%lld silent for hours, %lld for days, %lld failing, %lld clock off, %lld old version, %lld with a "
                "quarantined batch\n",
                options.units.size(), static_cast<long long>(fleet.agents), static_cast<long long>(fleet.revoked),
                static_cast<long long>(fleet.not_enrolled), static_cast<long long>(fleet.fresh),
                static_cast<long long>(fleet.silent_hours), static_cast<long long>(fleet.silent_days),
                static_cast<long long>(fleet.erroring), static_cast<long long>(fleet.clock_off),
                static_cast<long long>(fleet.old_version), static_cast<long long>(fleet.with_quarantine));
    std::printf("          %lld reports, %lld batches (%lld quarantined)\n", static_cast<long long>(fleet.reports),
                static_cast<long long>(fleet.batches), static_cast<long long>(fleet.quarantined));
    std::printf("dossiers  %lld received %04d-%02d-%02d..%04d-%02d-%02d, %lld status events, %lld conflicts\n",
                static_cast<long long>(stats.dossiers), options.first_day.year, options.first_day.month,
                options.first_day.day, options.last_day.year, options.last_day.month, options.last_day.day,
                static_cast<long long>(stats.events), static_cast<long long>(stats.conflicts));
    std::printf("generated in %.1f s: hub and units %.1f s, fleet %.1f s, dossiers %.1f s; hub.db %.0f MB\n",
                ms_since(g0) / 1e3, init_ms / 1e3, fleet_ms / 1e3, dossier_ms / 1e3, db_megabytes(data));
  }

  // 2. The service, an IT account and its session.
  {
    hub::HubStore store = must(hub::HubStore::open(data, clock), "open hub");
    auto added = hub::add_it_account(store.db(), clock, "bench", "Cán bộ đo hiệu năng", "bench-password-2026");
    if (!added && added.error().code != ErrorCode::kConflict) die("add IT account", added.error());
  }
  auto service = must(hub::HubService::create(data, clock), "hub service");
  hub::HttpRequest login;
  login.method = "POST";
  login.target = "/login";
  login.headers = {{"host", "127.0.0.1:8443"}, {"content-type", "application/x-www-form-urlencoded"}};
  login.body = "username=bench&password=bench-password-2026";
  const hub::HttpResponse signed_in = service->handle(login);
  std::string cookie;
  for (const auto& [name, value] : signed_in.headers) {
    if (name == "Set-Cookie") cookie = value.substr(0, value.find(';'));
  }
  if (signed_in.status != 303 || cookie.empty()) {
    die("sign in", Error::internal("POST /login answered " + std::to_string(signed_in.status) + " without a session"));
  }

  auto get = [&](const std::string& target) -> size_t {
    hub::HttpRequest r;
    r.method = "GET";
    r.target = target;
    r.headers = {{"host", "127.0.0.1:8443"}, {"cookie", cookie}};
    const hub::HttpResponse response = service->handle(r);
    if (response.status != 200) {
      die("GET " + target, Error::internal("status " + std::to_string(response.status) + ": " +
                                           response.body.substr(0, 300)));
    }
    return response.body.size();
  };

  // The fleet as the dashboard sees it, and its worst office for the office page.
  hub::HubStore reader = must(hub::HubStore::open(data, clock), "open hub");
  const auto s0 = Clk::now();
  const nlohmann::json status = must(hub::hub_status(reader), "status");
  const double status_cold_ms = ms_since(s0);
  const std::string worst = status.at("units").at(0).at("unit").get<std::string>();
  std::printf("states    red %lld, amber %lld, green %lld, grey %lld; %zu alerts; %lld dossiers at %zu units\n",
              static_cast<long long>(status["summary"]["red"].get<int64_t>()),
              static_cast<long long>(status["summary"]["amber"].get<int64_t>()),
              static_cast<long long>(status["summary"]["green"].get<int64_t>()),
              static_cast<long long>(status["summary"]["grey"].get<int64_t>()), status["alerts"].size(),
              static_cast<long long>(status["dossiers"].get<int64_t>()), status["units"].size());

  // 3. The requests.
  const int n = static_cast<int>(requests);
  std::printf("requests  %d warm after one cold call each (3 for /reports), through HubService::handle\n", n);
  measure("GET /", n, [&] { return get("/"); });
  measure("GET /?state=red", n, [&] { return get("/?state=red"); });
  measure("GET /office/" + worst, n, [&] { return get("/office/" + worst); });
  measure("GET /api/status", n, [&] { return get("/api/status"); });
  measure("GET /metrics", n, [&] { return get("/metrics"); });
  measure("GET /reports?from=2026-01-01&to=2026-12-31&by=unit", std::min(n, 3),
          [&] { return get("/reports?from=2026-01-01&to=2026-12-31&by=unit"); });
  measure("hub::hub_status (own connection)", n, [&] {
    return must(hub::hub_status(reader), "status").dump().size();
  });
  std::printf("%-46s first call on its connection (before the requests): %.1f ms\n", "", status_cold_ms);
  if (!keep.empty()) std::printf("kept      %s\n", dir.string().c_str());
  return 0;
}
