#include <catch2/catch.hpp>

#include <csignal>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/dossiers.hpp"
#include "agent/http_client.hpp"
#include "agent/store.hpp"
#include "sync-protocol/changeset.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/request_signature.hpp"
#include "tests/integration/hostile_client.hpp"
#include "tests/integration/hub_fixture.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

TEST_CASE("facts recorded offline reach the hub exactly once after enrollment and sync", "[e2e]") {
  TempDir dir;
  Office office(dir, "office", "11953");
  std::vector<std::string> codes;
  for (int i = 0; i < 5; ++i) codes.push_back(office.receive("Nguyễn Văn " + std::to_string(i)));
  office.set_status(codes[0], 4);
  office.set_status(codes[0], 9);
  office.set_status(codes[1], 4);

  auto offline = office.sync();
  CHECK(offline.exit_code == 6);  // not enrolled yet: the changes stay queued

  Hub hub(dir);
  auto enrolled = office.enroll(hub, hub.enroll_code("11953"));
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
  auto synced = office.sync();
  INFO(describe(synced));
  REQUIRE(synced.exit_code == 0);
  auto report = json::parse(synced.out);
  CHECK(report["pending_changes"] == 0);
  CHECK(report["applied"].get<int>() >= 1);

  for (const char* table : {"dossier", "dossier_event", "dossier_document"}) {
    INFO(table);
    CHECK(fact_ids(hub.db_path(), table) == fact_ids(office.db_path(), table));
  }
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 5);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier_event") == 3);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'acknowledged'") ==
        count_rows(office.db_path(), "SELECT count(*) FROM outbox"));

  auto again = office.sync();
  REQUIRE(again.exit_code == 0);
  CHECK(json::parse(again.out)["batches"] == 0);
  // Only the feed request: the office already told the hub this state (its report waits, PROTOCOL.md 7.5).
  CHECK(json::parse(again.out)["requests"] == 1);
  auto office_status = agent_cmd({"status", "--data", office.data(), "--json"});
  REQUIRE(office_status.exit_code == 0);
  auto st = json::parse(office_status.out);
  CHECK(st["enrolled"] == true);
  CHECK(st["hub"] == hub.url());
  CHECK(st["pending_changes"] == 0);
  CHECK(st["last_sync_ok_at"].is_string());
  CHECK(st["clock_offset_ms"].is_number_integer());
  auto status = hub_cmd({"status", "--data", hub.data(), "--json"});
  REQUIRE(status.exit_code == 0);
  CHECK(json::parse(status.out)["dossiers"] == 5);
}

TEST_CASE("a batch whose acknowledgement was lost is re-sent and not applied twice", "[e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "office", "12004");
  REQUIRE(office.enroll(hub, hub.enroll_code("12004")).exit_code == 0);
  office.receive("Trần Thị Bình");
  office.receive("Lê Văn Cường");
  // The hub applies and answers; the agent dies before recording the answer.
  std::string err;
  REQUIRE(run_until_marker_then_sigkill({agent_exe(), "sync", "--data", office.data()},
                                        child_env("agent.sync.after_response"),
                                        "fault point agent.sync.after_response reached", err));
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 2);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 2);

  auto resent = office.sync();
  INFO(describe(resent));
  REQUIRE(resent.exit_code == 0);
  auto report = json::parse(resent.out);
  CHECK(report["duplicate"] == 1);
  CHECK(report["applied"] == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 2);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM batch") == 1);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0);
}

TEST_CASE("the same sequence with other content is refused and changes nothing", "[e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "office", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  office.receive("Phạm Thị Dung");
  REQUIRE(office.sync().exit_code == 0);
  office.receive("Hoàng Văn Em");  // outbox seq 2, not sent
  Identity who = identity_of(office);
  // Claim seq 2 as if it were seq 1 (the one the hub already holds).
  sql::Blob forged = batch_from_pending(office, who, 2, 2, sync::Hash256{});
  // Re-encode with first = last = 1.
  auto decoded = sync::decode_batch(forged);
  REQUIRE(decoded);
  sync::BatchHeader h = decoded->header;
  h.first_seq = h.last_seq = 1;
  auto enc = sync::encode_batch(h, decoded->changeset, who.key);
  REQUIRE(enc);
  const std::string body(enc->bytes.begin(), enc->bytes.end());
  auto r = post_batch(hub, who, request_counter(office) + 1, body, body);
  CHECK(r.status == 409);
  CHECK(error_code(r) == "sequence_conflict");
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 1);
}

TEST_CASE("a tampered request or batch is refused and the hub is unchanged", "[e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "office", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  office.receive("Vũ Thị Giang");
  Identity who = identity_of(office);
  sql::Blob good = batch_from_pending(office, who, 1, 1, sync::Hash256{});
  const std::string body(good.begin(), good.end());
  uint64_t counter = request_counter(office);

  SECTION("body changed after the request was signed") {
    std::string tampered = body;
    tampered[tampered.size() / 2] ^= 0x01;
    auto r = post_batch(hub, who, ++counter, tampered, body);
    CHECK(r.status == 401);
    CHECK(error_code(r) == "bad_signature");
  }
  SECTION("batch changed and the request re-signed over it") {
    std::string tampered = body;
    tampered[tampered.size() - 70] ^= 0x01;  // inside the batch signature
    auto r = post_batch(hub, who, ++counter, tampered, tampered);
    CHECK(r.status >= 400);
    CHECK((error_code(r) == "bad_signature" || error_code(r) == "bad_envelope"));
  }
  SECTION("a replayed request counter") {
    auto first = post_batch(hub, who, ++counter, body, body);
    REQUIRE(first.status == 200);
    CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 1);
    auto replay = post_batch(hub, who, counter, body, body);
    CHECK(replay.status == 401);
    return;
  }
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM batch") == 0);
  CHECK(count_rows(hub.db_path(), "SELECT high_water_seq FROM agent") == 0);
  // The genuine batch still goes through afterwards.
  auto ok = post_batch(hub, who, ++counter, body, body);
  CHECK(ok.status == 200);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 1);
}

TEST_CASE("an agent the hub does not know is refused", "[e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "office", "11953");
  office.receive("Đỗ Văn Hùng");
  auto key = sync::KeyPair::generate();
  REQUIRE(key);
  Identity stranger{Id128::random(), std::move(*key)};
  sql::Blob batch = batch_from_pending(office, stranger, 1, 1, sync::Hash256{});
  const std::string body(batch.begin(), batch.end());
  auto r = post_batch(hub, stranger, 1, body, body);
  CHECK(r.status == 401);
  CHECK(error_code(r) == "unknown_agent");
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 0);
}

TEST_CASE("a batch with rows of another unit is refused whole, and the office carries on", "[e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office ours(dir, "ours", "11953");
  Office theirs(dir, "theirs", "12004");
  REQUIRE(ours.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  theirs.receive("Ngô Thị Lan");  // a dossier of unit 12004
  Identity who = identity_of(ours);
  sql::Blob batch = batch_from_pending(theirs, who, 1, 1, sync::Hash256{});
  const std::string body(batch.begin(), batch.end());
  auto r = post_batch(hub, who, request_counter(ours) + 1, body, body);
  REQUIRE(r.status == 200);  // acknowledged as refused: counts in the sequence, nothing applied
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM batch WHERE status = 'refused'") == 1);
}

TEST_CASE("wrong, used, expired and other-unit enrollment codes are refused and create nothing", "[e2e]") {
  TempDir dir;
  Hub hub(dir);
  auto wrong = agent_cmd({"enroll", "--data", dir.file("a"), "--hub", hub.url(), "--code", "00000-00000", "--json"});
  CHECK(wrong.exit_code == 10);
  CHECK(json::parse(wrong.err)["error"]["message"].get<std::string>().find("enrollment_code_invalid") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("a")));

  const std::string code = hub.enroll_code("11953");
  REQUIRE(agent_cmd({"enroll", "--data", dir.file("b"), "--hub", hub.url(), "--code", code}).exit_code == 0);
  auto used = agent_cmd({"enroll", "--data", dir.file("c"), "--hub", hub.url(), "--code", code, "--json"});
  CHECK(used.exit_code == 10);
  CHECK(json::parse(used.err)["error"]["message"].get<std::string>().find("enrollment_code_used") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("c")));

  const std::string stale = hub.enroll_code("11953");
  {
    auto db = sql::Db::open(hub.db_path());
    REQUIRE(db);
    REQUIRE(db->exec("UPDATE enrollment_code SET expires_at = 0 WHERE used_at IS NULL"));
  }
  auto expired = agent_cmd({"enroll", "--data", dir.file("d"), "--hub", hub.url(), "--code", stale, "--json"});
  CHECK(expired.exit_code == 10);
  CHECK(json::parse(expired.err)["error"]["message"].get<std::string>().find("enrollment_code_expired") != std::string::npos);

  Office other(dir, "other", "12004");
  const std::string for_11953 = hub.enroll_code("11953");
  auto mismatch = other.enroll(hub, for_11953);
  CHECK(mismatch.exit_code == 10);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM enrollment_code WHERE used_at IS NOT NULL") == 1);
}

TEST_CASE("enrolling a new agent for a unit retires the old one", "[e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office old_pc(dir, "old", "11953");
  REQUIRE(old_pc.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  old_pc.receive("Bùi Văn Khoa");
  REQUIRE(old_pc.sync().exit_code == 0);
  auto new_pc = agent_cmd({"enroll", "--data", dir.file("new"), "--hub", hub.url(), "--code", hub.enroll_code("11953"), "--json"});
  INFO(describe(new_pc));
  REQUIRE(new_pc.exit_code == 0);
  CHECK(json::parse(new_pc.out)["counter_last"] == 1);  // today's last code at the hub continues
  old_pc.receive("Bùi Văn Lâm");
  auto refused = old_pc.sync();
  CHECK(refused.exit_code == 10);
  CHECK(json::parse(refused.err)["error"]["message"].get<std::string>().find("revoked_agent") != std::string::npos);
}

TEST_CASE("a plain-http hub address that is not loopback is refused before any connection", "[e2e]") {
  TempDir dir;
  auto r = agent_cmd({"enroll", "--data", dir.file("o"), "--hub", "http://hub.invalid:8440", "--code", "7K3QD-M9X2A", "--json"});
  CHECK(r.exit_code == 3);
  CHECK(json::parse(r.err)["error"]["message"].get<std::string>().find("plain http://") != std::string::npos);
}

TEST_CASE("the hub answers requests while its writer thread is busy", "[e2e]") {
  TempDir dir;
  Hub hub(dir, "hub.writer.before_apply");
  Office office(dir, "office", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  office.receive("Mai Thị Ngọc");
  BackgroundProcess syncing({agent_exe(), "sync", "--data", office.data()}, child_env(), dir.file("sync.log"));
  bool busy = false;
  for (int i = 0; i < 400 && !busy; ++i) {
    busy = hub.process().output().find("fault point hub.writer.before_apply reached") != std::string::npos;
    if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE(busy);
  auto started = std::chrono::steady_clock::now();
  auto health = agent::http_get(hub.url() + "/v1/health", {}, agent::HttpTimeouts{2, 1, 5, 5});
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(took < 5000);
  hub.process().stop(SIGKILL);
  syncing.stop(SIGKILL);
}

// The listener's threads also do its I/O: a handler that waited on one of them (for the request
// body, or for the writer) left none to read the next body once every thread waited, and the hub
// answered no one until the offices' low-speed timeout (30 s) gave up.
TEST_CASE("the hub answers every office when more of them upload at once than it has listener threads", "[e2e]") {
  TempDir dir;
  Hub hub(dir, "", {"--threads", "2"});
  const std::vector<std::string> units = {"11953", "11983", "11980", "12103", "12133", "12127"};
  std::vector<std::unique_ptr<Office>> offices;
  ManualClock clock(*parse_rfc3339(kTestNow));
  for (const auto& unit : units) {
    offices.push_back(std::make_unique<Office>(dir, "office-" + unit, unit));
    REQUIRE(offices.back()->enroll(hub, hub.enroll_code(unit)).exit_code == 0);
    // Enough dossiers for a body that takes several reads: about 60 KB per batch.
    auto store = agent::Store::open(offices.back()->data(), false, clock);
    REQUIRE(store);
    for (int i = 0; i < 150; ++i) {
      agent::ReceiveRequest req;
      req.procedure = "1.001193";
      req.applicant = "Lê Văn Thành " + std::to_string(i);
      req.citizen_id = "0332000" + std::to_string(10000 + i);
      req.documents = {{"Tờ khai đăng ký khai sinh", "chinh", 1}};
      req.actor = "canbo";
      REQUIRE(agent::receive(*store, req));
    }
  }
  std::vector<std::unique_ptr<BackgroundProcess>> syncs;
  for (size_t i = 0; i < offices.size(); ++i) {
    syncs.push_back(std::make_unique<BackgroundProcess>(
        std::vector<std::string>{agent_exe(), "sync", "--data", offices[i]->data(), "--json"}, child_env(),
        dir.file("sync-" + units[i] + ".log")));
  }
  const auto started = std::chrono::steady_clock::now();
  for (size_t i = 0; i < syncs.size(); ++i) {
    REQUIRE(eventually([&] { return !syncs[i]->running(); }, 60000));
    INFO(units[i] << ": " << syncs[i]->output());
    CHECK(syncs[i]->exit_code() == 0);
  }
  const auto took = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  CHECK(took < 20);  // all six together, on two listener threads; a stalled hub takes 30 s or more
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 150 * static_cast<int64_t>(units.size()));
}

TEST_CASE("an office re-enrolled on its own data directory keeps syncing from its first unsent change", "[e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "office", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  office.receive("Lý Thị Oanh");
  office.receive("Lý Văn Phúc");
  REQUIRE(office.sync().exit_code == 0);
  office.receive("Lý Thị Quyên");  // outbox seq 3, not yet sent
  auto again = office.enroll(hub, hub.enroll_code("11953"));
  INFO(describe(again));
  REQUIRE(again.exit_code == 0);
  office.receive("Lý Văn Sơn");
  auto synced = office.sync();
  INFO(describe(synced));
  REQUIRE(synced.exit_code == 0);
  CHECK(fact_ids(hub.db_path(), "dossier") == fact_ids(office.db_path(), "dossier"));
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 4);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM agent WHERE status = 'retired'") == 1);
}

TEST_CASE("an unreachable hub leaves every change queued and says so", "[e2e]") {
  TempDir dir;
  Office office(dir, "office", "11953");
  {
    Hub hub(dir);
    REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  }  // the hub stops
  auto nothing_to_send = agent_cmd({"sync", "--data", office.data(), "--json"});
  CHECK(nothing_to_send.exit_code == 9);  // "synced" only when the hub answered
  office.receive("Tạ Thị Uyên");
  auto r = agent_cmd({"sync", "--data", office.data(), "--json"});
  CHECK(r.exit_code == 9);
  auto e = json::parse(r.err)["error"];
  CHECK(e["code"] == "unavailable");
  CHECK(e["message"].get<std::string>().find("cannot reach the hub") != std::string::npos);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 1);
}

TEST_CASE("the hub refuses oversized, malformed and misdirected requests with protocol errors", "[e2e]") {
  TempDir dir;
  Hub hub(dir);
  auto big = agent::http_post(hub.url() + "/v1/batches", {}, "application/x-motcua-batch", std::string(6u << 20, 'x'));
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(error_code(*big) == "payload_too_large");
  auto bad_json = agent::http_post(hub.url() + "/v1/enroll", {}, "application/json", "{not json");
  REQUIRE(bad_json);
  CHECK(bad_json->status == 400);
  CHECK(error_code(*bad_json) == "bad_request");
  auto wrong_type = agent::http_post(hub.url() + "/v1/batches", {}, "text/plain", "hello");
  REQUIRE(wrong_type);
  CHECK(wrong_type->status == 415);
  auto unsigned_batch = agent::http_post(hub.url() + "/v1/batches", {}, "application/x-motcua-batch", "MCB1");
  REQUIRE(unsigned_batch);
  CHECK(unsigned_batch->status == 400);
  CHECK(error_code(*unsigned_batch) == "bad_request");
  auto nowhere = agent::http_post(hub.url() + "/v2/anything", {}, "application/json", "{}");
  REQUIRE(nowhere);
  CHECK(nowhere->status == 404);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM agent") == 0);
}

TEST_CASE("a new dossier claiming another unit as its holder is refused", "[e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "office", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  {
    // A tampered office PC writes a fact the counter would never write.
    SystemClock clock;
    auto store = agent::Store::open(office.data(), false, clock);
    REQUIRE(store);
    REQUIRE(store->write_captured([](sql::Db& db) -> Status {
      auto ins = db.prepare(
          "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, "
          "procedure_version, applicant_name, applicant_citizen_id, channel, received_at, entered_at, due_rule, "
          "limit_kind, status, hlc, origin_unit, actor) VALUES (?1, '33.11953-260302-0099', '11953', '12004', "
          "'12004', '2.001019', 1, 'X', '033198001234', 1, 0, 0, 'none', 'none', 2, 1, '11953', 'x')");
      if (!ins) return fail(ins.error());
      ins->bind(1, Id128::random().blob());
      return ins->run();
    }));
  }
  auto r = office.sync();
  CHECK(r.exit_code == 5);  // the hub set the batch aside
  CHECK(json::parse(r.err)["error"]["message"].get<std::string>().find("held by another unit") != std::string::npos);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM batch WHERE status = 'refused'") == 1);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'refused'") == 1);
}
