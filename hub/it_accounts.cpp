#include "hub/it_accounts.hpp"

#include <functional>

#include "common/password.hpp"
#include "facts/dossier_store.hpp"
#include "hub/audit.hpp"

namespace motcua::hub {

namespace {

Error wrong_credentials() {
  return Error::unauthorized("wrong username or password", "check both and try again")
      .vi("Tên đăng nhập hoặc mật khẩu không đúng.");
}

Error unknown_account(const std::string& username) {
  return Error::not_found("no IT account '" + username + "'", "list the accounts with `motcua-hub users list`")
      .vi("Không có tài khoản \"" + username + "\".");
}

Status audit(sql::Db& db, const std::string& kind, const std::string& actor, const std::string& detail, Instant at) {
  return append_audit(db, AuditEntry{kind, std::nullopt, "", actor, detail}, at);
}

Status end_sessions(sql::Db& db, const std::string& username) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt del, db.prepare("DELETE FROM it_session WHERE username = ?1"));
  del.bind(1, username);
  return del.run();
}

// Changes one account in a transaction, records `kind` in the audit log and, when `end`, ends the
// account's sessions; kNotFound when there is no such account.
Status update_account(sql::Db& db, Instant now, const std::string& raw_username, const std::string& sql,
                      const std::function<void(sql::Stmt&)>& bind_rest, const std::string& kind, bool end) {
  MOTCUA_ASSIGN_OR_RETURN(std::string username, clean_username(raw_username));
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare(sql));
  up.bind(1, username);
  bind_rest(up);
  MOTCUA_TRY(up.run());
  if (db.changes() == 0) return fail(unknown_account(username));
  if (end) MOTCUA_TRY(end_sessions(db, username));
  MOTCUA_TRY(audit(db, kind, "", "IT account " + username, now));
  return tx.commit();
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

Result<NewItSession> it_sign_in(sql::Db& db, const Clock& clock, const std::string& raw_username,
                                const std::string& password, const ItSessionPolicy& policy) {
  auto username = clean_username(raw_username);
  if (!username) {
    verify_password_for_unknown_account(password);
    return fail(wrong_credentials());
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT display_name, password_hash, disabled_at, locked_until FROM it_account WHERE username = ?1"));
  st.bind(1, *username);
  MOTCUA_ASSIGN_OR_RETURN(bool found, st.step());
  if (!found) {
    // The same work as for a real account, so the answer's timing does not tell which names exist.
    verify_password_for_unknown_account(password);
    return fail(wrong_credentials());
  }
  ItSession s;
  s.username = *username;
  s.display_name = st.text(0);
  const std::string stored = st.text(1);
  const bool disabled = !st.is_null(2);
  const auto locked_until = st.opt_int64(3);
  MOTCUA_TRY(st.reset());
  const Instant now = clock.now();
  if (disabled) {
    return fail(Error::unauthorized("IT account '" + s.username + "' is disabled",
                                    "ask another IT administrator to run `motcua-hub users enable`")
                    .vi("Tài khoản này đã bị vô hiệu hóa. Hãy liên hệ quản trị hệ thống của tỉnh."));
  }
  const auto locked = [&](int64_t until) {
    const int64_t minutes = (until - now.ms + kMsPerMinute - 1) / kMsPerMinute;
    return Error::unauthorized("IT account '" + s.username + "' is locked after too many wrong passwords",
                               "wait " + std::to_string(minutes) + " minute(s)")
        .vi("Nhập sai mật khẩu quá nhiều lần. Hãy thử lại sau " + std::to_string(minutes) + " phút.");
  };
  if (locked_until && now.ms < *locked_until) return fail(locked(*locked_until));

  // The slow part (PBKDF2) runs before the write transaction, so it never holds up other writers.
  const bool right = verify_password(password, stored);
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  // The account as it is now: a password change, disabling or another sign-in's lockout may have
  // come in while PBKDF2 ran.
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt again, db.prepare(
      "SELECT password_hash, disabled_at, failed_logins, locked_until FROM it_account WHERE username = ?1"));
  again.bind(1, s.username);
  MOTCUA_ASSIGN_OR_RETURN(bool still, again.step());
  if (!still || again.text(0) != stored) return fail(wrong_credentials());
  const bool disabled_now = !again.is_null(1);
  const int64_t failed = again.int64(2);
  const auto locked_now = again.opt_int64(3);
  MOTCUA_TRY(again.reset());
  if (disabled_now) return fail(wrong_credentials());
  if (locked_now && now.ms < *locked_now) return fail(locked(*locked_now));
  if (!right) {
    const bool lock = failed + 1 >= policy.max_failed_logins;
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare(
        "UPDATE it_account SET failed_logins = ?2, locked_until = ?3 WHERE username = ?1"));
    up.bind(1, s.username).bind(2, lock ? int64_t{0} : failed + 1);
    if (lock) up.bind(3, now.ms + policy.lockout_ms); else up.bind_null(3);
    MOTCUA_TRY(up.run());
    if (lock) {
      MOTCUA_TRY(audit(db, "it_locked_out", s.username,
                       std::to_string(policy.max_failed_logins) + " wrong passwords in a row; locked for " +
                           std::to_string(policy.lockout_ms / kMsPerMinute) + " minute(s)",
                       now));
    }
    MOTCUA_TRY(tx.commit());
    return fail(wrong_credentials());
  }
  NewItSession out;
  out.token = random_hex(32);
  s.csrf_token = random_hex(32);
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt reset, db.prepare(
      "UPDATE it_account SET failed_logins = 0, locked_until = NULL WHERE username = ?1"));
  reset.bind(1, s.username);
  MOTCUA_TRY(reset.run());
  // Sessions past their time are swept at every sign-in, so the table stays small.
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt sweep, db.prepare(
      "DELETE FROM it_session WHERE last_seen_at < ?1 OR created_at < ?2"));
  sweep.bind(1, now.ms - policy.idle_ms).bind(2, now.ms - policy.max_ms);
  MOTCUA_TRY(sweep.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO it_session(token_hash, username, csrf_token, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)"));
  ins.bind(1, token_hash(out.token)).bind(2, s.username).bind(3, s.csrf_token).bind(4, now.ms);
  MOTCUA_TRY(ins.run());
  MOTCUA_TRY(audit(db, "it_signed_in", s.username, "signed in to the dashboard", now));
  MOTCUA_TRY(tx.commit());
  out.session = std::move(s);
  return out;
}

Result<std::optional<ItSession>> it_find_session(sql::Db& db, const Clock& clock, const std::string& token,
                                                 const ItSessionPolicy& policy) {
  if (token.size() != 64) return std::optional<ItSession>();
  const sql::Blob key = token_hash(token);
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT s.username, a.display_name, s.csrf_token, s.created_at, s.last_seen_at, a.disabled_at "
      "FROM it_session s JOIN it_account a ON a.username = s.username WHERE s.token_hash = ?1"));
  st.bind(1, key);
  MOTCUA_ASSIGN_OR_RETURN(bool found, st.step());
  if (!found) return std::optional<ItSession>();
  ItSession s;
  s.username = st.text(0);
  s.display_name = st.text(1);
  s.csrf_token = st.text(2);
  const int64_t created = st.int64(3), last_seen = st.int64(4);
  const bool disabled = !st.is_null(5);
  MOTCUA_TRY(st.reset());
  const int64_t now = clock.now().ms;
  if (disabled || now - last_seen > policy.idle_ms || now - created > policy.max_ms) {
    MOTCUA_TRY(it_sign_out(db, token));
    return std::optional<ItSession>();
  }
  if (now - last_seen >= kMsPerMinute) {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt touch, db.prepare("UPDATE it_session SET last_seen_at = ?2 WHERE token_hash = ?1"));
    touch.bind(1, key).bind(2, now);
    MOTCUA_TRY(touch.run());
  }
  return std::optional<ItSession>(std::move(s));
}

Status it_sign_out(sql::Db& db, const std::string& token) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt del, db.prepare("DELETE FROM it_session WHERE token_hash = ?1"));
  del.bind(1, token_hash(token));
  return del.run();
}

}  // namespace motcua::hub
