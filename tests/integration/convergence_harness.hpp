// The convergence property (docs/CONFLICTS.md): offices and the hub do random work on dossiers —
// receipts, status steps, counter steps, hand-overs, concurrent corrections, province users acting
// at the hub for a unit whose office is offline — while their syncs go through a lossy link that
// drops requests, drops answers and delivers requests twice. Then every office syncs, without loss,
// until a whole round changes nothing, and every replica is compared with the hub. A replayed
// request the hub accepts (rather than refusing it, or answering a batch "duplicate") is a failure too.
//
// One run is one seed, in one process: real SQLite files, the real agent library (agent::receive,
// set_status, transfer, correct, enroll, sync_outbox) and the real hub (hub::Intake::handle, the
// hub_* actions), joined by a simulated transport (agent::set_http_transport). Every clock is a
// ManualClock of its own. No Catch2 in here: the test (convergence_test.cpp) and the bench
// (bench/convergence_bench.cpp) both drive it and report its failures their own way.
//
// Dossier ids and event ids come from the CSPRNG, and the fold breaks some ties by event id, so a
// seed replays the same sequence of choices but not necessarily the same winners.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace motcua::test {

struct ConvergenceOptions {
  uint64_t seed = 1;
  int offices = 4;             // 4..8, each a different unit of province 33
  int operations = 40;         // random operations before the final syncs
  double drop_request = 0.1;   // the request never reaches the hub
  double drop_response = 0.1;  // the hub handles it, the answer is lost
  double duplicate = 0.1;      // the hub receives it twice (the office gets the first answer)
  int max_quiet_rounds = 20;   // "sync until quiet" gives up (a failure) after this many rounds
};

struct ConvergenceStats {
  int64_t operations = 0;        // random operations run
  int64_t refused = 0;           // of which the rules refused (nothing recorded), as a clerk would see
  int64_t receipts = 0;
  int64_t holder_steps = 0;
  int64_t counter_steps = 0;
  int64_t transfers = 0;         // hand-overs recorded by offices and at the hub
  int64_t corrections = 0;
  int64_t hub_actions = 0;       // steps, hand-overs and corrections recorded at the hub
  int64_t clock_moves = 0;
  int64_t syncs = 0;             // sync_outbox calls, random and final
  int64_t syncs_failed = 0;      // random syncs cut by the link (transient)
  int64_t quiet_rounds = 0;      // rounds of the final syncs, the quiet one included
  int64_t requests = 0;          // requests handed to the transport
  int64_t dropped_requests = 0;
  int64_t dropped_responses = 0;
  int64_t duplicated = 0;
  int64_t dossiers = 0;          // at the hub, after quiet
  int64_t events = 0;            // at the hub, after quiet
  int64_t transfers_applied = 0; // transfer events the fold applied, at the hub
  std::map<std::string, int64_t> conflicts;  // rule -> dossier_conflict rows at the hub, after quiet
  double seconds = 0;

  int64_t conflict_total() const;
  ConvergenceStats& operator+=(const ConvergenceStats& other);
};

struct ConvergenceRun {
  uint64_t seed = 0;
  std::vector<std::string> failures;  // empty: every replica converged with the hub
  ConvergenceStats stats;
  bool converged() const { return failures.empty(); }
};

// A fact recorded during a run: its table (dossier, dossier_document, dossier_event), its id
// (upper-case hex) and the replica that recorded it ("hub" or an office's unit).
struct RecordedFact {
  std::string table;
  std::string id;
  std::string by;
};

// The properties of a quiet run, on the databases of a hub and of its offices (unit, agent.db path),
// opened read-only: every dossier an office holds has the hub's facts and derived rows (state and
// conflicts); an office holds exactly the dossiers the hub involves its unit with; every recorded
// fact is at the hub and still where it was recorded; no outbox row waits; at every replica every
// fact folds, none waits for a parent, and every step the fold did not apply has its conflict
// record. Each violation is appended to `failures`, starting with `label`; `stats` receives the
// hub's totals (dossiers, events, applied hand-overs, conflicts by rule). Used by run_convergence
// and by the end-to-end run with the real executables.
void check_replicas(const std::string& hub_db, const std::vector<std::pair<std::string, std::string>>& offices,
                    const std::vector<RecordedFact>& recorded, const std::string& label,
                    std::vector<std::string>& failures, ConvergenceStats& stats);

// One seeded run in `dir`, an empty directory the caller owns and removes. Never throws for a
// property violation: each one is a line of `failures`, naming the seed, the replica and the rows.
ConvergenceRun run_convergence(const std::string& dir, const ConvergenceOptions& options);

// "seed 17: 3 failures\n  ..." (at most `max_lines` failure lines).
std::string describe(const ConvergenceRun& run, size_t max_lines = 20);

// One line of totals: operations, hand-overs, conflicts by rule, syncs, losses, seconds.
std::string describe_totals(const ConvergenceStats& totals, int64_t seeds);

}  // namespace motcua::test
