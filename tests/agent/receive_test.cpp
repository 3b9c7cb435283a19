#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "facts/dossier_store.hpp"
#include "tests/agent/agent_fixture.hpp"

using namespace motcua;
using motcua::test::Office;
using motcua::test::vn;

namespace {

agent::ReceiveRequest request(const std::string& procedure = "2.001019") {
  agent::ReceiveRequest r;
  r.procedure = procedure;
  r.applicant = "Nguyễn Thị Hoa";
  r.citizen_id = "033198001234";
  r.actor = "clerk";
  return r;
}

int64_t count(agent::Store& store, const std::string& sql) {
  auto v = sql::query_int64(store.db(), sql);
  REQUIRE(v);
  return v->value_or(0);
}

}  // namespace

TEST_CASE("receive computes the appointment from the procedure's working-hour limit and the calendar", "[receive]") {
  Office office("11953", "2026-02-13T10:00");  // Friday before the Tết break 14–22/02
  auto r = agent::receive(office.store, request("2.001019"));  // "Không quá 02 ngày làm việc": 16 h
  REQUIRE(r);
  CHECK(r->due_rule == "computed");
  REQUIRE(r->due_at);
  CHECK(*r->due_at == vn("2026-02-24T10:00"));
}

TEST_CASE("a same-day procedure received after 15:00 is due at 17:00 the next working day", "[receive]") {
  Office office("11953", "2026-04-28T15:30");
  auto r = agent::receive(office.store, request("2.000815"));
  REQUIRE(r);
  REQUIRE(r->due_at);
  CHECK(*r->due_at == vn("2026-04-29T17:00"));
}

TEST_CASE("a procedure without a usable limit needs an appointment or an explicit none", "[receive]") {
  Office office;
  auto refused = agent::receive(office.store, request("1.004873"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kInvalidInput);
  CHECK(refused.error().hint.find("--due-at") != std::string::npos);
  CHECK(refused.error().message_vi.find("không có ngày hẹn trả") != std::string::npos);
  CHECK(count(office.store, "SELECT count(*) FROM dossier") == 0);

  auto none_req = request("1.004873");
  none_req.no_due_date = true;
  auto none = agent::receive(office.store, none_req);
  REQUIRE(none);
  CHECK_FALSE(none->due_at);
  CHECK(none->due_rule == "none");

  auto manual_req = request("1.004873");
  manual_req.due_at = vn("2026-03-10T17:00");
  auto manual = agent::receive(office.store, manual_req);
  REQUIRE(manual);
  CHECK(manual->due_rule == "manual");
  CHECK(*manual->due_at == vn("2026-03-10T17:00"));
}

TEST_CASE("a clerk's appointment overrides the computed one", "[receive]") {
  Office office;
  auto req = request("2.001019");
  req.due_at = vn("2026-03-20T09:00");
  auto r = agent::receive(office.store, req);
  REQUIRE(r);
  CHECK(r->due_rule == "manual");
  CHECK(*r->due_at == vn("2026-03-20T09:00"));
}

TEST_CASE("receive refuses bad input and records nothing", "[receive]") {
  Office office;
  struct Case {
    const char* what;
    std::function<void(agent::ReceiveRequest&)> mutate;
    ErrorCode code;
  };
  const Case cases[] = {
      {"11-digit citizen id", [](auto& r) { r.citizen_id = "03319800123"; }, ErrorCode::kInvalidInput},
      {"citizen id with a letter", [](auto& r) { r.citizen_id = "03319800123A"; }, ErrorCode::kInvalidInput},
      {"empty applicant", [](auto& r) { r.applicant = "   "; }, ErrorCode::kInvalidInput},
      {"9-digit phone", [](auto& r) { r.phone = "091234567"; }, ErrorCode::kInvalidInput},
      {"phone not starting with 0", [](auto& r) { r.phone = "9123456789"; }, ErrorCode::kInvalidInput},
      {"channel 4", [](auto& r) { r.channel = 4; }, ErrorCode::kInvalidInput},
      {"unknown procedure", [](auto& r) { r.procedure = "9.999999"; }, ErrorCode::kNotFound},
      {"received in the future", [](auto& r) { r.received_at = vn("2026-03-02T09:01"); }, ErrorCode::kInvalidInput},
      {"appointment before receipt", [](auto& r) { r.due_at = vn("2026-03-01T09:00"); }, ErrorCode::kInvalidInput},
      {"both appointment and none", [](auto& r) { r.due_at = vn("2026-03-05T09:00"); r.no_due_date = true; },
       ErrorCode::kInvalidInput},
      {"invalid UTF-8 name", [](auto& r) { r.applicant = "Nguy\xff"; }, ErrorCode::kInvalidInput},
      {"document form unknown", [](auto& r) { r.documents = {{"Tờ khai", "scan", 1}}; }, ErrorCode::kInvalidInput},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto req = request();
    c.mutate(req);
    auto r = agent::receive(office.store, req);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == c.code);
    CHECK_FALSE(r.error().message.empty());
  }
  CHECK(count(office.store, "SELECT count(*) FROM dossier") == 0);
  CHECK(count(office.store, "SELECT count(*) FROM outbox") == 0);
  CHECK(count(office.store, "SELECT count(*) FROM dossier_counter") == 0);
}

TEST_CASE("decomposed Vietnamese input is stored in NFC", "[receive][nfc]") {
  Office office;
  auto req = request();
  req.applicant = std::string("Nguye\xcc\x82\xcc\x83n Thi\xcc\xa3 Hoa");  // "Nguyễn Thị Hoa", decomposed
  req.address = std::string("Phu\xcc\x9bo\xcc\x9b\xcc\x80ng Pho\xcc\x82\xcc\x81 Hie\xcc\x82\xcc\x81n");
  req.documents = {{"To\xcc\x9b\xcc\x80 khai", "chinh", 1}};
  auto r = agent::receive(office.store, req);
  REQUIRE(r);
  auto shown = agent::show_dossier(office.store, r->code);
  REQUIRE(shown);
  CHECK((*shown)["applicant"]["name"] == "Nguyễn Thị Hoa");
  CHECK((*shown)["address"] == "Phường Phố Hiến");
  CHECK((*shown)["documents"][0]["name"] == "Tờ khai");
  // Search text folds diacritics and đ so "nguyen thi hoa" finds it.
  CHECK(count(office.store, "SELECT count(*) FROM dossier_state WHERE search_text LIKE '%nguyen thi hoa%'") == 1);
}

TEST_CASE("a citizen id keeps its leading zeros", "[receive]") {
  Office office;
  auto req = request();
  req.citizen_id = "001098000042";
  auto r = agent::receive(office.store, req);
  REQUIRE(r);
  auto shown = agent::show_dossier(office.store, r->code);
  REQUIRE(shown);
  CHECK((*shown)["applicant"]["citizen_id"] == "001098000042");
}

TEST_CASE("a back-entered dossier stores both the receipt and the entry instants", "[receive]") {
  Office office("11953", "2026-03-02T09:00");
  auto req = request();
  req.received_at = vn("2026-02-27T16:00");
  auto r = agent::receive(office.store, req);
  REQUIRE(r);
  auto shown = agent::show_dossier(office.store, r->code);
  REQUIRE(shown);
  CHECK((*shown)["received_at"] == "2026-02-27T16:00:00+07:00");
  CHECK((*shown)["entered_at"] == "2026-03-02T09:00:00+07:00");
  // 16 working hours from Friday 16:00: 1 h Friday, 8 h Monday, 7 h Tuesday -> Tuesday 16:00.
  CHECK((*shown)["due_at"] == "2026-03-03T16:00:00+07:00");
}

TEST_CASE("document specs parse name, form and count", "[receive]") {
  auto a = agent::parse_document_spec("Tờ khai:chinh:1");
  REQUIRE(a);
  CHECK(a->name == "Tờ khai");
  CHECK(a->form == "chinh");
  CHECK(a->copies == 1);
  auto b = agent::parse_document_spec("Giấy tờ: hộ khẩu:bản sao:2");
  REQUIRE(b);
  CHECK(b->name == "Giấy tờ: hộ khẩu");
  CHECK(b->form == "sao");
  CHECK(b->copies == 2);
  auto c = agent::parse_document_spec("CCCD:photo");
  REQUIRE(c);
  CHECK(c->copies == 1);
  CHECK_FALSE(agent::parse_document_spec("Tờ khai"));
  CHECK_FALSE(agent::parse_document_spec("Tờ khai:scan:1"));
  CHECK_FALSE(agent::parse_document_spec(":chinh:1"));
  CHECK_FALSE(agent::parse_document_spec("Tờ khai:chinh:0"));
}

TEST_CASE("a full disk fails the save with an I/O error and loses nothing already saved", "[receive][fault]") {
  Office office;
  auto first = office.receive();
  // Cap the database at its current size: the next write needs a page it cannot get (SQLITE_FULL),
  // exactly what a full disk does.
  auto pages = sql::query_int64(office.store.db(), "PRAGMA page_count");
  REQUIRE(pages);
  REQUIRE(office.store.db().exec("PRAGMA max_page_count = " + std::to_string(**pages)));
  int refused = 0;
  for (int i = 0; i < 50 && refused == 0; ++i) {
    auto req = request();
    req.address = std::string(1000, 'x');  // within the 1 KiB text limit: a few per page
    auto r = agent::receive(office.store, req);
    if (!r) {
      ++refused;
      CHECK(r.error().code == ErrorCode::kIo);
      CHECK(r.error().hint.find("disk is full") != std::string::npos);
    }
  }
  REQUIRE(refused == 1);
  const int64_t dossiers = count(office.store, "SELECT count(*) FROM dossier");
  CHECK(count(office.store, "SELECT count(*) FROM outbox") == dossiers);  // every saved dossier has its outbox row
  auto shown = agent::show_dossier(office.store, first.code);
  REQUIRE(shown);
}

TEST_CASE("text longer than the hub accepts, or with a NUL character, is refused when typed and nothing is saved",
          "[receive][limits]") {
  Office office;
  auto too_long = request();
  too_long.applicant = std::string(facts::kMaxTextBytes + 1, 'A');
  auto r = agent::receive(office.store, too_long);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidInput);
  CHECK(r.error().message.find("applicant") != std::string::npos);
  CHECK(r.error().message.find("1024-byte limit") != std::string::npos);
  auto with_nul = request();
  static const char kWithNul[] = "Thôn 1\0xóm 2";
  with_nul.address = std::string(kWithNul, sizeof kWithNul - 1);
  auto n = agent::receive(office.store, with_nul);
  REQUIRE_FALSE(n);
  CHECK(n.error().message.find("NUL") != std::string::npos);
  CHECK(count(office.store, "SELECT count(*) FROM dossier") == 0);
  CHECK(count(office.store, "SELECT count(*) FROM outbox") == 0);
  auto at_limit = request();
  at_limit.applicant = std::string(facts::kMaxTextBytes, 'A');
  CHECK(agent::receive(office.store, at_limit));
}
