// Hand-overs (liên thông), corrections and facts received from other offices, on real office
// databases (docs/CONFLICTS.md). A second office is a second database; what the hub's feed would
// carry between them is built with facts::facts_json and applied with facts::apply_facts_json.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "facts/dossier_store.hpp"
#include "tests/agent/agent_fixture.hpp"

using namespace motcua;
using motcua::test::Office;
using motcua::test::vn;
using nlohmann::json;

namespace {

const std::string kReceiver = "11953";  // Phường Phố Hiến, Hưng Yên
const std::string kOther = "11983";     // Phường Sơn Nam, Hưng Yên

void move(Office& office, const std::string& code, int status) {
  auto r = agent::set_status(office.store, {code, status, "", "clerk"});
  if (!r) FAIL(r.error().message);
}

agent::TransferResult hand_over(Office& office, const std::string& code, const std::string& to) {
  auto r = agent::transfer(office.store, {code, to, "Chuyển liên thông", "clerk"});
  if (!r) FAIL(r.error().message);
  return *r;
}

json show(Office& office, const std::string& code) {
  auto r = agent::show_dossier(office.store, code);
  if (!r) FAIL(r.error().message);
  return *r;
}

int64_t count(Office& office, const std::string& sql) {
  auto v = sql::query_int64(office.store.db(), sql);
  REQUIRE(v);
  return v->value_or(0);
}

int64_t meta_hlc(Office& office) {
  auto v = office.store.get_meta("hlc");
  REQUIRE(v);
  return *v ? std::stoll(**v) : 0;
}

// Every fact row of the dossier `code` held by `from`, as a facts feed entry would carry them.
json facts_of(Office& from, const std::string& code) {
  auto id = facts::find_dossier_by_code(from.store.db(), code);
  REQUIRE(id);
  auto refs = facts::dossier_fact_refs(from.store.db(), *id);
  REQUIRE(refs);
  auto body = facts::facts_json(from.store.db(), *refs);
  REQUIRE(body);
  return *body;
}

// Applies `body` at `to` in one transaction, as the feed does; on error the transaction rolls back.
Result<facts::AppliedFacts> deliver(Office& to, const json& body) {
  auto tx = sql::Transaction::begin_immediate(to.store.db());
  REQUIRE(tx);
  auto applied = facts::apply_facts_json(to.store.db(), body);
  if (!applied) return applied;
  REQUIRE(to.store.observe_hlc(applied->max_hlc));
  REQUIRE(tx->commit());
  return applied;
}

}  // namespace

TEST_CASE("a hand-over by the holder keeps the status and makes the target the holder; the former holder can then "
          "neither hand over nor move the dossier on",
          "[transfer]") {
  Office office(kReceiver);
  auto r = office.receive();
  move(office, r.code, 4);
  const int64_t outbox_before = count(office, "SELECT count(*) FROM outbox");
  auto t = hand_over(office, r.code, kOther);
  CHECK(t.status == domain::DossierStatus::kProcessing);
  CHECK(t.to_unit == kOther);
  CHECK(count(office, "SELECT count(*) FROM outbox") == outbox_before + 1);  // captured for the hub

  json shown = show(office, r.code);
  CHECK(shown["status"] == 4);
  CHECK(shown["holder_unit"] == kOther);
  CHECK(shown["holders"] == json::array({kReceiver, kOther}));
  REQUIRE(shown["events"].size() == 2);
  CHECK(shown["events"][1]["kind"] == "transfer");
  CHECK(shown["events"][1]["to_unit"] == kOther);
  CHECK(shown["events"][1]["outcome"] == "applied");
  CHECK(shown["events"][1]["parent"] == shown["events"][0]["id"]);
  CHECK(count(office, "SELECT count(*) FROM dossier_state WHERE holder_unit = '11983' AND status = 4") == 1);

  const int64_t events = count(office, "SELECT count(*) FROM dossier_event");
  auto again = agent::transfer(office.store, {r.code, "12103", "", "clerk"});
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kConflict);
  CHECK(again.error().message_vi.find("đang do đơn vị " + kOther) != std::string::npos);
  for (int to : {5, 9, 8}) {
    INFO("4 -> " << to);
    auto step = agent::set_status(office.store, {r.code, to, "", "clerk"});
    REQUIRE_FALSE(step);
    CHECK(step.error().code == ErrorCode::kConflict);
    CHECK(step.error().message_vi.find("đang do đơn vị " + kOther) != std::string::npos);
  }
  CHECK(count(office, "SELECT count(*) FROM dossier_event") == events);
  CHECK(count(office, "SELECT count(*) FROM outbox") == outbox_before + 1);

  // The receiving unit keeps its counter steps: a withdrawal at the counter is accepted.
  auto withdrawn = agent::set_status(office.store, {r.code, 7, "Công dân rút hồ sơ", "clerk"});
  INFO((withdrawn ? std::string() : withdrawn.error().message));
  REQUIRE(withdrawn);
  CHECK(show(office, r.code)["status"] == 7);
}

TEST_CASE("a hand-over in status 5 is refused with a Vietnamese message naming the statuses that allow it",
          "[transfer]") {
  Office office(kReceiver);
  auto r = office.receive();
  move(office, r.code, 4);
  move(office, r.code, 5);
  const int64_t events = count(office, "SELECT count(*) FROM dossier_event");
  const int64_t outbox = count(office, "SELECT count(*) FROM outbox");
  auto t = agent::transfer(office.store, {r.code, kOther, "", "clerk"});
  REQUIRE_FALSE(t);
  CHECK(t.error().code == ErrorCode::kConflict);
  const std::string& vi = t.error().message_vi;
  CHECK(vi.find("Được tiếp nhận") != std::string::npos);
  CHECK(vi.find("Đang xử lý") != std::string::npos);
  CHECK(vi.find("Đã xử lý xong") != std::string::npos);
  CHECK(vi.find("Yêu cầu bổ sung") != std::string::npos);  // where the dossier is
  CHECK(count(office, "SELECT count(*) FROM dossier_event") == events);
  CHECK(count(office, "SELECT count(*) FROM outbox") == outbox);
  json shown = show(office, r.code);
  CHECK(shown["holder_unit"] == kReceiver);
  CHECK(shown["status"] == 5);
}

TEST_CASE("a hand-over to a unit outside the province, to an unknown code or to the holder itself is refused",
          "[transfer]") {
  Office office(kReceiver);
  auto r = office.receive();
  const int64_t outbox = count(office, "SELECT count(*) FROM outbox");
  SECTION("Phường Hoàn Kiếm, Hà Nội") {
    auto t = agent::transfer(office.store, {r.code, "00070", "", "clerk"});
    REQUIRE_FALSE(t);
    CHECK(t.error().code == ErrorCode::kNotFound);
    CHECK(t.error().message_vi.find("00070") != std::string::npos);
  }
  SECTION("a code that names no unit") {
    auto t = agent::transfer(office.store, {r.code, "99999", "", "clerk"});
    REQUIRE_FALSE(t);
    CHECK(t.error().code == ErrorCode::kNotFound);
    CHECK_FALSE(t.error().message_vi.empty());
  }
  SECTION("the holder itself") {
    auto t = agent::transfer(office.store, {r.code, kReceiver, "", "clerk"});
    REQUIRE_FALSE(t);
    CHECK_FALSE(t.error().message_vi.empty());
  }
  CHECK(count(office, "SELECT count(*) FROM dossier_event") == 0);
  CHECK(count(office, "SELECT count(*) FROM outbox") == outbox);
  CHECK(show(office, r.code)["holder_unit"] == kReceiver);
}

TEST_CASE("the receiving office returns the result (9→10) of a dossier another office holds and resolved",
          "[transfer][facts]") {
  Office receiver(kReceiver, "2026-03-02T08:00");
  Office other(kOther, "2026-03-02T08:00");
  auto r = receiver.receive();
  move(receiver, r.code, 4);
  hand_over(receiver, r.code, kOther);

  // The other office receives the dossier through the feed and is now its holder.
  auto got = deliver(other, facts_of(receiver, r.code));
  REQUIRE(got);
  CHECK(got->rows_new == 3);  // creation, 2→4, hand-over
  json there = show(other, r.code);
  CHECK(there["holder_unit"] == kOther);
  CHECK(there["status"] == 4);
  CHECK(count(other, "SELECT count(*) FROM outbox") == 0);  // applied without capture: nothing echoes back
  other.clock.set(vn("2026-03-03T09:00"));
  move(other, r.code, 9);

  SECTION("while the other office still holds it") {
    auto back = deliver(receiver, facts_of(other, r.code));
    REQUIRE(back);
    CHECK(back->rows_new == 1);
    CHECK(back->rows_known == 3);
    json here = show(receiver, r.code);
    CHECK(here["status"] == 9);
    CHECK(here["holder_unit"] == kOther);
    receiver.clock.set(vn("2026-03-03T10:00"));
    auto returned = agent::set_status(receiver.store, {r.code, 10, "", "clerk"});
    INFO((returned ? std::string() : returned.error().message));
    REQUIRE(returned);
    here = show(receiver, r.code);
    CHECK(here["status"] == 10);
    CHECK(here["holder_unit"] == kOther);
    CHECK(here["conflicts"].empty());
    // The counter step follows the holder's 4→9 it received.
    REQUIRE(here["events"].size() == 4);
    CHECK(here["events"][2]["to_status"] == 9);
    CHECK(here["events"][3]["to_status"] == 10);
    CHECK(here["events"][3]["parent"] == here["events"][2]["id"]);
    CHECK(here["events"][3]["outcome"] == "applied");
  }
  SECTION("after the other office handed the result back") {
    hand_over(other, r.code, kReceiver);
    REQUIRE(deliver(receiver, facts_of(other, r.code)));
    json here = show(receiver, r.code);
    CHECK(here["status"] == 9);
    CHECK(here["holder_unit"] == kReceiver);
    receiver.clock.set(vn("2026-03-03T10:00"));
    REQUIRE(agent::set_status(receiver.store, {r.code, 10, "", "clerk"}));
    CHECK(show(receiver, r.code)["status"] == 10);
    // The other office no longer holds it: its own 9→10 is refused.
    REQUIRE(deliver(other, facts_of(receiver, r.code)));
    auto late = agent::set_status(other.store, {r.code, 10, "", "clerk"});
    REQUIRE_FALSE(late);
  }
}

TEST_CASE("a correction typed in decomposed Vietnamese is stored in NFC and retyping it changes nothing",
          "[correct][nfc]") {
  Office office(kReceiver);
  auto r = office.receive();
  // "Nguyễn Văn An" as some Windows keyboards type it: base letters followed by combining marks
  // (U+0302 circumflex, U+0303 tilde, U+0306 breve).
  const std::string decomposed = "Nguye\xCC\x82\xCC\x83n Va\xCC\x86n An";
  const std::string composed = "Nguy\xE1\xBB\x85n V\xC4\x83n An";  // U+1EC5, U+0103
  REQUIRE(decomposed != composed);
  REQUIRE(composed == "Nguyễn Văn An");

  auto first = agent::correct(office.store, {r.code, "applicant_name", decomposed, "Sai tên", "clerk"});
  INFO((first ? std::string() : first.error().message));
  REQUIRE(first);
  CHECK(first->changed);
  json shown = show(office, r.code);
  CHECK(shown["applicant"]["name"] == composed);
  REQUIRE(shown["events"].size() == 1);
  CHECK(shown["events"][0]["value"] == composed);
  CHECK(count(office, "SELECT count(*) FROM dossier_state WHERE applicant_name = 'Nguyễn Văn An'") == 1);
  const int64_t outbox = count(office, "SELECT count(*) FROM outbox");

  auto again = agent::correct(office.store, {r.code, "applicant_name", "  " + decomposed + " ", "", "clerk"});
  REQUIRE(again);
  CHECK_FALSE(again->changed);
  CHECK(count(office, "SELECT count(*) FROM dossier_event") == 1);
  CHECK(count(office, "SELECT count(*) FROM outbox") == outbox);

  auto composed_again = agent::correct(office.store, {r.code, "applicant_name", composed, "", "clerk"});
  REQUIRE(composed_again);
  CHECK_FALSE(composed_again->changed);
}

TEST_CASE("a correction to an 11-digit citizen id is refused with a Vietnamese message and records nothing",
          "[correct]") {
  Office office(kReceiver);
  auto r = office.receive();
  auto bad = agent::correct(office.store, {r.code, "applicant_citizen_id", "03319800123", "", "clerk"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kInvalidInput);
  CHECK(bad.error().message_vi.find("12 chữ số") != std::string::npos);
  CHECK(count(office, "SELECT count(*) FROM dossier_event") == 0);
  CHECK(show(office, r.code)["applicant"]["citizen_id"] == "033198001234");
}

TEST_CASE("facts applied twice insert nothing the second time", "[facts]") {
  Office receiver(kReceiver);
  Office other(kOther);
  auto r = receiver.receive();
  move(receiver, r.code, 4);
  hand_over(receiver, r.code, kOther);
  const json body = facts_of(receiver, r.code);

  auto first = deliver(other, body);
  REQUIRE(first);
  CHECK(first->rows_new == 3);
  CHECK(first->rows_known == 0);
  CHECK(first->dossiers.size() == 1);
  auto second = deliver(other, body);
  REQUIRE(second);
  CHECK(second->rows_new == 0);
  CHECK(second->rows_known == 3);
  CHECK(second->dossiers.empty());
  CHECK(count(other, "SELECT count(*) FROM dossier") == 1);
  CHECK(count(other, "SELECT count(*) FROM dossier_event") == 2);
  CHECK(count(other, "SELECT count(*) FROM dossier_state") == 1);
}

TEST_CASE("facts naming an unknown table, with a wrong column count or a value of the wrong type are refused and "
          "the transaction leaves nothing behind",
          "[facts]") {
  Office receiver(kReceiver);
  Office other(kOther);
  auto r = receiver.receive();
  move(receiver, r.code, 4);
  json body = facts_of(receiver, r.code);
  REQUIRE(body["dossier"].size() == 1);
  REQUIRE(body["dossier_event"].size() == 1);

  SECTION("an unknown table") {
    body["outbox"] = json::array({json::object({{"seq", 1}})});
    auto bad = deliver(other, body);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::kInvalidInput);
    CHECK(bad.error().message.find("outbox") != std::string::npos);
  }
  SECTION("an event row with a column too few") {
    body["dossier_event"][0].erase("actor");
    auto bad = deliver(other, body);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::kInvalidInput);
  }
  SECTION("an event row with a column too many") {
    body["dossier_event"][0]["extra"] = "x";
    auto bad = deliver(other, body);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::kInvalidInput);
  }
  SECTION("an event row with a status as text") {
    body["dossier_event"][0]["to_status"] = "4";
    auto bad = deliver(other, body);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::kInvalidInput);
    CHECK(bad.error().message.find("to_status") != std::string::npos);
  }
  SECTION("an id that is not 32 hex digits") {
    body["dossier_event"][0]["id"] = "not-an-id";
    auto bad = deliver(other, body);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::kInvalidInput);
  }
  // The creation came before the bad event row and was inserted; the rollback took it away.
  CHECK(count(other, "SELECT count(*) FROM dossier") == 0);
  CHECK(count(other, "SELECT count(*) FROM dossier_event") == 0);
  CHECK(count(other, "SELECT count(*) FROM dossier_state") == 0);
  // The refusal left the database usable: the good facts apply afterwards.
  auto good = deliver(other, facts_of(receiver, r.code));
  REQUIRE(good);
  CHECK(good->rows_new == 2);
}

TEST_CASE("facts received move the office clock past them, so its next step orders after them", "[facts][hlc]") {
  // The receiving office's clock runs two days ahead; the other office's is right.
  Office receiver(kReceiver, "2026-03-04T09:00");
  Office other(kOther, "2026-03-02T09:00");
  auto r = receiver.receive();
  move(receiver, r.code, 4);
  hand_over(receiver, r.code, kOther);
  const json body = facts_of(receiver, r.code);
  int64_t largest = 0;
  for (const auto& table : body) {
    for (const auto& row : table) largest = std::max(largest, row["hlc"].get<int64_t>());
  }
  const int64_t before = meta_hlc(other);
  CHECK(before < largest);

  auto applied = deliver(other, body);
  REQUIRE(applied);
  CHECK(applied->max_hlc.value == largest);
  const int64_t after = meta_hlc(other);
  CHECK(after > largest);

  move(other, r.code, 9);
  json shown = show(other, r.code);
  REQUIRE(shown["events"].size() == 3);
  const json& last = shown["events"][2];  // fact order: HLC, unit, id
  CHECK(last["origin_unit"] == kOther);
  CHECK(last["to_status"] == 9);
  CHECK(last["hlc"].get<int64_t>() > largest);
  CHECK(last["outcome"] == "applied");
  CHECK(shown["status"] == 9);
}
