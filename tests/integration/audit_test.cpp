// The hub's tamper-evident history (`motcua-hub audit verify`), agent revocation (`agents
// list|revoke`) and the guard against guessing enrollment codes, with real executables.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "agent/http_client.hpp"
#include "tests/integration/hub_fixture.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

namespace {

void write_db(const std::string& path, const std::string& sql) {
  auto db = sql::Db::open(path, sql::Db::Options{false, false, 5000});
  REQUIRE(db);
  auto done = db->exec(sql);
  INFO(sql);
  REQUIRE(done);
}

ProcessResult verify(const Hub& hub) { return hub_cmd({"audit", "verify", "--data", hub.data(), "--json"}); }

// A hub holding a history worth checking: two offices' applied batches, a hand-over made at the hub
// by a province user, and a batch refused for its rows.
struct History {
  TempDir dir;
  Hub hub{dir};
  Office ours{dir, "ours", "11953"};
  Office theirs{dir, "theirs", "12004"};
  std::string code;

  History() {
    REQUIRE(ours.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
    REQUIRE(theirs.enroll(hub, hub.enroll_code("12004")).exit_code == 0);
    code = ours.receive("Nguyễn Thị Hoa");
    ours.receive("Trần Văn Bình");
    theirs.receive("Lê Văn Cường");
    REQUIRE(ours.sync().exit_code == 0);
    ours.set_status(code, 4);
    REQUIRE(ours.sync().exit_code == 0);
    REQUIRE(theirs.sync().exit_code == 0);
    auto moved = hub_cmd({"dossier", "transfer", "--data", hub.data(), code, "--to", "12004", "--as", "11953", "--actor",
                          "Phạm Minh Đức"});
    INFO(describe(moved));
    REQUIRE(moved.exit_code == 0);
  }
};

}  // namespace

TEST_CASE("an untouched history verifies: every batch's signed chain, the facts it carried and the audit log",
          "[audit][e2e]") {
  History h;
  auto r = verify(h.hub);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  json out = json::parse(r.out);
  CHECK(out["ok"] == true);
  CHECK(out["agents"] == 2);
  CHECK(out["batches"].get<int64_t>() >= 3);
  CHECK(out["batches_verified"] == out["batches"]);
  CHECK(out["batches_before_trail"] == 0);
  // every dossier, document and event the offices sent was compared with the hub's row
  CHECK(out["facts_checked"].get<int64_t>() ==
        count_rows(h.hub.db_path(), "SELECT (SELECT count(*) FROM dossier) + (SELECT count(*) FROM dossier_document) + "
                                    "(SELECT count(*) FROM dossier_event) - 1"));  // less the hub's own hand-over
  CHECK(out["facts_without_source"] == 0);
  // enrollments and the province user's hand-over are in the log, with who did it
  CHECK(count_rows(h.hub.db_path(), "SELECT count(*) FROM audit_log WHERE kind = 'agent_enrolled'") == 2);
  CHECK(count_rows(h.hub.db_path(),
                   "SELECT count(*) FROM audit_log WHERE kind = 'hub_action' AND actor = 'Phạm Minh Đức'") == 1);
  CHECK(out["log_head"].get<std::string>().size() == 64);
}

TEST_CASE("audit verify finds a fact altered, a batch removed, an envelope changed or a log entry rewritten",
          "[audit][e2e]") {
  History h;
  const std::string db = h.hub.db_path();
  std::string expect;
  SECTION("an applicant's name changed in the hub's database") {
    write_db(db, "UPDATE dossier SET applicant_name = 'Người Khác' WHERE applicant_name = 'Trần Văn Bình'");
    expect = "altered after it was applied (column applicant_name)";
  }
  SECTION("an event deleted") {
    write_db(db, "DELETE FROM dossier_event WHERE to_status = 4");
    expect = "is not in the hub";
  }
  SECTION("a batch record removed from an agent's chain") {
    write_db(db, "DELETE FROM batch WHERE first_seq = (SELECT min(first_seq) FROM batch b2 WHERE b2.agent_id = batch.agent_id) "
                 "AND agent_id = (SELECT id FROM agent WHERE unit = '11953')");
    expect = "first batch but chains to";
  }
  SECTION("a byte of a kept envelope flipped") {
    auto conn = sql::Db::open(db, sql::Db::Options{false, false, 5000});
    REQUIRE(conn);
    auto read = conn->prepare("SELECT envelope FROM batch WHERE agent_id = (SELECT id FROM agent WHERE unit = '12004')");
    REQUIRE(read);
    REQUIRE(*read->step());
    sql::Blob envelope = read->blob(0);
    REQUIRE(envelope.size() > 130);
    envelope[130] ^= 0xFF;  // inside the payload
    auto up = conn->prepare("UPDATE batch SET envelope = ?1 WHERE agent_id = (SELECT id FROM agent WHERE unit = '12004')");
    REQUIRE(up);
    up->bind(1, envelope);
    REQUIRE(up->run());
    expect = "does not hash to the recorded batch hash";
  }
  SECTION("a fact inserted that no batch carried") {
    write_db(db, "INSERT INTO dossier_document SELECT randomblob(16), dossier_id, 99, 'Giấy giả', 'chinh', 1, hlc, "
                 "origin_unit FROM dossier_document LIMIT 1");
    expect = "no batch of an office and no logged action at the hub carried it";
  }
  SECTION("an audit log entry rewritten") {
    write_db(db, "UPDATE audit_log SET actor = 'Người khác' WHERE kind = 'hub_action'");
    expect = "was altered after it was written";
  }
  SECTION("an audit log entry removed") {
    write_db(db, "DELETE FROM audit_log WHERE seq = 1");
    expect = "entries before it are missing";
  }
  auto r = verify(h.hub);
  INFO(describe(r));
  CHECK(r.exit_code == 7);
  json out = json::parse(r.out);
  CHECK(out["ok"] == false);
  bool named = false;
  for (const auto& p : out["problems"]) named = named || p["what"].get<std::string>().find(expect) != std::string::npos;
  CHECK(named);
  CHECK(json::parse(r.err)["error"]["code"] == "corruption");
}

TEST_CASE("a revoked agent is refused at once, its office says so, and a new enrollment brings the office back",
          "[audit][revoke][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "office", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  office.receive("Nguyễn Thị Hoa");
  REQUIRE(office.sync().exit_code == 0);
  const std::string agent_id = read_meta(office.db_path(), "agent_id");
  // The office's private key is readable by the service account only.
  CHECK((std::filesystem::status(office.data() + "/agent-key.pem").permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  auto listed = hub_cmd({"agents", "list", "--data", hub.data(), "--json"});
  REQUIRE(listed.exit_code == 0);
  json agents = json::parse(listed.out)["agents"];
  REQUIRE(agents.size() == 1);
  CHECK(agents[0]["agent_id"] == agent_id);
  CHECK(agents[0]["status"] == "active");
  CHECK(agents[0]["unit"] == "11953");

  auto revoked = hub_cmd({"agents", "revoke", agent_id, "--data", hub.data(), "--reason", "máy bị mất", "--actor",
                          "Phạm Minh Đức", "--json"});
  INFO(describe(revoked));
  REQUIRE(revoked.exit_code == 0);
  CHECK(json::parse(revoked.out)["status"] == "revoked");
  // The hub is serving all along: the next request is refused, and what it carried is not recorded.
  office.receive("Trần Văn Bình");
  auto refused = office.sync();
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("revoked_agent") != std::string::npos);
  CHECK(refused.err.find("máy bị mất") != std::string::npos);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 1);
  auto status = office.cmd({"status", "--json"});
  REQUIRE(status.exit_code == 0);
  json st = json::parse(status.out);
  CHECK(st["revoked"] == true);
  CHECK(st["hub_access"] == "revoked — contact provincial IT");
  CHECK(st["pending_changes"].get<int64_t>() >= 1);  // nothing is lost
  auto text = office.cmd({"status"});
  CHECK(text.out.find("liên hệ CNTT tỉnh") != std::string::npos);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM audit_log WHERE kind = 'agent_revoked' AND actor = 'Phạm Minh Đức'") == 1);

  // Revoking again changes nothing; an unknown id is not found.
  CHECK(hub_cmd({"agents", "revoke", agent_id, "--data", hub.data()}).exit_code == 6);
  CHECK(hub_cmd({"agents", "revoke", std::string(32, 'a'), "--data", hub.data()}).exit_code == 4);
  CHECK(hub_cmd({"agents", "revoke", "not-an-id", "--data", hub.data()}).exit_code == 3);

  // The office enrolled again on its own data: a new agent, and the queued dossier goes up.
  auto again = office.enroll(hub, hub.enroll_code("11953"));
  INFO(describe(again));
  REQUIRE(again.exit_code == 0);
  REQUIRE(office.sync().exit_code == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 2);
  CHECK(json::parse(office.cmd({"status", "--json"}).out)["revoked"] == false);
  CHECK(verify(hub).exit_code == 0);
}

TEST_CASE("after ten failed enrollment attempts in a minute the hub refuses every attempt for a while",
          "[audit][enroll][e2e]") {
  TempDir dir;
  Hub hub(dir);
  const std::string good = hub.enroll_code("11953");
  auto attempt = [&](const std::string& code) {
    json body = {{"code", code}, {"public_key", std::string(43, 'A') + "="}, {"agent_version", "0"}, {"schema_version", 1}};
    auto r = agent::http_post(hub.url() + "/v1/enroll", {}, "application/json", body.dump());
    REQUIRE(r);
    return *r;
  };
  for (int i = 0; i < 10; ++i) {
    auto r = attempt("7K3QD-M9X2" + std::string(1, static_cast<char>('A' + i)));
    CHECK(r.status == 403);
  }
  auto limited = attempt(good);  // even the right code waits: the guesser cannot tell
  CHECK(limited.status == 429);
  CHECK(json::parse(limited.body)["error"]["code"] == "rate_limited");
  CHECK(json::parse(limited.body)["error"]["transient"] == true);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM agent") == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM enrollment_code WHERE used_at IS NULL") == 1);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM audit_log WHERE kind = 'enrollment_refused'") == 10);
}
