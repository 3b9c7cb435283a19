#include "domain/statistics.hpp"

#include <algorithm>

#include "domain/due_date.hpp"

namespace motcua::domain {

namespace {

constexpr int kSupplement = 5;
constexpr int kWithdrawn = 7;
constexpr int kStopped = 8;
constexpr int kResolved = 9;
constexpr int kReturned = 10;
constexpr int kRefused = 3;

bool finishes(int status) {
  return status == kWithdrawn || status == kStopped || status == kResolved || status == kReturned;
}

// -1 when `a` falls on an earlier Vietnam calendar day than `b`, 0 on the same day, 1 on a later one.
int compare_days(Instant a, Instant b) {
  const int64_t da = days_from_date(vn_date(a));
  const int64_t db = days_from_date(vn_date(b));
  return da < db ? -1 : (da == db ? 0 : 1);
}

// The legal deadline of a dossier without an appointment (indicator 2.1): its time limit counted in
// working time from receipt, extended by the working time it spent waiting for supplements;
// nullopt when it has no usable time limit.
std::optional<Instant> legal_deadline(const StatDossier& d, int64_t paused_working_ms, const Calendar& cal) {
  int64_t limit_ms = 0;
  if (d.limit_kind == "hours" && d.limit_hours) {
    limit_ms = *d.limit_hours * kMsPerHour;
  } else if (d.limit_kind == "same_day" || d.limit_kind == "same_day_15h") {
    const TimeLimit limit{d.limit_kind == "same_day" ? LimitKind::kSameDay : LimitKind::kSameDay15h, 0};
    const std::optional<Instant> due = compute_due(d.received_at, limit, cal);
    if (!due) return std::nullopt;
    limit_ms = working_time_between(d.received_at, *due, cal);
  } else {
    return std::nullopt;
  }
  return add_working_time(d.received_at, limit_ms + paused_working_ms, cal);
}

}  // namespace

Result<StatPeriod> parse_stat_period(const std::string& from, const std::string& to) {
  auto from_date = parse_date(from);
  if (!from_date) {
    return fail(Error::invalid_input("the period start '" + from + "' is not a date",
                                     "give --from as YYYY-MM-DD, e.g. 2026-01-01"));
  }
  auto to_date = parse_date(to);
  if (!to_date) {
    return fail(Error::invalid_input("the period end '" + to + "' is not a date",
                                     "give --to as YYYY-MM-DD, e.g. 2026-12-31"));
  }
  if (*to_date < *from_date) {
    return fail(Error::invalid_input("the period starts on " + from + ", after its end " + to,
                                     "give a --from date on or before the --to date"));
  }
  return StatPeriod{vn_instant(*from_date, 0), vn_instant(add_days(*to_date, 1), 0)};
}

void StatCounts::add(const StatCounts& o) {
  received_carried_over += o.received_carried_over;
  received_new += o.received_new;
  received_new_direct += o.received_new_direct;
  received_new_online += o.received_new_online;
  received_new_post += o.received_new_post;
  refused += o.refused;
  resolved_early += o.resolved_early;
  resolved_on_time += o.resolved_on_time;
  resolved_late += o.resolved_late;
  in_progress_on_time += o.in_progress_on_time;
  in_progress_late += o.in_progress_late;
  waiting_supplement += o.waiting_supplement;
  withdrawn += o.withdrawn;
  stopped += o.stopped;
  i766_on_time += o.i766_on_time;
  i766_late += o.i766_late;
  resolution_ms_sum += o.resolution_ms_sum;
  resolution_working_ms_sum += o.resolution_working_ms_sum;
}

void count_dossier(const StatDossier& d, const StatPeriod& p, const Calendar& cal, StatCounts& c) {
  const bool received_in_period = d.received_at >= p.from && d.received_at < p.to_exclusive;
  if (d.creation_status == kRefused) {
    if (received_in_period) ++c.refused;
    return;
  }
  if (d.received_at >= p.to_exclusive) return;

  // The first step that finishes the dossier: 9, 10 without a 9, 7 or 8.
  size_t finish = d.steps.size();
  for (size_t i = 0; i < d.steps.size(); ++i) {
    if (finishes(d.steps[i].to_status)) {
      finish = i;
      break;
    }
  }
  const StatStep* finished = finish < d.steps.size() ? &d.steps[finish] : nullptr;
  if (finished && finished->at < p.from) return;  // finished before the period

  if (received_in_period) {
    ++c.received_new;
    if (d.channel == 2) {
      ++c.received_new_online;
    } else if (d.channel == 3) {
      ++c.received_new_post;
    } else {
      ++c.received_new_direct;
    }
  } else {
    ++c.received_carried_over;
  }

  if (finished && finished->at < p.to_exclusive) {
    if (finished->to_status == kWithdrawn) {
      ++c.withdrawn;
      return;
    }
    if (finished->to_status == kStopped) {
      ++c.stopped;
      return;
    }
    // Resolved in the period: the appointment at that moment, the supplements before it and the
    // working time spent waiting for them.
    std::optional<Instant> due = d.due_at;
    int supplements = 0;
    int64_t paused_working_ms = 0;
    std::optional<Instant> paused_at;
    for (size_t i = 0; i < finish; ++i) {
      const StatStep& s = d.steps[i];
      if (paused_at) {
        paused_working_ms += working_time_between(*paused_at, s.at, cal);
        paused_at.reset();
      }
      if (s.to_status == kSupplement) {
        ++supplements;
        paused_at = s.at;
      }
      if (s.due_at) due = s.due_at;
    }
    if (paused_at) paused_working_ms += working_time_between(*paused_at, finished->at, cal);

    const int day = due ? compare_days(finished->at, *due) : 0;
    if (day < 0) {
      ++c.resolved_early;
    } else if (day == 0) {
      ++c.resolved_on_time;
    } else {
      ++c.resolved_late;
    }

    bool on_time_766 = true;
    if (supplements > 1) {
      on_time_766 = false;
    } else if (due) {
      on_time_766 = day <= 0;
    } else if (const std::optional<Instant> deadline = legal_deadline(d, paused_working_ms, cal)) {
      on_time_766 = compare_days(finished->at, *deadline) <= 0;
    }
    ++(on_time_766 ? c.i766_on_time : c.i766_late);

    c.resolution_ms_sum += std::max<int64_t>(0, finished->at.ms - d.received_at.ms);
    c.resolution_working_ms_sum += working_time_between(d.received_at, finished->at, cal);
    return;
  }

  // Unfinished at the end of the period: its status and appointment then.
  int status = d.creation_status;
  std::optional<Instant> due = d.due_at;
  for (size_t i = 0; i < finish; ++i) {
    const StatStep& s = d.steps[i];
    if (s.at >= p.to_exclusive) continue;
    status = s.to_status;
    if (s.due_at) due = s.due_at;
  }
  if (status == kSupplement) {
    ++c.waiting_supplement;
  } else if (!due || *due >= p.to_exclusive) {
    ++c.in_progress_on_time;
  } else {
    ++c.in_progress_late;
  }
}

}  // namespace motcua::domain
