#include "agent/hub_link.hpp"

#include <charconv>
#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "agent/hub_ca.hpp"
#include "common/files.hpp"
#include "sync-protocol/protocol_error.hpp"
#include "sync-protocol/request_signature.hpp"

namespace motcua::agent {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string key_path(const std::string& data_dir) { return path_utf8(utf8_path(data_dir) / "agent-key.pem"); }

Result<sync::KeyPair> read_agent_key(const std::string& data_dir) {
  auto pem = read_whole_file(key_path(data_dir));
  if (!pem) {
    return fail(Error::failed_precondition("this office's key " + key_path(data_dir) + " is missing",
                                           "enroll the office again with a new code from provincial IT"));
  }
  return sync::KeyPair::from_private_pem(*pem);
}

}  // namespace

Result<FileLock> lock_hub_link(const std::string& data_dir) {
  return FileLock::acquire(path_utf8(utf8_path(data_dir) / "hub.lock"), 30000);
}

Status write_agent_key(const std::string& data_dir, const sync::KeyPair& key) {
  MOTCUA_ASSIGN_OR_RETURN(std::string pem, key.private_pem());
  return write_private_file(key_path(data_dir), pem);
}

Result<uint64_t> parse_meta_number(const std::string& text, const std::string& key) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return fail(Error::corruption("this office's setting " + key + " is damaged ('" + text + "')",
                                  "restore the data directory from a backup, or ask provincial IT"));
  }
  return value;
}

Result<std::string> require_enrolled_meta(Store& store, const std::string& key) {
  MOTCUA_ASSIGN_OR_RETURN(auto v, store.get_meta(key));
  if (!v) {
    return fail(Error::failed_precondition("this office is not enrolled with a hub",
                                           "enroll it: motcua-agent enroll --data " + store.data_dir() +
                                               " --hub URL --code CODE"));
  }
  return *v;
}

Result<HubLink> load_hub_link(Store& store) {
  MOTCUA_ASSIGN_OR_RETURN(std::string agent_hex, require_enrolled_meta(store, "agent_id"));
  MOTCUA_ASSIGN_OR_RETURN(std::string hub_url, require_enrolled_meta(store, "hub_url"));
  MOTCUA_ASSIGN_OR_RETURN(std::string hub_key_text, require_enrolled_meta(store, "hub_public_key"));
  MOTCUA_ASSIGN_OR_RETURN(Id128 agent_id, Id128::from_hex(agent_hex));
  MOTCUA_ASSIGN_OR_RETURN(sync::PublicKey hub_key, sync::PublicKey::from_base64(hub_key_text));
  MOTCUA_ASSIGN_OR_RETURN(sync::KeyPair key, read_agent_key(store.data_dir()));
  HubTrust trust;
  if (fs::exists(utf8_path(hub_ca_path(store.data_dir())))) trust.ca_file = hub_ca_path(store.data_dir());
  return HubLink{agent_id, std::move(hub_url), hub_key, std::move(key), std::move(trust)};
}

Result<SignedReply> send_signed(Store& store, const HubLink& link, const std::string& method, const std::string& target,
                                const std::string& content_type, const std::string& body, int64_t* body_bytes_sent) {
  // A new counter for every request, on disk before the request leaves.
  SignedReply out;
  {
    MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(store.db()));
    MOTCUA_ASSIGN_OR_RETURN(std::string counter_text, require_enrolled_meta(store, "request_counter"));
    MOTCUA_ASSIGN_OR_RETURN(out.counter, parse_meta_number(counter_text, "request_counter"));
    if (out.counter == UINT64_MAX) return fail(Error::corruption("the request counter is exhausted"));
    ++out.counter;
    MOTCUA_TRY(store.set_meta("request_counter", std::to_string(out.counter)));
    MOTCUA_TRY(tx.commit());
  }
  MOTCUA_ASSIGN_OR_RETURN(sync::SignedRequestHeaders signed_headers,
                          sync::sign_request(link.key, link.agent_id, out.counter, method, target, sync::ByteView(body)));
  const std::vector<std::pair<std::string, std::string>> headers = {{sync::kAgentHeader, signed_headers.agent},
                                                                    {sync::kCounterHeader, signed_headers.counter},
                                                                    {sync::kSignatureHeader, signed_headers.signature}};
  if (method == "GET") {
    MOTCUA_ASSIGN_OR_RETURN(out.reply, http_get(link.hub_url + target, headers, {}, link.trust));
  } else {
    MOTCUA_ASSIGN_OR_RETURN(out.reply, http_post(link.hub_url + target, headers, content_type, body, {}, body_bytes_sent,
                                                 link.trust));
  }
  return out;
}

Error hub_error(const HttpReply& reply) {
  json body = json::parse(reply.body, nullptr, false);
  std::string code = "internal", message = "the hub answered HTTP " + std::to_string(reply.status), hint;
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const json& e = body["error"];
    // Only string members count: a proxy's error page with other types must not throw.
    auto text = [&](const char* name, std::string& out) {
      if (e.contains(name) && e[name].is_string()) out = e[name].get<std::string>();
    };
    text("code", code);
    text("message", message);
    text("hint", hint);
  }
  const std::string text = "hub refused (" + code + "): " + message;
  auto pc = sync::protocol_code_from_name(code);
  if (!pc || sync::is_transient(*pc)) return Error::unavailable(text, hint.empty() ? "retry later" : hint);
  switch (*pc) {
    case sync::ProtocolCode::kUnknownAgent:
    case sync::ProtocolCode::kRevokedAgent:
    case sync::ProtocolCode::kBadSignature:
    case sync::ProtocolCode::kEnrollmentCodeInvalid:
    case sync::ProtocolCode::kEnrollmentCodeExpired:
    case sync::ProtocolCode::kEnrollmentCodeUsed:
      return Error::unauthorized(text, hint);
    case sync::ProtocolCode::kSequenceConflict:
    case sync::ProtocolCode::kSequenceGap:
    case sync::ProtocolCode::kSchemaMismatch:
      return Error::conflict(text, hint);
    default:
      return Error::invalid_input(text, hint);
  }
}

}  // namespace motcua::agent
