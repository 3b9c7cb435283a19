#include "hub/enrollment.hpp"

#include <openssl/rand.h>

namespace motcua::hub {

namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford base32
constexpr size_t kCodeLength = 10;

std::string display_form(const std::string& code) { return code.substr(0, 5) + "-" + code.substr(5); }

}  // namespace

Result<std::string> normalize_enrollment_code(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ' || c == '\t') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (kAlphabet.find(c) == std::string_view::npos) {
      return fail(Error::invalid_input("'" + std::string(typed) + "' is not an enrollment code",
                                       "an enrollment code looks like 7K3QD-M9X2A: ask provincial IT for a new one"));
    }
    out.push_back(c);
  }
  if (out.size() != kCodeLength) {
    return fail(Error::invalid_input("'" + std::string(typed) + "' is not an enrollment code (it needs 10 characters)",
                                     "an enrollment code looks like 7K3QD-M9X2A: ask provincial IT for a new one"));
  }
  return out;
}

Result<EnrollmentCode> create_enrollment_code(sql::Db& db, const std::string& unit, int64_t ttl_hours, Instant now) {
  if (ttl_hours < 1 || ttl_hours > 720) {
    return fail(Error::invalid_input("validity of " + std::to_string(ttl_hours) + " hours is out of range",
                                     "choose between 1 and 720 hours (default 72)"));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt known, db.prepare("SELECT 1 FROM unit WHERE code = ?1"));
  known.bind(1, unit);
  MOTCUA_ASSIGN_OR_RETURN(bool exists, known.step());
  if (!exists) {
    return fail(Error::not_found("unit " + unit + " is not part of this hub's province",
                                 "use the unit's GSO code, e.g. 11953; motcua-hub status lists the units"));
  }
  EnrollmentCode result;
  result.unit = unit;
  result.expires_at = Instant{now.ms + ttl_hours * kMsPerHour};
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO enrollment_code(code, unit, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)"));
  for (int attempt = 0; attempt < 8; ++attempt) {
    unsigned char bytes[kCodeLength];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return fail(Error::internal("the system random generator failed"));
    std::string code;
    for (unsigned char b : bytes) code.push_back(kAlphabet[b % kAlphabet.size()]);  // 256 % 32 == 0: unbiased
    ins.bind(1, code).bind(2, unit).bind(3, now.ms).bind(4, result.expires_at.ms);
    auto inserted = ins.run();
    if (inserted) {
      result.code = code;
      result.display = display_form(code);
      return result;
    }
    if (inserted.error().code != ErrorCode::kConflict) return fail(std::move(inserted.error()));
    MOTCUA_TRY(ins.reset());
  }
  return fail(Error::internal("could not draw an unused enrollment code"));
}

Result<std::string> consume_enrollment_code(sql::Db& db, std::string_view typed, const Id128& agent_id, Instant now) {
  auto code = normalize_enrollment_code(typed);
  if (!code) return fail(Error::unauthorized(code.error().message, code.error().hint));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT unit, expires_at, used_at FROM enrollment_code WHERE code = ?1"));
  st.bind(1, *code);
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  const std::string hint = "ask provincial IT for a new code: motcua-hub enroll-code --unit CODE";
  if (!row) return fail(Error::unauthorized("enrollment_code_invalid: no such enrollment code", hint));
  const std::string unit = st.text(0);
  if (!st.is_null(2)) return fail(Error::unauthorized("enrollment_code_used: this enrollment code was already used", hint));
  if (now.ms >= st.int64(1)) {
    return fail(Error::unauthorized("enrollment_code_expired: this enrollment code expired at " +
                                        format_rfc3339_vn(Instant{st.int64(1)}), hint));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt use, db.prepare(
      "UPDATE enrollment_code SET used_at = ?2, used_by = ?3 WHERE code = ?1 AND used_at IS NULL"));
  use.bind(1, *code).bind(2, now.ms).bind(3, agent_id.blob());
  MOTCUA_TRY(use.run());
  if (db.changes() != 1) return fail(Error::unauthorized("enrollment_code_used: this enrollment code was already used", hint));
  return unit;
}

}  // namespace motcua::hub
