// motcua-bench-big-history [--dossiers N] [--days D] [--changes C] [--seed S] [--max-seconds S] [--keep DIR]
// The `big history` benchmark: an office that was offline for D working days (default 30) comes
// back and catches up over the commune link.
//   1. A real hub (in this process, on loopback) publishes the sample catalogue and the calendar;
//      an empty office enrolls with it directly (installation, not measured) on the first morning.
//      Then its link goes down: the office never syncs again until step 3.
//   2. For D working days (the calendar the hub published: weekends and days off skipped) the
//      office's clock runs through the opening hours (07:30–11:30, 13:30–17:00) while the counter
//      receives N dossiers (default 3,000, spread evenly over the days; tools/sample_dossiers.hpp:
//      the sample catalogue, Vietnamese names, 12-digit CCCD, documents) and records C status
//      changes in all (default 4 per dossier), each a legal transition of the domain rules (2→4,
//      4→5, 5→4, 4→6, 6→4, 4→9, 9→10, 2→7, 4→8), a few days apart, through agent::receive and
//      agent::set_status, which validate them like the clerk's screen does.
//   3. The next working morning the link is back: the hub (reopened, same database) is reachable
//      only through the real motcua-flaky-proxy at 64 kbit/s (--bandwidth 8000 bytes/s per
//      direction) with 300 ms one-way latency, the profile of motcua-bench-weak-link. The office
//      syncs with agent::sync_outbox, retried after failures with the agent's own backoff
//      (agent/schedule.hpp, the `motcua-agent run` policy), until nothing is pending.
// Prints the recorded history, the catch-up's wall time beside the ideal time (bytes ÷ 8,000 B/s +
// 600 ms per request), bytes up and down at the socket (counted by the proxy), requests, and every
// batch's size (entries, changeset bytes merged, envelope raw and payload sizes) read from the
// hub's batch table (the envelopes it kept) and the office's outbox.
// Checks, each failing the run (exit 1): every batch within the batch-size rule of PROTOCOL.md 7.2
// (at most kMaxBatchRows outbox entries and kMaxBatchRawBytes of changeset; one larger entry
// travels alone) and the limits of section 9 (payload 4 MiB, raw 16 MiB, body 187 + 4 MiB); every
// batch applied; the hub holds every dossier, document and status change the office recorded, and
// derives the same status for every dossier; an illegal step (2→10 on the first dossier) is refused
// offline. The whole run is bounded by --max-seconds (default
// 1,200); every loop is bounded in count and by that deadline.
// Exit 0 when everything held, 1 otherwise, 2 for a bad command line.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/config.hpp"
#include "agent/dossiers.hpp"
#include "agent/schedule.hpp"
#include "agent/store.hpp"
#include "agent/sync.hpp"
#include "bench/bench_support.hpp"
#include "bench/link_bench.hpp"
#include "domain/calendar.hpp"
#include "hub/enrollment.hpp"
#include "hub/hub_store.hpp"
#include "hub/publish.hpp"
#include "reference/reference.hpp"
#include "sync-protocol/envelope.hpp"
#include "tests/support/flaky_link.hpp"
#include "tools/sample_dossiers.hpp"

using namespace motcua;
using motcua::bench::die;
using motcua::bench::must;
using motcua::bench::be32;
using motcua::bench::parse_proxy_output;
using motcua::bench::ProxyCount;
using motcua::bench::runs_text;
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr const char* kProgram = "motcua-bench-big-history";
constexpr const char* kUnit = "11953";
constexpr int64_t kBandwidth = 8000;  // bytes per second per direction: 64 kbit/s
constexpr int64_t kLatencyMs = 300;   // one way
constexpr int64_t kRoundTripMs = 2 * kLatencyMs;
constexpr int kMaxStepsPerDossier = 15;
constexpr int kMaxSyncAttempts = 10000;
// Opening hours as seconds of the working day: 07:30–11:30, then 13:30–17:00.
constexpr int64_t kMorningSeconds = 4 * 3600;
constexpr int64_t kWorkingSeconds = kMorningSeconds + 3 * 3600 + 1800;

int usage(const std::string& bad) {
  std::fprintf(stderr, "%s: bad or incomplete argument '%s'\n", kProgram, bad.c_str());
  std::fprintf(
      stderr,
      "usage: %s [--dossiers N (1-20000, default 3000)] [--days D (working days offline, 1-250, default 30)]\n"
      "       [--changes C (status changes in all, 0-%d x dossiers, default 4 x dossiers)] [--seed S (default 1)]\n"
      "       [--max-seconds S (60-86400, default 1200)] [--keep DIR]\n",
      kProgram, kMaxStepsPerDossier);
  return 2;
}

bool number(const char* text, long long lo, long long hi, long long& out) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text, &end, 10);
  if (errno != 0 || !end || *end != '\0' || end == text || v < lo || v > hi) return false;
  out = v;
  return true;
}

double seconds_since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

std::string thousands(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return (v < 0 ? "-" : "") + digits;
}

// The office's and hub's clock while catching up: real time running on from `start`.
class RunningClock final : public Clock {
 public:
  explicit RunningClock(Instant start) : m_start(start), m_t0(SteadyClock::now()) {}
  Instant now() const override {
    return Instant{m_start.ms +
                   std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - m_t0).count()};
  }

 private:
  Instant m_start;
  SteadyClock::time_point m_t0;
};

// The instant of a second of opening hours on a working day.
Instant opening_instant(const Date& day, int64_t working_second) {
  const int64_t local = working_second < kMorningSeconds ? 7 * 3600 + 1800 + working_second
                                                         : 13 * 3600 + 1800 + (working_second - kMorningSeconds);
  return vn_instant(day, local * kMsPerSecond);
}

// `count` working days from `first` on (`first` itself if it is one), by the office's calendar.
std::vector<Date> working_days(const domain::Calendar& calendar, Date first, int count) {
  std::vector<Date> days;
  for (Date d = first; static_cast<int>(days.size()) < count && days.size() < 100000; d = add_days(d, 1)) {
    if (calendar.is_working_day(d)) days.push_back(d);
  }
  return days;
}

struct Step {
  int to = 0;
  int day = 0;  // index into the working days
};

// A dossier's history: received on `day`, then `steps` in order.
struct PlannedDossier {
  int day = 0;
  std::vector<Step> steps;
  std::string code;  // once received
};

// The statuses a dossier goes through after its receipt (in status 2), `n` transitions long: first
// forwarded for processing (2→4); then rounds of a supplement request (4→5→4) or fees (4→6→4);
// then resolved and returned (4→9→10) when what is left is even, else it ends resolved (4→9),
// waiting for a supplement (4→5) or stopped (4→8). A one-step history is sometimes a withdrawal at
// the counter (2→7). Every transition is legal (domain::is_legal_transition).
std::vector<int> plan_path(int n, std::mt19937_64& rng) {
  std::vector<int> to;
  if (n == 0) return to;
  auto chance = [&](int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; };
  if (n == 1 && chance(20)) return {7};
  to.push_back(4);
  int left = n - 1;
  const int rounds = left % 2 == 0 ? std::max(0, (left - 2) / 2) : (left - 1) / 2;
  for (int i = 0; i < rounds; ++i) {
    to.push_back(chance(70) ? 5 : 6);
    to.push_back(4);
  }
  left -= 2 * rounds;
  if (left == 2) {
    to.push_back(9);
    to.push_back(10);
  } else if (left == 1) {
    to.push_back(chance(60) ? 9 : chance(75) ? 5 : 8);
  }
  return to;
}

// Working days between a dossier's previous step and one to `to` (from `from`), as a commune's
// pace goes: forwarded the same day or the next, a supplement brought back within a week, resolved
// within a few days, the result collected soon after.
int gap_days(int from, int to, std::mt19937_64& rng) {
  auto between = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  if (from == 2 && to == 4) return between(0, 1);
  if (to == 5 || to == 6) return between(0, 2);
  if (from == 5 && to == 4) return between(1, 5);
  if (from == 6 && to == 4) return between(1, 3);
  if (to == 9) return between(1, 6);
  if (to == 10) return between(0, 4);
  return between(0, 3);  // withdrawn, stopped
}

// How many status changes each dossier goes through: a mix centred on the usual 2 → 4 → 9 → 10,
// then nudged one by one (seeded) until the total is exactly `changes`.
std::vector<int> plan_lengths(int dossiers, int64_t changes, std::mt19937_64& rng) {
  const int weights[] = {2, 5, 10, 45, 5, 20, 5, 8};  // 0..7 changes
  std::discrete_distribution<int> draw(std::begin(weights), std::end(weights));
  std::vector<int> n(static_cast<size_t>(dossiers));
  int64_t total = 0;
  for (int& x : n) total += (x = draw(rng));
  std::uniform_int_distribution<size_t> any(0, n.size() - 1);
  // Bounded: each pass moves the total one step towards `changes`, and (changes ≤ kMax × dossiers)
  // a dossier that can move is found within a few draws on average.
  for (int64_t guard = 0; total != changes && guard < 1000LL * (dossiers + changes); ++guard) {
    int& x = n[any(rng)];
    if (total < changes && x < kMaxStepsPerDossier) {
      ++x;
      ++total;
    } else if (total > changes && x > 0) {
      --x;
      --total;
    }
  }
  if (total != changes) die("plan", Error::internal("could not spread the status changes over the dossiers"));
  return n;
}

struct Action {
  int64_t at_ms = 0;
  int dossier = 0;
  int step = -1;  // -1: the receipt
};

// Every receipt and status change at its instant, in the order the clerks did them.
std::vector<Action> plan_actions(std::vector<PlannedDossier>& plan, const std::vector<Date>& days,
                                 std::mt19937_64& rng) {
  std::vector<Action> actions;
  std::map<std::pair<int, int>, std::vector<int>> per_day;  // (dossier, day) -> its actions that day, in order
  for (size_t i = 0; i < plan.size(); ++i) {
    per_day[{static_cast<int>(i), plan[i].day}].push_back(-1);
    for (size_t s = 0; s < plan[i].steps.size(); ++s) {
      per_day[{static_cast<int>(i), plan[i].steps[s].day}].push_back(static_cast<int>(s));
    }
  }
  std::uniform_int_distribution<int64_t> second(0, kWorkingSeconds - 1);
  for (const auto& [key, steps] : per_day) {
    // Distinct seconds of the day, ascending: a dossier's actions on one day keep their order.
    std::vector<int64_t> at;
    for (int guard = 0; at.size() < steps.size() && guard < 100000; ++guard) {
      const int64_t s = second(rng);
      if (std::find(at.begin(), at.end(), s) == at.end()) at.push_back(s);
    }
    std::sort(at.begin(), at.end());
    for (size_t k = 0; k < steps.size(); ++k) {
      actions.push_back({opening_instant(days[static_cast<size_t>(key.second)], at[k]).ms, key.first, steps[k]});
    }
  }
  std::sort(actions.begin(), actions.end(), [](const Action& a, const Action& b) {
    if (a.at_ms != b.at_ms) return a.at_ms < b.at_ms;
    if (a.dossier != b.dossier) return a.dossier < b.dossier;
    return a.step < b.step;
  });
  return actions;
}

const char* note_for(int from, int to, std::mt19937_64& rng) {
  if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) return "";  // many steps carry no note
  switch (to) {
    case 4:
      return from == 5   ? "Công dân đã nộp bổ sung giấy tờ"
             : from == 6 ? "Công dân đã nộp lệ phí"
                         : "Chuyển bộ phận chuyên môn xử lý";
    case 5:
      return "Đề nghị bổ sung bản chính giấy tờ chứng minh nơi cư trú";
    case 6:
      return "Thông báo nộp lệ phí theo quy định";
    case 7:
      return "Công dân xin rút hồ sơ";
    case 8:
      return "Dừng xử lý theo ý kiến của cơ quan chuyên môn";
    case 9:
      return "Đã thẩm định, trình lãnh đạo ký";
    case 10:
      return "Công dân nhận kết quả tại quầy";
    default:
      return "";
  }
}

struct Recorded {
  Instant first_action;
  Instant last_action;
  Date first_day, last_day;
  int64_t dossiers = 0;
  int64_t changes = 0;
  std::map<std::string, int64_t> transitions;  // "4→5" -> count
  bool illegal_refused = false;
  std::string illegal_message;
  double seconds = 0;
};

// Step 2: the office works offline through the days. Fails the bench on any refusal of a planned
// (legal) step.
Recorded record_offline(agent::Store& store, ManualClock& clock, const std::vector<Date>& days, int dossiers,
                        int64_t changes, uint64_t seed, SteadyClock::time_point deadline) {
  Recorded rec;
  const auto t0 = SteadyClock::now();
  std::mt19937_64 rng(seed);
  std::vector<PlannedDossier> plan(static_cast<size_t>(dossiers));
  const std::vector<int> lengths = plan_lengths(dossiers, changes, rng);
  const int day_count = static_cast<int>(days.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    PlannedDossier& p = plan[i];
    p.day = static_cast<int>(static_cast<int64_t>(i) * day_count / dossiers);
    int status = 2, day = p.day;
    for (int to : plan_path(lengths[i], rng)) {
      day = std::min(day_count - 1, day + gap_days(status, to, rng));
      p.steps.push_back({to, day});
      status = to;
    }
  }
  const std::vector<Action> actions = plan_actions(plan, days, rng);
  auto samples = must(tools::SampleDossiers::open(store, seed), "sample dossiers");
  const char* clerks[] = {"canbo.mc1", "canbo.mc2", "canbo.tuphap", "canbo.diachinh"};
  std::vector<int> status(plan.size(), 2);
  rec.first_action = Instant{actions.empty() ? clock.now().ms : actions.front().at_ms};
  size_t done = 0;
  for (const Action& a : actions) {
    if ((done++ & 255) == 0 && SteadyClock::now() >= deadline) {
      die("record", Error::timeout("--max-seconds reached while recording (" + std::to_string(done) + " of " +
                                   std::to_string(actions.size()) + " actions)"));
    }
    clock.set(Instant{std::max(a.at_ms, clock.now().ms)});
    PlannedDossier& p = plan[static_cast<size_t>(a.dossier)];
    if (a.step < 0) {
      p.code = must(samples.receive(), "receive").code;
      ++rec.dossiers;
      if (rec.dossiers == 1) {
        // The rules hold offline too: a dossier just received cannot be returned to the citizen.
        auto illegal = agent::set_status(store, {p.code, 10, "", clerks[0]});
        rec.illegal_refused = !illegal && illegal.error().code == ErrorCode::kConflict;
        rec.illegal_message =
            illegal ? "accepted"
                    : (illegal.error().message_vi.empty() ? illegal.error().message : illegal.error().message_vi);
      }
      continue;
    }
    const int to = p.steps[static_cast<size_t>(a.step)].to;
    int& from = status[static_cast<size_t>(a.dossier)];
    agent::SetStatusRequest req{p.code, to, note_for(from, to, rng), clerks[a.dossier % 4]};
    if (auto r = agent::set_status(store, req); !r) {
      die("status change " + std::to_string(from) + "→" + std::to_string(to) + " of " + p.code, r.error());
    }
    ++rec.transitions[std::to_string(from) + "→" + std::to_string(to)];
    ++rec.changes;
    from = to;
  }
  rec.last_action = clock.now();
  rec.first_day = days.front();
  rec.last_day = days.back();
  rec.seconds = seconds_since(t0);
  return rec;
}


struct CatchUp {
  bool completed = false;
  std::string failure;
  int attempts = 0;
  int failed_attempts = 0;
  std::map<std::string, int> failures;
  double backoff_waited = 0;
  double wall = 0;
  int64_t agent_requests = 0;
  int64_t agent_up = 0;
  int64_t agent_down = 0;
  int64_t envelopes = 0;
  int64_t feed_requests = 0;
  ProxyCount proxy;
};

// Step 3: the `motcua-agent run` loop (agent/run.cpp) until nothing is pending, bounded by the
// deadline and kMaxSyncAttempts.
CatchUp catch_up(agent::Store& store, const RunningClock& clock, uint64_t seed, int hub_port,
                 SteadyClock::time_point deadline) {
  CatchUp c;
  const int64_t budget_s =
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(deadline - SteadyClock::now()).count());
  std::unique_ptr<test::FlakyLink> link;
  try {
    link = std::make_unique<test::FlakyLink>(
        hub_port,
        std::vector<std::string>{"--latency-ms", std::to_string(kLatencyMs), "--bandwidth", std::to_string(kBandwidth),
                                 "--seed", std::to_string(seed), "--max-seconds", std::to_string(budget_s + 30)});
  } catch (const std::exception& e) {
    die("proxy", Error::unavailable(e.what()));
  }
  if (auto set = agent::set_setting(store, "hub", link->url()); !set) die("set hub address", set.error());
  agent::SyncSchedule schedule(agent::SchedulePolicy{}, seed);
  const auto t0 = SteadyClock::now();
  SteadyClock::time_point last_end = t0;
  auto pending_now = [&] {
    return must(sql::query_int64(store.db(), "SELECT count(*) FROM outbox WHERE state = 'pending'"), "pending")
        .value_or(0);
  };
  while (true) {
    const int64_t pending = pending_now();
    if (pending == 0 && c.attempts > c.failed_attempts) {
      c.completed = true;
      break;
    }
    if (SteadyClock::now() >= deadline || c.attempts >= kMaxSyncAttempts) {
      c.failure = "stopped (--max-seconds or " + std::to_string(kMaxSyncAttempts) + " attempts) with " +
                  std::to_string(pending) + " outbox entries pending";
      break;
    }
    const Instant now = clock.now();
    const Instant due = schedule.next_due(now, pending > 0);
    if (now.ms < due.ms) {
      const auto wait =
          std::min<SteadyClock::duration>(std::chrono::milliseconds(due.ms - now.ms), deadline - SteadyClock::now());
      const auto w0 = SteadyClock::now();
      std::this_thread::sleep_for(std::max<SteadyClock::duration>(wait, SteadyClock::duration::zero()));
      c.backoff_waited += seconds_since(w0);
      continue;
    }
    ++c.attempts;
    const int64_t acked_before = must(agent::acknowledged_through(store), "acknowledged");
    auto report = agent::sync_outbox(store);
    last_end = SteadyClock::now();
    if (!report) {
      ++c.failed_attempts;
      ++c.failures[report.error().message.substr(0, 100)];
      if (!agent::is_transient_failure(report.error())) {
        c.failure = "sync failed and needs attention: " + report.error().message;
        break;
      }
      schedule.on_failure(clock.now(), report.error(),
                          must(agent::acknowledged_through(store), "acknowledged") > acked_before);
      continue;
    }
    schedule.on_success(clock.now());
    c.agent_requests += report->requests;
    c.agent_up += report->wire_bytes_up;
    c.agent_down += report->wire_bytes_down;
    c.envelopes += report->bytes_sent;
    c.feed_requests += report->feed.requests;
  }
  c.wall = std::chrono::duration<double>(last_end - t0).count();
  link->stop(SIGTERM, 10000);
  c.proxy = parse_proxy_output(link->output());
  return c;
}


struct BatchSeen {
  int64_t first_seq = 0, last_seq = 0;
  int64_t entries = 0;
  int64_t merged_bytes = 0;  // the office's changesets it merges, as stored in the outbox
  int64_t body = 0;          // the request body the hub received (batch.size)
  int64_t raw = 0;           // envelope raw_size: the merged changeset
  int64_t payload = 0;       // envelope payload_size: as sent (compressed)
  std::string status;
  std::string envelope_problem;  // peek_batch_header's complaint, if any
};


}  // namespace

int main(int argc, char** argv) {
  bench::g_program = kProgram;
  long long dossiers = 3000, days = 30, max_seconds = 1200, seed_arg = 1;
  std::optional<long long> changes_arg;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    long long v = 0;
    const bool has_value = i + 1 < argc;
    const std::string arg = argv[i];
    if (arg == "--dossiers" && has_value && number(argv[i + 1], 1, 20000, v)) {
      dossiers = v;
    } else if (arg == "--days" && has_value && number(argv[i + 1], 1, 250, v)) {
      days = v;
    } else if (arg == "--changes" && has_value && number(argv[i + 1], 0, 20000LL * kMaxStepsPerDossier, v)) {
      changes_arg = v;
    } else if (arg == "--seed" && has_value && number(argv[i + 1], 1, INT64_MAX, v)) {
      seed_arg = v;
    } else if (arg == "--max-seconds" && has_value && number(argv[i + 1], 60, 86400, v)) {
      max_seconds = v;
    } else if (arg == "--keep" && has_value) {
      keep = argv[i + 1];
    } else {
      return usage(has_value ? arg + " " + argv[i + 1] : arg);
    }
    ++i;
  }
  const int64_t changes = changes_arg.value_or(4 * dossiers);
  if (changes > kMaxStepsPerDossier * dossiers) {
    std::fprintf(stderr, "%s: --changes must be at most %d per dossier\n", kProgram, kMaxStepsPerDossier);
    return 2;
  }
  const uint64_t seed = static_cast<uint64_t>(seed_arg);
  const auto started = SteadyClock::now();
  const auto deadline = started + std::chrono::seconds(max_seconds);
  std::error_code ec;
  const fs::path dir =
      keep.empty() ? fs::temp_directory_path() / ("motcua-bench-big-history-" + Id128::random().hex()) : fs::path(keep);
  fs::create_directories(dir, ec);
  if (ec || !fs::is_empty(dir, ec)) {
    std::fprintf(stderr, "%s: %s must be a new or empty directory\n", kProgram, dir.string().c_str());
    return 2;
  }
  const std::string office = (dir / "office").string();
  const std::string hub_dir = (dir / "hub").string();

  std::printf(
      "%s: an office offline for %lld working days records %lld dossiers and %lld status changes, then"
      " catches up; seed %llu\n",
      kProgram, days, dossiers, static_cast<long long>(changes), static_cast<unsigned long long>(seed));
  std::printf(
      "link: motcua-flaky-proxy --latency-ms %lld --bandwidth %lld (64 kbit/s per direction); agent:"
      " agent::sync_outbox in this process with the agent's backoff (agent/schedule.hpp); hub: in this"
      " process on loopback\n",
      static_cast<long long>(kLatencyMs), static_cast<long long>(kBandwidth));

  // 1. Installation: the hub publishes the catalogue and the calendar, the office enrolls directly.
  const Instant enrolled_at = *parse_rfc3339("2026-03-02T07:15:00+07:00");
  {
    ManualClock install_clock(enrolled_at);
    must(hub::init_hub(hub_dir, "33", install_clock), "hub init");
    std::string code;
    {
      auto hs = must(hub::HubStore::open(hub_dir, install_clock), "hub open");
      must(hub::publish_catalog(hs, std::string(MOTCUA_SOURCE_DIR) + "/data/tthc-commune-sample.csv"),
           "publish catalogue");
      must(hub::publish_calendar(hs, std::string(MOTCUA_SOURCE_DIR) + "/data/holidays-vn.csv"), "publish calendar");
      code = must(hub::create_enrollment_code(hs.db(), kUnit, 72, install_clock.now()), "enrollment code").code;
    }
    bench::LoopbackHub hub_server(hub_dir, install_clock);
    auto enrolled = must(agent::enroll({office, hub_server.url(), code, "", ""}, install_clock), "enroll");
    if (enrolled.feed_error) die("first feed pull", *enrolled.feed_error);
    std::printf(
        "installed            %s: office %s (%s) enrolled, first feed pull %lld bytes down; then the link"
        " went down\n",
        format_rfc3339_vn(enrolled_at).c_str(), kUnit, enrolled.unit_name.c_str(),
        static_cast<long long>(enrolled.feed.wire_bytes_down));
  }

  // 2. The days offline.
  ManualClock office_clock(enrolled_at);
  Recorded rec;
  Date back_on;
  int64_t outbox_entries = 0, outbox_raw = 0, office_documents = 0, office_events = 0;
  std::map<int64_t, int64_t> office_states;
  {
    auto store = must(agent::Store::open(office, false, office_clock), "office open");
    // A scratch office: no change in it needs to survive a power cut, and the recording is not measured.
    must(store.db().exec("PRAGMA synchronous=OFF"), "office");
    const domain::Calendar calendar = must(reference::load_calendar(store.db()), "office calendar");
    const std::vector<Date> open_days = working_days(calendar, vn_date(enrolled_at), static_cast<int>(days) + 1);
    if (open_days.size() != static_cast<size_t>(days) + 1) die("calendar", Error::internal("too few working days"));
    back_on = open_days.back();
    const std::vector<Date> offline(open_days.begin(), open_days.end() - 1);
    rec = record_offline(store, office_clock, offline, static_cast<int>(dossiers), changes, seed, deadline);
    outbox_entries =
        must(sql::query_int64(store.db(), "SELECT count(*) FROM outbox WHERE state = 'pending'"), "outbox").value_or(0);
    outbox_raw = must(sql::query_int64(store.db(), "SELECT sum(length(changeset)) FROM outbox WHERE state = 'pending'"),
                      "outbox")
                     .value_or(0);
    office_documents =
        must(sql::query_int64(store.db(), "SELECT count(*) FROM dossier_document"), "documents").value_or(0);
    office_events =
        must(sql::query_int64(store.db(), "SELECT count(*) FROM dossier_event WHERE kind = 'status'"), "events")
            .value_or(0);
    auto st = must(store.db().prepare("SELECT status, count(*) FROM dossier_state GROUP BY status"), "states");
    while (must(st.step(), "states")) office_states[st.int64(0)] = st.int64(1);
  }
  std::printf(
      "offline              %s to %s: %lld working days (weekends and the calendar's days off skipped),"
      " office clock %s .. %s; recorded in %.1f s\n",
      format_date(rec.first_day).c_str(), format_date(rec.last_day).c_str(), days,
      format_rfc3339_vn(rec.first_action).c_str(), format_rfc3339_vn(rec.last_action).c_str(), rec.seconds);
  std::printf(
      "recorded             %s dossiers (%s documents), %s status changes through agent::receive and"
      " agent::set_status\n",
      thousands(rec.dossiers).c_str(), thousands(office_documents).c_str(), thousands(rec.changes).c_str());
  std::string transitions_text;
  for (const auto& [t, n] : rec.transitions) {
    transitions_text += (transitions_text.empty() ? "" : ", ") + t + " " + thousands(n);
  }
  std::printf("  transitions        %s\n", transitions_text.c_str());
  std::string states_text;
  for (const auto& [s, n] : office_states) {
    states_text += (states_text.empty() ? "" : ", ") + std::to_string(s) + ": " + thousands(n);
  }
  std::printf("  states at the end  %s\n", states_text.c_str());
  std::printf("  illegal 2→10       %s (%s)\n", rec.illegal_refused ? "refused" : "NOT REFUSED",
              rec.illegal_message.c_str());
  std::printf("outbox               %s entries pending, %s bytes of changesets\n", thousands(outbox_entries).c_str(),
              thousands(outbox_raw).c_str());
  std::fflush(stdout);

  // 3. The link is back the next working morning.
  const Instant back_at = vn_instant(back_on, (7 * 60 + 30) * kMsPerMinute);
  RunningClock clock(back_at);
  CatchUp c;
  std::vector<BatchSeen> batches;
  int64_t hub_dossiers = 0, hub_documents = 0, hub_events = 0, state_mismatches = 0, states_compared = 0;
  {
    auto hub_server = std::make_unique<bench::LoopbackHub>(hub_dir, clock);
    const std::string hub_url = hub_server->url();
    const int hub_port = std::atoi(hub_url.substr(hub_url.rfind(':') + 1).c_str());
    auto store = must(agent::Store::open(office, false, clock), "office open");
    std::printf("link back            %s, through the proxy\n", format_rfc3339_vn(back_at).c_str());
    std::fflush(stdout);
    c = catch_up(store, clock, seed, hub_port, deadline);
    hub_server.reset();

    // What the hub holds, read from its database once it stopped.
    auto hs = must(hub::HubStore::open(hub_dir, clock), "hub open");
    sql::Db& hdb = hs.db();
    auto count = [&](const std::string& sql) {
      auto st = must(hdb.prepare(sql), "hub count");
      st.bind(1, kUnit);
      return must(st.step(), "hub count") ? st.int64(0) : int64_t{0};
    };
    hub_dossiers = count("SELECT count(*) FROM dossier WHERE receiving_unit = ?1");
    hub_documents = count(
        "SELECT count(*) FROM dossier_document d JOIN dossier x ON x.id = d.dossier_id "
        "WHERE x.receiving_unit = ?1");
    hub_events = count("SELECT count(*) FROM dossier_event WHERE kind = 'status' AND origin_unit = ?1");
    std::map<sql::Blob, int64_t> office_status;
    {
      auto st = must(store.db().prepare("SELECT dossier_id, status FROM dossier_state"), "office states");
      while (must(st.step(), "office states")) office_status[st.blob(0)] = st.int64(1);
    }
    {
      auto st =
          must(hdb.prepare("SELECT dossier_id, status FROM dossier_state WHERE receiving_unit = ?1"), "hub states");
      st.bind(1, kUnit);
      while (must(st.step(), "hub states")) {
        ++states_compared;
        auto it = office_status.find(st.blob(0));
        if (it == office_status.end() || it->second != st.int64(1)) ++state_mismatches;
      }
      state_mismatches += static_cast<int64_t>(office_status.size()) - states_compared;  // never reached the hub
    }
    auto bt = must(hdb.prepare("SELECT b.first_seq, b.last_seq, b.size, b.envelope, b.status FROM batch b "
                               "JOIN agent a ON a.id = b.agent_id WHERE a.unit = ?1 ORDER BY b.first_seq"),
                   "hub batches");
    bt.bind(1, kUnit);
    auto merged =
        must(store.db().prepare(
                 "SELECT count(*), coalesce(sum(length(changeset)), 0) FROM outbox WHERE seq BETWEEN ?1 AND ?2"),
             "outbox entries");
    while (must(bt.step(), "hub batches")) {
      BatchSeen b;
      b.first_seq = bt.int64(0);
      b.last_seq = bt.int64(1);
      b.body = bt.int64(2);
      b.status = bt.text(4);
      const sql::Blob env = bt.blob(3);
      if (auto header = sync::peek_batch_header(env); !header) {
        b.envelope_problem = header.error().message;
      } else {
        b.raw = be32(env, 81);
        b.payload = be32(env, 85);
      }
      merged.bind(1, b.first_seq).bind(2, b.last_seq);
      if (must(merged.step(), "outbox entries")) {
        b.entries = merged.int64(0);
        b.merged_bytes = merged.int64(1);
      }
      must(merged.reset(), "outbox entries");
      batches.push_back(b);
    }
  }

  // The report.
  const ProxyCount& p = c.proxy;
  const double transfer = static_cast<double>(p.up + p.down) / kBandwidth;
  const double rtts = static_cast<double>(p.connections) * kRoundTripMs / 1000.0;
  const double ideal = transfer + rtts;
  std::printf("\n== catching up ==\n");
  std::printf("completed            %s\n", c.completed ? "yes, nothing pending" : ("NO: " + c.failure).c_str());
  std::printf("sync attempts        %d (%d failed and retried after the agent's backoff, %.1f s waited)\n", c.attempts,
              c.failed_attempts, c.backoff_waited);
  for (const auto& [what, n] : c.failures) std::printf("  failed %3d×        %s\n", n, what.c_str());
  std::printf("wall time            %.1f s to catch up (first sync start to last sync end)\n", c.wall);
  std::printf(
      "ideal time           %.1f s = %s bytes / %lld B/s (%.1f s) + %lld requests x %lld ms (%.1f s);"
      " wall/ideal %.2f\n",
      ideal, thousands(p.up + p.down).c_str(), static_cast<long long>(kBandwidth), transfer,
      static_cast<long long>(p.connections), static_cast<long long>(kRoundTripMs), rtts,
      ideal > 0 ? c.wall / ideal : 0.0);
  std::printf(
      "requests             %lld on the link (one TCP connection each); the agent counted %lld (%lld feed"
      " polls)\n",
      static_cast<long long>(p.connections), static_cast<long long>(c.agent_requests),
      static_cast<long long>(c.feed_requests));
  std::printf("bytes up             %s at the socket (agent counted %s; batch envelopes %s)\n", thousands(p.up).c_str(),
              thousands(c.agent_up).c_str(), thousands(c.envelopes).c_str());
  std::printf("bytes down           %s at the socket (agent counted %s)\n", thousands(p.down).c_str(),
              thousands(c.agent_down).c_str());
  if (p.totals && (p.totals->first != p.up || p.totals->second != p.down)) {
    std::printf("  WARNING: the proxy's totals (%lld up, %lld down) differ from its connection lines\n",
                static_cast<long long>(p.totals->first), static_cast<long long>(p.totals->second));
  }
  if (rec.dossiers > 0) {
    std::printf(
        "per dossier          %.1f bytes up+down; %.1f per fact (dossier, document or status change)\n",
        static_cast<double>(p.up + p.down) / static_cast<double>(rec.dossiers),
        static_cast<double>(p.up + p.down) / static_cast<double>(rec.dossiers + office_documents + rec.changes));
  }

  // The batch-size rule (PROTOCOL.md 7.2) and the protocol's limits (section 9).
  const sync::BatchLimits limits;
  std::vector<std::string> violations;
  std::vector<int64_t> entries;
  std::map<std::string, int> outcomes;
  BatchSeen largest_raw, largest_body;
  int64_t max_entries = 0, max_merged = 0, max_payload = 0;
  for (const BatchSeen& b : batches) {
    entries.push_back(b.entries);
    ++outcomes[b.status];
    max_entries = std::max(max_entries, b.entries);
    max_merged = std::max(max_merged, b.merged_bytes);
    max_payload = std::max(max_payload, b.payload);
    if (b.raw > largest_raw.raw) largest_raw = b;
    if (b.body > largest_body.body) largest_body = b;
    const std::string which = "batch " + std::to_string(b.first_seq) + "-" + std::to_string(b.last_seq);
    if (!b.envelope_problem.empty()) violations.push_back(which + ": envelope " + b.envelope_problem);
    if (b.entries != b.last_seq - b.first_seq + 1)
      violations.push_back(which + ": merges entries the office no longer has");
    if (b.entries > agent::kMaxBatchRows) violations.push_back(which + ": " + std::to_string(b.entries) + " entries");
    if (b.entries > 1 && b.merged_bytes > static_cast<int64_t>(agent::kMaxBatchRawBytes)) {
      violations.push_back(which + ": " + std::to_string(b.merged_bytes) + " bytes of changeset merged");
    }
    if (b.entries > 1 && b.raw > static_cast<int64_t>(agent::kMaxBatchRawBytes)) {
      violations.push_back(which + ": raw_size " + std::to_string(b.raw));
    }
    if (b.raw > static_cast<int64_t>(limits.max_raw_size)) violations.push_back(which + ": raw_size over 16 MiB");
    if (b.payload > static_cast<int64_t>(limits.max_payload_size)) violations.push_back(which + ": payload over 4 MiB");
    if (b.body > static_cast<int64_t>(sync::max_batch_size(limits)))
      violations.push_back(which + ": body over 187 + 4 MiB");
    if (b.status != "applied") violations.push_back(which + ": " + b.status);
  }
  std::string outcome_text;
  for (const auto& [what, n] : outcomes)
    outcome_text += (outcome_text.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  std::printf("batches              %zu at the hub (%s)\n", batches.size(),
              outcome_text.empty() ? "none" : outcome_text.c_str());
  std::printf("  entries per batch  %s\n", runs_text(entries).c_str());
  std::printf(
      "  largest            %lld entries; %s bytes of changeset merged; raw_size %s (batch %lld-%lld);"
      " payload %s; envelope %s bytes (batch %lld-%lld)\n",
      static_cast<long long>(max_entries), thousands(max_merged).c_str(), thousands(largest_raw.raw).c_str(),
      static_cast<long long>(largest_raw.first_seq), static_cast<long long>(largest_raw.last_seq),
      thousands(max_payload).c_str(), thousands(largest_body.body).c_str(),
      static_cast<long long>(largest_body.first_seq), static_cast<long long>(largest_body.last_seq));
  std::printf(
      "  batch-size rule    at most %d entries and %s bytes (%zu KiB) of changeset per batch, one larger entry"
      " alone (PROTOCOL.md 7.2); payload <= %s, raw <= %s, body <= %s (section 9): %s\n",
      agent::kMaxBatchRows, thousands(static_cast<int64_t>(agent::kMaxBatchRawBytes)).c_str(),
      agent::kMaxBatchRawBytes / 1024, thousands(limits.max_payload_size).c_str(),
      thousands(limits.max_raw_size).c_str(), thousands(static_cast<int64_t>(sync::max_batch_size(limits))).c_str(),
      violations.empty() && !batches.empty() ? "held" : "BROKEN");
  for (size_t i = 0; i < violations.size() && i < 20; ++i)
    std::printf("  VIOLATION          %s\n", violations[i].c_str());

  const bool facts_arrived = hub_dossiers == rec.dossiers && hub_events == office_events && hub_events == changes &&
                             hub_documents == office_documents;
  std::printf(
      "hub holds            %s of %s dossiers, %s of %s documents, %s of %s status changes; derived status"
      " equal for %s of %s dossiers: %s\n",
      thousands(hub_dossiers).c_str(), thousands(rec.dossiers).c_str(), thousands(hub_documents).c_str(),
      thousands(office_documents).c_str(), thousands(hub_events).c_str(), thousands(office_events).c_str(),
      thousands(states_compared - std::min(states_compared, state_mismatches)).c_str(), thousands(rec.dossiers).c_str(),
      facts_arrived && state_mismatches == 0 ? "complete" : "INCOMPLETE");
  std::printf("total duration       %.1f s (the machine may be shared: wall times include waiting for the CPU)\n",
              seconds_since(started));

  const bool ok = c.completed && violations.empty() && !batches.empty() && facts_arrived && state_mismatches == 0 &&
                  rec.illegal_refused;
  if (keep.empty()) {
    fs::remove_all(dir, ec);
  } else {
    std::printf("kept                 %s\n", dir.string().c_str());
  }
  return ok ? 0 : 1;
}
