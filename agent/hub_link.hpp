// What an enrolled office needs to talk to its hub: its agent id and key, the hub's address and
// public key (from enrollment), and the per-agent request counter that every signed request uses
// once (PROTOCOL.md section 6). Shared by upload (sync.cpp) and the feed (feed.cpp).
#pragma once

#include <string>

#include "agent/http_client.hpp"
#include "agent/platform.hpp"
#include "agent/store.hpp"
#include "common/error.hpp"
#include "common/id.hpp"
#include "common/time.hpp"
#include "sync-protocol/keys.hpp"

namespace motcua::agent {

struct HubLink {
  Id128 agent_id;
  std::string hub_url;  // without a trailing '/'
  sync::PublicKey hub_key;
  sync::KeyPair key;
  HubTrust trust;  // the pinned CA (DIR/hub-ca.pem) when the office has one
};

// kFailedPrecondition (with the enroll command to run) when the office is not enrolled or its key
// file is missing. An https:// hub without a pinned CA is refused by the first request (http_client).
Result<HubLink> load_hub_link(Store& store);

// The lock every conversation with the hub holds (DIR/hub.lock), so requests of two processes never
// interleave (their counters would reach the hub out of order). Waits up to 30 s, then kUnavailable.
Result<FileLock> lock_hub_link(const std::string& data_dir);

// DIR/agent-key.pem, readable by the service account only.
Status write_agent_key(const std::string& data_dir, const sync::KeyPair& key);

struct SignedReply {
  HttpReply reply;
  uint64_t counter = 0;  // the request counter the request was signed with
};

// Sends a signed request with a new request counter, taken and persisted in one transaction before
// the request leaves (a retry is a new request). The caller holds lock_hub_link(). `body` is empty for GET. Transport failures are returned as errors;
// any HTTP status comes back as a reply.
Result<SignedReply> send_signed(Store& store, const HubLink& link, const std::string& method, const std::string& target,
                                const std::string& content_type, const std::string& body,
                                int64_t* body_bytes_sent = nullptr);

// The office clock's offset from the hub's, from a hub timestamp taken between sending a request
// and receiving its answer (PROTOCOL.md section 5): hub − midpoint.
inline int64_t clock_offset_ms(int64_t hub_time_ms, Instant sent, Instant received) {
  return hub_time_ms - (sent.ms + (received.ms - sent.ms) / 2);
}

// A hub error body (PROTOCOL.md section 8) as an Error for the office: what the hub said, and
// whether retrying can help (kUnavailable: later; kUnauthorized: enrollment; kConflict: sequence;
// kInvalidInput: otherwise).
Error hub_error(const HttpReply& reply);

// A number stored in the office's settings; kCorruption naming `key` when it is not one.
Result<uint64_t> parse_meta_number(const std::string& text, const std::string& key);

// The meta value `key`, or kFailedPrecondition "not enrolled" naming the enroll command.
Result<std::string> require_enrolled_meta(Store& store, const std::string& key);

}  // namespace motcua::agent
