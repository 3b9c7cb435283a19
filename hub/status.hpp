// The hub at a glance for provincial IT staff: every unit with its agent and dossier counts.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "hub/hub_store.hpp"

namespace motcua::hub {

// {"province":..,"epoch":..,"units":[{"unit","name","kind","agent_status","dossiers","last_seen_at",
//  "high_water_seq"}],"dossiers":N,"agents":N}
Result<nlohmann::json> hub_status(HubStore& store);

}  // namespace motcua::hub
