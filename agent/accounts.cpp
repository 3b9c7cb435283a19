#include "agent/accounts.hpp"

#include <functional>

#include "common/text.hpp"
#include "facts/dossier_store.hpp"

namespace motcua::agent {

namespace {

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

Result<Account> add_account(Store& store, const std::string& raw_username, const std::string& raw_display_name,
                            Role role, const std::string& password) {
  MOTCUA_ASSIGN_OR_RETURN(std::string username, clean_username(raw_username));
  MOTCUA_ASSIGN_OR_RETURN(std::string display_name, facts::clean_text(raw_display_name, "display name"));
  if (display_name.empty()) {
    return fail(Error::invalid_input("the display name is empty", "pass --name \"Full name\"")
                    .vi("Chưa nhập họ tên người dùng."));
  }
  MOTCUA_TRY(check_new_password(password));
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
  MOTCUA_TRY(check_new_password(password));
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
    verify_password_for_unknown_account(password);
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
