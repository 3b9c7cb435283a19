// The convergence property of docs/CONFLICTS.md, over many seeds: four offices and the hub work on
// dossiers at random, sync through a link that drops requests, drops answers and delivers twice,
// then sync without loss until quiet; every office must then hold exactly the hub's rows for each
// dossier it holds (facts, state, conflicts), every conflict must have its record, and no fact may
// be lost (tests/integration/convergence_harness.hpp). Each seed runs in its own directory; a
// failure names the seed, which `motcua-bench-convergence --seeds 1 --first SEED` runs again.
// The seeds are split into several test cases so that CTest runs them side by side.
#include <catch2/catch.hpp>

#include <cstdint>

#include "tests/integration/convergence_harness.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using namespace motcua::test;

namespace {

ConvergenceStats run_seeds(uint64_t first, uint64_t last) {
  ConvergenceStats totals;
  for (uint64_t seed = first; seed <= last; ++seed) {
    TempDir dir(memory_temp_base());
    ConvergenceOptions options;
    options.seed = seed;
    const ConvergenceRun run = run_convergence(dir.str(), options);
    totals += run.stats;
    CAPTURE(seed);
    INFO(describe(run));
    CHECK(run.converged());
  }
  INFO(describe_totals(totals, static_cast<int64_t>(last - first + 1)));
  // The link really was lossy, and the work really reached the hub.
  CHECK(totals.dropped_requests > 0);
  CHECK(totals.dropped_responses > 0);
  CHECK(totals.duplicated > 0);
  CHECK(totals.events > 0);
  return totals;
}

}  // namespace

TEST_CASE("after random work, loss and duplication, every office converges with the hub on the dossiers it holds "
          "(convergence seeds 1-50)",
          "[convergence]") {
  run_seeds(1, 50);
}

TEST_CASE("after random work, loss and duplication, every office converges with the hub on the dossiers it holds "
          "(convergence seeds 51-100)",
          "[convergence]") {
  run_seeds(51, 100);
}

TEST_CASE("after random work, loss and duplication, every office converges with the hub on the dossiers it holds "
          "(convergence seeds 101-150)",
          "[convergence]") {
  run_seeds(101, 150);
}

TEST_CASE("after random work, loss and duplication, every office converges with the hub on the dossiers it holds "
          "(convergence seeds 151-200)",
          "[convergence]") {
  run_seeds(151, 200);
}

TEST_CASE("the convergence runs hand dossiers over, act at the hub and produce conflicts of several rules",
          "[convergence]") {
  const ConvergenceStats totals = run_seeds(1001, 1020);
  INFO(describe_totals(totals, 20));
  CHECK(totals.transfers_applied > 0);
  CHECK(totals.hub_actions > 0);
  CHECK(totals.counter_steps > 0);
  CHECK(totals.corrections > 0);
  // Offices and province users act on what their replica shows, so steps conflict by being
  // concurrent (and what followed a losing step is superseded); not_allowed and illegal_step need
  // an author that ignores its own view, which these clients never are.
  CHECK(totals.conflicts.count("concurrent_step") == 1);
  CHECK(totals.conflicts.count("superseded_branch") == 1);
  CHECK(totals.conflicts.count("concurrent_correction") == 1);
}
