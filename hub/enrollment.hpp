// One-time enrollment codes: how an installer binds a new office agent to its unit. A code is
// 10 characters of Crockford base32 (no I, L, O, U: nothing to confuse when read aloud or typed),
// shown as XXXXX-XXXXX, about 50 bits of randomness; single use; expires (default 72 h).
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"

namespace motcua::hub {

struct EnrollmentCode {
  std::string code;     // canonical, no separator: what is stored
  std::string display;  // XXXXX-XXXXX: what the installer types
  std::string unit;
  Instant expires_at;
};

constexpr int64_t kDefaultEnrollmentTtlHours = 72;

// Issues a code for `unit` (must be a unit of this hub's province; kNotFound otherwise) valid for
// `ttl_hours` (1..720) from `now`.
Result<EnrollmentCode> create_enrollment_code(sql::Db& db, const std::string& unit, int64_t ttl_hours, Instant now);

// What the installer typed, made canonical: upper case, separators and spaces dropped, O→0, I/L→1.
// kInvalidInput if it cannot be a code.
Result<std::string> normalize_enrollment_code(std::string_view typed);

// Marks the code used by `agent_id` and returns its unit, inside the caller's transaction.
// Unknown: kUnauthorized "enrollment_code_invalid"; used: kUnauthorized "enrollment_code_used";
// expired: kUnauthorized "enrollment_code_expired" — each with a hint for the installer.
Result<std::string> consume_enrollment_code(sql::Db& db, std::string_view typed, const Id128& agent_id, Instant now);

}  // namespace motcua::hub
