// Due dates (ngày hẹn trả) under the working-hours model production systems use:
//  - a time limit is a number of working hours (1 working day = 8 h), counted from the receipt
//    instant through the working periods 07:00–11:30 and 13:30–17:00 (Vietnam time) of working days;
//  - a receipt before 07:00 starts at 07:00, during lunch at 13:30, after 17:00 or on a non-working
//    day at 07:00 of the next working day;
//  - when the count runs out exactly at the end of a period the due instant is that end (11:30 or
//    17:00), never the start of the next period;
//  - "same day, after 15:00 the next working day": due 17:00 on the receipt day when received on a
//    working day at or before 15:00:00, else 17:00 on the next working day;
//  - "same day" (no cut-off): due 17:00 on the receipt day if it is a working day received before
//    17:00, else 17:00 on the next working day;
//  - while a dossier waits for a supplement the clock stops: the remaining working time is measured
//    at the pause, and on resume the due instant is the resume instant plus that remaining time.
#pragma once

#include <cstdint>
#include <optional>

#include "common/time.hpp"
#include "domain/calendar.hpp"

namespace motcua::domain {

constexpr int64_t kWorkingDayHours = 8;

enum class LimitKind {
  kNone,          // no usable legal time limit: the clerk sets the appointment or records none
  kWorkingHours,  // `hours` working hours
  kSameDay,       // 17:00 of the receipt working day
  kSameDay15h,    // same day if received by 15:00, else next working day 17:00
};

struct TimeLimit {
  LimitKind kind = LimitKind::kNone;
  int64_t hours = 0;  // for kWorkingHours
  friend bool operator==(const TimeLimit& a, const TimeLimit& b) { return a.kind == b.kind && a.hours == b.hours; }
};

// The instant working time starts counting for a receipt at `t`: `t` itself inside a working
// period; 07:00 before it; 13:30 from 11:30 (inclusive) to 13:30; 07:00 of the next working day from
// 17:00 (inclusive) or on a non-working day.
Instant working_start(Instant t, const Calendar& cal);

// `t` advanced by `working_ms` of working time, counted from working_start(t). A count that ends
// exactly at 11:30 or 17:00 ends there. Zero (or negative) working time gives working_start(t).
// Steps by whole working days, so long limits cost a few lookups per day.
Instant add_working_time(Instant t, int64_t working_ms, const Calendar& cal);

// Working milliseconds in [from, to); 0 if to <= from.
int64_t working_time_between(Instant from, Instant to, const Calendar& cal);

// The due instant for a receipt at `received` under `limit`; nullopt for LimitKind::kNone.
std::optional<Instant> compute_due(Instant received, const TimeLimit& limit, const Calendar& cal);

// New due instant after a supplement pause: the working time that remained between
// `paused_at` and `due_before_pause` continues from `resumed_at`. When nothing remained (paused
// at or after the due instant) the result is working_start(resumed_at).
Instant resume_due(Instant due_before_pause, Instant paused_at, Instant resumed_at, const Calendar& cal);

}  // namespace motcua::domain
