// The clerk web UI over real HTTP on loopback: a WebUi serving an office set up from the sample
// files (manual clock), driven by an HTTP client the way a browser would post its forms.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "agent/accounts.hpp"
#include "agent/config.hpp"
#include "agent/counter.hpp"
#include "common/text.hpp"
#include "agent/dossiers.hpp"
#include "agent/web/web_ui.hpp"
#include "tests/agent/agent_fixture.hpp"

namespace motcua {
namespace {

using nlohmann::json;

const char* kLeadPassword = "mat-khau-truong";
const char* kClerkPassword = "mat-khau-can-bo";

struct Ui {
  explicit Ui(const std::string& host = "127.0.0.1") {
    REQUIRE(agent::add_account(office.store, "lan", "Nguyễn Thị Lan", agent::Role::kLead, kLeadPassword));
    REQUIRE(agent::add_account(office.store, "binh", "Trần Văn Bình", agent::Role::kClerk, kClerkPassword));
    agent::WebUiOptions options;
    options.data_dir = office.store.data_dir();
    options.host = host;
    options.port = 0;
    options.on_sync_now = [this] { ++syncs; };
    auto started = agent::WebUi::start(options, office.clock);
    if (!started) FAIL(started.error().message);
    web = std::move(*started);
  }

  httplib::Client client(const std::string& host = "127.0.0.1") {
    httplib::Client c(host, web->port());
    c.set_connection_timeout(5, 0);
    c.set_read_timeout(10, 0);
    return c;
  }

  // Signs in through the form; returns the Cookie header value.
  std::string sign_in(const std::string& user = "binh", const std::string& password = kClerkPassword) {
    auto c = client();
    auto r = c.Post("/login", httplib::Params{{"username", user}, {"password", password}, {"next", "/"}});
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 303);
    const std::string set = r->get_header_value("Set-Cookie");
    const auto semi = set.find(';');
    REQUIRE(set.rfind("motcua_session=", 0) == 0);
    return set.substr(0, semi);
  }

  std::string csrf(const std::string& cookie) {
    auto r = client().Get("/receive", {{"Cookie", cookie}});
    REQUIRE(r);
    REQUIRE(r->status == 200);
    std::smatch m;
    REQUIRE(std::regex_search(r->body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]{64})\"")));
    return m[1];
  }

  httplib::Result post(const std::string& cookie, const std::string& path, httplib::Params params,
                       httplib::Headers extra = {}) {
    extra.emplace("Cookie", cookie);
    return client().Post(path.c_str(), extra, params);
  }

  httplib::Params valid_receipt(const std::string& csrf_token) {
    return {{"csrf", csrf_token},
            {"procedure", "1.001193"},
            {"applicant_name", "Đặng Văn Đức"},
            {"applicant_citizen_id", "033198001234"},
            {"phone", "0912345678"},
            {"channel", "1"},
            {"doc_on_1", "1"},
            {"doc_name_1", "Tờ khai đăng ký khai sinh"},
            {"doc_form_1", "chinh"},
            {"doc_copies_1", "1"},
            {"action", "receive"}};
  }

  int64_t dossiers() {
    auto n = sql::query_int64(office.store.db(), "SELECT count(*) FROM dossier");
    REQUIRE(n);
    return n->value_or(0);
  }

  // Receives through the form; returns the new code.
  std::string receive(const std::string& cookie) {
    auto r = post(cookie, "/receive", valid_receipt(csrf(cookie)));
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 303);
    std::smatch m;
    const std::string location = r->get_header_value("Location");
    REQUIRE(std::regex_match(location, m, std::regex("/dossiers/([^?]+)\\?new=1")));
    return m[1];
  }

  test::Office office;
  std::unique_ptr<agent::WebUi> web;
  int syncs = 0;
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the web UI listens only on the configured address", "[web]") {
  Ui ui;
  auto here = ui.client("127.0.0.1").Get("/login");
  REQUIRE(here);
  CHECK(here->status == 200);
  // 127.0.0.2 is this machine too, but not the address the UI was told to bind.
  auto other = ui.client("127.0.0.2").Get("/login");
  CHECK_FALSE(other);
  CHECK(contains(ui.web->url(), "http://127.0.0.1:"));
}

TEST_CASE("requests without a session are refused: pages go to sign-in, the API and form posts get 401", "[web]") {
  Ui ui;
  auto c = ui.client();
  auto page = c.Get("/dossiers/33.11953-260302-0001");
  REQUIRE(page);
  CHECK(page->status == 303);
  CHECK(page->get_header_value("Location") == "/login?next=/dossiers/33.11953-260302-0001");
  auto api = c.Get("/api/sync-state");
  REQUIRE(api);
  CHECK(api->status == 401);
  auto post = c.Post("/receive", ui.valid_receipt(std::string(64, 'a')));
  REQUIRE(post);
  CHECK(post->status == 401);
  CHECK(ui.dossiers() == 0);
  auto forged = c.Get("/", {{"Cookie", "motcua_session=" + std::string(64, '0')}});
  REQUIRE(forged);
  CHECK(forged->status == 303);
}

TEST_CASE("a wrong password is refused in Vietnamese, and five in a row lock the account for five minutes", "[web]") {
  Ui ui;
  auto c = ui.client();
  for (int i = 0; i < 5; ++i) {
    auto r = c.Post("/login", httplib::Params{{"username", "binh"}, {"password", "sai-mat-khau"}});
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(contains(r->body, "Sai tên đăng nhập hoặc mật khẩu."));
    CHECK(r->get_header_value("Set-Cookie").empty());
  }
  auto locked = c.Post("/login", httplib::Params{{"username", "binh"}, {"password", kClerkPassword}});
  REQUIRE(locked);
  CHECK(locked->status == 401);
  CHECK(contains(locked->body, "Nhập sai mật khẩu quá nhiều lần"));
  auto unknown = c.Post("/login", httplib::Params{{"username", "khong-co"}, {"password", kClerkPassword}});
  REQUIRE(unknown);
  CHECK(contains(unknown->body, "Sai tên đăng nhập hoặc mật khẩu."));
  ui.office.clock.advance_ms(5 * kMsPerMinute + 1);
  CHECK_FALSE(ui.sign_in().empty());
}

TEST_CASE("a session ends after an hour without requests, at sign-out, and when the account is disabled", "[web]") {
  Ui ui;
  std::string cookie = ui.sign_in();
  auto c = ui.client();
  ui.office.clock.advance_ms(59 * kMsPerMinute);
  auto fresh = c.Get("/", {{"Cookie", cookie}});
  REQUIRE(fresh);
  CHECK(fresh->status == 200);
  ui.office.clock.advance_ms(61 * kMsPerMinute);
  auto expired = c.Get("/", {{"Cookie", cookie}});
  REQUIRE(expired);
  CHECK(expired->status == 303);

  cookie = ui.sign_in();
  auto out = ui.post(cookie, "/logout", {{"csrf", ui.csrf(cookie)}});
  REQUIRE(out);
  CHECK(out->status == 303);
  auto after = c.Get("/", {{"Cookie", cookie}});
  REQUIRE(after);
  CHECK(after->status == 303);

  cookie = ui.sign_in();
  REQUIRE(agent::disable_account(ui.office.store, "binh"));
  auto disabled = c.Get("/", {{"Cookie", cookie}});
  REQUIRE(disabled);
  CHECK(disabled->status == 303);
  auto again = c.Post("/login", httplib::Params{{"username", "binh"}, {"password", kClerkPassword}});
  REQUIRE(again);
  CHECK(contains(again->body, "Tài khoản này đã bị khóa."));
}

TEST_CASE("cross-site form posts are refused and change nothing", "[web]") {
  Ui ui;
  const std::string cookie = ui.sign_in();
  const std::string token = ui.csrf(cookie);
  const std::string self = "http://127.0.0.1:" + std::to_string(ui.web->port());

  auto no_token = ui.valid_receipt(token);
  no_token.erase("csrf");
  auto r1 = ui.post(cookie, "/receive", no_token);
  REQUIRE(r1);
  CHECK(r1->status == 403);
  auto r2 = ui.post(cookie, "/receive", ui.valid_receipt(std::string(64, 'f')));
  REQUIRE(r2);
  CHECK(r2->status == 403);
  auto r3 = ui.post(cookie, "/receive", ui.valid_receipt(token), {{"Origin", "http://evil.example"}});
  REQUIRE(r3);
  CHECK(r3->status == 403);
  CHECK(contains(r3->body, "Yêu cầu đến từ trang web khác đã bị từ chối."));
  auto r4 = ui.post(cookie, "/receive", ui.valid_receipt(token), {{"Origin", "null"}});
  REQUIRE(r4);
  CHECK(r4->status == 403);
  auto r5 = ui.post(cookie, "/receive", ui.valid_receipt(token), {{"Sec-Fetch-Site", "cross-site"}});
  REQUIRE(r5);
  CHECK(r5->status == 403);
  auto r6 = ui.post(cookie, "/sync", {{"csrf", token}}, {{"Origin", "http://evil.example"}});
  REQUIRE(r6);
  CHECK(r6->status == 403);
  CHECK(ui.syncs == 0);
  auto login = ui.client().Post("/login", {{"Origin", "http://evil.example"}},
                                httplib::Params{{"username", "binh"}, {"password", kClerkPassword}});
  REQUIRE(login);
  CHECK(login->status == 403);
  CHECK(ui.dossiers() == 0);

  // The same post from the UI's own page goes through.
  auto ok = ui.post(cookie, "/receive", ui.valid_receipt(token), {{"Origin", self}, {"Sec-Fetch-Site", "same-origin"}});
  REQUIRE(ok);
  CHECK(ok->status == 303);
  CHECK(ui.dossiers() == 1);
}

TEST_CASE("bad form input is answered with every problem in Vietnamese, keeps what was typed, and records nothing", "[web]") {
  Ui ui;
  const std::string cookie = ui.sign_in();
  auto params = ui.valid_receipt(ui.csrf(cookie));
  params.erase("applicant_citizen_id");
  params.emplace("applicant_citizen_id", "03319800123");
  params.erase("phone");
  params.emplace("phone", "12345");
  params.erase("procedure");
  params.emplace("doc_on_2", "1");
  auto r = ui.post(cookie, "/receive", params);
  REQUIRE(r);
  CHECK(r->status == 422);
  CHECK(contains(r->body, "Chưa chọn thủ tục hành chính."));
  CHECK(contains(r->body, "Số CCCD phải gồm đúng 12 chữ số."));
  CHECK(contains(r->body, "Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0."));
  CHECK(contains(r->body, "Giấy tờ thứ 2 đã đánh dấu nhưng chưa có tên."));
  CHECK(contains(r->body, "value=\"Đặng Văn Đức\""));
  CHECK(contains(r->body, "value=\"03319800123\""));

  auto empty_name = ui.valid_receipt(ui.csrf(cookie));
  empty_name.erase("applicant_name");
  auto r2 = ui.post(cookie, "/receive", empty_name);
  REQUIRE(r2);
  CHECK(r2->status == 422);
  CHECK(contains(r2->body, "Chưa nhập họ tên chủ hồ sơ."));
  CHECK(ui.dossiers() == 0);
  auto pending = sql::query_int64(ui.office.store.db(), "SELECT count(*) FROM outbox");
  REQUIRE(pending);
  CHECK(pending->value_or(0) == 0);
}

TEST_CASE("a dossier received through the form records the clerk as actor and prints on Mẫu 01 with its appointment",
          "[web]") {
  Ui ui;
  const std::string cookie = ui.sign_in();
  const std::string code = ui.receive(cookie);
  auto shown = agent::show_dossier(ui.office.store, code);
  REQUIRE(shown);
  CHECK((*shown)["actor"] == "binh");
  CHECK((*shown)["status"] == 2);
  CHECK((*shown)["documents"].size() == 1);
  // 1.001193 is due the same day at 17:00 when received before 15:00 (Monday 02/03/2026, 09:00).
  CHECK((*shown)["appointment_at"] == "2026-03-02T17:00:00+07:00");
  auto c = ui.client();
  auto page = c.Get("/dossiers/" + code + "?new=1", {{"Cookie", cookie}});
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(contains(page->body, "<span id=\"dossier-code\">" + code + "</span>"));
  CHECK(contains(page->body, "<dd id=\"dossier-due\">17:00 02/03/2026</dd>"));
  CHECK(contains(page->body, "Đã tiếp nhận hồ sơ " + code));
  auto receipt = c.Get("/dossiers/" + code + "/mau-01", {{"Cookie", cookie}});
  REQUIRE(receipt);
  CHECK(receipt->status == 200);
  CHECK(contains(receipt->body, "<b id=\"receipt-code\">" + code + "</b>"));
  CHECK(contains(receipt->body, "<b id=\"receipt-due\">17 giờ 00 phút, ngày 02/03/2026</b>"));
  CHECK(contains(receipt->body, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"));
  CHECK(contains(receipt->body, "Tờ khai đăng ký khai sinh"));
  CHECK(contains(receipt->body, "Trần Văn Bình"));  // the receiving clerk signs
  CHECK(contains(receipt->body, "Thủ tục đăng ký khai sinh"));
}

TEST_CASE("another office's dossier cannot be reached: it is not in this office's database", "[web]") {
  Ui ui;
  test::Office other("12004");
  auto theirs = other.receive("2.001019", "Lê Thị Mai");
  const std::string cookie = ui.sign_in();
  auto c = ui.client();
  auto page = c.Get("/dossiers/" + theirs.code, {{"Cookie", cookie}});
  REQUIRE(page);
  CHECK(page->status == 404);
  CHECK(contains(page->body, "Không tìm thấy"));
  auto search = c.Get("/?q=le%20thi%20mai", {{"Cookie", cookie}});
  REQUIRE(search);
  CHECK(contains(search->body, "id=\"no-results\""));
  auto print = c.Get("/dossiers/" + theirs.code + "/mau-01", {{"Cookie", cookie}});
  REQUIRE(print);
  CHECK(print->status == 404);
}

TEST_CASE("the status form offers only the legal steps, and an illegal step posted anyway is refused in Vietnamese",
          "[web]") {
  Ui ui;
  const std::string cookie = ui.sign_in();
  const std::string code = ui.receive(cookie);
  auto c = ui.client();
  auto page = c.Get("/dossiers/" + code, {{"Cookie", cookie}});
  REQUIRE(page);
  std::smatch m;
  std::string body = page->body;
  REQUIRE(std::regex_search(body, m, std::regex("<form id=\"status-form\"[\\s\\S]*?</form>")));
  const std::string form = m[0];
  std::vector<std::string> offered;
  const std::regex option("<option value=\"(\\d+)\"");
  for (std::sregex_iterator it(form.begin(), form.end(), option), end; it != end; ++it) {
    offered.push_back((*it)[1]);
  }
  CHECK(offered == std::vector<std::string>{"4", "7"});
  CHECK_FALSE(contains(body, "id=\"supplement-form\""));  // only from status 4

  const std::string token = ui.csrf(cookie);
  auto illegal = ui.post(cookie, "/dossiers/" + code + "/status", {{"csrf", token}, {"status", "10"}});
  REQUIRE(illegal);
  CHECK(illegal->status == 409);
  CHECK(contains(illegal->body, "Không thể chuyển hồ sơ " + code));
  auto state = agent::show_dossier(ui.office.store, code);
  REQUIRE(state);
  CHECK((*state)["status"] == 2);

  auto legal = ui.post(cookie, "/dossiers/" + code + "/status", {{"csrf", token}, {"status", "4"}, {"note", "Chuyển bộ phận chuyên môn"}});
  REQUIRE(legal);
  CHECK(legal->status == 303);
  CHECK(legal->get_header_value("Location") == "/dossiers/" + code + "?done=status");
  auto after = c.Get(legal->get_header_value("Location"), {{"Cookie", cookie}});
  REQUIRE(after);
  CHECK(contains(after->body, "<p class=\"flash\">Đã cập nhật: hồ sơ ở trạng thái &quot;Đang xử lý&quot;.</p>"));
  // A crafted link cannot put words of its own on the clerk's screen.
  auto crafted = c.Get("/dossiers/" + code + "?done=H%E1%BB%93%20s%C6%A1%20%C4%91%C3%A3%20h%E1%BB%A7y&msg=Ho%20so%20da%20huy",
                       {{"Cookie", cookie}});
  REQUIRE(crafted);
  CHECK_FALSE(contains(crafted->body, "Hồ sơ đã hủy"));
  CHECK_FALSE(contains(crafted->body, "Ho so da huy"));
  CHECK_FALSE(contains(crafted->body, "class=\"flash\""));
  state = agent::show_dossier(ui.office.store, code);
  REQUIRE(state);
  CHECK((*state)["status"] == 4);
  CHECK((*state)["events"].back()["actor"] == "binh");
  CHECK((*state)["events"].back()["note"] == "Chuyển bộ phận chuyên môn");
}

TEST_CASE("a supplement request pauses the clock and Mẫu 02 lists every missing item", "[web]") {
  Ui ui;
  const std::string cookie = ui.sign_in();
  const std::string code = ui.receive(cookie);
  const std::string token = ui.csrf(cookie);
  REQUIRE(ui.post(cookie, "/dossiers/" + code + "/status", {{"csrf", token}, {"status", "4"}})->status == 303);
  auto empty = ui.post(cookie, "/dossiers/" + code + "/supplement", {{"csrf", token}, {"missing_items", " \n  \n"}});
  REQUIRE(empty);
  CHECK(empty->status == 422);
  CHECK(contains(empty->body, "Hãy ghi các nội dung cần bổ sung"));
  auto r = ui.post(cookie, "/dossiers/" + code + "/supplement",
                   {{"csrf", token},
                    {"missing_items", "Bản sao Giấy chứng sinh\r\n\r\nGiấy ủy quyền có chứng thực\nCCCD của người đi đăng ký"}});
  REQUIRE(r);
  CHECK(r->status == 303);
  auto state = agent::show_dossier(ui.office.store, code);
  REQUIRE(state);
  CHECK((*state)["status"] == 5);
  CHECK((*state)["paused_at"].is_string());
  auto form = ui.client().Get("/dossiers/" + code + "/mau-02", {{"Cookie", cookie}});
  REQUIRE(form);
  CHECK(form->status == 200);
  CHECK(contains(form->body,
                 "<ol id=\"missing-items\"><li>Bản sao Giấy chứng sinh</li><li>Giấy ủy quyền có chứng thực</li>"
                 "<li>CCCD của người đi đăng ký</li></ol>"));
}

TEST_CASE("a refusal at the counter records status 3 with its reason, printed on Mẫu 03", "[web]") {
  Ui ui;
  const std::string cookie = ui.sign_in();
  auto params = ui.valid_receipt(ui.csrf(cookie));
  params.erase("action");
  params.emplace("action", "refuse");
  auto no_reason = ui.post(cookie, "/receive", params);
  REQUIRE(no_reason);
  CHECK(no_reason->status == 422);
  CHECK(contains(no_reason->body, "Hãy ghi lý do từ chối tiếp nhận."));
  CHECK(ui.dossiers() == 0);
  params.emplace("refusal_reason", "Hồ sơ không thuộc thẩm quyền giải quyết của UBND xã");
  auto r = ui.post(cookie, "/receive", params);
  REQUIRE(r);
  REQUIRE(r->status == 303);
  const std::string location = r->get_header_value("Location");
  const std::string code = location.substr(std::string("/dossiers/").size(), location.find('?') - std::string("/dossiers/").size());
  auto state = agent::show_dossier(ui.office.store, code);
  REQUIRE(state);
  CHECK((*state)["status"] == 3);
  CHECK((*state)["due_at"].is_null());
  auto form = ui.client().Get("/dossiers/" + code + "/mau-03", {{"Cookie", cookie}});
  REQUIRE(form);
  CHECK(contains(form->body, "<p id=\"refusal-reason\" class=\"reason\">Hồ sơ không thuộc thẩm quyền giải quyết của UBND xã</p>"));
}

TEST_CASE("queues count dossiers by where they stand, and search finds names without diacritics, codes and CCCDs",
          "[web]") {
  Ui ui;
  const std::string cookie = ui.sign_in();
  const std::string a = ui.receive(cookie);  // due 17:00 today
  auto b = ui.office.receive("2.001019", "Phạm Thị Hương");
  auto c = ui.office.receive("2.001019", "Bùi Quang Đạo");
  agent::SetStatusRequest to4{b.code, 4, "", "binh"};
  REQUIRE(agent::set_status(ui.office.store, to4));
  REQUIRE(agent::set_status(ui.office.store, agent::SetStatusRequest{b.code, 5, "Thiếu giấy tờ", "binh"}));
  auto counts = agent::queue_counts(ui.office.store);
  if (!counts) FAIL(counts.error().message);
  // processing, supplement, due-soon, overdue, resolved, returned
  CHECK(*counts == std::vector<int64_t>{2, 1, 1, 0, 0, 0});
  ui.office.clock.advance_ms(9 * kMsPerHour);  // 18:00: dossier a is late
  counts = agent::queue_counts(ui.office.store);
  REQUIRE(counts);
  CHECK((*counts)[3] == 1);
  const std::string evening = ui.sign_in();  // the morning's session has expired
  auto http = ui.client();
  auto overdue = http.Get("/?queue=overdue", {{"Cookie", evening}});
  REQUIRE(overdue);
  CHECK(contains(overdue->body, "id=\"queue-overdue\" href=\"/?queue=overdue\" class=\"active\" data-alert=\"1\">Quá hạn <span class=\"count\">1</span>"));
  CHECK(contains(overdue->body, "data-code=\"" + a + "\""));
  CHECK_FALSE(contains(overdue->body, "data-code=\"" + c.code + "\""));

  for (const std::string q : {"bui%20quang%20dao", "B%C3%B9i%20Quang%20%C4%90%E1%BA%A1o", "BUI%20QUANG"}) {
    auto found = http.Get("/?q=" + q, {{"Cookie", evening}});
    REQUIRE(found);
    INFO(q);
    CHECK(contains(found->body, "data-code=\"" + c.code + "\""));
    CHECK_FALSE(contains(found->body, "data-code=\"" + b.code + "\""));
  }
  auto by_code = http.Get("/?q=" + b.code, {{"Cookie", evening}});
  REQUIRE(by_code);
  CHECK(contains(by_code->body, "data-code=\"" + b.code + "\""));
  CHECK_FALSE(contains(by_code->body, "data-code=\"" + c.code + "\""));
  auto by_cccd = agent::search_dossiers(ui.office.store, "033198001234", 50);
  REQUIRE(by_cccd);
  CHECK((*by_cccd)["dossiers"].size() == 3);
  auto none = http.Get("/?q=khong%20co%20ai", {{"Cookie", evening}});
  REQUIRE(none);
  CHECK(contains(none->body, "id=\"no-results\""));
  // Every refold rewrote dossier_state rows; the name index followed each of them.
  CHECK(ui.office.store.db().exec("INSERT INTO dossier_search(dossier_search) VALUES ('integrity-check')"));
  auto short_text = agent::search_dossiers(ui.office.store, "Đạ", 50);  // under three letters: compared row by row
  REQUIRE(short_text);
  CHECK((*short_text)["dossiers"].size() == 2);  // Đặng Văn Đức and Bùi Quang Đạo (folded "da")
}

TEST_CASE("the sync indicator: grey before enrollment, amber with unsent changes, red when out of step too long, green "
          "after a sync",
          "[web]") {
  Ui ui;
  agent::Store& s = ui.office.store;
  auto state = [&] {
    auto j = agent::sync_indicator(s);
    REQUIRE(j);
    return *j;
  };
  CHECK(state()["state"] == "grey");
  REQUIRE(s.set_meta("agent_id", "0123456789abcdef0123456789abcdef"));
  const Instant start = ui.office.clock.now();
  REQUIRE(s.set_meta("last_sync_at", std::to_string(start.ms)));
  auto green = state();
  CHECK(green["state"] == "green");
  CHECK(green["text"] == "Đã đồng bộ lúc 09:00");
  ui.office.receive();
  ui.office.clock.advance_ms(2 * kMsPerHour);
  REQUIRE(s.set_meta("last_error_at", std::to_string(ui.office.clock.now().ms - kMsPerMinute)));
  REQUIRE(s.set_meta("last_error_code", "unavailable"));
  auto red = state();
  CHECK(red["state"] == "red");
  CHECK(red["text"] == "Mất kết nối tới máy chủ tỉnh — hồ sơ vẫn được lưu trên máy này");
  CHECK(contains(red["detail"], "1 thay đổi chưa gửi, cũ nhất 2 giờ"));
  // Over HTTP, for the page's script.
  const std::string cookie = ui.sign_in();
  auto api = ui.client().Get("/api/sync-state", {{"Cookie", cookie}});
  REQUIRE(api);
  CHECK(json::parse(api->body)["state"] == "red");
  // The link is back: the unsent change waits a moment (amber) and then goes (green).
  REQUIRE(s.set_meta("last_sync_at", std::to_string(ui.office.clock.now().ms)));
  CHECK(state()["state"] == "amber");
  REQUIRE(s.db().exec("UPDATE outbox SET state = 'acknowledged'"));
  CHECK(state()["state"] == "green");
  REQUIRE(s.set_meta("revoked_agent_id", "0123456789abcdef0123456789abcdef"));
  CHECK(state()["text"] == "Máy chủ tỉnh đã thu hồi quyền đồng bộ của máy này");
}

TEST_CASE("\"Đồng bộ ngay\" wakes the sync loop", "[web]") {
  Ui ui;
  const std::string cookie = ui.sign_in();
  auto r = ui.post(cookie, "/sync", {{"csrf", ui.csrf(cookie)}}, {{"Accept", "application/json"}});
  REQUIRE(r);
  CHECK(r->status == 202);
  CHECK(ui.syncs == 1);
}

TEST_CASE("only the office lead manages accounts, and an account the lead adds can sign in", "[web]") {
  Ui ui;
  const std::string clerk = ui.sign_in();
  auto refused = ui.client().Get("/accounts", {{"Cookie", clerk}});
  REQUIRE(refused);
  CHECK(refused->status == 403);
  auto refused_post = ui.post(clerk, "/accounts", {{"csrf", ui.csrf(clerk)}, {"username", "x1"}, {"display_name", "X"},
                                                   {"role", "lead"}, {"password", "mat-khau-moi"}});
  REQUIRE(refused_post);
  CHECK(refused_post->status == 403);

  const std::string lead = ui.sign_in("lan", kLeadPassword);
  const std::string token = ui.csrf(lead);
  auto short_pw = ui.post(lead, "/accounts", {{"csrf", token}, {"username", "hoa"}, {"display_name", "Lê Thị Hoa"},
                                              {"role", "clerk"}, {"password", "ngan"}});
  REQUIRE(short_pw);
  CHECK(short_pw->status == 422);
  CHECK(contains(short_pw->body, "Mật khẩu phải có ít nhất 8 ký tự."));
  auto added = ui.post(lead, "/accounts", {{"csrf", token}, {"username", "Hoa"}, {"display_name", "Lê Thị Hoa"},
                                           {"role", "clerk"}, {"password", "mat-khau-cua-hoa"}});
  REQUIRE(added);
  CHECK(added->status == 303);
  const std::string hoa = ui.sign_in("hoa", "mat-khau-cua-hoa");
  auto disabled = ui.post(lead, "/accounts/hoa/disable", {{"csrf", token}});
  REQUIRE(disabled);
  CHECK(disabled->status == 303);
  auto gone = ui.client().Get("/", {{"Cookie", hoa}});
  REQUIRE(gone);
  CHECK(gone->status == 303);
}

TEST_CASE("a request body over the limit is refused with 413 and records nothing", "[web]") {
  Ui ui;
  const std::string cookie = ui.sign_in();
  auto params = ui.valid_receipt(ui.csrf(cookie));
  params.emplace("address", std::string(300 * 1024, 'x'));
  auto r = ui.post(cookie, "/receive", params);
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(ui.dossiers() == 0);
}

TEST_CASE("passwords are stored as salted PBKDF2 and only the right one verifies", "[web][accounts]") {
  const std::string a = agent::hash_password("mot-hai-ba-bon", 1000);
  const std::string b = agent::hash_password("mot-hai-ba-bon", 1000);
  CHECK(a != b);  // a fresh salt each time
  CHECK(a.rfind("pbkdf2-sha256$1000$", 0) == 0);
  CHECK(agent::verify_password("mot-hai-ba-bon", a));
  CHECK_FALSE(agent::verify_password("mot-hai-ba-bon ", a));
  std::string tampered = a;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  CHECK_FALSE(agent::verify_password("mot-hai-ba-bon", tampered));
  CHECK_FALSE(agent::verify_password("mot-hai-ba-bon", "plain-text"));
  test::Office office;
  auto bad_name = agent::add_account(office.store, "Nguyễn", "Nguyễn Văn A", agent::Role::kClerk, "12345678");
  REQUIRE_FALSE(bad_name);
  CHECK(contains(bad_name.error().message_vi, "Tên đăng nhập"));
  REQUIRE(agent::add_account(office.store, "an", "Nguyễn Văn An", agent::Role::kClerk, "12345678"));
  auto stored = sql::query_int64(office.store.db(), "SELECT count(*) FROM clerk_account WHERE password_hash LIKE 'pbkdf2-sha256$310000$%'");
  REQUIRE(stored);
  CHECK(stored->value_or(0) == 1);
  CHECK_FALSE(agent::add_account(office.store, "an", "Khác", agent::Role::kClerk, "12345678"));
}

}  // namespace motcua

namespace motcua {

TEST_CASE("every page is Vietnamese in NFC, and loads nothing from outside the agent", "[web]") {
  Ui ui;
  // The built-in address is this PC only.
  auto listen = agent::ui_listen(ui.office.store);
  REQUIRE(listen);
  CHECK(*listen == std::optional<std::string>("127.0.0.1:8480"));
  const std::string cookie = ui.sign_in("lan", kLeadPassword);
  const std::string code = ui.receive(cookie);
  const std::string token = ui.csrf(cookie);
  REQUIRE(ui.post(cookie, "/dossiers/" + code + "/status", {{"csrf", token}, {"status", "4"}})->status == 303);
  REQUIRE(ui.post(cookie, "/dossiers/" + code + "/supplement", {{"csrf", token}, {"missing_items", "Tờ khai"}})->status == 303);
  auto refusal = ui.valid_receipt(token);
  refusal.erase("action");
  refusal.emplace("action", "refuse");
  refusal.emplace("refusal_reason", "Không thuộc thẩm quyền");
  auto refused = ui.post(cookie, "/receive", refusal);
  REQUIRE(refused);
  REQUIRE(refused->status == 303);
  const std::string refused_path = refused->get_header_value("Location").substr(0, refused->get_header_value("Location").find('?'));
  auto c = ui.client();
  // A form that does not fit the dossier is not printed.
  CHECK(c.Get(refused_path + "/mau-01", {{"Cookie", cookie}})->status == 409);
  CHECK(c.Get(refused_path + "/mau-02", {{"Cookie", cookie}})->status == 409);
  CHECK(c.Get("/dossiers/" + code + "/mau-03", {{"Cookie", cookie}})->status == 409);
  const std::regex external(R"((src|href|action)\s*=\s*"(https?:)?//)", std::regex::icase);
  for (const std::string& path : std::vector<std::string>{"/login", "/", "/?queue=overdue", "/?q=duc", "/receive", "/accounts", "/dossiers/" + code,
                                 "/dossiers/" + code + "/mau-01", "/dossiers/" + code + "/mau-02",
                                 refused_path, refused_path + "/mau-03", "/static/app.css", "/static/app.js"}) {
    INFO(path);
    auto r = c.Get(path, {{"Cookie", cookie}});
    REQUIRE(r);
    CHECK(r->status == 200);
    auto nfc = to_nfc(r->body);
    REQUIRE(nfc);
    CHECK(*nfc == r->body);
    CHECK_FALSE(std::regex_search(r->body, external));
    CHECK_FALSE(contains(r->body, "@import"));
    CHECK_FALSE(contains(r->body, "url(http"));
    if (path.rfind("/static/", 0) != 0) {
      CHECK(contains(r->body, "<html lang=\"vi\">"));
      CHECK(contains(r->get_header_value("Content-Type"), "charset=utf-8"));
      CHECK(contains(r->get_header_value("Content-Security-Policy"), "default-src 'self'"));
    }
  }
}

}  // namespace motcua
