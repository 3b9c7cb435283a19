// Fuzz target "ack": what an agent does with the hub's acknowledgement of a batch (agent/sync.cpp).
#include <algorithm>

#include "fuzz/fuzz_support.hpp"
#include "fuzz/fuzz_targets.hpp"
#include "sync-protocol/ack.hpp"

namespace motcua::fuzz {

int fuzz_ack(const uint8_t* data, size_t size) {
  const sync::ByteView bytes(data, size);
  auto verified = sync::verify_ack(bytes, hub_key().public_key());
  if (!verified) {
    check_invariant(verified.error().code == ErrorCode::kCorruption ||
                        verified.error().code == ErrorCode::kInvalidInput ||
                        verified.error().code == ErrorCode::kUnauthorized,
                    "verify_ack failed with an undocumented error");
  }
  auto ack = sync::decode_ack(bytes);
  if (!ack) {
    check_invariant(ack.error().code == ErrorCode::kCorruption || ack.error().code == ErrorCode::kInvalidInput,
                    "decode_ack failed with an undocumented error");
    return 0;
  }
  (void)sync::ack_status_name(ack->status);
  sync::BatchHeader sent;
  sent.agent_id = ack->agent_id;
  sent.first_seq = ack->first_seq;
  sent.last_seq = ack->last_seq;
  check_invariant(static_cast<bool>(sync::check_ack_matches(*ack, sent, ack->batch_hash)),
                  "an ack does not match the batch it names");
  // What the decoder accepts, the encoder must produce; signed by the same key it is the same bytes.
  auto again = sync::encode_ack(*ack, hub_key());
  if (!again) invariant_broken("encode_ack refuses an ack decode_ack accepted: " + again.error().message);
  if (verified) {
    check_invariant(again->size() == size && std::equal(again->begin(), again->end(), data),
                    "a verified ack re-encodes to other bytes");
  }
  return 1;
}

}  // namespace motcua::fuzz
