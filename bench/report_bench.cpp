// motcua-bench-report [--dossiers N] [--keep]
// The province's statistics (hub/report.hpp) on a hub holding a year of a whole province:
//   1. Sets a hub up in a temporary directory (province 33, its communes, the sample catalogue and
//      the calendar) and fills it with N dossiers (default 1,000,000) received on the working days
//      of 2026 at every commune of the province, each with 3–5 status events (most forwarded,
//      resolved and returned; some through a supplement; a few refused, withdrawn or stopped; the
//      last weeks' still in progress), appointments from the domain code (compute_due,
//      resume_due), and the matching dossier_state rows, inserted directly with prepared
//      statements in transactions of 50,000 dossiers (synchronous off: generation only).
//   2. Times statistics_report for the whole of 2026 by unit, field and procedure, and for the
//      last quarter by unit (most dossiers finished before it and are skipped).
// Prints the generation time, the database size and each report's time in ms. The directory is
// removed at the end unless --keep.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_support.hpp"
#include "common/hlc.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"
#include "domain/due_date.hpp"
#include "hub/hub_store.hpp"
#include "hub/publish.hpp"
#include "hub/report.hpp"
#include "reference/reference.hpp"

using namespace motcua;
using motcua::bench::die;
using motcua::bench::must;
namespace fs = std::filesystem;
using Clk = std::chrono::steady_clock;

namespace {

constexpr int kBatch = 50000;
constexpr Date kFirstDay{2026, 1, 2};
constexpr Date kLastDay{2026, 12, 31};
constexpr const char* kNow = "2027-01-10T09:00:00+07:00";  // histories stop here

std::string g_cleanup_dir;

void remove_cleanup_dir() {
  if (g_cleanup_dir.empty()) return;
  std::error_code ec;
  fs::remove_all(g_cleanup_dir, ec);
  g_cleanup_dir.clear();
}

void check(const Status& s, const std::string& what) {
  if (!s) die(what, s.error());
}

double ms_since(Clk::time_point t0) { return std::chrono::duration<double, std::milli>(Clk::now() - t0).count(); }

struct Proc {
  std::string key;
  int64_t version = 0;
  std::string limit_kind;
  std::optional<int64_t> limit_hours;
  domain::TimeLimit limit;
};

Id128 next_id(std::mt19937_64& rng) {
  Id128 id;
  for (int i = 0; i < 16; i += 8) {
    const uint64_t v = rng();
    std::memcpy(id.bytes.data() + i, &v, 8);
  }
  return id;
}

struct Event {
  int from;
  int to;
  Instant at;
  std::optional<Instant> due;
};

struct Generator {
  sql::Db& db;
  const domain::Calendar& cal;
  std::vector<std::string> units;
  std::vector<Proc> procs;
  std::vector<Date> days;  // working days of 2026
  std::mt19937_64 rng;
  Instant now;
  sql::Stmt dossier, event, state;
  int64_t events = 0;

  int pct() { return static_cast<int>(rng() % 100); }
  int64_t between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1)); }

  // Minutes of working time after `t`, as a clerk's next action would come.
  Instant later(Instant t, int64_t working_minutes) {
    return domain::add_working_time(t, working_minutes * kMsPerMinute, cal);
  }

  void one(int64_t n) {
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
    std::optional<Instant> cur_due = due, paused_at, resolved_at, returned_at;
    int supplements = 0;
    auto push = [&](int to, Instant at, std::optional<Instant> new_due = std::nullopt) {
      if (at > now) return false;
      history.push_back({status, to, at, new_due});
      status = to;
      if (new_due) cur_due = new_due;
      return true;
    };
    if (!refused) {
      Instant t = later(received, between(10, 120));
      bool go = push(4, t);
      const int fate = pct();
      if (go && fate < 15) {  // a supplement
        const Instant pause = later(t, between(60, 600));
        if ((go = push(5, pause))) {
          ++supplements;
          paused_at = pause;
          const Instant resume = later(pause, between(240, 4800));
          std::optional<Instant> nd;
          if (cur_due) nd = domain::resume_due(*cur_due, pause, resume, cal);
          if ((go = push(4, resume, nd))) paused_at.reset();
          t = resume;
        }
      }
      if (go) {
        if (fate >= 15 && fate < 20) {
          push(7, later(t, between(60, 2400)));
        } else if (fate >= 20 && fate < 23) {
          push(8, later(t, between(60, 2400)));
        } else {
          // Resolved around the appointment: mostly before it, some after.
          const int64_t span = cur_due ? domain::working_time_between(t, *cur_due, cal) / kMsPerMinute : 960;
          const int64_t when = std::max<int64_t>(30, pct() < 90 ? between(span / 4, std::max<int64_t>(span, 31))
                                                              : span + between(60, 2400));
          const Instant r = later(t, when);
          if (push(9, r)) {
            resolved_at = r;
            const Instant back = later(r, between(60, 1200));
            if (push(10, back)) returned_at = back;
          }
        }
      }
    }

    const std::string code = unit + "-26" + std::to_string(n);
    dossier.bind(1, id.blob()).bind(2, code).bind(3, unit).bind(4, p.key).bind(5, p.version).bind(6, channel)
        .bind(7, received.ms).bind(8, due ? std::optional<int64_t>(due->ms) : std::nullopt)
        .bind(9, due ? "computed" : "none").bind(10, p.limit_kind).bind(11, p.limit_hours).bind(12, refused ? 3 : 2)
        .bind(13, Hlc::from(received.ms, 0).value);
    check(dossier.run(), "insert dossier");
    check(dossier.reset(), "reset");
    int64_t last_hlc = Hlc::from(received.ms, 0).value;
    for (const Event& e : history) {
      last_hlc = Hlc::from(e.at.ms, 0).value;
      event.bind(1, next_id(rng).blob()).bind(2, id.blob()).bind(3, e.from).bind(4, e.to).bind(5, e.at.ms)
          .bind(6, e.due ? std::optional<int64_t>(e.due->ms) : std::nullopt).bind(7, last_hlc).bind(8, unit);
      check(event.run(), "insert event");
      check(event.reset(), "reset");
      ++events;
    }
    state.bind(1, id.blob()).bind(2, code).bind(3, status).bind(4, unit).bind(5, p.key).bind(6, received.ms)
        .bind(7, cur_due ? std::optional<int64_t>(cur_due->ms) : std::nullopt)
        .bind(8, paused_at ? std::optional<int64_t>(paused_at->ms) : std::nullopt)
        .bind(9, resolved_at ? std::optional<int64_t>(resolved_at->ms) : std::nullopt)
        .bind(10, returned_at ? std::optional<int64_t>(returned_at->ms) : std::nullopt)
        .bind(11, supplements).bind(12, static_cast<int64_t>(history.size())).bind(13, last_hlc);
    check(state.run(), "insert dossier_state");
    check(state.reset(), "reset");
  }
};

bool parse_int(const char* text, int lo, int hi, int& out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) return false;
  out = static_cast<int>(v);
  return true;
}

int usage() {
  std::fprintf(stderr, "usage: motcua-bench-report [--dossiers N (1000-5000000, default 1000000)] [--keep]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bench::g_program = "motcua-bench-report";
  int dossiers = 1000000;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dossiers") == 0 && i + 1 < argc) {
      if (!parse_int(argv[++i], 1000, 5000000, dossiers)) return usage();
    } else if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else {
      return usage();
    }
  }
  const fs::path dir = fs::temp_directory_path() / ("motcua-bench-report-" + Id128::random().hex());
  fs::create_directories(dir);
  if (!keep) {
    g_cleanup_dir = dir.string();
    std::atexit(remove_cleanup_dir);
  }
  const std::string data = (dir / "hub").string();
  ManualClock clock(must(parse_rfc3339(kNow), "now"));

  // 1. The hub and its year.
  const auto g0 = Clk::now();
  must(hub::init_hub(data, "33", clock), "init");
  {
    auto store = must(hub::HubStore::open(data, clock), "open");
    must(hub::publish_calendar(store, std::string(MOTCUA_SOURCE_DIR) + "/data/holidays-vn.csv"), "calendar");
    must(hub::publish_catalog(store, std::string(MOTCUA_SOURCE_DIR) + "/data/tthc-commune-sample.csv"), "catalogue");
  }
  sql::Db db = must(sql::Db::open(hub::HubStore::database_path(data)), "open database");
  check(db.exec("PRAGMA synchronous=OFF"), "pragma");
  const domain::Calendar cal = must(reference::load_calendar(db), "calendar");

  Generator gen{db, cal, {}, {}, {}, std::mt19937_64{20260101}, clock.now(),
                must(db.prepare("INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, "
                                "procedure_version, applicant_name, applicant_citizen_id, channel, received_at, entered_at, "
                                "due_at, due_rule, limit_kind, limit_hours, status, hlc, origin_unit, actor) VALUES (?1, ?2, "
                                "?3, ?3, ?3, ?4, ?5, 'Nguyễn Văn An', '033198001234', ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, "
                                "?13, ?3, 'bench')"),
                     "prepare"),
                must(db.prepare("INSERT INTO dossier_event(id, dossier_id, kind, from_status, to_status, at, due_at, hlc, "
                                "origin_unit, actor) VALUES (?1, ?2, 'status', ?3, ?4, ?5, ?6, ?7, ?8, 'bench')"),
                     "prepare"),
                must(db.prepare("INSERT INTO dossier_state(dossier_id, code, status, holder_unit, receiving_unit, "
                                "resolving_unit, procedure_key, applicant_name, applicant_citizen_id, received_at, due_at, "
                                "paused_at, resolved_at, returned_at, supplement_count, event_count, last_hlc) VALUES (?1, "
                                "?2, ?3, ?4, ?4, ?4, ?5, 'Nguyễn Văn An', '033198001234', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
                     "prepare"),
                0};
  {
    auto st = must(db.prepare("SELECT code FROM unit WHERE kind = 'commune' ORDER BY code"), "units");
    while (must(st.step(), "units")) gen.units.push_back(st.text(0));
  }
  for (const auto& row : must(reference::current_procedures(db, ""), "procedures")) {
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
  for (Date d = kFirstDay; !(kLastDay < d); d = add_days(d, 1)) {
    if (cal.is_working_day(d)) gen.days.push_back(d);
  }
  if (gen.units.empty() || gen.procs.empty()) die("setup", Error::internal("no units or no procedures"));
  for (int64_t n = 0; n < dossiers;) {
    auto tx = must(sql::Transaction::begin_immediate(db), "begin");
    for (int i = 0; i < kBatch && n < dossiers; ++i, ++n) gen.one(n);
    check(tx.commit(), "commit");
  }
  check(db.exec("ANALYZE"), "analyze");
  const double generation_ms = ms_since(g0);
  std::error_code ec;
  const auto size = fs::file_size(hub::HubStore::database_path(data), ec);
  std::printf("generated %d dossiers, %lld status events, %zu units, %zu procedures in %.0f ms; hub.db %.0f MB\n",
              dossiers, static_cast<long long>(gen.events), gen.units.size(), gen.procs.size(), generation_ms,
              static_cast<double>(size) / 1e6);

  // 2. The reports.
  struct Run {
    const char* from;
    const char* to;
    const char* by;
  };
  for (const Run& r : {Run{"2026-01-01", "2026-12-31", "unit"}, Run{"2026-01-01", "2026-12-31", "field"},
                       Run{"2026-01-01", "2026-12-31", "procedure"}, Run{"2026-10-01", "2026-12-31", "unit"}}) {
    const hub::ReportQuery q = must(hub::parse_report_query(r.from, r.to, r.by), "query");
    const auto t0 = Clk::now();
    const nlohmann::json report = must(hub::statistics_report(db, q), "report");
    const double ms = ms_since(t0);
    const auto& total = report.at("total");
    std::printf("report %s..%s by %-9s %8.0f ms  %3zu rows  received %lld  resolved %lld  on-time 766 %s\n", r.from,
                r.to, r.by, ms, report.at("rows").size(),
                static_cast<long long>(total.at("received_total").get<int64_t>()),
                static_cast<long long>(total.at("resolved_total").get<int64_t>()),
                total.at("on_time_rate_766").dump().c_str());
  }
  if (keep) std::printf("kept %s\n", dir.string().c_str());
  return 0;
}
