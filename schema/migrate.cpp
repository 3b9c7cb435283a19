#include "schema/migrate.hpp"

#include <algorithm>

namespace motcua::schema {

int latest_version(const std::vector<Migration>& migrations) {
  int v = 0;
  for (const auto& m : migrations) v = std::max(v, m.version);
  return v;
}

Status configure_connection(sql::Db& db) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt wal, db.prepare("PRAGMA journal_mode=WAL"));
  MOTCUA_ASSIGN_OR_RETURN(bool row, wal.step());
  if (!row || wal.text(0) != "wal") {
    return fail(Error::io("cannot switch " + db.path() + " to write-ahead logging",
                          "the data directory must be on a local disk that supports shared memory"));
  }
  MOTCUA_TRY(db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return ok();
}

Result<int> current_version(sql::Db& db) {
  MOTCUA_ASSIGN_OR_RETURN(auto v, sql::query_int64(db, "PRAGMA user_version"));
  return static_cast<int>(v.value_or(0));
}

Result<MigrationReport> migrate(sql::Db& db, const std::vector<Migration>& migrations, int application_id,
                                std::string_view product) {
  MigrationReport report;
  MOTCUA_ASSIGN_OR_RETURN(report.from_version, current_version(db));
  report.to_version = report.from_version;
  const int latest = latest_version(migrations);

  MOTCUA_ASSIGN_OR_RETURN(auto app_id, sql::query_int64(db, "PRAGMA application_id"));
  MOTCUA_ASSIGN_OR_RETURN(auto table_count, sql::query_int64(db, "SELECT count(*) FROM sqlite_master"));
  if (app_id.value_or(0) != application_id && (app_id.value_or(0) != 0 || table_count.value_or(0) != 0)) {
    return fail(Error::corruption(db.path() + " is not a motcua " + std::string(product) + " database",
                                  "point --data at the motcua data directory, or move this file away"));
  }
  if (report.from_version > latest) {
    return fail(Error::failed_precondition(
        db.path() + " was written by a newer motcua " + std::string(product) + ": it has schema version " +
            std::to_string(report.from_version) + " and this binary knows versions up to " + std::to_string(latest),
        "the database was written by a newer motcua: install that version (or newer) instead of this one"));
  }

  std::vector<const Migration*> ordered;
  for (const auto& m : migrations) ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->version < b->version; });
  for (size_t i = 0; i < ordered.size(); ++i) {
    if (ordered[i]->version != static_cast<int>(i) + 1) {
      return fail(Error::internal("migration list is not numbered 1..N without gaps"));
    }
  }

  for (const Migration* m : ordered) {
    if (m->version <= report.to_version) continue;
    MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
    auto applied = db.exec(m->sql);
    if (!applied) {
      return fail(std::move(applied.error()).context("applying schema migration " + m->name));
    }
    MOTCUA_TRY(db.exec("PRAGMA user_version=" + std::to_string(m->version) +
                       "; PRAGMA application_id=" + std::to_string(application_id)));
    MOTCUA_TRY(tx.commit());
    report.to_version = m->version;
  }
  return report;
}

}  // namespace motcua::schema
