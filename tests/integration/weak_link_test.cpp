// Weak links end to end: a real agent process syncing through motcua-flaky-proxy (a real process
// that cuts, stalls, resets and drops connections) to a real hub, until every change has arrived.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/dossiers.hpp"
#include "agent/http_client.hpp"
#include "agent/store.hpp"
#include "common/files.hpp"
#include "sync-protocol/ack.hpp"
#include "sync-protocol/base64.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/request_signature.hpp"
#include "tests/integration/hub_fixture.hpp"
#include "tests/support/flaky_link.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

namespace {

// `n` dossiers recorded in-process (the library the CLI uses), each received and moved to 4.
void record(const Office& office, int n, int offset) {
  ManualClock clock(*parse_rfc3339(kTestNow));
  auto store = agent::Store::open(office.data(), false, clock);
  REQUIRE(store);
  for (int i = 0; i < n; ++i) {
    clock.advance_ms(30 * kMsPerSecond);
    agent::ReceiveRequest req;
    req.procedure = "2.001019";
    req.applicant = "Nguyễn Thị Hoa " + std::to_string(offset + i);
    req.citizen_id = "0331980" + std::to_string(10000 + offset + i);
    req.address = "Số " + std::to_string(offset + i) + ", Phường Phố Hiến, Tỉnh Hưng Yên";
    req.documents = {{"Di chúc", "chinh", 1}, {"CCCD", "photo", 1}};
    req.actor = "canbo.phohien";
    auto r = agent::receive(*store, req);
    REQUIRE(r);
    clock.advance_ms(kMsPerSecond);
    REQUIRE(agent::set_status(*store, {r->code, 4, "", "canbo.phohien"}));
  }
}

// Runs `sync` until it succeeds with nothing pending (at most `attempts` times); returns how many
// attempts it took, or 0 if it never got there.
int sync_until_done(Office& office, int attempts) {
  for (int i = 1; i <= attempts; ++i) {
    auto r = office.sync();
    if (r.exit_code == 0 && json::parse(r.out)["pending_changes"] == 0) return i;
  }
  return 0;
}

// The number of outbox entries of each batch the office built, in the order it sent them.
std::vector<int64_t> batch_sizes(const Office& office) {
  auto db = sql::Db::open(office.db_path(), sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  auto st = db->prepare("SELECT last_seq - first_seq + 1 FROM outbox_batch ORDER BY first_seq");
  REQUIRE(st);
  std::vector<int64_t> sizes;
  while (true) {
    auto row = st->step();
    REQUIRE(row);
    if (!*row) break;
    sizes.push_back(st->int64(0));
  }
  return sizes;
}

// Sets the office's batch entry limit as a weak link would have left it (halved from 500).
void set_batch_row_limit(const Office& office, int64_t limit) {
  ManualClock clock(*parse_rfc3339(kTestNow));
  auto store = agent::Store::open(office.data(), false, clock);
  REQUIRE(store);
  REQUIRE(store->set_meta("batch_row_limit", std::to_string(limit)));
}

}  // namespace

TEST_CASE("every change arrives exactly once through a link that cuts, stalls, resets and drops connections",
          "[weak-link][e2e]") {
  TempDir dir;
  Hub hub(dir);
  hub.publish_catalog(source_path("data/tthc-commune-sample.csv"));
  hub.publish_calendar(source_path("data/holidays-vn.csv"));
  Office office(dir, "pho-hien", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  record(office, 250, 0);

  SECTION("cuts every 10 KB with stalls, then resets and dropped connections") {
    {
      FlakyLink link(hub.port(), {"--cut-after", "10000", "--stall-after", "3000", "--stall-ms", "20", "--seed", "5"});
      REQUIRE(agent_cmd({"config", "set", "--data", office.data(), "hub", link.url()}).exit_code == 0);
      const int attempts = sync_until_done(office, 300);
      INFO(link.output());
      CHECK(attempts > 1);  // the link did break transfers ...
      REQUIRE(attempts > 0);  // ... and the office still got everything through
    }
    record(office, 250, 250);
    {
      FlakyLink link(hub.port(), {"--reset-after", "12000", "--drop-fraction", "0.3", "--seed", "7"});
      REQUIRE(agent_cmd({"config", "set", "--data", office.data(), "hub", link.url()}).exit_code == 0);
      const int attempts = sync_until_done(office, 300);
      INFO(link.output());
      REQUIRE(attempts > 0);
    }
  }
  const auto at_hub = fact_ids(hub.db_path(), "dossier");
  CHECK(at_hub.size() == 500);
  CHECK(at_hub == fact_ids(office.db_path(), "dossier"));
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier_event") ==
        count_rows(office.db_path(), "SELECT count(*) FROM dossier_event"));
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier_document") == 1000);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM batch WHERE status <> 'applied'") == 0);
}

TEST_CASE("the hub's batch state carries its signed acknowledgement of the office's last batch, for a link "
          "that keeps cutting the answer",
          "[e2e][weak-link]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  office.receive("Nguyễn Thị Hoa");
  office.receive("Trần Văn Bình");
  REQUIRE(office.sync().exit_code == 0);

  // Ask as the office would, with its key and its next request counter.
  auto agent_id = Id128::from_hex(read_meta(office.db_path(), "agent_id"));
  REQUIRE(agent_id);
  auto key = sync::KeyPair::from_private_pem(*read_whole_file(office.data() + "/agent-key.pem"));
  REQUIRE(key);
  const uint64_t counter = std::stoull(read_meta(office.db_path(), "request_counter")) + 1;
  auto signed_headers = sync::sign_request(*key, *agent_id, counter, "GET", "/v1/batches/state", std::string());
  REQUIRE(signed_headers);
  const std::vector<std::pair<std::string, std::string>> headers = {
      {sync::kAgentHeader, signed_headers->agent},
      {sync::kCounterHeader, signed_headers->counter},
      {sync::kSignatureHeader, signed_headers->signature}};
  auto reply = agent::http_get(hub.url() + "/v1/batches/state", headers, agent::HttpTimeouts{});
  REQUIRE(reply);
  INFO(reply->body);
  REQUIRE(reply->status == 200);
  auto state = json::parse(reply->body);
  REQUIRE(state["last_ack"].is_string());
  auto ack_bytes = sync::base64_decode(state["last_ack"].get<std::string>());
  REQUIRE(ack_bytes);
  const sync::ByteView view(ack_bytes->data(), ack_bytes->size());
  auto hub_key = sync::PublicKey::from_base64(read_meta(office.db_path(), "hub_public_key"));
  REQUIRE(hub_key);
  CHECK(sync::verify_ack(view, *hub_key));
  auto ack = sync::decode_ack(view);
  REQUIRE(ack);
  CHECK(ack->agent_id == *agent_id);
  CHECK(ack->status == sync::AckStatus::kDuplicate);
  CHECK(static_cast<int64_t>(ack->last_seq) == state["high_water_seq"].get<int64_t>());
  CHECK(sync::hash_hex(ack->batch_hash) == state["last_batch_hash"].get<std::string>());
  // The office's own record of that batch has the same hash: it could record this answer as its ack.
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox_batch WHERE hex(hash) = upper('" +
                                         state["last_batch_hash"].get<std::string>() + "')") == 1);
}

TEST_CASE("the batch row limit grows back only after eight acknowledged batches in a row", "[e2e][weak-link]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  record(office, 64, 0);  // two outbox entries each: received, moved to 4
  REQUIRE(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 128);
  set_batch_row_limit(office, 2);

  const auto r = office.sync();
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // Eight batches at each limit before it doubles: 2, 4, 8, then 16 for what is left.
  std::vector<int64_t> expected;
  for (int64_t size : {2, 4, 8}) expected.insert(expected.end(), 8, size);
  expected.push_back(16);
  CHECK(batch_sizes(office) == expected);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM batch WHERE status = 'applied'") == 25);
}
