#include "common/sign_in.hpp"

#include "common/password.hpp"

namespace motcua {

namespace {

// ", a.col1, a.col2" for the extra columns, to end a SELECT list over the account table `a`.
std::string extra_select(const AccountTables& tables) {
  std::string out;
  for (const char* column : tables.extra_columns) out += std::string(", a.") + column;
  return out;
}

std::vector<std::string> read_extra(const sql::Stmt& st, const AccountTables& tables, int first) {
  std::vector<std::string> out;
  for (size_t i = 0; i < tables.extra_columns.size(); ++i) out.push_back(st.text(first + static_cast<int>(i)));
  return out;
}

Error wrong_credentials(const AccountTables& tables) {
  return Error::unauthorized("wrong username or password", "check both and try again").vi(tables.wrong_credentials_vi);
}

Error locked(const AccountTables& tables, const std::string& username, int64_t until, Instant now) {
  const int64_t minutes = (until - now.ms + kMsPerMinute - 1) / kMsPerMinute;
  return Error::unauthorized(std::string(tables.noun) + " '" + username + "' is locked after too many wrong passwords",
                             "wait " + std::to_string(minutes) + " minute(s)")
      .vi("Nhập sai mật khẩu quá nhiều lần. Hãy thử lại sau " + std::to_string(minutes) + " phút.");
}

}  // namespace

Result<NewAccountSession> account_sign_in(sql::Db& db, const AccountTables& tables, Instant now,
                                          const std::string& raw_username, const std::string& password,
                                          const SignInPolicy& policy, const SignInHook& hook) {
  const std::string account(tables.account), session(tables.session);
  auto username = clean_username(raw_username);
  if (!username) {
    verify_password_for_unknown_account(password);
    return fail(wrong_credentials(tables));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT a.display_name, a.password_hash, a.disabled_at, a.locked_until" + extra_select(tables) + " FROM " +
      account + " a WHERE a.username = ?1"));
  st.bind(1, *username);
  MOTCUA_ASSIGN_OR_RETURN(bool found, st.step());
  if (!found) {
    // The same work as for a real account, so the answer's timing does not tell which names exist.
    verify_password_for_unknown_account(password);
    return fail(wrong_credentials(tables));
  }
  AccountSession s;
  s.username = *username;
  s.display_name = st.text(0);
  const std::string stored = st.text(1);
  const bool disabled = !st.is_null(2);
  const auto locked_until = st.opt_int64(3);
  s.extra = read_extra(st, tables, 4);
  MOTCUA_TRY(st.reset());
  if (disabled) return fail(tables.disabled(s.username));
  if (locked_until && now.ms < *locked_until) return fail(locked(tables, s.username, *locked_until, now));

  // The slow part (PBKDF2) runs before the write transaction, so it never holds up other writers.
  const bool right = verify_password(password, stored);
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  // The account as it is now: a password change, disabling or another sign-in's lockout may have
  // come in while PBKDF2 ran.
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt again, db.prepare(
      "SELECT password_hash, disabled_at, failed_logins, locked_until FROM " + account + " WHERE username = ?1"));
  again.bind(1, s.username);
  MOTCUA_ASSIGN_OR_RETURN(bool still, again.step());
  if (!still || again.text(0) != stored) return fail(wrong_credentials(tables));
  const bool disabled_now = !again.is_null(1);
  const int64_t failed = again.int64(2);
  const auto locked_now = again.opt_int64(3);
  MOTCUA_TRY(again.reset());
  if (disabled_now) return fail(wrong_credentials(tables));
  if (locked_now && now.ms < *locked_now) return fail(locked(tables, s.username, *locked_now, now));
  if (!right) {
    const bool lock = failed + 1 >= policy.max_failed_logins;
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare(
        "UPDATE " + account + " SET failed_logins = ?2, locked_until = ?3 WHERE username = ?1"));
    up.bind(1, s.username).bind(2, lock ? int64_t{0} : failed + 1);
    if (lock) up.bind(3, now.ms + policy.lockout_ms); else up.bind_null(3);
    MOTCUA_TRY(up.run());
    if (lock && hook) MOTCUA_TRY(hook(db, SignInEvent::kLockedOut, s.username));
    MOTCUA_TRY(tx.commit());
    return fail(wrong_credentials(tables));
  }
  NewAccountSession out;
  out.token = random_hex(32);
  s.csrf_token = random_hex(32);
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt reset, db.prepare(
      "UPDATE " + account + " SET failed_logins = 0, locked_until = NULL WHERE username = ?1"));
  reset.bind(1, s.username);
  MOTCUA_TRY(reset.run());
  // Sessions past their time are swept at every sign-in, so the table stays small.
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt sweep, db.prepare(
      "DELETE FROM " + session + " WHERE last_seen_at < ?1 OR created_at < ?2"));
  sweep.bind(1, now.ms - policy.idle_ms).bind(2, now.ms - policy.max_ms);
  MOTCUA_TRY(sweep.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO " + session +
      "(token_hash, username, csrf_token, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)"));
  ins.bind(1, token_hash(out.token)).bind(2, s.username).bind(3, s.csrf_token).bind(4, now.ms);
  MOTCUA_TRY(ins.run());
  if (hook) MOTCUA_TRY(hook(db, SignInEvent::kSignedIn, s.username));
  MOTCUA_TRY(tx.commit());
  out.session = std::move(s);
  return out;
}

Result<std::optional<AccountSession>> account_find_session(sql::Db& db, const AccountTables& tables, Instant now,
                                                           const std::string& token, const SignInPolicy& policy) {
  if (token.size() != 64) return std::optional<AccountSession>();
  const std::string session(tables.session);
  const sql::Blob key = token_hash(token);
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT s.username, a.display_name, s.csrf_token, s.created_at, s.last_seen_at, a.disabled_at" +
      extra_select(tables) + " FROM " + session + " s JOIN " + tables.account +
      " a ON a.username = s.username WHERE s.token_hash = ?1"));
  st.bind(1, key);
  MOTCUA_ASSIGN_OR_RETURN(bool found, st.step());
  if (!found) return std::optional<AccountSession>();
  AccountSession s;
  s.username = st.text(0);
  s.display_name = st.text(1);
  s.csrf_token = st.text(2);
  const int64_t created = st.int64(3), last_seen = st.int64(4);
  const bool disabled = !st.is_null(5);
  s.extra = read_extra(st, tables, 6);
  MOTCUA_TRY(st.reset());
  if (disabled || now.ms - last_seen > policy.idle_ms || now.ms - created > policy.max_ms) {
    MOTCUA_TRY(account_sign_out(db, tables, token));
    return std::optional<AccountSession>();
  }
  if (now.ms - last_seen >= kMsPerMinute) {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt touch, db.prepare(
        "UPDATE " + session + " SET last_seen_at = ?2 WHERE token_hash = ?1"));
    touch.bind(1, key).bind(2, now.ms);
    MOTCUA_TRY(touch.run());
  }
  return std::optional<AccountSession>(std::move(s));
}

Status account_sign_out(sql::Db& db, const AccountTables& tables, const std::string& token) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt del, db.prepare(
      std::string("DELETE FROM ") + tables.session + " WHERE token_hash = ?1"));
  del.bind(1, token_hash(token));
  return del.run();
}

Status change_account(sql::Db& db, const AccountTables& tables, const std::string& raw_username,
                      const std::string& update_sql, const std::function<void(sql::Stmt&)>& bind_rest,
                      bool end_sessions, const std::function<Status(const std::string& username)>& in_tx) {
  MOTCUA_ASSIGN_OR_RETURN(std::string username, clean_username(raw_username));
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare(update_sql));
  up.bind(1, username);
  bind_rest(up);
  MOTCUA_TRY(up.run());
  if (db.changes() == 0) return fail(tables.unknown_account(username));
  if (end_sessions) {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt del, db.prepare(
        std::string("DELETE FROM ") + tables.session + " WHERE username = ?1"));
    del.bind(1, username);
    MOTCUA_TRY(del.run());
  }
  if (in_tx) MOTCUA_TRY(in_tx(username));
  return tx.commit();
}

}  // namespace motcua
