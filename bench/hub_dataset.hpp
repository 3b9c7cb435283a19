// Bench data sets written straight into a hub database, shared by motcua-bench-report and
// motcua-bench-dashboard: a province's hub (province 33, the sample catalogue and the calendar),
// optionally grown to a fleet of N offices, a year of dossiers received at those offices, and what
// the offices' agents left on the hub (enrollment, reports, batches).
//
// Everything is inserted with prepared statements on one connection tuned for bulk loading
// (open_generating_db); nothing goes through the protocol, so the result is a plausible hub, not a
// replayed one. Generation is deterministic for a given seed and clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"

namespace motcua::bench {

// Creates the hub in `data_dir` (hub::init_hub for province 33), then adds `offices` − (the
// province's own units but the province itself) extra units when `offices` is larger: codes
// B0001, B0002, ... ("agency" every tenth, else "commune"), province_code 33, agency_id
// "33.<code>". Then publishes the calendar and the sample catalogue (data/), so every unit,
// extra ones included, has its feed entries. `offices` 0 keeps the province's units only.
Status init_bench_hub(const std::string& data_dir, const Clock& clock, int offices);

// A connection to DIR/hub.db for generation only. This is a bench data set, not a hub: the
// connection runs with synchronous=OFF, journal_mode=MEMORY and a 1 GiB page cache, so a crash
// while generating leaves a damaged file (the bench starts again from scratch). No other
// connection may be open on the database while it is in use. The file is left in rollback
// journal mode; the hub's own open switches it back to WAL.
Result<sql::Db> open_generating_db(const std::string& data_dir);

// The offices dossiers are received at: every unit but the province, by code.
Result<std::vector<std::string>> office_units(sql::Db& db);

struct DossierOptions {
  int64_t count = 1000000;
  Date first_day{2026, 1, 2};  // received on the working days of [first_day, last_day]
  Date last_day{2026, 12, 31};
  Instant now;                 // histories stop here: no event after it
  std::vector<std::string> units;  // received at these, in turn; empty: the communes of the province
  uint64_t seed = 20260101;
  bool with_conflicts = false;  // about one dossier in a thousand gets a dossier_conflict row
};

struct DossierStats {
  int64_t dossiers = 0;
  int64_t events = 0;
  int64_t conflicts = 0;
  size_t units = 0;
  size_t procedures = 0;
};

// Inserts `count` dossiers received at the units on working days between first_day and last_day
// (07:30–16:30), each with 3–5 status events (most forwarded, resolved and returned; some through
// a supplement; a few refused, withdrawn or stopped; the last weeks' still in progress),
// appointments as the domain code computes them (compute_due, resume_due), the matching
// dossier_state row and the dossier_unit row of its receiving unit. Transactions of 50,000
// dossiers; ANALYZE at the end. `db` as open_generating_db gives it.
Result<DossierStats> generate_dossiers(sql::Db& db, const DossierOptions& options);

struct FleetOptions {
  Instant now;                  // the hub's clock: reports and batches end here
  int reports_per_agent = 50;   // agent_report_history rows per agent
  int batches_per_agent = 300;  // about this many batch rows per agent (±50%)
  uint64_t seed = 33;
};

struct FleetStats {
  int64_t agents = 0;           // active agents
  int64_t revoked = 0;          // units whose only agent was revoked (grey)
  int64_t not_enrolled = 0;     // units never enrolled (grey)
  int64_t reports = 0;          // agent_report_history rows
  int64_t batches = 0;
  int64_t quarantined = 0;
  // What was planted, to compare with the dashboard's states (a unit may fall in several).
  int64_t fresh = 0, silent_hours = 0, silent_days = 0, erroring = 0, clock_off = 0, old_version = 0,
          with_quarantine = 0;
};

// Enrolls an agent at most of the office units and leaves on the hub what its syncs would have:
// the agent row (feed position at its unit's feed head, high-water sequence of its last batch),
// `reports_per_agent` reports through hub::record_agent_report (the last one is the agent_report
// row), and its batches (a hash chain of random envelopes as large as their size, a few
// quarantined). The mix, by a seeded draw per unit: ~1% never enrolled, ~1% revoked (grey);
// ~80% synced minutes ago; ~5% silent for a few hours and ~4% for days; ~4% with a current
// error (some rising over the last two hours); ~3% with a clock more than 10 minutes off; ~5%
// with an older agent version; ~3% holding a quarantined batch. `db` as open_generating_db
// gives it; one transaction.
Result<FleetStats> generate_fleet(sql::Db& db, const FleetOptions& options);

}  // namespace motcua::bench
