#include <catch2/catch.hpp>

#include <memory>

#include <nlohmann/json.hpp>

#include "agent/store.hpp"
#include "hub/hub_store.hpp"
#include "hub/intake.hpp"
#include "hub/quarantine.hpp"
#include "schema/migrate.hpp"
#include "schema/tables.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/request_signature.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using nlohmann::json;

namespace {

std::string hub_exe() { return MOTCUA_HUB_EXE; }

// A hub with one enrolled office (unit 11953) whose first batch — a dossier with two documents —
// the hub could not apply: it already held a dossier with the same id and other content. The batch
// went through the real intake (Intake::handle), as a running `serve` would take it.
struct QuarantinedWorld {
  QuarantinedWorld() : clock(*parse_rfc3339("2026-03-02T09:00:00+07:00")) {
    REQUIRE(hub::init_hub(hub_dir, "33", clock));
    auto s = hub::HubStore::open(hub_dir, clock);
    REQUIRE(s);
    store = std::make_unique<hub::HubStore>(std::move(*s));
    auto k = sync::KeyPair::generate();
    REQUIRE(k);
    key = std::make_unique<sync::KeyPair>(std::move(*k));
    agent_id = Id128::random();
    dossier_id = Id128::random();
    enroll();
    envelope = office_batch();
    // The hub already holds the dossier's id with other content.
    insert_dossier(store->db(), dossier_id, "Người khác");
    auto intake = hub::Intake::create(hub_dir, clock);
    REQUIRE(intake);
    const std::string body(envelope.begin(), envelope.end());
    auto headers = sync::sign_request(*key, agent_id, 1, "POST", "/v1/batches", body);
    REQUIRE(headers);
    hub::HttpRequest req;
    req.method = "POST";
    req.target = "/v1/batches";
    req.headers = {{"content-type", "application/x-motcua-batch"},
                   {"x-motcua-agent", headers->agent},
                   {"x-motcua-counter", headers->counter},
                   {"x-motcua-signature", headers->signature}};
    req.body = body;
    auto r = (*intake)->handle(req);
    INFO(r.body);
    REQUIRE(r.status == 200);
    REQUIRE(r.content_type == "application/x-motcua-ack");
    REQUIRE(count("SELECT count(*) FROM batch WHERE status = 'quarantined' AND envelope IS NOT NULL") == 1);
  }

  void enroll() {
    auto st = store->db().prepare(
        "INSERT INTO agent(id, unit, public_key, status, enrolled_at) VALUES (?1, '11953', ?2, 'active', ?3)");
    REQUIRE(st);
    const auto& pk = key->public_key().bytes;
    st->bind(1, agent_id.blob()).bind(2, sql::Blob(pk.begin(), pk.end())).bind(3, clock.now().ms);
    REQUIRE(st->run());
  }

  static void insert_dossier(sql::Db& db, const Id128& id, const std::string& applicant) {
    auto st = db.prepare(
        "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, "
        "applicant_name, applicant_citizen_id, channel, received_at, entered_at, due_at, due_rule, limit_kind, "
        "limit_hours, status, hlc, origin_unit, actor) VALUES (?1, '33.11953-260302-0001', '11953', '11953', '11953', "
        "'2.001019', 1, ?2, '033198001234', 1, 1772416800000, 1772416800000, 1772589600000, 'computed', 'hours', 16, "
        "2, 1, '11953', 'test-clerk')");
    REQUIRE(st);
    st->bind(1, id.blob()).bind(2, applicant);
    REQUIRE(st->run());
  }

  // The office's first outbox entry (the dossier and two documents), as the agent's first batch.
  sql::Blob office_batch() {
    auto office = agent::Store::open(dir.file("office"), true, clock);
    REQUIRE(office);
    auto written = office->write_captured([&](sql::Db& db) -> Status {
      insert_dossier(db, dossier_id, "Nguyễn Thị Hoa");
      for (int position : {1, 2}) {
        auto st = db.prepare(
            "INSERT INTO dossier_document(id, dossier_id, position, name, form, copies, hlc, origin_unit) "
            "VALUES (?1, ?2, ?3, 'Tờ khai', 'chinh', 1, 2, '11953')");
        REQUIRE(st);
        st->bind(1, Id128::random().blob()).bind(2, dossier_id.blob()).bind(3, position);
        REQUIRE(st->run());
      }
      return ok();
    });
    REQUIRE(written);
    auto st = office->db().prepare("SELECT changeset FROM outbox WHERE seq = 1");
    REQUIRE(st);
    REQUIRE(*st->step());
    sync::BatchHeader h;
    h.agent_id = agent_id;
    h.first_seq = h.last_seq = 1;
    h.schema_version = static_cast<uint32_t>(schema::kReplicatedSchemaVersion);
    auto enc = sync::encode_batch(h, st->blob(0), *key);
    REQUIRE(enc);
    return enc->bytes;
  }

  int64_t count(const std::string& sql) {
    auto v = sql::query_int64(store->db(), sql);
    REQUIRE(v);
    return v->value_or(0);
  }

  std::string applicant() {
    auto st = store->db().prepare("SELECT applicant_name FROM dossier WHERE id = ?1");
    REQUIRE(st);
    st->bind(1, dossier_id.blob());
    REQUIRE(*st->step());
    return st->text(0);
  }

  test::TempDir dir;
  const std::string hub_dir = dir.file("hub");
  ManualClock clock;
  std::unique_ptr<hub::HubStore> store;
  std::unique_ptr<sync::KeyPair> key;
  Id128 agent_id;
  Id128 dossier_id;
  sql::Blob envelope;
};

test::ProcessResult hub_cmd(std::vector<std::string> args) {
  args.insert(args.begin(), hub_exe());
  return test::run_process(args, {{"MOTCUA_NOW", "2026-03-02T09:00:00+07:00"}}, 30000);
}

}  // namespace

TEST_CASE("a batch that conflicts with a row the hub holds is listed with its reason", "[quarantine]") {
  QuarantinedWorld w;
  auto list = hub::list_quarantined(*w.store);
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  const hub::QuarantinedBatch& b = list->front();
  CHECK(b.agent_id == w.agent_id);
  CHECK(b.unit == "11953");
  CHECK(b.first_seq == 1);
  CHECK(b.last_seq == 1);
  CHECK(b.received_at == w.clock.now());
  CHECK(b.reason.find("conflicts") != std::string::npos);
  CHECK(b.size == static_cast<int64_t>(w.envelope.size()));
  CHECK(b.hash.size() == 64);

  auto cli = hub_cmd({"quarantine", "list", "--data", w.hub_dir, "--json"});
  INFO(test::describe(cli));
  REQUIRE(cli.exit_code == 0);
  json out = json::parse(cli.out);
  REQUIRE(out["total"] == 1);
  CHECK(out["batches"][0]["agent"] == w.agent_id.hex());
  CHECK(out["batches"][0]["unit"] == "11953");
  CHECK(out["batches"][0]["first_seq"] == 1);
  CHECK(out["batches"][0]["last_seq"] == 1);
  CHECK(out["batches"][0]["received_at"] == "2026-03-02T09:00:00+07:00");
  CHECK(out["batches"][0]["reason"] == b.reason);
  CHECK(out["batches"][0]["size"] == b.size);
}

TEST_CASE("a quarantined batch is applied exactly once by a retry after its conflict is removed", "[quarantine]") {
  QuarantinedWorld w;
  // Still conflicting: the error names the row, and nothing changes.
  auto blocked = hub::retry_quarantined(*w.store, w.agent_id, 1);
  REQUIRE_FALSE(blocked);
  CHECK(blocked.error().code == ErrorCode::kConflict);
  CHECK(blocked.error().message.find("dossier row " + w.dossier_id.hex()) != std::string::npos);
  CHECK(blocked.error().message.find("other content") != std::string::npos);
  CHECK(w.applicant() == "Người khác");
  CHECK(w.count("SELECT count(*) FROM dossier_document") == 0);
  CHECK(w.count("SELECT count(*) FROM batch WHERE status = 'quarantined' AND envelope IS NOT NULL") == 1);

  // IT removes the wrong row; the retry applies the office's facts in one go.
  auto del = w.store->db().prepare("DELETE FROM dossier WHERE id = ?1");
  REQUIRE(del);
  del->bind(1, w.dossier_id.blob());
  REQUIRE(del->run());
  auto applied = hub::retry_quarantined(*w.store, w.agent_id, 1);
  INFO((applied ? std::string() : applied.error().message));
  REQUIRE(applied);
  CHECK(applied->batch.unit == "11953");
  CHECK(applied->rows["dossier"] == 1);
  CHECK(applied->rows["dossier_document"] == 2);
  CHECK(w.applicant() == "Nguyễn Thị Hoa");
  CHECK(w.count("SELECT count(*) FROM dossier") == 1);
  CHECK(w.count("SELECT count(*) FROM dossier_document") == 2);
  CHECK(w.count("SELECT count(*) FROM batch WHERE status = 'applied' AND envelope IS NOT NULL") == 1);  // kept: a link of the audit chain
  CHECK(w.count("SELECT high_water_seq FROM agent") == 1);  // the sequence had already moved on
  auto list = hub::list_quarantined(*w.store);
  REQUIRE(list);
  CHECK(list->empty());

  // Once: a second retry (here through the CLI) is refused and applies nothing.
  auto again = hub_cmd({"quarantine", "retry", "--data", w.hub_dir, "--agent", w.agent_id.hex(), "--first-seq", "1",
                        "--json"});
  CHECK(again.exit_code == 5);
  CHECK(json::parse(again.err)["error"]["code"] == "conflict");
  CHECK(w.count("SELECT count(*) FROM dossier") == 1);
  CHECK(w.count("SELECT count(*) FROM dossier_document") == 2);
}

TEST_CASE("the quarantine retry command applies a batch and prints what it inserted", "[quarantine]") {
  QuarantinedWorld w;
  auto del = w.store->db().prepare("DELETE FROM dossier WHERE id = ?1");
  REQUIRE(del);
  del->bind(1, w.dossier_id.blob());
  REQUIRE(del->run());
  auto r = hub_cmd({"quarantine", "retry", "--data", w.hub_dir, "--agent", w.agent_id.hex(), "--first-seq", "1",
                    "--json"});
  INFO(test::describe(r));
  REQUIRE(r.exit_code == 0);
  json out = json::parse(r.out);
  CHECK(out["status"] == "applied");
  CHECK(out["unit"] == "11953");
  CHECK(out["rows"]["dossier"] == 1);
  CHECK(out["rows"]["dossier_document"] == 2);
  CHECK(w.count("SELECT count(*) FROM dossier_document") == 2);
}

TEST_CASE("retrying a batch the hub does not hold is not_found, and bad arguments are refused", "[quarantine]") {
  QuarantinedWorld w;
  auto unknown = hub::retry_quarantined(*w.store, Id128::random(), 1);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::kNotFound);
  auto other_seq = hub::retry_quarantined(*w.store, w.agent_id, 2);
  REQUIRE_FALSE(other_seq);
  CHECK(other_seq.error().code == ErrorCode::kNotFound);

  auto cli = hub_cmd({"quarantine", "retry", "--data", w.hub_dir, "--agent", Id128::random().hex(), "--first-seq", "1",
                      "--json"});
  CHECK(cli.exit_code == 4);
  CHECK(json::parse(cli.err)["error"]["code"] == "not_found");
  auto bad_agent = hub_cmd({"quarantine", "retry", "--data", w.hub_dir, "--agent", "not-hex", "--first-seq", "1", "--json"});
  CHECK(bad_agent.exit_code == 3);
  CHECK(json::parse(bad_agent.err)["error"]["code"] == "invalid_input");
  CHECK(hub_cmd({"quarantine", "retry", "--data", w.hub_dir, "--agent", w.agent_id.hex(), "--first-seq", "0"}).exit_code ==
        2);
  CHECK(hub_cmd({"quarantine", "retry", "--data", w.hub_dir, "--first-seq", "1"}).exit_code == 2);
  CHECK(hub_cmd({"quarantine", "--data", w.hub_dir}).exit_code == 2);
  // Nothing was applied by any of them.
  CHECK(w.count("SELECT count(*) FROM batch WHERE status = 'quarantined'") == 1);
  CHECK(w.count("SELECT count(*) FROM dossier_document") == 0);
}

TEST_CASE("a retry checks the kept envelope again and applies nothing from an altered one", "[quarantine]") {
  QuarantinedWorld w;
  auto del = w.store->db().prepare("DELETE FROM dossier WHERE id = ?1");
  REQUIRE(del);
  del->bind(1, w.dossier_id.blob());
  REQUIRE(del->run());
  sql::Blob altered = w.envelope;
  altered[130] ^= 0x01;  // a payload byte: the agent's signature no longer verifies
  auto up = w.store->db().prepare("UPDATE batch SET envelope = ?1");
  REQUIRE(up);
  up->bind(1, altered);
  REQUIRE(up->run());
  auto r = hub::retry_quarantined(*w.store, w.agent_id, 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kUnauthorized);
  CHECK(w.count("SELECT count(*) FROM dossier") == 0);
  CHECK(w.count("SELECT count(*) FROM batch WHERE status = 'quarantined'") == 1);
}

TEST_CASE("a retry refuses the batch of a revoked agent", "[quarantine]") {
  QuarantinedWorld w;
  REQUIRE(w.store->db().exec("DELETE FROM dossier; UPDATE agent SET status = 'revoked'"));
  auto r = hub::retry_quarantined(*w.store, w.agent_id, 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kUnauthorized);
  CHECK(w.count("SELECT count(*) FROM dossier") == 0);
}
