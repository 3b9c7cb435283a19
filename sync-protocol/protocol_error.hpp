// The protocol's stable error codes (PROTOCOL.md "Error codes") and the error type the codecs return.
//
// A ProtocolError is a motcua Error (code, message, hint) plus the stable wire code the hub puts in
// its error body. It converts to a plain Error by slicing, so MOTCUA_TRY / MOTCUA_ASSIGN_OR_RETURN in a
// function returning Result<T> pass a codec failure on as an ordinary Error (dropping the wire code);
// the hub, which needs the wire code, reads `.protocol` before that.
#pragma once

#include <optional>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

#include "common/error.hpp"

namespace motcua::sync {

// Closed set; names and HTTP statuses are in the table in PROTOCOL.md and never change meaning.
enum class ProtocolCode {
  kBadRequest,             // 400 malformed request: headers, JSON, content type, method
  kBadEnvelope,            // 400 the batch envelope is damaged or unacceptable
  kBadSignature,           // 401 a request or batch signature does not verify
  kUnknownAgent,           // 401 the agent id is not enrolled at this hub
  kRevokedAgent,           // 403 the agent was revoked or replaced by a newer enrollment
  kSchemaMismatch,         // 409 the batch's (or agent's) schema version is not the hub's
  kSequenceConflict,       // 409 same sequence numbers, different content (or a broken hash chain)
  kSequenceGap,            // 409 the batch does not start right after the last one the hub holds
  kUnknownDictionary,      // 409 the batch names a compression dictionary the hub does not hold
  kPayloadTooLarge,        // 413 body, payload or uncompressed size over the limit
  kEnrollmentCodeInvalid,  // 403 no such enrollment code
  kEnrollmentCodeExpired,  // 403 the code's validity ended
  kEnrollmentCodeUsed,     // 403 the code was already used
  kRateLimited,            // 429 transient: too many requests, retry after Retry-After
  kUnavailable,            // 503 transient: the hub is busy or starting, retry later
  kInternal,               // 500 transient: a hub bug or unexpected failure, retry later
};

// The wire name, e.g. "bad_envelope".
const char* protocol_code_name(ProtocolCode code);
// The inverse of protocol_code_name; nullopt for a name this version does not know (a newer hub):
// the client then relies on the error body's "transient" flag.
std::optional<ProtocolCode> protocol_code_from_name(std::string_view name);
// True for rate_limited, unavailable and internal: the same request may succeed later.
bool is_transient(ProtocolCode code);
// The HTTP status a hub answers with for this code.
int http_status(ProtocolCode code);

struct ProtocolError : Error {
  ProtocolCode protocol = ProtocolCode::kInternal;
};

template <typename T>
using ProtocolResult = tl::expected<T, ProtocolError>;
using ProtocolStatus = tl::expected<void, ProtocolError>;

inline ProtocolError protocol_error(ProtocolCode protocol, Error error) {
  ProtocolError e;
  static_cast<Error&>(e) = std::move(error);
  e.protocol = protocol;
  return e;
}
// `return fail(ProtocolCode::kBadEnvelope, Error::corruption(...));` in a ProtocolResult function.
inline tl::unexpected<ProtocolError> fail(ProtocolCode protocol, Error error) {
  return tl::unexpected<ProtocolError>(protocol_error(protocol, std::move(error)));
}
inline tl::unexpected<ProtocolError> fail(ProtocolError error) {
  return tl::unexpected<ProtocolError>(std::move(error));
}

}  // namespace motcua::sync

// MOTCUA_TRY / MOTCUA_ASSIGN_OR_RETURN for functions that return ProtocolResult<T>: the expression
// must itself be a ProtocolResult/ProtocolStatus, so its wire code is passed on unchanged.
#define MOTCUA_PROTOCOL_TRY(expr)                                     \
  do {                                                                \
    auto MOTCUA_CONCAT_(motcua_ptry_, __LINE__) = (expr);             \
    if (!MOTCUA_CONCAT_(motcua_ptry_, __LINE__))                      \
      return ::tl::unexpected<::motcua::sync::ProtocolError>(         \
          std::move(MOTCUA_CONCAT_(motcua_ptry_, __LINE__).error())); \
  } while (0)
#define MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(var, expr)                                                                    \
  auto MOTCUA_CONCAT_(motcua_ptmp_, __LINE__) = (expr);                                                                \
  if (!MOTCUA_CONCAT_(motcua_ptmp_, __LINE__))                                                                         \
    return ::tl::unexpected<::motcua::sync::ProtocolError>(std::move(MOTCUA_CONCAT_(motcua_ptmp_, __LINE__).error())); \
  var = std::move(*MOTCUA_CONCAT_(motcua_ptmp_, __LINE__))
