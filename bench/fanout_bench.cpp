// motcua-bench-fanout [--offices N] [--procedures P] [--clients C] [--threads T] [--keep DIR]
// A catalogue publication reaching a whole fleet: the real `motcua-hub serve` process, N offices
// (default 1,000) enrolled through agent::enroll over loopback HTTP, then
//   1. a province-size catalogue of P generated procedures (default 2,000) published at the hub,
//      and every office syncing (agent::sync_outbox: the agent's own feed pull and apply) from C
//      client threads (default 16) until it holds it;
//   2. a 5 % change of that catalogue (P/20 time limits), the same way.
// For each: bytes down per office (HTTP on the socket, headers included; min / median / max), the
// time from the first office's request to the last office holding the new version, the hub's CPU
// seconds and memory (from /proc), and the publication's JSON size. Every office must end with the
// published version: exit 1 otherwise.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/store.hpp"
#include "agent/sync.hpp"
#include "bench/bench_support.hpp"
#include "bench/fleet.hpp"
#include "bench/generated_catalog.hpp"
#include "bench/hub_dataset.hpp"
#include "hub/hub_store.hpp"
#include "hub/publish.hpp"

using namespace motcua;
using motcua::bench::die;
using motcua::bench::must;
namespace fs = std::filesystem;
using Clk = std::chrono::steady_clock;

namespace {

double since(Clk::time_point t0) { return std::chrono::duration<double>(Clk::now() - t0).count(); }

struct Round {
  std::vector<double> down;  // bytes per office
  std::vector<double> up;
  double seconds = 0;
  double hub_cpu = 0;
  int64_t hub_rss_kib = 0, hub_peak_kib = 0;
  int64_t payload_bytes = 0;
  int64_t changed = 0;
};

// Every office syncs once (C at a time); each must end holding catalogue `version`.
Round fan_out(const std::vector<std::string>& offices, int clients, int64_t version, const bench::HubProcess& hub) {
  Round r;
  std::mutex mutex;
  std::atomic<size_t> next{0};
  std::optional<Error> problem;
  const auto u0 = hub.usage();
  const auto t0 = Clk::now();
  const auto deadline = t0 + std::chrono::minutes(30);
  std::vector<std::thread> pool;
  for (int w = 0; w < clients; ++w) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < offices.size(); i = next++) {
        auto report = [&]() -> Result<agent::SyncReport> {
          MOTCUA_ASSIGN_OR_RETURN(agent::Store store, agent::Store::open(offices[i], false, process_clock()));
          return agent::sync_outbox(store);
        }();
        std::lock_guard<std::mutex> lock(mutex);
        if (!report || report->feed.catalog_version != version || Clk::now() > deadline) {
          if (!problem) {
            problem = !report ? report.error()
                              : Error::internal(offices[i] + " holds catalogue " +
                                                std::to_string(report->feed.catalog_version.value_or(0)) + ", not " +
                                                std::to_string(version) + " (or the 30-minute limit passed)");
          }
          return;
        }
        r.down.push_back(static_cast<double>(report->wire_bytes_down));
        r.up.push_back(static_cast<double>(report->wire_bytes_up));
      }
    });
  }
  for (auto& t : pool) t.join();
  if (problem) die("fan-out", *problem);
  r.seconds = since(t0);
  const auto u1 = hub.usage();
  r.hub_cpu = u1.cpu_seconds - u0.cpu_seconds;
  r.hub_rss_kib = u1.rss_kib;
  r.hub_peak_kib = u1.peak_rss_kib;
  return r;
}

void print_round(const char* what, const Round& r, size_t offices) {
  std::printf("%-34s %9.0f %9.0f %9.0f %9.0f %9.1f %9.1f %9.1f %6.0f/%-4.0f %10lld\n", what, bench::percentile(r.down, 0),
              bench::percentile(r.down, 50), bench::percentile(r.down, 100), bench::percentile(r.up, 50), r.seconds,
              r.seconds * 1000 / static_cast<double>(offices), r.hub_cpu, static_cast<double>(r.hub_rss_kib) / 1024,
              static_cast<double>(r.hub_peak_kib) / 1024, static_cast<long long>(r.payload_bytes));
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) die("write", Error::io("cannot write " + path.string()));
}

bool parse_int(const char* text, int lo, int hi, int& out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) return false;
  out = static_cast<int>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bench::g_program = "motcua-bench-fanout";
  int offices = 1000, procedures = 2000, clients = 16, threads = 4;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    bool ok = has_value;
    if (a == "--offices" && has_value) ok = parse_int(argv[++i], 1, 3000, offices);
    else if (a == "--procedures" && has_value) ok = parse_int(argv[++i], 20, 10000, procedures);
    else if (a == "--clients" && has_value) ok = parse_int(argv[++i], 1, 256, clients);
    else if (a == "--threads" && has_value) ok = parse_int(argv[++i], 1, 64, threads);
    else if (a == "--keep" && has_value) keep = argv[++i];
    else ok = false;
    if (!ok) {
      std::fprintf(stderr,
                   "usage: motcua-bench-fanout [--offices N (1-3000)] [--procedures P (20-10000)] [--clients C (1-256)]\n"
                   "                           [--threads T (1-64)] [--keep DIR]\n");
      return 2;
    }
  }
  const fs::path dir =
      keep.empty() ? fs::temp_directory_path() / ("motcua-bench-fanout-" + Id128::random().hex()) : fs::path(keep);
  fs::create_directories(dir);
  const Clock& clock = process_clock();
  const std::string hub_dir = (dir / "hub").string();
  must(bench::init_bench_hub(hub_dir, clock, offices + 1), "hub init");
  std::vector<std::string> units;
  {
    auto store = must(hub::HubStore::open(hub_dir, clock), "hub open");
    units = must(bench::office_units(store.db()), "units");
  }
  units.resize(std::min(units.size(), static_cast<size_t>(offices)));
  auto hub = must(bench::HubProcess::start(MOTCUA_HUB_EXE, hub_dir, threads), "hub serve");
  auto t0 = Clk::now();
  const auto office_dirs = must(bench::enroll_offices(hub_dir, hub->url(), units, dir.string(), 4, clock), "enroll");
  const double enroll_seconds = since(t0);

  const std::string sample = std::string(MOTCUA_SOURCE_DIR) + "/data/tthc-commune-sample.csv";
  const auto vocabulary = must(bench::read_catalog_vocabulary(sample), "read sample");
  write_text(dir / "large.csv", bench::generated_catalog(vocabulary, procedures, 0));
  write_text(dir / "large-5pc.csv", bench::generated_catalog(vocabulary, procedures, 20));

  auto publish = [&](const fs::path& csv) {
    auto store = must(hub::HubStore::open(hub_dir, clock), "hub open");
    return must(hub::publish_catalog(store, csv.string()), "publish " + csv.filename().string());
  };
  const auto whole = publish(dir / "large.csv");
  Round first = fan_out(office_dirs, clients, whole.version, *hub);
  first.payload_bytes = whole.payload_bytes;
  first.changed = whole.procedures_changed;
  const auto five = publish(dir / "large-5pc.csv");
  Round second = fan_out(office_dirs, clients, five.version, *hub);
  second.payload_bytes = five.payload_bytes;
  second.changed = five.procedures_changed;
  hub.reset();

  std::printf("machine: %s; %zu offices enrolled in %.1f s; hub listener threads %d; %d client threads\n",
              bench::machine_description().c_str(), office_dirs.size(), enroll_seconds, threads, clients);
  std::printf("%-34s %9s %9s %9s %9s %9s %9s %9s %11s %10s\n", "publication", "down min", "down p50", "down max",
              "up p50", "total s", "ms/office", "hub CPU s", "hub RSS MB", "JSON bytes");
  const std::string label1 = "catalogue of " + std::to_string(procedures) + " (" + std::to_string(first.changed) + " new)";
  const std::string label2 = "5 % change (" + std::to_string(second.changed) + " procedures)";
  print_round(label1.c_str(), first, office_dirs.size());
  print_round(label2.c_str(), second, office_dirs.size());
  std::printf("down/up = bytes per office on the socket (HTTP headers included); total s = first request to the last "
              "office holding the version, offices applying it themselves; hub RSS = at the end / peak\n");
  if (keep.empty()) fs::remove_all(dir);
  const bool small_delta = bench::percentile(second.down, 100) <= 20 * 1024;
  if (!small_delta) std::printf("the 5 %% change exceeded 20 KB for some office\n");
  return small_delta ? 0 : 1;
}
