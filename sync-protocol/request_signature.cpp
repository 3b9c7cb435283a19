#include "sync-protocol/request_signature.hpp"

#include <algorithm>
#include <limits>

#include "sync-protocol/base64.hpp"

namespace motcua::sync {

namespace {

constexpr std::string_view kPrefix = "MOTCUA-REQ-1\n";
constexpr size_t kMaxMethod = 16;
constexpr size_t kMaxTarget = 8192;

Status check_method(std::string_view method) {
  if (method.empty() || method.size() > kMaxMethod ||
      !std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return fail(Error::invalid_input("request method '" + std::string(method.substr(0, kMaxMethod)) +
                                     "' is not 1-16 upper-case letters"));
  }
  return ok();
}

Status check_target(std::string_view target) {
  if (target.empty() || target.front() != '/' || target.size() > kMaxTarget) {
    return fail(Error::invalid_input("request target must start with '/' and be at most 8192 bytes"));
  }
  for (size_t i = 0; i < target.size(); ++i) {
    const auto c = static_cast<unsigned char>(target[i]);
    if (c < 0x21 || c > 0x7e) {
      return fail(Error::invalid_input("request target has byte " + std::to_string(c) + " at position " +
                                       std::to_string(i) + " (only 0x21-0x7E are allowed: percent-encode it)"));
    }
  }
  return ok();
}

ProtocolError bad_header(const char* header, const std::string& what) {
  return protocol_error(ProtocolCode::kBadRequest,
                        Error::invalid_input(std::string("header ") + header + ": " + what,
                                             "the request was not made by a motcua agent of this protocol version"));
}

Result<uint64_t> parse_counter(std::string_view text) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  if (text.empty() || text.size() > 20 || text.front() == '0') return fail(Error::invalid_input("bad counter"));
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return fail(Error::invalid_input("bad counter"));
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (max - d) / 10) return fail(Error::invalid_input("bad counter"));
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

Result<std::string> request_signing_text(std::string_view method, std::string_view target, ByteView body,
                                         const Id128& agent_id, uint64_t counter) {
  MOTCUA_TRY(check_method(method));
  MOTCUA_TRY(check_target(target));
  if (counter == 0) return fail(Error::invalid_input("the request counter starts at 1"));
  std::string text;
  text.reserve(kPrefix.size() + method.size() + target.size() + 64 + 32 + 20 + 5);
  text.append(kPrefix);
  text.append(method).append("\n");
  text.append(target).append("\n");
  text.append(hash_hex(sha256(body))).append("\n");
  text.append(agent_id.hex()).append("\n");
  text.append(std::to_string(counter)).append("\n");
  return text;
}

Result<SignedRequestHeaders> sign_request(const KeyPair& agent_key, const Id128& agent_id, uint64_t counter,
                                          std::string_view method, std::string_view target, ByteView body) {
  MOTCUA_ASSIGN_OR_RETURN(std::string text, request_signing_text(method, target, body, agent_id, counter));
  MOTCUA_ASSIGN_OR_RETURN(Signature sig, agent_key.sign(text));
  return SignedRequestHeaders{agent_id.hex(), std::to_string(counter), base64_encode(sig)};
}

ProtocolResult<RequestCredentials> parse_request_headers(std::string_view agent, std::string_view counter,
                                                         std::string_view signature) {
  RequestCredentials out;
  const bool lower_hex =
      std::all_of(agent.begin(), agent.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  auto id = Id128::from_hex(agent);
  if (!lower_hex || !id) {
    return fail(bad_header(kAgentHeader, agent.empty() ? "missing" : "not 32 lower-case hex digits"));
  }
  out.agent_id = *id;
  auto n = parse_counter(counter);
  if (!n) {
    return fail(bad_header(
        kCounterHeader, counter.empty() ? "missing" : "not a decimal number from 1 to 2^64-1 without leading zeros"));
  }
  out.counter = *n;
  if (signature.empty()) return fail(bad_header(kSignatureHeader, "missing"));
  auto raw = base64_decode(signature);
  if (!raw) return fail(bad_header(kSignatureHeader, raw.error().message));
  if (raw->size() != out.signature.size()) {
    return fail(bad_header(kSignatureHeader, "decodes to " + std::to_string(raw->size()) + " bytes, expected 64"));
  }
  std::copy(raw->begin(), raw->end(), out.signature.begin());
  return out;
}

ProtocolStatus verify_request(const RequestCredentials& credentials, const PublicKey& agent_key,
                              std::string_view method, std::string_view target, ByteView body) {
  auto text = request_signing_text(method, target, body, credentials.agent_id, credentials.counter);
  if (!text) return fail(ProtocolCode::kBadRequest, std::move(text.error()));
  auto verified = verify(agent_key, *text, credentials.signature);
  if (!verified) {
    if (verified.error().code != ErrorCode::kUnauthorized) {
      return fail(ProtocolCode::kInternal, std::move(verified.error()));
    }
    return fail(
        ProtocolCode::kBadSignature,
        Error::unauthorized("request " + std::string(method) + " " + std::string(target) + " from agent " +
                                credentials.agent_id.hex() + " (counter " + std::to_string(credentials.counter) +
                                "): the signature does not match the agent's enrolled key",
                            "the request was altered in transit (a proxy must pass the request target and body "
                            "unchanged) or signed with another key"));
  }
  return {};
}

}  // namespace motcua::sync
