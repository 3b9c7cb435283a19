// The province's statistics (docs/STATISTICS.md): the counting rules of "báo cáo số 06" and three
// indicators of Bộ chỉ số 766 (2.1 on-time rate, 2.2 average resolution time, 3.3 online share),
// applied to one dossier at a time so that a report is one pass over the dossiers of a period.
// Pure rules: the caller reads the facts (hub/report.hpp) and sums the counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"
#include "domain/calendar.hpp"

namespace motcua::domain {

// One applied status step of a dossier (an event the fold applied; lost events are left out).
struct StatStep {
  Instant at;                     // the event's `at`
  int to_status = 0;              // 4..10
  std::optional<Instant> due_at;  // a new appointment recorded by the step (resume after a supplement)
};

// What the rules need of one dossier.
struct StatDossier {
  std::string group_key;          // the report row it belongs to (unit, field or procedure)
  Instant received_at;
  int creation_status = 2;        // 2 received, 3 refused at the counter
  int channel = 1;                // 1 at the counter, 2 online, 3 by post (BCCI)
  std::optional<Instant> due_at;  // the appointment given at receipt; nullopt: none
  std::string limit_kind;         // 'none' | 'hours' | 'same_day' | 'same_day_15h' (the creation fact's)
  std::optional<int64_t> limit_hours;
  std::vector<StatStep> steps;    // applied status steps in fold order
};

// A report period: [from, to_exclusive), from 00:00 of the first day to 24:00 of the last day,
// Vietnam time.
struct StatPeriod {
  Instant from;
  Instant to_exclusive;
};

// The period of the Vietnam calendar dates `from` and `to` ("YYYY-MM-DD", both inclusive).
// kInvalidInput when either is not a valid date or `from` is after `to`.
Result<StatPeriod> parse_stat_period(const std::string& from, const std::string& to);

// The counts one dossier contributes to (and a report row sums). Names match the report's JSON.
struct StatCounts {
  int64_t received_carried_over = 0;  // received before the period, not finished at its start
  int64_t received_new = 0;           // received in the period (refusals at the counter excluded)
  int64_t received_new_direct = 0;    // ... at the counter (channel 1)
  int64_t received_new_online = 0;    // ... online (channel 2)
  int64_t received_new_post = 0;      // ... by post (channel 3)
  int64_t refused = 0;                // refused at the counter (created in status 3) in the period
  int64_t resolved_early = 0;         // resolved in the period on a day before the appointment's
  int64_t resolved_on_time = 0;       // ... on the appointment's day (or without an appointment)
  int64_t resolved_late = 0;          // ... on a later day
  int64_t in_progress_on_time = 0;    // unfinished at the end of the period, appointment not passed
  int64_t in_progress_late = 0;       // ... appointment passed
  int64_t waiting_supplement = 0;     // waiting for a supplement (status 5) at the end of the period
  int64_t withdrawn = 0;              // reached 7 in the period
  int64_t stopped = 0;                // reached 8 in the period
  int64_t i766_on_time = 0;           // resolved in the period and on time under indicator 2.1
  int64_t i766_late = 0;              // ... late under indicator 2.1
  int64_t resolution_ms_sum = 0;          // sum of (resolved − received) over the resolved
  int64_t resolution_working_ms_sum = 0;  // the same in working time

  int64_t received_total() const { return received_carried_over + received_new; }
  int64_t resolved_total() const { return resolved_early + resolved_on_time + resolved_late; }
  void add(const StatCounts& other);
};

// Adds what `dossier` contributes over `period` to `counts` (docs/STATISTICS.md). A dossier
// finished before the period or received after it contributes nothing.
void count_dossier(const StatDossier& dossier, const StatPeriod& period, const Calendar& calendar, StatCounts& counts);

}  // namespace motcua::domain
