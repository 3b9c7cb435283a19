// The province's IT staff accounts and their sign-in sessions on the hub's web dashboard (hub
// schema 7: it_account, it_session; hub-internal, never sent to an office).
//
// The rules are the agent's clerk accounts' (agent/accounts.hpp), from the one implementation both
// use (common/sign_in.hpp): passwords hashed as common/password.hpp stores them; a random 32-byte
// session token for the browser's cookie, only its SHA-256 in the database, with a per-session CSRF
// token; a session ends after `idle_ms` without a request, `max_ms` after sign-in, at sign-out, or
// when the account is disabled or its password changed. `max_failed_logins` wrong passwords in a
// row lock the account for `lockout_ms` on the given clock. PBKDF2 always runs outside any write
// transaction, so a sign-in never holds up the hub's other writers.
//
// Sign-ins, lockouts and account changes are appended to the hub's audit log (hub/audit.hpp) in the
// transaction that makes them, with the IT user's name as the actor of sign-ins and lockouts.
// Errors an IT user can meet carry a Vietnamese message (Error::message_vi).
// Thread-safety: as the sql::Db passed in (one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"

namespace motcua::hub {

struct ItAccount {
  std::string username;
  std::string display_name;
  Instant created_at;
  std::optional<Instant> disabled_at;
};

struct ItSessionPolicy {
  int64_t idle_ms = 30 * kMsPerMinute;
  int64_t max_ms = 12 * kMsPerHour;
  int max_failed_logins = 5;
  int64_t lockout_ms = 5 * kMsPerMinute;
};

struct ItSession {
  std::string username;
  std::string display_name;
  std::string csrf_token;  // 64 hex digits; every form post must carry it
};

struct NewItSession {
  std::string token;  // for the cookie; 64 hex digits, never stored
  ItSession session;
};

// Creates an account. The username is 2–32 of a-z 0-9 . _ - (upper case is folded), the display
// name non-empty NFC text, the password at least kMinPasswordBytes (common/password.hpp).
// kInvalidInput (with Vietnamese) for any of these; kConflict when the username exists.
Result<ItAccount> add_it_account(sql::Db& db, const Clock& clock, const std::string& username,
                                 const std::string& display_name, const std::string& password);
// Every account, by username.
Result<std::vector<ItAccount>> list_it_accounts(sql::Db& db);
// Sets a new password, clears any lockout and ends every session of the account. kNotFound for an
// unknown username.
Status set_it_password(sql::Db& db, const Clock& clock, const std::string& username, const std::string& password);
// Disables the account (it can no longer sign in) and ends its sessions. kNotFound when unknown.
Status disable_it_account(sql::Db& db, const Clock& clock, const std::string& username);
// Enables a disabled account and clears any lockout. kNotFound when unknown.
Status enable_it_account(sql::Db& db, const Clock& clock, const std::string& username);

// Checks the password and opens a session. A wrong username or password is kUnauthorized with the
// same message for both (and the same PBKDF2 work); a disabled or locked account is kUnauthorized
// saying so.
Result<NewItSession> it_sign_in(sql::Db& db, const Clock& clock, const std::string& username,
                                const std::string& password, const ItSessionPolicy& policy);
// The session of `token`, or nullopt when unknown, expired (it is then deleted) or its account
// disabled. Records the request time (at most once a minute, to spare the disk).
Result<std::optional<ItSession>> it_find_session(sql::Db& db, const Clock& clock, const std::string& token,
                                                 const ItSessionPolicy& policy);
// Ends the session of `token`; an unknown token is not an error.
Status it_sign_out(sql::Db& db, const std::string& token);

}  // namespace motcua::hub
