// The sync protocol's version constants. PROTOCOL.md is normative; a change to anything on the wire
// lands together with its specification, its codec tests and a new entry below.
//
// Protocol version history:
//   0 (draft)  Replicated fact tables, change capture into the outbox, the changeset grammar and its
//              validation. Nothing travelled yet.
//   1          Ed25519 agent and hub keys; batch envelope "MCB1" (format 1); acknowledgement "MCK1"
//              (format 1); request signatures "MOTCUA-REQ-1"; HTTP binding /v1 (enroll, batches,
//              health); the error body and the stable error codes. Feed page "MCF1" (format 1) and
//              GET /v1/feed: catalogue and calendar publications, hub to office.
#pragma once

#include <cstdint>

namespace motcua::sync {

// The protocol version this code speaks (PROTOCOL.md "Version history"). Reported by GET /v1/health.
inline constexpr uint16_t kProtocolVersion = 1;

// Layout versions carried in the `version` field of each binary message. They change only when that
// message's layout changes, which bumps kProtocolVersion too.
inline constexpr uint16_t kBatchFormatVersion = 1;  // "MCB1", since protocol 1
inline constexpr uint16_t kAckFormatVersion = 1;    // "MCK1", since protocol 1
inline constexpr uint16_t kFeedFormatVersion = 1;   // "MCF1", since protocol 1

}  // namespace motcua::sync
