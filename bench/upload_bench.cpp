// motcua-bench-upload [--dossiers N] [--keep DIR]
// Bytes on the wire to upload N dossiers (default 1,000) with three status changes each
// (2→4→9→10), from one office to a real hub over loopback HTTP, beside the same data as JSON lines
// compressed with zstd -19 in batches of 100 dossiers. Prints requests, bytes up/down (request
// and status lines, headers and bodies, as curl wrote and read them on the socket), and the hub's
// apply rate as seen by the office (facts acknowledged per second of sync).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "agent/dossiers.hpp"
#include "agent/setup.hpp"
#include "agent/sync.hpp"
#include "bench/bench_support.hpp"
#include "bench/json_baseline.hpp"
#include "hub/enrollment.hpp"
#include "hub/hub_store.hpp"

using namespace motcua;
using motcua::bench::die;
using motcua::bench::must;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  bench::g_program = "motcua-bench-upload";
  int dossiers = 1000;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dossiers") == 0 && i + 1 < argc) {
      dossiers = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--keep") == 0 && i + 1 < argc) {
      keep = argv[++i];
    } else {
      std::fprintf(stderr, "usage: motcua-bench-upload [--dossiers N (1-100000)] [--keep DIR]\n");
      return 2;
    }
  }
  if (dossiers < 1 || dossiers > 100000) {
    std::fprintf(stderr, "motcua-bench-upload: --dossiers must be 1-100000\n");
    return 2;
  }
  const fs::path dir = keep.empty() ? fs::temp_directory_path() / ("motcua-bench-" + Id128::random().hex()) : fs::path(keep);
  fs::create_directories(dir);
  ManualClock clock(*parse_rfc3339("2026-03-02T07:30:00+07:00"));

  // The hub, in this process, on a loopback port.
  must(hub::init_hub((dir / "hub").string(), "33", clock), "hub init");
  auto hub_server = std::make_unique<bench::LoopbackHub>((dir / "hub").string(), clock);
  const std::string url = hub_server->url();

  // The office records everything offline first.
  agent::InitRequest init;
  init.data_dir = (dir / "office").string();
  init.unit_code = "11953";
  init.catalog_path = std::string(MOTCUA_SOURCE_DIR) + "/data/tthc-commune-sample.csv";
  init.calendar_path = std::string(MOTCUA_SOURCE_DIR) + "/data/holidays-vn.csv";
  must(agent::init_office(init, clock), "office init");
  auto store = must(agent::Store::open(init.data_dir, false, clock), "office open");
  const char* procedures[] = {"2.001019", "1.004837", "2.000815", "1.004845"};
  for (int i = 0; i < dossiers; ++i) {
    clock.advance_ms(20 * kMsPerSecond);
    agent::ReceiveRequest req;
    req.procedure = procedures[i % 4];
    req.applicant = "Nguyễn Thị Hoa " + std::to_string(i);
    req.citizen_id = "0331980" + std::to_string(10000 + i % 90000);
    req.phone = "0912" + std::to_string(100000 + i % 900000);
    req.address = "Số " + std::to_string(i) + ", Phường Phố Hiến, Tỉnh Hưng Yên";
    req.documents = {{"Tờ khai", "chinh", 1}, {"CCCD", "photo", 1}};
    req.actor = "canbo.phohien";
    auto r = must(agent::receive(store, req), "receive");
    for (int to : {4, 9, 10}) {
      clock.advance_ms(kMsPerSecond);
      must(agent::set_status(store, {r.code, to, "", "canbo.phohien"}), "set-status");
    }
  }
  // The same dossiers as JSON lines, read back from the office (bench/json_baseline.hpp).
  const auto reference = must(bench::json_lines_reference(store.db()), "JSON lines reference");

  // Enroll and upload everything.
  std::string code;
  {
    auto hs = must(hub::HubStore::open((dir / "hub").string(), clock), "hub open");
    code = must(hub::create_enrollment_code(hs.db(), "11953", 72, clock.now()), "enroll code").code;
  }
  must(agent::enroll({init.data_dir, url, code, "", ""}, clock), "enroll");
  const auto t0 = std::chrono::steady_clock::now();
  auto report = must(agent::sync_outbox(store), "sync");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  hub_server.reset();

  const int64_t facts = dossiers * (1 + 2 + 3);  // dossier + 2 documents + 3 events
  std::printf("dossiers                    %d (3 status changes each; %lld facts)\n", dossiers,
              static_cast<long long>(facts));
  std::printf("requests                    %d (batches: %d applied)\n", report.requests, report.applied);
  std::printf("bytes up (HTTP, on socket)  %lld  (envelopes %lld)\n", static_cast<long long>(report.wire_bytes_up),
              static_cast<long long>(report.bytes_sent));
  std::printf("bytes down (HTTP)           %lld\n", static_cast<long long>(report.wire_bytes_down));
  std::printf("bytes per dossier up        %.1f\n", static_cast<double>(report.wire_bytes_up) / dossiers);
  std::printf("JSON lines, raw             %lld\n", static_cast<long long>(reference.raw_bytes));
  std::printf("JSON lines, zstd -19 / 100  %lld  (motcua/baseline %.2f)\n", static_cast<long long>(reference.zstd_bytes),
              static_cast<double>(report.wire_bytes_up) / static_cast<double>(reference.zstd_bytes));
  std::printf("sync wall time              %.3f s\n", seconds);
  std::printf("hub apply rate (as seen)    %.0f facts/s\n", static_cast<double>(facts) / seconds);
  std::printf("pending after sync          %lld\n", static_cast<long long>(report.pending_left));
  if (keep.empty()) fs::remove_all(dir);
  return report.pending_left == 0 ? 0 : 1;
}
