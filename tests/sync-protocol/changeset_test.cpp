#include <catch2/catch.hpp>

#include "sync-protocol/changeset.hpp"

using namespace motcua;

namespace {

// Captures the changes `sql` makes to table t in a fresh in-memory database.
sql::Blob capture(const std::string& statements) {
  auto db = sql::Db::open(":memory:");
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"));
  sqlite3_session* raw = nullptr;
  REQUIRE(sqlite3session_create(db->get(), "main", &raw) == SQLITE_OK);
  sql::SessionHandle session(raw);
  REQUIRE(sqlite3session_attach(session.get(), "t") == SQLITE_OK);
  REQUIRE(db->exec(statements));
  int n = 0;
  void* out = nullptr;
  REQUIRE(sqlite3session_changeset(session.get(), &n, &out) == SQLITE_OK);
  sql::SqliteBuffer buf(out);
  const auto* p = static_cast<const unsigned char*>(out);
  return sql::Blob(p, p + n);
}

}  // namespace

TEST_CASE("a changeset summary counts inserts per table", "[changeset]") {
  auto cs = capture("INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (2, 'b');");
  auto s = sync::summarize_changeset(cs);
  REQUIRE(s);
  REQUIRE(s->tables.count("t") == 1);
  CHECK(s->tables.at("t").inserts == 2);
  CHECK(s->tables.at("t").columns == 2);
  CHECK(s->total() == 2);
}

TEST_CASE("consecutive changesets merge into one holding all their rows", "[changeset]") {
  auto a = capture("INSERT INTO t VALUES (1, 'a');");
  auto b = capture("INSERT INTO t VALUES (2, 'b');");
  auto merged = sync::merge_changesets({a, b});
  REQUIRE(merged);
  auto s = sync::summarize_changeset(*merged);
  REQUIRE(s);
  CHECK(s->tables.at("t").inserts == 2);
}

namespace {

// Counts the changes with SQLite's own iterator (only ever called on validated input).
int sqlite_count(const sql::Blob& cs) {
  sqlite3_changeset_iter* raw = nullptr;
  REQUIRE(sqlite3changeset_start(&raw, static_cast<int>(cs.size()), const_cast<unsigned char*>(cs.data())) == SQLITE_OK);
  sql::ChangesetIterHandle it(raw);
  int n = 0;
  while (sqlite3changeset_next(it.get()) == SQLITE_ROW) ++n;
  return n;
}

}  // namespace

TEST_CASE("the validator agrees with SQLite on inserts, updates and deletes", "[changeset]") {
  auto cs = capture(
      "INSERT INTO t VALUES (1, 'Nguyễn Thị Hoa'); INSERT INTO t VALUES (2, NULL); INSERT INTO t VALUES (3, x'00ff');"
      "INSERT INTO t VALUES (4, 2.5);");
  auto s = sync::validate_changeset(cs);
  REQUIRE(s);
  CHECK(s->total() == sqlite_count(cs));
  auto db = sql::Db::open(":memory:");
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');"));
  sqlite3_session* raw = nullptr;
  REQUIRE(sqlite3session_create(db->get(), "main", &raw) == SQLITE_OK);
  sql::SessionHandle session(raw);
  REQUIRE(sqlite3session_attach(session.get(), nullptr) == SQLITE_OK);
  REQUIRE(db->exec("UPDATE t SET v = 'c' WHERE id = 1; DELETE FROM t WHERE id = 2;"));
  int n = 0;
  void* out = nullptr;
  REQUIRE(sqlite3session_changeset(session.get(), &n, &out) == SQLITE_OK);
  sql::SqliteBuffer buf(out);
  sql::Blob mixed(static_cast<unsigned char*>(out), static_cast<unsigned char*>(out) + n);
  auto m = sync::validate_changeset(mixed);
  REQUIRE(m);
  CHECK(m->tables.at("t").updates == 1);
  CHECK(m->tables.at("t").deletes == 1);
}

TEST_CASE("a truncated changeset is refused unless it ends exactly between two changes", "[changeset]") {
  // SQLite 3.40's own reader spins on some truncations (a cut inside the table header): the validator
  // must refuse those before SQLite sees them. A cut exactly between two changes is a well-formed
  // shorter changeset; the batch envelope's length and hash catch that case.
  auto cs = capture("INSERT INTO t VALUES (1, 'Nguyễn Thị Hoa'); INSERT INTO t VALUES (2, 'b');");
  auto whole = sync::validate_changeset(cs);
  REQUIRE(whole);
  const size_t header = 1 + 1 + 2 + 2;  // 'T', ncol, two pk flags, "t\0"
  int accepted = 0;
  for (size_t len = 1; len < cs.size(); ++len) {
    INFO("cut at " << len << " of " << cs.size());
    sql::Blob cut(cs.begin(), cs.begin() + static_cast<long>(len));
    auto s = sync::validate_changeset(cut);
    if (len <= header) REQUIRE_FALSE(s);
    if (!s) {
      CHECK(s.error().code == ErrorCode::kCorruption);
      CHECK(s.error().message.find("byte") != std::string::npos);
    } else {
      ++accepted;
      CHECK(s->total() < whole->total());
      CHECK(sqlite_count(cut) == s->total());
    }
  }
  CHECK(accepted == 1);  // only the cut after the first of two inserts
}

TEST_CASE("a changeset with any single bit flipped is refused or still safe for SQLite to read", "[changeset]") {
  auto cs = capture("INSERT INTO t VALUES (1, 'Nguyễn Thị Hoa'); INSERT INTO t VALUES (2, 'b');");
  int refused = 0;
  for (size_t i = 0; i < cs.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      sql::Blob flipped = cs;
      flipped[i] ^= static_cast<unsigned char>(1 << bit);
      auto s = sync::validate_changeset(flipped);
      if (!s) {
        ++refused;
        CHECK(s.error().code == ErrorCode::kCorruption);
      } else {
        INFO("byte " << i << " bit " << bit << " accepted");
        CHECK(sqlite_count(flipped) == s->total());
      }
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("patchsets, unknown operations and tables without a primary key are refused", "[changeset]") {
  CHECK_FALSE(sync::validate_changeset({0x50, 0x01, 0x01, 't', 0x00}));
  CHECK_FALSE(sync::validate_changeset({0x54, 0x01, 0x00, 't', 0x00, 0x12, 0x00, 0x05}));  // no PK column
  CHECK_FALSE(sync::validate_changeset({0x54, 0x01, 0x01, 't', 0x00, 0x33, 0x00, 0x05}));  // op 0x33
  CHECK_FALSE(sync::validate_changeset({0x54, 0x01, 0x01, 't', 0x00}));                    // header, no change
  CHECK_FALSE(sync::validate_changeset({0x54, 0x01, 0x01, 't', 0x00, 0x12, 0x00, 0x00}));  // undefined in insert
  CHECK_FALSE(sync::validate_changeset({0x54, 0x01, 0x01, 't', 0x00, 0x12, 0x00, 0x03, 0x01, 0xff}));  // bad UTF-8
  auto good = sync::validate_changeset({0x54, 0x01, 0x01, 't', 0x00, 0x12, 0x00, 0x05});
  REQUIRE(good);
  CHECK(good->tables.at("t").inserts == 1);
}

TEST_CASE("an empty changeset summarizes to nothing", "[changeset]") {
  auto s = sync::summarize_changeset({});
  REQUIRE(s);
  CHECK(s->total() == 0);
}
