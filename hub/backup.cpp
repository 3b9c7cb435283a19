#include "hub/backup.hpp"

#include <filesystem>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/files.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "hub/hub_keys.hpp"
#include "hub/hub_store.hpp"
#include "hub/publish.hpp"
#include "reference/reference.hpp"
#include "schema/migrate.hpp"
#include "sync-protocol/dictionary.hpp"
#include "sync-protocol/keys.hpp"

namespace motcua::hub {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDatabaseFile = "hub.db";
constexpr const char* kKeyFile = "hub-key.pem";
constexpr const char* kStagingDir = ".restoring";

std::string join(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

// kInvalidInput unless `dir` does not exist or is an empty directory. Reads only.
Status require_absent_or_empty(const std::string& dir, const std::string& what, const std::string& hint) {
  std::error_code ec;
  const bool exists = fs::exists(dir, ec);
  if (ec) return fail(Error::io("cannot look at " + dir + ": " + ec.message(), "check the path and its permissions"));
  if (!exists) return ok();
  if (!fs::is_directory(dir, ec)) return fail(Error::invalid_input(what + " " + dir + " exists and is not a directory", hint));
  const bool empty = fs::is_empty(dir, ec);
  if (ec) return fail(Error::io("cannot list " + dir + ": " + ec.message(), "check the path and its permissions"));
  if (!empty) return fail(Error::invalid_input(what + " " + dir + " is not empty", hint));
  return ok();
}

// Removes what a failed backup or restore wrote: the whole directory when this call created it,
// otherwise each path it registered. Dismissed once everything is in place.
class Cleanup {
 public:
  Cleanup(std::string dir, bool created_dir) : m_dir(std::move(dir)), m_created_dir(created_dir) {}
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  ~Cleanup() {
    if (m_dismissed) return;
    std::error_code ec;
    if (m_created_dir) {
      fs::remove_all(m_dir, ec);
      return;
    }
    for (auto it = m_paths.rbegin(); it != m_paths.rend(); ++it) fs::remove_all(*it, ec);
  }
  void add(const std::string& path) { m_paths.push_back(path); }
  // A database file and the files SQLite may create beside it.
  void add_database(const std::string& path) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) add(path + suffix);
  }
  void dismiss() { m_dismissed = true; }

 private:
  std::string m_dir;
  bool m_created_dir;
  bool m_dismissed = false;
  std::vector<std::string> m_paths;
};

// Creates `dir` when it does not exist (owner-only when `private_dir`); true when it was created.
Result<bool> create_directory_for(const std::string& dir, bool private_dir) {
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  if (existed) return false;
  fs::create_directories(dir, ec);
  if (ec) return fail(Error::io("cannot create " + dir + ": " + ec.message(), "choose a directory you can write to"));
  if (private_dir) {
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) {
      fs::remove_all(dir, ec);
      return fail(Error::io("cannot restrict " + dir + " to its owner", "choose a directory on a local disk"));
    }
  }
  return true;
}

struct BackupFinisher {
  void operator()(sqlite3_backup* b) const { sqlite3_backup_finish(b); }
};

// Copies the main database of `source` into a new file `dest_path` with SQLite's backup API, in
// steps of options.pages_per_step pages. The caller holds a read transaction on `source` when the
// copy must be one snapshot while other processes write: every step then reads that snapshot, and
// a write by another process does not restart the copy (without it, SQLite restarts the copy
// whenever the source changes, and a busy hub could keep it from ever finishing).
Status copy_database(sql::Db& source, const std::string& dest_path, const BackupOptions& options) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Db dest, sql::Db::open(dest_path, sql::Db::Options{true, false, 5000}));
  std::unique_ptr<sqlite3_backup, BackupFinisher> backup(sqlite3_backup_init(dest.get(), "main", source.get(), "main"));
  if (!backup) {
    return fail(sql::error_from_sqlite(sqlite3_errcode(dest.get()), dest.get(), "starting the copy of " + source.path()));
  }
  const int pages = options.pages_per_step > 0 ? options.pages_per_step : 1;
  auto busy_since = std::chrono::steady_clock::now();
  bool busy = false;
  while (true) {
    const int rc = sqlite3_backup_step(backup.get(), pages);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) {
      busy = false;
      if (options.pause.count() > 0) std::this_thread::sleep_for(options.pause);
      continue;
    }
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
      const auto now = std::chrono::steady_clock::now();
      if (!busy) {
        busy = true;
        busy_since = now;
      } else if (now - busy_since > options.busy_timeout) {
        return fail(Error::unavailable("the copy of " + source.path() + " made no progress for " +
                                           std::to_string(options.busy_timeout.count() / 1000) + " s: the database is busy",
                                       "retry in a moment; nothing was kept"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    return fail(sql::error_from_sqlite(rc, nullptr, "copying " + source.path() + " to " + dest_path));
  }
  const int rc = sqlite3_backup_finish(backup.release());
  if (rc != SQLITE_OK) return fail(sql::error_from_sqlite(rc, dest.get(), "finishing the copy to " + dest_path));
  return ok();
}

Result<std::optional<std::string>> meta_value(sql::Db& db, const std::string& key) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT value FROM meta WHERE key = ?1"));
  st.bind(1, key);
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.text(0));
}

// kCorruption unless SQLite's quick_check finds the file sound.
Status quick_check(sql::Db& db, const std::string& path) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("PRAGMA quick_check"));
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row || st.text(0) != "ok") {
    return fail(Error::corruption(path + " does not pass SQLite's integrity check" + (row ? ": " + st.text(0) : ""),
                                  "take the backup again from the running hub, or use an older backup"));
  }
  return ok();
}

Result<HubSummary> summarize(sql::Db& db, const std::string& path) {
  HubSummary s;
  MOTCUA_ASSIGN_OR_RETURN(auto province, meta_value(db, "province"));
  MOTCUA_ASSIGN_OR_RETURN(auto epoch, meta_value(db, "epoch"));
  if (!province || !epoch) {
    return fail(Error::invalid_input(path + " is not a complete motcua hub database (no province or epoch)",
                                     "back up or restore the hub.db of a hub set up with motcua-hub init"));
  }
  s.province = *province;
  s.epoch = *epoch;
  MOTCUA_ASSIGN_OR_RETURN(auto version, sql::query_int64(db, "PRAGMA user_version"));
  s.schema_version = version.value_or(0);
  MOTCUA_ASSIGN_OR_RETURN(auto agents, sql::query_int64(db, "SELECT count(*) FROM agent WHERE status = 'active'"));
  s.agents = agents.value_or(0);
  MOTCUA_ASSIGN_OR_RETURN(auto dossiers, sql::query_int64(db, "SELECT count(*) FROM dossier"));
  s.dossiers = dossiers.value_or(0);
  MOTCUA_ASSIGN_OR_RETURN(s.catalog_version, reference::current_catalog_version(db));
  MOTCUA_ASSIGN_OR_RETURN(s.calendar_version, reference::current_calendar_version(db));
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  s.database_bytes = ec ? 0 : static_cast<int64_t>(size);
  return s;
}

// Reads a hub key file and checks that it holds a key; returns the file's exact text.
Result<std::string> read_key_file(const std::string& path, const std::string& hint) {
  auto pem = read_whole_file(path);
  if (!pem) return fail(Error::failed_precondition("the hub's key " + path + " is missing or unreadable", hint));
  auto key = sync::KeyPair::from_private_pem(*pem);
  if (!key) return fail(Error::corruption("the hub's key " + path + " cannot be read: " + key.error().message, hint));
  return *pem;
}

// The copy as a single self-contained file: the backup API copies the source's header, which says
// WAL; switching to a rollback journal folds the WAL back in and leaves no -wal/-shm beside it.
Result<HubSummary> finish_backup_file(const std::string& path) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Db db, sql::Db::open(path, sql::Db::Options{false, false, 5000}));
  MOTCUA_TRY(db.exec("PRAGMA journal_mode=DELETE"));
  MOTCUA_TRY(quick_check(db, path));
  MOTCUA_ASSIGN_OR_RETURN(auto app, sql::query_int64(db, "PRAGMA application_id"));
  if (app.value_or(0) != schema::kHubApplicationId) {
    return fail(Error::corruption(path + " is not a motcua hub database after the copy", "report this bug"));
  }
  return summarize(db, path);
}

// The publication kinds' newest source file name, to label a republication.
Result<std::string> latest_source(sql::Db& db, const std::string& kind) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT source FROM publication WHERE kind = ?1 ORDER BY version DESC LIMIT 1"));
  st.bind(1, kind);
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  return row ? st.text(0) : std::string("restore");
}


// The restore's one transaction on the staged copy (see restore_hub in backup.hpp).
Status start_new_history(HubStore& store, const Clock& clock, RestoreResult& r) {
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(r.previous_epoch, store.get_meta("epoch"));
  // Every version this hub's history reached, and a floor left by an earlier restore.
  MOTCUA_ASSIGN_OR_RETURN(auto highest, sql::query_int64(db,
      "SELECT max(v) FROM (SELECT max(version) AS v FROM publication "
      "UNION ALL SELECT max(version) FROM catalog_publication "
      "UNION ALL SELECT max(version) FROM calendar_publication "
      "UNION ALL SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'publication_version_floor')"));
  r.publication_version_floor = highest.value_or(0) + kRestoreVersionMargin;
  r.restored_at = whole_second(clock.now());
  r.epoch = Id128::random().hex();
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"epoch", r.epoch},
           {"previous_epoch", r.previous_epoch},
           {"restored_from_epoch", r.previous_epoch},
           {"restored_at", format_rfc3339_vn(r.restored_at)},
           {"publication_version_floor", std::to_string(r.publication_version_floor)}}) {
    MOTCUA_TRY(store.set_meta(key, value));
  }
  // A code unused in the backup may have been handed out, or used, after it: nobody can tell, so
  // none stays usable. IT issues new codes to the offices that must enroll again.
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt expire, db.prepare(
      "UPDATE enrollment_code SET expires_at = ?1 WHERE used_at IS NULL AND expires_at > ?1"));
  expire.bind(1, r.restored_at.ms);
  MOTCUA_TRY(expire.run());
  r.enrollment_codes_expired = db.changes();

  // Offices may hold reference versions the lost hub published after the backup; what this hub
  // holds now is the backup's. Republishing it whole at the floor version brings every office back
  // to it (a full catalogue abolishes what it does not list) before any new delta is numbered
  // above it; under the new epoch every office reads its feed from the start (PROTOCOL.md 7.4).
  const int64_t version = r.publication_version_floor;
  MOTCUA_ASSIGN_OR_RETURN(auto catalog, reference::current_catalog_version(db));
  if (catalog) {
    MOTCUA_ASSIGN_OR_RETURN(auto rows, reference::current_procedures(db, ""));
    reference::CatalogPublication pub;
    pub.version = version;
    pub.published_at = r.restored_at;
    MOTCUA_ASSIGN_OR_RETURN(pub.source, latest_source(db, "catalog"));
    pub.full = true;
    for (auto& row : rows) pub.changed.push_back(std::move(row.procedure));
    reference::ReferenceUpdate update;
    update.catalog = pub;
    MOTCUA_TRY(reference::apply_reference_update(db, update));
    MOTCUA_ASSIGN_OR_RETURN(r.units, append_publication(db, "catalog", version, pub.published_at, pub.source,
                                                        reference::catalog_publication_json(pub).dump()));
    r.catalog_version = version;
  }
  MOTCUA_ASSIGN_OR_RETURN(auto calendar, reference::current_calendar_version(db));
  if (calendar) {
    MOTCUA_ASSIGN_OR_RETURN(domain::Calendar current, reference::load_calendar(db));
    reference::CalendarPublication pub;
    pub.version = version;
    pub.published_at = r.restored_at;
    MOTCUA_ASSIGN_OR_RETURN(pub.source, latest_source(db, "calendar"));
    pub.days = current.days();
    reference::ReferenceUpdate update;
    update.calendar = pub;
    MOTCUA_TRY(reference::apply_reference_update(db, update));
    MOTCUA_ASSIGN_OR_RETURN(r.units, append_publication(db, "calendar", version, pub.published_at, pub.source,
                                                        reference::calendar_publication_json(pub).dump()));
    r.calendar_version = version;
  }
  // Offices may use a dictionary the lost hub published after the backup; republishing the one
  // this hub holds makes it their newest again (one it lacks is refused as unknown, and the office
  // sends that batch again without it).
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt newest, db.prepare(
      "SELECT id, bytes, source FROM dictionary ORDER BY version DESC LIMIT 1"));
  MOTCUA_ASSIGN_OR_RETURN(bool has_dictionary, newest.step());
  if (has_dictionary) {
    sync::Dictionary d;
    d.id = static_cast<uint32_t>(newest.int64(0));
    d.bytes = newest.blob(1);
    const std::string source = newest.text(2);
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt bump, db.prepare("UPDATE dictionary SET version = ?2, published_at = ?3 WHERE id = ?1"));
    bump.bind(1, static_cast<int64_t>(d.id)).bind(2, version).bind(3, r.restored_at.ms);
    MOTCUA_TRY(bump.run());
    MOTCUA_ASSIGN_OR_RETURN(r.units, append_publication(db, "dictionary", version, r.restored_at, source,
                                                        sync::dictionary_publication_json(
                                                            d, version, format_rfc3339_vn(r.restored_at), source)));
  }
  return tx.commit();
}

}  // namespace

Result<BackupResult> backup_hub(const std::string& data_dir, const std::string& out_dir, const BackupOptions& options) {
  if (data_dir.empty()) return fail(Error::invalid_input("no data directory given", "pass --data DIR"));
  if (out_dir.empty()) return fail(Error::invalid_input("no backup directory given", "pass OUT, a new directory"));
  MOTCUA_TRY(require_absent_or_empty(out_dir, "backup directory",
                                     "back up into a new or empty directory (e.g. one named by the date); nothing was written"));
  // Everything that can be refused is checked before anything is written.
  MOTCUA_ASSIGN_OR_RETURN(HubStore store, HubStore::open(data_dir, process_clock()));
  MOTCUA_ASSIGN_OR_RETURN(std::string pem, read_key_file(hub_key_path(data_dir),
                                                         "a hub cannot be restored without its key: find hub-key.pem "
                                                         "before relying on backups"));

  MOTCUA_ASSIGN_OR_RETURN(bool created, create_directory_for(out_dir, true));
  Cleanup cleanup(out_dir, created);
  BackupResult result;
  result.out_dir = out_dir;
  result.database_path = join(out_dir, kDatabaseFile);
  result.key_path = join(out_dir, kKeyFile);
  const std::string partial = result.database_path + ".partial";
  cleanup.add_database(partial);
  {
    sql::Db& source = store.db();
    // One read transaction for the whole copy: a consistent snapshot, while WAL lets `serve` go on
    // committing (readers never block the writer).
    MOTCUA_TRY(source.exec("BEGIN"));
    auto snapshot = sql::query_int64(source, "SELECT count(*) FROM sqlite_master");
    Status copied = snapshot ? copy_database(source, partial, options) : Status(fail(snapshot.error()));
    (void)source.exec("ROLLBACK");  // ends the read; nothing was written
    MOTCUA_TRY(copied);
  }
  MOTCUA_ASSIGN_OR_RETURN(result.summary, finish_backup_file(partial));
  std::error_code ec;
  fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
  cleanup.add(result.database_path);
  fs::rename(partial, result.database_path, ec);
  if (ec) return fail(Error::io("cannot create " + result.database_path + ": " + ec.message(), "check free disk space"));
  cleanup.add(result.key_path);
  cleanup.add(result.key_path + ".tmp");
  MOTCUA_TRY(write_private_file(result.key_path, pem));
  cleanup.dismiss();
  return result;
}

Result<RestoreResult> restore_hub(const std::string& backup_dir, const std::string& data_dir, const Clock& clock) {
  if (data_dir.empty()) return fail(Error::invalid_input("no data directory given", "pass --data DIR"));
  if (backup_dir.empty()) return fail(Error::invalid_input("no backup given", "pass --from BACKUP_DIR"));
  MOTCUA_TRY(require_absent_or_empty(data_dir, "data directory",
                                     "restore into a new or empty directory: move the damaged data directory aside "
                                     "first; nothing was changed"));
  std::error_code ec;
  if (!fs::is_directory(backup_dir, ec)) {
    return fail(Error::not_found("no backup directory " + backup_dir, "pass the directory motcua-hub backup wrote"));
  }
  const std::string backup_db = join(backup_dir, kDatabaseFile);
  if (!fs::is_regular_file(backup_db, ec)) {
    return fail(Error::invalid_input(backup_dir + " is not a hub backup: it has no " + kDatabaseFile,
                                     "pass the directory motcua-hub backup wrote"));
  }
  MOTCUA_ASSIGN_OR_RETURN(std::string pem, read_key_file(join(backup_dir, kKeyFile),
                                                         "a backup needs the hub's key beside hub.db: offices trust "
                                                         "only that key"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Db source, sql::Db::open(backup_db, sql::Db::Options{false, true, 5000}));
  MOTCUA_ASSIGN_OR_RETURN(auto app, sql::query_int64(source, "PRAGMA application_id"));
  if (app.value_or(0) != schema::kHubApplicationId) {
    return fail(Error::invalid_input(backup_db + " is not a motcua hub database", "pass the directory motcua-hub backup wrote"));
  }
  MOTCUA_ASSIGN_OR_RETURN(auto version, sql::query_int64(source, "PRAGMA user_version"));
  if (version.value_or(0) > schema::latest_version(schema::hub_migrations())) {
    return fail(Error::failed_precondition("the backup's database is schema version " + std::to_string(*version) +
                                               ", newer than this motcua-hub understands",
                                           "restore it with the motcua-hub version that took it"));
  }
  MOTCUA_TRY(quick_check(source, backup_db));
  MOTCUA_TRY(summarize(source, backup_db).map([](auto&&) {}));

  MOTCUA_ASSIGN_OR_RETURN(bool created, create_directory_for(data_dir, false));
  Cleanup cleanup(data_dir, created);
  const std::string staging = join(data_dir, kStagingDir);
  cleanup.add(staging);
  fs::create_directory(staging, ec);
  if (ec) return fail(Error::io("cannot create " + staging + ": " + ec.message(), "choose a directory you can write to"));
  BackupOptions copy_options;
  copy_options.pages_per_step = 4096;
  copy_options.pause = std::chrono::milliseconds(0);
  MOTCUA_TRY(copy_database(source, join(staging, kDatabaseFile), copy_options));
  MOTCUA_TRY(write_private_file(join(staging, kKeyFile), pem));

  RestoreResult result;
  result.data_dir = data_dir;
  {
    // Migrates a backup taken by an older motcua-hub.
    MOTCUA_ASSIGN_OR_RETURN(HubStore store, HubStore::open(staging, clock));
    MOTCUA_TRY(start_new_history(store, clock, result));
    MOTCUA_ASSIGN_OR_RETURN(result.summary, summarize(store.db(), join(staging, kDatabaseFile)));
  }  // closed: SQLite folds its WAL back into hub.db
  for (const std::string name : {kDatabaseFile, "hub.db-wal", "hub.db-shm", kKeyFile}) {
    const std::string from = join(staging, name);
    if (!fs::exists(from, ec)) continue;
    const std::string to = join(data_dir, name);
    cleanup.add(to);
    fs::rename(from, to, ec);
    if (ec) return fail(Error::io("cannot move " + from + " to " + to + ": " + ec.message(), "check the data directory"));
  }
  fs::remove(staging, ec);
  result.summary.database_bytes = static_cast<int64_t>(fs::file_size(join(data_dir, kDatabaseFile), ec));
  cleanup.dismiss();
  return result;
}

}  // namespace motcua::hub
