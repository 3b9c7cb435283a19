#include "common/sqlite.hpp"

namespace motcua::sql {

Error error_from_sqlite(int rc, sqlite3* db, std::string_view what) {
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string msg = std::string(what) + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Error::io(msg, "the disk is full: free space on the data drive, then retry; nothing was changed");
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Error::io(msg, "check that the data directory exists, is writable and the disk is healthy");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error::corruption(msg, "the database file is damaged or is not a motcua database: restore it from a backup");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::unavailable(msg, "another process is using the database: retry in a moment");
    case SQLITE_CONSTRAINT:
      return Error::conflict(msg);
    case SQLITE_NOMEM:
      return Error::unavailable(msg, "the machine is out of memory");
    default:
      return Error::internal(msg);
  }
}

Result<Db> Db::open(const std::string& path, Options options) {
  sqlite3* raw = nullptr;
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  ConnHandle conn(raw);
  if (rc != SQLITE_OK) return fail(error_from_sqlite(rc, raw, "opening database " + path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  Db db;
  db.m_conn = std::move(conn);
  db.m_cache = std::make_shared<StmtCache>();
  db.m_path = path;
  return db;
}

StmtCache::~StmtCache() {
  for (auto& [sql, stmt] : m_idle) sqlite3_finalize(stmt);
}

StmtHandle StmtCache::take(const std::string& sql) {
  for (size_t i = m_idle.size(); i-- > 0;) {
    if (m_idle[i].first == sql) {
      sqlite3_stmt* stmt = m_idle[i].second;
      m_idle.erase(m_idle.begin() + static_cast<std::ptrdiff_t>(i));
      return StmtHandle(stmt);
    }
  }
  return StmtHandle();
}

void StmtCache::put(const std::string& sql, StmtHandle stmt) {
  if (!stmt) return;
  sqlite3_reset(stmt.get());
  sqlite3_clear_bindings(stmt.get());
  if (m_idle.size() >= kMaxIdle) {
    sqlite3_finalize(m_idle.front().second);  // the one idle longest
    m_idle.erase(m_idle.begin());
  }
  m_idle.emplace_back(sql, stmt.release());
}

Stmt::~Stmt() {
  if (m_cache && m_stmt) m_cache->put(m_sql, std::move(m_stmt));
}

Status Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(m_conn.get(), s.c_str(), nullptr, nullptr, &err);
  SqliteBuffer guard(err);
  if (rc != SQLITE_OK) return fail(error_from_sqlite(rc, m_conn.get(), "executing SQL"));
  return ok();
}

Result<Stmt> Db::prepare(std::string_view sql) {
  std::string text(sql);
  if (m_cache) {
    if (StmtHandle idle = m_cache->take(text)) return Stmt(m_conn.get(), std::move(idle), m_cache, std::move(text));
  }
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(m_conn.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  StmtHandle stmt(raw);
  if (rc != SQLITE_OK) return fail(error_from_sqlite(rc, m_conn.get(), "preparing SQL"));
  // An empty text (or only a comment) prepares no statement: nothing to keep.
  if (!stmt || !m_cache) return Stmt(m_conn.get(), std::move(stmt));
  return Stmt(m_conn.get(), std::move(stmt), m_cache, std::move(text));
}

Status Stmt::check_bind(int rc) {
  if (rc != SQLITE_OK && m_bind_rc == SQLITE_OK) m_bind_rc = rc;
  return ok();
}

Stmt& Stmt::bind(int i, int64_t v) { (void)check_bind(sqlite3_bind_int64(m_stmt.get(), i, v)); return *this; }
Stmt& Stmt::bind(int i, double v) { (void)check_bind(sqlite3_bind_double(m_stmt.get(), i, v)); return *this; }
Stmt& Stmt::bind(int i, std::string_view v) {
  (void)check_bind(sqlite3_bind_text64(m_stmt.get(), i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}
Stmt& Stmt::bind(int i, const Blob& v) {
  (void)check_bind(sqlite3_bind_blob64(m_stmt.get(), i, v.data(), v.size(), SQLITE_TRANSIENT));
  return *this;
}
Stmt& Stmt::bind_null(int i) { (void)check_bind(sqlite3_bind_null(m_stmt.get(), i)); return *this; }

Result<bool> Stmt::step() {
  if (m_bind_rc != SQLITE_OK) return fail(error_from_sqlite(m_bind_rc, m_db, "binding SQL parameter"));
  int rc = sqlite3_step(m_stmt.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(error_from_sqlite(rc, m_db, "running SQL"));
}

Status Stmt::run() {
  MOTCUA_ASSIGN_OR_RETURN(bool row, step());
  (void)row;
  return reset();
}

Status Stmt::reset() {
  sqlite3_reset(m_stmt.get());
  sqlite3_clear_bindings(m_stmt.get());
  m_bind_rc = SQLITE_OK;
  return ok();
}

std::string Stmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(m_stmt.get(), col);
  int n = sqlite3_column_bytes(m_stmt.get(), col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

Blob Stmt::blob(int col) const {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(m_stmt.get(), col));
  int n = sqlite3_column_bytes(m_stmt.get(), col);
  return p ? Blob(p, p + n) : Blob();
}

Result<Transaction> Transaction::begin_immediate(Db& db) {
  MOTCUA_TRY(db.exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (m_db) (void)m_db->exec("ROLLBACK");
}

void Transaction::rollback() {
  if (m_db) (void)m_db->exec("ROLLBACK");
  m_db = nullptr;
}

Status Transaction::commit() {
  if (!m_db) return fail(Error::internal("commit on a finished transaction"));
  MOTCUA_TRY(m_db->exec("COMMIT"));
  m_db = nullptr;
  return ok();
}

Result<std::optional<int64_t>> query_int64(Db& db, std::string_view sql) {
  MOTCUA_ASSIGN_OR_RETURN(Stmt st, db.prepare(sql));
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row || st.is_null(0)) return std::optional<int64_t>{};
  return std::optional<int64_t>(st.int64(0));
}

}  // namespace motcua::sql
