#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "agent/store.hpp"
#include "hub/hub_store.hpp"
#include "hub/status.hpp"
#include "schema/tables.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;

namespace {

std::string columns_of(sql::Db& db, const std::string& table) {
  auto st = db.prepare("SELECT name, type, \"notnull\", pk, coalesce(dflt_value, '') FROM pragma_table_info(?1) ORDER BY cid");
  REQUIRE(st);
  st->bind(1, table);
  std::string out;
  while (*st->step()) {
    out += st->text(0) + " " + st->text(1) + " " + std::to_string(st->int64(2)) + " " + std::to_string(st->int64(3)) +
           " " + st->text(4) + "\n";
  }
  return out;
}

std::string hub_exe() { return MOTCUA_HUB_EXE; }

}  // namespace

TEST_CASE("hub init creates the province's units in a WAL database with synchronous=FULL", "[hub]") {
  test::TempDir dir;
  SystemClock clock;
  auto r = hub::init_hub(dir.file("hub"), "33", clock);
  REQUIRE(r);
  CHECK(r->province_name == "Tỉnh Hưng Yên");
  CHECK(r->epoch.size() == 32);
  auto store = hub::HubStore::open(dir.file("hub"), clock);
  REQUIRE(store);
  auto units = sql::query_int64(store->db(), "SELECT count(*) FROM unit");
  REQUIRE(units);
  CHECK(**units == r->units);
  auto communes = sql::query_int64(store->db(), "SELECT count(*) FROM unit WHERE kind = 'commune' AND province_code = '33'");
  REQUIRE(communes);
  CHECK(**communes == r->units - 1);
  auto sync_mode = sql::query_int64(store->db(), "PRAGMA synchronous");
  REQUIRE(sync_mode);
  CHECK(**sync_mode == 2);
}

TEST_CASE("hub init refuses an unknown province and an existing hub, changing nothing", "[hub]") {
  test::TempDir dir;
  SystemClock clock;
  auto unknown = hub::init_hub(dir.file("hub"), "99", clock);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::kNotFound);
  CHECK_FALSE(std::filesystem::exists(dir.file("hub")));
  REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
  const std::string before = test::read_file(hub::HubStore::database_path(dir.file("hub")));
  auto again = hub::init_hub(dir.file("hub"), "01", clock);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kFailedPrecondition);
  CHECK(test::read_file(hub::HubStore::database_path(dir.file("hub"))) == before);
}

TEST_CASE("the hub's fact tables are column for column the agent's, so change sets apply unchanged", "[hub][schema]") {
  test::TempDir dir;
  SystemClock clock;
  REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
  auto hub_store = hub::HubStore::open(dir.file("hub"), clock);
  REQUIRE(hub_store);
  auto agent_store = agent::Store::open(dir.file("office"), true, clock);
  REQUIRE(agent_store);
  for (const auto& table : schema::agent_captured_tables()) {
    INFO(table);
    const std::string a = columns_of(agent_store->db(), table);
    CHECK_FALSE(a.empty());
    CHECK(columns_of(hub_store->db(), table) == a);
  }
}

TEST_CASE("every hub table is classified and its replicated tables are the agent's", "[hub][schema]") {
  test::TempDir dir;
  SystemClock clock;
  REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
  auto store = hub::HubStore::open(dir.file("hub"), clock);
  REQUIRE(store);
  auto st = store->db().prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  REQUIRE(st);
  std::set<std::string> actual;
  while (*st->step()) actual.insert(st->text(0));
  std::set<std::string> classified, facts;
  for (const auto& t : schema::hub_tables()) {
    classified.insert(t.name);
    if (t.cls == schema::TableClass::kReplicatedFact) facts.insert(t.name);
  }
  CHECK(actual == classified);
  const auto agent_facts = schema::agent_captured_tables();
  CHECK(facts == std::set<std::string>(agent_facts.begin(), agent_facts.end()));
}

TEST_CASE("hub status lists every unit, enrolled or not", "[hub]") {
  test::TempDir dir;
  SystemClock clock;
  REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
  auto store = hub::HubStore::open(dir.file("hub"), clock);
  REQUIRE(store);
  auto s = hub::hub_status(*store);
  REQUIRE(s);
  CHECK((*s)["province"] == "33");
  CHECK((*s)["agents"] == 0);
  bool found = false;
  for (const auto& u : (*s)["units"]) {
    if (u["unit"] == "12004") {
      found = true;
      CHECK(u["name"] == "Xã Như Quỳnh");
      CHECK(u["agent_status"] == "not_enrolled");
    }
  }
  CHECK(found);
}

TEST_CASE("hub commands report errors with the documented exit codes", "[hub][cli]") {
  test::TempDir dir;
  const std::map<std::string, std::string> env = {{"MOTCUA_NOW", "2026-03-02T09:00:00+07:00"}};
  auto missing = test::run_process({hub_exe(), "status", "--data", dir.file("none"), "--json"}, env);
  CHECK(missing.exit_code == 6);
  CHECK(nlohmann::json::parse(missing.err)["error"]["code"] == "failed_precondition");
  CHECK_FALSE(std::filesystem::exists(dir.file("none")));
  auto usage = test::run_process({hub_exe(), "init", "--data", dir.file("h")}, env);
  CHECK(usage.exit_code == 2);
  auto unknown = test::run_process({hub_exe(), "frobnicate"}, env);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);
  auto init = test::run_process({hub_exe(), "init", "--data", dir.file("h"), "--province", "33", "--json"}, env);
  REQUIRE(init.exit_code == 0);
  CHECK(nlohmann::json::parse(init.out)["units"].get<int>() > 100);
  auto code = test::run_process({hub_exe(), "enroll-code", "--data", dir.file("h"), "--unit", "11953", "--json"}, env);
  REQUIRE(code.exit_code == 0);
  auto j = nlohmann::json::parse(code.out);
  CHECK(j["expires_at"] == "2026-03-05T09:00:00+07:00");
  auto bad_unit = test::run_process({hub_exe(), "enroll-code", "--data", dir.file("h"), "--unit", "01001"}, env);
  CHECK(bad_unit.exit_code == 4);
  auto not_a_db_dir = dir.file("junk");
  std::filesystem::create_directories(not_a_db_dir);
  test::write_file(not_a_db_dir + "/hub.db", std::string(4096, 'j'));
  auto junk = test::run_process({hub_exe(), "status", "--data", not_a_db_dir}, env);
  CHECK(junk.exit_code == 7);
}
