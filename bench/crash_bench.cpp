// motcua-bench-crash [--kills N] [--seed S] [--offices K] [--max-delay-ms D] [--time-limit SECONDS] [--keep DIR]
// The crash loop of the test suite (tests/support/crash_loop.hpp) as a longer run: real
// `motcua-hub serve` and `motcua-agent` processes SIGKILLed N times at random points during sync
// (half the agents, half the hub) while clerks keep working, then everything compared row by row.
// Prints the seed first (replay with --seed S or MOTCUA_CRASH_SEED=S), then the kills of each kind,
// the duration and the verdict. Exit 0 only for zero lost, zero duplicated, all converged.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>

#include "tests/support/crash_loop.hpp"

namespace fs = std::filesystem;

namespace {

constexpr const char* kProgram = "motcua-bench-crash";

int usage() {
  std::fprintf(stderr,
               "usage: %s [--kills N (1-100000, default 200)] [--seed S] [--offices K (1-8, default 3)]\n"
               "       [--max-delay-ms D (1-10000, default 400)] [--time-limit SECONDS (default 30 + 2 per kill)]\n"
               "       [--keep DIR]\n",
               kProgram);
  return 2;
}

bool number(const char* text, long long lo, long long hi, long long& out) {
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  if (!end || *end != '\0' || end == text || v < lo || v > hi) return false;
  out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  motcua::test::CrashLoopOptions options;
  options.kills = 200;
  options.offices = 3;
  options.seed = motcua::test::crash_seed_from_env();
  long long time_limit_s = -1;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    long long v = 0;
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--kills") == 0 && has_value && number(argv[i + 1], 1, 100000, v)) {
      options.kills = static_cast<int>(v);
    } else if (std::strcmp(argv[i], "--seed") == 0 && has_value) {
      char* end = nullptr;
      options.seed = std::strtoull(argv[i + 1], &end, 10);
      if (!end || *end != '\0' || options.seed == 0) return usage();
    } else if (std::strcmp(argv[i], "--offices") == 0 && has_value && number(argv[i + 1], 1, 8, v)) {
      options.offices = static_cast<int>(v);
    } else if (std::strcmp(argv[i], "--max-delay-ms") == 0 && has_value && number(argv[i + 1], 1, 10000, v)) {
      options.max_delay_ms = static_cast<int>(v);
    } else if (std::strcmp(argv[i], "--time-limit") == 0 && has_value && number(argv[i + 1], 1, 7 * 86400, v)) {
      time_limit_s = v;
    } else if (std::strcmp(argv[i], "--keep") == 0 && has_value) {
      keep = argv[i + 1];
    } else {
      return usage();
    }
    ++i;
  }
  // Bounded whatever happens: a round rarely takes a second, a kill rarely more than two rounds.
  options.time_limit_ms = (time_limit_s > 0 ? time_limit_s : 30 + 2LL * options.kills) * 1000;

  std::error_code ec;
  const fs::path dir =
      keep.empty() ? fs::temp_directory_path() / ("motcua-bench-crash-" + std::to_string(std::random_device{}()))
                   : fs::path(keep);
  fs::create_directories(dir, ec);
  if (ec || !fs::is_empty(dir, ec)) {
    std::fprintf(stderr, "%s: %s must be a new or empty directory\n", kProgram, dir.string().c_str());
    return 2;
  }
  options.work_dir = dir.string();
  options.log = &std::cout;

  const motcua::test::CrashLoopReport report = motcua::test::run_crash_loop(options);
  std::cout << "seed:      " << report.seed << "\n"
            << "kills:     " << report.kills() << " (agent " << report.agent_kills << ", of which `run` "
            << report.agent_run_kills << "; hub " << report.hub_kills
            << "; agent syncs already over at the kill instant " << report.missed_agent_kills << ")\n"
            << "rounds:    " << report.rounds << ", syncs run to the end " << report.syncs_ok << "\n"
            << "clerks:    " << report.clerk_receives << " dossiers received, " << report.clerk_status_changes
            << " status changes\n"
            << "hub holds: " << report.hub_dossiers << " dossiers, " << report.hub_events << " events, "
            << report.hub_documents << " documents; " << report.resent_duplicates
            << " batches re-sent and acknowledged as duplicate\n"
            << "duration:  " << report.duration_ms / 1000.0 << " s\n";
  if (!report.ok()) {
    std::cout << "verdict:   FAILED (replay: --seed " << report.seed << "; files kept in " << dir.string() << ")\n";
    for (const auto& p : report.problems) std::cout << "  - " << p << "\n";
    return 1;
  }
  std::cout << "verdict:   OK: zero lost, zero duplicated, all converged\n";
  if (keep.empty()) fs::remove_all(dir, ec);
  return 0;
}
