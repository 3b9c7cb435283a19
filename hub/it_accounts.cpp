#include "hub/it_accounts.hpp"

#include <functional>

#include "common/password.hpp"
#include "common/sign_in.hpp"
#include "facts/dossier_store.hpp"
#include "hub/audit.hpp"

namespace motcua::hub {

namespace {

Error unknown_account(const std::string& username) {
  return Error::not_found("no IT account '" + username + "'", "list the accounts with `motcua-hub users list`")
      .vi("Không có tài khoản \"" + username + "\".");
}

// it_account and it_session for common/sign_in.hpp.
const AccountTables kTables{
    "it_account",
    "it_session",
    {},
    "IT account",
    "Tên đăng nhập hoặc mật khẩu không đúng.",
    [](const std::string& username) {
      return Error::unauthorized("IT account '" + username + "' is disabled",
                                 "ask another IT administrator to run `motcua-hub users enable`")
          .vi("Tài khoản này đã bị vô hiệu hóa. Hãy liên hệ quản trị hệ thống của tỉnh.");
    },
    unknown_account,
};

SignInPolicy sign_in_policy(const ItSessionPolicy& p) {
  return SignInPolicy{p.idle_ms, p.max_ms, p.max_failed_logins, p.lockout_ms};
}

ItSession session_from(AccountSession found) {
  return ItSession{std::move(found.username), std::move(found.display_name), std::move(found.csrf_token)};
}

Status audit(sql::Db& db, const std::string& kind, const std::string& actor, const std::string& detail, Instant at) {
  return append_audit(db, AuditEntry{kind, std::nullopt, "", actor, detail}, at);
}

// Changes one account (common/sign_in.hpp's change_account) and records `kind` in the audit log in
// the same transaction.
Status update_account(sql::Db& db, Instant now, const std::string& username, const std::string& sql,
                      const std::function<void(sql::Stmt&)>& bind_rest, const std::string& kind, bool end) {
  return change_account(db, kTables, username, sql, bind_rest, end, [&](const std::string& changed) {
    return audit(db, kind, "", "IT account " + changed, now);
  });
}

}  // namespace

Result<ItAccount> add_it_account(sql::Db& db, const Clock& clock, const std::string& raw_username,
                                 const std::string& raw_display_name, const std::string& password) {
  MOTCUA_ASSIGN_OR_RETURN(std::string username, clean_username(raw_username));
  MOTCUA_ASSIGN_OR_RETURN(std::string display_name, facts::clean_text(raw_display_name, "display name"));
  if (display_name.empty()) {
    return fail(Error::invalid_input("the display name is empty", "pass --name \"Full name\"")
                    .vi("Chưa nhập họ tên người dùng."));
  }
  MOTCUA_TRY(check_new_password(password));
  const std::string hash = hash_password(password);
  ItAccount a{username, display_name, clock.now(), std::nullopt};
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt exists, db.prepare("SELECT 1 FROM it_account WHERE username = ?1"));
  exists.bind(1, username);
  MOTCUA_ASSIGN_OR_RETURN(bool taken, exists.step());
  MOTCUA_TRY(exists.reset());
  if (taken) {
    return fail(Error::conflict("IT account '" + username + "' exists",
                                "pick another username, or change its password with `motcua-hub users passwd`")
                    .vi("Tên đăng nhập \"" + username + "\" đã có."));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO it_account(username, display_name, password_hash, created_at, password_changed_at) "
      "VALUES (?1, ?2, ?3, ?4, ?4)"));
  ins.bind(1, username).bind(2, display_name).bind(3, hash).bind(4, a.created_at.ms);
  MOTCUA_TRY(ins.run());
  MOTCUA_TRY(audit(db, "it_account_added", "", "IT account " + username + " (" + display_name + ")", a.created_at));
  MOTCUA_TRY(tx.commit());
  return a;
}

Result<std::vector<ItAccount>> list_it_accounts(sql::Db& db) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT username, display_name, created_at, disabled_at FROM it_account ORDER BY username"));
  std::vector<ItAccount> out;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    ItAccount a;
    a.username = st.text(0);
    a.display_name = st.text(1);
    a.created_at = Instant{st.int64(2)};
    if (auto d = st.opt_int64(3)) a.disabled_at = Instant{*d};
    out.push_back(std::move(a));
  }
  return out;
}

Status set_it_password(sql::Db& db, const Clock& clock, const std::string& username, const std::string& password) {
  MOTCUA_TRY(check_new_password(password));
  const std::string hash = hash_password(password);
  const Instant now = clock.now();
  return update_account(db, now, username,
                        "UPDATE it_account SET password_hash = ?2, password_changed_at = ?3, failed_logins = 0, "
                        "locked_until = NULL WHERE username = ?1",
                        [&](sql::Stmt& st) { st.bind(2, hash).bind(3, now.ms); }, "it_password_set", true);
}

Status disable_it_account(sql::Db& db, const Clock& clock, const std::string& username) {
  const Instant now = clock.now();
  return update_account(db, now, username,
                        "UPDATE it_account SET disabled_at = coalesce(disabled_at, ?2) WHERE username = ?1",
                        [&](sql::Stmt& st) { st.bind(2, now.ms); }, "it_account_disabled", true);
}

Status enable_it_account(sql::Db& db, const Clock& clock, const std::string& username) {
  return update_account(db, clock.now(), username,
                        "UPDATE it_account SET disabled_at = NULL, failed_logins = 0, locked_until = NULL "
                        "WHERE username = ?1",
                        [](sql::Stmt&) {}, "it_account_enabled", false);
}

Result<NewItSession> it_sign_in(sql::Db& db, const Clock& clock, const std::string& username,
                                const std::string& password, const ItSessionPolicy& policy) {
  const Instant now = clock.now();
  // Sign-ins and lockouts go to the audit log in the sign-in's transaction.
  const SignInHook record = [&](sql::Db& tx_db, SignInEvent event, const std::string& user) -> Status {
    if (event == SignInEvent::kSignedIn) return audit(tx_db, "it_signed_in", user, "signed in to the dashboard", now);
    return audit(tx_db, "it_locked_out", user,
                 std::to_string(policy.max_failed_logins) + " wrong passwords in a row; locked for " +
                     std::to_string(policy.lockout_ms / kMsPerMinute) + " minute(s)",
                 now);
  };
  MOTCUA_ASSIGN_OR_RETURN(NewAccountSession opened,
                          account_sign_in(db, kTables, now, username, password, sign_in_policy(policy), record));
  NewItSession out;
  out.token = std::move(opened.token);
  out.session = session_from(std::move(opened.session));
  return out;
}

Result<std::optional<ItSession>> it_find_session(sql::Db& db, const Clock& clock, const std::string& token,
                                                 const ItSessionPolicy& policy) {
  MOTCUA_ASSIGN_OR_RETURN(std::optional<AccountSession> found,
                          account_find_session(db, kTables, clock.now(), token, sign_in_policy(policy)));
  if (!found) return std::optional<ItSession>();
  return std::optional<ItSession>(session_from(std::move(*found)));
}

Status it_sign_out(sql::Db& db, const std::string& token) { return account_sign_out(db, kTables, token); }

}  // namespace motcua::hub
