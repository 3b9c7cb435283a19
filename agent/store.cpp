#include "agent/store.hpp"

#include <charconv>

#include <filesystem>

#include "common/fault.hpp"
#include "facts/dossier_store.hpp"
#include "schema/migrate.hpp"
#include "schema/tables.hpp"
#include "common/files.hpp"

namespace motcua::agent {

namespace fs = std::filesystem;

std::string Store::database_path(const std::string& data_dir) { return path_utf8(utf8_path(data_dir) / "agent.db"); }

Result<Store> Store::open(const std::string& data_dir, bool create, const Clock& clock) {
  if (data_dir.empty()) return fail(Error::invalid_input("no data directory given", "pass --data DIR"));
  const std::string path = database_path(data_dir);
  std::error_code ec;
  if (!fs::exists(utf8_path(path), ec)) {
    if (!create) {
      return fail(Error::failed_precondition("no motcua office database in " + data_dir,
                                             "set the office up first: motcua-agent init --data " + data_dir +
                                                 " --unit CODE --catalog FILE --calendar FILE"));
    }
    fs::create_directories(utf8_path(data_dir), ec);
    if (ec) return fail(Error::io("cannot create data directory " + data_dir + ": " + ec.message(),
                                  "choose a directory you can write to"));
  } else if (fs::is_directory(utf8_path(path), ec)) {
    return fail(Error::invalid_input(path + " is a directory", "remove it or choose another --data directory"));
  } else if (!create && fs::file_size(utf8_path(path), ec) == 0 && !ec) {
    // An empty file is not an office: never turn it into one behind a read-only command's back.
    return fail(Error::failed_precondition(path + " is empty: no office is set up in " + data_dir,
                                           "set the office up first: motcua-agent init --data " + data_dir +
                                               " --unit CODE --catalog FILE --calendar FILE"));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Db db, sql::Db::open(path, sql::Db::Options{create, false, 5000}));
  // The first read of a file that is not a database fails here with SQLITE_NOTADB.
  auto migrated = schema::migrate(db, schema::agent_migrations(), schema::kAgentApplicationId, "agent");
  if (!migrated) {
    Error e = std::move(migrated.error());
    if (e.code == ErrorCode::kCorruption && e.message.find(path) == std::string::npos) {
      e.message = path + ": " + e.message;
      e.hint = "this file is damaged or is not a motcua office database: restore it from a backup, or point --data "
               "at the office's data directory";
    }
    return fail(std::move(e));
  }
  MOTCUA_TRY(schema::configure_connection(db));
  if (migrated->from_version > 0 && migrated->from_version < 3) {
    // Derived tables added by the migration are filled from the facts already held.
    MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
    MOTCUA_TRY(facts::refresh_all_derived(db).map([](auto&&) {}));
    MOTCUA_TRY(tx.commit());
  }
  return Store(std::move(db), data_dir, clock);
}

Result<std::optional<int64_t>> Store::get_meta_int(const std::string& key) {
  MOTCUA_ASSIGN_OR_RETURN(auto text, get_meta(key));
  if (!text) return std::optional<int64_t>();
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || p != text->data() + text->size()) return std::optional<int64_t>();
  return std::optional<int64_t>(v);
}

Result<std::optional<std::string>> Store::get_meta(const std::string& key) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, m_db.prepare("SELECT value FROM meta WHERE key = ?1"));
  st.bind(1, key);
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<std::string>{};
  return std::optional<std::string>(st.text(0));
}

Status Store::set_meta(const std::string& key, const std::string& value) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, m_db.prepare(
      "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st.bind(1, key).bind(2, value);
  return st.run();
}

Result<std::string> Store::unit_code() {
  MOTCUA_ASSIGN_OR_RETURN(auto unit, get_meta("unit"));
  if (!unit) {
    return fail(Error::failed_precondition("the office in " + m_data_dir + " is not set up",
                                           "run: motcua-agent init --data " + m_data_dir +
                                               " --unit CODE --catalog FILE --calendar FILE"));
  }
  return *unit;
}

Result<Hlc> Store::next_hlc() {
  MOTCUA_ASSIGN_OR_RETURN(auto last_text, get_meta("hlc"));
  Hlc last{last_text ? std::stoll(*last_text) : 0};
  Hlc next = hlc_tick(last, m_clock.now());
  MOTCUA_TRY(set_meta("hlc", std::to_string(next.value)));
  return next;
}

Status Store::observe_hlc(Hlc remote) {
  MOTCUA_ASSIGN_OR_RETURN(auto last_text, get_meta("hlc"));
  Hlc last{last_text ? std::stoll(*last_text) : 0};
  if (remote < last || remote == last) return ok();
  return set_meta("hlc", std::to_string(hlc_receive(last, remote, m_clock.now()).value));
}

Status Store::write_captured(const std::function<Status(sql::Db&)>& body) {
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(m_db));
  sql::Blob changeset;
  {
    sqlite3_session* raw = nullptr;
    int rc = sqlite3session_create(m_db.get(), "main", &raw);
    sql::SessionHandle session(raw);
    if (rc != SQLITE_OK) return fail(sql::error_from_sqlite(rc, m_db.get(), "starting change capture"));
    for (const std::string& table : schema::agent_captured_tables()) {
      rc = sqlite3session_attach(session.get(), table.c_str());
      if (rc != SQLITE_OK) return fail(sql::error_from_sqlite(rc, m_db.get(), "capturing table " + table));
    }
    MOTCUA_TRY(body(m_db));
    int size = 0;
    void* out = nullptr;
    rc = sqlite3session_changeset(session.get(), &size, &out);
    sql::SqliteBuffer buffer(out);
    if (rc != SQLITE_OK) return fail(sql::error_from_sqlite(rc, m_db.get(), "reading captured changes"));
    const auto* p = static_cast<const unsigned char*>(out);
    changeset.assign(p, p + size);
  }  // the session is deleted here, before COMMIT and long before the connection
  if (!changeset.empty()) {
    const int version = schema::kReplicatedSchemaVersion;
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, m_db.prepare(
        "INSERT INTO outbox(created_at, schema_version, changeset, state) VALUES (?1, ?2, ?3, 'pending')"));
    st.bind(1, m_clock.now().ms).bind(2, version).bind(3, changeset);
    MOTCUA_TRY(st.run());
  }
  MOTCUA_FAULT_POINT("agent.capture.after_outbox_insert");
  MOTCUA_TRY(tx.commit());
  MOTCUA_FAULT_POINT("agent.capture.after_commit");
  return ok();
}

Result<int> Store::checkpoint_if_due() {
  const int64_t now = m_clock.now().ms;
  if (m_last_checkpoint_ms && now - *m_last_checkpoint_ms < kCheckpointIntervalMs && now >= *m_last_checkpoint_ms) {
    return 0;
  }
  m_last_checkpoint_ms = now;
  int log_frames = 0, copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(m_db.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
  if (rc != SQLITE_OK) return fail(sql::error_from_sqlite(rc, m_db.get(), "checkpointing the write-ahead log"));
  return copied;
}

}  // namespace motcua::agent
