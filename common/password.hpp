// Passwords and sign-in tokens shared by the agent's clerk accounts (agent/accounts.hpp) and the
// hub's IT staff accounts (hub/it_accounts.hpp).
//
// Passwords: PBKDF2-HMAC-SHA256 from OpenSSL with a random 16-byte salt, stored as
// "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX" (the iteration count travels with the hash, so it can
// be raised later without breaking existing accounts). Session tokens: random bytes as hex for the
// browser's cookie; the database keeps only their SHA-256, so a copy of it lets nobody in.
//
// Errors carry a Vietnamese message (Error::message_vi) for the people who meet them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace motcua {

inline constexpr size_t kMinPasswordBytes = 8;
inline constexpr size_t kMaxPasswordBytes = 1024;
inline constexpr int kPbkdf2Iterations = 310000;

// The stored form of `password`; `iterations` is for tests and benchmarks only.
std::string hash_password(std::string_view password, int iterations = kPbkdf2Iterations);
// True when `password` matches `stored` (constant-time comparison of the derived key). A stored
// form that does not parse never matches.
bool verify_password(std::string_view password, std::string_view stored);
// The same PBKDF2 work as verify_password against a real account, for a username that has none:
// the answer's timing then does not tell which names exist.
void verify_password_for_unknown_account(std::string_view password);

// `bytes` bytes from OpenSSL's CSPRNG as lower-case hex (2 * bytes digits). Aborts the process if
// the CSPRNG fails: a predictable token would let anyone in.
std::string random_hex(size_t bytes);
// The SHA-256 (32 bytes) of a session token, the form a database keeps instead of the token.
std::vector<unsigned char> token_hash(std::string_view token);

// A login name as typed, trimmed and with A-Z folded to lower case; kInvalidInput (with
// Vietnamese) unless it is then 2–32 of a-z 0-9 . _ -.
Result<std::string> clean_username(std::string_view raw);
// kInvalidInput (with Vietnamese) for a new password shorter than kMinPasswordBytes, longer than
// kMaxPasswordBytes or holding a NUL character.
Status check_new_password(std::string_view password);

}  // namespace motcua
