// Fuzz target "envelope": what a hub does with an uploaded batch body (hub/intake.cpp), and what it
// promises about the result.
#include <cstring>

#include "fuzz/fuzz_support.hpp"
#include "fuzz/fuzz_targets.hpp"
#include "sync-protocol/envelope.hpp"

namespace motcua::fuzz {

namespace {

// The failures PROTOCOL.md section 4 allows a decoder: damage, an unacceptable value, an unknown
// dictionary, a bad signature. Anything else (internal, unavailable) means a decoder bug.
bool documented_failure(const sync::ProtocolError& e) {
  return e.code == ErrorCode::kCorruption || e.code == ErrorCode::kInvalidInput ||
         e.code == ErrorCode::kFailedPrecondition || e.code == ErrorCode::kUnauthorized;
}

}  // namespace

int fuzz_envelope(const uint8_t* data, size_t size) {
  const sync::ByteView envelope(data, size);
  auto header = sync::peek_batch_header(envelope);
  if (!header)
    check_invariant(documented_failure(header.error()), "peek_batch_header failed with an undocumented error");
  if (header) (void)sync::check_schema(*header, 1);
  auto hash = sync::batch_hash(envelope);
  check_invariant(static_cast<bool>(hash) == static_cast<bool>(header), "batch_hash and peek_batch_header disagree");
  if (hash) {
    check_invariant(size >= 66 && *hash == sync::sha256(sync::ByteView(data, size - 66)),
                    "batch_hash is not the SHA-256 of the signed bytes");
  }
  auto verified = sync::verify_batch(envelope, agent_key().public_key());
  if (!verified)
    check_invariant(documented_failure(verified.error()), "verify_batch failed with an undocumented error");
  if (verified) check_invariant(size >= sync::kBatchOverhead, "verify_batch accepted a body shorter than the framing");

  auto decoded = sync::decode_batch(envelope, {}, dictionary_lookup());
  if (!decoded) {
    check_invariant(documented_failure(decoded.error()), "decode_batch failed with an undocumented error");
    return 0;
  }
  check_invariant(static_cast<bool>(header), "decode_batch accepted what peek_batch_header refused");
  check_invariant(decoded->header.agent_id == header->agent_id && decoded->header.first_seq == header->first_seq &&
                      decoded->header.last_seq == header->last_seq &&
                      decoded->header.dictionary_id == header->dictionary_id,
                  "decode_batch and peek_batch_header read different headers");
  check_invariant(decoded->signed_hash == *hash, "decode_batch's signed_hash is not batch_hash");
  check_invariant(decoded->payload_hash == sync::sha256(decoded->changeset), "payload_hash does not cover the payload");
  check_invariant(decoded->changeset.size() <= sync::BatchLimits{}.max_raw_size, "payload larger than max_raw_size");
  auto again = sync::validate_changeset(decoded->changeset);
  check_invariant(again && again->total() == decoded->summary.total(), "decoded changeset does not validate again");
  return 1;
}

}  // namespace motcua::fuzz
