// The hub at a glance for provincial IT staff: every unit with its agent and dossier counts.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "hub/hub_store.hpp"

namespace motcua::hub {

// {"province":..,"epoch":..,"units":[{"unit","name","kind","agent_status","dossiers","last_seen_at",
//  "high_water_seq",...,"report":{...}|null}],"dossiers":N,"agents":N}; "report" is the active agent's
// latest report (hub/agent_report.hpp).
Result<nlohmann::json> hub_status(HubStore& store);

}  // namespace motcua::hub
