#include "agent/accounts.hpp"

#include "common/sign_in.hpp"
#include "common/text.hpp"
#include "facts/dossier_store.hpp"

namespace motcua::agent {

namespace {

Error unknown_account(const std::string& username) {
  return Error::not_found("no clerk account '" + username + "'", "list the accounts with `motcua-agent users list`")
      .vi("Không có tài khoản \"" + username + "\".");
}

// clerk_account and clerk_session for common/sign_in.hpp, with the clerk's role (column 0 of extra).
const AccountTables kTables{
    "clerk_account",
    "clerk_session",
    {"role"},
    "account",
    "Sai tên đăng nhập hoặc mật khẩu.",
    [](const std::string& username) {
      return Error::unauthorized("account '" + username + "' is disabled", "ask the office lead")
          .vi("Tài khoản này đã bị khóa. Hãy liên hệ trưởng bộ phận một cửa.");
    },
    unknown_account,
};

SignInPolicy sign_in_policy(const SessionPolicy& p) {
  return SignInPolicy{p.idle_ms, p.max_ms, p.max_failed_logins, p.lockout_ms};
}

Result<Session> session_from(AccountSession found) {
  Session s;
  s.username = std::move(found.username);
  s.display_name = std::move(found.display_name);
  MOTCUA_ASSIGN_OR_RETURN(s.role, parse_role(found.extra.at(0)));
  s.csrf_token = std::move(found.csrf_token);
  return s;
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
  return change_account(store.db(), kTables, username,
                        "UPDATE clerk_account SET password_hash = ?2, failed_logins = 0, locked_until = NULL "
                        "WHERE username = ?1",
                        [&](sql::Stmt& st) { st.bind(2, hash); }, true);
}

Status disable_account(Store& store, const std::string& username) {
  const int64_t now = store.clock().now().ms;
  return change_account(store.db(), kTables, username,
                        "UPDATE clerk_account SET disabled_at = coalesce(disabled_at, ?2) WHERE username = ?1",
                        [&](sql::Stmt& st) { st.bind(2, now); }, true);
}

Status enable_account(Store& store, const std::string& username) {
  return change_account(store.db(), kTables, username,
                        "UPDATE clerk_account SET disabled_at = NULL, failed_logins = 0, locked_until = NULL "
                        "WHERE username = ?1",
                        [](sql::Stmt&) {}, true);
}

Result<NewSession> sign_in(Store& store, const std::string& username, const std::string& password,
                           const SessionPolicy& policy) {
  MOTCUA_ASSIGN_OR_RETURN(NewAccountSession opened, account_sign_in(store.db(), kTables, store.clock().now(), username,
                                                                    password, sign_in_policy(policy)));
  NewSession out;
  out.token = std::move(opened.token);
  MOTCUA_ASSIGN_OR_RETURN(out.session, session_from(std::move(opened.session)));
  return out;
}

Result<std::optional<Session>> find_session(Store& store, const std::string& token, const SessionPolicy& policy) {
  MOTCUA_ASSIGN_OR_RETURN(std::optional<AccountSession> found,
                          account_find_session(store.db(), kTables, store.clock().now(), token, sign_in_policy(policy)));
  if (!found) return std::optional<Session>();
  MOTCUA_ASSIGN_OR_RETURN(Session s, session_from(std::move(*found)));
  return std::optional<Session>(std::move(s));
}

Status sign_out(Store& store, const std::string& token) { return account_sign_out(store.db(), kTables, token); }

}  // namespace motcua::agent
