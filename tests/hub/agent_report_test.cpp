// POST /v1/report at the hub (PROTOCOL.md 7.5), through the real intake (Intake::handle) on a real
// hub database, with a pinned hub clock: what a report must contain, what the hub keeps of it.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/agent_report.hpp"
#include "hub/hub_store.hpp"
#include "hub/intake.hpp"
#include "hub/status.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/request_signature.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using nlohmann::json;

namespace {

// A hub with one enrolled agent for unit 11953 (no network: requests go to Intake::handle).
struct ReportWorld {
  test::TempDir dir;
  std::string hub_dir = dir.file("hub");
  ManualClock clock{*parse_rfc3339("2026-03-02T09:00:00+07:00")};
  std::unique_ptr<hub::HubStore> store;
  std::unique_ptr<sync::KeyPair> key;
  Id128 agent_id = Id128::random();
  uint64_t counter = 0;

  ReportWorld() {
    REQUIRE(hub::init_hub(hub_dir, "33", clock));
    auto s = hub::HubStore::open(hub_dir, clock);
    REQUIRE(s);
    store = std::make_unique<hub::HubStore>(std::move(*s));
    auto k = sync::KeyPair::generate();
    REQUIRE(k);
    key = std::make_unique<sync::KeyPair>(std::move(*k));
    auto st = store->db().prepare(
        "INSERT INTO agent(id, unit, public_key, status, enrolled_at) VALUES (?1, '11953', ?2, 'active', ?3)");
    REQUIRE(st);
    const auto& pk = key->public_key().bytes;
    st->bind(1, agent_id.blob()).bind(2, sql::Blob(pk.begin(), pk.end())).bind(3, clock.now().ms);
    REQUIRE(st->run());
  }

  hub::HttpResponse post(hub::Intake& intake, const std::string& body) {
    auto headers = sync::sign_request(*key, agent_id, ++counter, "POST", "/v1/report", body);
    REQUIRE(headers);
    hub::HttpRequest req;
    req.method = "POST";
    req.target = "/v1/report";
    req.headers = {{"content-type", "application/json"},
                   {"x-motcua-agent", headers->agent},
                   {"x-motcua-counter", headers->counter},
                   {"x-motcua-signature", headers->signature}};
    req.body = body;
    return intake.handle(req);
  }

  int64_t count(const std::string& sql) {
    auto n = sql::query_int64(store->db(), sql);
    REQUIRE(n);
    return n->value_or(0);
  }
};

json full_report() {
  return {{"sent_at", "2026-03-02T08:50:00+07:00"},
          {"agent_version", "0.1.0"},
          {"schema_version", 2},
          {"last_attempt_at", "2026-03-02T08:49:58+07:00"},
          {"last_success_at", "2026-03-01T16:00:00+07:00"},
          {"last_upload_ok_at", "2026-03-01T16:00:00+07:00"},
          {"last_feed_ok_at", "2026-03-02T08:49:59+07:00"},
          {"pending_changes", 3},
          {"oldest_unsent_at", "2026-03-02T08:15:00+07:00"},
          {"last_error", {{"code", "conflict"}, {"message", "hub refused (sequence_conflict): ..."},
                          {"at", "2026-03-02T08:49:59+07:00"}}},
          {"clock_offset_ms", 599000},
          {"free_disk_bytes", 123456789},
          {"quarantined_batches", 1},
          {"refused_batches", 0},
          {"catalog_version", 2},
          {"calendar_version", 1}};
}

std::string error_code(const hub::HttpResponse& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

}  // namespace

TEST_CASE("a report body is read with its types checked; unknown members and nulls are accepted", "[hub][report]") {
  json body = full_report();
  body["sent_by_a_later_version"] = {{"anything", true}};
  auto r = hub::parse_agent_report(body.dump());
  REQUIRE(r);
  CHECK(r->sent_at == *parse_rfc3339("2026-03-02T08:50:00+07:00"));
  CHECK(r->pending_changes == 3);
  CHECK(r->oldest_unsent_at == parse_rfc3339("2026-03-02T08:15:00+07:00").value());
  CHECK(r->last_error_code == std::optional<std::string>("conflict"));
  CHECK(r->clock_offset_ms == std::optional<int64_t>(599000));
  CHECK(r->catalog_version == std::optional<int64_t>(2));

  json minimal = {{"sent_at", "2026-03-02T01:50:00Z"}, {"agent_version", "0.1.0"}, {"schema_version", 1},
                  {"pending_changes", 0}, {"oldest_unsent_at", nullptr}, {"last_error", nullptr}};
  auto m = hub::parse_agent_report(minimal.dump());
  REQUIRE(m);
  CHECK(m->sent_at == *parse_rfc3339("2026-03-02T08:50:00+07:00"));
  CHECK_FALSE(m->oldest_unsent_at);
  CHECK_FALSE(m->last_error_code);
  CHECK_FALSE(m->free_disk_bytes);
}

TEST_CASE("a report with bad JSON, a missing member or a wrong type is refused naming the member", "[hub][report]") {
  struct Case {
    const char* what;
    std::string body;
    const char* named;
  };
  auto with = [](const char* member, json value) {
    json b = full_report();
    if (value.is_discarded()) {
      b.erase(member);
    } else {
      b[member] = std::move(value);
    }
    return b.dump();
  };
  const json missing = json(json::value_t::discarded);
  const std::vector<Case> cases = {
      {"not JSON", "{\"sent_at\": ", "JSON object"},
      {"an array", "[1, 2]", "JSON object"},
      {"no sent_at", with("sent_at", missing), "sent_at"},
      {"sent_at without an offset", with("sent_at", "2026-03-02T08:50:00"), "sent_at"},
      {"pending_changes as text", with("pending_changes", "3"), "pending_changes"},
      {"pending_changes negative", with("pending_changes", -1), "pending_changes"},
      {"pending_changes fractional", with("pending_changes", 1.5), "pending_changes"},
      {"no pending_changes", with("pending_changes", missing), "pending_changes"},
      {"agent_version a number", with("agent_version", 1), "agent_version"},
      {"free_disk_bytes beyond 64 bits", with("free_disk_bytes", json(UINT64_MAX)), "free_disk_bytes"},
      {"oldest_unsent_at a number", with("oldest_unsent_at", 1772416800000), "oldest_unsent_at"},
      {"last_error a string", with("last_error", "conflict"), "last_error"},
      {"last_error without at", with("last_error", {{"code", "conflict"}, {"message", "m"}}), "last_error.at"},
  };
  for (const auto& c : cases) {
    INFO(c.what << ": " << c.body);
    auto r = hub::parse_agent_report(c.body);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalidInput);
    CHECK(r.error().message.find(c.named) != std::string::npos);
  }
}

TEST_CASE("the hub keeps an agent's latest report, its own clock offset, and the last 200 reports", "[hub][report]") {
  ReportWorld w;
  auto intake = hub::Intake::create(w.hub_dir, w.clock);
  REQUIRE(intake);
  // The office's clock is 10 minutes behind the hub's.
  json body = full_report();
  auto first = w.post(**intake, body.dump());
  INFO(first.body);
  REQUIRE(first.status == 200);
  CHECK(json::parse(first.body)["received_at"] == "2026-03-02T09:00:00+07:00");
  CHECK(w.count("SELECT hub_clock_offset_ms FROM agent_report") == 600000);
  CHECK(w.count("SELECT last_request_counter FROM agent") == 1);

  auto status = hub::hub_status(*w.store);
  REQUIRE(status);
  json unit;
  for (const auto& u : (*status)["units"]) {
    if (u["unit"] == "11953") unit = u;
  }
  REQUIRE(unit["report"].is_object());
  const json& r = unit["report"];
  CHECK(r["received_at"] == "2026-03-02T09:00:00+07:00");
  CHECK(r["sent_at"] == "2026-03-02T08:50:00+07:00");
  CHECK(r["hub_clock_offset_ms"] == 600000);
  CHECK(r["pending_changes"] == 3);
  CHECK(r["oldest_unsent_at"] == "2026-03-02T08:15:00+07:00");
  CHECK(r["last_success_at"] == "2026-03-01T16:00:00+07:00");
  CHECK(r["last_error"] == json({{"code", "conflict"}, {"message", "hub refused (sequence_conflict): ..."},
                                 {"at", "2026-03-02T08:49:59+07:00"}}));
  CHECK(r["quarantined_batches"] == 1);
  CHECK(r["catalog_version"] == 2);
  CHECK(r["free_disk_bytes"] == 123456789);

  for (int i = 1; i <= 204; ++i) {
    w.clock.advance_ms(1000);
    body["pending_changes"] = i;
    auto again = w.post(**intake, body.dump());
    REQUIRE(again.status == 200);
  }
  CHECK(w.count("SELECT count(*) FROM agent_report") == 1);
  CHECK(w.count("SELECT pending_changes FROM agent_report") == 204);
  CHECK(w.count("SELECT count(*) FROM agent_report_history") == hub::kReportHistoryPerAgent);
  CHECK(w.count("SELECT min(pending_changes) FROM agent_report_history") == 5);  // the oldest five were dropped
  CHECK(w.count("SELECT last_request_counter FROM agent") == 205);
}

TEST_CASE("a refused report changes neither the latest report, the history nor the request counter", "[hub][report]") {
  ReportWorld w;
  auto intake = hub::Intake::create(w.hub_dir, w.clock);
  REQUIRE(intake);
  REQUIRE(w.post(**intake, full_report().dump()).status == 200);
  const int64_t counter = w.count("SELECT last_request_counter FROM agent");

  json wrong = full_report();
  wrong["pending_changes"] = "many";
  auto malformed = w.post(**intake, wrong.dump());
  CHECK(malformed.status == 400);
  CHECK(error_code(malformed) == "bad_request");

  json big = full_report();
  big["padding"] = std::string(hub::kMaxReportBytes, 'x');
  auto oversized = w.post(**intake, big.dump());
  CHECK(oversized.status == 413);
  CHECK(error_code(oversized) == "payload_too_large");

  CHECK(w.count("SELECT count(*) FROM agent_report_history") == 1);
  CHECK(w.count("SELECT pending_changes FROM agent_report") == 3);
  CHECK(w.count("SELECT last_request_counter FROM agent") == counter);
}
