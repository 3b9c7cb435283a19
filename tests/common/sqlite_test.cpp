#include <catch2/catch.hpp>

#include "common/sqlite.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;

TEST_CASE("a transaction that is not committed rolls back", "[sqlite]") {
  auto db = sql::Db::open(":memory:");
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t(x INTEGER PRIMARY KEY)"));
  {
    auto tx = sql::Transaction::begin_immediate(*db);
    REQUIRE(tx);
    REQUIRE(db->exec("INSERT INTO t VALUES (1)"));
  }
  auto n = sql::query_int64(*db, "SELECT count(*) FROM t");
  REQUIRE(n);
  CHECK(n->value() == 0);
}

TEST_CASE("constraint violations map to conflict and bad SQL to internal errors", "[sqlite]") {
  auto db = sql::Db::open(":memory:");
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t(x INTEGER PRIMARY KEY)"));
  REQUIRE(db->exec("INSERT INTO t VALUES (1)"));
  auto dup = db->exec("INSERT INTO t VALUES (1)");
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == ErrorCode::kConflict);
  auto bad = db->prepare("SELEKT 1");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kInternal);
}

TEST_CASE("a file that is not a database is reported as corruption", "[sqlite]") {
  test::TempDir dir;
  test::write_file(dir.file("x.db"), std::string(8192, 'x'));
  auto db = sql::Db::open(dir.file("x.db"));
  REQUIRE(db);  // SQLite opens lazily; the first read fails
  auto r = sql::query_int64(*db, "SELECT count(*) FROM sqlite_master");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kCorruption);
}

TEST_CASE("opening a database in a missing directory is an I/O error with a hint", "[sqlite]") {
  auto db = sql::Db::open("/nonexistent-motcua-dir/x.db");
  REQUIRE_FALSE(db);
  CHECK(db.error().code == ErrorCode::kIo);
  CHECK_FALSE(db.error().hint.empty());
}
