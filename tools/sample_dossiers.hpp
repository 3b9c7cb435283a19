// Realistic dossiers for training compression dictionaries and for benchmarks: Vietnamese names,
// 12-digit citizen ids, phone numbers and addresses, procedures drawn from the office's catalogue,
// and documents as clerks record them, all through the agent's own receive and status paths, so
// the captured changesets are exactly what an office sends. The same seed gives the same people,
// procedures and documents; dossier and event ids stay random, as in an office.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "agent/dossiers.hpp"
#include "agent/store.hpp"
#include "common/error.hpp"
#include "common/time.hpp"

namespace motcua::tools {

class SampleDossiers {
 public:
  // Uses the current catalogue of `store`'s office; kFailedPrecondition when it has none.
  static Result<SampleDossiers> open(agent::Store& store, uint64_t seed);

  // A new dossier at the office, as a clerk records it at the counter.
  Result<agent::ReceiveResult> receive();
  // Moves a dossier one step along 2 → 4 → 9 → 10 (from its `status`), with a note now and then.
  Status advance(const std::string& code, int to);
  // A counter's work on `dossiers` new dossiers: each received and moved 2 → 4 → 9 → 10, the steps
  // of different dossiers interleaved, `clock` (the store's) advanced 5 s to 4 min between actions.
  Status record_work(ManualClock& clock, int dossiers);

  const std::string& actor() const { return m_actor; }

 private:
  SampleDossiers(agent::Store& store, uint64_t seed, std::vector<std::string> procedures);
  std::string pick(const std::vector<std::string>& list);
  std::string digits(int n);

  agent::Store* m_store;
  std::mt19937_64 m_rng;
  std::vector<std::string> m_procedures;
  std::string m_actor;
};

}  // namespace motcua::tools
