#include "agent/accounts.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdlib>
#include <functional>

#include "common/id.hpp"
#include "common/text.hpp"
#include "facts/dossier_store.hpp"

namespace motcua::agent {

namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
    // OpenSSL's generator failing is not something to carry on from: a predictable token would
    // let anyone in.
    std::abort();
  }
  return to_hex(buf.data(), buf.size());
}

std::vector<unsigned char> from_hex(std::string_view hex) {
  std::vector<unsigned char> out;
  if (hex.size() % 2 != 0) return out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
    if (ec != std::errc() || p != hex.data() + i + 2) return {};
    out.push_back(static_cast<unsigned char>(v));
  }
  return out;
}

std::vector<unsigned char> derive(std::string_view password, const std::vector<unsigned char>& salt, int iterations) {
  std::vector<unsigned char> key(kKeyBytes);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(), static_cast<int>(salt.size()),
                        iterations, EVP_sha256(), static_cast<int>(key.size()), key.data()) != 1) {
    return {};
  }
  return key;
}

sql::Blob token_hash(const std::string& token) {
  const std::string hex = sha256_hex(token);
  const auto bytes = from_hex(hex);
  return sql::Blob(bytes.begin(), bytes.end());
}

Result<std::string> clean_username(const std::string& raw) {
  std::string name;
  for (char c : trim(raw)) name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  bool ok = name.size() >= 2 && name.size() <= 32;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) ok = false;
  }
  if (!ok) {
    return fail(Error::invalid_input("username '" + raw + "' is not 2-32 of a-z, 0-9, '.', '_' or '-'",
                                     "pick a short login name without diacritics, e.g. lan.nguyen")
                    .vi("Tên đăng nhập phải gồm 2–32 ký tự a-z, 0-9, dấu chấm, gạch dưới hoặc gạch ngang (không dấu)."));
  }
  return name;
}

Status check_password(const std::string& password) {
  if (password.size() < kMinPasswordBytes) {
    return fail(Error::invalid_input("the password is shorter than " + std::to_string(kMinPasswordBytes) + " characters",
                                     "choose a longer password")
                    .vi("Mật khẩu phải có ít nhất " + std::to_string(kMinPasswordBytes) + " ký tự."));
  }
  if (password.size() > 1024 || password.find('\0') != std::string::npos) {
    return fail(Error::invalid_input("the password is longer than 1024 bytes or holds a NUL character")
                    .vi("Mật khẩu không hợp lệ."));
  }
  return ok();
}

Status end_sessions(sql::Db& db, const std::string& username) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt del, db.prepare("DELETE FROM clerk_session WHERE username = ?1"));
  del.bind(1, username);
  return del.run();
}

Error unknown_account(const std::string& username) {
  return Error::not_found("no clerk account '" + username + "'", "list the accounts with `motcua-agent users list`")
      .vi("Không có tài khoản \"" + username + "\".");
}

Result<Account> account_from(sql::Stmt& st) {
  Account a;
  a.username = st.text(0);
  a.display_name = st.text(1);
  MOTCUA_ASSIGN_OR_RETURN(a.role, parse_role(st.text(2)));
  a.created_at = Instant{st.int64(3)};
  if (auto d = st.opt_int64(4)) a.disabled_at = Instant{*d};
  return a;
}

// Changes one account (password, disabled_at) and ends its sessions; kNotFound when none.
Status update_account(Store& store, const std::string& raw_username, const std::string& sql,
                      const std::function<void(sql::Stmt&)>& bind_rest) {
  MOTCUA_ASSIGN_OR_RETURN(std::string username, clean_username(raw_username));
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare(sql));
  up.bind(1, username);
  bind_rest(up);
  MOTCUA_TRY(up.run());
  if (db.changes() == 0) return fail(unknown_account(username));
  MOTCUA_TRY(end_sessions(db, username));
  return tx.commit();
}

}  // namespace

const char* role_name(Role r) { return r == Role::kLead ? "lead" : "clerk"; }

Result<Role> parse_role(std::string_view name) {
  if (name == "lead") return Role::kLead;
  if (name == "clerk") return Role::kClerk;
  return fail(Error::invalid_input("role '" + std::string(name) + "' is not lead or clerk",
                                   "lead: the office lead, who manages accounts; clerk: a counter clerk"));
}

std::string hash_password(std::string_view password, int iterations) {
  const auto salt = from_hex(random_hex(kSaltBytes));
  const auto key = derive(password, salt, iterations);
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + to_hex(salt.data(), salt.size()) + "$" +
         to_hex(key.data(), key.size());
}

bool verify_password(std::string_view password, std::string_view stored) {
  const std::string_view prefix = "pbkdf2-sha256$";
  if (stored.substr(0, prefix.size()) != prefix) return false;
  std::string_view rest = stored.substr(prefix.size());
  const size_t a = rest.find('$');
  if (a == std::string_view::npos) return false;
  const size_t b = rest.find('$', a + 1);
  if (b == std::string_view::npos) return false;
  int iterations = 0;
  const auto [p, ec] = std::from_chars(rest.data(), rest.data() + a, iterations);
  if (ec != std::errc() || p != rest.data() + a || iterations < 1 || iterations > 100000000) return false;
  const auto salt = from_hex(rest.substr(a + 1, b - a - 1));
  const auto expected = from_hex(rest.substr(b + 1));
  if (salt.empty() || expected.size() != kKeyBytes) return false;
  const auto key = derive(password, salt, iterations);
  return key.size() == expected.size() && CRYPTO_memcmp(key.data(), expected.data(), key.size()) == 0;
}

Result<Account> add_account(Store& store, const std::string& raw_username, const std::string& raw_display_name,
                            Role role, const std::string& password) {
  MOTCUA_ASSIGN_OR_RETURN(std::string username, clean_username(raw_username));
  MOTCUA_ASSIGN_OR_RETURN(std::string display_name, facts::clean_text(raw_display_name, "display name"));
  if (display_name.empty()) {
    return fail(Error::invalid_input("the display name is empty", "pass --name \"Full name\"")
                    .vi("Chưa nhập họ tên người dùng."));
  }
  MOTCUA_TRY(check_password(password));
  Account a{username, display_name, role, store.clock().now(), std::nullopt};
  const std::string hash = hash_password(password);
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt exists, db.prepare("SELECT 1 FROM clerk_account WHERE username = ?1"));
  exists.bind(1, username);
  MOTCUA_ASSIGN_OR_RETURN(bool taken, exists.step());
  MOTCUA_TRY(exists.reset());
  if (taken) {
    return fail(Error::conflict("clerk account '" + username + "' exists",
                                "pick another username, or change its password with `motcua-agent users passwd`")
                    .vi("Tên đăng nhập \"" + username + "\" đã có."));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO clerk_account(username, display_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
  ins.bind(1, username).bind(2, display_name).bind(3, role_name(role)).bind(4, hash).bind(5, a.created_at.ms);
  MOTCUA_TRY(ins.run());
  MOTCUA_TRY(tx.commit());
  return a;
}

Result<std::vector<Account>> list_accounts(Store& store) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, store.db().prepare(
      "SELECT username, display_name, role, created_at, disabled_at FROM clerk_account ORDER BY username"));
  std::vector<Account> out;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    MOTCUA_ASSIGN_OR_RETURN(Account a, account_from(st));
    out.push_back(std::move(a));
  }
  return out;
}

Status set_password(Store& store, const std::string& username, const std::string& password) {
  MOTCUA_TRY(check_password(password));
  const std::string hash = hash_password(password);
  return update_account(store, username,
                        "UPDATE clerk_account SET password_hash = ?2, failed_logins = 0, locked_until = NULL "
                        "WHERE username = ?1",
                        [&](sql::Stmt& st) { st.bind(2, hash); });
}

Status disable_account(Store& store, const std::string& username) {
  const int64_t now = store.clock().now().ms;
  return update_account(store, username, "UPDATE clerk_account SET disabled_at = coalesce(disabled_at, ?2) WHERE username = ?1",
                        [&](sql::Stmt& st) { st.bind(2, now); });
}

Status enable_account(Store& store, const std::string& username) {
  return update_account(store, username,
                        "UPDATE clerk_account SET disabled_at = NULL, failed_logins = 0, locked_until = NULL "
                        "WHERE username = ?1",
                        [](sql::Stmt&) {});
}

Result<NewSession> sign_in(Store& store, const std::string& raw_username, const std::string& password,
                           const SessionPolicy& policy) {
  const Error wrong = Error::unauthorized("wrong username or password", "check both and try again")
                          .vi("Sai tên đăng nhập hoặc mật khẩu.");
  auto username = clean_username(raw_username);
  if (!username) return fail(Error(wrong));
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT display_name, role, password_hash, disabled_at, failed_logins, locked_until FROM clerk_account "
      "WHERE username = ?1"));
  st.bind(1, *username);
  MOTCUA_ASSIGN_OR_RETURN(bool found, st.step());
  if (!found) {
    // The same work as for a real account, so the answer's timing does not tell which names exist.
    (void)verify_password(password, "pbkdf2-sha256$" + std::to_string(kPbkdf2Iterations) +
                                        "$00000000000000000000000000000000$"
                                        "0000000000000000000000000000000000000000000000000000000000000000");
    return fail(Error(wrong));
  }
  Session s;
  s.username = *username;
  s.display_name = st.text(0);
  MOTCUA_ASSIGN_OR_RETURN(s.role, parse_role(st.text(1)));
  const std::string stored = st.text(2);
  const bool disabled = !st.is_null(3);
  const int64_t failed = st.int64(4);
  const auto locked_until = st.opt_int64(5);
  MOTCUA_TRY(st.reset());
  const Instant now = store.clock().now();
  if (disabled) {
    return fail(Error::unauthorized("account '" + s.username + "' is disabled", "ask the office lead")
                    .vi("Tài khoản này đã bị khóa. Hãy liên hệ trưởng bộ phận một cửa."));
  }
  if (locked_until && now.ms < *locked_until) {
    const int64_t minutes = (*locked_until - now.ms + kMsPerMinute - 1) / kMsPerMinute;
    return fail(Error::unauthorized("account '" + s.username + "' is locked after too many wrong passwords",
                                    "wait " + std::to_string(minutes) + " minute(s)")
                    .vi("Nhập sai mật khẩu quá nhiều lần. Hãy thử lại sau " + std::to_string(minutes) + " phút."));
  }
  // The slow part (PBKDF2) runs before the write transaction, so it never holds up other writers.
  const bool right = verify_password(password, stored);
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  if (!right) {
    const int64_t now_failed = failed + 1;
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare(
        "UPDATE clerk_account SET failed_logins = ?2, locked_until = ?3 WHERE username = ?1"));
    up.bind(1, s.username).bind(2, now_failed >= policy.max_failed_logins ? int64_t{0} : now_failed);
    if (now_failed >= policy.max_failed_logins) up.bind(3, now.ms + policy.lockout_ms); else up.bind_null(3);
    MOTCUA_TRY(up.run());
    MOTCUA_TRY(tx.commit());
    return fail(Error(wrong));
  }
  NewSession out;
  out.token = random_hex(32);
  s.csrf_token = random_hex(32);
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt reset, db.prepare(
      "UPDATE clerk_account SET failed_logins = 0, locked_until = NULL WHERE username = ?1"));
  reset.bind(1, s.username);
  MOTCUA_TRY(reset.run());
  // Sessions past their time are swept at every sign-in, so the table stays small.
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt sweep, db.prepare(
      "DELETE FROM clerk_session WHERE last_seen_at < ?1 OR created_at < ?2"));
  sweep.bind(1, now.ms - policy.idle_ms).bind(2, now.ms - policy.max_ms);
  MOTCUA_TRY(sweep.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO clerk_session(token_hash, username, csrf_token, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)"));
  ins.bind(1, token_hash(out.token)).bind(2, s.username).bind(3, s.csrf_token).bind(4, now.ms);
  MOTCUA_TRY(ins.run());
  MOTCUA_TRY(tx.commit());
  out.session = std::move(s);
  return out;
}

Result<std::optional<Session>> find_session(Store& store, const std::string& token, const SessionPolicy& policy) {
  if (token.size() != 64) return std::optional<Session>();
  sql::Db& db = store.db();
  const sql::Blob key = token_hash(token);
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT s.username, a.display_name, a.role, s.csrf_token, s.created_at, s.last_seen_at, a.disabled_at "
      "FROM clerk_session s JOIN clerk_account a ON a.username = s.username WHERE s.token_hash = ?1"));
  st.bind(1, key);
  MOTCUA_ASSIGN_OR_RETURN(bool found, st.step());
  if (!found) return std::optional<Session>();
  Session s;
  s.username = st.text(0);
  s.display_name = st.text(1);
  MOTCUA_ASSIGN_OR_RETURN(s.role, parse_role(st.text(2)));
  s.csrf_token = st.text(3);
  const int64_t created = st.int64(4), last_seen = st.int64(5);
  const bool disabled = !st.is_null(6);
  MOTCUA_TRY(st.reset());
  const int64_t now = store.clock().now().ms;
  if (disabled || now - last_seen > policy.idle_ms || now - created > policy.max_ms) {
    MOTCUA_TRY(sign_out(store, token));
    return std::optional<Session>();
  }
  if (now - last_seen >= kMsPerMinute) {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt touch, db.prepare("UPDATE clerk_session SET last_seen_at = ?2 WHERE token_hash = ?1"));
    touch.bind(1, key).bind(2, now);
    MOTCUA_TRY(touch.run());
  }
  return std::optional<Session>(std::move(s));
}

Status sign_out(Store& store, const std::string& token) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt del, store.db().prepare("DELETE FROM clerk_session WHERE token_hash = ?1"));
  del.bind(1, token_hash(token));
  return del.run();
}

}  // namespace motcua::agent
