// motcua-bench-convergence --seeds N [--first S] [--offices K] [--ops M]
// The convergence property of the test suite (tests/integration/convergence_harness.hpp) over
// more seeds: offices and a hub in one process work on dossiers at random, sync through a link that
// drops requests, drops answers and delivers twice, then sync without loss until quiet, and every
// replica is compared with the hub. Prints each failing seed with what diverged, then the totals:
// operations, hand-overs, conflicts by rule, syncs, messages dropped and duplicated, seconds.
// Exit 0 only when every seed converged.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/integration/convergence_harness.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

constexpr const char* kProgram = "motcua-bench-convergence";

int usage() {
  std::fprintf(stderr,
               "usage: %s --seeds N (1-1000000) [--first S (default 1)] [--offices K (4-8, default 4)]\n"
               "       [--ops M (1-10000, default 40)]\n",
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
  long long seeds = -1, first = 1, offices = 4, ops = 40;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--seeds") == 0 && has_value) {
      if (!number(argv[++i], 1, 1000000, seeds)) return usage();
    } else if (std::strcmp(argv[i], "--first") == 0 && has_value) {
      if (!number(argv[++i], 0, (1LL << 62), first)) return usage();
    } else if (std::strcmp(argv[i], "--offices") == 0 && has_value) {
      if (!number(argv[++i], 4, 8, offices)) return usage();
    } else if (std::strcmp(argv[i], "--ops") == 0 && has_value) {
      if (!number(argv[++i], 1, 10000, ops)) return usage();
    } else {
      return usage();
    }
  }
  if (seeds < 0) return usage();

  std::printf("%s: seeds %lld-%lld, %lld offices, %lld operations per seed\n", kProgram, first, first + seeds - 1,
              offices, ops);
  std::fflush(stdout);
  motcua::test::ConvergenceStats totals;
  long long failed = 0;
  for (long long s = first; s < first + seeds; ++s) {
    motcua::test::TempDir dir(motcua::test::memory_temp_base());
    motcua::test::ConvergenceOptions options;
    options.seed = static_cast<uint64_t>(s);
    options.offices = static_cast<int>(offices);
    options.operations = static_cast<int>(ops);
    const motcua::test::ConvergenceRun run = motcua::test::run_convergence(dir.str(), options);
    totals += run.stats;
    if (!run.converged()) {
      ++failed;
      std::printf("FAILED %s\n", motcua::test::describe(run).c_str());
      std::fflush(stdout);
    }
  }
  std::printf("%s\n", motcua::test::describe_totals(totals, seeds).c_str());
  std::printf("%.1f ms per seed; %lld of %lld seeds failed\n", seeds ? totals.seconds * 1000.0 / static_cast<double>(seeds) : 0.0,
              failed, seeds);
  std::printf("verdict: %s\n", failed == 0 ? "every seed converged" : "DIVERGED");
  return failed == 0 ? 0 : 1;
}
