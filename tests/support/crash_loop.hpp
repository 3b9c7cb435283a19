// The crash loop: a real hub (`motcua-hub serve`) and real offices (`motcua-agent sync`
// and `run`) are SIGKILLed at random points while clerks keep working through the agent CLI; each
// victim is restarted and the loop carries on. At the end everything syncs cleanly and the hub is
// compared with every office row by row: nothing lost, nothing applied twice, all converged.
//
// Every random choice (victim, delay, clerk actions, sync or run) comes from one seeded generator,
// printed at the start, so a failing run can be replayed with MOTCUA_CRASH_SEED (process timing
// still varies between runs: a replay repeats the choices, not the exact instants).
//
// No Catch2 here: the integration test and the bench command (motcua-bench-crash) both drive it
// and judge the report.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace motcua::test {

struct CrashLoopOptions {
  int kills = 50;     // SIGKILLs to deliver in total, half to agents and half to the hub
  uint64_t seed = 0;  // 0: a fresh random seed
  int offices = 2;    // 1-8 offices, each with its own agent
  // A kill comes 0 .. W ms after the round's syncs start, W the median length of the last syncs
  // (so that kills land inside a sync) and at most max_delay_ms. Clerks act 0 .. max_delay_ms in.
  int max_delay_ms = 400;
  int64_t time_limit_ms = 90000;  // the loop stops here even if kills are missing (then it fails)
  std::string work_dir;           // an empty, existing directory for the hub and the offices
  std::ostream* log = nullptr;    // progress: the seed line, then one line per hundred rounds and the end
};

struct CrashLoopReport {
  uint64_t seed = 0;
  int rounds = 0;
  int agent_kills = 0;           // agent processes (sync or run) SIGKILLed while running
  int agent_run_kills = 0;       // ... of which `run` loops
  int hub_kills = 0;             // hub processes SIGKILLed
  int missed_agent_kills = 0;    // the victim's sync had already finished: no kill, tried again later
  int syncs_ok = 0;              // agent syncs that ran to the end during the loop
  int clerk_receives = 0;        // dossiers received by clerks (each: 1 dossier row, 2 document rows)
  int clerk_status_changes = 0;  // status changes made by clerks (each: 1 event row)
  int64_t hub_dossiers = 0;      // what the hub holds at the end
  int64_t hub_events = 0;
  int64_t hub_documents = 0;
  int64_t resent_duplicates = 0;  // batches re-sent after a lost answer, acknowledged as duplicate
  int64_t duration_ms = 0;
  std::vector<std::string> problems;  // empty: zero lost, zero duplicated, all converged

  bool ok() const { return problems.empty(); }
  int kills() const { return agent_kills + hub_kills; }
  // One line: seed, kills of each kind, clerk actions, rows, duration and the verdict.
  std::string summary() const;
};

// MOTCUA_CRASH_SEED when set (decimal), else `fallback`.
uint64_t crash_seed_from_env(uint64_t fallback = 0);

// Runs the loop. Never throws for what it finds: every loss, duplicate, divergence, damaged file or
// unexpected exit is a line in `problems`.
CrashLoopReport run_crash_loop(const CrashLoopOptions& options);

// "ok", or what `PRAGMA integrity_check` said (or why the file could not be opened).
std::string integrity_check(const std::string& db_path);

}  // namespace motcua::test
