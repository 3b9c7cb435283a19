#include <catch2/catch.hpp>

#include "agent/store.hpp"
#include "schema/migrate.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;

namespace {

const std::string kM1 = "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL);";
const std::string kM2 = "ALTER TABLE item ADD COLUMN note TEXT NOT NULL DEFAULT '';";
const int kTestAppId = 0x54455354;

std::vector<schema::Migration> first_only() { return {{1, "0001_item.sql", kM1}}; }
std::vector<schema::Migration> both() { return {{1, "0001_item.sql", kM1}, {2, "0002_note.sql", kM2}}; }

sql::Db open_db(const std::string& path) {
  auto db = sql::Db::open(path);
  REQUIRE(db);
  return std::move(*db);
}

int64_t scalar(sql::Db& db, const std::string& q) {
  auto v = sql::query_int64(db, q);
  REQUIRE(v);
  REQUIRE(v->has_value());
  return **v;
}

}  // namespace

TEST_CASE("a fresh agent database gets every migration, WAL and synchronous=FULL", "[schema]") {
  test::TempDir dir;
  sql::Db db = open_db(dir.file("agent.db"));
  REQUIRE(schema::configure_connection(db));
  auto r = schema::migrate(db, schema::agent_migrations(), schema::kAgentApplicationId, "agent");
  REQUIRE(r);
  CHECK(r->from_version == 0);
  CHECK(r->to_version == schema::latest_version(schema::agent_migrations()));
  CHECK(scalar(db, "PRAGMA user_version") == r->to_version);
  CHECK(scalar(db, "PRAGMA application_id") == schema::kAgentApplicationId);
  CHECK(scalar(db, "PRAGMA synchronous") == 2);  // FULL
  auto mode = db.prepare("PRAGMA journal_mode");
  REQUIRE(mode);
  REQUIRE(*mode->step());
  CHECK(mode->text(0) == "wal");
}

TEST_CASE("migrating an up-to-date database changes nothing", "[schema]") {
  test::TempDir dir;
  sql::Db db = open_db(dir.file("a.db"));
  REQUIRE(schema::migrate(db, both(), kTestAppId, "test"));
  auto again = schema::migrate(db, both(), kTestAppId, "test");
  REQUIRE(again);
  CHECK(again->from_version == 2);
  CHECK(again->to_version == 2);
}

TEST_CASE("an older database is upgraded in place and keeps its rows", "[schema]") {
  test::TempDir dir;
  {
    sql::Db db = open_db(dir.file("a.db"));
    REQUIRE(schema::migrate(db, first_only(), kTestAppId, "test"));
    REQUIRE(db.exec("INSERT INTO item(id, name) VALUES (1, 'Giấy khai sinh')"));
  }
  sql::Db db = open_db(dir.file("a.db"));
  auto r = schema::migrate(db, both(), kTestAppId, "test");
  REQUIRE(r);
  CHECK(r->from_version == 1);
  CHECK(r->to_version == 2);
  auto st = db.prepare("SELECT name, note FROM item WHERE id = 1");
  REQUIRE(st);
  REQUIRE(*st->step());
  CHECK(st->text(0) == "Giấy khai sinh");
  CHECK(st->text(1).empty());
}

TEST_CASE("a failing migration leaves the database at the previous version", "[schema]") {
  test::TempDir dir;
  sql::Db db = open_db(dir.file("a.db"));
  REQUIRE(schema::migrate(db, first_only(), kTestAppId, "test"));
  std::vector<schema::Migration> broken = {{1, "0001_item.sql", kM1},
                                           {2, "0002_broken.sql", "CREATE TABLE half(x); INSERT INTO missing VALUES (1);"}};
  auto r = schema::migrate(db, broken, kTestAppId, "test");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("0002_broken.sql") != std::string::npos);
  CHECK(scalar(db, "PRAGMA user_version") == 1);
  CHECK(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'half'") == 0);
}

TEST_CASE("a database newer than the binary is refused and left untouched", "[schema]") {
  test::TempDir dir;
  {
    sql::Db db = open_db(dir.file("a.db"));
    REQUIRE(schema::migrate(db, both(), kTestAppId, "test"));
    REQUIRE(db.exec("PRAGMA user_version = 3"));
  }
  const std::string before = test::read_file(dir.file("a.db"));
  sql::Db db = open_db(dir.file("a.db"));
  auto r = schema::migrate(db, both(), kTestAppId, "test");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kFailedPrecondition);
  CHECK(r.error().message.find("version 3") != std::string::npos);
  CHECK(r.error().hint.find("newer") != std::string::npos);
  CHECK(test::read_file(dir.file("a.db")) == before);
}

TEST_CASE("a SQLite file from another application is refused as not a motcua database", "[schema]") {
  test::TempDir dir;
  {
    sql::Db db = open_db(dir.file("other.db"));
    REQUIRE(db.exec("CREATE TABLE customers(id INTEGER PRIMARY KEY)"));
  }
  sql::Db db = open_db(dir.file("other.db"));
  auto r = schema::migrate(db, schema::agent_migrations(), schema::kAgentApplicationId, "agent");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kCorruption);
  CHECK(r.error().message.find("not a motcua agent database") != std::string::npos);
}

TEST_CASE("a migration list with a gap in its numbering is a bug, caught before any change", "[schema]") {
  test::TempDir dir;
  sql::Db db = open_db(dir.file("a.db"));
  std::vector<schema::Migration> gap = {{1, "0001_item.sql", kM1}, {3, "0003_note.sql", kM2}};
  auto r = schema::migrate(db, gap, kTestAppId, "test");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInternal);
  CHECK(scalar(db, "PRAGMA user_version") == 0);
}

TEST_CASE("the agent's embedded migrations are numbered from 1 without gaps", "[schema]") {
  const auto& m = schema::agent_migrations();
  REQUIRE_FALSE(m.empty());
  for (size_t i = 0; i < m.size(); ++i) {
    CHECK(m[i].version == static_cast<int>(i) + 1);
    CHECK_FALSE(m[i].sql.empty());
  }
}

TEST_CASE("a hub database of schema 1 is upgraded to the feed schema keeping its agents", "[schema]") {
  const auto& all = schema::hub_migrations();
  REQUIRE(all.size() >= 2);
  test::TempDir dir;
  {
    sql::Db db = open_db(dir.file("hub.db"));
    const std::vector<schema::Migration> v1(all.begin(), all.begin() + 1);
    REQUIRE(schema::migrate(db, v1, schema::kHubApplicationId, "motcua hub"));
    REQUIRE(db.exec("INSERT INTO unit(code, name, kind, province_code, agency_id) "
                    "VALUES ('11953', 'Phường Phố Hiến', 'commune', '33', '33.11953')"));
    REQUIRE(db.exec("INSERT INTO agent(id, unit, public_key, status, enrolled_at, high_water_seq) "
                    "VALUES (zeroblob(16), '11953', zeroblob(32), 'active', 1, 7)"));
  }
  sql::Db db = open_db(dir.file("hub.db"));
  auto r = schema::migrate(db, all, schema::kHubApplicationId, "motcua hub");
  REQUIRE(r);
  CHECK(r->from_version == 1);
  CHECK(r->to_version == schema::latest_version(all));
  CHECK(scalar(db, "SELECT high_water_seq FROM agent") == 7);
  CHECK(scalar(db, "SELECT feed_position FROM agent") == 0);  // asks its feed from the start
}

TEST_CASE("a hub database of schema 2 is upgraded to dictionaries keeping its publications and feeds", "[schema]") {
  const auto& all = schema::hub_migrations();
  REQUIRE(all.size() >= 3);
  test::TempDir dir;
  {
    sql::Db db = open_db(dir.file("hub.db"));
    const std::vector<schema::Migration> v2(all.begin(), all.begin() + 2);
    REQUIRE(schema::migrate(db, v2, schema::kHubApplicationId, "motcua hub"));
    REQUIRE(db.exec("INSERT INTO publication(kind, version, published_at, source, payload) VALUES "
                    "('catalog', 1, 10, 'a.csv', '{}'), ('calendar', 1, 11, 'b.csv', '{}')"));
    REQUIRE(db.exec("INSERT INTO feed_entry(unit, position, kind, version, created_at) VALUES "
                    "('11953', 1, 'catalog', 1, 10), ('11953', 2, 'calendar', 1, 11)"));
    // Before the upgrade a dictionary cannot be recorded.
    CHECK_FALSE(db.exec("INSERT INTO publication(kind, version, published_at, source, payload) "
                        "VALUES ('dictionary', 2, 12, 'd.zdict', '{}')"));
  }
  sql::Db db = open_db(dir.file("hub.db"));
  auto r = schema::migrate(db, all, schema::kHubApplicationId, "motcua hub");
  REQUIRE(r);
  CHECK(r->from_version == 2);
  CHECK(scalar(db, "SELECT count(*) FROM publication") == 2);
  CHECK(scalar(db, "SELECT sum(position) FROM feed_entry WHERE unit = '11953'") == 3);
  CHECK(db.exec("INSERT INTO publication(kind, version, published_at, source, payload) "
                "VALUES ('dictionary', 2, 12, 'd.zdict', '{}')"));
  CHECK(db.exec("INSERT INTO feed_entry(unit, position, kind, version, created_at) VALUES ('11953', 3, 'dictionary', 2, 12)"));
  CHECK_FALSE(db.exec("INSERT INTO publication(kind, version, published_at, source, payload) "
                      "VALUES ('other', 3, 12, 'x', '{}')"));
}

TEST_CASE("a hub database of schema 4 is upgraded to relay facts: feeds kept, every receiving unit involved with its dossiers",
          "[schema]") {
  const auto& all = schema::hub_migrations();
  REQUIRE(all.size() >= 5);
  test::TempDir dir;
  {
    sql::Db db = open_db(dir.file("hub.db"));
    const std::vector<schema::Migration> v4(all.begin(), all.begin() + 4);
    REQUIRE(schema::migrate(db, v4, schema::kHubApplicationId, "motcua hub"));
    REQUIRE(db.exec("INSERT INTO feed_entry(unit, position, kind, version, created_at) VALUES ('11953', 1, 'catalog', 1, 10)"));
    REQUIRE(db.exec(
        "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, "
        "applicant_name, applicant_citizen_id, channel, received_at, entered_at, due_rule, limit_kind, status, hlc, "
        "origin_unit, actor) VALUES (x'000102030405060708090a0b0c0d0e0f', '33.11953-260302-0001', '11953', '11953', "
        "'11953', '1.000001', 1, 'A', '033198001234', 1, 5, 5, 'none', 'none', 2, 1, '11953', 'x')"));
    CHECK_FALSE(db.exec("INSERT INTO feed_entry(unit, position, kind, version, created_at) VALUES ('11953', 2, 'facts', 1, 11)"));
  }
  sql::Db db = open_db(dir.file("hub.db"));
  auto r = schema::migrate(db, all, schema::kHubApplicationId, "motcua hub");
  REQUIRE(r);
  CHECK(r->from_version == 4);
  CHECK(scalar(db, "SELECT count(*) FROM feed_entry WHERE unit = '11953' AND kind = 'catalog' AND body IS NULL") == 1);
  CHECK(scalar(db, "SELECT count(*) FROM dossier_unit WHERE unit = '11953' AND since = 5") == 1);
  CHECK(db.exec("INSERT INTO feed_entry(unit, position, kind, version, created_at, body) VALUES ('11953', 2, 'facts', 1, 11, '{}')"));
}

TEST_CASE("an office database of schema 2 is upgraded and its dossiers refolded, so conflicts already held are recorded",
          "[schema]") {
  const auto& all = schema::agent_migrations();
  REQUIRE(all.size() >= 3);
  test::TempDir dir;
  {
    sql::Db db = open_db(dir.file("agent.db"));
    const std::vector<schema::Migration> v2(all.begin(), all.begin() + 2);
    REQUIRE(schema::migrate(db, v2, schema::kAgentApplicationId, "motcua agent"));
    REQUIRE(db.exec(
        "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, "
        "applicant_name, applicant_citizen_id, channel, received_at, entered_at, due_rule, limit_kind, status, hlc, "
        "origin_unit, actor) VALUES (x'000102030405060708090a0b0c0d0e0f', '33.11953-260302-0001', '11953', '11953', "
        "'11953', '1.000001', 1, 'A', '033198001234', 1, 5, 5, 'none', 'none', 2, 1, '11953', 'x')"));
    // Two steps from the creation: the holder's, and one by a unit that never held the dossier.
    REQUIRE(db.exec(
        "INSERT INTO dossier_event(id, dossier_id, kind, from_status, to_status, at, data, hlc, origin_unit, actor) VALUES "
        "(x'10000000000000000000000000000001', x'000102030405060708090a0b0c0d0e0f', 'status', 2, 4, 6, "
        "'{\"parent\":\"00000000000000000000000000000000\"}', 2, '11953', 'x'), "
        "(x'10000000000000000000000000000002', x'000102030405060708090a0b0c0d0e0f', 'status', 2, 4, 7, "
        "'{\"parent\":\"00000000000000000000000000000000\"}', 3, '12004', 'y')"));
  }
  ManualClock clock(Instant{1772416800000});
  auto store = agent::Store::open(dir.path().string(), false, clock);
  REQUIRE(store);
  CHECK(scalar(store->db(), "SELECT count(*) FROM dossier_state WHERE status = 4") == 1);
  CHECK(scalar(store->db(), "SELECT count(*) FROM dossier_conflict WHERE rule = 'not_allowed' "
                            "AND event_id = x'10000000000000000000000000000002'") == 1);
}
