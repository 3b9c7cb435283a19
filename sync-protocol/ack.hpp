// The acknowledgement, format 1 ("MCK1"): the hub's signed answer to a batch. PROTOCOL.md section 5
// is the normative byte layout; in short (all integers big-endian):
//
//   magic "MCK1" | version u16 | agent_id 16 | first_seq u64 | last_seq u64 | batch_hash 32 |
//   status u8 | hub_time_ms i64 | reason_size u16 | reason | signature_size u16 | signature 64
//
// The hub's Ed25519 signature covers every byte before signature_size. Pure functions over bytes.
// Decoding failures are ProtocolErrors with wire code bad_envelope (kCorruption for damage,
// kInvalidInput for an unknown version or status); a bad signature is kUnauthorized / bad_signature.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "sync-protocol/bytes.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/protocol_error.hpp"

namespace motcua::sync {

// What the hub did with the batch. Every status counts as received in the agent's sequence: the
// agent moves on to last_seq + 1 whatever the status.
enum class AckStatus : uint8_t {
  kApplied = 1,      // applied now, in one transaction with the agent's high-water mark
  kDuplicate = 2,    // the hub already held this exact batch; nothing applied again
  kQuarantined = 3,  // authentic and in sequence, but the hub could not apply it yet; IT may retry it
  kRefused = 4,      // it breaks the rules (e.g. a row the unit may not write); nothing in it is ever applied
};

// "applied", "duplicate", "quarantined", "refused".
const char* ack_status_name(AckStatus status);

inline constexpr size_t kMaxAckReason = 1024;  // bytes of UTF-8

struct Ack {
  Id128 agent_id;
  uint64_t first_seq = 0;  // copied from the batch
  uint64_t last_seq = 0;   // copied from the batch
  Hash256 batch_hash{};    // the batch's signed_hash
  AckStatus status = AckStatus::kApplied;
  int64_t hub_time_ms = 0;  // the hub's clock when it answered, ms since 1970-01-01T00:00:00Z
  std::string reason;       // why (quarantined, refused), for the office and IT staff; may be empty
};

// Builds a signed acknowledgement. kInvalidInput if the sequence numbers break 1 <= first <= last,
// the status is not one of the four, or the reason is not valid UTF-8 or longer than kMaxAckReason
// bytes; kInternal if OpenSSL fails.
Result<sql::Blob> encode_ack(const Ack& ack, const KeyPair& hub_key);

// Parses and checks every field and the exact length. Does NOT check the signature (verify_ack).
ProtocolResult<Ack> decode_ack(ByteView bytes);

// Checks the framing and the hub's signature: kUnauthorized / bad_signature when it does not verify.
ProtocolStatus verify_ack(ByteView bytes, const PublicKey& hub_key);

// Checks that `ack` answers the batch the agent sent (same agent, sequence numbers and batch hash),
// so an acknowledgement of another batch is never taken for this one: kInvalidInput / bad_envelope
// naming the field that differs.
ProtocolStatus check_ack_matches(const Ack& ack, const BatchHeader& sent, const Hash256& sent_hash);

}  // namespace motcua::sync
