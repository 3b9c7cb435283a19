#include "agent/schedule.hpp"

#include <algorithm>

namespace motcua::agent {

bool is_transient_failure(const Error& e) {
  return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kTimeout;
}

SyncSchedule::SyncSchedule(SchedulePolicy policy, uint64_t seed) : m_policy(policy), m_rng(seed) {}

Instant SyncSchedule::next_due(Instant now, bool has_pending) const {
  if (m_retry_at) return *m_retry_at;
  if (has_pending || !m_feed_at) return now;
  return *m_feed_at;
}

void SyncSchedule::on_success(Instant now) {
  m_failures = 0;
  m_retry_at.reset();
  m_feed_at = Instant{now.ms + m_policy.feed_interval_ms};
}

int64_t SyncSchedule::on_failure(Instant now, const Error& error, bool made_progress) {
  if (made_progress) m_failures = 0;
  ++m_failures;
  int64_t delay = m_policy.fatal_retry_ms;
  if (is_transient_failure(error)) {
    // first · 2^(failures−1), capped; the shift is bounded so it never overflows.
    const int doublings = std::min(m_failures - 1, 30);
    const int64_t full = std::min(m_policy.max_retry_ms, m_policy.first_retry_ms << doublings);
    const int64_t floor = static_cast<int64_t>(static_cast<double>(full) * (1.0 - m_policy.jitter));
    std::uniform_int_distribution<int64_t> pick(floor, full);
    delay = pick(m_rng);
  }
  m_retry_at = Instant{now.ms + delay};
  return delay;
}

}  // namespace motcua::agent
