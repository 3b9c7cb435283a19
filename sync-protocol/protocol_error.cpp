#include "sync-protocol/protocol_error.hpp"

namespace motcua::sync {

namespace {

struct CodeInfo {
  ProtocolCode code;
  const char* name;
  int status;
  bool transient;
};

constexpr CodeInfo kCodes[] = {
    {ProtocolCode::kBadRequest, "bad_request", 400, false},
    {ProtocolCode::kBadEnvelope, "bad_envelope", 400, false},
    {ProtocolCode::kBadSignature, "bad_signature", 401, false},
    {ProtocolCode::kUnknownAgent, "unknown_agent", 401, false},
    {ProtocolCode::kRevokedAgent, "revoked_agent", 403, false},
    {ProtocolCode::kSchemaMismatch, "schema_mismatch", 409, false},
    {ProtocolCode::kSequenceConflict, "sequence_conflict", 409, false},
    {ProtocolCode::kSequenceGap, "sequence_gap", 409, false},
    {ProtocolCode::kUnknownDictionary, "unknown_dictionary", 409, false},
    {ProtocolCode::kPayloadTooLarge, "payload_too_large", 413, false},
    {ProtocolCode::kEnrollmentCodeInvalid, "enrollment_code_invalid", 403, false},
    {ProtocolCode::kEnrollmentCodeExpired, "enrollment_code_expired", 403, false},
    {ProtocolCode::kEnrollmentCodeUsed, "enrollment_code_used", 403, false},
    {ProtocolCode::kRateLimited, "rate_limited", 429, true},
    {ProtocolCode::kUnavailable, "unavailable", 503, true},
    {ProtocolCode::kInternal, "internal", 500, true},
};

const CodeInfo& info(ProtocolCode code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c;
  }
  return kCodes[sizeof(kCodes) / sizeof(kCodes[0]) - 1];  // kInternal
}

}  // namespace

const char* protocol_code_name(ProtocolCode code) { return info(code).name; }

std::optional<ProtocolCode> protocol_code_from_name(std::string_view name) {
  for (const auto& c : kCodes) {
    if (name == c.name) return c.code;
  }
  return std::nullopt;
}

bool is_transient(ProtocolCode code) { return info(code).transient; }

int http_status(ProtocolCode code) { return info(code).status; }

}  // namespace motcua::sync
