// The hub's real queries, as the hub runs them, against a hub with a year of dossiers and a fleet of
// offices (bench/hub_dataset.hpp, at a test's size): every statement executed on a connection to
// the hub's database is captured with sqlite3_trace_v2 (installed on each new connection through
// sqlite3_auto_extension, so the code under test is unchanged), then its EXPLAIN QUERY PLAN is
// read and a full scan of a table that grows with the province's activity fails the test, unless
// the statement is one of the few allowed to (kAllowedScans, each with its reason).
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/dossiers.hpp"
#include "agent/report.hpp"
#include "agent/store.hpp"
#include "agent/sync.hpp"
#include "bench/hub_dataset.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"
#include "hub/dossier_actions.hpp"
#include "hub/enrollment.hpp"
#include "hub/http.hpp"
#include "hub/hub_store.hpp"
#include "hub/it_accounts.hpp"
#include "hub/quarantine.hpp"
#include "hub/service.hpp"
#include "hub/status.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
namespace fs = std::filesystem;

namespace {

// Tables small by nature, which a query may read whole: they grow with the province's units and
// its publications, never with dossiers, syncs or reports.
const std::map<std::string, const char*> kSmallTables = {
    {"unit", "the province's units: about a hundred communes and agencies (3,321 communes in the whole country)"},
    {"agent", "one active agent per unit, and the few it replaced"},
    {"agent_report", "each agent's latest report: one row per agent"},
    {"meta", "the hub's settings"},
    {"enrollment_code", "codes provincial IT issued, a few per unit"},
    {"it_account", "provincial IT staff"},
    {"it_session", "their open sessions"},
    {"procedure", "the catalogue: a few thousand procedures and their versions"},
    {"catalog_publication", "one row per catalogue publication"},
    {"calendar_publication", "one row per calendar publication"},
    {"calendar_day", "the published days off and make-up days"},
    {"publication", "one row per publication"},
    {"dictionary", "one row per published compression dictionary"},
    {"sqlite_master", "the schema itself (the migration runner counts it)"},
};

// Statements allowed to read a whole large table: a fragment of the statement's SQL, the table, and
// why no index would serve it.
struct AllowedScan {
  const char* sql;
  const char* table;
  const char* why;
};
const std::vector<AllowedScan> kAllowedScans = {
    {"FROM dossier d LEFT JOIN dossier_state s", "dossier",
     "the statistics of a period (hub/report.cpp) count every dossier received before its end and still open at its "
     "start, carried-over ones of earlier years included: one pass over the dossiers in rowid order, their state and "
     "events found by key"},
    {"FROM dossier d LEFT JOIN dossier_state s", "dossier_conflict",
     "the same report leaves out events that lost in the fold: the conflicts (about one per thousand dossiers) are "
     "listed once per report"},
    {"FROM dossier_conflict c JOIN dossier_unit du", "dossier_conflict",
     "conflicts per unit on the fleet page: one pass over the conflicts (about one per thousand dossiers), each "
     "joined to its units by key"},
    {"FROM dossier_unit du JOIN dossier_conflict c", "dossier_conflict",
     "an office's conflicts on its page: with statistics SQLite reads the few conflicts and keeps the office's, "
     "cheaper than every dossier the office touched"},
    {"FROM dossier_conflict c JOIN dossier_event e", "dossier_conflict",
     "the conflicts list, newest first by the lost event's clock, which lives in dossier_event: every conflict is "
     "read (about one per thousand dossiers) and sorted"},
    {"FROM dossier_conflict c JOIN dossier_event e", "dossier_event",
     "the same list without statistics (the hub never runs ANALYZE): SQLite cannot tell that conflicts are few and "
     "walks every event by its key to find theirs. No index serves that; only the query can say to read the "
     "conflicts first (CROSS JOIN in hub/dossier_actions.cpp). An IT command, not a page"},
    {"FROM audit_log ORDER BY seq DESC LIMIT 1", "audit_log",
     "the audit chain's last entry: its rowid b-tree read from the end, one row (EXPLAIN QUERY PLAN calls that a "
     "scan)"},
};

// Every statement run on connections to one database file while an activity is named.
class StatementLog {
 public:
  static StatementLog& instance() {
    static StatementLog log;
    return log;
  }

  // From now on, every new connection to `db_path` is traced.
  void start(const std::string& db_path) {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_db_path = db_path;
    }
    REQUIRE(sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(&StatementLog::on_open)) == SQLITE_OK);
  }
  void stop() { sqlite3_cancel_auto_extension(reinterpret_cast<void (*)(void)>(&StatementLog::on_open)); }

  // What the test drives now; statements run while it is empty (the test's own reads) are not kept.
  void set_activity(const std::string& what) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_activity = what;
  }

  // SQL text -> the activities it ran in.
  std::map<std::string, std::set<std::string>> statements() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_statements;
  }

 private:
  static int on_open(sqlite3* db, const char** /*error*/, const sqlite3_api_routines* /*api*/) {
    const char* file = sqlite3_db_filename(db, "main");
    StatementLog& log = instance();
    std::string path;
    {
      std::lock_guard<std::mutex> lock(log.m_mutex);
      path = log.m_db_path;
    }
    std::error_code ec;
    if (file && *file && !path.empty() && fs::equivalent(file, path, ec)) {
      sqlite3_trace_v2(db, SQLITE_TRACE_STMT, &StatementLog::on_statement, nullptr);
    }
    return SQLITE_OK;
  }

  static int on_statement(unsigned type, void* /*context*/, void* p, void* x) {
    if (type != SQLITE_TRACE_STMT) return 0;
    // A trigger's statements come as "-- TRIGGER name"; the statement that fired it is logged itself.
    const char* text = static_cast<const char*>(x);
    if (text && std::strncmp(text, "--", 2) == 0) return 0;
    const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(p));
    if (!sql) return 0;
    StatementLog& log = instance();
    std::lock_guard<std::mutex> lock(log.m_mutex);
    if (!log.m_activity.empty()) log.m_statements[sql].insert(log.m_activity);
    return 0;
  }

  mutable std::mutex m_mutex;
  std::string m_db_path;
  std::string m_activity;
  std::map<std::string, std::set<std::string>> m_statements;
};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string unquote(std::string name) {
  name.erase(std::remove(name.begin(), name.end(), '"'), name.end());
  if (upper(name).rfind("MAIN.", 0) == 0) name = name.substr(5);
  return name;
}

// Statements with no query plan worth reading: transactions, settings, schema changes.
bool plan_free(const std::string& sql) {
  const size_t start = sql.find_first_not_of(" \t\r\n");
  const std::string head = upper(sql.substr(start == std::string::npos ? sql.size() : start, 16));
  for (const char* word : {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "CREATE", "DROP",
                           "ALTER", "ANALYZE", "VACUUM", "ATTACH", "DETACH", "REINDEX"}) {
    if (head.rfind(word, 0) == 0) return true;
  }
  return false;
}

// Which table each name in FROM/JOIN/UPDATE/INTO stands for (its alias, or itself): EXPLAIN QUERY
// PLAN names a table by its alias when it has one.
std::multimap<std::string, std::string> aliases(const std::string& sql) {
  static const std::regex table_ref(
      R"re((?:FROM|JOIN|UPDATE|INTO|,)\s+((?:"?main"?\.)?"?[A-Za-z_][A-Za-z0-9_]*"?)(?:\s+(?:AS\s+)?([A-Za-z_][A-Za-z0-9_]*))?)re",
      std::regex::icase);
  std::multimap<std::string, std::string> out;
  for (auto it = std::sregex_iterator(sql.begin(), sql.end(), table_ref); it != std::sregex_iterator(); ++it) {
    const std::string table = unquote((*it)[1].str());
    out.emplace(table, table);
    if ((*it)[2].matched) out.emplace((*it)[2].str(), table);
  }
  return out;
}

// Names a statement defines for itself: common table expressions.
std::set<std::string> cte_names(const std::string& sql) {
  static const std::regex cte(
      R"re((?:WITH|,)\s*(?:RECURSIVE\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:\([^)]*\))?\s+AS\s*(?:NOT\s+)?(?:MATERIALIZED\s*)?\()re",
      std::regex::icase);
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(sql.begin(), sql.end(), cte); it != std::sregex_iterator(); ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

struct PlanCheck {
  std::vector<std::string> violations;   // each with its SQL, its whole plan and what ran it
  std::vector<std::string> allowed;      // whole-table reads kAllowedScans accepts, for the record
  std::vector<std::string> index_reads;  // whole reads of a covering or partial index, for the record
  int explained = 0;
};

std::set<std::string> names_of(sql::Db& db, const std::string& query) {
  std::set<std::string> out;
  auto st = db.prepare(query);
  REQUIRE(st);
  while (true) {
    auto row = st->step();
    REQUIRE(row);
    if (!*row) break;
    out.insert(st->text(0));
  }
  return out;
}

// How many min() or max() of `sql` stop at their first row (SQLite's min/max optimisation: AggStep
// then Goto out of the loop). EXPLAIN QUERY PLAN says "SEARCH t" for every min/max over a whole
// table, but without an index on its column the bytecode still reads every row.
int one_row_min_max(sql::Db& db, const std::string& sql) {
  auto st = db.prepare("EXPLAIN " + sql);
  REQUIRE(st);
  std::vector<std::pair<std::string, std::string>> ops;  // opcode, p4
  while (true) {
    auto row = st->step();
    REQUIRE(row);
    if (!*row) break;
    ops.emplace_back(st->text(1), st->is_null(4) ? std::string() : st->text(4));
  }
  int n = 0;
  for (size_t i = 0; i + 1 < ops.size(); ++i) {
    const bool min_max = ops[i].second.rfind("min(", 0) == 0 || ops[i].second.rfind("max(", 0) == 0;
    n += ops[i].first == "AggStep" && min_max && ops[i + 1].first == "Goto";
  }
  return n;
}

// EXPLAIN QUERY PLAN of every statement on `db`. A large table (not in kSmallTables) read whole is
// a violation, unless kAllowedScans lists the statement and table: "SCAN t"; "SCAN t USING INDEX
// i" with i neither covering nor partial (every row, in the index's order, and each looked up in
// the table); and a bare "SEARCH t" whose min() or max() has no index to stop at. Reading a whole
// covering index, or a partial index, is allowed and recorded.
PlanCheck check_plans(sql::Db& db, const std::map<std::string, std::set<std::string>>& statements) {
  std::set<std::string> tables = names_of(db, "SELECT name FROM sqlite_schema WHERE type = 'table'");
  tables.insert("sqlite_master");
  const std::set<std::string> partial =
      names_of(db, "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql LIKE '% WHERE %'");
  PlanCheck out;
  for (const auto& [sql, activities] : statements) {
    if (plan_free(sql)) continue;
    std::string where;
    for (const auto& a : activities) where += (where.empty() ? "" : "; ") + a;
    auto st = db.prepare("EXPLAIN QUERY PLAN " + sql);
    if (!st) {
      out.violations.push_back("cannot explain (" + st.error().message + "):\n  " + sql + "\n  run by: " + where);
      continue;
    }
    ++out.explained;
    struct Line {
      int64_t id, parent;
      std::string detail;
    };
    std::vector<Line> lines;
    while (true) {
      auto row = st->step();
      REQUIRE(row);
      if (!*row) break;
      lines.push_back({st->int64(0), st->int64(1), st->text(3)});
    }
    std::string plan;
    std::map<int64_t, int> depth;
    int bare_searches = 0;
    for (const Line& l : lines) {
      depth[l.id] = depth.count(l.parent) ? depth[l.parent] + 1 : 0;
      plan += "\n    " + std::string(static_cast<size_t>(2 * depth[l.id]), ' ') + l.detail;
      bare_searches += l.detail.rfind("SEARCH ", 0) == 0 && l.detail.find(' ', 7) == std::string::npos;
    }
    const bool min_max_stops = bare_searches > 0 && one_row_min_max(db, sql) >= bare_searches;
    const auto names = aliases(sql);
    const auto ctes = cte_names(sql);
    for (const Line& l : lines) {
      const bool scan = l.detail.rfind("SCAN ", 0) == 0;
      const bool bare_search = l.detail.rfind("SEARCH ", 0) == 0 && l.detail.find(' ', 7) == std::string::npos;
      if (!scan && !(bare_search && !min_max_stops)) continue;
      const std::string rest = l.detail.substr(scan ? 5 : 7);
      if (rest.rfind("CONSTANT ROW", 0) == 0 || rest.rfind("(", 0) == 0) continue;
      if (rest.find("VIRTUAL TABLE") != std::string::npos) continue;  // json_each, pragma_table_info
      const std::string name = rest.substr(0, rest.find(' '));
      std::set<std::string> read;
      if (tables.count(name)) read.insert(name);
      for (auto [it, end] = names.equal_range(name); it != end; ++it) {
        if (tables.count(it->second)) read.insert(it->second);
      }
      if (read.empty()) {
        if (ctes.count(name)) continue;
        out.violations.push_back("cannot tell which table \"" + l.detail + "\" reads:\n  " + sql + "\n  plan:" + plan +
                                 "\n  run by: " + where);
        continue;
      }
      const auto index_at = rest.find(" INDEX ");
      const std::string index =
          index_at == std::string::npos ? "" : rest.substr(index_at + 7, rest.find(' ', index_at + 7) - index_at - 7);
      const bool whole_index_only = rest.find(" USING COVERING INDEX ") != std::string::npos || partial.count(index);
      for (const std::string& table : read) {
        if (kSmallTables.count(table)) continue;
        if (whole_index_only) {
          out.index_reads.push_back(table + ": " + l.detail + "  <-  " + sql.substr(0, 120));
          continue;
        }
        const auto design = std::find_if(kAllowedScans.begin(), kAllowedScans.end(), [&](const AllowedScan& d) {
          return table == d.table && sql.find(d.sql) != std::string::npos;
        });
        if (design != kAllowedScans.end()) {
          out.allowed.push_back(table + " (" + design->why + ")");
          continue;
        }
        const std::string how =
            bare_search ? "\" (a min() or max() with no index on its column reads every row)" : "\"";
        out.violations.push_back("a whole table of " + table + " is read (\"" + l.detail + how + "):\n  " + sql +
                                 "\n  plan:" + plan + "\n  run by: " + where);
      }
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// A dossier code of the hub in `status`, read on a connection of its own.
std::string dossier_in_status(const std::string& db_path, int status) {
  auto db = sql::Db::open(db_path, {false, true, 5000});
  REQUIRE(db);
  auto st = db->prepare("SELECT code FROM dossier_state WHERE status = ?1 ORDER BY code LIMIT 1");
  REQUIRE(st);
  st->bind(1, status);
  auto row = st->step();
  REQUIRE(row);
  REQUIRE(*row);
  return st->text(0);
}

std::string holder_of(const std::string& db_path, const std::string& code) {
  auto db = sql::Db::open(db_path, {false, true, 5000});
  REQUIRE(db);
  auto st = db->prepare("SELECT holder_unit FROM dossier_state WHERE code = ?1");
  REQUIRE(st);
  st->bind(1, code);
  auto row = st->step();
  REQUIRE(row);
  REQUIRE(*row);
  return st->text(0);
}

}  // namespace

TEST_CASE("the hub's queries for the dashboard and for syncing offices read indexes, never a whole table of dossiers",
          "[hub][query_plan]") {
  test::TempDir dir;
  const std::string data = dir.file("hub");
  const std::string db_path = hub::HubStore::database_path(data);
  ManualClock clock(*parse_rfc3339("2026-11-27T10:00:00+07:00"));

  // A hub with the province's ~100 offices, their agents' reports and batches, and a year of dossiers.
  std::vector<std::string> offices;
  {
    REQUIRE(bench::init_bench_hub(data, clock, 0));
    auto db = bench::open_generating_db(data);
    REQUIRE(db);
    bench::FleetOptions fleet;
    fleet.now = clock.now();
    fleet.reports_per_agent = 30;
    fleet.batches_per_agent = 100;
    REQUIRE(bench::generate_fleet(*db, fleet));
    auto units = bench::office_units(*db);
    REQUIRE(units);
    offices = *units;
    bench::DossierOptions options;
    options.count = 20000;
    options.now = clock.now();
    options.last_day = vn_date(clock.now());
    options.first_day = add_days(options.last_day, -364);
    options.units = offices;
    options.with_conflicts = true;
    REQUIRE(bench::generate_dossiers(*db, options));
  }
  REQUIRE(offices.size() >= 3);
  {
    auto store = hub::HubStore::open(data, clock);
    REQUIRE(store);
    REQUIRE(hub::add_it_account(store->db(), clock, "cntt", "Cán bộ CNTT tỉnh", "mat-khau-2026"));
  }

  StatementLog& log = StatementLog::instance();
  log.start(db_path);
  struct StopTrace {
    StatementLog& log;
    ~StopTrace() {
      log.set_activity("");
      log.stop();
    }
  } stop_trace{log};

  auto service = hub::HubService::create(data, clock);
  REQUIRE(service);
  hub::HubService* handler = service->get();
  // A port that was free a moment ago; another process may take it first, so a few are tried.
  Result<std::unique_ptr<hub::HttpServer>> server = fail(Error::unavailable("not started"));
  for (int attempt = 0; attempt < 5 && !server; ++attempt) {
    hub::HttpServerOptions http;
    http.port = test::free_loopback_port();
    server = hub::start_http_server(http, [handler](const hub::HttpRequest& r) { return handler->handle(r); });
  }
  INFO((server ? std::string() : server.error().message));
  REQUIRE(server);
  const std::string hub_url = "http://127.0.0.1:" + std::to_string((*server)->port());

  // Provincial IT on the dashboard (through HubService::handle, as `serve` dispatches it).
  log.set_activity("POST /login");
  hub::HttpRequest login;
  login.method = "POST";
  login.target = "/login";
  login.headers = {{"host", "127.0.0.1:8443"}, {"content-type", "application/x-www-form-urlencoded"}};
  login.body = "username=cntt&password=mat-khau-2026";
  const hub::HttpResponse signed_in = (*service)->handle(login);
  REQUIRE(signed_in.status == 303);
  std::string cookie;
  for (const auto& [name, value] : signed_in.headers) {
    if (name == "Set-Cookie") cookie = value.substr(0, value.find(';'));
  }
  REQUIRE_FALSE(cookie.empty());
  auto get = [&](const std::string& target) {
    log.set_activity("GET " + target);
    hub::HttpRequest r;
    r.method = "GET";
    r.target = target;
    r.headers = {{"host", "127.0.0.1:8443"}, {"cookie", cookie}};
    const hub::HttpResponse response = (*service)->handle(r);
    INFO("GET " << target << ": " << response.body.substr(0, 300));
    CHECK(response.status == 200);
    return response.body;
  };
  get("/");
  get("/?state=red");
  get("/?kind=commune&q=phuong");
  const auto status = nlohmann::json::parse(get("/api/status"));
  get("/metrics");
  for (size_t i = 0; i < 3 && i < status["units"].size(); ++i) {
    get("/office/" + status["units"][i]["unit"].get<std::string>());
  }
  for (const auto& u : status["units"]) {
    if (u["quarantined_batches"].get<int64_t>() > 0 || u["conflicts"].get<int64_t>() > 0) {
      get("/office/" + u["unit"].get<std::string>());
      break;
    }
  }
  get("/reports?from=2026-01-01&to=2026-12-31&by=unit");
  get("/reports?from=2026-10-01&to=2026-10-31&by=procedure");
  get("/reports.csv?from=2026-01-01&to=2026-06-30&by=field");
  get("/api/report?from=2026-11-01&to=2026-11-30&by=unit");

  // What `motcua-hub status`, `quarantine list` and `dossier ...` read and do on the same database.
  {
    auto store = hub::HubStore::open(data, clock);
    REQUIRE(store);
    log.set_activity("motcua-hub status");
    CHECK(hub::hub_status(*store));
    log.set_activity("motcua-hub quarantine list");
    CHECK(hub::list_quarantined(*store));
    log.set_activity("motcua-hub dossier conflicts");
    CHECK(hub::list_conflicts(*store, {}));
    log.set_activity("motcua-hub dossier conflicts --unit");
    CHECK(hub::list_conflicts(*store, {offices[0], 500}));
    log.set_activity("");
    const std::string processing = dossier_in_status(db_path, 4);
    const std::string holder = holder_of(db_path, processing);
    log.set_activity("motcua-hub dossier show");
    CHECK(hub::hub_dossier_json(*store, processing));
    log.set_activity("motcua-hub dossier set-status");
    auto stepped =
        hub::hub_set_status(*store, {holder, "cntt"}, processing, domain::DossierStatus::kResolved, "Lãnh đạo đã ký");
    INFO((stepped ? std::string() : stepped.error().message));
    CHECK(stepped);
  }

  // An office syncing over loopback HTTP: enrollment (it replaces the unit's agent), its feed, a
  // batch of new dossiers and steps with a hand-over to another office, a second batch, a report.
  {
    const std::string unit = offices[1];
    std::string code;
    {
      log.set_activity("");
      auto store = hub::HubStore::open(data, clock);
      REQUIRE(store);
      log.set_activity("motcua-hub enroll-code");
      auto c = hub::create_enrollment_code(store->db(), unit, 72, clock.now());
      REQUIRE(c);
      code = c->code;
    }
    const std::string office = dir.file("office");
    log.set_activity("POST /v1/enroll, GET /v1/feed");
    auto enrolled = agent::enroll({office, hub_url, code, "", ""}, clock);
    REQUIRE(enrolled);
    REQUIRE_FALSE(enrolled->feed_error);
    log.set_activity("");
    auto store = agent::Store::open(office, false, clock);
    REQUIRE(store);
    std::vector<std::string> codes;
    for (int i = 0; i < 6; ++i) {
      agent::ReceiveRequest r;
      r.procedure = "1.001193";
      r.applicant = "Nguyễn Thị Hạnh";
      r.citizen_id = "03319800123" + std::to_string(i);
      r.address = "Thôn Đông, Xã Tân Tiến, Tỉnh Hưng Yên";
      r.documents = {{"Tờ khai theo mẫu", "chinh", 1}};
      auto received = agent::receive(*store, r);
      REQUIRE(received);
      codes.push_back(received->code);
    }
    REQUIRE(agent::set_status(*store, {codes[0], 4, "", "canbo.mc1"}));
    REQUIRE(agent::set_status(*store, {codes[1], 4, "", "canbo.mc1"}));
    REQUIRE(agent::transfer(*store, {codes[1], offices[2], "Chuyển xử lý liên thông", "canbo.mc1"}));
    log.set_activity("POST /v1/batches (first), GET /v1/feed");
    auto first = agent::sync_outbox(*store);
    INFO((first ? std::string() : first.error().message));
    REQUIRE(first);
    CHECK(first->applied >= 1);
    log.set_activity("");
    REQUIRE(agent::set_status(*store, {codes[0], 9, "", "canbo.mc1"}));
    REQUIRE(agent::set_status(*store, {codes[0], 10, "", "canbo.mc1"}));
    log.set_activity("POST /v1/batches (next), GET /v1/feed");
    auto next = agent::sync_outbox(*store);
    INFO((next ? std::string() : next.error().message));
    REQUIRE(next);
    CHECK(next->applied >= 1);
    log.set_activity("POST /v1/report");
    auto sent = agent::send_hub_report(*store, "0.9.0");
    INFO((sent ? std::string() : sent.error().message));
    CHECK(sent);
    log.set_activity("GET /office/ after the sync");
  }
  get("/office/" + offices[1]);
  log.set_activity("");
  CHECK((*server)->stop());

  const auto statements = log.statements();
  // The trace saw what it must: the dashboard's aggregates, the intake's writes, a batch applied by
  // the session extension, the report's scan.
  for (const char* expected :
       {"FROM dossier GROUP BY receiving_unit", "SELECT status, count(*) FROM batch", "FROM batch b JOIN agent a",
        "INSERT INTO batch", "FROM dossier d LEFT JOIN dossier_state s", "INSERT INTO main.\"dossier\"",
        "FROM feed_entry f", "FROM dossier_conflict c JOIN dossier_event e"}) {
    INFO("a statement containing: " << expected);
    CHECK(std::any_of(statements.begin(), statements.end(),
                      [&](const auto& s) { return s.first.find(expected) != std::string::npos; }));
  }

  // As the hub runs in production (nothing runs ANALYZE) and with statistics gathered.
  for (const bool analyzed : {false, true}) {
    auto db = sql::Db::open(db_path, {false, false, 5000});
    REQUIRE(db);
    REQUIRE(db->exec(analyzed ? "ANALYZE" : "DROP TABLE IF EXISTS sqlite_stat1; DROP TABLE IF EXISTS sqlite_stat4"));
    auto reopened = sql::Db::open(db_path, {false, true, 5000});  // plans are made with what the file says
    REQUIRE(reopened);
    const PlanCheck check = check_plans(*reopened, statements);
    INFO((analyzed ? "with ANALYZE statistics" : "without statistics, as the hub runs")
         << ": " << check.explained << " statements explained");
    INFO("whole-table reads accepted:\n" << joined(check.allowed));
    INFO("whole reads of a covering or partial index:\n" << joined(check.index_reads));
    INFO("full scans of large tables:\n" << joined(check.violations));
    CHECK(check.explained >= 40);
    CHECK(check.violations.empty());
  }
}

TEST_CASE("a query that reads a whole table of dossiers is caught, and one that searches an index is not",
          "[hub][query_plan]") {
  test::TempDir dir;
  ManualClock clock(*parse_rfc3339("2026-11-27T10:00:00+07:00"));
  REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
  auto store = hub::HubStore::open(dir.file("hub"), clock);
  REQUIRE(store);
  const std::map<std::string, std::set<std::string>> statements = {
      {"SELECT code FROM dossier d WHERE d.applicant_name = ?1", {"a search by name"}},
      {"SELECT count(*) FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id WHERE d.code = ?1", {"by code"}},
      {"SELECT code, name FROM unit", {"the units"}},
  };
  const PlanCheck check = check_plans(store->db(), statements);
  INFO(joined(check.violations));
  REQUIRE(check.violations.size() == 1);
  CHECK(check.violations[0].find("SCAN d") != std::string::npos);
  CHECK(check.violations[0].find("applicant_name") != std::string::npos);
}
