// Fuzz target bodies: each takes arbitrary bytes, feeds them to one of the decoders that read
// bytes from outside, and checks what a decoder promises about what it accepts. The libFuzzer entry
// points (libfuzzer_main.cpp, clang builds with MOTCUA_FUZZ) and the regression replay
// (replay_main.cpp, every build) call these same functions.
//
// Contract of every body: any input returns (never crashes, throws, hangs or allocates beyond the
// decoder's documented limits); the result is 1 when the input was accepted whole by the deepest
// check the target reaches, 0 when it was refused somewhere. A broken invariant (a decoder
// accepting something its own encoder or a later stage contradicts) aborts the process with a
// message, so the fuzzer records it as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace motcua::fuzz {

// Batch envelope (MCB1): peek_batch_header, check_schema, batch_hash, verify_batch against the fixed agent key,
// decode_batch with a lookup that knows the fixed dictionary. 1 = decode_batch accepted it.
int fuzz_envelope(const uint8_t* data, size_t size);

// Changeset: validate_changeset, then SQLite's own reader over an accepted changeset (it must read
// exactly the changes the validator counted), then, in builds with the hub, the hub's row
// authoriser (hub::authorize_changeset) for unit kFuzzUnit against an in-memory hub database.
// 1 = every stage accepted it (the authoriser allowed every row).
int fuzz_changeset(const uint8_t* data, size_t size);

// Feed page (MCF1) as the agent reads it: verify_feed_page against the fixed hub key,
// decode_feed_page, check_feed_page_answers, dictionary publications, and a re-encoding of an
// accepted page that must decode to the same page. 1 = decode_feed_page accepted it.
int fuzz_feed_page(const uint8_t* data, size_t size);

// Acknowledgement (MCK1): decode_ack, verify_ack, check_ack_matches, and a re-encoding of an accepted
// ack that must give the same bytes when the signature verified (Ed25519 is deterministic).
// 1 = decode_ack accepted it.
int fuzz_ack(const uint8_t* data, size_t size);

struct Target {
  const char* name;  // "envelope", "changeset", "feed_page", "ack": also the corpus and regression folder names
  int (*run)(const uint8_t* data, size_t size);
};

const std::vector<Target>& targets();
// nullptr when no target has this name.
const Target* find_target(std::string_view name);

// Valid inputs made by the project's own encoders (signed with the fixed keys, compressed with and
// without the fixed dictionary), as named files' contents: the fuzzers' starting corpus.
struct Seed {
  std::string name;
  std::vector<uint8_t> bytes;
  bool accepted = true;  // what the target returns for it (the hub refuses some valid changesets)
};
std::vector<Seed> make_seeds(std::string_view target);

}  // namespace motcua::fuzz
