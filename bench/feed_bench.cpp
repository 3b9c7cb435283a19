// motcua-bench-feed [--procedures N] [--keep DIR]
// Bytes on the wire for the feed, hub to office, over loopback HTTP (request and status lines,
// headers and bodies, as curl wrote and read them on the socket):
//   1. enrollment of an empty office: the first feed pull brings the whole sample catalogue and the
//      2026-27 calendar;
//   2. a sync with nothing new;
//   3. a catalogue change of one procedure;
//   4. a province-size catalogue of N generated procedures (default 2,000), published whole, then a
//      5 % change of it (N/20 time limits), each as the office receives it.
// Also prints the publications' JSON sizes and the time the office took to apply them.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/sync.hpp"
#include "common/files.hpp"
#include "bench/bench_support.hpp"
#include "bench/generated_catalog.hpp"
#include "hub/enrollment.hpp"
#include "hub/hub_store.hpp"
#include "hub/publish.hpp"

using namespace motcua;
using motcua::bench::die;
using motcua::bench::must;
namespace fs = std::filesystem;

namespace {



void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    std::fprintf(stderr, "motcua-bench-feed: cannot write %s\n", path.string().c_str());
    std::exit(1);
  }
}

struct Pull {
  int64_t up = 0;
  int64_t down = 0;
  double seconds = 0;
  std::string applied;
};

Pull sync_once(agent::Store& store) {
  const auto t0 = std::chrono::steady_clock::now();
  auto report = must(agent::sync_outbox(store), "sync");
  Pull p;
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  p.up = report.wire_bytes_up;
  p.down = report.wire_bytes_down;
  for (const auto& a : report.feed.applied) p.applied += (p.applied.empty() ? "" : ", ") + a;
  return p;
}

void print(const char* what, const Pull& p, int64_t json_bytes) {
  std::printf("%-50s up %7lld  down %8lld  total %8lld  (publication JSON %lld; applied %s in %.3f s)\n", what,
              static_cast<long long>(p.up), static_cast<long long>(p.down), static_cast<long long>(p.up + p.down),
              static_cast<long long>(json_bytes), p.applied.empty() ? "nothing" : p.applied.c_str(), p.seconds);
}

}  // namespace

int main(int argc, char** argv) {
  bench::g_program = "motcua-bench-feed";
  int procedures = 2000;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--procedures") == 0 && i + 1 < argc) {
      procedures = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--keep") == 0 && i + 1 < argc) {
      keep = argv[++i];
    } else {
      std::fprintf(stderr, "usage: motcua-bench-feed [--procedures N (20-10000)] [--keep DIR]\n");
      return 2;
    }
  }
  if (procedures < 20 || procedures > 10000) {
    std::fprintf(stderr, "motcua-bench-feed: --procedures must be 20-10000\n");
    return 2;
  }
  const fs::path dir =
      keep.empty() ? fs::temp_directory_path() / ("motcua-bench-" + Id128::random().hex()) : fs::path(keep);
  fs::create_directories(dir);
  ManualClock clock(*parse_rfc3339("2026-03-02T07:30:00+07:00"));
  const std::string sample = std::string(MOTCUA_SOURCE_DIR) + "/data/tthc-commune-sample.csv";
  const std::string hub_dir = (dir / "hub").string();

  must(hub::init_hub(hub_dir, "33", clock), "hub init");
  auto publisher = must(hub::HubStore::open(hub_dir, clock), "hub open");
  const auto first = must(hub::publish_catalog(publisher, sample), "publish catalogue");
  const auto calendar =
      must(hub::publish_calendar(publisher, std::string(MOTCUA_SOURCE_DIR) + "/data/holidays-vn.csv"), "publish calendar");
  const std::string code = must(hub::create_enrollment_code(publisher.db(), "11953", 72, clock.now()), "code").code;

  auto hub_server = std::make_unique<bench::LoopbackHub>(hub_dir, clock);
  const std::string url = hub_server->url();

  // 1. Enrollment of an office with nothing on disk ends with the first feed pull.
  const std::string office = (dir / "office").string();
  const auto t0 = std::chrono::steady_clock::now();
  auto enrolled = must(agent::enroll({office, url, code, "", ""}, clock), "enroll");
  if (enrolled.feed_error) die("first feed pull", *enrolled.feed_error);
  Pull whole;
  whole.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  whole.up = enrolled.feed.wire_bytes_up;
  whole.down = enrolled.feed.wire_bytes_down;
  for (const auto& a : enrolled.feed.applied) whole.applied += (whole.applied.empty() ? "" : ", ") + a;
  auto store = must(agent::Store::open(office, false, clock), "office open");

  // 2. Nothing new.
  const Pull empty = sync_once(store);

  // 3. One procedure renamed.
  auto sample_text = read_whole_file(sample);
  if (!sample_text) die("sample catalogue", Error::io("cannot read " + sample));
  std::string text = *sample_text;
  const auto at = text.find(",Thủ tục đăng ký khai sinh,");
  if (at == std::string::npos) die("sample catalogue", Error::internal("1.001193 not found"));
  text.replace(at, std::string(",Thủ tục đăng ký khai sinh,").size(), ",Đăng ký khai sinh,");
  write_text(dir / "one-change.csv", text);
  clock.advance_ms(kMsPerSecond);
  const auto one = must(hub::publish_catalog(publisher, (dir / "one-change.csv").string()), "publish one change");
  const Pull one_pull = sync_once(store);

  // 4. A province-size catalogue, then 5 % of it changed.
  const auto vocabulary = must(bench::read_catalog_vocabulary(sample), "read sample");
  write_text(dir / "large.csv", bench::generated_catalog(vocabulary, procedures, 0));
  clock.advance_ms(kMsPerSecond);
  const auto large = must(hub::publish_catalog(publisher, (dir / "large.csv").string()), "publish large");
  const Pull large_pull = sync_once(store);
  write_text(dir / "large-5pc.csv", bench::generated_catalog(vocabulary, procedures, 20));
  clock.advance_ms(kMsPerSecond);
  const auto five = must(hub::publish_catalog(publisher, (dir / "large-5pc.csv").string()), "publish 5 %");
  const Pull five_pull = sync_once(store);
  hub_server.reset();

  std::printf("feed bytes per office, hub to office over loopback HTTP (headers included)\n");
  print("enrollment: first catalogue + calendar", whole, first.payload_bytes + calendar.payload_bytes);
  print("sync with nothing new", empty, 0);
  print("catalogue change of 1 procedure", one_pull, one.payload_bytes);
  const std::string large_label = "catalogue of " + std::to_string(procedures) + " procedures (" +
                                  std::to_string(large.procedures_changed) + " new, " +
                                  std::to_string(large.procedures_abolished) + " gone)";
  print(large_label.c_str(), large_pull, large.payload_bytes);
  const std::string five_label = "5 % change: " + std::to_string(five.procedures_changed) + " procedures";
  print(five_label.c_str(), five_pull, five.payload_bytes);
  if (keep.empty()) fs::remove_all(dir);
  return 0;
}
