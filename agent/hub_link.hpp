// What an enrolled office needs to talk to its hub: its agent id and key, the hub's address and
// public key (from enrollment), and the per-agent request counter that every signed request uses
// once (PROTOCOL.md section 6). Shared by upload (sync.cpp) and the feed (feed.cpp).
#pragma once

#include <string>

#include "agent/http_client.hpp"
#include "agent/store.hpp"
#include "common/error.hpp"
#include "common/id.hpp"
#include "sync-protocol/keys.hpp"

namespace motcua::agent {

struct HubLink {
  Id128 agent_id;
  std::string hub_url;  // without a trailing '/'
  sync::PublicKey hub_key;
  sync::KeyPair key;
};

// kFailedPrecondition (with the enroll command to run) when the office is not enrolled or its key
// file is missing.
Result<HubLink> load_hub_link(Store& store);

// DIR/agent-key.pem, readable by the service account only.
Status write_agent_key(const std::string& data_dir, const sync::KeyPair& key);

struct SignedReply {
  HttpReply reply;
  uint64_t counter = 0;  // the request counter the request was signed with
};

// Sends a signed request with a new request counter, persisted before the request leaves (a
// retry is a new request). `body` is empty for GET. Transport failures are returned as errors;
// any HTTP status comes back as a reply.
Result<SignedReply> send_signed(Store& store, const HubLink& link, const std::string& method, const std::string& target,
                                const std::string& content_type, const std::string& body);

// A hub error body (PROTOCOL.md section 8) as an Error for the office: what the hub said, and
// whether retrying can help (kUnavailable: later; kUnauthorized: enrollment; kConflict: sequence;
// kInvalidInput: otherwise).
Error hub_error(const HttpReply& reply);

// The meta value `key`, or kFailedPrecondition "not enrolled" naming the enroll command.
Result<std::string> require_enrolled_meta(Store& store, const std::string& key);

}  // namespace motcua::agent
