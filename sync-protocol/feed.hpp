// The feed page, format 1 ("MCF1"): the hub's signed answer to GET /v1/feed, carrying the next
// entries of the agent's unit feed (catalogue, calendar and dictionary publications, and dossier
// facts from other units). PROTOCOL.md section 7.4 is
// the normative byte layout; in short (all integers big-endian):
//
//   magic "MCF1" | version u16 | flags u16 | agent_id 16 | request_counter u64 | epoch 16 |
//   after u64 | last u64 | head u64 | hub_time_ms i64 | compression u8 | raw_size u32 |
//   payload_size u32 | payload_hash 32 | payload | signature_size u16 | signature 64
//
//   payload = entry_count u32, then per entry: position u64 | kind u8 | version u64 |
//             body_size u32 | body (UTF-8 JSON)
//
// The hub's Ed25519 signature covers every byte before signature_size. A page names the agent and
// the request counter it answers, so a page recorded earlier cannot answer a later request (a stale
// "nothing new" cannot hide a publication). Pure functions over bytes: no I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "sync-protocol/bytes.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/protocol_error.hpp"

namespace motcua::sync {

enum class FeedKind : uint8_t {
  kCatalog = 1,   // a procedure catalogue publication (a delta), body = reference catalogue JSON
  kCalendar = 2,  // a working calendar publication (whole), body = reference calendar JSON
  kDictionary = 3,  // a zstd dictionary for batches, body = dictionary_publication_json (dictionary.hpp)
  kFacts = 4,       // dossier fact rows from other units (PROTOCOL.md 7.4.6), body = facts JSON; version 1
};

// "catalog", "calendar", "dictionary", "facts".
const char* feed_kind_name(FeedKind kind);

struct FeedEntry {
  uint64_t position = 0;  // in the unit's feed, from 1, without gaps
  FeedKind kind = FeedKind::kCatalog;
  uint64_t version = 0;   // the publication's version (numbered per kind)
  std::string body;       // the publication as JSON, UTF-8
};

struct FeedPageHeader {
  Id128 agent_id;              // the agent that asked
  uint64_t request_counter = 0;  // the counter of the signed request this page answers
  Id128 epoch;                 // the hub's history id
  uint64_t after = 0;          // entries follow this position: the request's `after`, or 0 when the
                               // agent asked under another epoch (it starts again from the beginning)
  uint64_t last = 0;           // position of the page's last entry (= after when the page is empty)
  uint64_t head = 0;           // the feed's last position when the page was made; > last: ask again
  int64_t hub_time_ms = 0;     // the hub's clock, ms since 1970-01-01T00:00:00Z
};

struct FeedPage {
  FeedPageHeader header;
  std::vector<FeedEntry> entries;  // positions after+1 .. last, in order
};

// Page bytes besides the payload: 121 before it, 2 + 64 after it.
inline constexpr size_t kFeedPageOverhead = 187;

struct FeedLimits {
  uint32_t max_payload_size = 4u << 20;  // payload as sent, 4 MiB
  uint32_t max_raw_size = 16u << 20;     // payload after decompression, 16 MiB
};

// Builds a signed page. The payload is zstd-compressed at `compression_level` when that makes it
// smaller (an empty page travels uncompressed). kInvalidInput when the header and entries disagree
// (positions not after+1..last without gaps, after > last, last > head, an unknown kind, a body that
// is not UTF-8) or the page exceeds the default FeedLimits; kInternal when zstd or OpenSSL fails.
Result<sql::Blob> encode_feed_page(const FeedPage& page, const KeyPair& hub_key,
                                   int compression_level = kDefaultCompressionLevel);

// Whether one entry alone makes a page within the default FeedLimits (raw and compressed at
// `compression_level`): a publisher checks this before accepting a publication, since an entry
// travels whole in one page. kInvalidInput naming the size and the limit when it does not.
Status check_feed_entry_fits(const FeedEntry& entry, int compression_level = kDefaultCompressionLevel);

// Bytes an entry adds to a page's uncompressed payload (its fixed fields and its body).
inline size_t feed_entry_raw_size(const FeedEntry& entry) { return 21 + entry.body.size(); }

// Parses and checks every field, decompresses within `limits` (no decompression bomb), checks the
// payload hash, and checks the entries against the header (count, positions, kinds, UTF-8 bodies).
// Does NOT check the signature (verify_feed_page) nor that it answers the agent's request
// (check_feed_page_answers). Failures are bad_envelope (kCorruption for damage, kInvalidInput for an
// unknown version, flag, compression or kind) or payload_too_large.
ProtocolResult<FeedPage> decode_feed_page(ByteView bytes, const FeedLimits& limits = {});

// Checks the framing and the hub's signature: kUnauthorized / bad_signature when it does not verify.
ProtocolStatus verify_feed_page(ByteView bytes, const PublicKey& hub_key);

// Checks that a page answers the request the agent made: its agent id, its request counter, and,
// when the page's epoch is the one the agent asked under, the position it asked after (under a new
// epoch the page must start at 0). kInvalidInput / bad_envelope naming the field that differs.
ProtocolStatus check_feed_page_answers(const FeedPageHeader& page, const Id128& agent_id, uint64_t request_counter,
                                       const Id128& asked_epoch, uint64_t asked_after);

}  // namespace motcua::sync
