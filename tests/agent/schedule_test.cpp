#include <catch2/catch.hpp>

#include "agent/schedule.hpp"

using namespace motcua;
using agent::SchedulePolicy;
using agent::SyncSchedule;

namespace {

const Instant kStart{1772416800000};  // 2026-03-02T09:00:00+07:00

Error no_link() { return Error::unavailable("cannot reach the hub"); }

}  // namespace

TEST_CASE("a sync is due at once on start and when changes are pending, else at the feed interval", "[schedule]") {
  SyncSchedule s(SchedulePolicy{}, 1);
  CHECK(s.next_due(kStart, false).ms == kStart.ms);  // first start: pull the feed at once
  s.on_success(kStart);
  const Instant later{kStart.ms + 10 * kMsPerSecond};
  CHECK(s.next_due(later, false).ms == kStart.ms + 5 * kMsPerMinute);
  CHECK(s.next_due(later, true).ms == later.ms);  // a clerk's change goes out at once
}

TEST_CASE("transient failures back off exponentially with jitter up to the cap, and a success resets it",
          "[schedule]") {
  SchedulePolicy policy;
  SyncSchedule s(policy, 42);
  Instant now = kStart;
  int64_t previous_full = 0;
  for (int attempt = 1; attempt <= 12; ++attempt) {
    const int64_t delay = s.on_failure(now, no_link());
    const int64_t full = std::min<int64_t>(policy.max_retry_ms, policy.first_retry_ms << (attempt - 1));
    INFO("attempt " << attempt << " delay " << delay);
    CHECK(delay <= full);
    CHECK(delay >= full / 2);  // jitter takes at most half
    CHECK(full >= previous_full);
    previous_full = full;
    // Pending changes do not jump the queue while a failure is waited out.
    CHECK(s.next_due(now, true).ms == now.ms + delay);
    now.ms += delay;
  }
  CHECK(previous_full == policy.max_retry_ms);  // capped at 5 minutes
  CHECK(s.consecutive_failures() == 12);
  s.on_success(now);
  CHECK(s.consecutive_failures() == 0);
  CHECK(s.on_failure(now, no_link()) <= policy.first_retry_ms);  // back to the first delay
}

TEST_CASE("a failed sync that still got batches acknowledged retries after the first delay, not a longer one",
          "[schedule]") {
  SchedulePolicy policy;
  SyncSchedule s(policy, 7);
  Instant now = kStart;
  for (int attempt = 1; attempt <= 6; ++attempt) now.ms += s.on_failure(now, no_link());
  CHECK(s.consecutive_failures() == 6);
  // The link now carries some batches before it breaks: each such failure starts over.
  for (int attempt = 1; attempt <= 5; ++attempt) {
    const int64_t delay = s.on_failure(now, no_link(), true);
    CHECK(delay <= policy.first_retry_ms);
    CHECK(s.consecutive_failures() == 1);
    now.ms += delay;
  }
  // Without progress it grows again.
  CHECK(s.on_failure(now, no_link()) >= policy.first_retry_ms);  // drawn from [1 s, 2 s]
  CHECK(s.consecutive_failures() == 2);
}

TEST_CASE("a failure retrying cannot fix waits the long fixed delay", "[schedule]") {
  SyncSchedule s(SchedulePolicy{}, 7);
  CHECK(s.on_failure(kStart, Error::unauthorized("agent revoked")) == 5 * kMsPerMinute);
  CHECK(s.on_failure(kStart, Error::conflict("sequence conflict")) == 5 * kMsPerMinute);
  CHECK_FALSE(agent::is_transient_failure(Error::unauthorized("x")));
  CHECK(agent::is_transient_failure(Error::timeout("x")));
}

TEST_CASE("two agents with other seeds spread their retries apart", "[schedule]") {
  SyncSchedule a(SchedulePolicy{}, 1), b(SchedulePolicy{}, 2);
  int same = 0;
  for (int i = 0; i < 8; ++i) same += a.on_failure(kStart, no_link()) == b.on_failure(kStart, no_link());
  CHECK(same < 8);
}
