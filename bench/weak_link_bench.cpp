// motcua-bench-weak-link [--dossiers N] [--cut-every BYTES] [--dictionary on|off|both] [--seed S]
//                        [--max-seconds S] [--keep DIR]
// The `weak-link` benchmark: an office records N realistic dossiers offline (tools/
// sample_dossiers.hpp: each received, then moved 2 → 4 → 9 → 10, interleaved as at a counter), then
// syncs them to a real hub (in this process, on loopback) through the real motcua-flaky-proxy at
// 64 kbit/s (--bandwidth 8000 bytes/s per direction) with 300 ms one-way latency, until nothing is
// pending. The agent side is agent::sync_outbox in this process, retried after failures with the
// agent's own backoff (agent/schedule.hpp, the `motcua-agent run` policy). Bytes are counted at the
// socket by the proxy (request and status lines, headers, bodies: batches, acknowledgements, feed
// polls, status reports) and cross-checked against the agent's own counters.
//
// Runs, by default: a clean link and a link cut after every 10,000 bytes of a connection, each
// without and with a zstd dictionary the hub published before the office enrolled (trained here on
// dossiers generated with another seed, never on the measured ones). Every run starts from a copy
// of the same recorded office and a new hub; the office is enrolled over loopback directly
// (installation, not measured), then its hub address is set to the proxy. Each run may use its
// share of the time --max-seconds leaves (what a run does not use goes to the next ones), so the
// benchmark always stops by itself.
// Prints for each run: dossiers, facts, requests, TCP connections, bytes up and down, bytes per
// dossier, the same dossiers as JSON lines compressed with zstd -19 in batches of 100
// (bench/json_baseline.hpp) and the ratio, wall time, the ideal time and the ratio, and the batches.
// Exit 0 when every run completed, 1 otherwise, 2 for a bad command line.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/config.hpp"
#include "agent/schedule.hpp"
#include "agent/setup.hpp"
#include "agent/store.hpp"
#include "agent/sync.hpp"
#include "bench/bench_support.hpp"
#include "bench/link_bench.hpp"
#include "bench/json_baseline.hpp"
#include "hub/enrollment.hpp"
#include "hub/hub_store.hpp"
#include "hub/publish.hpp"
#include "sync-protocol/changeset.hpp"
#include "sync-protocol/dictionary.hpp"
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

constexpr const char* kProgram = "motcua-bench-weak-link";
constexpr const char* kUnit = "11953";
constexpr int64_t kBandwidth = 8000;  // bytes per second per direction: 64 kbit/s
constexpr int64_t kLatencyMs = 300;   // one way
constexpr int64_t kRoundTripMs = 2 * kLatencyMs;
constexpr int64_t kDefaultCut = 10000;
constexpr int kTrainingDossiers = 2000;  // as motcua-train-dictionary's default
constexpr size_t kDictionarySize = 16 * 1024;

int usage(const std::string& bad) {
  std::fprintf(stderr, "%s: bad or incomplete argument '%s'\n", kProgram, bad.c_str());
  std::fprintf(stderr,
               "usage: %s [--dossiers N (1-20000, default 1000)] [--cut-every BYTES (0: no cuts; default: both\n"
               "       a clean run and one cut every %lld bytes)] [--dictionary on|off|both (default both)]\n"
               "       [--seed S (default 1)] [--max-seconds S (60-86400, default 1800)] [--keep DIR]\n",
               kProgram, static_cast<long long>(kDefaultCut));
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

// The office's and hub's clock while syncing: real time running on from the end of the recording.
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

// An office set up in `dir` that records `dossiers` generated dossiers offline, as a counter does:
// each received, then moved 2 → 4 → 9 → 10, interleaved, 5-240 s apart (the interleaving of
// motcua-train-dictionary). Returns the office clock's instant after the last change.
Instant record_office(const std::string& dir, uint64_t seed, int dossiers) {
  ManualClock clock(*parse_rfc3339("2026-03-02T07:30:00+07:00"));
  agent::InitRequest init;
  init.data_dir = dir;
  init.unit_code = kUnit;
  init.catalog_path = std::string(MOTCUA_SOURCE_DIR) + "/data/tthc-commune-sample.csv";
  init.calendar_path = std::string(MOTCUA_SOURCE_DIR) + "/data/holidays-vn.csv";
  must(agent::init_office(init, clock), "office init");
  auto store = must(agent::Store::open(dir, false, clock), "office open");
  // A scratch office: no change in it needs to survive a power cut.
  if (auto fast = store.db().exec("PRAGMA synchronous=OFF"); !fast) die("office", fast.error());
  auto samples = must(tools::SampleDossiers::open(store, seed), "sample dossiers");
  if (auto recorded = samples.record_work(clock, dossiers); !recorded) die("record dossiers", recorded.error());
  return clock.now();
}

// A dictionary trained as motcua-train-dictionary trains it: on the changesets of an office that
// recorded `dossiers` generated dossiers (seed `seed`), alone and merged in runs of 2-20.
sync::Dictionary train(const fs::path& dir, uint64_t seed, int dossiers) {
  record_office(dir.string(), seed, dossiers);
  ManualClock clock(*parse_rfc3339("2026-03-02T07:30:00+07:00"));
  auto store = must(agent::Store::open(dir.string(), false, clock), "training office");
  std::vector<sql::Blob> changesets;
  auto st = must(store.db().prepare("SELECT changeset FROM outbox ORDER BY seq"), "training changesets");
  while (must(st.step(), "training changesets")) changesets.push_back(st.blob(0));
  std::vector<sql::Blob> samples = changesets;
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < changesets.size();) {
    const size_t n = std::uniform_int_distribution<size_t>(2, 20)(rng);
    std::vector<sql::Blob> run(changesets.begin() + static_cast<std::ptrdiff_t>(i),
                               changesets.begin() + static_cast<std::ptrdiff_t>(std::min(changesets.size(), i + n)));
    samples.push_back(must(sync::merge_changesets(run), "merge training changesets"));
    i += n;
  }
  return must(sync::train_dictionary(samples, kDictionarySize), "train dictionary");
}


struct BatchRow {
  int64_t entries = 0;
  int64_t envelope = 0;
  int64_t raw = 0;
  uint32_t dictionary_id = 0;
  std::string ack;  // applied, duplicate, quarantined, refused; empty: not acknowledged
};


struct Run {
  std::string label;
  bool dictionary = false;
  int64_t cut_every = 0;
  bool completed = false;
  std::string failure;
  // Enrollment (direct, not measured).
  int64_t enroll_down = 0;
  // The agent's loop.
  int attempts = 0;
  int failed_attempts = 0;
  std::map<std::string, int> failures;  // first words of the errors, counted
  double backoff_waited = 0;
  double wall = 0;
  // The agent's counters, summed over the syncs that succeeded.
  int64_t agent_requests = 0;
  int64_t agent_up = 0;
  int64_t agent_down = 0;
  int64_t envelopes = 0;
  int64_t feed_requests = 0;
  int64_t feed_up = 0;
  int64_t feed_down = 0;
  // At the socket.
  ProxyCount proxy;
  // The office's batches afterwards.
  std::vector<BatchRow> batches;
  int64_t final_row_limit = 0;
  int64_t pending_left = -1;
};


Run run_once(const fs::path& dir, const fs::path& recorded_office, Instant recorded_until,
             const std::optional<fs::path>& dictionary_file, int64_t cut_every, uint64_t seed,
             SteadyClock::time_point deadline) {
  Run r;
  r.dictionary = dictionary_file.has_value();
  r.cut_every = cut_every;
  r.label = std::string(cut_every > 0 ? "cut every " + std::to_string(cut_every) + " bytes" : "clean link") + ", " +
            (r.dictionary ? "with dictionary" : "no dictionary");
  fs::create_directories(dir);
  const std::string office = (dir / "office").string();
  const std::string hub_dir = (dir / "hub").string();
  fs::copy(recorded_office, office, fs::copy_options::recursive);
  RunningClock clock(Instant{recorded_until.ms + kMsPerHour});

  // The hub, with the dictionary published before the office enrolls.
  must(hub::init_hub(hub_dir, "33", clock), "hub init");
  std::string code;
  {
    auto hs = must(hub::HubStore::open(hub_dir, clock), "hub open");
    if (dictionary_file) must(hub::publish_dictionary(hs, dictionary_file->string()), "publish dictionary");
    code = must(hub::create_enrollment_code(hs.db(), kUnit, 72, clock.now()), "enrollment code").code;
  }
  auto hub_server = std::make_unique<bench::LoopbackHub>(hub_dir, clock);
  const std::string hub_url = hub_server->url();
  const int hub_port = std::atoi(hub_url.substr(hub_url.rfind(':') + 1).c_str());

  // Installation: enrolled over loopback directly; its first feed pull brings the dictionary.
  auto enrolled = must(agent::enroll({office, hub_url, code, "", ""}, clock), "enroll");
  if (enrolled.feed_error) die("first feed pull", *enrolled.feed_error);
  r.enroll_down = enrolled.feed.wire_bytes_down;

  // From now on the office reaches the hub through the weak link only.
  const int64_t budget_s = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(deadline - SteadyClock::now()).count());
  std::vector<std::string> args = {"--latency-ms", std::to_string(kLatencyMs), "--bandwidth", std::to_string(kBandwidth),
                                   "--seed", std::to_string(seed), "--max-seconds", std::to_string(budget_s + 30)};
  if (cut_every > 0) args.insert(args.end(), {"--cut-after", std::to_string(cut_every)});
  std::unique_ptr<test::FlakyLink> link;
  try {
    link = std::make_unique<test::FlakyLink>(hub_port, args);
  } catch (const std::exception& e) {
    die("proxy", Error::unavailable(e.what()));
  }
  auto store = must(agent::Store::open(office, false, clock), "office open");
  const int64_t entries = must(sql::query_int64(store.db(), "SELECT count(*) FROM outbox"), "outbox").value_or(0);
  if (auto set = agent::set_setting(store, "hub", link->url()); !set) die("set hub address", set.error());

  // The `motcua-agent run` loop (agent/run.cpp) until nothing is pending, bounded by the deadline.
  agent::SyncSchedule schedule(agent::SchedulePolicy{}, seed);
  const auto t0 = SteadyClock::now();
  SteadyClock::time_point last_end = t0;
  while (true) {
    const auto pending = must(sql::query_int64(store.db(), "SELECT count(*) FROM outbox WHERE state = 'pending'"),
                              "pending").value_or(0);
    if (pending == 0 && r.attempts > r.failed_attempts) {
      r.completed = true;
      break;
    }
    if (SteadyClock::now() >= deadline) {
      r.failure = "stopped at its share of --max-seconds with " + std::to_string(pending) + " of " +
                  std::to_string(entries) + " outbox entries pending";
      break;
    }
    const Instant now = clock.now();
    const Instant due = schedule.next_due(now, pending > 0);
    if (now.ms < due.ms) {
      const auto wait = std::min<SteadyClock::duration>(std::chrono::milliseconds(due.ms - now.ms),
                                                        deadline - SteadyClock::now());
      const auto w0 = SteadyClock::now();
      std::this_thread::sleep_for(std::max<SteadyClock::duration>(wait, SteadyClock::duration::zero()));
      r.backoff_waited += seconds_since(w0);
      continue;
    }
    ++r.attempts;
    const int64_t acked_before = must(agent::acknowledged_through(store), "acknowledged");
    auto report = agent::sync_outbox(store);
    last_end = SteadyClock::now();
    if (!report) {
      ++r.failed_attempts;
      ++r.failures[report.error().message.substr(0, 100)];
      if (!agent::is_transient_failure(report.error())) {
        r.failure = "sync failed and needs attention: " + report.error().message;
        break;
      }
      schedule.on_failure(clock.now(), report.error(),
                          must(agent::acknowledged_through(store), "acknowledged") > acked_before);
      continue;
    }
    schedule.on_success(clock.now());
    r.agent_requests += report->requests;
    r.agent_up += report->wire_bytes_up;
    r.agent_down += report->wire_bytes_down;
    r.envelopes += report->bytes_sent;
    r.feed_requests += report->feed.requests;
    r.feed_up += report->feed.wire_bytes_up;
    r.feed_down += report->feed.wire_bytes_down;
  }
  r.wall = std::chrono::duration<double>(last_end - t0).count();
  r.pending_left = must(sql::query_int64(store.db(), "SELECT count(*) FROM outbox WHERE state = 'pending'"),
                        "pending").value_or(0);
  link->stop(SIGTERM, 10000);
  r.proxy = parse_proxy_output(link->output());
  hub_server.reset();

  auto st = must(store.db().prepare(
                     "SELECT first_seq, last_seq, envelope, ack_status FROM outbox_batch ORDER BY first_seq"),
                 "batches");
  while (must(st.step(), "batches")) {
    const sql::Blob env = st.blob(2);
    BatchRow b;
    b.entries = st.int64(1) - st.int64(0) + 1;
    b.envelope = static_cast<int64_t>(env.size());
    b.ack = st.is_null(3) ? std::string() : st.text(3);
    if (env.size() >= sync::kBatchOverhead) {
      b.dictionary_id = be32(env, 77);
      b.raw = be32(env, 81);
    }
    r.batches.push_back(b);
  }
  auto limit = must(store.get_meta("batch_row_limit"), "batch_row_limit");
  r.final_row_limit = limit ? std::atoll(limit->c_str()) : agent::kMaxBatchRows;
  return r;
}

// "met" or "MISSED" for a ratio against its target; no verdict for a run that did not complete.
const char* verdict(const Run& r, double ratio, double target) {
  if (!r.completed) return "n/a, incomplete run";
  return ratio <= target ? "met" : "MISSED";
}

void print_run(const Run& r, int dossiers, const bench::JsonLinesReference& ref,
               const bench::JsonLinesReference& every, int64_t outbox_entries, int64_t outbox_raw) {
  const ProxyCount& p = r.proxy;
  const double per_dossier = static_cast<double>(p.up + p.down) / dossiers;
  const double per_dossier_up = static_cast<double>(p.up) / dossiers;
  const double ref_per_dossier = static_cast<double>(ref.zstd_bytes) / dossiers;
  const double transfer = static_cast<double>(p.up + p.down) / kBandwidth;
  const double rtts = static_cast<double>(p.connections) * kRoundTripMs / 1000.0;
  const double ideal = transfer + rtts;
  int64_t env_total = 0, raw_total = 0, with_dict = 0;
  std::vector<int64_t> entries;
  std::map<std::string, int> acks;
  for (const auto& b : r.batches) {
    env_total += b.envelope;
    raw_total += b.raw;
    with_dict += b.dictionary_id != 0;
    entries.push_back(b.entries);
    ++acks[b.ack.empty() ? "not acknowledged" : b.ack];
  }
  std::string ack_text;
  for (const auto& [what, n] : acks) ack_text += (ack_text.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  std::printf("\n== %s ==\n", r.label.c_str());
  std::printf("dossiers             %d (3 status changes each): %lld facts (%lld dossiers, %lld documents, %lld events);"
              " %lld outbox entries, %lld bytes of changesets\n",
              dossiers, static_cast<long long>(ref.dossiers + ref.documents + ref.events),
              static_cast<long long>(ref.dossiers), static_cast<long long>(ref.documents),
              static_cast<long long>(ref.events), static_cast<long long>(outbox_entries),
              static_cast<long long>(outbox_raw));
  std::printf("completed            %s\n", r.completed ? "yes, nothing pending" : ("NO: " + r.failure).c_str());
  std::printf("sync attempts        %d (%d failed and retried after the agent's backoff, %.1f s waited)\n", r.attempts,
              r.failed_attempts, r.backoff_waited);
  for (const auto& [what, n] : r.failures) std::printf("  failed %3d×        %s\n", n, what.c_str());
  std::printf("requests             %lld on the link (curl opens a connection per request); the agent counted %lld in its %d"
              " successful syncs (%lld feed polls)\n",
              static_cast<long long>(p.connections), static_cast<long long>(r.agent_requests),
              r.attempts - r.failed_attempts, static_cast<long long>(r.feed_requests));
  std::printf("TCP connections      %lld (%lld cut by the link)\n", static_cast<long long>(p.connections),
              static_cast<long long>(p.cut));
  std::printf("bytes up             %lld at the socket (agent counted %lld; batch envelopes %lld; feed polls %lld)\n",
              static_cast<long long>(p.up), static_cast<long long>(r.agent_up), static_cast<long long>(r.envelopes),
              static_cast<long long>(r.feed_up));
  std::printf("bytes down           %lld at the socket (agent counted %lld; feed polls %lld)\n",
              static_cast<long long>(p.down), static_cast<long long>(r.agent_down),
              static_cast<long long>(r.feed_down));
  if (p.totals && (p.totals->first != p.up || p.totals->second != p.down)) {
    std::printf("  WARNING: the proxy's totals (%lld up, %lld down) differ from its connection lines\n",
                static_cast<long long>(p.totals->first), static_cast<long long>(p.totals->second));
  }
  std::printf("bytes per dossier    %.1f up+down, %.1f up only\n", per_dossier, per_dossier_up);
  std::printf("JSON lines zstd -19  %lld bytes in %lld batches of %d dossiers = %.1f per dossier (raw JSON %lld);"
              " up+down/ref %.2f, up/ref %.2f (target <= 1.2: %s)\n",
              static_cast<long long>(ref.zstd_bytes), static_cast<long long>(ref.batches),
              bench::kJsonLinesDossiersPerBatch, ref_per_dossier, static_cast<long long>(ref.raw_bytes),
              per_dossier / ref_per_dossier, per_dossier_up / ref_per_dossier,
              verdict(r, per_dossier / ref_per_dossier, 1.2));
  std::printf("  same content       JSON lines with every fact column (what the changesets carry: document ids,"
              " hlc, entered_at...), zstd -19 / %d: %.1f per dossier; up+down/that %.2f\n",
              bench::kJsonLinesDossiersPerBatch, static_cast<double>(every.zstd_bytes) / dossiers,
              per_dossier / (static_cast<double>(every.zstd_bytes) / dossiers));
  std::printf("wall time            %.1f s (first sync start to last sync end)\n", r.wall);
  std::printf("ideal time           %.1f s = %lld bytes / %lld B/s (%.1f s) + %lld round trips x %lld ms (%.1f s);"
              " wall/ideal %.2f (target <= 1.3: %s)\n",
              ideal, static_cast<long long>(p.up + p.down), static_cast<long long>(kBandwidth), transfer,
              static_cast<long long>(p.connections), static_cast<long long>(kRoundTripMs), rtts, r.wall / ideal,
              verdict(r, r.wall / ideal, 1.3));
  std::printf("batches              %zu kept by the office (%s), %lld with the dictionary\n", r.batches.size(),
              ack_text.empty() ? "none" : ack_text.c_str(), static_cast<long long>(with_dict));
  std::printf("  entries per batch  %s\n", runs_text(entries).c_str());
  if (!r.batches.empty()) {
    std::printf("  envelopes          %lld bytes (%lld of envelope framing), %.1f per batch; changesets %lld bytes,"
                " compressed %.2fx\n",
                static_cast<long long>(env_total),
                static_cast<long long>(r.batches.size() * sync::kBatchOverhead),
                static_cast<double>(env_total) / static_cast<double>(r.batches.size()),
                static_cast<long long>(raw_total),
                static_cast<double>(raw_total) /
                    static_cast<double>(env_total - static_cast<int64_t>(r.batches.size() * sync::kBatchOverhead)));
  }
  std::printf("  batch-size rule    at most %d entries and %zu KiB of changeset per batch; the entry limit halves when a"
              " batch the hub lacks fails, doubles back after %d acknowledgements in a row at it (now %lld)\n",
              agent::kMaxBatchRows, agent::kMaxBatchRawBytes / 1024, agent::kBatchAcksToGrow,
              static_cast<long long>(r.final_row_limit));
  std::printf("enrollment           direct over loopback, not measured: first feed pull %lld bytes down%s\n",
              static_cast<long long>(r.enroll_down), r.dictionary ? " (with the dictionary)" : "");
}

}  // namespace

int main(int argc, char** argv) {
  bench::g_program = kProgram;
  long long dossiers = 1000, max_seconds = 1800;
  std::optional<long long> cut_every;
  std::string dictionary = "both", keep;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    long long v = 0;
    const bool has_value = i + 1 < argc;
    const std::string arg = argv[i];
    if (arg == "--dossiers" && has_value && number(argv[i + 1], 1, 20000, v)) {
      dossiers = v;
    } else if (arg == "--cut-every" && has_value && number(argv[i + 1], 0, 1LL << 30, v)) {
      cut_every = v;
    } else if (arg == "--dictionary" && has_value &&
               (std::strcmp(argv[i + 1], "on") == 0 || std::strcmp(argv[i + 1], "off") == 0 ||
                std::strcmp(argv[i + 1], "both") == 0)) {
      dictionary = argv[i + 1];
    } else if (arg == "--seed" && has_value && number(argv[i + 1], 1, INT64_MAX, v)) {
      seed = static_cast<uint64_t>(v);
    } else if (arg == "--max-seconds" && has_value && number(argv[i + 1], 60, 86400, v)) {
      max_seconds = v;
    } else if (arg == "--keep" && has_value) {
      keep = argv[i + 1];
    } else {
      return usage(has_value ? arg + " " + argv[i + 1] : arg);
    }
    ++i;
  }
  if (cut_every && *cut_every > 0 && *cut_every < 1000) {
    std::fprintf(stderr, "%s: --cut-every must be 0 or at least 1000 bytes (a request's headers alone take ~600)\n",
                 kProgram);
    return 2;
  }
  const auto started = SteadyClock::now();
  const auto deadline = started + std::chrono::seconds(max_seconds);
  std::error_code ec;
  const fs::path dir = keep.empty() ? fs::temp_directory_path() / ("motcua-bench-weak-link-" + Id128::random().hex())
                                    : fs::path(keep);
  fs::create_directories(dir, ec);
  if (ec || !fs::is_empty(dir, ec)) {
    std::fprintf(stderr, "%s: %s must be a new or empty directory\n", kProgram, dir.string().c_str());
    return 2;
  }

  std::printf("%s: %lld dossiers, seed %llu; link: motcua-flaky-proxy --latency-ms %lld --bandwidth %lld"
              " (64 kbit/s per direction)\n",
              kProgram, dossiers, static_cast<unsigned long long>(seed), static_cast<long long>(kLatencyMs),
              static_cast<long long>(kBandwidth));
  std::printf("agent: agent::sync_outbox in this process, retried with the agent's backoff (agent/schedule.hpp"
              " defaults: 1 s doubling to 5 min, jitter 0.5) until nothing is pending; hub: in this process on"
              " loopback\n");
  std::printf("ideal time = (bytes up + bytes down) / %lld B/s + requests x %lld ms. The proxy paces each direction on"
              " its own (full duplex), but the agent has one request in flight at a time and the hub answers only"
              " once it has read the whole request, so the two directions never carry data at the same time: the"
              " ideal adds them (the max would assume they overlap). Each request costs one round trip. The proxy"
              " does not delay TCP set-up (latency applies to data), so the handshake of each new connection (one"
              " per request: no keep-alive) is in neither figure; a real 300 ms link adds connections x %lld ms to"
              " both (more with TLS).\n",
              static_cast<long long>(kBandwidth), static_cast<long long>(kRoundTripMs),
              static_cast<long long>(kRoundTripMs));

  // The measured office records everything offline first.
  const auto t_record = SteadyClock::now();
  const fs::path recorded = dir / "recorded-office";
  const Instant recorded_until = record_office(recorded.string(), seed, static_cast<int>(dossiers));
  bench::JsonLinesReference ref, every;
  int64_t outbox_entries = 0, outbox_raw = 0;
  {
    ManualClock clock(recorded_until);
    auto store = must(agent::Store::open(recorded.string(), false, clock), "office open");
    ref = must(bench::json_lines_reference(store.db()), "JSON lines reference");
    every = must(bench::json_lines_reference(store.db(), bench::kJsonLinesDossiersPerBatch, bench::kJsonLinesLevel,
                                             bench::JsonColumns::kEvery),
                 "JSON lines, every column");
    outbox_entries = must(sql::query_int64(store.db(), "SELECT count(*) FROM outbox"), "outbox").value_or(0);
    outbox_raw = must(sql::query_int64(store.db(), "SELECT sum(length(changeset)) FROM outbox"), "outbox").value_or(0);
  }
  std::printf("recorded             %lld dossiers offline in %.1f s (generator seed %llu)\n", dossiers,
              seconds_since(t_record), static_cast<unsigned long long>(seed));

  std::optional<fs::path> dictionary_file;
  if (dictionary != "off") {
    const auto t_train = SteadyClock::now();
    const uint64_t training_seed = seed + 1000003;
    const sync::Dictionary dict = train(dir / "training-office", training_seed, kTrainingDossiers);
    dictionary_file = dir / "dictionary.zstd";
    std::ofstream out(*dictionary_file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(dict.bytes.data()), static_cast<std::streamsize>(dict.bytes.size()));
    if (!out.flush()) die("dictionary", Error::io("cannot write " + dictionary_file->string()));
    std::printf("dictionary           %u, %zu bytes, trained in %.1f s on %d other dossiers (generator seed %llu)\n",
                dict.id, dict.bytes.size(), seconds_since(t_train), kTrainingDossiers,
                static_cast<unsigned long long>(training_seed));
  }

  std::vector<int64_t> cuts = cut_every ? std::vector<int64_t>{*cut_every} : std::vector<int64_t>{0, kDefaultCut};
  std::vector<bool> dicts = dictionary == "both" ? std::vector<bool>{false, true}
                                                 : std::vector<bool>{dictionary == "on"};
  std::vector<Run> runs;
  bool all_completed = true;
  size_t runs_left = cuts.size() * dicts.size();
  for (int64_t cut : cuts) {
    for (bool with : dicts) {
      const auto now = SteadyClock::now();
      if (now >= deadline) {
        all_completed = false;
        std::printf("\n(skipped %s%s: --max-seconds reached)\n", cut ? "cut run" : "clean run",
                    with ? " with dictionary" : "");
        continue;
      }
      // Each run may take its share of the time left; a run that ends early leaves its rest to the others.
      const auto run_deadline = now + (deadline - now) / static_cast<int64_t>(runs_left--);
      const fs::path run_dir = dir / ("run-" + std::to_string(runs.size() + 1));
      runs.push_back(run_once(run_dir, recorded, recorded_until, with ? dictionary_file : std::nullopt, cut, seed,
                              run_deadline));
      print_run(runs.back(), static_cast<int>(dossiers), ref, every, outbox_entries, outbox_raw);
      std::fflush(stdout);
      all_completed = all_completed && runs.back().completed;
    }
  }

  std::printf("\n%-42s %9s %9s %8s %8s %9s %8s %8s\n", "summary", "up", "down", "B/doss.", "vs ref", "wall s",
              "ideal s", "w/ideal");
  for (const auto& r : runs) {
    const double total = static_cast<double>(r.proxy.up + r.proxy.down);
    const double ideal = total / kBandwidth + static_cast<double>(r.proxy.connections) * kRoundTripMs / 1000.0;
    std::printf("%-42s %9lld %9lld %8.1f %8.2f %9.1f %8.1f %8.2f%s\n", r.label.c_str(),
                static_cast<long long>(r.proxy.up), static_cast<long long>(r.proxy.down), total / dossiers,
                total / static_cast<double>(ref.zstd_bytes), r.wall, ideal, r.wall / ideal,
                r.completed ? "" : "  INCOMPLETE");
  }
  std::printf("reference: JSON lines zstd -19, batches of %d dossiers: %.1f bytes per dossier\n",
              bench::kJsonLinesDossiersPerBatch, static_cast<double>(ref.zstd_bytes) / dossiers);
  std::printf("total duration       %.1f s\n", seconds_since(started));
  if (keep.empty()) fs::remove_all(dir, ec);
  return all_completed ? 0 : 1;
}
