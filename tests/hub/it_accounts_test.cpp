// The IT staff accounts and dashboard sessions (hub/it_accounts.hpp) on a real hub database with a
// pinned hub clock, and `motcua-hub users` through the real executable.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/id.hpp"
#include "common/password.hpp"
#include "hub/audit.hpp"
#include "hub/hub_store.hpp"
#include "hub/it_accounts.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;

namespace {

const std::string kPassword = "mat-khau-cua-minh";

// A freshly initialised hub with one IT account, "minh".
struct ItWorld {
  test::TempDir dir;
  std::string hub_dir = dir.file("hub");
  ManualClock clock{*parse_rfc3339("2026-03-02T09:00:00+07:00")};
  std::unique_ptr<hub::HubStore> store;
  hub::ItSessionPolicy policy;

  ItWorld() {
    REQUIRE(hub::init_hub(hub_dir, "33", clock));
    auto s = hub::HubStore::open(hub_dir, clock);
    REQUIRE(s);
    store = std::make_unique<hub::HubStore>(std::move(*s));
    REQUIRE(hub::add_it_account(db(), clock, "minh", "Trần Văn Minh", kPassword));
  }

  sql::Db& db() { return store->db(); }

  hub::NewItSession sign_in(const std::string& username = "minh", const std::string& password = kPassword) {
    auto s = hub::it_sign_in(db(), clock, username, password, policy);
    REQUIRE(s);
    return std::move(*s);
  }

  std::optional<hub::ItSession> find(const std::string& token) {
    auto s = hub::it_find_session(db(), clock, token, policy);
    REQUIRE(s);
    return *s;
  }

  int64_t count(const std::string& query) {
    auto n = sql::query_int64(db(), query);
    REQUIRE(n);
    return n->value_or(-1);
  }
};

std::string hub_exe() { return MOTCUA_HUB_EXE; }

// Runs motcua-hub with `args` and the line `input` on its standard input.
test::ProcessResult run_with_stdin(const std::string& input, const std::vector<std::string>& args) {
  std::vector<std::string> sh = {"/bin/sh", "-c", "printf '%s\\n' \"$1\" | (shift; \"$@\")", "sh", input, hub_exe()};
  sh.insert(sh.end(), args.begin(), args.end());
  return test::run_process(sh, {{"MOTCUA_NOW", "2026-03-02T09:00:00+07:00"}});
}

}  // namespace

TEST_CASE("an IT user signs in with the right password and the token finds the session until sign-out", "[hub][accounts]") {
  ItWorld w;
  auto s = w.sign_in("Minh");  // the username is folded to lower case
  CHECK(s.token.size() == 64);
  CHECK(s.session.username == "minh");
  CHECK(s.session.display_name == "Trần Văn Minh");
  CHECK(s.session.csrf_token.size() == 64);
  auto found = w.find(s.token);
  REQUIRE(found);
  CHECK(found->username == "minh");
  CHECK(found->csrf_token == s.session.csrf_token);
  CHECK_FALSE(w.find(std::string(64, '0')));
  REQUIRE(hub::it_sign_out(w.db(), s.token));
  CHECK_FALSE(w.find(s.token));
  // The account's creation and the sign-in are in the audit log, whose chain still verifies.
  CHECK(w.count("SELECT count(*) FROM audit_log WHERE kind = 'it_account_added'") == 1);
  CHECK(w.count("SELECT count(*) FROM audit_log WHERE kind = 'it_signed_in' AND actor = 'minh'") == 1);
  auto audit = hub::verify_audit(w.db());
  REQUIRE(audit);
  CHECK(audit->ok());
}

TEST_CASE("a wrong password and an unknown username get the same answer", "[hub][accounts]") {
  ItWorld w;
  auto wrong = hub::it_sign_in(w.db(), w.clock, "minh", "not-the-password", w.policy);
  auto unknown = hub::it_sign_in(w.db(), w.clock, "nobody", kPassword, w.policy);
  auto malformed = hub::it_sign_in(w.db(), w.clock, "Nguyễn", kPassword, w.policy);
  for (const auto* r : {&wrong, &unknown, &malformed}) {
    REQUIRE_FALSE(*r);
    CHECK(r->error().code == ErrorCode::kUnauthorized);
    CHECK(r->error().message == wrong.error().message);
    CHECK(r->error().hint == wrong.error().hint);
    CHECK(r->error().message_vi == "Tên đăng nhập hoặc mật khẩu không đúng.");
  }
  CHECK(w.count("SELECT count(*) FROM it_session") == 0);
}

TEST_CASE("five wrong passwords lock the account for five minutes of the hub's clock", "[hub][accounts]") {
  ItWorld w;
  for (int i = 0; i < 5; ++i) {
    auto r = hub::it_sign_in(w.db(), w.clock, "minh", "wrong-" + std::to_string(i), w.policy);
    REQUIRE_FALSE(r);
    CHECK(r.error().message_vi == "Tên đăng nhập hoặc mật khẩu không đúng.");
  }
  CHECK(w.count("SELECT count(*) FROM audit_log WHERE kind = 'it_locked_out' AND actor = 'minh'") == 1);
  auto locked = hub::it_sign_in(w.db(), w.clock, "minh", kPassword, w.policy);
  REQUIRE_FALSE(locked);
  CHECK(locked.error().code == ErrorCode::kUnauthorized);
  CHECK(locked.error().message_vi == "Nhập sai mật khẩu quá nhiều lần. Hãy thử lại sau 5 phút.");
  w.clock.advance_ms(4 * kMsPerMinute + 59 * kMsPerSecond);
  CHECK_FALSE(hub::it_sign_in(w.db(), w.clock, "minh", kPassword, w.policy));
  w.clock.advance_ms(kMsPerSecond);
  auto released = hub::it_sign_in(w.db(), w.clock, "minh", kPassword, w.policy);
  REQUIRE(released);
  CHECK(w.count("SELECT failed_logins FROM it_account WHERE username = 'minh'") == 0);
  CHECK(w.count("SELECT count(*) FROM it_account WHERE locked_until IS NOT NULL") == 0);
}

TEST_CASE("a session ends after the idle time without a request", "[hub][accounts]") {
  ItWorld w;
  auto s = w.sign_in();
  w.clock.advance_ms(29 * kMsPerMinute);
  REQUIRE(w.find(s.token));  // a request: the idle time starts again
  w.clock.advance_ms(29 * kMsPerMinute);
  REQUIRE(w.find(s.token));
  w.clock.advance_ms(31 * kMsPerMinute);
  CHECK_FALSE(w.find(s.token));
  CHECK(w.count("SELECT count(*) FROM it_session") == 0);
}

TEST_CASE("a session ends at its maximum age even while in use", "[hub][accounts]") {
  ItWorld w;
  auto s = w.sign_in();
  for (int64_t elapsed = 0; elapsed + 20 * kMsPerMinute <= 12 * kMsPerHour; elapsed += 20 * kMsPerMinute) {
    w.clock.advance_ms(20 * kMsPerMinute);
    REQUIRE(w.find(s.token));
  }
  w.clock.advance_ms(kMsPerMinute);
  CHECK_FALSE(w.find(s.token));
  CHECK(w.count("SELECT count(*) FROM it_session") == 0);
}

TEST_CASE("disabling an account ends its sessions and refuses sign-in until it is enabled", "[hub][accounts]") {
  ItWorld w;
  auto s = w.sign_in();
  REQUIRE(hub::disable_it_account(w.db(), w.clock, "minh"));
  CHECK(w.count("SELECT count(*) FROM it_session") == 0);
  CHECK_FALSE(w.find(s.token));
  auto refused = hub::it_sign_in(w.db(), w.clock, "minh", kPassword, w.policy);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kUnauthorized);
  CHECK(refused.error().message_vi.find("vô hiệu hóa") != std::string::npos);
  auto accounts = hub::list_it_accounts(w.db());
  REQUIRE(accounts);
  REQUIRE(accounts->size() == 1);
  CHECK(accounts->front().disabled_at == std::optional<Instant>(w.clock.now()));
  REQUIRE(hub::enable_it_account(w.db(), w.clock, "minh"));
  CHECK(w.find(w.sign_in().token));
  auto unknown = hub::disable_it_account(w.db(), w.clock, "nobody");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::kNotFound);
  CHECK(w.count("SELECT count(*) FROM audit_log WHERE kind IN ('it_account_disabled', 'it_account_enabled')") == 2);
}

TEST_CASE("a password change ends the account's sessions and only the new password signs in", "[hub][accounts]") {
  ItWorld w;
  auto first = w.sign_in();
  auto second = w.sign_in();
  w.clock.advance_ms(kMsPerHour);
  REQUIRE(hub::set_it_password(w.db(), w.clock, "minh", "mat-khau-moi-2026"));
  CHECK_FALSE(w.find(first.token));
  CHECK_FALSE(w.find(second.token));
  CHECK(w.count("SELECT password_changed_at FROM it_account") == w.clock.now().ms);
  CHECK_FALSE(hub::it_sign_in(w.db(), w.clock, "minh", kPassword, w.policy));
  CHECK(w.find(w.sign_in("minh", "mat-khau-moi-2026").token));
  auto short_password = hub::set_it_password(w.db(), w.clock, "minh", "1234567");
  REQUIRE_FALSE(short_password);
  CHECK(short_password.error().code == ErrorCode::kInvalidInput);
  CHECK(short_password.error().message_vi == "Mật khẩu phải có ít nhất 8 ký tự.");
}

TEST_CASE("the database holds only the session token's SHA-256, never the token", "[hub][accounts]") {
  ItWorld w;
  auto s = w.sign_in();
  auto st = w.db().prepare("SELECT token_hash, username, csrf_token FROM it_session");
  REQUIRE(st);
  REQUIRE(*st->step());
  const sql::Blob stored = st->blob(0);
  CHECK(to_hex(stored.data(), stored.size()) == sha256_hex(s.token));
  CHECK(st->text(1) == "minh");
  CHECK(st->text(2) == s.session.csrf_token);
  CHECK_FALSE(*st->step());
  CHECK(w.count("SELECT count(*) FROM it_session WHERE hex(token_hash) = upper('" + s.token + "') OR csrf_token = '" +
                s.token + "'") == 0);
  CHECK(w.count("SELECT count(*) FROM it_account WHERE password_hash LIKE 'pbkdf2-sha256$310000$%'") == 1);
}

TEST_CASE("every session gets its own token and CSRF token", "[hub][accounts]") {
  ItWorld w;
  auto a = w.sign_in();
  auto b = w.sign_in();
  CHECK(a.token != b.token);
  CHECK(a.session.csrf_token != b.session.csrf_token);
  CHECK(a.session.csrf_token != a.token);
  CHECK(w.find(a.token)->csrf_token == a.session.csrf_token);
  CHECK(w.find(b.token)->csrf_token == b.session.csrf_token);
}

TEST_CASE("an IT account needs a plain login name, a display name, a long enough password and a free name", "[hub][accounts]") {
  ItWorld w;
  auto bad_name = hub::add_it_account(w.db(), w.clock, "Nguyễn", "Nguyễn Văn A", "12345678");
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().code == ErrorCode::kInvalidInput);
  CHECK(bad_name.error().message_vi.find("Tên đăng nhập") != std::string::npos);
  CHECK_FALSE(hub::add_it_account(w.db(), w.clock, "a", "Nguyễn Văn A", "12345678"));
  CHECK_FALSE(hub::add_it_account(w.db(), w.clock, std::string(33, 'a'), "Nguyễn Văn A", "12345678"));
  auto no_name = hub::add_it_account(w.db(), w.clock, "an", "  ", "12345678");
  REQUIRE_FALSE(no_name);
  CHECK(no_name.error().message_vi == "Chưa nhập họ tên người dùng.");
  auto short_password = hub::add_it_account(w.db(), w.clock, "an", "Nguyễn Văn An", "1234567");
  REQUIRE_FALSE(short_password);
  CHECK(short_password.error().code == ErrorCode::kInvalidInput);
  auto taken = hub::add_it_account(w.db(), w.clock, "MINH", "Khác", "12345678");
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code == ErrorCode::kConflict);
  CHECK(taken.error().message_vi == "Tên đăng nhập \"minh\" đã có.");
  // A decomposed display name (as some Windows keyboards type it) is stored in NFC.
  auto an = hub::add_it_account(w.db(), w.clock, "an", " Nguye\xcc\x82\xcc\x83n Văn An ", "12345678");
  REQUIRE(an);
  CHECK(an->display_name == "Nguyễn Văn An");
  auto accounts = hub::list_it_accounts(w.db());
  REQUIRE(accounts);
  REQUIRE(accounts->size() == 2);
  CHECK(accounts->at(0).username == "an");
  CHECK(accounts->at(0).display_name == "Nguyễn Văn An");
  CHECK(accounts->at(1).username == "minh");
  CHECK_FALSE(accounts->at(1).disabled_at);
}

TEST_CASE("motcua-hub users adds an account with the password from standard input and lists it", "[hub][accounts][cli]") {
  test::TempDir dir;
  const std::string data = dir.file("hub");
  const std::map<std::string, std::string> env = {{"MOTCUA_NOW", "2026-03-02T09:00:00+07:00"}};
  auto init = test::run_process({hub_exe(), "init", "--data", data, "--province", "33", "--json"}, env);
  REQUIRE(init.exit_code == 0);

  auto add = run_with_stdin(kPassword, {"users", "add", "Minh", "--name", "Trần Văn Minh", "--data", data, "--json"});
  INFO(test::describe(add));
  REQUIRE(add.exit_code == 0);
  auto added = nlohmann::json::parse(add.out);
  CHECK(added["username"] == "minh");
  CHECK(added["name"] == "Trần Văn Minh");

  auto list = test::run_process({hub_exe(), "users", "list", "--data", data, "--json"}, env);
  REQUIRE(list.exit_code == 0);
  auto listed = nlohmann::json::parse(list.out)["accounts"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["username"] == "minh");
  CHECK(listed[0]["name"] == "Trần Văn Minh");
  // MOTCUA_NOW pins where the hub's clock starts; it runs on from there.
  CHECK(listed[0]["created_at"].get<std::string>().rfind("2026-03-02T09:0", 0) == 0);
  CHECK(listed[0]["disabled"] == false);

  // The password that came through standard input is the one that signs in.
  {
    SystemClock clock;
    auto store = hub::HubStore::open(data, clock);
    REQUIRE(store);
    CHECK(hub::it_sign_in(store->db(), clock, "minh", kPassword, hub::ItSessionPolicy{}));
  }

  auto disable = test::run_process({hub_exe(), "users", "disable", "minh", "--data", data}, env);
  REQUIRE(disable.exit_code == 0);
  list = test::run_process({hub_exe(), "users", "list", "--data", data, "--json"}, env);
  REQUIRE(list.exit_code == 0);
  CHECK(nlohmann::json::parse(list.out)["accounts"][0]["disabled"] == true);

  auto bad = run_with_stdin(kPassword, {"users", "add", "Trần", "--name", "Trần Văn B", "--data", data, "--json"});
  CHECK(bad.exit_code == 3);
  auto error = nlohmann::json::parse(bad.err)["error"];
  CHECK(error["code"] == "invalid_input");
  CHECK(error["message"].get<std::string>().find("is not 2-32 of a-z") != std::string::npos);
  CHECK(error["message_vi"].get<std::string>().find("Tên đăng nhập") != std::string::npos);
  auto text = run_with_stdin(kPassword, {"users", "add", "x", "--name", "X", "--data", data});
  CHECK(text.exit_code == 3);
  CHECK(text.err.find("username 'x'") != std::string::npos);
  auto unknown = test::run_process({hub_exe(), "users", "enable", "nobody", "--data", data}, env);
  CHECK(unknown.exit_code == 4);
}
