// Sign-in and sessions for a table of accounts and its table of sessions: the rules the agent's
// clerk accounts (agent/accounts.hpp: clerk_account, clerk_session) and the hub's IT staff accounts
// (hub/it_accounts.hpp: it_account, it_session) share.
//
// Both schemas have the same columns for this: the account table `username`, `display_name`,
// `password_hash`, `disabled_at`, `failed_logins`, `locked_until`; the session table `token_hash`
// (SHA-256 of the cookie's token), `username`, `csrf_token`, `created_at`, `last_seen_at`. Columns
// only one side has (the agent's `role`, the hub's `password_changed_at`) are the caller's: it names
// those it wants back in AccountTables::extra_columns.
//
// The rules: PBKDF2 (common/password.hpp) runs outside any write transaction, so a sign-in never
// holds up other writers; inside it the account is read again, as a password change, disabling or
// another sign-in's lockout may have come in meanwhile. `max_failed_logins` wrong passwords in a
// row lock the account for `lockout_ms`. A session ends after `idle_ms` without a request,
// `max_ms` after sign-in, at sign-out, or when its account is disabled; sessions past their time
// are swept at every sign-in. A session's request time is recorded at most once a minute.
//
// The texts that differ between the two kinds of account are the caller's, in AccountTables.
// Thread-safety: as the sql::Db passed in (one thread at a time).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"

namespace motcua {

// The two tables and the texts of one kind of account. The table and column names are pasted into
// SQL: they must be compile-time constants of the caller, never user input.
struct AccountTables {
  const char* account;  // e.g. "clerk_account"
  const char* session;  // e.g. "clerk_session"
  // Further columns of the account table to return with a signed-in account, read as text, in this
  // order (AccountSession::extra).
  std::vector<const char*> extra_columns;

  // In the English messages: "account 'x' is locked ..." (e.g. "account", "IT account").
  const char* noun;
  // The Vietnamese for a wrong username or password (the same message for both).
  const char* wrong_credentials_vi;
  // The (cleaned) username's account is disabled.
  Error (*disabled)(const std::string& username);
  // No account has the (cleaned) username.
  Error (*unknown_account)(const std::string& username);
};

struct SignInPolicy {
  int64_t idle_ms = 0;
  int64_t max_ms = 0;
  int max_failed_logins = 0;
  int64_t lockout_ms = 0;
};

struct AccountSession {
  std::string username;
  std::string display_name;
  std::string csrf_token;          // 64 hex digits; every form post must carry it
  std::vector<std::string> extra;  // AccountTables::extra_columns' values
};

struct NewAccountSession {
  std::string token;  // for the cookie; 64 hex digits, never stored
  AccountSession session;
};

enum class SignInEvent {
  kSignedIn,   // a session was opened
  kLockedOut,  // this wrong password locked the account
};
// Runs inside the sign-in's write transaction (e.g. to append to an audit log atomically with it);
// an error rolls the transaction back and is returned.
using SignInHook = std::function<Status(sql::Db& db, SignInEvent event, const std::string& username)>;

// Checks the password and opens a session. A wrong username or password is kUnauthorized with the
// same message for both, after the same PBKDF2 work; a disabled account is tables.disabled, a
// locked one kUnauthorized saying for how many minutes.
Result<NewAccountSession> account_sign_in(sql::Db& db, const AccountTables& tables, Instant now,
                                          const std::string& username, const std::string& password,
                                          const SignInPolicy& policy, const SignInHook& hook = {});
// The session of `token`, or nullopt when unknown, expired (it is then deleted) or its account
// disabled.
Result<std::optional<AccountSession>> account_find_session(sql::Db& db, const AccountTables& tables, Instant now,
                                                           const std::string& token, const SignInPolicy& policy);
// Ends the session of `token`; an unknown token is not an error.
Status account_sign_out(sql::Db& db, const AccountTables& tables, const std::string& token);

// Changes one account in a write transaction: runs `update_sql` with ?1 bound to the cleaned
// username and the rest bound by `bind_rest`; when `end_sessions`, deletes every session of the
// account; then runs `in_tx` (may be empty) in the same transaction. tables.unknown_account when no
// account has that username.
Status change_account(sql::Db& db, const AccountTables& tables, const std::string& username,
                      const std::string& update_sql, const std::function<void(sql::Stmt&)>& bind_rest,
                      bool end_sessions, const std::function<Status(const std::string& username)>& in_tx = {});

}  // namespace motcua
