// No silent stop: after every sync the office tells the hub how it went (POST /v1/report), and
// provincial IT sees it in `motcua-hub status`. Real hub and agent processes over loopback.
#include <catch2/catch.hpp>

#include <csignal>
#include <chrono>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/http_client.hpp"
#include "common/time.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/request_signature.hpp"
#include "tests/integration/hub_fixture.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

namespace {

json office_status(const Office& office) {
  auto r = agent_cmd({"status", "--data", office.data(), "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// The unit's row of `motcua-hub status --json`.
json hub_unit(const Hub& hub, const std::string& unit) {
  auto r = hub_cmd({"status", "--data", hub.data(), "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const json status = json::parse(r.out);
  for (const auto& u : status["units"]) {
    if (u["unit"] == unit) return u;
  }
  FAIL("no unit " << unit << " in the hub's status");
  return json();
}

void prepare(Hub& hub, Office& office) {
  hub.publish_catalog(source_path("data/tthc-commune-sample.csv"));
  hub.publish_calendar(source_path("data/holidays-vn.csv"));
  auto enrolled = office.enroll(hub, hub.enroll_code("11953"));
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
}

// Runs SQL on a database another process (a running hub) has open.
void write_db(const std::string& db_path, const std::string& sql) {
  auto db = sql::Db::open(db_path, sql::Db::Options{false, false, 5000});
  REQUIRE(db);
  REQUIRE(db->exec(sql));
}

std::string text_of(const std::string& db_path, const std::string& sql) {
  auto db = sql::Db::open(db_path, sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  auto st = db->prepare(sql);
  REQUIRE(st);
  auto row = st->step();
  REQUIRE(row);
  return *row ? st->text(0) : std::string("<no row>");
}

// The office's identity, read from its data directory, to play a (possibly hostile) client.
struct Identity {
  Id128 agent_id;
  sync::KeyPair key;
};

Identity identity_of(const Office& office) {
  auto id = Id128::from_hex(read_meta(office.db_path(), "agent_id"));
  REQUIRE(id);
  auto key = sync::KeyPair::from_private_pem(read_file(office.data() + "/agent-key.pem"));
  REQUIRE(key);
  return {*id, std::move(*key)};
}

// POST /v1/report with `body`, signed over `signed_body` with `counter` (no signature headers when
// counter is 0), as `content_type`.
agent::HttpReply post_report(const Hub& hub, const Identity& who, uint64_t counter, const std::string& body,
                             const std::string& signed_body, const std::string& content_type = "application/json") {
  std::vector<std::pair<std::string, std::string>> headers;
  if (counter != 0) {
    auto h = sync::sign_request(who.key, who.agent_id, counter, "POST", "/v1/report", signed_body);
    REQUIRE(h);
    headers = {{sync::kAgentHeader, h->agent}, {sync::kCounterHeader, h->counter}, {sync::kSignatureHeader, h->signature}};
  }
  auto r = agent::http_post(hub.url() + "/v1/report", headers, content_type, body);
  REQUIRE(r);
  return *r;
}

std::string error_code(const agent::HttpReply& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

json valid_report() {
  return {{"sent_at", kTestNow}, {"agent_version", "0.1.0"}, {"schema_version", 1}, {"pending_changes", 7},
          {"oldest_unsent_at", kTestNow}, {"last_error", nullptr}};
}

}  // namespace

TEST_CASE("after each sync the hub shows the office's pending changes, oldest unsent change, last error and versions",
          "[report][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  CHECK(hub_unit(hub, "11953")["report"].is_null());  // enrollment alone reports nothing

  office.receive("Nguyễn Thị Hoa");
  auto synced = office.sync();
  INFO(describe(synced));
  REQUIRE(synced.exit_code == 0);
  json in_step = hub_unit(hub, "11953")["report"];
  INFO(in_step.dump(2));
  REQUIRE(in_step.is_object());
  CHECK(in_step["pending_changes"] == 0);
  CHECK(in_step["oldest_unsent_at"].is_null());
  CHECK(in_step["last_error"].is_null());
  CHECK(in_step["last_success_at"].is_string());
  // Both directions succeeded in this sync, just before it counted as a whole success.
  for (const char* direction : {"last_upload_ok_at", "last_feed_ok_at"}) {
    INFO(direction);
    REQUIRE(in_step[direction].is_string());
    CHECK(*parse_rfc3339(in_step[direction].get<std::string>()) <=
          *parse_rfc3339(in_step["last_success_at"].get<std::string>()));
    CHECK(*parse_rfc3339(in_step[direction].get<std::string>()) >=
          *parse_rfc3339(in_step["last_attempt_at"].get<std::string>()));
  }
  CHECK(in_step["catalog_version"] == 1);
  CHECK(in_step["calendar_version"] == 1);
  CHECK(in_step["agent_version"] == "0.1.0");
  CHECK(in_step["schema_version"] == office_status(office)["schema_version"]);
  CHECK(in_step["quarantined_batches"] == 0);
  CHECK(in_step["free_disk_bytes"].get<int64_t>() > 0);

  // The hub and the office now disagree about the office's batch chain (the hub's record of the
  // last batch is not the office's): the next upload is refused for provincial IT to look at. The
  // office keeps recording, and the province publishes an amended catalogue meanwhile. The office's
  // clock is 10 minutes ahead of the hub's.
  write_db(hub.db_path(), "UPDATE agent SET last_batch_hash = zeroblob(32)");
  office.receive("Trần Văn Bình");
  office.receive("Lê Thị Mai");
  hub.publish_catalog(catalog_variant(dir, "amended.csv", {{"1.001193", "Thủ tục đăng ký khai sinh,", "Đăng ký khai sinh,"}}));
  auto env = child_env();
  env["MOTCUA_NOW"] = "2026-03-02T09:10:00+07:00";
  auto refused = run_process({agent_exe(), "sync", "--data", office.data(), "--json"}, env, 60000);
  INFO(describe(refused));
  CHECK(refused.exit_code == 5);  // the hub disagrees about the sequence

  json office_now = office_status(office);
  json r = hub_unit(hub, "11953")["report"];
  INFO(r.dump(2));
  REQUIRE(r.is_object());
  CHECK(r["pending_changes"].get<int64_t>() ==
        count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'"));
  CHECK(r["pending_changes"].get<int64_t>() > 0);
  CHECK(r["pending_changes"] == office_now["pending_changes"]);
  CHECK(r["oldest_unsent_at"].is_string());
  CHECK(r["oldest_unsent_at"] == office_now["oldest_pending_at"]);
  REQUIRE(r["last_error"].is_object());
  CHECK(r["last_error"]["code"] == "conflict");
  CHECK(r["last_error"]["message"].get<std::string>().find("sequence_conflict") != std::string::npos);
  CHECK(r["last_error"]["at"] == office_now["last_error"]["at"]);
  CHECK(r["last_success_at"] == in_step["last_success_at"]);      // this sync did not succeed
  CHECK(r["last_upload_ok_at"] == in_step["last_upload_ok_at"]);  // nor did its upload
  CHECK(r["last_feed_ok_at"] == office_now["last_feed_ok_at"]);   // but its feed did
  CHECK(r["last_feed_ok_at"] != in_step["last_feed_ok_at"]);
  CHECK(r["catalog_version"] == 2);
  // Both views of the clock: the hub's (its receipt time against the report's sent_at) and the
  // office's own measurement; about −10 minutes, give or take the seconds the test took.
  const int64_t hub_view = r["hub_clock_offset_ms"].get<int64_t>();
  const int64_t office_view = r["clock_offset_ms"].get<int64_t>();
  CHECK(hub_view <= -600000 + 60000);
  CHECK(hub_view > -600000 - 1000);
  CHECK(office_view <= -600000 + 60000);
  CHECK(office_view > -600000 - 1000);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM agent_report_history") == 2);
}

TEST_CASE("a report that is unsigned, wrongly signed, replayed, oversized or malformed is refused and changes nothing",
          "[report][e2e][security]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  REQUIRE(office.sync().exit_code == 0);
  const Identity who = identity_of(office);
  const std::string kept_sql = "SELECT received_at || ' ' || report FROM agent_report";
  const std::string kept = text_of(hub.db_path(), kept_sql);
  const int64_t counter = count_rows(hub.db_path(), "SELECT last_request_counter FROM agent");
  REQUIRE(counter > 0);
  const std::string body = valid_report().dump();

  auto unsigned_report = post_report(hub, who, 0, body, body);
  CHECK(unsigned_report.status == 400);
  CHECK(error_code(unsigned_report) == "bad_request");

  json other = valid_report();
  other["pending_changes"] = 0;
  auto wrongly_signed = post_report(hub, who, counter + 1, body, other.dump());
  CHECK(wrongly_signed.status == 401);
  CHECK(error_code(wrongly_signed) == "bad_signature");

  auto replayed = post_report(hub, who, counter, body, body);
  CHECK(replayed.status == 401);
  CHECK(error_code(replayed) == "bad_signature");

  json big = valid_report();
  big["padding"] = std::string(5000, 'x');
  auto oversized = post_report(hub, who, counter + 1, big.dump(), big.dump());
  CHECK(oversized.status == 413);
  CHECK(error_code(oversized) == "payload_too_large");

  const std::string broken = "{\"sent_at\": \"" + std::string(kTestNow) + "\", ";
  auto malformed = post_report(hub, who, counter + 1, broken, broken);
  CHECK(malformed.status == 400);
  CHECK(error_code(malformed) == "bad_request");

  json mistyped = valid_report();
  mistyped["pending_changes"] = "7";
  auto wrong_type = post_report(hub, who, counter + 1, mistyped.dump(), mistyped.dump());
  CHECK(wrong_type.status == 400);
  CHECK(json::parse(wrong_type.body)["error"]["message"].get<std::string>().find("pending_changes") != std::string::npos);

  auto as_text = post_report(hub, who, counter + 1, body, body, "text/plain");
  CHECK(as_text.status == 415);

  auto get = agent::http_get(hub.url() + "/v1/report", {});
  REQUIRE(get);
  CHECK(get->status == 405);

  CHECK(text_of(hub.db_path(), kept_sql) == kept);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM agent_report_history") == 1);
  CHECK(count_rows(hub.db_path(), "SELECT last_request_counter FROM agent") == counter);

  // The same office, signing properly with a new counter, is heard; members it does not know are ignored.
  json good = valid_report();
  good["from_a_later_agent"] = {1, 2, 3};
  auto accepted = post_report(hub, who, counter + 1, good.dump(), good.dump());
  INFO(accepted.body);
  CHECK(accepted.status == 200);
  CHECK(hub_unit(hub, "11953")["report"]["pending_changes"] == 7);
  CHECK(count_rows(hub.db_path(), "SELECT last_request_counter FROM agent") == counter + 1);
}

TEST_CASE("a report the hub never records does not fail the sync nor change the office's last error",
          "[report][e2e]") {
  TempDir dir;
  Hub hub(dir, "hub.report.before_commit");
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  office.receive("Nguyễn Thị Hoa");
  BackgroundProcess sync({agent_exe(), "sync", "--data", office.data()}, child_env(), dir.file("sync.log"));
  // The hub stops dead while recording the report (power cut): the batch and feed had gone through.
  bool reached = false;
  for (int i = 0; i < 600 && !reached; ++i) {
    reached = hub.process().output().find("fault point hub.report.before_commit reached") != std::string::npos;
    if (!reached) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(hub.process().output());
  REQUIRE(reached);
  hub.process().stop(SIGKILL);
  const int exit_code = sync.stop(0, 60000);
  INFO(sync.output());
  CHECK(exit_code == 0);
  CHECK(sync.output().find("did not receive this office's status report") != std::string::npos);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 1);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM agent_report") == 0);
  json s = office_status(office);
  CHECK(s["last_error"].is_null());
  CHECK(s["last_sync_ok_at"].is_string());
  CHECK(s["pending_changes"] == 0);
}

TEST_CASE("with the hub out of reach the sync does not try to report, and its error stays the only output",
          "[report][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  const uint64_t counter_before = std::stoull(read_meta(office.db_path(), "request_counter"));
  hub.stop();
  office.receive("Nguyễn Thị Hoa");
  auto down = office.sync();
  INFO(describe(down));
  CHECK(down.exit_code == 9);
  json error;
  REQUIRE_NOTHROW(error = json::parse(down.err));
  CHECK(error["error"]["code"] == "unavailable");
  // One counter for the batch that could not be sent; none for a report.
  CHECK(std::stoull(read_meta(office.db_path(), "request_counter")) == counter_before + 1);
}

TEST_CASE("status --json shows how many changes are unsent and since when, and each direction's last success",
          "[report][e2e]") {
  TempDir dir;
  Office office(dir, "pho-hien", "11953");
  json empty = office_status(office);
  CHECK(empty["pending_changes"] == 0);
  CHECK(empty["oldest_pending_at"].is_null());
  CHECK(empty["last_upload_ok_at"].is_null());
  CHECK(empty["last_feed_ok_at"].is_null());

  office.receive("Nguyễn Thị Hoa");
  auto env = child_env();
  env["MOTCUA_NOW"] = "2026-03-02T10:30:00+07:00";
  auto later = run_process({agent_exe(), "receive", "--data", office.data(), "--procedure", "2.001019", "--applicant",
                            "Trần Văn Bình", "--citizen-id", "033198001235", "--document", "Tờ khai:chinh:1", "--json"},
                           env, 60000);
  INFO(describe(later));
  REQUIRE(later.exit_code == 0);
  json queued = office_status(office);
  CHECK(queued["pending_changes"].get<int64_t>() ==
        count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'"));
  CHECK(queued["pending_changes"].get<int64_t>() >= 2);
  // The oldest is the first dossier's (received at the pinned 09:00), not the later one.
  const std::string oldest = queued["oldest_pending_at"].get<std::string>();
  CHECK(oldest.rfind("2026-03-02T09:00:", 0) == 0);
  CHECK(*parse_rfc3339(oldest) ==
        Instant{count_rows(office.db_path(), "SELECT min(created_at) FROM outbox WHERE state = 'pending'")});

  Hub hub(dir);
  prepare(hub, office);
  auto synced = office.sync();
  INFO(describe(synced));
  REQUIRE(synced.exit_code == 0);
  json in_step = office_status(office);
  CHECK(in_step["pending_changes"] == 0);
  CHECK(in_step["oldest_pending_at"].is_null());
  CHECK(in_step["last_upload_ok_at"].is_string());
  CHECK(in_step["last_feed_ok_at"].is_string());
}

TEST_CASE("a running agent reports to the hub after its syncs", "[report][run][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  // Received before the loop starts, so its first sync carries the batch and the report follows it. (A
  // dossier received after an idle first sync changes nothing the report says: pending is 0 before and
  // after, so no second report is due; the idle-office test covers that rule.)
  office.receive("Nguyễn Thị Hoa");
  BackgroundProcess run({agent_exe(), "run", "--data", office.data(), "--feed-interval", "5", "--ui", "127.0.0.1:0"}, child_env(),
                        dir.file("run.log"));
  auto reported_in_step = [&] {
    return count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 1 &&
           // a report the hub received after it applied the batch (both on the hub's clock)
           count_rows(hub.db_path(), "SELECT count(*) FROM agent_report WHERE pending_changes = 0 AND "
                                     "last_success_at IS NOT NULL AND received_at >= "
                                     "(SELECT max(received_at) FROM batch)") == 1;
  };
  bool reported = false;
  for (int i = 0; i < 300 && !reported; ++i) {
    reported = reported_in_step();
    if (!reported) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(run.output());
  CHECK(reported);
  CHECK(run.stop(SIGTERM, 10000) == 0);
  CHECK(run.output().find("status report") == std::string::npos);  // no report failed
}

TEST_CASE("an idle office reports again only when its state changed or its last report is an hour old",
          "[report][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  auto reports = [&] { return count_rows(hub.db_path(), "SELECT count(*) FROM agent_report_history"); };
  auto requests_of_sync = [&] {
    auto r = office.sync();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out)["requests"].get<int>();
  };
  requests_of_sync();
  const int64_t first = reports();
  REQUIRE(first >= 1);
  CHECK(requests_of_sync() == 1);  // nothing new: only the feed request
  CHECK(requests_of_sync() == 1);
  CHECK(reports() == first);
  office.receive("Nguyễn Thị Hoa");
  CHECK(requests_of_sync() == 2);  // the batch and the feed: afterwards nothing is pending, as before
  CHECK(reports() == first);
  hub.publish_catalog(catalog_variant(dir, "renamed.csv", {{"1.001193", "Thủ tục đăng ký khai sinh", "Đăng ký khai sinh"}}));
  CHECK(requests_of_sync() == 2);  // the feed brings catalogue version 2; the report says so
  CHECK(reports() == first + 1);
  CHECK(requests_of_sync() == 1);
  // An hour later (the office's record of its last report moved back: the clock is what is faked).
  write_db(office.db_path(), "UPDATE meta SET value = CAST(value AS INTEGER) - 3601000 WHERE key = 'last_report_at'");
  CHECK(requests_of_sync() == 2);  // the feed and a fresh report
  CHECK(reports() == first + 2);
}
