#include "hub/hub_store.hpp"

#include <filesystem>

#include "common/id.hpp"
#include "domain/units.hpp"
#include "hub/hub_keys.hpp"
#include "reference/reference.hpp"
#include "facts/dossier_store.hpp"
#include "schema/migrate.hpp"

namespace motcua::hub {

namespace fs = std::filesystem;

std::string HubStore::database_path(const std::string& data_dir) { return (fs::path(data_dir) / "hub.db").string(); }

namespace {

Result<sql::Db> open_migrated(const std::string& path, bool create) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Db db, sql::Db::open(path, sql::Db::Options{create, false, 10000}));
  auto migrated = schema::migrate(db, schema::hub_migrations(), schema::kHubApplicationId, "hub");
  if (!migrated) {
    Error e = std::move(migrated.error());
    if (e.code == ErrorCode::kCorruption && e.message.find(path) == std::string::npos) {
      e.message = path + ": " + e.message;
      e.hint = "this file is damaged or is not a motcua hub database: restore it from a backup, or point --data "
               "at the hub's data directory";
    }
    return fail(std::move(e));
  }
  MOTCUA_TRY(schema::configure_connection(db));
  if (migrated->from_version > 0 && migrated->from_version < 5) {
    // Derived tables added by the migration are filled from the facts already held.
    MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
    MOTCUA_TRY(facts::refresh_all_derived(db).map([](auto&&) {}));
    MOTCUA_TRY(tx.commit());
  }
  return db;
}

}  // namespace

Result<HubStore> HubStore::open(const std::string& data_dir, const Clock& clock) {
  if (data_dir.empty()) return fail(Error::invalid_input("no data directory given", "pass --data DIR"));
  const std::string path = database_path(data_dir);
  std::error_code ec;
  if (!fs::exists(path, ec) || (fs::is_regular_file(path, ec) && fs::file_size(path, ec) == 0)) {
    return fail(Error::failed_precondition("no motcua hub database in " + data_dir,
                                           "create it first: motcua-hub init --data " + data_dir + " --province CODE"));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Db db, open_migrated(path, false));
  HubStore store(std::move(db), data_dir, clock);
  MOTCUA_TRY(store.get_meta("province").map([](auto&&) {}));
  return store;
}

Result<std::string> HubStore::get_meta(const std::string& key) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, m_db.prepare("SELECT value FROM meta WHERE key = ?1"));
  st.bind(1, key);
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) {
    return fail(Error::failed_precondition("the hub in " + m_data_dir + " has no '" + key + "' setting",
                                           "the hub was not initialised completely: run motcua-hub init again in a new directory"));
  }
  return st.text(0);
}

Status HubStore::set_meta(const std::string& key, const std::string& value) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, m_db.prepare(
      "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st.bind(1, key).bind(2, value);
  return st.run();
}

Result<HubInitResult> init_hub(const std::string& data_dir, const std::string& province_code, const Clock& clock) {
  if (data_dir.empty()) return fail(Error::invalid_input("no data directory given", "pass --data DIR"));
  MOTCUA_ASSIGN_OR_RETURN(std::vector<domain::Unit> units, domain::province_units(province_code));
  const std::string path = HubStore::database_path(data_dir);
  std::error_code ec;
  if (fs::exists(path, ec) && fs::file_size(path, ec) > 0) {
    return fail(Error::failed_precondition(data_dir + " already holds a hub database",
                                           "init runs once; to start over, move " + path + " away first"));
  }
  fs::create_directories(data_dir, ec);
  if (ec) return fail(Error::io("cannot create data directory " + data_dir + ": " + ec.message(), "choose a directory you can write to"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Db db, open_migrated(path, true));
  MOTCUA_ASSIGN_OR_RETURN(sync::KeyPair key, create_hub_key(data_dir));
  HubInitResult result;
  result.public_key = key.public_key().base64();
  result.province_code = province_code;
  result.province_name = units.front().name;
  result.units = static_cast<int64_t>(units.size());
  result.epoch = Id128::random().hex();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  reference::ReferenceUpdate update;
  update.units = units;
  MOTCUA_TRY(reference::apply_reference_update(db, update));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt meta, db.prepare("INSERT INTO meta(key, value) VALUES (?1, ?2)"));
  for (const auto& [k, v] : {std::pair<std::string, std::string>{"province", province_code},
                             {"epoch", result.epoch},
                             {"created_at", format_rfc3339_vn(clock.now())}}) {
    meta.bind(1, k).bind(2, v);
    MOTCUA_TRY(meta.run());
  }
  MOTCUA_TRY(tx.commit());
  return result;
}

}  // namespace motcua::hub
