// Enrolled agents as provincial IT manages them: list every agent the hub ever enrolled, and revoke
// one (a stolen or reinstalled office PC). Revocation takes effect at the agent's next request:
// intake reads the agent's status on every request and answers `revoked_agent` (403) with the
// reason; nothing the agent sends afterwards is recorded. The office can be enrolled again with a
// new code (a new agent id and key); the revoked agent stays revoked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/time.hpp"
#include "hub/hub_store.hpp"

namespace motcua::hub {

struct AgentInfo {
  Id128 id;
  std::string unit;
  std::string unit_name;
  std::string status;  // active | retired | revoked
  Instant enrolled_at;
  std::optional<Instant> retired_at;
  std::optional<Instant> revoked_at;
  std::string revoked_reason;
  std::optional<Instant> last_seen_at;
  int64_t high_water_seq = 0;
  int64_t batches = 0;
  std::string agent_version;
};

// Every agent, active ones first, then by unit and enrollment time. `unit` filters when set.
Result<std::vector<AgentInfo>> list_agents(HubStore& store, const std::optional<std::string>& unit = std::nullopt);

// Revokes agent `id` for `reason` (kept, and told to the agent in its error), by `actor` (the IT
// user, recorded in the audit log with the revocation, in one transaction).
//   kNotFound            no such agent
//   kFailedPrecondition  it is already revoked (nothing changes)
//   kInvalidInput        an empty actor
// Revoking a retired agent is allowed: it closes the door on an old PC for good.
Result<AgentInfo> revoke_agent(HubStore& store, const Id128& id, const std::string& reason, const std::string& actor);

}  // namespace motcua::hub
