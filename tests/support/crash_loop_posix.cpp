#include "tests/support/crash_loop.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/http_client.hpp"
#include "common/sqlite.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace motcua::test {

namespace {

using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;

// The same pinned start as the integration fixture (kTestNow): every child's clock starts here.
constexpr const char* kPinnedNow = "2026-03-02T09:00:00+07:00";
// The fact tables of schema/facts/0001_facts.sql: the replicated rows compared at the end.
constexpr const char* kFactTables[] = {"dossier", "dossier_event", "dossier_document"};
// Communes of province 33 in data/communes-2025.csv, one per office.
constexpr const char* kUnits[] = {"11953", "11983", "11980", "12103", "12133", "12127", "11977", "12337"};
constexpr int kMaxOffices = static_cast<int>(sizeof kUnits / sizeof kUnits[0]);

int64_t ms_since(SteadyClock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t0).count();
}

// The environment of every child: ours, with the clock pinned, the actor set and no inherited
// fault point (a fault named in the test's own environment must not stop the loop's children).
std::vector<std::string> child_environment() {
  static const std::map<std::string, std::string> overrides = {
      {"MOTCUA_NOW", kPinnedNow}, {"MOTCUA_ACTOR", "canbo.crash"}, {"MOTCUA_FAULT", ""}};
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    if (!overrides.count(entry.substr(0, entry.find('=')))) out.push_back(entry);
  }
  for (const auto& [k, v] : overrides) out.push_back(k + "=" + v);
  return out;
}

// A child process whose stdout and stderr go to files (PATH and PATH.err), SIGKILLed and reaped if still running when
// destroyed. Unlike BackgroundProcess it keeps the exit status, and it tells a kill that hit a
// running process from one that came after the process had ended by itself.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& output_path) : m_output(output_path) {
    // Everything the child needs is built before fork: the parent may have threads (curl's resolver).
    std::vector<std::string> env = child_environment();
    std::vector<char*> argv, envp;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const int fd = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err_fd = ::open((output_path + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || err_fd < 0) throw std::runtime_error("cannot create " + output_path);
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    m_pid = ::fork();
    if (m_pid < 0) throw std::runtime_error("fork failed");
    if (m_pid == 0) {
      ::dup2(fd, 1);
      ::dup2(err_fd, 2);
      if (devnull >= 0) ::dup2(devnull, 0);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(fd);
    ::close(err_fd);
    if (devnull >= 0) ::close(devnull);
    m_started = SteadyClock::now();
  }
  ~Child() {
    if (!m_done) {
      ::kill(m_pid, SIGKILL);
      reap(true);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool running() {
    if (!m_done) reap(false);
    return !m_done;
  }
  // SIGKILL now. True when this signal is what ended it (it was still running).
  bool kill_now() {
    if (m_done) return false;
    ::kill(m_pid, SIGKILL);  // a child that already ended is a zombie until reaped: the pid is still ours
    reap(true);
    return m_signal == SIGKILL;
  }
  // Waits up to `timeout_ms` for it to end; false (and SIGKILL) when it did not.
  bool wait(int64_t timeout_ms) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
    while (running()) {
      if (SteadyClock::now() > deadline) {
        kill_now();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
  // SIGTERM, then waits as wait().
  bool terminate(int64_t timeout_ms) {
    if (m_done) return true;
    ::kill(m_pid, SIGTERM);
    return wait(timeout_ms);
  }
  int exit_code() const { return m_exit; }  // -1 when a signal ended it
  int signal() const { return m_signal; }
  int64_t age_ms() const { return ms_since(m_started); }
  std::string out() const { return read_or_empty(m_output); }
  std::string err() const { return read_or_empty(m_output + ".err"); }
  std::string describe() const {
    return "exit " + std::to_string(m_exit) + " signal " + std::to_string(m_signal) + ", stdout: " + out() +
           ", stderr: " + err();
  }

 private:
  static std::string read_or_empty(const std::string& path) {
    try {
      return read_file(path);
    } catch (const std::exception&) {
      return "";
    }
  }
  void reap(bool block) {
    int status = 0;
    if (::waitpid(m_pid, &status, block ? 0 : WNOHANG) != m_pid) return;
    m_done = true;
    if (WIFEXITED(status)) m_exit = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) m_signal = WTERMSIG(status);
  }

  std::string m_output;
  pid_t m_pid = -1;
  bool m_done = false;
  int m_exit = -1;
  int m_signal = 0;
  SteadyClock::time_point m_started;
};

// What a `--json` command printed on stdout, or null.
json json_out(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json();
}

std::string one_line(std::string text, size_t max = 600) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

enum class Kind { kAgent, kHub };

struct Dossier {
  std::string code;
  int status = 2;
};

// The next status a clerk moves a dossier to (received → processing → resolved → returned), 0 at the end.
int next_status(int status) {
  switch (status) {
    case 2:
      return 4;
    case 4:
      return 9;
    case 9:
      return 10;
    default:
      return 0;
  }
}

// A clerk action drawn at the start of a round; what it does is settled when it starts, from the
// office's dossiers at that moment (`pick`).
struct PlannedAction {
  int64_t at_ms = 0;
  bool receive = false;
  uint64_t pick = 0;
};

struct Office {
  std::string unit;
  std::string data;
  std::string agent_id;  // hex, as the office stores it
  std::vector<Dossier> dossiers;
  int receives = 0;
  int status_changes = 0;
  // This round:
  std::unique_ptr<Child> agent;
  bool agent_runs = false;  // `run` rather than `sync`
  std::vector<PlannedAction> plan;
  size_t next_action = 0;
  std::unique_ptr<Child> clerk;
  int clerk_dossier = -1;  // index in `dossiers` of the status change in flight, -1 for a receive
  int clerk_started = 0;   // clerk actions started in this round
};

class Loop {
 public:
  Loop(const CrashLoopOptions& options, CrashLoopReport& report)
      : m_options(options), m_report(report), m_rng(report.seed), m_dir(options.work_dir) {}

  void run();

 private:
  uint64_t draw(uint64_t n) { return n == 0 ? 0 : m_rng() % n; }  // the generator's own output: portable
  void problem(const std::string& what) {
    if (m_report.problems.size() < 200) m_report.problems.push_back(what);
  }
  bool time_left() const { return ms_since(m_started) < m_options.time_limit_ms; }
  std::string file(const std::string& name) const { return m_dir + "/" + name; }
  std::string next_log(const std::string& what) {
    return file("log/" + what + "-" + std::to_string(++m_logs % 64) + ".log");
  }

  // A command run to its end (60 s at most).
  std::unique_ptr<Child> command(const std::vector<std::string>& args, const std::string& what) {
    auto c = std::make_unique<Child>(args, next_log(what));
    if (!c->wait(60000)) problem(what + " did not finish within 60 s: " + one_line(c->describe()));
    return c;
  }
  bool setup();
  bool start_hub();
  void round();
  void start_clerk_action(Office& o, const PlannedAction& a);
  void settle_clerk_action(Office& o);
  void settle_agent(Office& o, bool hub_killed);
  void final_sync();
  void compare();
  void compare_office(sql::Db& hub, Office& o);

  const CrashLoopOptions& m_options;
  CrashLoopReport& m_report;
  std::mt19937_64 m_rng;
  std::string m_dir;
  SteadyClock::time_point m_started = SteadyClock::now();
  std::string m_hub_data;
  std::string m_hub_url;
  int m_hub_port = 0;
  int m_hub_starts = 0;
  std::unique_ptr<Child> m_hub;
  std::vector<Office> m_offices;
  int m_logs = 0;
  int m_applicants = 0;
  // How long the last syncs took: kills are drawn within a typical sync, so that they land in one.
  std::array<int64_t, 15> m_sync_ms{};
  size_t m_sync_count = 0;
  int64_t kill_window_ms() const;
};

int64_t Loop::kill_window_ms() const {
  if (m_sync_count < 3) return m_options.max_delay_ms;
  std::vector<int64_t> last(m_sync_ms.begin(),
                            m_sync_ms.begin() + static_cast<std::ptrdiff_t>(std::min(m_sync_count, m_sync_ms.size())));
  std::nth_element(last.begin(), last.begin() + static_cast<std::ptrdiff_t>(last.size() / 2), last.end());
  return std::clamp<int64_t>(last[last.size() / 2], 1, m_options.max_delay_ms);
}

bool Loop::start_hub() {
  m_hub = std::make_unique<Child>(std::vector<std::string>{MOTCUA_HUB_EXE, "serve", "--data", m_hub_data, "--listen",
                                                           "127.0.0.1:" + std::to_string(m_hub_port)},
                                  file("log/hub-" + std::to_string(++m_hub_starts % 8) + ".log"));
  // Ready when the health endpoint answers (bounded), never after a fixed sleep.
  for (int i = 0; i < 400; ++i) {
    auto r = agent::http_get(m_hub_url + "/v1/health", {}, agent::HttpTimeouts{2, 1, 2, 2});
    if (r && r->status == 200) return true;
    if (!m_hub->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  problem("the hub did not come up (start " + std::to_string(m_hub_starts) + "): " + one_line(m_hub->describe()));
  return false;
}

bool Loop::setup() {
  std::error_code ec;
  std::filesystem::create_directories(file("log"), ec);
  m_hub_data = file("hub");
  auto init = command({MOTCUA_HUB_EXE, "init", "--data", m_hub_data, "--province", "33", "--json"}, "hub-init");
  if (init->exit_code() != 0) {
    problem("hub init failed: " + one_line(init->describe()));
    return false;
  }
  for (const char* what : {"catalog", "calendar"}) {
    const std::string csv = source_path(
        std::string("data/") + (std::strcmp(what, "catalog") == 0 ? "tthc-commune-sample.csv" : "holidays-vn.csv"));
    auto p = command({MOTCUA_HUB_EXE, what, "publish", "--data", m_hub_data, csv, "--json"}, "hub-publish");
    if (p->exit_code() != 0) {
      problem(std::string("hub ") + what + " publish failed: " + one_line(p->describe()));
      return false;
    }
  }
  m_hub_port = free_loopback_port();
  m_hub_url = "http://127.0.0.1:" + std::to_string(m_hub_port);
  if (!start_hub()) return false;
  for (int i = 0; i < m_options.offices; ++i) {
    Office o;
    o.unit = kUnits[i];
    o.data = file("office-" + o.unit);
    auto office =
        command({agent_exe(), "init", "--data", o.data, "--unit", o.unit, "--catalog",
                 source_path("data/tthc-commune-sample.csv"), "--calendar", source_path("data/holidays-vn.csv")},
                "office-init");
    auto code =
        command({MOTCUA_HUB_EXE, "enroll-code", "--data", m_hub_data, "--unit", o.unit, "--json"}, "enroll-code");
    const json c = json_out(code->out());
    if (office->exit_code() != 0 || code->exit_code() != 0 || !c.contains("code")) {
      problem("office " + o.unit + " could not be set up: " + one_line(office->describe()) + " / " +
              one_line(code->describe()));
      return false;
    }
    auto enrolled = command(
        {agent_exe(), "enroll", "--data", o.data, "--hub", m_hub_url, "--code", c["code"].get<std::string>(), "--json"},
        "enroll");
    const json e = json_out(enrolled->out());
    if (enrolled->exit_code() != 0 || !e.contains("agent_id")) {
      problem("office " + o.unit + " could not enroll: " + one_line(enrolled->describe()));
      return false;
    }
    o.agent_id = e["agent_id"].get<std::string>();
    m_offices.push_back(std::move(o));
  }
  return true;
}

void Loop::start_clerk_action(Office& o, const PlannedAction& a) {
  std::vector<int> open;
  for (size_t i = 0; i < o.dossiers.size(); ++i) {
    if (next_status(o.dossiers[i].status) != 0) open.push_back(static_cast<int>(i));
  }
  ++o.clerk_started;
  if (a.receive || open.empty()) {
    const int n = ++m_applicants;
    o.clerk_dossier = -1;
    o.clerk = std::make_unique<Child>(
        std::vector<std::string>{agent_exe(), "receive", "--data", o.data, "--procedure", "2.001019", "--applicant",
                                 "Nguyễn Văn Crash " + std::to_string(n), "--citizen-id",
                                 "0331980" + std::to_string(10000 + n % 90000), "--document", "Tờ khai:chinh:1",
                                 "--document", "CCCD:photo:1", "--json"},
        next_log("receive"));
  } else {
    o.clerk_dossier = open[a.pick % open.size()];
    const Dossier& d = o.dossiers[static_cast<size_t>(o.clerk_dossier)];
    o.clerk = std::make_unique<Child>(std::vector<std::string>{agent_exe(), "set-status", "--data", o.data, d.code,
                                                               "--status", std::to_string(next_status(d.status))},
                                      next_log("set-status"));
  }
}

// A clerk's save must succeed whatever happens to the sync next to it, and then it counts.
void Loop::settle_clerk_action(Office& o) {
  Child& c = *o.clerk;
  if (c.exit_code() != 0) {
    problem("office " + o.unit + ": a clerk's " + (o.clerk_dossier < 0 ? "receive" : "status change") +
            " failed while syncs were being killed: " + one_line(c.describe()));
  } else if (o.clerk_dossier < 0) {
    const json r = json_out(c.out());
    if (!r.contains("code") || !r["code"].is_string()) {
      problem("office " + o.unit + ": receive printed no code: " + one_line(c.describe()));
    } else {
      o.dossiers.push_back({r["code"].get<std::string>(), 2});
      ++o.receives;
      ++m_report.clerk_receives;
    }
  } else {
    Dossier& d = o.dossiers[static_cast<size_t>(o.clerk_dossier)];
    d.status = next_status(d.status);
    ++o.status_changes;
    ++m_report.clerk_status_changes;
  }
  o.clerk.reset();
}

// A sync that ended by itself: one that reached the hub must have sent everything, except what a
// clerk saved meanwhile (exit 9 with its report); one that lost the hub in this round may fail, but
// only as "unreachable" (exit 9) or a broken transfer (8).
void Loop::settle_agent(Office& o, bool hub_killed) {
  Child& a = *o.agent;
  const int code = a.exit_code();
  const json report = json_out(a.out());
  if (code == 0 || (code == 9 && report.contains("pending_changes") && o.clerk_started > 0)) {
    ++m_report.syncs_ok;
    if (!hub_killed) {
      m_sync_ms[m_sync_count++ % m_sync_ms.size()] = a.age_ms();
    }
  } else if (!(hub_killed && (code == 8 || code == 9))) {
    problem("round " + std::to_string(m_report.rounds) + ", office " + o.unit + ": `" +
            (o.agent_runs ? "run" : "sync") + "` ended with an unexpected status: " + one_line(a.describe()));
  }
  o.agent.reset();
}

void Loop::round() {
  ++m_report.rounds;
  const int agent_left = (m_options.kills + 1) / 2 - m_report.agent_kills;
  const int hub_left = m_options.kills / 2 - m_report.hub_kills;
  const Kind kind = draw(static_cast<uint64_t>(agent_left + hub_left)) < static_cast<uint64_t>(agent_left)
                        ? Kind::kAgent
                        : Kind::kHub;
  const size_t victim = static_cast<size_t>(draw(m_offices.size()));
  const int64_t kill_at = static_cast<int64_t>(draw(static_cast<uint64_t>(kill_window_ms()) + 1));
  for (Office& o : m_offices) {
    o.agent_runs = draw(5) == 0;  // mostly `sync`; sometimes the service loop itself
    o.plan.clear();
    o.next_action = 0;
    o.clerk_started = 0;
    const int actions = static_cast<int>(draw(3));
    for (int i = 0; i < actions; ++i) {
      PlannedAction a;
      a.at_ms = static_cast<int64_t>(draw(static_cast<uint64_t>(m_options.max_delay_ms) + 1));
      a.receive = draw(2) == 0;
      a.pick = m_rng();
      o.plan.push_back(a);
    }
    std::sort(o.plan.begin(), o.plan.end(),
              [](const PlannedAction& x, const PlannedAction& y) { return x.at_ms < y.at_ms; });
  }

  const auto t0 = SteadyClock::now();
  for (Office& o : m_offices) {
    std::vector<std::string> args{agent_exe(), o.agent_runs ? "run" : "sync", "--data", o.data};
    if (o.agent_runs) {
      args.insert(args.end(), {"--feed-interval", "5", "--ui", "off"});
    } else {
      args.push_back("--json");
    }
    o.agent = std::make_unique<Child>(args, next_log(o.agent_runs ? "run" : "sync"));
  }
  bool killed = false, hub_killed = false;
  // Bounded: a round whose children do not end within 60 s is a problem, and the loop stops.
  while (ms_since(t0) < 60000) {
    const int64_t now = ms_since(t0);
    if (!killed && now >= kill_at) {
      killed = true;
      if (kind == Kind::kHub) {
        m_hub->kill_now();
        hub_killed = true;
        ++m_report.hub_kills;
        // What the next hub opens must be a sound database, whatever instant the kill hit.
        const std::string check = integrity_check(m_hub_data + "/hub.db");
        if (check != "ok") problem("hub.db after a kill in round " + std::to_string(m_report.rounds) + ": " + check);
        start_hub();  // on failure the problem is recorded and the loop ends after this round
      } else {
        Office& o = m_offices[victim];
        if (o.agent && o.agent->kill_now()) {
          ++m_report.agent_kills;
          if (o.agent_runs) ++m_report.agent_run_kills;
          o.agent.reset();
          const std::string check = integrity_check(o.data + "/agent.db");
          if (check != "ok") problem("office " + o.unit + " agent.db after a kill: " + check);
        } else {
          ++m_report.missed_agent_kills;  // its sync was already over: try again next round
        }
      }
    }
    bool busy = !killed;
    for (Office& o : m_offices) {
      if (o.clerk && !o.clerk->running()) settle_clerk_action(o);
      if (!o.clerk && o.next_action < o.plan.size() && o.plan[o.next_action].at_ms <= now) {
        start_clerk_action(o, o.plan[o.next_action++]);
      }
      if (o.agent && !o.agent_runs && !o.agent->running()) settle_agent(o, hub_killed);
      busy = busy || o.clerk || o.next_action < o.plan.size() || (o.agent && !o.agent_runs);
    }
    if (!busy) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (Office& o : m_offices) {
    if (o.clerk) {
      problem("office " + o.unit + ": a clerk's action did not finish within 60 s");
      o.clerk.reset();
    }
    if (!o.agent) continue;
    if (o.agent_runs) {
      // The service loop stops on SIGTERM after its current step, with status 0. It handles the
      // signal only once it has blocked it at start, so wait for its first line: a SIGTERM in its
      // first milliseconds would end it the default way, like a kill.
      for (int wait = 0; wait < 2000 && o.agent->running(); ++wait) {
        if (o.agent->err().find("motcua-agent: running for") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (!o.agent->terminate(20000) || o.agent->exit_code() != 0) {
        problem("office " + o.unit + ": `run` did not stop cleanly on SIGTERM: " + one_line(o.agent->describe()));
      }
      o.agent.reset();
    } else {
      problem("office " + o.unit + ": `sync` did not finish within 60 s: " + one_line(o.agent->describe()));
      o.agent.reset();
    }
  }
}

// Everything is sent once more with nobody killing anything: each office must end with nothing
// pending (a few attempts: the first may still meet a batch the hub applied but never answered).
void Loop::final_sync() {
  if (!m_hub->running() && !start_hub()) return;
  for (Office& o : m_offices) {
    bool done = false;
    std::string last;
    for (int attempt = 0; attempt < 5 && !done; ++attempt) {
      auto s = command({agent_exe(), "sync", "--data", o.data, "--json"}, "final-sync");
      const json r = json_out(s->out());
      done = s->exit_code() == 0 && r.contains("pending_changes") && r["pending_changes"] == 0;
      last = s->describe();
    }
    if (!done) problem("office " + o.unit + " could not finish syncing after the loop: " + one_line(last));
  }
}

// The rows of `table` whose origin is `unit`: hex id → every column, each as an SQL literal.
std::map<std::string, std::string> fact_rows(sql::Db& db, const std::string& table,
                                             const std::vector<std::string>& cols, const std::string& unit,
                                             std::string& error) {
  std::string expr;
  for (const auto& c : cols) expr += (expr.empty() ? "" : " || '|' || ") + std::string("quote(") + c + ")";
  std::map<std::string, std::string> out;
  auto st = db.prepare("SELECT hex(id), " + expr + " FROM " + table + " WHERE origin_unit = ?1");
  if (!st) {
    error = st.error().message;
    return out;
  }
  st->bind(1, unit);
  while (true) {
    auto row = st->step();
    if (!row) {
      error = row.error().message;
      break;
    }
    if (!*row) break;
    out[st->text(0)] = st->text(1);
  }
  return out;
}

std::vector<std::string> columns_of(sql::Db& db, const std::string& table) {
  std::vector<std::string> cols;
  auto st = db.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid");
  if (!st) return cols;
  st->bind(1, table);
  while (true) {
    auto row = st->step();
    if (!row || !*row) break;
    cols.push_back(st->text(0));
  }
  return cols;
}

int64_t scalar(sql::Db& db, const std::string& query, const std::string& bind1 = "") {
  auto st = db.prepare(query);
  if (!st) return -1;
  if (!bind1.empty()) st->bind(1, bind1);
  auto row = st->step();
  if (!row || !*row) return -1;
  return st->int64(0);
}

void Loop::compare_office(sql::Db& hub, Office& o) {
  auto opened = sql::Db::open(o.data + "/agent.db", sql::Db::Options{false, true, 5000});
  if (!opened) {
    problem("office " + o.unit + ": cannot open agent.db: " + opened.error().message);
    return;
  }
  sql::Db& office = *opened;
  const std::string at = "office " + o.unit + ": ";

  // Row by row, every column: the hub holds exactly the office's facts, no more, no fewer.
  for (const char* table : kFactTables) {
    const auto cols = columns_of(hub, table);
    if (cols.empty() || cols != columns_of(office, table)) {
      problem(at + std::string(table) + " has other columns at the hub than at the office");
      continue;
    }
    std::string err;
    const auto hub_rows = fact_rows(hub, table, cols, o.unit, err);
    const auto office_rows = fact_rows(office, table, cols, o.unit, err);
    if (!err.empty()) problem(at + "reading " + table + ": " + err);
    int shown = 0;
    for (const auto& [id, row] : office_rows) {
      auto h = hub_rows.find(id);
      if (h == hub_rows.end()) {
        if (shown++ < 5) problem(at + "LOST: " + table + " " + id + " is at the office but not at the hub");
      } else if (h->second != row) {
        if (shown++ < 5) problem(at + "DIVERGED: " + table + " " + id + " hub " + h->second + " office " + row);
      }
    }
    for (const auto& [id, row] : hub_rows) {
      if (!office_rows.count(id) && shown++ < 5)
        problem(at + "EXTRA: " + table + " " + id + " is at the hub only: " + row);
    }
    if (shown > 5) problem(at + std::to_string(shown) + " differences in " + table + " in all");
  }

  // Against what the clerks did: every saved action is there once (the office itself lost nothing).
  const int64_t dossiers = scalar(hub, "SELECT count(*) FROM dossier WHERE origin_unit = ?1", o.unit);
  const int64_t events = scalar(hub, "SELECT count(*) FROM dossier_event WHERE origin_unit = ?1", o.unit);
  const int64_t documents = scalar(hub, "SELECT count(*) FROM dossier_document WHERE origin_unit = ?1", o.unit);
  if (dossiers != o.receives || events != o.status_changes || documents != 2 * o.receives) {
    problem(at + "the clerks received " + std::to_string(o.receives) + " dossiers (" + std::to_string(2 * o.receives) +
            " documents) and made " + std::to_string(o.status_changes) + " status changes; the hub holds " +
            std::to_string(dossiers) + " dossiers, " + std::to_string(documents) + " documents, " +
            std::to_string(events) + " events");
  }
  std::set<std::string> codes;
  {
    auto st = hub.prepare("SELECT code FROM dossier WHERE origin_unit = ?1");
    if (st) {
      st->bind(1, o.unit);
      while (true) {
        auto row = st->step();
        if (!row || !*row) break;
        codes.insert(st->text(0));
      }
    }
  }
  // The state each office derives from its facts is the one its clerks left.
  auto state = office.prepare("SELECT status FROM dossier_state WHERE code = ?1");
  for (const Dossier& d : o.dossiers) {
    if (!codes.count(d.code)) problem(at + "LOST: dossier " + d.code + " is not at the hub");
    if (!state) continue;
    state->reset();
    state->bind(1, d.code);
    auto row = state->step();
    const int64_t status = row && *row ? state->int64(0) : -1;
    if (status != d.status) {
      problem(at + "dossier " + d.code + " shows status " + std::to_string(status) + " after status " +
              std::to_string(d.status) + " was saved");
    }
  }

  // Nothing left to send or set aside; the hub's high-water mark is the office's last change.
  const int64_t open_rows = scalar(office, "SELECT count(*) FROM outbox WHERE state <> 'acknowledged'");
  const int64_t open_batches = scalar(
      office, "SELECT count(*) FROM outbox_batch WHERE acked_at IS NULL OR ack_status NOT IN ('applied', 'duplicate')");
  if (open_rows != 0 || open_batches != 0) {
    problem(at + std::to_string(open_rows) + " outbox rows not acknowledged, " + std::to_string(open_batches) +
            " batches not acknowledged as applied or duplicate");
  }
  const int64_t last_seq = scalar(office, "SELECT coalesce(max(seq), 0) FROM outbox");
  const int64_t high_water =
      scalar(hub, "SELECT high_water_seq FROM agent WHERE lower(hex(id)) = lower(?1)", o.agent_id);
  if (high_water != last_seq) {
    problem(at + "the hub's high-water mark is " + std::to_string(high_water) + ", the office's last change " +
            std::to_string(last_seq));
  }
  m_report.resent_duplicates += scalar(office, "SELECT count(*) FROM outbox_batch WHERE ack_status = 'duplicate'");
  const std::string check = integrity_check(o.data + "/agent.db");
  if (check != "ok") problem(at + "agent.db: " + check);
}

void Loop::compare() {
  auto opened = sql::Db::open(m_hub_data + "/hub.db", sql::Db::Options{false, true, 5000});
  if (!opened) {
    problem("cannot open hub.db: " + opened.error().message);
    return;
  }
  sql::Db& hub = *opened;
  for (Office& o : m_offices) compare_office(hub, o);

  // Each dossier, event and document exactly once: the clerks never repeated a code, a transition
  // or a document position.
  const int64_t same_code = scalar(hub, "SELECT count(*) - count(DISTINCT code) FROM dossier");
  const int64_t same_transition = scalar(
      hub,
      "SELECT count(*) FROM (SELECT 1 FROM dossier_event GROUP BY dossier_id, kind, to_status HAVING count(*) > 1)");
  const int64_t same_document = scalar(
      hub, "SELECT count(*) FROM (SELECT 1 FROM dossier_document GROUP BY dossier_id, position HAVING count(*) > 1)");
  if (same_code != 0 || same_transition != 0 || same_document != 0) {
    problem("DUPLICATED at the hub: " + std::to_string(same_code) + " repeated dossier codes, " +
            std::to_string(same_transition) + " repeated status transitions, " + std::to_string(same_document) +
            " repeated document positions");
  }
  std::string units;
  for (const Office& o : m_offices) units += (units.empty() ? "'" : ", '") + o.unit + "'";
  for (const char* table : kFactTables) {
    const int64_t strangers =
        scalar(hub, "SELECT count(*) FROM " + std::string(table) + " WHERE origin_unit NOT IN (" + units + ")");
    if (strangers != 0) problem(std::to_string(strangers) + " " + table + " rows at the hub come from no office");
  }
  const int64_t set_aside = scalar(hub, "SELECT count(*) FROM batch WHERE status <> 'applied'");
  if (set_aside != 0) problem(std::to_string(set_aside) + " batches at the hub were quarantined or refused");
  m_report.hub_dossiers = scalar(hub, "SELECT count(*) FROM dossier");
  m_report.hub_events = scalar(hub, "SELECT count(*) FROM dossier_event");
  m_report.hub_documents = scalar(hub, "SELECT count(*) FROM dossier_document");
  const std::string check = integrity_check(m_hub_data + "/hub.db");
  if (check != "ok") problem("hub.db: " + check);
}

void Loop::run() {
  if (m_options.log) {
    *m_options.log << "crash loop seed=" << m_report.seed << " kills=" << m_options.kills
                   << " offices=" << m_options.offices << " (replay: MOTCUA_CRASH_SEED=" << m_report.seed << ")"
                   << std::endl;
  }
  if (m_options.offices < 1 || m_options.offices > kMaxOffices || m_options.kills < 0 || m_options.max_delay_ms < 1 ||
      m_options.work_dir.empty()) {
    problem("bad options: 1-" + std::to_string(kMaxOffices) + " offices, kills >= 0, max delay >= 1 ms, a work dir");
    return;
  }
  if (!setup()) return;
  const int max_rounds = 20 * m_options.kills + 20;  // missed agent kills are retried, within reason
  while (m_report.kills() < m_options.kills && m_report.rounds < max_rounds && time_left() &&
         m_report.problems.empty()) {
    round();
    if (m_options.log && m_report.rounds % 100 == 0) {
      *m_options.log << "  round " << m_report.rounds << ": " << m_report.agent_kills << " agent kills, "
                     << m_report.hub_kills << " hub kills" << std::endl;
    }
  }
  if (m_report.kills() < m_options.kills) {
    problem("only " + std::to_string(m_report.kills()) + " of " + std::to_string(m_options.kills) + " kills in " +
            std::to_string(m_report.rounds) + " rounds and " + std::to_string(ms_since(m_started)) + " ms");
  }
  final_sync();
  compare();
  if (m_hub) m_hub->terminate(10000);
}

}  // namespace

std::string CrashLoopReport::summary() const {
  std::ostringstream s;
  s << "seed=" << seed << " kills=" << kills() << " (agent " << agent_kills << " of which run " << agent_run_kills
    << ", hub " << hub_kills << ", missed " << missed_agent_kills << ") rounds=" << rounds << " syncs_ok=" << syncs_ok
    << " clerk_actions=" << (clerk_receives + clerk_status_changes) << " (receive " << clerk_receives << ", status "
    << clerk_status_changes << ") hub_rows=" << hub_dossiers << "/" << hub_events << "/" << hub_documents
    << " (dossier/event/document) resent_duplicates=" << resent_duplicates << " duration_ms=" << duration_ms
    << " verdict=" << (ok() ? "OK: zero lost, zero duplicated, all converged" : "FAILED");
  return s.str();
}

uint64_t crash_seed_from_env(uint64_t fallback) {
  const char* env = std::getenv("MOTCUA_CRASH_SEED");
  if (!env || !*env) return fallback;
  try {
    return std::stoull(env);
  } catch (const std::exception&) {
    return fallback;
  }
}

CrashLoopReport run_crash_loop(const CrashLoopOptions& options) {
  CrashLoopReport report;
  report.seed =
      options.seed != 0 ? options.seed : (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  if (report.seed == 0) report.seed = 1;
  const auto started = SteadyClock::now();
  Loop loop(options, report);
  try {
    loop.run();
  } catch (const std::exception& e) {
    report.problems.push_back(std::string("the loop stopped: ") + e.what());
  }
  report.duration_ms = ms_since(started);
  if (options.log) *options.log << "crash loop " << report.summary() << std::endl;
  return report;
}

std::string integrity_check(const std::string& db_path) {
  // Read-write: a database left by a killed process may need its WAL recovered, as the restarted
  // process would do first.
  auto db = sql::Db::open(db_path, sql::Db::Options{false, false, 5000});
  if (!db) return "cannot open: " + db.error().message;
  auto st = db->prepare("PRAGMA integrity_check");
  if (!st) return "cannot check: " + st.error().message;
  std::string out;
  while (true) {
    auto row = st->step();
    if (!row) return "cannot check: " + row.error().message;
    if (!*row) break;
    out += (out.empty() ? "" : "; ") + st->text(0);
  }
  return out;
}

}  // namespace motcua::test
