// Request signatures (PROTOCOL.md section 6). Every request an enrolled agent makes carries three
// headers; the signature covers the method, the request target, the body, the agent id and a
// per-agent request counter, so a hub can refuse a replayed or altered request without trusting the
// agent's clock. The signed text is
//
//   "MOTCUA-REQ-1\n" METHOD "\n" target "\n" hex(SHA-256(body)) "\n" agent-id-hex "\n" counter "\n"
//
// with target the request-target exactly as on the request line (path and query), hex in lower case
// and the counter in decimal without leading zeros. Pure functions: no clock, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/id.hpp"
#include "sync-protocol/bytes.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/protocol_error.hpp"

namespace motcua::sync {

inline constexpr const char* kAgentHeader = "X-Motcua-Agent";          // 32 lower-case hex digits
inline constexpr const char* kCounterHeader = "X-Motcua-Counter";      // decimal, 1 .. 2^64-1
inline constexpr const char* kSignatureHeader = "X-Motcua-Signature";  // base64 of 64 bytes

// The three header values, in the order of the constants above.
struct SignedRequestHeaders {
  std::string agent;
  std::string counter;
  std::string signature;
};

// The exact bytes a request signature covers. kInvalidInput if the method is not 1-16 upper-case
// ASCII letters, the target does not start with '/' or holds a byte outside 0x21-0x7E (spaces and
// line breaks would make the text ambiguous), the target is longer than 8192 bytes, or counter is 0.
Result<std::string> request_signing_text(std::string_view method, std::string_view target, ByteView body,
                                         const Id128& agent_id, uint64_t counter);

// Signs a request with the agent's key and returns its header values. The caller uses each counter
// value once: it strictly increases per agent across all requests, retries included (a retry is a new
// request with a new counter). Errors as request_signing_text, or kInternal if OpenSSL fails.
Result<SignedRequestHeaders> sign_request(const KeyPair& agent_key, const Id128& agent_id, uint64_t counter,
                                          std::string_view method, std::string_view target, ByteView body);

// The parsed header values.
struct RequestCredentials {
  Id128 agent_id;
  uint64_t counter = 0;
  Signature signature{};
};

// Parses the three header values strictly (a missing header is passed as ""): kInvalidInput /
// bad_request naming the header when the agent id is not 32 lower-case hex digits, the counter is
// not a decimal 1..2^64-1 without sign, spaces or leading zeros, or the signature is not strict
// base64 of 64 bytes.
ProtocolResult<RequestCredentials> parse_request_headers(std::string_view agent, std::string_view counter,
                                                         std::string_view signature);

// Checks the signature of a request against the agent's enrolled key: kUnauthorized / bad_signature
// when it does not verify (any change to method, target, body, agent or counter), kInvalidInput /
// bad_request when the method or target cannot be signed at all. Does not check that the counter
// increased: that needs the hub's stored state.
ProtocolStatus verify_request(const RequestCredentials& credentials, const PublicKey& agent_key,
                              std::string_view method, std::string_view target, ByteView body);

}  // namespace motcua::sync
