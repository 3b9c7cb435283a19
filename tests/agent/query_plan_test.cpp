// The clerk's screens stay fast on an office with a million dossiers only while every query they
// make reads an index: a query that falls back to reading a whole table costs nothing in a test
// office and seconds in a real one. This test records the real statements (sqlite3_trace_v2 on
// every connection, the web UI's included) while the screens and commands run on an office of a
// few thousand dossiers, then asks SQLite for each statement's plan (EXPLAIN QUERY PLAN) and fails,
// printing the statement and its plan, when a table that grows with the office's history is read
// from end to end:
//   - "SCAN <table>": every row;
//   - "SCAN <table> USING [COVERING] INDEX <i>" in a statement with a WHERE clause: every entry of
//     the index, each row filtered (what SQLite does when the index that could seek is missing).
//     Without a WHERE clause walking an index is what the statement asks for: a count of every
//     dossier, or the first page of all of them in the index's order (a LIMIT ends the walk).
// "SEARCH", the integer key and a virtual table's own index (FTS5) are fine. Without ANALYZE
// statistics (the agent never runs ANALYZE) SQLite's plans do not depend on how many rows a table
// holds, so a few thousand dossiers stand for a million.
#include <httplib.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "agent/accounts.hpp"
#include "agent/counter.hpp"
#include "agent/dossiers.hpp"
#include "agent/report.hpp"
#include "agent/web/web_ui.hpp"
#include "common/text.hpp"
#include "tests/agent/agent_fixture.hpp"

namespace motcua {
namespace {

// Tables a plan may read whole: small by nature, not growing with the dossiers.
const std::map<std::string, std::string> kSmallTables = {
    {"sqlite_master", "the schema, read by the migration check at every open"},
    {"sqlite_schema", "the schema, read by the migration check at every open"},
    {"meta", "the office's settings: a few dozen keys"},
    {"procedure", "the catalogue, listed whole on the receive form (a province has about 2,000 procedures)"},
    {"unit", "the province's units, listed whole as hand-over targets (a few hundred)"},
    {"calendar_day", "the published days off, loaded whole to count working time (a few dozen a year)"},
    {"calendar_publication", "one row per calendar the hub published"},
    {"catalog_publication", "one row per catalogue the hub published"},
    {"compression_dictionary", "the few dictionaries the hub published"},
    {"clerk_account", "the office's clerks: a handful"},
    {"clerk_session", "sessions still alive: every sign-in deletes those past their time (common/sign_in.cpp)"},
    {"dossier_search_config", "the trigram index's own settings (FTS5 reads them whole): a row or two"},
    {"outbox_batch", "batches are pruned after the retention period (30 days of an office's uploads)"},
};

// Statements allowed to read a whole table, each for a reason that holds at any size.
bool scan_is_documented(const std::string& sql) {
  // search_dossiers: text shorter than three characters (or holding % _ \) cannot use the trigram
  // index and is compared row by row, as agent/counter.cpp says; every longer name uses the index.
  return sql.find("search_text LIKE ?1 ESCAPE") != std::string::npos;
}

struct Captured {
  std::mutex mutex;
  std::set<std::string> statements;
};
Captured g_captured;

int on_statement(unsigned type, void*, void* p, void*) {
  if (type != SQLITE_TRACE_STMT) return 0;
  const char* text = sqlite3_sql(static_cast<sqlite3_stmt*>(p));
  if (!text) return 0;
  std::lock_guard<std::mutex> lock(g_captured.mutex);
  g_captured.statements.insert(text);
  return 0;
}

int trace_new_connection(sqlite3* db, const char**, const sqlite3_api_routines*) {
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT, on_statement, nullptr);
  return SQLITE_OK;
}

// Traces every connection opened while it lives (the web UI opens its own).
class TraceNewConnections {
 public:
  TraceNewConnections() {
    REQUIRE(sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(trace_new_connection)) == SQLITE_OK);
  }
  ~TraceNewConnections() { sqlite3_cancel_auto_extension(reinterpret_cast<void (*)(void)>(trace_new_connection)); }
  TraceNewConnections(const TraceNewConnections&) = delete;
  TraceNewConnections& operator=(const TraceNewConnections&) = delete;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Names a plan line can show for a table: the table itself, or the alias the statement gave it
// ("FROM procedure p", "JOIN dossier AS d"). Names of common table expressions map to "".
std::map<std::string, std::string> names_in(const std::string& sql, const std::set<std::string>& tables) {
  static const std::set<std::string> kKeywords = {
      "where", "join", "on", "using", "order", "group", "limit", "left", "inner", "cross", "natural", "union",
      "except", "intersect", "having", "window", "set", "values", "select", "as", "indexed", "not", "default"};
  std::map<std::string, std::string> out;
  for (const auto& t : tables) out[t] = t;
  static const std::regex kRef(R"(\b(?:from|join|update|into)\s+([a-z_][a-z0-9_]*)(?:\s+(?:as\s+)?([a-z_][a-z0-9_]*))?)");
  static const std::regex kCommaRef(R"(,\s*([a-z_][a-z0-9_]*)\s+(?:as\s+)?([a-z_][a-z0-9_]*)\s*(?=,|\bwhere\b|$))");
  static const std::regex kCte(R"((?:\bwith(?:\s+recursive)?|\),)\s*([a-z_][a-z0-9_]*)\s+as\s*\()");
  const std::string text = lower(sql);
  auto add = [&](const std::string& table, const std::string& alias) {
    if (!tables.count(table) || alias.empty() || kKeywords.count(alias)) return;
    out[alias] = table;
  };
  for (std::sregex_iterator it(text.begin(), text.end(), kRef), end; it != end; ++it) add((*it)[1], (*it)[2]);
  for (std::sregex_iterator it(text.begin(), text.end(), kCommaRef), end; it != end; ++it) add((*it)[1], (*it)[2]);
  for (std::sregex_iterator it(text.begin(), text.end(), kCte), end; it != end; ++it) out[(*it)[1]] = "";
  return out;
}

struct PlanProblem {
  std::string sql;
  std::string plan;
  std::string why;
};

// Every captured statement whose plan reads a table of the office's history from end to end.
std::vector<PlanProblem> full_scans(const std::string& database, const std::set<std::string>& statements) {
  auto db = sql::Db::open(database, sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  std::set<std::string> tables;
  {
    auto st = db->prepare("SELECT name FROM sqlite_schema WHERE type = 'table'");
    REQUIRE(st);
    while (true) {
      auto row = st->step();
      REQUIRE(row);
      if (!*row) break;
      tables.insert(lower(st->text(0)));
    }
  }
  tables.insert("sqlite_master");
  tables.insert("sqlite_schema");
  std::vector<PlanProblem> problems;
  static const std::regex kScan(R"(^SCAN (\S+)(.*)$)");
  for (const std::string& sql : statements) {
    auto st = db->prepare("EXPLAIN QUERY PLAN " + sql);
    if (!st) {
      problems.push_back({sql, "", "EXPLAIN QUERY PLAN failed: " + st.error().message});
      continue;
    }
    std::string plan;
    std::vector<std::string> lines;
    while (true) {
      auto row = st->step();
      REQUIRE(row);
      if (!*row) break;
      lines.push_back(st->text(3));
      plan += "  " + st->text(3) + "\n";
    }
    const auto names = names_in(sql, tables);
    const bool filtered = std::regex_search(lower(sql), std::regex(R"(\bwhere\b)"));
    for (const std::string& line : lines) {
      std::smatch m;
      if (!std::regex_match(line, m, kScan)) continue;
      std::string name = lower(m[1]);
      const std::string rest = m[2];
      if (name.rfind("main.", 0) == 0) name = name.substr(5);  // FTS5 names its own tables with the schema
      if (rest.find("VIRTUAL TABLE") != std::string::npos) continue;  // the FTS5 trigram index's own lookup
      if (name.rfind("(subquery", 0) == 0 || name == "constant") continue;  // a result already computed
      const bool through_index = rest.find("USING INDEX") != std::string::npos ||
                                 rest.find("USING COVERING INDEX") != std::string::npos ||
                                 rest.find("USING INTEGER PRIMARY KEY") != std::string::npos;
      if (through_index && !filtered) continue;
      const auto known = names.find(name);
      if (known == names.end()) {
        problems.push_back({sql, plan, "the plan scans '" + name + "', which this test cannot tie to a table"});
        continue;
      }
      if (known->second.empty() || kSmallTables.count(known->second) || scan_is_documented(sql)) continue;
      problems.push_back({sql, plan,
                          through_index ? "walks a whole index of " + known->second + " and filters every row"
                                        : "reads the whole table " + known->second});
    }
  }
  return problems;
}

const char* const kFamily[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Bùi", "Đỗ"};
const char* const kMiddle[] = {"Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu"};
const char* const kGiven[] = {"An", "Bình", "Cường", "Dũng", "Hà", "Hoa", "Lan", "Long", "Mai", "Nam", "Quân", "Yến"};
constexpr const char* kPassword = "mat-khau-truong";

// `n` dossiers received over a few days, moved on to every status a queue shows.
void fill_office(test::Office& office, int n) {
  REQUIRE(office.store.db().exec("PRAGMA synchronous=OFF"));  // this connection only: a faster set-up
  const char* const procedures[] = {"1.001193", "2.001019"};
  for (int i = 0; i < n; ++i) {
    office.clock.advance_ms(7 * kMsPerMinute);
    agent::ReceiveRequest r;
    r.procedure = procedures[i % 2];
    auto name = to_nfc(std::string(kFamily[i % 8]) + " " + kMiddle[(i / 8) % 6] + " " + kGiven[(i / 48) % 12]);
    REQUIRE(name);
    r.applicant = *name;
    char cccd[16];
    std::snprintf(cccd, sizeof cccd, "0331980%05d", i);
    r.citizen_id = cccd;
    r.actor = "lan";
    auto received = agent::receive(office.store, r);
    if (!received) FAIL(received.error().message);
    const int fate = i % 10;
    std::vector<int> steps;
    if (fate >= 2) steps.push_back(4);
    if (fate == 4) steps.push_back(5);
    if (fate == 5) steps.push_back(6);
    if (fate >= 6) steps.push_back(9);
    if (fate >= 8) steps.push_back(10);
    for (int to : steps) {
      auto moved = agent::set_status(office.store, {received->code, to, to == 5 ? "Thiếu giấy tờ" : "", "lan"});
      if (!moved) FAIL(moved.error().message);
    }
  }
  REQUIRE(office.store.db().exec("PRAGMA synchronous=FULL"));
}

std::string csrf_of(const std::string& html) {
  std::smatch m;
  REQUIRE(std::regex_search(html, m, std::regex("name=\"csrf\" value=\"([0-9a-f]{64})\"")));
  return m[1];
}

// What the clerk's screens and the office's commands ask of the database, through the library
// calls and the web UI as a browser drives it.
void use_every_screen(test::Office& office) {
  auto sample = agent::list_queue(office.store, agent::Queue::kProcessing, 0, 1);
  REQUIRE(sample);
  REQUIRE(!(*sample)["dossiers"].empty());
  const std::string code = (*sample)["dossiers"][0]["code"];
  const std::string cccd = (*sample)["dossiers"][0]["applicant_citizen_id"];
  const std::string name = (*sample)["dossiers"][0]["applicant_name"];

  // The library calls the screens and the CLI make.
  REQUIRE(agent::queue_counts(office.store));
  for (agent::Queue q : agent::kAllQueues) {
    REQUIRE(agent::list_queue(office.store, q, 0, 50));
    REQUIRE(agent::list_queue(office.store, q, 50, 50));
  }
  for (const std::string& query : {fold_for_search(name), name, code, code.substr(0, code.size() - 3), cccd,
                                   std::string("an"), std::string("0331980")}) {
    INFO(query);
    REQUIRE(agent::search_dossiers(office.store, query, 200));
  }
  REQUIRE(agent::show_dossier(office.store, code));
  REQUIRE(agent::list_dossiers(office.store, agent::ListFilter{}));
  for (int status = 1; status <= 10; ++status) {
    agent::ListFilter filter;
    filter.status = status;
    REQUIRE(agent::list_dossiers(office.store, filter));
  }
  REQUIRE(agent::office_status(office.store));
  REQUIRE(agent::build_hub_report(office.store, "test"));
  REQUIRE(agent::sync_indicator(office.store));
  REQUIRE(agent::transfer_targets(office.store));

  // The web UI, with connections of its own.
  REQUIRE(agent::add_account(office.store, "lan", "Nguyễn Thị Lan", agent::Role::kLead, kPassword));
  agent::WebUiOptions options;
  options.data_dir = office.store.data_dir();
  options.host = "127.0.0.1";
  options.port = 0;
  auto web = agent::WebUi::start(options, office.clock);
  if (!web) FAIL(web.error().message);
  httplib::Client client("127.0.0.1", (*web)->port());
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  auto login = client.Post("/login", httplib::Params{{"username", "lan"}, {"password", kPassword}, {"next", "/"}});
  REQUIRE(login);
  REQUIRE(login->status == 303);
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  const httplib::Headers cookie{{"Cookie", set_cookie.substr(0, set_cookie.find(';'))}};
  auto get = [&](const std::string& path) {
    INFO(path);
    auto r = client.Get(path.c_str(), cookie);
    REQUIRE(r);
    CHECK(r->status == 200);
    return r->body;
  };
  get("/");
  for (agent::Queue q : agent::kAllQueues) get(std::string("/?queue=") + agent::queue_name(q) + "&offset=50");
  get("/?q=" + fold_for_search(name).substr(0, fold_for_search(name).find(' ')));
  get("/?q=" + code);
  get("/?q=" + cccd);
  get("/dossiers/" + code);
  get("/dossiers/" + code + "/mau-01");
  get("/api/sync-state");
  get("/accounts");
  const std::string csrf = csrf_of(get("/receive"));
  auto received = client.Post("/receive", cookie,
                              httplib::Params{{"csrf", csrf},
                                              {"procedure", "1.001193"},
                                              {"applicant_name", "Đặng Văn Đức"},
                                              {"applicant_citizen_id", "033198001234"},
                                              {"channel", "1"},
                                              {"doc_on_1", "1"},
                                              {"doc_name_1", "Tờ khai đăng ký khai sinh"},
                                              {"doc_form_1", "chinh"},
                                              {"doc_copies_1", "1"},
                                              {"action", "receive"}});
  REQUIRE(received);
  REQUIRE(received->status == 303);
  const std::string location = received->get_header_value("Location");
  const std::string new_code = location.substr(std::string("/dossiers/").size(), location.find('?') - 10);
  auto step = [&](const std::string& action, httplib::Params params) {
    params.emplace("csrf", csrf);
    auto r = client.Post(("/dossiers/" + new_code + "/" + action).c_str(), cookie, params);
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 303);
  };
  step("status", {{"status", "4"}, {"note", ""}});
  step("supplement", {{"missing_items", "Bản sao giấy chứng sinh"}});
  step("status", {{"status", "4"}, {"note", ""}});
  step("status", {{"status", "9"}, {"note", ""}});
  step("status", {{"status", "10"}, {"note", ""}});
  get("/dossiers/" + new_code);
  get("/dossiers/" + new_code + "/mau-02");
  // A hand-over (liên thông) to the first unit the dossier page offers.
  auto targets = agent::transfer_targets(office.store);
  REQUIRE(targets);
  REQUIRE(!targets->empty());
  agent::ReceiveRequest handed;
  handed.procedure = "2.001019";
  handed.applicant = "Lê Thị Hoa";
  handed.citizen_id = "033198005678";
  auto other = agent::receive(office.store, handed);
  REQUIRE(other);
  auto r = client.Post(("/dossiers/" + other->code + "/transfer").c_str(), cookie,
                       httplib::Params{{"csrf", csrf}, {"to_unit", targets->front().code}, {"note", ""}});
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 303);
  REQUIRE(agent::office_status(office.store));
  (*web)->stop();
}

}  // namespace

TEST_CASE("the clerk's queues and searches read indexes, never a whole table", "[agent][plan]") {
  test::Office office;
  fill_office(office, 2000);
  {
    TraceNewConnections trace_web_ui;
    sqlite3_trace_v2(office.store.db().get(), SQLITE_TRACE_STMT, on_statement, nullptr);
    use_every_screen(office);
    sqlite3_trace_v2(office.store.db().get(), 0, nullptr, nullptr);
  }
  std::set<std::string> statements;
  {
    std::lock_guard<std::mutex> lock(g_captured.mutex);
    statements = g_captured.statements;
  }
  // The capture saw the screens' own statements, not only the set-up's.
  auto saw = [&](const std::string& part) {
    return std::any_of(statements.begin(), statements.end(), [&](const std::string& s) { return s.find(part) != std::string::npos; });
  };
  CHECK(saw("FROM dossier_state WHERE status IN (2, 4, 6)"));
  CHECK(saw("dossier_search"));
  CHECK(saw("applicant_citizen_id = ?1"));
  CHECK(saw("clerk_session"));

  const auto problems = full_scans(agent::Store::database_path(office.store.data_dir()), statements);
  std::ostringstream report;
  for (const auto& p : problems) report << p.why << ":\n  " << p.sql << "\n" << p.plan << "\n";
  INFO(statements.size() << " statements checked\n" << report.str());
  CHECK(problems.empty());
}

}  // namespace motcua
