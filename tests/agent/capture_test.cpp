#include <catch2/catch.hpp>

#include "schema/tables.hpp"
#include "sync-protocol/changeset.hpp"
#include "tests/agent/agent_fixture.hpp"

using namespace motcua;
using motcua::test::Office;

namespace {

int64_t count(agent::Store& store, const std::string& sql) {
  auto v = sql::query_int64(store.db(), sql);
  REQUIRE(v);
  return v->value_or(0);
}

sync::ChangesetSummary last_outbox(agent::Store& store) {
  auto st = store.db().prepare("SELECT changeset FROM outbox ORDER BY seq DESC LIMIT 1");
  REQUIRE(st);
  REQUIRE(*st->step());
  auto s = sync::summarize_changeset(st->blob(0));
  REQUIRE(s);
  return *s;
}

}  // namespace

TEST_CASE("setting an office up from files writes no outbox row (reference data never echoes)", "[capture]") {
  Office office;
  CHECK(count(office.store, "SELECT count(*) FROM outbox") == 0);
}

TEST_CASE("receiving a dossier writes its creation fact and documents to one pending outbox row", "[capture]") {
  Office office;
  agent::ReceiveRequest req;
  req.procedure = "2.001019";
  req.applicant = "Nguyễn Thị Hoa";
  req.citizen_id = "033198001234";
  req.documents = {{"Di chúc", "chinh", 1}, {"CCCD", "photo", 2}};
  REQUIRE(agent::receive(office.store, req));
  CHECK(count(office.store, "SELECT count(*) FROM outbox WHERE state = 'pending'") == 1);
  auto s = last_outbox(office.store);
  CHECK(s.tables.at("dossier").inserts == 1);
  CHECK(s.tables.at("dossier_document").inserts == 2);
  CHECK(s.tables.count("dossier_state") == 0);
  CHECK(s.tables.count("dossier_counter") == 0);
}

TEST_CASE("a status change writes one event fact to the outbox", "[capture]") {
  Office office;
  auto r = office.receive();
  REQUIRE(agent::set_status(office.store, {r.code, 4, "chuyển xử lý", "clerk"}));
  CHECK(count(office.store, "SELECT count(*) FROM outbox") == 2);
  auto s = last_outbox(office.store);
  REQUIRE(s.tables.size() == 1);
  CHECK(s.tables.at("dossier_event").inserts == 1);
}

TEST_CASE("a refused write leaves neither facts nor an outbox row", "[capture]") {
  Office office;
  auto r = office.receive();
  const int64_t outbox_before = count(office.store, "SELECT count(*) FROM outbox");
  auto illegal = agent::set_status(office.store, {r.code, 9, "", "clerk"});
  REQUIRE_FALSE(illegal);
  CHECK(illegal.error().code == ErrorCode::kConflict);
  CHECK(count(office.store, "SELECT count(*) FROM outbox") == outbox_before);
  CHECK(count(office.store, "SELECT count(*) FROM dossier_event") == 0);
}

TEST_CASE("a captured write whose body fails after inserting rolls everything back", "[capture]") {
  Office office;
  auto before_dossiers = count(office.store, "SELECT count(*) FROM dossier");
  auto s = office.store.write_captured([](sql::Db& db) -> Status {
    MOTCUA_TRY(db.exec("INSERT INTO dossier_counter VALUES ('11953', '260302', 42)"));
    return fail(Error::invalid_input("stop here"));
  });
  REQUIRE_FALSE(s);
  CHECK(count(office.store, "SELECT count(*) FROM dossier") == before_dossiers);
  CHECK(count(office.store, "SELECT count(*) FROM dossier_counter") == 0);
  CHECK(count(office.store, "SELECT count(*) FROM outbox") == 0);
}

TEST_CASE("outbox rows record the version of the fact tables they were captured under, not the local schema's",
          "[capture]") {
  Office office;
  office.receive();
  auto v = sql::query_int64(office.store.db(), "SELECT schema_version FROM outbox");
  REQUIRE(v);
  CHECK(**v == schema::kReplicatedSchemaVersion);
  // The agent's own tables have moved on (compression dictionaries) without the facts changing:
  // changes queued before such an upgrade stay sendable.
  auto local = sql::query_int64(office.store.db(), "PRAGMA user_version");
  REQUIRE(local);
  CHECK(**local > schema::kReplicatedSchemaVersion);
}
