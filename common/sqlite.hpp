// RAII handles for SQLite (connection, statement, session, changeset iterator, changegroup,
// sqlite3_free'd buffers) and a thin statement API returning motcua::Result.
//
// Lifetime rule: a session or statement must be destroyed before its connection. Classes that hold
// both declare the Db member first so it is destroyed last.
// Thread-safety: a Db and its statements belong to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "common/error.hpp"

namespace motcua::sql {

struct ConnCloser { void operator()(sqlite3* db) const { sqlite3_close_v2(db); } };
struct StmtFinalizer { void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); } };
struct SessionDeleter { void operator()(sqlite3_session* s) const { sqlite3session_delete(s); } };
struct ChangesetIterFinalizer { void operator()(sqlite3_changeset_iter* it) const { sqlite3changeset_finalize(it); } };
struct ChangegroupDeleter { void operator()(sqlite3_changegroup* g) const { sqlite3changegroup_delete(g); } };
struct SqliteFree { void operator()(void* p) const { sqlite3_free(p); } };

using ConnHandle = std::unique_ptr<sqlite3, ConnCloser>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;
using SessionHandle = std::unique_ptr<sqlite3_session, SessionDeleter>;
using ChangesetIterHandle = std::unique_ptr<sqlite3_changeset_iter, ChangesetIterFinalizer>;
using ChangegroupHandle = std::unique_ptr<sqlite3_changegroup, ChangegroupDeleter>;
using SqliteBuffer = std::unique_ptr<void, SqliteFree>;

using Blob = std::vector<unsigned char>;

// Maps an SQLite result code to a motcua Error (SQLITE_FULL -> kIo "disk full", SQLITE_CORRUPT and
// SQLITE_NOTADB -> kCorruption, SQLITE_BUSY -> kUnavailable, constraint -> kConflict, ...).
Error error_from_sqlite(int rc, sqlite3* db, std::string_view what);

class Stmt;

// Statements a connection has prepared and no longer uses, by SQL text, kept for the next prepare()
// of the same text: parsing and planning cost more than running most of the hub's and the office's
// statements (measured: a fifth of the hub's batch apply went to sqlite3_prepare_v2). A statement
// goes back reset, with its bindings cleared, so it holds no lock or snapshot while it waits; at
// most kMaxIdle wait, the rest are finalized. Owned by the Db and shared with its live Stmts.
class StmtCache {
 public:
  static constexpr size_t kMaxIdle = 128;
  StmtCache() = default;
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;
  ~StmtCache();
  StmtHandle take(const std::string& sql);
  void put(const std::string& sql, StmtHandle stmt);

 private:
  std::vector<std::pair<std::string, sqlite3_stmt*>> m_idle;
};

// An open connection. Movable, not copyable.
class Db {
 public:
  struct Options {
    bool create = true;      // create the file if missing
    bool read_only = false;
    int busy_timeout_ms = 5000;
  };

  // Opens `path` (":memory:" allowed). Fails with kIo/kCorruption and a hint naming the file.
  static Result<Db> open(const std::string& path, Options options);
  static Result<Db> open(const std::string& path) { return open(path, Options{}); }

  // Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  // One statement; an idle one of the same text is reused (StmtCache).
  Result<Stmt> prepare(std::string_view sql);

  sqlite3* get() const { return m_conn.get(); }
  const std::string& path() const { return m_path; }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(m_conn.get()); }
  int changes() const { return sqlite3_changes(m_conn.get()); }

 private:
  ConnHandle m_conn;
  std::shared_ptr<StmtCache> m_cache;  // after m_conn: finalized before the connection closes
  std::string m_path;
};

// A prepared statement with chainable binds. Indexes are 1-based, as in SQLite.
class Stmt {
 public:
  Stmt(sqlite3* db, StmtHandle stmt) : m_db(db), m_stmt(std::move(stmt)) {}
  // A statement that goes back to `cache` under `sql` when destroyed.
  Stmt(sqlite3* db, StmtHandle stmt, std::shared_ptr<StmtCache> cache, std::string sql)
      : m_db(db), m_stmt(std::move(stmt)), m_cache(std::move(cache)), m_sql(std::move(sql)) {}
  Stmt(Stmt&&) noexcept = default;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const Blob& v);
  Stmt& bind_null(int i);
  template <typename T>
  Stmt& bind(int i, const std::optional<T>& v) { return v ? bind(i, *v) : bind_null(i); }

  // Advances: true while a row is available, false when done; errors carry SQLite's message.
  Result<bool> step();
  // Steps a statement that must return no rows (INSERT/UPDATE/DDL).
  Status run();
  Status reset();

  bool is_null(int col) const { return sqlite3_column_type(m_stmt.get(), col) == SQLITE_NULL; }
  int64_t int64(int col) const { return sqlite3_column_int64(m_stmt.get(), col); }
  double real(int col) const { return sqlite3_column_double(m_stmt.get(), col); }
  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const { return is_null(col) ? std::nullopt : std::optional<std::string>(text(col)); }
  std::optional<int64_t> opt_int64(int col) const { return is_null(col) ? std::nullopt : std::optional<int64_t>(int64(col)); }
  Blob blob(int col) const;
  sqlite3_stmt* get() const { return m_stmt.get(); }

 private:
  Status check_bind(int rc);
  sqlite3* m_db;
  StmtHandle m_stmt;
  std::shared_ptr<StmtCache> m_cache;
  std::string m_sql;
  int m_bind_rc = SQLITE_OK;
};

// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin_immediate(Db& db);
  Transaction(Transaction&& other) noexcept : m_db(other.m_db) { other.m_db = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();
  // Undoes everything now (the destructor would later); commit afterwards fails.
  void rollback();

 private:
  explicit Transaction(Db* db) : m_db(db) {}
  Db* m_db;
};

// Convenience: the single integer of a one-row, one-column query (nullopt if no row).
Result<std::optional<int64_t>> query_int64(Db& db, std::string_view sql);

}  // namespace motcua::sql
