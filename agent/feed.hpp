// The office's side of the feed (PROTOCOL.md "GET /v1/feed"): the catalogue and calendar
// publications the hub appended to the unit's feed since the office last asked. Each page is
// verified (the hub's signature, and that it answers this very request) and applied in one
// transaction together with the new cursor (epoch, position), through the same reference apply path
// as `init`, and without change capture: nothing from the feed ever goes back to the hub.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/hub_link.hpp"
#include "agent/store.hpp"
#include "common/error.hpp"

namespace motcua::agent {

struct FeedReport {
  int requests = 0;
  int entries_applied = 0;
  int entries_skipped = 0;            // already held (the feed started again under a new hub epoch)
  std::vector<std::string> applied;   // e.g. "catalog 2", "calendar 1", in order
  std::optional<int64_t> catalog_version;   // the office's versions after the pull
  std::optional<int64_t> calendar_version;
  uint64_t position = 0;              // the cursor after the pull
  bool complete = false;              // the office holds the whole feed (false: more pages wait)
  int64_t wire_bytes_up = 0;
  int64_t wire_bytes_down = 0;
};

// At most this many pages in one pull (100 MiB); the rest comes with the next sync, and
// FeedReport::complete is false then.
constexpr int kMaxFeedPagesPerPull = 100;

// Asks for pages until the office holds the whole feed (the caller holds lock_hub_link). Stops at the first failure, keeping the
// pages already applied: kUnavailable/kTimeout (try later), kUnauthorized (a page not signed by the
// enrolled hub: nothing in it applied), kCorruption (a page that does not answer the request or
// does not decode), or the hub's error.
Result<FeedReport> pull_feed(Store& store, const HubLink& link);

}  // namespace motcua::agent
