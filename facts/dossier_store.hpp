// Dossier facts in a database, the same on agent and hub: load a dossier's facts, fold them into
// the derived tables (dossier_state, dossier_conflict), record a clerk's or province user's action
// under the one set of rules (docs/CONFLICTS.md), and carry fact rows as JSON in the hub's feed.
//
// Every function works inside the caller's transaction and never commits. The agent wraps its
// actions in change capture (agent/store.hpp); the hub records its own and relays them
// (hub/relay.hpp). Errors a clerk can meet carry a Vietnamese message (Error::message_vi).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/hlc.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"
#include "domain/dossier.hpp"

namespace motcua::facts {

// An office clock further than this from the hub's marks what it records as clock-suspect
// (the fact's own flag) and the hub flags it for IT staff (DESIGN.md "Conflicts and ownership").
constexpr int64_t kClockSuspectMs = 10 * 60 * 1000;

struct LoadedDossier {
  domain::CreationFact creation;
  std::vector<domain::EventFact> events;
  std::string procedure_key;
};

// The creation fact and every event of `dossier_id`; nullopt when this replica has no creation
// record for it (yet). kCorruption for an event whose kind or data cannot be read.
Result<std::optional<LoadedDossier>> load_dossier(sql::Db& db, const Id128& dossier_id);

// Folds `dossier_id` and rewrites its dossier_state row and dossier_conflict rows. Returns the
// state; nullopt when the creation record has not arrived (its events wait).
Result<std::optional<domain::DossierState>> refresh_derived(sql::Db& db, const Id128& dossier_id);

// Refolds every dossier (after a migration that added derived tables). Returns how many.
Result<int64_t> refresh_all_derived(sql::Db& db);

// The dossier with this code. kNotFound (Vietnamese message) when none; kConflict when two
// dossiers share it (IT staff resolve duplicate codes).
Result<Id128> find_dossier_by_code(sql::Db& db, const std::string& code);

// Who acts, and when. `hlc` is a fresh value from the acting replica's clock.
struct Actor {
  std::string unit;  // the unit the action is recorded for (origin_unit)
  std::string name;  // the person (NFC)
  Instant at;        // wall clock of the action
  Hlc hlc;
  bool clock_suspect = false;
};

struct StepResult {
  Id128 dossier_id;
  Id128 event_id;
  std::string code;
  domain::DossierStatus from = domain::DossierStatus::kReceived;
  domain::DossierStatus to = domain::DossierStatus::kReceived;
  std::optional<Instant> due_at;  // the appointment after the step
  std::string holder_unit;        // after the step
};

// A status step. The holder may take any legal step; the receiving unit only the counter's steps
// (5→4, 9→10, →7). An illegal step or one this unit may not take is kConflict with a Vietnamese
// message, recording nothing. A resume after a supplement (5→4) records the new due instant.
Result<StepResult> record_status(sql::Db& tx, const Actor& actor, const std::string& code, domain::DossierStatus to,
                                 const std::string& note);

// Hands the dossier over to `to_unit` (liên thông): only its holder, only in status 2 or 4 (to
// continue the processing) or 9 (to hand the result back), only to another unit of the province
// (the reference data's units, or the embedded GSO list for the office's own province). The status
// is kept. kConflict / kNotFound otherwise.
Result<StepResult> record_transfer(sql::Db& tx, const Actor& actor, const std::string& code, const std::string& to_unit,
                                   const std::string& note);

// Adds a remark to the dossier (a note event: it changes no state), e.g. the reason a dossier
// was refused at the counter. Anyone who may see the dossier may add one.
Result<Id128> record_note(sql::Db& tx, const Actor& actor, const Id128& dossier_id, const std::string& note);

// Corrects one applicant field (domain::is_correctable_field) to `value` (NFC, validated like at
// receipt: 12 digits for the CCCD, 10 for a phone). The receiving unit and every unit that held the
// dossier may. Correcting to the current value records nothing (returns false).
Result<bool> record_correction(sql::Db& tx, const Actor& actor, const std::string& code, const std::string& field,
                               const std::string& value, const std::string& note);

// The whole dossier as JSON (`show --json` on both sides, the clerk's screens): the creation fact
// with its corrected applicant data, documents, every event in fact order (applied, lost with its
// conflict rule, or waiting for a fact not yet received), the derived state, the units that held
// it, and its conflicts with both versions.
Result<nlohmann::json> dossier_json(sql::Db& db, const Id128& dossier_id);

// The longest text a fact column may hold, in UTF-8 bytes after NFC: 16 KiB for an event's data,
// 4 KiB for a note, 1 KiB for every other text (names, addresses, codes). The hub refuses a batch
// with anything longer (hub/authorize.hpp); offices refuse it when it is typed, so an honest office
// never sends one.
inline constexpr size_t kMaxTextBytes = 1024;
inline constexpr size_t kMaxNoteBytes = 4096;
inline constexpr size_t kMaxEventDataBytes = 16384;
size_t max_text_bytes(std::string_view table, std::string_view column);

// A text value as the clerk typed it, trimmed and NFC-normalised (decomposed input from some
// Windows keyboards becomes the composed form), or kInvalidInput naming `what` when it is not
// valid UTF-8, holds a NUL character, or is longer than `max_bytes`.
Result<std::string> clean_text(const std::string& raw, const char* what, size_t max_bytes = kMaxTextBytes);

// Fact rows as JSON for the hub's feed (PROTOCOL.md 7.4 "facts"): {"dossier":[...],
// "dossier_document":[...], "dossier_event":[...]}, each row an object of its columns (BLOB columns
// as lower-case hex, NULL as null).
struct FactRef {
  std::string table;  // dossier | dossier_document | dossier_event
  Id128 id;
};
Result<nlohmann::json> facts_json(sql::Db& db, const std::vector<FactRef>& rows);
// Every fact row of `dossier_id`.
Result<std::vector<FactRef>> dossier_fact_refs(sql::Db& db, const Id128& dossier_id);

struct AppliedFacts {
  std::set<Id128> dossiers;  // dossiers with a row new to this replica
  int rows_new = 0;
  int rows_known = 0;
  Hlc max_hlc;  // the largest HLC among the rows
};
// Inserts the rows this replica does not hold yet (facts are immutable: a row it holds is left as
// is) and refolds the dossiers they touch. Tables and columns are checked against this database's
// own; kInvalidInput naming what does not fit, and the caller's transaction must then roll back.
Result<AppliedFacts> apply_facts_json(sql::Db& tx, const nlohmann::json& body);

}  // namespace motcua::facts
