// motcua-bench-intake [--agents LIST] [--dossiers N] [--clients C] [--threads T] [--paced-seconds S]
//                     [--interval S] [--keep DIR]
// The hub's intake under a fleet of offices, over real loopback HTTP, against the real
// `motcua-hub serve` process. For each fleet size in LIST (default 10,100,1000):
//
//   1. A hub for province 33 grown to that many units (bench/hub_dataset.hpp), served by the real
//      executable with T listener threads (default 4), and one office enrolled per unit through
//      agent::enroll (real Ed25519 keys, the first feed pull).
//   2. Each office records its share of N dossiers (default 12,000 in all) through agent::receive
//      and agent::set_status (2 → 4 → 9 → 10, two documents each), then one more receipt per paced
//      sync (step 5). Generation only: the offices run with synchronous=OFF here.
//   3. The load generator then acts as the offices at the protocol level: it builds each office's
//      batches from its outbox exactly as the agent does (consecutive entries merged, at most
//      agent::kMaxBatchRows entries and agent::kMaxBatchRawBytes, zstd, signed with the office's
//      key, chained), and each request is signed with a new counter when it leaves.
//   4. Burst: C client threads (default 16) upload every office's backlog as fast as the hub
//      answers; an office's batches go in order, offices in parallel. Prints facts applied per
//      second, batch latency p50/p99, the hub's CPU and memory (from /proc).
//   5. Paced: every office syncs every S seconds (default 30) for --paced-seconds (default 60):
//      one batch (its next receipt) and a feed pull, the offices' phases spread over the interval.
//      Prints batch, feed and whole-sync latency p50/p99 and the hub's CPU.
//   6. The raw SQLite rate, in the same run on the same disk: the same fact rows (every burst
//      batch's changeset) applied to a fresh hub database of the same shape, 10,000 rows per
//      transaction, with the hub's own settings (WAL, synchronous=FULL).
// Every acknowledgement is verified with the hub's key and must say "applied"; afterwards the hub's
// database must hold every dossier. Exit 1 otherwise.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/dossiers.hpp"
#include "agent/hub_link.hpp"
#include "agent/http_client.hpp"
#include "agent/store.hpp"
#include "agent/sync.hpp"
#include "bench/bench_support.hpp"
#include "bench/fleet.hpp"
#include "bench/hub_dataset.hpp"
#include "hub/hub_store.hpp"
#include "sync-protocol/ack.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/request_signature.hpp"

using namespace motcua;
using motcua::bench::die;
using motcua::bench::must;
namespace fs = std::filesystem;
using Clk = std::chrono::steady_clock;

namespace {

constexpr double kDeadlineSeconds = 3600;  // the whole run, every fleet size
const Clk::time_point g_start = Clk::now();

void check_deadline(const char* where) {
  if (std::chrono::duration<double>(Clk::now() - g_start).count() > kDeadlineSeconds) {
    die(where, Error::timeout("the benchmark ran past its one-hour limit"));
  }
}

double since(Clk::time_point t0) { return std::chrono::duration<double>(Clk::now() - t0).count(); }

struct Batch {
  sql::Blob envelope;
  sync::BatchHeader header;
  sync::Hash256 hash{};
  sql::Blob changeset;  // the merged, uncompressed changeset (for the raw rate)
  int facts = 0;        // rows it inserts
};

struct Office {
  std::string unit;
  Id128 agent_id;
  std::optional<sync::KeyPair> key;      // set by prepare_office
  std::optional<sync::PublicKey> hub_key;
  std::string feed_target_prefix;  // "/v1/feed?after=P&epoch=E&agent_time="
  std::vector<Batch> backlog;      // the burst
  std::vector<Batch> paced;        // one per paced sync
  std::atomic<uint64_t> counter{1000000};  // above anything enrollment used
};

const char* kProcedures[] = {"2.001019", "1.004837", "2.000815", "1.004845"};

// Records the office's dossiers (generation: synchronous=OFF) and builds its batches.
void prepare_office(Office& office, const std::string& dir, int dossiers, int paced) {
  const Clock& clock = process_clock();
  auto store = must(agent::Store::open(dir, false, clock), "office open");
  must(store.db().exec("PRAGMA synchronous=OFF"), "generation pragma");
  const std::string actor = "canbo." + office.unit;
  auto receive_one = [&](int i) {
    agent::ReceiveRequest req;
    req.procedure = kProcedures[i % 4];
    req.applicant = "Nguyễn Thị Hoa " + std::to_string(i);
    req.citizen_id = "0331980" + std::to_string(10000 + i % 90000);
    req.phone = "0912" + std::to_string(100000 + i % 900000);
    req.address = "Số " + std::to_string(i) + ", thôn Đông, xã " + office.unit;
    req.documents = {{"Tờ khai", "chinh", 1}, {"Căn cước công dân", "photo", 1}};
    req.actor = actor;
    return must(agent::receive(store, req), "receive").code;
  };
  for (int i = 0; i < dossiers; ++i) {
    const std::string code = receive_one(i);
    for (int to : {4, 9, 10}) must(agent::set_status(store, {code, to, "", actor}), "set-status");
  }
  const int64_t backlog_last = must(sql::query_int64(store.db(), "SELECT coalesce(max(seq), 0) FROM outbox"), "outbox").value_or(0);
  for (int i = 0; i < paced; ++i) receive_one(dossiers + i);

  auto link = must(agent::load_hub_link(store), "hub link");
  office.agent_id = link.agent_id;
  office.key = std::move(link.key);
  office.hub_key = link.hub_key;
  const std::string position = must(store.get_meta("feed_position"), "feed position").value_or("0");
  const std::string epoch = must(store.get_meta("feed_epoch"), "feed epoch").value_or("");
  office.feed_target_prefix = "/v1/feed?after=" + position + "&epoch=" + epoch + "&agent_time=";

  auto rows = must(store.db().prepare("SELECT seq, schema_version, changeset FROM outbox WHERE state = 'pending' ORDER BY seq"),
                   "outbox read");
  struct Entry {
    int64_t seq;
    int64_t schema;
    sql::Blob changeset;
  };
  std::vector<Entry> entries;
  while (must(rows.step(), "outbox row")) entries.push_back({rows.int64(0), rows.int64(1), rows.blob(2)});
  sync::Hash256 prev{};
  size_t i = 0;
  while (i < entries.size()) {
    // As the agent groups them (agent/sync.cpp): the backlog in full batches, each paced receipt alone.
    const bool in_backlog = entries[i].seq <= backlog_last;
    std::vector<sql::Blob> group;
    size_t raw = 0;
    Batch b;
    b.header.agent_id = office.agent_id;
    b.header.first_seq = static_cast<uint64_t>(entries[i].seq);
    b.header.schema_version = static_cast<uint32_t>(entries[i].schema);
    b.header.prev_batch_hash = prev;
    while (i < entries.size() && group.size() < static_cast<size_t>(agent::kMaxBatchRows) &&
           (entries[i].seq <= backlog_last) == in_backlog && (group.empty() || raw + entries[i].changeset.size() <= agent::kMaxBatchRawBytes)) {
      raw += entries[i].changeset.size();
      b.header.last_seq = static_cast<uint64_t>(entries[i].seq);
      group.push_back(std::move(entries[i].changeset));
      ++i;
      if (!in_backlog) break;
    }
    b.changeset = must(sync::merge_changesets(group), "merge");
    b.facts = must(sync::summarize_changeset(b.changeset), "summary").total();
    auto encoded = must(sync::encode_batch(b.header, b.changeset, *office.key), "encode batch");
    b.envelope = std::move(encoded.bytes);
    b.hash = encoded.signed_hash;
    prev = b.hash;
    (in_backlog ? office.backlog : office.paced).push_back(std::move(b));
  }
}

struct Sent {
  double ms = 0;
  bool ok = false;
  std::string problem;
};

std::vector<std::pair<std::string, std::string>> signed_headers(Office& office, const std::string& method,
                                                                const std::string& target, const sql::Blob& body) {
  const uint64_t counter = ++office.counter;
  auto h = must(sync::sign_request(*office.key, office.agent_id, counter, method, target, sync::ByteView(body)), "sign");
  return {{sync::kAgentHeader, h.agent}, {sync::kCounterHeader, h.counter}, {sync::kSignatureHeader, h.signature}};
}

Sent send_batch(const std::string& url, Office& office, const Batch& b) {
  Sent s;
  const std::string body(b.envelope.begin(), b.envelope.end());
  const auto headers = signed_headers(office, "POST", "/v1/batches", b.envelope);
  const auto t0 = Clk::now();
  auto reply = agent::http_post(url + "/v1/batches", headers, "application/x-motcua-batch", body);
  s.ms = since(t0) * 1000;
  if (!reply) {
    s.problem = reply.error().message;
    return s;
  }
  if (reply->status != 200) {
    s.problem = "HTTP " + std::to_string(reply->status) + ": " + reply->body.substr(0, 300);
    return s;
  }
  const sync::ByteView ack_bytes(reinterpret_cast<const uint8_t*>(reply->body.data()), reply->body.size());
  if (!sync::verify_ack(ack_bytes, *office.hub_key)) {
    s.problem = "the acknowledgement is not signed by the hub";
    return s;
  }
  auto ack = sync::decode_ack(ack_bytes);
  if (!ack || !sync::check_ack_matches(*ack, b.header, b.hash)) {
    s.problem = "the acknowledgement does not answer the batch";
    return s;
  }
  if (ack->status != sync::AckStatus::kApplied) {
    s.problem = std::string("batch ") + sync::ack_status_name(ack->status) + ": " + ack->reason;
    return s;
  }
  s.ok = true;
  return s;
}

Sent pull_feed(const std::string& url, Office& office) {
  Sent s;
  const auto now_ms = process_clock().now().ms;
  const std::string target = office.feed_target_prefix + std::to_string(now_ms);
  const auto headers = signed_headers(office, "GET", target, {});
  const auto t0 = Clk::now();
  auto reply = agent::http_get(url + target, headers);
  s.ms = since(t0) * 1000;
  if (!reply) {
    s.problem = reply.error().message;
  } else if (reply->status != 200) {
    s.problem = "feed HTTP " + std::to_string(reply->status) + ": " + reply->body.substr(0, 300);
  } else {
    s.ok = true;
  }
  return s;
}

struct Figures {
  int agents = 0;
  int64_t batches = 0;
  int64_t facts = 0;
  double burst_seconds = 0;
  std::vector<double> burst_ms;
  double burst_cpu = 0;
  std::vector<double> paced_batch_ms, paced_feed_ms, paced_sync_ms;
  double paced_seconds = 0;
  double paced_cpu = 0;
  double paced_late_ms = 0;  // the latest a sync started after its planned instant
  int64_t rss_kib = 0, peak_rss_kib = 0;
  int hub_threads = 0;
  double raw_rate = 0;
  double enroll_seconds = 0, prepare_seconds = 0;
};

[[noreturn]] void fail_sent(const std::string& what, const Sent& s) { die(what, Error::internal(s.problem)); }

// The same rows into a fresh hub database of the same shape, in large transactions.
double raw_rate(const fs::path& dir, int units, const std::vector<Office>& offices) {
  const std::string raw_dir = (dir / "raw").string();
  must(bench::init_bench_hub(raw_dir, process_clock(), units), "raw hub init");
  auto store = must(hub::HubStore::open(raw_dir, process_clock()), "raw hub open");
  sql::Db& db = store.db();
  int64_t rows = 0, in_tx = 0;
  const auto t0 = Clk::now();
  must(db.exec("BEGIN IMMEDIATE"), "begin");
  for (const auto& o : offices) {
    for (const auto& b : o.backlog) {
      const int rc = sqlite3changeset_apply_v2(db.get(), static_cast<int>(b.changeset.size()),
                                               const_cast<uint8_t*>(b.changeset.data()), nullptr,
                                               [](void*, int, sqlite3_changeset_iter*) { return SQLITE_CHANGESET_ABORT; },
                                               nullptr, nullptr, nullptr, 0);
      if (rc != SQLITE_OK) die("raw apply", sql::error_from_sqlite(rc, db.get(), "raw apply"));
      rows += b.facts;
      in_tx += b.facts;
      if (in_tx >= 10000) {
        must(db.exec("COMMIT"), "commit");
        must(db.exec("BEGIN IMMEDIATE"), "begin");
        in_tx = 0;
      }
    }
  }
  must(db.exec("COMMIT"), "commit");
  return static_cast<double>(rows) / since(t0);
}

Figures run_fleet(const fs::path& dir, const std::string& hub_exe, int agents, int total_dossiers, int clients,
                  int threads, int paced_seconds, int interval) {
  Figures f;
  f.agents = agents;
  const Clock& clock = process_clock();
  const std::string hub_dir = (dir / "hub").string();
  must(bench::init_bench_hub(hub_dir, clock, agents + 1), "hub init");
  std::vector<std::string> units;
  {
    auto store = must(hub::HubStore::open(hub_dir, clock), "hub open");
    units = must(bench::office_units(store.db()), "units");
  }
  if (units.size() < static_cast<size_t>(agents)) die("units", Error::internal("the hub has too few units"));
  units.resize(static_cast<size_t>(agents));
  auto hub = must(bench::HubProcess::start(hub_exe, hub_dir, threads), "hub serve");

  auto t0 = Clk::now();
  const auto dirs = must(bench::enroll_offices(hub_dir, hub->url(), units, dir.string(), 4, clock), "enroll");
  f.enroll_seconds = since(t0);

  const int per_office = std::max(1, total_dossiers / agents);
  const int paced_syncs = std::max(1, paced_seconds / interval);
  std::vector<Office> offices(static_cast<size_t>(agents));
  t0 = Clk::now();
  {
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (int w = 0; w < 2; ++w) {
      pool.emplace_back([&] {
        for (size_t i = next++; i < offices.size(); i = next++) {
          offices[i].unit = units[i];
          prepare_office(offices[i], dirs[i], per_office, paced_syncs);
        }
      });
    }
    for (auto& t : pool) t.join();
  }
  f.prepare_seconds = since(t0);
  check_deadline("prepare");

  // Burst: offices spread over the client threads; each thread sends its offices' batches in
  // rounds, so an office's batches stay in order.
  {
    std::mutex mutex;
    std::vector<std::thread> pool;
    const int c = std::min(clients, agents);
    const auto u0 = hub->usage();
    t0 = Clk::now();
    for (int w = 0; w < c; ++w) {
      pool.emplace_back([&, w] {
        std::vector<double> mine;
        int64_t facts = 0, batches = 0;
        for (size_t round = 0;; ++round) {
          bool any = false;
          for (size_t i = static_cast<size_t>(w); i < offices.size(); i += static_cast<size_t>(c)) {
            if (round >= offices[i].backlog.size()) continue;
            any = true;
            const Batch& b = offices[i].backlog[round];
            const Sent s = send_batch(hub->url(), offices[i], b);
            if (!s.ok) fail_sent("burst batch of unit " + offices[i].unit, s);
            mine.push_back(s.ms);
            facts += b.facts;
            ++batches;
          }
          if (!any) break;
          check_deadline("burst");
        }
        std::lock_guard<std::mutex> lock(mutex);
        f.burst_ms.insert(f.burst_ms.end(), mine.begin(), mine.end());
        f.facts += facts;
        f.batches += batches;
      });
    }
    for (auto& t : pool) t.join();
    f.burst_seconds = since(t0);
    f.burst_cpu = hub->usage().cpu_seconds - u0.cpu_seconds;
  }

  // Paced: office i syncs at i·interval/agents + k·interval.
  {
    struct Due {
      double at;
      size_t office;
      size_t k;
    };
    std::vector<Due> plan;
    for (size_t i = 0; i < offices.size(); ++i) {
      for (size_t k = 0; k < offices[i].paced.size(); ++k) {
        plan.push_back({static_cast<double>(i) * interval / agents + static_cast<double>(k) * interval, i, k});
      }
    }
    std::sort(plan.begin(), plan.end(), [](const Due& a, const Due& b) { return a.at < b.at; });
    std::atomic<size_t> next{0};
    std::mutex mutex;
    std::vector<std::thread> pool;
    const auto u0 = hub->usage();
    t0 = Clk::now();
    for (int w = 0; w < std::min(clients, agents); ++w) {
      pool.emplace_back([&] {
        std::vector<double> b_ms, f_ms, s_ms;
        double late = 0;
        for (size_t n = next++; n < plan.size(); n = next++) {
          const Due& d = plan[n];
          std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Clk::duration>(std::chrono::duration<double>(d.at)));
          late = std::max(late, (since(t0) - d.at) * 1000);
          Office& o = offices[d.office];
          const Sent b = send_batch(hub->url(), o, o.paced[d.k]);
          if (!b.ok) fail_sent("paced batch of unit " + o.unit, b);
          const Sent fe = pull_feed(hub->url(), o);
          if (!fe.ok) fail_sent("paced feed pull of unit " + o.unit, fe);
          b_ms.push_back(b.ms);
          f_ms.push_back(fe.ms);
          s_ms.push_back(b.ms + fe.ms);
          check_deadline("paced");
        }
        std::lock_guard<std::mutex> lock(mutex);
        f.paced_batch_ms.insert(f.paced_batch_ms.end(), b_ms.begin(), b_ms.end());
        f.paced_feed_ms.insert(f.paced_feed_ms.end(), f_ms.begin(), f_ms.end());
        f.paced_sync_ms.insert(f.paced_sync_ms.end(), s_ms.begin(), s_ms.end());
        f.paced_late_ms = std::max(f.paced_late_ms, late);
      });
    }
    for (auto& t : pool) t.join();
    f.paced_seconds = since(t0);
    const auto u1 = hub->usage();
    f.paced_cpu = u1.cpu_seconds - u0.cpu_seconds;
    f.rss_kib = u1.rss_kib;
    f.peak_rss_kib = u1.peak_rss_kib;
    f.hub_threads = u1.threads;
  }
  hub.reset();

  // Nothing lost: the hub holds every dossier the offices recorded.
  {
    auto store = must(hub::HubStore::open(hub_dir, clock), "hub open");
    const int64_t expected = static_cast<int64_t>(agents) * (per_office + paced_syncs);
    const int64_t held = must(sql::query_int64(store.db(), "SELECT count(*) FROM dossier"), "count").value_or(0);
    if (held != expected) {
      die("check", Error::internal("the hub holds " + std::to_string(held) + " dossiers, expected " +
                                   std::to_string(expected)));
    }
  }
  f.raw_rate = raw_rate(dir, agents + 1, offices);
  return f;
}

bool parse_int(const char* text, int lo, int hi, int& out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) return false;
  out = static_cast<int>(v);
  return true;
}

int usage() {
  std::fprintf(stderr,
               "usage: motcua-bench-intake [--agents LIST (e.g. 10,100,1000; each 1-3000)] [--dossiers N (100-1000000)]\n"
               "                           [--clients C (1-256)] [--threads T (1-64)] [--paced-seconds S (0-600)]\n"
               "                           [--interval S (1-300)] [--keep DIR]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bench::g_program = "motcua-bench-intake";
  std::vector<int> fleet = {10, 100, 1000};
  int dossiers = 12000, clients = 16, threads = 4, paced_seconds = 60, interval = 30;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--agents" && has_value) {
      fleet.clear();
      std::stringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');) {
        int n = 0;
        if (!parse_int(item.c_str(), 1, 3000, n)) return usage();
        fleet.push_back(n);
      }
      if (fleet.empty()) return usage();
    } else if (a == "--dossiers" && has_value) {
      if (!parse_int(argv[++i], 100, 1000000, dossiers)) return usage();
    } else if (a == "--clients" && has_value) {
      if (!parse_int(argv[++i], 1, 256, clients)) return usage();
    } else if (a == "--threads" && has_value) {
      if (!parse_int(argv[++i], 1, 64, threads)) return usage();
    } else if (a == "--paced-seconds" && has_value) {
      if (!parse_int(argv[++i], 0, 600, paced_seconds)) return usage();
    } else if (a == "--interval" && has_value) {
      if (!parse_int(argv[++i], 1, 300, interval)) return usage();
    } else if (a == "--keep" && has_value) {
      keep = argv[++i];
    } else {
      return usage();
    }
  }
  const std::string hub_exe = MOTCUA_HUB_EXE;
  const fs::path base =
      keep.empty() ? fs::temp_directory_path() / ("motcua-bench-intake-" + Id128::random().hex()) : fs::path(keep);
  std::printf("machine: %s; hub listener threads %d; %d client threads; %d dossiers in all (2 documents and "
              "3 status changes each)\n",
              bench::machine_description().c_str(), threads, clients, dossiers);
  std::printf("%7s %8s %9s %11s %11s %6s %9s %9s %8s %9s %9s %9s %8s %9s\n", "agents", "batches", "facts", "facts/s",
              "raw/s", "ratio", "b.p50 ms", "b.p99 ms", "CPU %", "sync p50", "sync p99", "feed p99", "CPU %",
              "RSS MB");
  std::vector<Figures> all;
  for (int n : fleet) {
    const fs::path dir = base / ("agents-" + std::to_string(n));
    fs::create_directories(dir);
    Figures f = run_fleet(dir, hub_exe, n, dossiers, clients, threads, paced_seconds, interval);
    std::printf("%7d %8lld %9lld %11.0f %11.0f %6.2f %9.1f %9.1f %8.0f %9.1f %9.1f %9.1f %8.0f %4.0f/%-4.0f\n", n,
                static_cast<long long>(f.batches), static_cast<long long>(f.facts),
                static_cast<double>(f.facts) / f.burst_seconds, f.raw_rate,
                static_cast<double>(f.facts) / f.burst_seconds / f.raw_rate, bench::percentile(f.burst_ms, 50),
                bench::percentile(f.burst_ms, 99), 100 * f.burst_cpu / f.burst_seconds,
                bench::percentile(f.paced_sync_ms, 50), bench::percentile(f.paced_sync_ms, 99),
                bench::percentile(f.paced_feed_ms, 99), 100 * f.paced_cpu / std::max(1e-9, f.paced_seconds),
                static_cast<double>(f.rss_kib) / 1024, static_cast<double>(f.peak_rss_kib) / 1024);
    std::fflush(stdout);
    all.push_back(std::move(f));
    if (keep.empty()) fs::remove_all(dir);
  }
  std::printf("\n");
  for (const auto& f : all) {
    std::printf("agents %d: enrolled in %.1f s, generated in %.1f s; burst %.2f s; paced %zu syncs in %.0f s "
                "(batch p50 %.1f / p99 %.1f ms, feed p50 %.1f / p99 %.1f ms, latest start %.0f ms behind plan); "
                "hub %d threads\n",
                f.agents, f.enroll_seconds, f.prepare_seconds, f.burst_seconds, f.paced_sync_ms.size(), f.paced_seconds,
                bench::percentile(f.paced_batch_ms, 50), bench::percentile(f.paced_batch_ms, 99),
                bench::percentile(f.paced_feed_ms, 50), bench::percentile(f.paced_feed_ms, 99), f.paced_late_ms,
                f.hub_threads);
  }
  std::printf("columns: facts/s = rows applied per second in the burst; raw/s = the same rows inserted by SQLite alone "
              "in transactions of 10,000; b.p = burst batch latency; CPU %% = hub process (100 = one core) in the "
              "burst, then while paced; sync = one paced batch + one feed pull; RSS = hub resident at the end / peak\n");
  if (keep.empty()) fs::remove_all(base);
  return 0;
}
