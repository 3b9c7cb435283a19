// When the agent's run loop syncs (agent/run.hpp): at once when changes are pending, at an interval
// for the feed otherwise, and after a failure only once its delay has passed: capped exponential
// backoff with jitter for transient failures (no link, timeout, 5xx), a long fixed wait for fatal
// ones (the hub refused: retrying at once cannot help). Pure logic on instants: no clock, no sleep,
// so it is tested on an injected clock.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

#include "common/error.hpp"
#include "common/time.hpp"

namespace motcua::agent {

struct SchedulePolicy {
  int64_t feed_interval_ms = 5 * kMsPerMinute;  // poll the feed this often when nothing is pending
  int64_t first_retry_ms = 1 * kMsPerSecond;    // first delay after a transient failure ...
  int64_t max_retry_ms = 5 * kMsPerMinute;      // ... doubling up to this
  double jitter = 0.5;                          // each delay is drawn from [d·(1−jitter), d]
  int64_t fatal_retry_ms = 5 * kMsPerMinute;    // after a failure retrying cannot fix by itself
};

// Transient: the same request may succeed later (kUnavailable, kTimeout, kIo on the wire).
bool is_transient_failure(const Error& e);

class SyncSchedule {
 public:
  SyncSchedule(SchedulePolicy policy, uint64_t seed);

  // The instant the next sync is due. With changes pending and no failure to wait out, `now`.
  Instant next_due(Instant now, bool has_pending) const;

  void on_success(Instant now);
  // Returns the delay chosen before the next attempt. `made_progress`: the failed sync still got
  // some of its work acknowledged (a link that breaks long transfers): the link works, so the
  // backoff starts again from its first delay instead of growing.
  int64_t on_failure(Instant now, const Error& error, bool made_progress = false);

  int consecutive_failures() const { return m_failures; }

 private:
  SchedulePolicy m_policy;
  std::mt19937_64 m_rng;
  int m_failures = 0;
  std::optional<Instant> m_retry_at;  // set while a failure is being waited out
  std::optional<Instant> m_feed_at;   // next feed poll; unset: at once (first start)
};

}  // namespace motcua::agent
