// The office's clerk accounts and the web UI's sign-in sessions (agent schema 4: clerk_account,
// clerk_session; local, never shipped).
//
// Passwords: PBKDF2-HMAC-SHA256 as common/password.hpp stores them. Sessions: a random 32-byte
// token in the browser's cookie, only its SHA-256 in the database, with a per-session CSRF token; a
// session ends after `idle_ms` without a request, `max_ms` after sign-in, at sign-out, or when the
// account is disabled or its password changed. Five wrong passwords in a row lock the account for
// `lockout_ms` (elapsed on the store's clock). The sign-in and session rules are common/sign_in.hpp's,
// shared with the hub's IT accounts (hub/it_accounts.hpp).
//
// Errors a clerk can meet carry a Vietnamese message (Error::message_vi).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/store.hpp"
#include "common/error.hpp"
#include "common/password.hpp"
#include "common/time.hpp"

namespace motcua::agent {

enum class Role { kLead, kClerk };
const char* role_name(Role r);  // "lead" | "clerk"
Result<Role> parse_role(std::string_view name);

struct Account {
  std::string username;
  std::string display_name;
  Role role = Role::kClerk;
  Instant created_at;
  std::optional<Instant> disabled_at;
};

// Password hashing is common/password.hpp's, under the names agent code has always used.
using motcua::hash_password;
using motcua::kMinPasswordBytes;
using motcua::kPbkdf2Iterations;
using motcua::verify_password;

// Creates an account. The username is 2–32 of a-z 0-9 . _ - (upper case is folded), the display
// name non-empty NFC text, the password at least kMinPasswordBytes. kInvalidInput (with Vietnamese)
// for any of these; kConflict when the username exists.
Result<Account> add_account(Store& store, const std::string& username, const std::string& display_name, Role role,
                            const std::string& password);
Result<std::vector<Account>> list_accounts(Store& store);
// Both end every session of the account. kNotFound for an unknown username.
Status set_password(Store& store, const std::string& username, const std::string& password);
Status disable_account(Store& store, const std::string& username);
Status enable_account(Store& store, const std::string& username);

struct SessionPolicy {
  int64_t idle_ms = 60 * kMsPerMinute;
  int64_t max_ms = 12 * kMsPerHour;
  int max_failed_logins = 5;
  int64_t lockout_ms = 5 * kMsPerMinute;
};

struct Session {
  std::string username;
  std::string display_name;
  Role role = Role::kClerk;
  std::string csrf_token;  // 64 hex digits
};

struct NewSession {
  std::string token;  // for the cookie; 64 hex digits
  Session session;
};

// Checks the password and opens a session. A wrong username or password is kUnauthorized with the
// same message for both; a disabled or locked account is kUnauthorized saying so.
Result<NewSession> sign_in(Store& store, const std::string& username, const std::string& password,
                           const SessionPolicy& policy);
// The session of `token`, or nullopt when unknown, expired (it is then deleted) or its account
// disabled. Records the request time (at most once a minute, to spare the disk).
Result<std::optional<Session>> find_session(Store& store, const std::string& token, const SessionPolicy& policy);
Status sign_out(Store& store, const std::string& token);

}  // namespace motcua::agent
