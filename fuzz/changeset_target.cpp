// Fuzz target "changeset": the changeset grammar check every changeset from outside goes through
// first, SQLite's reader on what it accepts, and the hub's row authoriser (hub/authorize.hpp).
#include <map>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "fuzz/fuzz_targets.hpp"
#include "sync-protocol/changeset.hpp"

#ifdef MOTCUA_FUZZ_HUB
#include "common/id.hpp"
#include "hub/authorize.hpp"
#include "schema/migrate.hpp"
#endif

namespace motcua::fuzz {

namespace {

// SQLite's reader must see exactly what validate_changeset counted: the same tables with the same
// column counts and the same number of changes, and a clean end. Otherwise the validator lets
// through bytes that SQLite (and so the hub's authoriser, which iterates with SQLite) reads
// differently.
void check_sqlite_agrees(const sql::Blob& changeset, const sync::ChangesetSummary& summary) {
  sqlite3_changeset_iter* raw = nullptr;
  const int rc =
      sqlite3changeset_start(&raw, static_cast<int>(changeset.size()), const_cast<unsigned char*>(changeset.data()));
  sql::ChangesetIterHandle it(raw);
  check_invariant(rc == SQLITE_OK, "SQLite cannot start reading a changeset validate_changeset accepted");
  std::map<std::string, int> changes;
  int step = SQLITE_ROW;
  while ((step = sqlite3changeset_next(it.get())) == SQLITE_ROW) {
    const char* table = nullptr;
    int ncol = 0, op = 0, indirect = 0;
    check_invariant(sqlite3changeset_op(it.get(), &table, &ncol, &op, &indirect) == SQLITE_OK && table,
                    "SQLite cannot read the operation of a validated change");
    auto t = summary.tables.find(table);
    check_invariant(t != summary.tables.end(), "SQLite reads a table validate_changeset did not count");
    check_invariant(t->second.columns == ncol, "SQLite reads another column count than validate_changeset");
    ++changes[table];
  }
  check_invariant(step == SQLITE_DONE, "SQLite fails part-way through a changeset validate_changeset accepted");
  int total = 0;
  for (const auto& [name, n] : changes) total += n;
  check_invariant(total == summary.total(), "SQLite reads another number of changes than validate_changeset");
}

#ifdef MOTCUA_FUZZ_HUB
// An in-memory hub database (the hub's migrations), knowing kFuzzUnit and kOtherUnit, with
// kKnownDossierHex received by kFuzzUnit; built once per process. authorize_changeset only reads it.
struct HubFixture {
  sql::Db db;
  hub::FactColumns columns;
};

HubFixture& hub_fixture() {
  static HubFixture* fixture = [] {
    auto db = sql::Db::open(":memory:");
    if (!db) invariant_broken("fuzz fixture: open hub database: " + db.error().message);
    auto migrated = schema::migrate(*db, schema::hub_migrations(), schema::kHubApplicationId, "hub");
    if (!migrated) invariant_broken("fuzz fixture: migrate hub database: " + migrated.error().message);
    auto units = db->exec(std::string("INSERT INTO unit(code, name, kind, province_code, agency_id) VALUES ('") +
                          kFuzzUnit + "', 'Phường Hạ Long', 'commune', '33', 'H33.11953'), ('" + kOtherUnit +
                          "', 'Phường Bãi Cháy', 'commune', '33', 'H33.11956');"
                          "INSERT INTO dossier_unit(dossier_id, unit, since) VALUES (X'" +
                          kKnownDossierHex + "', '" + kFuzzUnit + "', 0)");
    if (!units) invariant_broken("fuzz fixture: hub rows: " + units.error().message);
    auto columns = hub::read_fact_columns(*db);
    if (!columns) invariant_broken("fuzz fixture: fact columns: " + columns.error().message);
    return new HubFixture{std::move(*db), std::move(*columns)};  // lives as long as the process
  }();
  return *fixture;
}
#endif

}  // namespace

int fuzz_changeset(const uint8_t* data, size_t size) {
  const sql::Blob changeset(data, data + size);
  auto summary = sync::validate_changeset(changeset);
  if (!summary) {
    check_invariant(summary.error().code == ErrorCode::kCorruption,
                    "validate_changeset failed with another code than corruption");
    return 0;
  }
  check_sqlite_agrees(changeset, *summary);
#ifdef MOTCUA_FUZZ_HUB
  HubFixture& hub = hub_fixture();
  auto refusal = hub::authorize_changeset(hub.db, hub.columns, changeset, kFuzzUnit);
  if (!refusal || *refusal) return 0;
#endif
  return 1;
}

}  // namespace motcua::fuzz
