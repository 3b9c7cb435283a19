#include "agent/run.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "agent/platform.hpp"
#include "agent/store.hpp"
#include "agent/sync.hpp"

namespace motcua::agent {

Runner::Runner(std::string data_dir, const Clock& clock, RunOptions options)
    : m_data_dir(std::move(data_dir)), m_clock(clock), m_options(options) {}

void Runner::request_stop() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
}

void Runner::request_sync_now() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_sync_now = true;
  }
  m_wake.notify_all();
}

bool Runner::wait(int64_t ms) {
  std::unique_lock<std::mutex> lock(m_mutex);
  m_wake.wait_for(lock, std::chrono::milliseconds(ms), [&] { return m_stop || m_sync_now; });
  return !m_stop;
}

Status Runner::run() {
  MOTCUA_ASSIGN_OR_RETURN(Store store, Store::open(m_data_dir, false, m_clock));
  const uint64_t seed = m_options.seed != 0 ? m_options.seed : static_cast<uint64_t>(m_clock.now().ms);
  SyncSchedule schedule(m_options.policy, seed);
  std::fprintf(stderr, "motcua-agent: running for %s\n", m_data_dir.c_str());
  while (true) {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      if (m_stop) break;
    }
    bool asked = false;
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      asked = m_sync_now;
      m_sync_now = false;
    }
    const Instant now = m_clock.now();
    MOTCUA_ASSIGN_OR_RETURN(auto pending,
                            sql::query_int64(store.db(), "SELECT count(*) FROM outbox WHERE state = 'pending'"));
    const Instant due = schedule.next_due(now, pending.value_or(0) > 0);
    if (now.ms < due.ms && !asked) {
      // Once a minute the clerk's saves go into the database file here, not during a save.
      // Failing to checkpoint costs nothing but a slower save later: not a reason to stop.
      (void)store.checkpoint_if_due();
      // Wake at least every second: a clerk's change (another process) shows up as pending rows.
      if (!wait(std::min<int64_t>(due.ms - now.ms, kMsPerSecond))) break;
      continue;
    }
    MOTCUA_ASSIGN_OR_RETURN(int64_t acked_before, acknowledged_through(store));
    auto report = sync_outbox(store);
    const Instant done = m_clock.now();
    if (report) {
      schedule.on_success(done);
      std::fprintf(stderr, "motcua-agent: synced: %d batch(es) sent, %zu publication(s) received, %lld pending\n",
                   report->batches, report->feed.applied.size(), static_cast<long long>(report->pending_left));
    } else {
      MOTCUA_ASSIGN_OR_RETURN(int64_t acked_after, acknowledged_through(store));
      const int64_t delay = schedule.on_failure(done, report.error(), acked_after > acked_before);
      std::fprintf(stderr, "motcua-agent: sync failed (%s, attempt %d, next in %lld s): %s\n",
                   is_transient_failure(report.error()) ? "will retry" : "needs attention",
                   schedule.consecutive_failures(), static_cast<long long>((delay + 999) / 1000),
                   report.error().message.c_str());
    }
    // Idle until the next sync, mostly minutes: give back the pages this one's reads cached and the
    // heap it grew (measured on an office of 20,000 dossiers: see README "Benchmarks", office PC).
    sqlite3_db_release_memory(store.db().get());
    return_free_memory();
  }
  std::fprintf(stderr, "motcua-agent: stopped\n");
  return ok();
}

}  // namespace motcua::agent
