#include "bench/hub_dataset.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <random>

#include <nlohmann/json.hpp>

#include "common/hlc.hpp"
#include "common/id.hpp"
#include "common/version.hpp"
#include "domain/due_date.hpp"
#include "hub/agent_report.hpp"
#include "hub/hub_store.hpp"
#include "hub/publish.hpp"
#include "reference/reference.hpp"

namespace motcua::bench {

namespace {

constexpr int kBatch = 50000;  // dossiers per transaction

Id128 next_id(std::mt19937_64& rng) {
  Id128 id;
  for (int i = 0; i < 16; i += 8) {
    const uint64_t v = rng();
    std::memcpy(id.bytes.data() + i, &v, 8);
  }
  return id;
}

sql::Blob random_blob(std::mt19937_64& rng, size_t n) {
  sql::Blob b(n);
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(b.data() + i, &v, std::min<size_t>(8, n - i));
  }
  return b;
}

std::optional<int64_t> ms_of(const std::optional<Instant>& t) {
  std::optional<int64_t> out;
  if (t.has_value()) out = t.value().ms;
  return out;
}

struct Proc {
  std::string key;
  int64_t version = 0;
  std::string limit_kind;
  std::optional<int64_t> limit_hours;
  domain::TimeLimit limit;
};

struct Event {
  int from;
  int to;
  Instant at;
  std::optional<Instant> due;
};

// The working days of a span as a table, so the generator's "N working minutes later" is a
// lookup instead of a walk through the calendar's map. Gives exactly domain::add_working_time's
// answer (checked against it on the first dossiers) for instants inside the span; outside it,
// falls back to the domain function.
class WorkingDays {
 public:
  WorkingDays(const domain::Calendar& cal, Date first, Date last) : m_cal(cal) {
    m_first = days_from_date(first);
    const int64_t end = days_from_date(last);
    for (int64_t d = m_first; d <= end; ++d) m_working.push_back(cal.is_working_day_number(d));
    // next[i]: the first working day after day i, as an index (size when none in the span).
    m_next.assign(m_working.size(), static_cast<int64_t>(m_working.size()));
    int64_t next = static_cast<int64_t>(m_working.size());
    for (int64_t i = static_cast<int64_t>(m_working.size()) - 1; i >= 0; --i) {
      m_next[static_cast<size_t>(i)] = next;
      if (m_working[static_cast<size_t>(i)]) next = i;
    }
  }

  Instant add(Instant t, int64_t working_ms) const {
    // Working periods 07:00–11:30 and 13:30–17:00, Vietnam time (domain/due_date.hpp).
    constexpr int64_t kMorningStart = 7 * kMsPerHour, kMorningEnd = 11 * kMsPerHour + 30 * kMsPerMinute;
    constexpr int64_t kAfternoonStart = 13 * kMsPerHour + 30 * kMsPerMinute, kAfternoonEnd = 17 * kMsPerHour;
    constexpr int64_t kMorning = kMorningEnd - kMorningStart, kDay = 8 * kMsPerHour;
    const int64_t vn = t.ms + 7 * kMsPerHour;
    const int64_t day = floor_div(vn, kMsPerDay);
    int64_t ms = vn - day * kMsPerDay;
    int64_t i = day - m_first;
    if (working_ms <= 0 || i < 0 || i >= static_cast<int64_t>(m_working.size())) {
      return domain::add_working_time(t, working_ms, m_cal);
    }
    // working_start: inside a period stays, before 07:00 → 07:00, lunch → 13:30, after 17:00 or
    // a day off → 07:00 of the next working day.
    if (!m_working[static_cast<size_t>(i)] || ms >= kAfternoonEnd) {
      i = m_next[static_cast<size_t>(i)];
      ms = kMorningStart;
    } else if (ms < kMorningStart) {
      ms = kMorningStart;
    } else if (ms >= kMorningEnd && ms < kAfternoonStart) {
      ms = kAfternoonStart;
    }
    const int64_t worked = ms < kMorningEnd ? ms - kMorningStart : kMorning + (ms - kAfternoonStart);
    int64_t remaining = working_ms;
    if (remaining > kDay - worked) {
      remaining -= kDay - worked;
      for (;;) {
        if (i >= static_cast<int64_t>(m_working.size())) return domain::add_working_time(t, working_ms, m_cal);
        i = m_next[static_cast<size_t>(i)];
        if (i >= static_cast<int64_t>(m_working.size())) return domain::add_working_time(t, working_ms, m_cal);
        if (remaining <= kDay) break;
        remaining -= kDay;
      }
    } else {
      remaining += worked;
    }
    if (i >= static_cast<int64_t>(m_working.size())) return domain::add_working_time(t, working_ms, m_cal);
    // The instant of the day when `remaining` working time is done; a count that ends at 11:30
    // ends there.
    const int64_t at = remaining <= kMorning ? kMorningStart + remaining : kAfternoonStart + (remaining - kMorning);
    return Instant{(m_first + i) * kMsPerDay + at - 7 * kMsPerHour};
  }

 private:
  static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

  const domain::Calendar& m_cal;
  int64_t m_first = 0;
  std::vector<bool> m_working;
  std::vector<int64_t> m_next;
};

struct Generator {
  const domain::Calendar& cal;
  WorkingDays working;
  std::vector<std::string> units;
  std::vector<Proc> procs;
  std::vector<Date> days;
  std::mt19937_64 rng;
  Instant now;
  bool with_conflicts;
  sql::Stmt dossier, event, state, dossier_unit, conflict;
  int64_t events = 0;
  int64_t conflicts = 0;
  int64_t checked = 0;  // calls of later() compared with the domain function

  int pct() { return static_cast<int>(rng() % 100); }
  int64_t between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1)); }

  // Minutes of working time after `t`, as a clerk's next action would come.
  Result<Instant> later(Instant t, int64_t working_minutes) {
    const Instant fast = working.add(t, working_minutes * kMsPerMinute);
    if (checked < 100000) {
      ++checked;
      const Instant slow = domain::add_working_time(t, working_minutes * kMsPerMinute, cal);
      if (fast != slow) {
        return fail(Error::internal("the generator's working-time table disagrees with domain::add_working_time at " +
                                    format_rfc3339_vn(t) + " + " + std::to_string(working_minutes) + " min"));
      }
    }
    return fast;
  }

  Status one(int64_t n) {
    const std::string& unit = units[static_cast<size_t>(n) % units.size()];
    const Proc& p = procs[static_cast<size_t>(rng() % procs.size())];
    const Date day = days[static_cast<size_t>(rng() % days.size())];
    const Instant received = vn_instant(day, between(7 * 60 + 30, 16 * 60 + 30) * kMsPerMinute);
    const int channel = pct() < 60 ? 1 : (pct() < 90 ? 2 : 3);
    const bool refused = pct() < 2;
    std::optional<Instant> due = refused ? std::nullopt : domain::compute_due(received, p.limit, cal);
    const Id128 id = next_id(rng);

    std::vector<Event> history;
    int status = refused ? 3 : 2;
    std::optional<Instant> cur_due = due, resolved_at, returned_at;
    int64_t paused_ms = -1;  // waiting for a supplement since then; -1: not waiting
    int supplements = 0;
    auto push = [&](int to, Instant at, std::optional<Instant> new_due = std::nullopt) {
      if (at > now) return false;
      history.push_back({status, to, at, new_due});
      status = to;
      if (new_due) cur_due = new_due;
      return true;
    };
    if (!refused) {
      MOTCUA_ASSIGN_OR_RETURN(Instant t, later(received, between(10, 120)));
      bool go = push(4, t);
      const int fate = pct();
      if (go && fate < 15) {  // a supplement
        MOTCUA_ASSIGN_OR_RETURN(const Instant pause, later(t, between(60, 600)));
        if ((go = push(5, pause))) {
          ++supplements;
          paused_ms = pause.ms;
          MOTCUA_ASSIGN_OR_RETURN(const Instant resume, later(pause, between(240, 4800)));
          std::optional<Instant> nd;
          if (cur_due) nd = domain::resume_due(*cur_due, pause, resume, cal);
          if ((go = push(4, resume, nd))) paused_ms = -1;
          t = resume;
        }
      }
      if (go) {
        if (fate >= 15 && fate < 20) {
          const int64_t m = between(60, 2400);
          MOTCUA_ASSIGN_OR_RETURN(const Instant at, later(t, m));
          push(7, at);
        } else if (fate >= 20 && fate < 23) {
          const int64_t m = between(60, 2400);
          MOTCUA_ASSIGN_OR_RETURN(const Instant at, later(t, m));
          push(8, at);
        } else {
          // Resolved around the appointment: mostly before it, some after.
          const int64_t span = cur_due ? domain::working_time_between(t, *cur_due, cal) / kMsPerMinute : 960;
          const int64_t when = std::max<int64_t>(30, pct() < 90 ? between(span / 4, std::max<int64_t>(span, 31))
                                                              : span + between(60, 2400));
          MOTCUA_ASSIGN_OR_RETURN(const Instant r, later(t, when));
          if (push(9, r)) {
            resolved_at = r;
            const int64_t m = between(60, 1200);
            MOTCUA_ASSIGN_OR_RETURN(const Instant back, later(r, m));
            if (push(10, back)) returned_at = back;
          }
        }
      }
    }

    const std::string code = unit + "-26" + std::to_string(n);
    dossier.bind(1, id.blob()).bind(2, code).bind(3, unit).bind(4, p.key).bind(5, p.version).bind(6, channel)
        .bind(7, received.ms).bind(8, ms_of(due))
        .bind(9, due ? "computed" : "none").bind(10, p.limit_kind).bind(11, p.limit_hours).bind(12, refused ? 3 : 2)
        .bind(13, Hlc::from(received.ms, 0).value);
    MOTCUA_TRY(dossier.run());
    MOTCUA_TRY(dossier.reset());
    dossier_unit.bind(1, id.blob()).bind(2, unit).bind(3, received.ms);
    MOTCUA_TRY(dossier_unit.run());
    MOTCUA_TRY(dossier_unit.reset());
    int64_t last_hlc = Hlc::from(received.ms, 0).value;
    Id128 last_event;
    for (const Event& e : history) {
      last_hlc = Hlc::from(e.at.ms, 0).value;
      last_event = next_id(rng);
      event.bind(1, last_event.blob()).bind(2, id.blob()).bind(3, e.from).bind(4, e.to).bind(5, e.at.ms)
          .bind(6, ms_of(e.due)).bind(7, last_hlc).bind(8, unit);
      MOTCUA_TRY(event.run());
      MOTCUA_TRY(event.reset());
      ++events;
    }
    state.bind(1, id.blob()).bind(2, code).bind(3, status).bind(4, unit).bind(5, p.key).bind(6, received.ms)
        .bind(7, ms_of(cur_due))
        .bind(8, paused_ms >= 0 ? std::optional<int64_t>(paused_ms) : std::nullopt)
        .bind(9, ms_of(resolved_at))
        .bind(10, ms_of(returned_at))
        .bind(11, supplements).bind(12, static_cast<int64_t>(history.size())).bind(13, last_hlc);
    MOTCUA_TRY(state.run());
    MOTCUA_TRY(state.reset());
    // A step that lost to the last one (two clerks at once): never inserted as an event here, as
    // the report leaves conflicting events out anyway.
    if (with_conflicts && history.size() >= 2 && rng() % 1000 == 0) {
      conflict.bind(1, next_id(rng).blob()).bind(2, id.blob()).bind(3, last_event.blob()).bind(4, "concurrent_step")
          .bind(5, "two steps from status " + std::to_string(history.back().from) + " at once; the later one lost");
      MOTCUA_TRY(conflict.run());
      MOTCUA_TRY(conflict.reset());
      ++conflicts;
    }
    return ok();
  }
};

}  // namespace

Status init_bench_hub(const std::string& data_dir, const Clock& clock, int offices) {
  MOTCUA_TRY(hub::init_hub(data_dir, "33", clock));
  MOTCUA_ASSIGN_OR_RETURN(hub::HubStore store, hub::HubStore::open(data_dir, clock));
  {
    MOTCUA_ASSIGN_OR_RETURN(auto existing, sql::query_int64(store.db(), "SELECT count(*) FROM unit WHERE kind <> 'province'"));
    MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(store.db()));
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt insert, store.db().prepare(
        "INSERT INTO unit(code, name, kind, province_code, agency_id) VALUES (?1, ?2, ?3, '33', '33.' || ?1)"));
    for (int64_t n = 1; existing.value_or(0) + n <= offices; ++n) {
      char code[32];
      std::snprintf(code, sizeof code, "B%04lld", static_cast<long long>(n));
      const bool agency = n % 10 == 0;
      const std::string name = (agency ? "Sở thử nghiệm số " : "Xã Thử Nghiệm ") + std::to_string(n);
      insert.bind(1, code).bind(2, name).bind(3, agency ? "agency" : "commune");
      MOTCUA_TRY(insert.run());
      MOTCUA_TRY(insert.reset());
    }
    MOTCUA_TRY(tx.commit());
  }
  MOTCUA_TRY(hub::publish_calendar(store, std::string(MOTCUA_SOURCE_DIR) + "/data/holidays-vn.csv"));
  MOTCUA_TRY(hub::publish_catalog(store, std::string(MOTCUA_SOURCE_DIR) + "/data/tthc-commune-sample.csv"));
  return ok();
}

Result<sql::Db> open_generating_db(const std::string& data_dir) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Db db, sql::Db::open(hub::HubStore::database_path(data_dir)));
  // A bench data set, not a hub: durability is traded for speed on this connection only. A hub's
  // own connections keep WAL and synchronous=FULL (hub/hub_store.hpp).
  MOTCUA_TRY(db.exec("PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; "
                     "PRAGMA temp_store=MEMORY"));
  return db;
}

Result<std::vector<std::string>> office_units(sql::Db& db) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT code FROM unit WHERE kind <> 'province' ORDER BY code"));
  std::vector<std::string> out;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(st.text(0));
  }
  return out;
}

Result<DossierStats> generate_dossiers(sql::Db& db, const DossierOptions& options) {
  MOTCUA_ASSIGN_OR_RETURN(domain::Calendar cal, reference::load_calendar(db));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt dossier, db.prepare(
      "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, "
      "applicant_name, applicant_citizen_id, channel, received_at, entered_at, due_at, due_rule, limit_kind, "
      "limit_hours, status, hlc, origin_unit, actor) VALUES (?1, ?2, ?3, ?3, ?3, ?4, ?5, 'Nguyễn Văn An', "
      "'033198001234', ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?3, 'bench')"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt event, db.prepare(
      "INSERT INTO dossier_event(id, dossier_id, kind, from_status, to_status, at, due_at, hlc, origin_unit, actor) "
      "VALUES (?1, ?2, 'status', ?3, ?4, ?5, ?6, ?7, ?8, 'bench')"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt state, db.prepare(
      "INSERT INTO dossier_state(dossier_id, code, status, holder_unit, receiving_unit, resolving_unit, "
      "procedure_key, applicant_name, applicant_citizen_id, received_at, due_at, paused_at, resolved_at, "
      "returned_at, supplement_count, event_count, last_hlc) VALUES (?1, ?2, ?3, ?4, ?4, ?4, ?5, 'Nguyễn Văn An', "
      "'033198001234', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt dossier_unit, db.prepare(
      "INSERT INTO dossier_unit(dossier_id, unit, since) VALUES (?1, ?2, ?3)"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt conflict, db.prepare(
      "INSERT INTO dossier_conflict(event_id, dossier_id, winner_event_id, rule, detail) VALUES (?1, ?2, ?3, ?4, ?5)"));
  // The table spans the year and the months after it, where resolutions and returns land.
  Generator gen{cal, WorkingDays(cal, add_days(options.first_day, -7), add_days(options.last_day, 400)),
                options.units, {}, {}, std::mt19937_64{options.seed}, options.now, options.with_conflicts,
                std::move(dossier), std::move(event), std::move(state), std::move(dossier_unit), std::move(conflict)};
  if (gen.units.empty()) {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT code FROM unit WHERE kind = 'commune' ORDER BY code"));
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      gen.units.push_back(st.text(0));
    }
  }
  MOTCUA_ASSIGN_OR_RETURN(auto procedures, reference::current_procedures(db, ""));
  for (const auto& row : procedures) {
    Proc p;
    p.key = row.procedure.key;
    p.version = row.version;
    p.limit = row.procedure.time_limit.main;
    switch (p.limit.kind) {
      case domain::LimitKind::kNone: p.limit_kind = "none"; break;
      case domain::LimitKind::kWorkingHours: p.limit_kind = "hours"; p.limit_hours = p.limit.hours; break;
      case domain::LimitKind::kSameDay: p.limit_kind = "same_day"; break;
      case domain::LimitKind::kSameDay15h: p.limit_kind = "same_day_15h"; break;
    }
    gen.procs.push_back(std::move(p));
  }
  for (Date d = options.first_day; !(options.last_day < d); d = add_days(d, 1)) {
    if (cal.is_working_day(d)) gen.days.push_back(d);
  }
  if (gen.units.empty() || gen.procs.empty() || gen.days.empty()) {
    return fail(Error::internal("no units, no procedures or no working days to generate dossiers for"));
  }
  for (int64_t n = 0; n < options.count;) {
    MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
    for (int i = 0; i < kBatch && n < options.count; ++i, ++n) MOTCUA_TRY(gen.one(n));
    MOTCUA_TRY(tx.commit());
  }
  MOTCUA_TRY(db.exec("ANALYZE"));
  DossierStats stats;
  stats.dossiers = options.count;
  stats.events = gen.events;
  stats.conflicts = gen.conflicts;
  stats.units = gen.units.size();
  stats.procedures = gen.procs.size();
  return stats;
}

namespace {

// Instant `working_ms` of working time before `now` (10-minute steps back), for offices silent
// for so many working hours whatever the day of the week.
Instant working_time_before(Instant now, int64_t working_ms, const domain::Calendar& cal) {
  Instant t = now;
  while (domain::working_time_between(t, now, cal) < working_ms) t.ms -= 10 * kMsPerMinute;
  return t;
}

struct PlannedReport {
  Instant received_at;
  size_t agent;  // index in the agents' list
  std::string body;
};

struct PlannedAgent {
  Id128 id;
  std::string unit;
  Instant enrolled_at;
  Instant last_seen_at;
  int64_t offset_ms = 0;  // hub − agent clock
  std::string version;
};

}  // namespace

Result<FleetStats> generate_fleet(sql::Db& db, const FleetOptions& options) {
  using nlohmann::json;
  const Instant now = options.now;
  std::mt19937_64 rng{options.seed};
  auto between = [&](int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1)); };
  auto pct = [&] { return static_cast<int>(rng() % 100); };
  MOTCUA_ASSIGN_OR_RETURN(domain::Calendar cal, reference::load_calendar(db));
  MOTCUA_ASSIGN_OR_RETURN(std::vector<std::string> units, office_units(db));
  MOTCUA_ASSIGN_OR_RETURN(auto catalog, sql::query_int64(db, "SELECT max(version) FROM catalog_publication"));
  MOTCUA_ASSIGN_OR_RETURN(auto calendar, sql::query_int64(db, "SELECT max(version) FROM calendar_publication"));
  std::map<std::string, int64_t> feed_head;
  {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT unit, max(position) FROM feed_entry GROUP BY unit"));
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      feed_head[st.text(0)] = st.int64(1);
    }
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt agent, db.prepare(
      "INSERT INTO agent(id, unit, public_key, status, enrolled_at, retired_at, high_water_seq, last_batch_hash, "
      "last_request_counter, last_seen_at, agent_version, schema_version, feed_position, feed_pulled_at, "
      "clock_offset_ms, clock_measured_at, revoked_at, revoked_reason) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 5, ?12, ?10, ?13, ?10, ?14, ?15)"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt batch, db.prepare(
      "INSERT INTO batch(agent_id, first_seq, last_seq, hash, received_at, status, reason, size, envelope, prev_hash) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  // Envelopes are slices of one random buffer: as large and as incompressible as real ones.
  const sql::Blob pool = random_blob(rng, 1 << 20);
  const char* old_version = "0.0.9";

  FleetStats stats;
  std::vector<PlannedAgent> agents;
  std::vector<PlannedReport> reports;
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));

  // The batches of one agent from its enrollment to `until`; returns the last (seq, hash).
  auto batches = [&](const Id128& id, Instant from, Instant until, int count,
                     int quarantined) -> Result<std::pair<int64_t, sql::Blob>> {
    int64_t seq = 0;
    std::optional<sql::Blob> prev;
    const int64_t step = std::max<int64_t>(1, (until.ms - from.ms) / std::max(count, 1));
    Instant at = from;
    for (int k = 0; k < count; ++k) {
      at.ms += between(step / 2, step * 3 / 2);
      if (at > until) at = until;
      const int64_t first = seq + 1;
      seq += between(1, 20);
      const int64_t size = rng() % 50 == 0 ? between(5000, 40000) : between(200, 1500);
      const size_t offset = static_cast<size_t>(rng() % (pool.size() - static_cast<size_t>(size)));
      const sql::Blob envelope(pool.begin() + static_cast<std::ptrdiff_t>(offset),
                               pool.begin() + static_cast<std::ptrdiff_t>(offset) + size);
      const sql::Blob hash = random_blob(rng, 32);
      const bool held = k >= count - quarantined;
      const bool refused = !held && rng() % 1000 == 0;
      batch.bind(1, id.blob()).bind(2, first).bind(3, seq).bind(4, hash).bind(5, at.ms)
          .bind(6, held ? "quarantined" : refused ? "refused" : "applied")
          .bind(7, held ? "dossier 33.B-2611-0042: status 9 from status 2 is not a step of the process (illegal_step)"
                        : refused ? "sequence gap: expected 1042, got 1051" : "")
          .bind(8, size).bind(9, envelope).bind(10, prev);
      MOTCUA_TRY(batch.run());
      MOTCUA_TRY(batch.reset());
      ++stats.batches;
      stats.quarantined += held;
      prev = hash;
    }
    return std::make_pair(seq, prev.value_or(sql::Blob(32, 0)));
  };

  for (const std::string& unit : units) {
    const int draw = static_cast<int>(rng() % 1000);
    if (draw < 10) {  // never enrolled
      ++stats.not_enrolled;
      continue;
    }
    const Instant enrolled = Instant{now.ms - between(60, 400) * kMsPerDay};
    if (draw < 20) {  // its agent was revoked and not replaced
      const Id128 id = next_id(rng);
      const Instant revoked{now.ms - between(1, 30) * kMsPerDay};
      MOTCUA_ASSIGN_OR_RETURN(auto last, batches(id, enrolled, revoked, 20, 0));
      agent.bind(1, id.blob()).bind(2, unit).bind(3, random_blob(rng, 32)).bind(4, "revoked").bind(5, enrolled.ms)
          .bind_null(6).bind(7, last.first).bind(8, last.second).bind(9, 40).bind(10, revoked.ms).bind(11, kVersion)
          .bind(12, feed_head[unit]).bind(13, between(-2000, 2000)).bind(14, revoked.ms)
          .bind(15, "stolen computer (police report 118/2026)");
      MOTCUA_TRY(agent.run());
      MOTCUA_TRY(agent.reset());
      ++stats.revoked;
      continue;
    }
    if (draw < 40) {  // a machine replaced: the previous agent is retired
      const Id128 id = next_id(rng);
      const Instant retired{enrolled.ms - between(1, 5) * kMsPerDay};
      const Instant first{retired.ms - 300 * kMsPerDay};
      MOTCUA_ASSIGN_OR_RETURN(auto last, batches(id, first, retired, 30, 0));
      agent.bind(1, id.blob()).bind(2, unit).bind(3, random_blob(rng, 32)).bind(4, "retired").bind(5, first.ms)
          .bind(6, retired.ms).bind(7, last.first).bind(8, last.second).bind(9, 60).bind(10, retired.ms)
          .bind(11, old_version).bind(12, feed_head[unit]).bind(13, between(-2000, 2000)).bind_null(14).bind(15, "");
      MOTCUA_TRY(agent.run());
      MOTCUA_TRY(agent.reset());
    }

    PlannedAgent a;
    a.id = next_id(rng);
    a.unit = unit;
    a.enrolled_at = enrolled;
    // Its clock: within a few seconds of the hub's, or (3%) off by 11 to 90 minutes either way.
    const bool clock_off = pct() < 3;
    a.offset_ms = clock_off ? (pct() < 50 ? -1 : 1) * between(11, 90) * kMsPerMinute : between(-3000, 3000);
    a.version = pct() < 5 ? old_version : kVersion;
    // When it last synced: minutes ago (most), a few working hours ago, or days ago.
    const int silence = pct();
    const bool erroring = pct() < 4;
    const bool rising = erroring && pct() < 50;
    const int quarantined = pct() < 3 ? static_cast<int>(between(1, 3)) : 0;
    Instant last_success;
    if (silence < 5) {
      last_success = working_time_before(now, between(80, 230) * kMsPerMinute, cal);
      ++stats.silent_hours;
    } else if (silence < 9) {
      last_success = working_time_before(now, between(6 * 60, 15 * 8 * 60) * kMsPerMinute, cal);
      ++stats.silent_days;
    } else if (erroring) {  // failing since its last success, an hour or two ago
      last_success = Instant{now.ms - (rising ? between(115, 150) : between(45, 60)) * kMsPerMinute};
    } else {
      last_success = Instant{now.ms - between(1, 15) * kMsPerMinute};
      ++stats.fresh;
    }
    stats.clock_off += clock_off;
    stats.old_version += a.version == old_version;
    stats.erroring += erroring;
    stats.with_quarantine += quarantined > 0;

    // Its reports, newest first: one per sync that had something new, at least hourly; a failing
    // office reports after every failed sync (a few minutes apart) since the failure began.
    const Instant last_report = erroring ? Instant{now.ms - between(1, 5) * kMsPerMinute}
                                         : Instant{last_success.ms + between(1, 20) * kMsPerSecond};
    const Instant error_since{last_success.ms + kMsPerMinute};
    Instant at = last_report;
    int64_t pending = silence < 9 ? between(20, 400) : between(0, 3);
    for (int k = 0; k < options.reports_per_agent; ++k) {
      const bool failing = erroring && at > error_since;
      // The agent's view: its clock is the hub's minus the offset; a report takes a moment to arrive.
      const int64_t transit = between(50, 900);
      auto agent_time = [&](Instant hub_time) { return format_rfc3339_vn(Instant{hub_time.ms - a.offset_ms}); };
      const Instant success = failing || k == 0 ? last_success : Instant{at.ms - between(2, 30) * kMsPerSecond};
      json body = {{"sent_at", agent_time(Instant{at.ms - transit})},
                   {"agent_version", a.version},
                   {"schema_version", 5},
                   {"pending_changes", pending},
                   {"oldest_unsent_at", pending > 0 ? json(agent_time(Instant{success.ms - between(1, 60) * kMsPerMinute}))
                                                    : json(nullptr)},
                   {"last_attempt_at", agent_time(Instant{at.ms - between(1, 10) * kMsPerSecond})},
                   {"last_success_at", agent_time(success)},
                   {"last_upload_ok_at", agent_time(success)},
                   {"last_feed_ok_at", agent_time(success)},
                   {"last_error", failing ? json{{"code", "conflict"},
                                                 {"message", "the hub quarantined batch 1042-1051: dossier 33.B-2611-0042 "
                                                             "status 9 from status 2 is not a step of the process"},
                                                 {"at", agent_time(Instant{at.ms - between(1, 10) * kMsPerSecond})}}
                                          : json(nullptr)},
                   {"clock_offset_ms", a.offset_ms + between(-200, 200)},
                   {"free_disk_bytes", (pct() < 2 ? between(1, 4) : between(20, 400)) * 1000000000},
                   {"quarantined_batches", quarantined},
                   {"refused_batches", 0},
                   {"catalog_version", catalog.value_or(0)},
                   {"calendar_version", calendar.value_or(0)}};
      reports.push_back({at, agents.size(), body.dump()});
      if (k == 0) a.last_seen_at = at;
      // The one before: up to an hour earlier; while failing, every half hour, or (rising) more
      // and more often over the last two hours.
      int64_t gap = between(5, 60);
      if (failing) gap = !rising ? between(25, 35) : at.ms > now.ms - kMsPerHour ? between(8, 14) : between(20, 30);
      at.ms -= gap * kMsPerMinute;
      pending = std::max<int64_t>(0, pending + between(-3, 3));
    }

    const int count = static_cast<int>(between(options.batches_per_agent / 2, options.batches_per_agent * 3 / 2));
    MOTCUA_ASSIGN_OR_RETURN(auto last, batches(a.id, enrolled, last_success, count, quarantined));
    agent.bind(1, a.id.blob()).bind(2, unit).bind(3, random_blob(rng, 32)).bind(4, "active").bind(5, enrolled.ms)
        .bind_null(6).bind(7, last.first).bind(8, last.second).bind(9, count * 3 + options.reports_per_agent)
        .bind(10, a.last_seen_at.ms).bind(11, a.version).bind(12, feed_head[unit]).bind(13, a.offset_ms).bind_null(14)
        .bind(15, "");
    MOTCUA_TRY(agent.run());
    MOTCUA_TRY(agent.reset());
    agents.push_back(std::move(a));
    ++stats.agents;
  }
  // Reports in the order they arrived, as the hub numbers them.
  std::sort(reports.begin(), reports.end(),
            [](const PlannedReport& x, const PlannedReport& y) { return x.received_at < y.received_at; });
  for (const PlannedReport& r : reports) {
    MOTCUA_ASSIGN_OR_RETURN(hub::AgentReport parsed, hub::parse_agent_report(r.body));
    MOTCUA_TRY(hub::record_agent_report(db, agents[r.agent].id, parsed, r.received_at));
    ++stats.reports;
  }
  MOTCUA_TRY(tx.commit());
  MOTCUA_TRY(db.exec("ANALYZE"));
  return stats;
}

}  // namespace motcua::bench
