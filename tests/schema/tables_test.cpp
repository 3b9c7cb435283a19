#include <catch2/catch.hpp>

#include <set>

#include "agent/store.hpp"
#include "common/id.hpp"
#include "schema/migrate.hpp"
#include "schema/tables.hpp"
#include "sync-protocol/changeset.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;

namespace {

std::set<std::string> tables_in(sql::Db& db) {
  auto st = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  REQUIRE(st);
  std::set<std::string> names;
  while (*st->step()) names.insert(st->text(0));
  return names;
}

bool has_explicit_primary_key(sql::Db& db, const std::string& table) {
  auto st = db.prepare("SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0");
  REQUIRE(st);
  st->bind(1, table);
  REQUIRE(*st->step());
  return st->int64(0) > 0;
}

}  // namespace

TEST_CASE("every table in the agent database is classified, and every replicated table has a primary key",
          "[schema][capture]") {
  test::TempDir dir;
  SystemClock clock;
  auto store = agent::Store::open(dir.file("office"), true, clock);
  REQUIRE(store);
  const std::set<std::string> actual = tables_in(store->db());
  std::set<std::string> classified;
  for (const auto& t : schema::agent_tables()) {
    INFO("table " << t.name << " (" << schema::table_class_name(t.cls) << ")");
    classified.insert(t.name);
    CHECK(actual.count(t.name) == 1);
    if (t.cls == schema::TableClass::kReplicatedFact) {
      // The session extension silently ignores tables without a PRIMARY KEY.
      CHECK(has_explicit_primary_key(store->db(), t.name));
    }
  }
  for (const auto& name : actual) {
    INFO("table " << name << " exists in the schema but is not classified in schema/tables.cpp");
    CHECK(classified.count(name) == 1);
  }
}

TEST_CASE("the session captures exactly the replicated-fact tables and never derived, reference or local ones",
          "[schema][capture]") {
  test::TempDir dir;
  SystemClock clock;
  auto store = agent::Store::open(dir.file("office"), true, clock);
  REQUIRE(store);
  // Write one row into every table of every class inside one captured transaction.
  auto written = store->write_captured([&](sql::Db& db) -> Status {
    const auto id = Id128::random().blob();
    auto ins = db.prepare(
        "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, "
        "applicant_name, applicant_citizen_id, channel, received_at, entered_at, due_rule, limit_kind, status, hlc, "
        "origin_unit, actor) VALUES (?1, 'X-260302-0001', '11953', '11953', '11953', '1.001193', 1, 'A', "
        "'033198001234', 1, 0, 0, 'none', 'none', 2, 1, '11953', 't')");
    if (!ins) return fail(ins.error());
    ins->bind(1, id);
    MOTCUA_TRY(ins->run());
    auto ev = db.prepare(
        "INSERT INTO dossier_event(id, dossier_id, kind, from_status, to_status, at, hlc, origin_unit, actor) "
        "VALUES (?1, ?2, 'status', 2, 4, 0, 2, '11953', 't')");
    if (!ev) return fail(ev.error());
    ev->bind(1, Id128::random().blob()).bind(2, id);
    MOTCUA_TRY(ev->run());
    auto doc = db.prepare(
        "INSERT INTO dossier_document(id, dossier_id, position, name, form, copies, hlc, origin_unit) "
        "VALUES (?1, ?2, 1, 'Tờ khai', 'chinh', 1, 1, '11953')");
    if (!doc) return fail(doc.error());
    doc->bind(1, Id128::random().blob()).bind(2, id);
    MOTCUA_TRY(doc->run());
    auto state = db.prepare(
        "INSERT INTO dossier_state(dossier_id, code, status, holder_unit, receiving_unit, resolving_unit, "
        "procedure_key, applicant_name, applicant_citizen_id, received_at, last_hlc) "
        "VALUES (?1, 'X-260302-0001', 4, '11953', '11953', '11953', '1.001193', 'A', '033198001234', 0, 2)");
    if (!state) return fail(state.error());
    state->bind(1, id);
    MOTCUA_TRY(state->run());
    MOTCUA_TRY(db.exec("INSERT INTO unit VALUES ('11953', 'Phường Phố Hiến', 'commune', '33', '33.11953')"));
    MOTCUA_TRY(db.exec("INSERT INTO calendar_day VALUES ('2026-09-02', 'holiday', 'Quốc khánh', 'official', 0)"));
    MOTCUA_TRY(db.exec("INSERT INTO dossier_counter VALUES ('11953', '260302', 1)"));
    MOTCUA_TRY(db.exec("INSERT INTO meta VALUES ('probe', 'x')"));
    return ok();
  });
  REQUIRE(written);

  auto st = store->db().prepare("SELECT changeset FROM outbox ORDER BY seq DESC LIMIT 1");
  REQUIRE(st);
  REQUIRE(*st->step());
  auto summary = sync::summarize_changeset(st->blob(0));
  REQUIRE(summary);
  std::set<std::string> captured;
  for (const auto& [name, changes] : summary->tables) {
    captured.insert(name);
    CHECK(changes.inserts == 1);
    CHECK(changes.updates == 0);
    CHECK(changes.deletes == 0);
  }
  const auto expected_list = schema::agent_captured_tables();
  const std::set<std::string> expected(expected_list.begin(), expected_list.end());
  CHECK(captured == expected);
  for (const auto& t : schema::agent_tables()) {
    if (t.cls != schema::TableClass::kReplicatedFact) {
      INFO(t.name << " is " << schema::table_class_name(t.cls) << " and must never be captured");
      CHECK(captured.count(t.name) == 0);
    }
  }
}

TEST_CASE("the hub folds dossiers into the same derived tables as an office, column for column", "[schema]") {
  test::TempDir dir;
  auto agent = sql::Db::open(dir.file("agent.db"));
  auto hub = sql::Db::open(dir.file("hub.db"));
  REQUIRE(agent);
  REQUIRE(hub);
  REQUIRE(schema::migrate(*agent, schema::agent_migrations(), schema::kAgentApplicationId, "agent"));
  REQUIRE(schema::migrate(*hub, schema::hub_migrations(), schema::kHubApplicationId, "hub"));
  auto columns = [](sql::Db& db, const std::string& table) {
    auto st = db.prepare("SELECT name || ' ' || type || ' ' || \"notnull\" || ' ' || pk FROM pragma_table_info(?1) ORDER BY cid");
    REQUIRE(st);
    st->bind(1, table);
    std::vector<std::string> out;
    while (*st->step()) out.push_back(st->text(0));
    return out;
  };
  for (const char* table : {"dossier_state", "dossier_conflict", "dossier", "dossier_event", "dossier_document"}) {
    INFO(table);
    const auto a = columns(*agent, table);
    CHECK_FALSE(a.empty());
    CHECK(a == columns(*hub, table));
  }
}
