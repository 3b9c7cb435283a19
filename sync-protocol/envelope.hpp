// The batch envelope, format 1 ("MCB1"): what an agent uploads. It carries a SQLite changeset (the
// merged outbox changesets seq first..last), optionally zstd-compressed, numbered, chained to the
// agent's previous batch, and signed with the agent's Ed25519 key. PROTOCOL.md section 4 is the
// normative byte layout; in short (all integers big-endian):
//
//   magic "MCB1" | version u16 | flags u16 | agent_id 16 | first_seq u64 | last_seq u64 |
//   prev_batch_hash 32 | schema_version u32 | compression u8 | dictionary_id u32 | raw_size u32 |
//   payload_size u32 | payload_hash 32 | payload | signature_size u16 | signature 64
//
// The signature covers every byte before signature_size ("the signed bytes"); a batch's hash is the
// SHA-256 of its signed bytes. Pure functions over bytes: no I/O, no clock.
//
// Every decoding failure is a ProtocolError: kCorruption (damaged bytes) or kInvalidInput (well
// formed but not acceptable: a version, flag, compression, dictionary or size this side does not
// accept) with wire code bad_envelope or payload_too_large; a bad signature is kUnauthorized /
// bad_signature. Messages name the field and, for damage, the byte offset.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "sync-protocol/bytes.hpp"
#include "sync-protocol/changeset.hpp"
#include "sync-protocol/dictionary.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/protocol_error.hpp"

namespace motcua::sync {

enum class Compression : uint8_t {
  kNone = 0,
  kZstd = 1,  // one zstd frame that declares its content size
};

struct BatchHeader {
  Id128 agent_id;
  uint64_t first_seq = 0;       // outbox seq of the first changeset merged into the batch; >= 1
  uint64_t last_seq = 0;        // outbox seq of the last one; >= first_seq
  Hash256 prev_batch_hash{};    // signed_hash of this agent's previous batch; all zero for its first batch
  uint32_t schema_version = 0;  // the schema the changesets were captured under (a batch never spans two)
  Compression compression = Compression::kZstd;
  uint32_t dictionary_id = 0;  // 0 = no dictionary; else the id of a published dictionary (zstd only)
};

// What a receiver accepts. The defaults are the protocol's limits (PROTOCOL.md); a hub may lower them.
struct BatchLimits {
  uint32_t max_payload_size = 4u << 20;  // payload as sent (compressed), 4 MiB
  uint32_t max_raw_size = 16u << 20;     // payload after decompression, 16 MiB
};

// Envelope bytes besides the payload: 121 before it, 2 + 64 after it.
inline constexpr size_t kBatchOverhead = 187;
// The largest envelope a receiver with these limits accepts (its HTTP body limit).
inline constexpr size_t max_batch_size(const BatchLimits& limits) { return kBatchOverhead + limits.max_payload_size; }

// zstd level used when the caller has no reason to choose: batches are small and links are slow and
// metered, so ratio matters more than CPU.
inline constexpr int kDefaultCompressionLevel = 9;

struct EncodedBatch {
  sql::Blob bytes;      // the envelope, to send (and to keep: a retry re-sends these exact bytes)
  Hash256 signed_hash;  // this batch's hash: the next batch's prev_batch_hash
};

// Builds a signed envelope. The changeset is validated first (validate_changeset). A zstd payload is
// compressed with `dictionary` when one is given; header.dictionary_id must then be its id (else 0).
// Fails with kInvalidInput when the header breaks the rules above (first_seq 0, last_seq <
// first_seq, a dictionary_id that is not the given dictionary's, a dictionary without zstd, an
// unknown compression), when `compression_level` is outside zstd's range, or when the batch exceeds
// the default BatchLimits (the caller merges fewer outbox entries); kCorruption when the changeset
// is malformed; kInternal when zstd or OpenSSL fails.
Result<EncodedBatch> encode_batch(const BatchHeader& header, const sql::Blob& changeset, const KeyPair& agent_key,
                                  int compression_level = kDefaultCompressionLevel,
                                  const Dictionary* dictionary = nullptr);

// Parses and checks the framing and header only, without decompressing: magic, version, flags,
// sequence numbers, compression, dictionary, the sizes against `limits`, signature_size and the exact
// total length. For a hub that reads the agent id to look up the key, and verifies the signature
// before spending work on the payload.
ProtocolResult<BatchHeader> peek_batch_header(ByteView envelope, const BatchLimits& limits = {});

struct DecodedBatch {
  BatchHeader header;
  sql::Blob changeset;       // the uncompressed payload, accepted by validate_changeset
  ChangesetSummary summary;  // its per-table operation counts
  Hash256 payload_hash{};    // SHA-256 of `changeset` (declared, and checked)
  Hash256 signed_hash{};     // SHA-256 of the signed bytes: this batch's hash
};

// The batch hash (SHA-256 of the signed bytes) of an envelope, from its framing alone, without
// decompressing: what a receiver records and acknowledges before (or without) decoding the payload.
// Fails as peek_batch_header does.
ProtocolResult<Hash256> batch_hash(ByteView envelope, const BatchLimits& limits = {});

// Everything peek_batch_header checks, then the payload: a zstd payload must be exactly one frame
// declaring a content size equal to raw_size and naming the envelope's dictionary (or none); it is
// decompressed into a buffer of exactly raw_size bytes (a frame that expands further fails; nothing
// larger is allocated); the SHA-256 of the result must equal payload_hash; the changeset must pass
// validate_changeset. A dictionary_id that `dictionaries` does not resolve (or any, without a
// lookup) fails with kFailedPrecondition / unknown_dictionary: the sender may send it again without.
// Does NOT check the signature (verify_batch) nor the schema version (check_schema).
ProtocolResult<DecodedBatch> decode_batch(ByteView envelope, const BatchLimits& limits = {},
                                          const DictionaryLookup& dictionaries = {});

// Checks the envelope's framing (as peek_batch_header, without size limits) and its signature
// against the agent's public key: kUnauthorized / bad_signature naming the agent when it does not
// verify; bad_envelope when the framing is damaged.
ProtocolStatus verify_batch(ByteView envelope, const PublicKey& agent_key);

// kFailedPrecondition / schema_mismatch when the batch was captured under another schema version
// than `expected_schema_version` (the message names both).
ProtocolStatus check_schema(const BatchHeader& header, uint32_t expected_schema_version);

}  // namespace motcua::sync
