// Relaying dossier facts between offices (DESIGN.md "Feed", docs/CONFLICTS.md): after facts are
// applied at the hub — a batch from an office, a quarantined batch retried by IT staff, or an
// action recorded at the hub — each dossier they touch is refolded, the units involved with it
// grow (the receiving unit, every unit that held it, every unit that acted on it; never shrinking),
// and every involved unit's feed gets the new rows. A unit involved for the first time gets the
// whole dossier: creation, documents and every event. The office the facts came from gets nothing
// back (it holds them).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"
#include "facts/dossier_store.hpp"

namespace motcua::hub {

struct TouchedFacts {
  std::vector<facts::FactRef> rows;
  std::set<Id128> dossiers;
};

// The fact rows a change set inserts. kCorruption when it cannot be read.
Result<TouchedFacts> touched_by_changeset(const sql::Blob& changeset);

// Rows per facts feed entry: a row's JSON is usually well under a kilobyte, so an entry stays far
// below the feed page limits (sync-protocol/feed.hpp).
constexpr size_t kFactRowsPerEntry = 200;

struct RelayReport {
  int dossiers = 0;
  int entries = 0;       // feed entries appended
  int units_joined = 0;  // (dossier, unit) pairs involved for the first time
};

// Inside the caller's transaction. `from_unit`: the unit whose office sent these facts (it is not
// sent them back); empty when the facts were recorded at the hub, so every involved unit gets them.
Result<RelayReport> relay_facts(sql::Db& db, const TouchedFacts& touched, const std::string& from_unit, Instant now);

// Everything that follows applying an office's change set, in the same transaction: relay_facts
// (not back to `unit`), and, when the agent's clock was last measured off the hub's by more than
// facts::kClockSuspectMs, a clock_flag row for every fact in it.
Result<RelayReport> after_office_facts(sql::Db& db, const sql::Blob& changeset, const Id128& agent_id,
                                       const std::string& unit, Instant now);

}  // namespace motcua::hub
