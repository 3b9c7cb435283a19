// Province users acting on dossiers at the hub (`motcua-hub dossier ...`), under the same rules as
// an office (facts/dossier_store.hpp): they act for a unit — by default the province's own — and
// that unit must be the holder (or the receiving unit, for a counter step). What they record is a
// fact like any office's, with the hub's hybrid logical clock, relayed to every unit involved with
// the dossier (hub/relay.hpp). And what IT staff read: a dossier, and every conflict the fold
// recorded (docs/CONFLICTS.md).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "domain/dossier.hpp"
#include "facts/dossier_store.hpp"
#include "hub/hub_store.hpp"

namespace motcua::hub {

struct HubActor {
  std::string unit;  // empty: the province
  std::string name;  // the province user
};

Result<facts::StepResult> hub_set_status(HubStore& store, const HubActor& actor, const std::string& code,
                                         domain::DossierStatus to, const std::string& note);
Result<facts::StepResult> hub_transfer(HubStore& store, const HubActor& actor, const std::string& code,
                                       const std::string& to_unit, const std::string& note);
Result<bool> hub_correct(HubStore& store, const HubActor& actor, const std::string& code, const std::string& field,
                         const std::string& value, const std::string& note);

// The dossier as the hub holds it (facts::dossier_json), plus the units involved and the facts
// flagged for a wrong office clock.
Result<nlohmann::json> hub_dossier_json(HubStore& store, const std::string& code);

struct ConflictFilter {
  std::optional<std::string> unit;  // only dossiers this unit is involved with
  int limit = 500;
};

// {"conflicts": [{dossier, code, rule, detail, lost: {event}, applied: {event}|null, units}], "total"}
// newest first (by the lost event's HLC).
Result<nlohmann::json> list_conflicts(HubStore& store, const ConflictFilter& filter);

}  // namespace motcua::hub
