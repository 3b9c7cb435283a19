// The agent's sync loop (`motcua-agent run`): syncs at once when changes are pending (a change a
// clerk makes is noticed within a second), polls the feed at an interval otherwise, and after a
// failure waits as agent/schedule.hpp decides. Every attempt, success and error is recorded in the
// office's settings for `status`, and logged as one line on stderr. Stops cleanly on request: the
// sync in progress finishes (or fails on its own timeouts) and nothing is lost or sent twice,
// since every batch is stored before it is sent and re-sent unchanged.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "agent/schedule.hpp"
#include "common/error.hpp"
#include "common/time.hpp"

namespace motcua::agent {

struct RunOptions {
  SchedulePolicy policy;
  uint64_t seed = 0;  // jitter; 0: from the clock
};

class Runner {
 public:
  Runner(std::string data_dir, const Clock& clock, RunOptions options);

  // Runs until request_stop(). Fails only when the office cannot be opened (not set up, damaged).
  Status run();

  // Thread-safe; run() returns after the current step.
  void request_stop();

  // Thread-safe: the clerk pressed "Đồng bộ ngay". The next sync starts at once, even while a
  // backoff after failures would still wait.
  void request_sync_now();

 private:
  bool wait(int64_t ms);  // false when asked to stop

  std::string m_data_dir;
  const Clock& m_clock;
  RunOptions m_options;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  bool m_sync_now = false;
};

}  // namespace motcua::agent
