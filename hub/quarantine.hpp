// Quarantined batches: authentic, in sequence, but the hub could not apply them when they arrived
// (a row conflicted with what it held, PROTOCOL.md 7.2 step 8). Intake keeps each one in table
// `batch` with status 'quarantined' and its envelope; provincial IT lists them, fixes the cause and
// retries them here. The agent's sequence already moved past them, so a retry changes only the
// facts and the batch record. Works while `serve` runs (SQLite locking, like every CLI writer).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/time.hpp"
#include "hub/hub_store.hpp"

namespace motcua::hub {

struct QuarantinedBatch {
  Id128 agent_id;
  std::string unit;  // the agent's unit
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  Instant received_at;
  std::string reason;  // why intake could not apply it
  int64_t size = 0;    // envelope bytes
  std::string hash;    // batch hash, 64 hex digits
};

// Every quarantined batch, oldest first.
Result<std::vector<QuarantinedBatch>> list_quarantined(HubStore& store);

struct RetryResult {
  QuarantinedBatch batch;               // as it was listed
  std::map<std::string, int64_t> rows;  // table -> rows inserted
};

// Applies the quarantined batch (agent_id, first_seq) now, with intake's rules: the kept envelope
// is checked again (framing, the agent's signature with its enrolled key, schema version, the
// recorded batch hash), decoded (sync::decode_batch), authorised row by row for the agent's unit
// (hub/authorize.hpp) and applied in one transaction that also marks the batch 'applied' (its
// envelope stays: it is a link of the agent's audit chain, hub/audit.hpp). A batch is applied at most once. When it still cannot apply, nothing changes and
// the error says why:
//   kNotFound            no batch of that agent starts at first_seq
//   kConflict            it is not quarantined (applied already, or refused: never applied), or a
//                        row still conflicts with what the hub holds (the message names the row)
//   kUnauthorized        its agent was revoked, its signature does not verify, or a row breaks the rules
//   kFailedPrecondition  it was captured under another schema version than the hub's
//   kCorruption          the kept envelope is damaged or is not the batch that was recorded
Result<RetryResult> retry_quarantined(HubStore& store, const Id128& agent_id, uint64_t first_seq);

}  // namespace motcua::hub
