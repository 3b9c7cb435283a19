// motcua-bench-office [--dossiers N] [--repeats R] [--idle-seconds S] [--keep DIR]
// The office PC: what a clerk waits for on an office database with a long history (1,000,000
// dossiers by default), and what the running agent costs the PC while nobody uses it.
//
//   1. Generates the office (bench/office_dataset.hpp: unit 11953, N dossiers over 14 months with
//      their documents and histories, a transaction every 50,000 dossiers) in a temporary directory,
//      or in DIR with --keep DIR; when DIR already holds an office this program generated (the
//      marker file DIR/office-bench.txt), generation is skipped and that office is measured again
//      (it keeps the dossiers earlier runs saved).
//   2. Saves at the library level (no HTTP: motcua-bench-ui covers the web UI), R times each
//      (default 300) after a warm-up, the store's own connection and settings (WAL,
//      synchronous=FULL): agent::receive() of a new dossier, and agent::set_status() moving
//      existing dossiers one legal step on (2→4, 4→9, 9→10); between two saves, untimed, what the
//      agent's run loop does at every wake-up (Store::checkpoint_if_due: a passive WAL checkpoint
//      once a minute), so the saves do not pay SQLite's auto-checkpoint, as at a running office.
//      Then the same saves with the
//      connection switched to synchronous=OFF: the difference is what the fsyncs cost. Every sync
//      SQLite asks of the file system is counted by a VFS that wraps the default one (xSync, per
//      file: WAL or database), so "syncs per save" is measured. With WAL and synchronous=FULL it is
//      one per commit (the WAL), plus the WAL and the database at the auto-checkpoints (about
//      every 1,000 pages written). On Linux each xSync is one fdatasync: checked by hand with
//      `strace -f -c -e trace=fsync,fdatasync motcua-agent receive ...` on a small office, which
//      counts 5 for that whole process: the WAL's header and its directory when the process
//      creates the WAL, the commit, and the WAL and the database at the checkpoint when it closes;
//      of these only the commit's comes with every save of a running agent. Also the raw latency
//      of writing 4 KiB and fdatasync()ing a small file in the same directory, 200 times. What a
//      7,200 rpm disk would add is printed as an estimate (syncs per save × 8–12 ms per flush), not
//      measured.
//   3. Reads, as the clerk's screens ask them (agent/counter.hpp, agent/dossiers.hpp), R times each
//      after a warm-up, rotating over 400 dossiers spread over the whole history: search by name
//      without diacritics, by code and by CCCD; one dossier (show_dossier); the six queue counts;
//      the first page (50) of every queue; `list` (200, no filter) and `status` as the CLI runs them.
//   4. The real motcua-agent (`run --data DIR/office --ui 127.0.0.1:PORT`, not enrolled with any
//      hub, its clock pinned to the office's "now" with MOTCUA_NOW): start-up time from spawn to the
//      first HTTP answer of the web UI, once with the database evicted from the OS page cache
//      (posix_fadvise DONTNEED: what a PC's first start after boot reads from disk, as far as the
//      disk below does not cache it itself) and once warm. On the warm run, once the agent's first
//      sync attempt has ended ("not enrolled": it then waits 5 minutes, checking once a second for
//      changes to send), samples /proc/PID/status (VmRSS, VmHWM, RssAnon, RssFile, threads,
//      context switches) and /proc/PID/stat (utime + stime) at the start and the end of S idle
//      seconds (default 60, at most 600). Then signs in and times the first queue page the agent
//      serves, and its RSS after it. The agent is stopped with SIGTERM (SIGKILL after 30 s).
// Prints p50 / p99 / max per operation, the targets (save p99 < 10 ms, searches p99 < 50 ms, idle
// RSS ≤ 15 MB, idle CPU ≈ 0: under 0.1 % of one core), the machine, the file system of the
// directory, the database size and the generation time. The temporary directory is removed at the
// end (also after an error, which also stops the agent) unless --keep. Linux only (/proc, fork).
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/accounts.hpp"
#include "agent/counter.hpp"
#include "agent/dossiers.hpp"
#include "agent/store.hpp"
#include "bench/bench_support.hpp"
#include "bench/office_dataset.hpp"
#include "common/text.hpp"
#include "reference/reference.hpp"

using namespace motcua;
using motcua::bench::check;
using motcua::bench::check_deadline;
using motcua::bench::die;
using motcua::bench::must;
using motcua::bench::nfc;
using motcua::bench::percentile;
using motcua::bench::seconds_since;
namespace fs = std::filesystem;
using Clk = std::chrono::steady_clock;

namespace {

constexpr int64_t kMaxRunSeconds = 4 * 3600;  // the whole run, generation of a million included
constexpr int kChunk = 50000;                 // dossiers per generation transaction
constexpr int kSamples = 400;                 // dossiers the reads rotate over
constexpr int kFsyncProbes = 200;
constexpr const char* kMarker = "office-bench.txt";
constexpr const char* kClerk = "bench.clerk";
constexpr const char* kPassword = "mat-khau-thu-nghiem";
constexpr double kSaveTargetMs = 10;
constexpr double kSearchTargetMs = 50;
constexpr double kRssTargetMb = 15;
constexpr double kIdleCpuTargetPercent = 0.1;

// The temporary directory, removed at exit (also when the run stops on an error) unless --keep.
std::string g_cleanup_dir;
// The running agent, stopped at exit (also when the run stops on an error).
pid_t g_agent = -1;

void stop_agent_at_exit() {
  if (g_agent <= 0) return;
  ::kill(g_agent, SIGKILL);
  int status = 0;
  ::waitpid(g_agent, &status, 0);
  g_agent = -1;
}

void remove_cleanup_dir() {
  stop_agent_at_exit();
  if (g_cleanup_dir.empty()) return;
  std::error_code ec;
  fs::remove_all(g_cleanup_dir, ec);
  g_cleanup_dir.clear();
}

double ms_since(Clk::time_point t0) { return std::chrono::duration<double, std::milli>(Clk::now() - t0).count(); }

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// ---------------------------------------------------------------------------------------------
// Counting the syncs SQLite asks for: a VFS that forwards everything to the default one and counts
// xSync per kind of file. Registered as the default before any connection of this process opens.

struct SyncCounts {
  std::atomic<int64_t> wal{0};
  std::atomic<int64_t> db{0};
  std::atomic<int64_t> other{0};
  int64_t total() const { return wal.load() + db.load() + other.load(); }
};
SyncCounts g_syncs;

struct CountingFile {
  sqlite3_file base;
  sqlite3_file* real;  // the default VFS's file, right after this struct
  std::atomic<int64_t>* counter;
};

sqlite3_vfs* g_real_vfs = nullptr;
sqlite3_vfs g_counting_vfs;

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f)->real; }
const sqlite3_io_methods& io_of(sqlite3_file* f) { return *real_of(f)->pMethods; }

int c_close(sqlite3_file* f) { return io_of(f).xClose(real_of(f)); }
int c_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) { return io_of(f).xRead(real_of(f), b, n, o); }
int c_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) { return io_of(f).xWrite(real_of(f), b, n, o); }
int c_truncate(sqlite3_file* f, sqlite3_int64 size) { return io_of(f).xTruncate(real_of(f), size); }
int c_sync(sqlite3_file* f, int flags) {
  reinterpret_cast<CountingFile*>(f)->counter->fetch_add(1);
  return io_of(f).xSync(real_of(f), flags);
}
int c_file_size(sqlite3_file* f, sqlite3_int64* size) { return io_of(f).xFileSize(real_of(f), size); }
int c_lock(sqlite3_file* f, int level) { return io_of(f).xLock(real_of(f), level); }
int c_unlock(sqlite3_file* f, int level) { return io_of(f).xUnlock(real_of(f), level); }
int c_check_reserved(sqlite3_file* f, int* out) { return io_of(f).xCheckReservedLock(real_of(f), out); }
int c_file_control(sqlite3_file* f, int op, void* arg) { return io_of(f).xFileControl(real_of(f), op, arg); }
int c_sector_size(sqlite3_file* f) { return io_of(f).xSectorSize(real_of(f)); }
int c_device_characteristics(sqlite3_file* f) { return io_of(f).xDeviceCharacteristics(real_of(f)); }
int c_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  if (io_of(f).iVersion < 2) return SQLITE_IOERR;
  return io_of(f).xShmMap(real_of(f), region, size, extend, out);
}
int c_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  if (io_of(f).iVersion < 2) return SQLITE_IOERR;
  return io_of(f).xShmLock(real_of(f), offset, n, flags);
}
void c_shm_barrier(sqlite3_file* f) {
  if (io_of(f).iVersion >= 2) io_of(f).xShmBarrier(real_of(f));
}
int c_shm_unmap(sqlite3_file* f, int delete_flag) {
  if (io_of(f).iVersion < 2) return SQLITE_OK;
  return io_of(f).xShmUnmap(real_of(f), delete_flag);
}
int c_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  if (io_of(f).iVersion < 3) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return io_of(f).xFetch(real_of(f), offset, amount, out);
}
int c_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  if (io_of(f).iVersion < 3) return SQLITE_OK;
  return io_of(f).xUnfetch(real_of(f), offset, p);
}

const sqlite3_io_methods kCountingIo = {3,           c_close,         c_read,          c_write,
                                        c_truncate,  c_sync,          c_file_size,     c_lock,
                                        c_unlock,    c_check_reserved, c_file_control, c_sector_size,
                                        c_device_characteristics, c_shm_map, c_shm_lock, c_shm_barrier,
                                        c_shm_unmap, c_fetch,         c_unfetch};

int c_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* cf = reinterpret_cast<CountingFile*>(f);
  cf->base.pMethods = nullptr;
  cf->real = reinterpret_cast<sqlite3_file*>(cf + 1);
  cf->real->pMethods = nullptr;
  cf->counter = (flags & SQLITE_OPEN_WAL) ? &g_syncs.wal : (flags & SQLITE_OPEN_MAIN_DB) ? &g_syncs.db : &g_syncs.other;
  const int rc = g_real_vfs->xOpen(g_real_vfs, name, cf->real, flags, out_flags);
  if (rc == SQLITE_OK) {
    cf->base.pMethods = &kCountingIo;
  } else if (cf->real->pMethods) {
    cf->real->pMethods->xClose(cf->real);  // SQLite will not call our xClose: pMethods stays null
  }
  return rc;
}

void install_counting_vfs() {
  g_real_vfs = sqlite3_vfs_find(nullptr);
  if (!g_real_vfs) die("sqlite", Error::internal("no default VFS"));
  g_counting_vfs = *g_real_vfs;  // the other methods are the default VFS's own, with its pAppData
  g_counting_vfs.pNext = nullptr;
  g_counting_vfs.zName = "motcua-bench-counting";
  g_counting_vfs.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_real_vfs->szOsFile;
  g_counting_vfs.xOpen = c_open;
  static_assert(sizeof(CountingFile) % 8 == 0, "the wrapped file must stay aligned");
  if (sqlite3_vfs_register(&g_counting_vfs, 1) != SQLITE_OK) die("sqlite", Error::internal("cannot register the VFS"));
}

// ---------------------------------------------------------------------------------------------
// Timings

struct Timing {
  std::string label;
  std::vector<double> ms;
  double target_ms = 0;  // p99 target; 0: none
};

// Runs `op(i)` warmup + count times and keeps the last `count` durations; `between` (untimed)
// runs before each.
Timing measure(const std::string& label, int warmup, int count, double target_ms, const std::function<void(int)>& op,
               const std::function<void()>& between = {}) {
  Timing t;
  t.label = label;
  t.target_ms = target_ms;
  for (int i = 0; i < warmup + count; ++i) {
    check_deadline(label.c_str());
    if (between) between();
    const auto t0 = Clk::now();
    op(i);
    const double ms = ms_since(t0);
    if (i >= warmup) t.ms.push_back(ms);
  }
  return t;
}

double p50(const Timing& t) { return percentile(t.ms, 0.50); }
double p99(const Timing& t) { return percentile(t.ms, 0.99); }
double max_of(const Timing& t) { return *std::max_element(t.ms.begin(), t.ms.end()); }

void print_timing(const Timing& t) {
  std::string target;
  if (t.target_ms > 0) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "p99 < %.0f ms: %s", t.target_ms, p99(t) < t.target_ms ? "met" : "MISSED");
    target = buf;
  }
  std::printf("  %-46s %9.2f %9.2f %9.2f   %s\n", t.label.c_str(), p50(t), p99(t), max_of(t), target.c_str());
}

// ---------------------------------------------------------------------------------------------
// The office

struct Marker {
  int dossiers = 0;
  double generation_seconds = 0;
  std::string generated_at;
  std::string details;  // what the generation printed about the office
};

std::optional<Marker> read_marker(const fs::path& dir) {
  std::ifstream in(dir / kMarker);
  if (!in) return std::nullopt;
  Marker m;
  for (std::string line; std::getline(in, line);) {
    const size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const std::string key = line.substr(0, sp), value = line.substr(sp + 1);
    if (key == "dossiers") m.dossiers = std::atoi(value.c_str());
    if (key == "generation_seconds") m.generation_seconds = std::atof(value.c_str());
    if (key == "generated_at") m.generated_at = value;
    if (key == "details") m.details += (m.details.empty() ? "" : "\n") + value;
  }
  if (m.dossiers <= 0) return std::nullopt;
  return m;
}

void write_marker(const fs::path& dir, const Marker& m) {
  std::ofstream out(dir / kMarker);
  out << "dossiers " << m.dossiers << "\ngeneration_seconds " << m.generation_seconds << "\ngenerated_at "
      << m.generated_at << "\n";
  std::istringstream details(m.details);
  for (std::string line; std::getline(details, line);) out << "details " << line << "\n";
  if (!out) die("marker", Error::io("cannot write " + (dir / kMarker).string()));
}

std::string utc_now_text() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// 400 dossiers spread over the whole history (by rowid), for the reads to rotate over.
std::vector<bench::Sample> pick_samples(agent::Store& store) {
  const int64_t max_rowid = must(sql::query_int64(store.db(), "SELECT max(rowid) FROM dossier_state"), "rowids").value_or(0);
  if (max_rowid <= 0) die("samples", Error::internal("the office holds no dossier"));
  auto st = must(store.db().prepare(
      "SELECT code, applicant_name, applicant_citizen_id FROM dossier_state WHERE rowid >= ?1 ORDER BY rowid LIMIT 1"),
      "prepare samples");
  std::vector<bench::Sample> out;
  for (int k = 0; k < kSamples; ++k) {
    st.bind(1, 1 + max_rowid * k / kSamples);
    if (must(st.step(), "sample")) out.push_back({st.text(0), st.text(1), st.text(2)});
    check(st.reset(), "reset");
  }
  return out;
}

// Codes of up to `n` dossiers a clerk can move one step on (status 2, 4 or 9), spread over them.
std::vector<std::string> pick_movable(agent::Store& store, int n) {
  auto st = must(store.db().prepare("SELECT code FROM dossier_state WHERE status IN (2, 4, 9) ORDER BY code"), "movable");
  std::vector<std::string> all;
  for (int i = 0; must(st.step(), "movable"); ++i) {
    if (i % 1000 == 0) check_deadline("movable");
    all.push_back(st.text(0));
  }
  std::vector<std::string> out;
  const size_t want = std::min(all.size(), static_cast<size_t>(n));
  for (size_t k = 0; k < want; ++k) out.push_back(all[k * all.size() / want]);
  return out;
}

int next_status(int status) { return status == 2 ? 4 : status == 4 ? 9 : 10; }

// ---------------------------------------------------------------------------------------------
// Saves

struct SaveRound {
  Timing receive;
  Timing set_status;
  std::vector<int64_t> receive_syncs;  // per timed save
  std::vector<int64_t> status_syncs;
  int64_t receive_wal = 0, receive_db = 0, status_wal = 0, status_db = 0;
};

double mean(const std::vector<int64_t>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (int64_t x : v) s += static_cast<double>(x);
  return s / static_cast<double>(v.size());
}

SaveRound save_round(agent::Store& store, ManualClock& clock, const std::vector<std::string>& procedures,
                     bench::Generator& people, std::vector<std::string>& movable, int warmup, int repeats,
                     const std::string& mode) {
  SaveRound r;
  std::vector<std::string> received;
  int64_t wal0 = 0, db0 = 0;
  // Between two saves (1 s apart on the office clock), untimed, what the agent's run loop does at
  // every wake-up (at least once a second): a passive checkpoint when a minute has passed, so no
  // save pays SQLite's auto-checkpoint.
  int64_t ck_wal = 0, ck_db = 0;
  auto between = [&] {
    const int64_t w = g_syncs.wal.load(), d = g_syncs.db.load();
    (void)store.checkpoint_if_due();
    ck_wal += g_syncs.wal.load() - w;
    ck_db += g_syncs.db.load() - d;
  };
  r.receive = measure("receive() " + mode, warmup, repeats, mode == "FULL" ? kSaveTargetMs : 0, [&](int i) {
    if (i == warmup) {
      wal0 = g_syncs.wal.load();
      db0 = g_syncs.db.load();
      ck_wal = ck_db = 0;
    }
    clock.advance_ms(1000);
    agent::ReceiveRequest req;
    req.procedure = procedures[static_cast<size_t>(i) % procedures.size()];
    req.applicant = people.name();
    req.citizen_id = people.citizen_id();
    req.phone = people.phone();
    req.address = people.address();
    req.documents = {{nfc("Tờ khai theo mẫu"), "chinh", 1}, {nfc("Căn cước công dân"), "sao", 1}};
    req.actor = kClerk;
    const int64_t before = g_syncs.total();
    received.push_back(must(agent::receive(store, req), "receive").code);
    if (i >= warmup) r.receive_syncs.push_back(g_syncs.total() - before);
  }, between);
  r.receive_wal = g_syncs.wal.load() - wal0 - ck_wal;
  r.receive_db = g_syncs.db.load() - db0 - ck_db;

  // Existing dossiers first; the office's newest (just received, status 2) when they run out.
  std::vector<std::pair<std::string, int>> targets;
  while (!movable.empty() && static_cast<int>(targets.size()) < warmup + repeats) {
    targets.push_back({movable.back(), 0});
    movable.pop_back();
  }
  for (size_t k = 0; static_cast<int>(targets.size()) < warmup + repeats && k < received.size(); ++k) {
    targets.push_back({received[k], 2});
  }
  if (static_cast<int>(targets.size()) < warmup + repeats) die("set_status", Error::internal("too few dossiers to move"));
  auto status_of = must(store.db().prepare("SELECT status FROM dossier_state WHERE code = ?1"), "prepare status");
  for (auto& [code, status] : targets) {
    if (status != 0) continue;
    status_of.bind(1, code);
    if (!must(status_of.step(), "status")) die("status " + code, Error::not_found("no such dossier"));
    status = static_cast<int>(status_of.int64(0));
    check(status_of.reset(), "reset");
  }
  r.set_status = measure("set_status() " + mode, warmup, repeats, mode == "FULL" ? kSaveTargetMs : 0, [&](int i) {
    if (i == warmup) {
      wal0 = g_syncs.wal.load();
      db0 = g_syncs.db.load();
      ck_wal = ck_db = 0;
    }
    clock.advance_ms(1000);
    const auto& [code, status] = targets[static_cast<size_t>(i)];
    const int to = next_status(status);
    agent::SetStatusRequest req{code, to, to == 9 ? nfc("Đã có kết quả giải quyết") : std::string(), kClerk};
    const int64_t before = g_syncs.total();
    must(agent::set_status(store, req), "set status " + code + " " + std::to_string(status) + "→" + std::to_string(to));
    if (i >= warmup) r.status_syncs.push_back(g_syncs.total() - before);
  }, between);
  r.status_wal = g_syncs.wal.load() - wal0 - ck_wal;
  r.status_db = g_syncs.db.load() - db0 - ck_db;
  r.receive.label = "save  receive(), synchronous=" + mode;
  r.set_status.label = "save  set_status(), synchronous=" + mode;
  return r;
}

// Writes 4 KiB at the start of a small file in `dir` and fdatasync()s it, `count` times.
Timing fsync_probe(const fs::path& dir, int count) {
  const fs::path path = dir / "fsync-probe";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) die("fsync probe", Error::io("cannot create " + path.string() + ": " + std::strerror(errno)));
  std::vector<char> block(4096, 'x');
  Timing t = measure("raw  write 4 KiB + fdatasync()", 5, count, 0, [&](int i) {
    block[static_cast<size_t>(i) % block.size()] = static_cast<char>('a' + i % 26);
    if (::pwrite(fd, block.data(), block.size(), 0) != static_cast<ssize_t>(block.size())) {
      die("fsync probe", Error::io(std::string("write: ") + std::strerror(errno)));
    }
    if (::fdatasync(fd) != 0) die("fsync probe", Error::io(std::string("fdatasync: ") + std::strerror(errno)));
  });
  ::close(fd);
  std::error_code ec;
  fs::remove(path, ec);
  return t;
}

// ---------------------------------------------------------------------------------------------
// The agent as a process

struct ProcSample {
  double rss_mb = 0, hwm_mb = 0, anon_mb = 0, file_mb = 0, shmem_mb = 0;
  double pss_mb = 0;  // RSS with each shared page divided among the processes mapping it
  std::string largest;  // the largest mappings by RSS, "libcrypto.so.3 3.1, [heap] 1.9, ..."
  int threads = 0;
  int64_t voluntary_switches = 0;  // all threads
  double cpu_seconds = 0;          // utime + stime
  Clk::time_point at;
};

// The number after "name:" on its own line of `text` (a /proc status file read by read_text).
long long number_field(const std::string& text, const char* name) {
  const size_t at = text.find(std::string("\n") + name + ":");
  if (at == std::string::npos) return 0;
  return std::atoll(text.c_str() + at + std::strlen(name) + 2);
}
double mb_field(const std::string& text, const char* name) { return static_cast<double>(number_field(text, name)) / 1024.0; }

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return "\n" + s.str();
}

ProcSample sample_process(pid_t pid) {
  ProcSample s;
  s.at = Clk::now();
  const fs::path proc = fs::path("/proc") / std::to_string(pid);
  const std::string status = read_text(proc / "status");
  s.rss_mb = mb_field(status, "VmRSS");
  s.hwm_mb = mb_field(status, "VmHWM");
  s.anon_mb = mb_field(status, "RssAnon");
  s.file_mb = mb_field(status, "RssFile");
  s.shmem_mb = mb_field(status, "RssShmem");
  s.threads = static_cast<int>(number_field(status, "Threads"));
  // utime and stime are fields 14 and 15; the command name (field 2) may hold spaces, so count
  // from the closing parenthesis.
  const std::string stat = read_text(proc / "stat");
  const size_t paren = stat.rfind(')');
  if (paren != std::string::npos) {
    std::istringstream fields(stat.substr(paren + 2));
    std::string f;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && (fields >> f); ++i) {
      if (i == 14) utime = std::atoll(f.c_str());
      if (i == 15) stime = std::atoll(f.c_str());
    }
    s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  s.pss_mb = mb_field(read_text(proc / "smaps_rollup"), "Pss");
  {
    std::map<std::string, long long> by_mapping;  // kB
    std::ifstream smaps(proc / "smaps");
    std::string name;
    for (std::string line; std::getline(smaps, line);) {
      if (line.rfind("Rss:", 0) == 0) {
        by_mapping[name] += std::atoll(line.c_str() + 4);
      } else if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') < 16 &&
                 line.find(':') > line.find(' ')) {
        // "start-end perms offset dev inode [path]": the sixth field names the mapping.
        std::istringstream fields(line);
        std::string f;
        for (int i = 0; i < 6 && (fields >> f); ++i) name = i == 5 ? fs::path(f).filename().string() : "[anon]";
      }
    }
    std::vector<std::pair<long long, std::string>> sorted;
    for (const auto& [n, kb] : by_mapping) sorted.push_back({kb, n});
    std::sort(sorted.rbegin(), sorted.rend());
    for (size_t i = 0; i < sorted.size() && i < 8; ++i) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s%s %.1f", i ? ", " : "", sorted[i].second.c_str(),
                    static_cast<double>(sorted[i].first) / 1024.0);
      s.largest += buf;
    }
  }
  std::error_code ec;
  for (const auto& task : fs::directory_iterator(proc / "task", ec)) {
    s.voluntary_switches += number_field(read_text(task.path() / "status"), "voluntary_ctxt_switches");
  }
  return s;
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("port", Error::io(std::string("socket: ") + std::strerror(errno)));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    die("port", Error::io(std::string("bind: ") + std::strerror(errno)));
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string tail_of(const fs::path& log, size_t bytes) {
  const std::string text = read_text(log);
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// Starts `motcua-agent run` on `office`, its output appended to `log`.
pid_t spawn_agent(const fs::path& office, int port, const fs::path& log) {
  const std::string exe = MOTCUA_AGENT_EXE;
  const std::string data = office.string(), ui = "127.0.0.1:" + std::to_string(port), log_path = log.string();
  std::vector<const char*> argv = {exe.c_str(), "run", "--data", data.c_str(), "--ui", ui.c_str(), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) die("spawn", Error::io(std::string("fork: ") + std::strerror(errno)));
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    const int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    const int in = ::open("/dev/null", O_RDONLY);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    if (in >= 0) ::dup2(in, 0);
    ::execv(exe.c_str(), const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  g_agent = pid;
  return pid;
}

bool agent_exited(pid_t pid, int& status) { return ::waitpid(pid, &status, WNOHANG) == pid; }

// Milliseconds from `spawned` until GET /login answers 200 on 127.0.0.1:port (polled every 5 ms,
// for at most 120 s).
double wait_until_answering(pid_t pid, int port, Clk::time_point spawned, const fs::path& log) {
  const auto deadline = spawned + std::chrono::seconds(120);
  for (int attempt = 0; attempt < 24000 && Clk::now() < deadline; ++attempt) {
    int status = 0;
    if (agent_exited(pid, status)) {
      g_agent = -1;
      die("agent start", Error::unavailable("motcua-agent exited (status " + std::to_string(status) + "): " +
                                            tail_of(log, 600)));
    }
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(0, 200000);
    client.set_read_timeout(5, 0);
    if (auto res = client.Get("/login"); res && res->status == 200) return ms_since(spawned);
    sleep_ms(5);
  }
  die("agent start", Error::timeout("the web UI did not answer within 120 s: " + tail_of(log, 600)));
}

// Waits (at most 60 s) until the agent's log shows the end of its first sync attempt.
double wait_first_sync(const fs::path& log, size_t log_start, Clk::time_point since) {
  for (int i = 0; i < 6000; ++i) {
    const std::string text = read_text(log);
    const std::string fresh = text.size() > log_start ? text.substr(log_start) : std::string();
    if (fresh.find("sync failed") != std::string::npos || fresh.find("synced:") != std::string::npos) {
      return ms_since(since);
    }
    sleep_ms(10);
  }
  die("agent", Error::timeout("no sync attempt in the agent's log within 60 s: " + tail_of(log, 600)));
}

// SIGTERM, then SIGKILL after 30 s. Returns the exit status text.
std::string stop_agent(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 3000; ++i) {
    if (agent_exited(pid, status)) {
      g_agent = -1;
      return WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status)) : "signal " + std::to_string(WTERMSIG(status));
    }
    sleep_ms(10);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  g_agent = -1;
  return "killed after 30 s";
}

// Drops the office's database files from the OS page cache (clean pages only: synced first).
void evict_from_page_cache(const fs::path& office) {
  for (const char* name : {"agent.db", "agent.db-wal"}) {
    const fs::path p = office / name;
    const int fd = ::open(p.c_str(), O_RDONLY);
    if (fd < 0) continue;
    (void)::fdatasync(fd);
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

int64_t log_size(const fs::path& log) { return bench::file_size_or_zero(log); }

int usage() {
  std::fprintf(stderr,
               "usage: motcua-bench-office [--dossiers N (1000-2000000, default 1000000)] [--repeats R (10-100000, "
               "default 300)] [--idle-seconds S (1-600, default 60)] [--keep DIR]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bench::g_program = "motcua-bench-office";
  bench::set_run_limit(kMaxRunSeconds);
  int dossiers = 1000000;
  int repeats = 300;
  int idle_seconds = 60;
  std::string keep_dir;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dossiers") == 0 && i + 1 < argc) {
      if (!bench::parse_int(argv[++i], 1000, 2000000, dossiers)) return usage();
    } else if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
      if (!bench::parse_int(argv[++i], 10, 100000, repeats)) return usage();
    } else if (std::strcmp(argv[i], "--idle-seconds") == 0 && i + 1 < argc) {
      if (!bench::parse_int(argv[++i], 1, 600, idle_seconds)) return usage();
    } else if (std::strcmp(argv[i], "--keep") == 0 && i + 1 < argc) {
      keep_dir = argv[++i];
    } else {
      return usage();
    }
  }
  install_counting_vfs();
  std::atexit(remove_cleanup_dir);  // stops the agent too

  const fs::path dir = keep_dir.empty() ? fs::temp_directory_path() / ("motcua-bench-office-" + Id128::random().hex())
                                        : fs::absolute(keep_dir);
  const fs::path office = dir / "office";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) die("directory", Error::io("cannot create " + dir.string() + ": " + ec.message()));
  if (keep_dir.empty()) g_cleanup_dir = dir.string();
  const std::string fs_type = bench::fs_type_of(dir);

  // 1. The office.
  std::optional<Marker> marker = read_marker(dir);
  const bool reused = marker.has_value();
  if (!reused && fs::exists(office)) {
    die("office", Error::failed_precondition(office.string() + " holds an office this program did not finish "
                                             "generating: remove " + dir.string() + " or choose another --keep DIR"));
  }
  ManualClock clock(must(parse_rfc3339(bench::kOfficeNow), "now"));
  if (!reused) {
    bench::OfficeOptions generation;
    generation.data_dir = office.string();
    generation.dossiers = dossiers;
    generation.chunk = kChunk;
    const bench::GeneratedOffice g = bench::generate_office(generation, clock);
    Marker m;
    m.dossiers = g.gen.bulk + g.gen.through_api;
    m.generation_seconds = g.seconds;
    m.generated_at = utc_now_text();
    std::string statuses;
    for (const auto& [status, n] : g.gen.by_status) {
      statuses += (statuses.empty() ? "" : ", ") + std::to_string(status) + ": " + std::to_string(n);
    }
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%d inserted (a transaction per %d) and folded, %d through receive()/set_status(); %lld documents, "
                  "%lld events; statuses %s",
                  g.gen.bulk, kChunk, g.gen.through_api, static_cast<long long>(g.gen.documents),
                  static_cast<long long>(g.gen.events), statuses.c_str());
    m.details = buf;
    std::snprintf(buf, sizeof buf, "bulk %.1f s (fold %.1f s, commits %.1f s), API %.1f s, checkpoint %.1f s",
                  g.gen.bulk_seconds, g.gen.fold_seconds, g.gen.commit_seconds, g.gen.api_seconds,
                  g.gen.checkpoint_seconds);
    m.details += std::string("\n") + buf;
    write_marker(dir, m);
    marker = m;
  } else if (marker->dossiers != dossiers) {
    std::fprintf(stderr, "%s: %s holds an office of %d generated dossiers; --dossiers %d is ignored\n",
                 bench::g_program, dir.c_str(), marker->dossiers, dossiers);
  }
  const std::string size_before = bench::db_size(office);

  // The store as the agent opens it (WAL, synchronous=FULL, SQLite's default page cache).
  const auto o0 = Clk::now();
  auto store = must(agent::Store::open(office.string(), false, clock), "open");
  const double open_ms = ms_since(o0);
  const int64_t held = must(sql::query_int64(store.db(), "SELECT count(*) FROM dossier_state"), "count").value_or(0);
  const std::vector<bench::Sample> samples = pick_samples(store);
  auto sample = [&](int i) -> const bench::Sample& { return samples[static_cast<size_t>(i) % samples.size()]; };
  const int warmup = std::min(20, repeats);
  const std::string load_before = bench::load_average();

  // 2. Reads (before the saves, which add dossiers to a kept office).
  std::vector<Timing> reads;
  auto read = [&](const std::string& label, double target, const std::function<void(int)>& op) {
    reads.push_back(measure(label, warmup, repeats, target, op));
  };
  read("search  name without diacritics", kSearchTargetMs, [&](int i) {
    must(agent::search_dossiers(store, fold_for_search(sample(i).name), 200), "search name");
  });
  read("search  code", kSearchTargetMs, [&](int i) { must(agent::search_dossiers(store, sample(i).code, 200), "search code"); });
  read("search  CCCD", kSearchTargetMs, [&](int i) {
    must(agent::search_dossiers(store, sample(i).citizen_id, 200), "search CCCD");
  });
  read("read  one dossier (show_dossier)", 0, [&](int i) { must(agent::show_dossier(store, sample(i).code), "show"); });
  read("queues  the six counts (queue_counts)", 0, [&](int) { must(agent::queue_counts(store), "queue counts"); });
  for (agent::Queue q : agent::kAllQueues) {
    read(std::string("queue  ") + agent::queue_name(q) + ", first 50", 0,
         [&](int) { must(agent::list_queue(store, q, 0, 50), std::string("queue ") + agent::queue_name(q)); });
  }
  read("cli  list (200, all statuses)", 0, [&](int) { must(agent::list_dossiers(store, agent::ListFilter{}), "list"); });
  read("cli  status (office_status)", 0, [&](int) { must(agent::office_status(store), "status"); });

  // 3. Saves: FULL as the store opened it, then OFF (the same work without the fsyncs).
  std::vector<std::string> procedures;
  for (const auto& row : must(reference::current_procedures(store.db(), ""), "procedures")) {
    if (row.procedure.time_limit.main.kind != domain::LimitKind::kNone) procedures.push_back(row.procedure.key);
  }
  if (procedures.empty()) die("procedures", Error::internal("no procedure with a time limit"));
  bench::Generator people(static_cast<uint32_t>(held));
  std::vector<std::string> movable = pick_movable(store, 2 * (warmup + repeats));
  clock.set(must(parse_rfc3339(bench::kOfficeNow), "now"));
  const SaveRound full = save_round(store, clock, procedures, people, movable, warmup, repeats, "FULL");
  check(store.db().exec("PRAGMA synchronous=OFF"), "synchronous=OFF");
  const SaveRound off = save_round(store, clock, procedures, people, movable, warmup, repeats, "OFF");
  check(store.db().exec("PRAGMA synchronous=FULL"), "synchronous=FULL");
  const Timing probe = fsync_probe(dir, kFsyncProbes);

  // 4. The agent process: a clerk account for the first page, the files synced and checkpointed.
  bool has_clerk = false;
  for (const auto& a : must(agent::list_accounts(store), "accounts")) has_clerk = has_clerk || a.username == kClerk;
  if (!has_clerk) {
    must(agent::add_account(store, kClerk, nfc("Nguyễn Thị Thu Hà"), agent::Role::kClerk, kPassword), "add account");
  }
  check(store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
  const std::string size_after = bench::db_size(office);
  const int64_t held_after = must(sql::query_int64(store.db(), "SELECT count(*) FROM dossier_state"), "count").value_or(0);
  { agent::Store closing = std::move(store); }
  const std::string load_after = bench::load_average();

  const fs::path log = dir / "agent-run.log";
  setenv("MOTCUA_NOW", bench::kOfficeNow, 1);
  // Cold start.
  evict_from_page_cache(office);
  int port = free_loopback_port();
  auto s0 = Clk::now();
  pid_t pid = spawn_agent(office, port, log);
  const double cold_ms = wait_until_answering(pid, port, s0, log);
  const std::string cold_exit = stop_agent(pid);
  // Warm start, then idle.
  port = free_loopback_port();
  const size_t log_start = static_cast<size_t>(log_size(log));
  s0 = Clk::now();
  pid = spawn_agent(office, port, log);
  const double warm_ms = wait_until_answering(pid, port, s0, log);
  const auto ready = Clk::now();
  const double first_sync_ms = wait_first_sync(log, log_start, ready);
  const ProcSample idle0 = sample_process(pid);
  for (int s = 0; s < idle_seconds; ++s) {
    check_deadline("idle");
    int status = 0;
    if (agent_exited(pid, status)) {
      g_agent = -1;
      die("idle", Error::internal("motcua-agent exited while idle: " + tail_of(log, 600)));
    }
    sleep_ms(1000);
  }
  const ProcSample idle1 = sample_process(pid);
  // The first page a clerk opens after that.
  double login_ms = 0, first_page_ms = 0, second_page_ms = 0;
  {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(60, 0);
    client.set_tcp_nodelay(true);
    const auto l0 = Clk::now();
    auto login = client.Post("/login", httplib::Params{{"username", kClerk}, {"password", kPassword}, {"next", "/"}});
    login_ms = ms_since(l0);
    if (!login || login->status != 303) die("sign in", Error::internal("the agent refused the bench clerk's sign-in"));
    const std::string cookie = login->get_header_value("Set-Cookie");
    const httplib::Headers headers{{"Cookie", cookie.substr(0, cookie.find(';'))}, {"Accept", "text/html"}};
    auto p0 = Clk::now();
    auto page = client.Get("/", headers);
    first_page_ms = ms_since(p0);
    if (!page || page->status != 200) die("first page", Error::internal("GET / did not answer 200"));
    p0 = Clk::now();
    page = client.Get("/", headers);
    second_page_ms = ms_since(p0);
    if (!page || page->status != 200) die("second page", Error::internal("GET / did not answer 200"));
  }
  const ProcSample used = sample_process(pid);
  const std::string warm_exit = stop_agent(pid);

  // The report.
  std::printf("motcua-bench-office: the office PC, %d repeats per operation after %d warm-up\n", repeats, warmup);
  std::printf("machine   %ld CPUs, %s\n", sysconf(_SC_NPROCESSORS_ONLN), bench::cpu_model().c_str());
  std::printf("storage   %s (%s)%s\n", dir.c_str(), bench::storage_of(dir).c_str(),
              fs_type == "tmpfs" || fs_type == "ramfs" ? ": IN MEMORY, fsync costs nothing here: use --keep DIR on a disk" : "");
  std::printf("load      %s before the library calls, %s after (1, 5, 15 min)\n", load_before.c_str(), load_after.c_str());
  std::printf("office    unit %s, %lld dossiers (%d generated%s)\n", bench::kOfficeUnit, static_cast<long long>(held),
              marker->dossiers, reused ? ", the rest saved by earlier runs" : "");
  {
    std::istringstream details(marker->details);
    for (std::string line; std::getline(details, line);) std::printf("          %s\n", line.c_str());
  }
  if (reused) {
    std::printf("generated %s in %.1f s (reused: --keep %s)\n", marker->generated_at.c_str(), marker->generation_seconds,
                dir.c_str());
  } else {
    std::printf("generated in %.1f s\n", marker->generation_seconds);
  }
  std::printf("database  %s before the saves; %s after them (%lld dossiers)\n", size_before.c_str(), size_after.c_str(),
              static_cast<long long>(held_after));
  std::printf("open      Store::open %.1f ms (schema check and migrations, first connection)\n\n", open_ms);

  std::printf("  %-46s %9s %9s %9s   (ms)\n", "operation", "p50", "p99", "max");
  print_timing(full.receive);
  print_timing(full.set_status);
  print_timing(off.receive);
  print_timing(off.set_status);
  print_timing(probe);
  for (const Timing& t : reads) print_timing(t);

  const double syncs_receive = mean(full.receive_syncs), syncs_status = mean(full.status_syncs);
  std::printf("\nfsync     the syncs' share of a save (FULL − OFF): receive p50 %+.2f ms, p99 %+.2f ms; set_status p50 %+.2f "
              "ms, p99 %+.2f ms\n",
              p50(full.receive) - p50(off.receive), p99(full.receive) - p99(off.receive),
              p50(full.set_status) - p50(off.set_status), p99(full.set_status) - p99(off.set_status));
  std::printf("syncs     per save, measured (xSync calls; one fdatasync each on Linux): receive %.2f (WAL %lld, database "
              "%lld in %d saves, max %lld in one), set_status %.2f (WAL %lld, database %lld, max %lld); with "
              "synchronous=OFF: %.2f\n",
              syncs_receive, static_cast<long long>(full.receive_wal), static_cast<long long>(full.receive_db), repeats,
              static_cast<long long>(*std::max_element(full.receive_syncs.begin(), full.receive_syncs.end())),
              syncs_status, static_cast<long long>(full.status_wal), static_cast<long long>(full.status_db),
              static_cast<long long>(*std::max_element(full.status_syncs.begin(), full.status_syncs.end())),
              mean(off.receive_syncs) + mean(off.status_syncs));
  const double per_save = std::max(syncs_receive, syncs_status);
  std::printf("HDD       estimate, not measured: a 7,200 rpm disk takes about 8-12 ms per flush (a rotation plus a "
              "short seek), so %.2f syncs per save would add about %.0f-%.0f ms to each save (p50 here: receive %.2f ms, "
              "of which the syncs %.2f ms)\n",
              per_save, per_save * 8, per_save * 12, p50(full.receive), p50(full.receive) - p50(off.receive));

  const double window = std::chrono::duration<double>(idle1.at - idle0.at).count();
  const double cpu = idle1.cpu_seconds - idle0.cpu_seconds;
  const double cpu_percent = 100.0 * cpu / window;
  std::printf("\nagent     %s run --data %s --ui 127.0.0.1:PORT (not enrolled; MOTCUA_NOW=%s)\n", MOTCUA_AGENT_EXE,
              office.c_str(), bench::kOfficeNow);
  std::printf("start-up  cold (database evicted from the OS page cache) %.0f ms, warm %.0f ms to the first HTTP answer; "
              "the first sync attempt (not enrolled) ended %.0f ms after that; stopped by SIGTERM: %s, %s\n",
              cold_ms, warm_ms, first_sync_ms, cold_exit.c_str(), warm_exit.c_str());
  std::printf("idle      %.0f s: RSS %.1f MB → %.1f MB (anon %.1f, file %.1f, shmem %.1f), peak since start (VmHWM) %.1f MB, "
              "%d threads: RSS ≤ %.0f MB %s\n",
              window, idle0.rss_mb, idle1.rss_mb, idle1.anon_mb, idle1.file_mb, idle1.shmem_mb, idle1.hwm_mb,
              idle1.threads, kRssTargetMb, idle1.rss_mb <= kRssTargetMb ? "met" : "MISSED");
  std::printf("idle      PSS %.1f MB; largest mappings (MB): %s\n", idle1.pss_mb, idle1.largest.c_str());
  std::printf("idle      CPU %.3f s over %.0f s = %.3f %% of one core (/proc counts in ticks of %.0f ms), %.1f wake-ups/s "
              "(voluntary context switches, all threads): CPU ≈ 0 (< %.1f %%) %s\n",
              cpu, window, cpu_percent, 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK)),
              static_cast<double>(idle1.voluntary_switches - idle0.voluntary_switches) / window, kIdleCpuTargetPercent,
              cpu_percent < kIdleCpuTargetPercent ? "met" : "MISSED");
  std::printf("in use    sign-in %.0f ms (PBKDF2), first GET / %.1f ms, second %.1f ms; RSS then %.1f MB (anon %.1f, "
              "file %.1f), peak %.1f MB\n",
              login_ms, first_page_ms, second_page_ms, used.rss_mb, used.anon_mb, used.file_mb, used.hwm_mb);
  if (!keep_dir.empty()) {
    std::printf("kept      %s (run again with --keep %s to measure this office again)\n", dir.c_str(), dir.c_str());
  } else {
    remove_cleanup_dir();
  }
  return 0;
}
