// The hub at a glance for provincial IT staff: every unit with its agent, its state (green / amber /
// red / grey, hub/fleet.hpp), what its office last reported, its alerts and its dossier counts.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "hub/hub_store.hpp"

namespace motcua::hub {

// {"province","epoch","generated_at","policy":{..},"summary":{"red","amber","green","grey"},
//  "alerts":[{"unit","name","code","severity","message","message_vi"}],
//  "units":[{"unit","name","kind","agent_status","state","state_vi","last_success_at","silent_ms",
//            "silent_working_ms","alerts":[..],"quarantined_batches","dossiers","dossiers_held",
//            "conflicts","last_seen_at","high_water_seq","feed_position","feed_head",
//            "catalog_version_applied","clock_offset_ms","clock_measured_at","report":{...}|null}],
//  "dossiers","agents","conflicts","catalog_version","calendar_version"}.
// Units are sorted worst first: red, amber, green, grey; within a state the longest silence first,
// then by code. "report" is the active agent's latest report (hub/agent_report.hpp). Reads only.
Result<nlohmann::json> hub_status(HubStore& store);

}  // namespace motcua::hub
