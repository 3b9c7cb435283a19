// Each unit's feed, as the hub serves it (sync-protocol/PROTOCOL.md 7.4): publications are appended
// to every unit's feed by publish.cpp; this reads them back as signed pages for GET /v1/feed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"
#include "sync-protocol/keys.hpp"

namespace motcua::hub {

// The query of GET /v1/feed: after=N&epoch=E, both required, and optionally agent_time=T, in any
// order, nothing else.
struct FeedQuery {
  uint64_t after = 0;  // the last position the agent applied
  Id128 epoch;         // the hub epoch its cursor belongs to
  std::optional<int64_t> agent_time_ms;  // the office clock when it asked (ms since 1970): the hub
                                         // measures the office's clock offset from it
};

// kInvalidInput naming the parameter that is missing, repeated, unknown or malformed.
Result<FeedQuery> parse_feed_query(const std::string& target);

struct FeedPageRequest {
  Id128 agent_id;
  uint64_t request_counter = 0;
  std::string unit;
  uint64_t after = 0;  // already 0 when the agent asked under another epoch
};

// A page holds entries while its uncompressed payload stays within this size; an entry larger than
// that travels alone.
constexpr size_t kFeedPageTargetBytes = 1u << 20;
constexpr int kFeedPageMaxEntries = 1000;

// The signed page of `request.unit`'s feed after `request.after`. kConflict when the agent's cursor
// is beyond the end of the feed (impossible under one epoch: IT must look at the agent).
Result<sql::Blob> feed_page(sql::Db& db, const sync::KeyPair& hub_key, const Id128& hub_epoch,
                            const FeedPageRequest& request, Instant now);

}  // namespace motcua::hub
