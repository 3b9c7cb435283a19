// motcua-bench-report [--dossiers N] [--keep]
// The province's statistics (hub/report.hpp) on a hub holding a year of a whole province:
//   1. Sets a hub up in a temporary directory (province 33, its communes, the sample catalogue and
//      the calendar) and fills it with N dossiers (default 1,000,000) received on the working days
//      of 2026 at every commune of the province, with their status events and dossier_state rows
//      (bench/hub_dataset.hpp, shared with motcua-bench-dashboard).
//   2. Times statistics_report for the whole of 2026 by unit, field and procedure, and for the
//      last quarter by unit (most dossiers finished before it and are skipped).
// Prints the generation time, the database size and each report's time in ms. The directory is
// removed at the end unless --keep.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/bench_support.hpp"
#include "bench/hub_dataset.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"
#include "hub/hub_store.hpp"
#include "hub/report.hpp"

using namespace motcua;
using motcua::bench::die;
using motcua::bench::must;
namespace fs = std::filesystem;
using Clk = std::chrono::steady_clock;

namespace {

constexpr const char* kNow = "2027-01-10T09:00:00+07:00";  // histories stop here

std::string g_cleanup_dir;

void remove_cleanup_dir() {
  if (g_cleanup_dir.empty()) return;
  std::error_code ec;
  fs::remove_all(g_cleanup_dir, ec);
  g_cleanup_dir.clear();
}

double ms_since(Clk::time_point t0) { return std::chrono::duration<double, std::milli>(Clk::now() - t0).count(); }

bool parse_int(const char* text, int lo, int hi, int& out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) return false;
  out = static_cast<int>(v);
  return true;
}

int usage() {
  std::fprintf(stderr, "usage: motcua-bench-report [--dossiers N (1000-5000000, default 1000000)] [--keep]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bench::g_program = "motcua-bench-report";
  int dossiers = 1000000;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dossiers") == 0 && i + 1 < argc) {
      if (!parse_int(argv[++i], 1000, 5000000, dossiers)) return usage();
    } else if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else {
      return usage();
    }
  }
  const fs::path dir = fs::temp_directory_path() / ("motcua-bench-report-" + Id128::random().hex());
  fs::create_directories(dir);
  if (!keep) {
    g_cleanup_dir = dir.string();
    std::atexit(remove_cleanup_dir);
  }
  const std::string data = (dir / "hub").string();
  ManualClock clock(must(parse_rfc3339(kNow), "now"));

  // 1. The hub and its year.
  const auto g0 = Clk::now();
  must(bench::init_bench_hub(data, clock, 0), "init");
  bench::DossierStats stats;
  {
    sql::Db generating = must(bench::open_generating_db(data), "open database");
    bench::DossierOptions options;
    options.count = dossiers;
    options.now = clock.now();
    stats = must(bench::generate_dossiers(generating, options), "generate");
  }
  const double generation_ms = ms_since(g0);
  std::error_code ec;
  const auto size = fs::file_size(hub::HubStore::database_path(data), ec);
  std::printf("generated %d dossiers, %lld status events, %zu units, %zu procedures in %.0f ms; hub.db %.0f MB\n",
              dossiers, static_cast<long long>(stats.events), stats.units, stats.procedures, generation_ms,
              static_cast<double>(size) / 1e6);
  sql::Db db = must(sql::Db::open(hub::HubStore::database_path(data)), "open database");

  // 2. The reports.
  struct Run {
    const char* from;
    const char* to;
    const char* by;
  };
  for (const Run& r : {Run{"2026-01-01", "2026-12-31", "unit"}, Run{"2026-01-01", "2026-12-31", "field"},
                       Run{"2026-01-01", "2026-12-31", "procedure"}, Run{"2026-10-01", "2026-12-31", "unit"}}) {
    const hub::ReportQuery q = must(hub::parse_report_query(r.from, r.to, r.by), "query");
    const auto t0 = Clk::now();
    const nlohmann::json report = must(hub::statistics_report(db, q), "report");
    const double ms = ms_since(t0);
    const auto& total = report.at("total");
    std::printf("report %s..%s by %-9s %8.0f ms  %3zu rows  received %lld  resolved %lld  on-time 766 %s\n", r.from,
                r.to, r.by, ms, report.at("rows").size(),
                static_cast<long long>(total.at("received_total").get<int64_t>()),
                static_cast<long long>(total.at("resolved_total").get<int64_t>()),
                total.at("on_time_rate_766").dump().c_str());
  }
  if (keep) std::printf("kept %s\n", dir.string().c_str());
  return 0;
}
