#include "sync-protocol/feed.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "common/handles.hpp"
#include "common/text.hpp"
#include "sync-protocol/version.hpp"
#include "sync-protocol/wire.hpp"
#include "sync-protocol/zstd_frame.hpp"

namespace motcua::sync {

namespace {

constexpr unsigned char kMagic[4] = {'M', 'C', 'F', '1'};
constexpr size_t kPayloadOffset = 121;
constexpr const char* kKind = "feed page";
// Per entry: position u64 | kind u8 | version u64 | body_size u32.
constexpr size_t kEntryHeaderSize = 21;

static_assert(kFeedPageOverhead == kPayloadOffset + wire::kSignatureTrailerSize, "feed page layout");

struct Frame {
  FeedPageHeader header;
  Compression compression = Compression::kNone;
  uint32_t raw_size = 0;
  Hash256 payload_hash{};
  ByteView payload;
  ByteView signed_bytes;
  Signature signature{};
};

constexpr const char* kUpgradeHint = "the hub speaks a newer protocol version; upgrade the agent";

ProtocolError refused(ProtocolCode code, const std::string& message, const std::string& hint = kUpgradeHint) {
  return protocol_error(code, Error::invalid_input("feed page refused: " + message, hint));
}

bool known_kind(uint8_t kind) { return kind >= 1 && kind <= 4; }

ProtocolResult<Frame> parse_frame(ByteView bytes, const FeedLimits& limits) {
  wire::Reader r(bytes, kKind);
  Frame f;
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(auto magic, r.array<4>("magic"));
  if (std::memcmp(magic.data(), kMagic, 4) != 0) {
    return fail(ProtocolCode::kBadEnvelope,
                Error::corruption("not a motcua feed page: magic is not \"MCF1\"",
                                  "the hub address may point at something other than a motcua hub; check it"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint16_t version, r.u16("version"));
  if (version != kFeedFormatVersion) {
    return fail(refused(ProtocolCode::kBadEnvelope, "format version " + std::to_string(version) +
                                                        " is not supported (this side reads version " +
                                                        std::to_string(kFeedFormatVersion) + ")"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint16_t flags, r.u16("flags"));
  if (flags != 0) {
    return fail(refused(ProtocolCode::kBadEnvelope, "unknown flags " + std::to_string(flags) + " (format 1 defines none)"));
  }
  FeedPageHeader& h = f.header;
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(h.agent_id.bytes, r.array<16>("agent_id"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(h.request_counter, r.u64("request_counter"));
  if (h.request_counter == 0) return fail(r.corrupt("request_counter is 0 (counters start at 1)"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(h.epoch.bytes, r.array<16>("epoch"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(h.after, r.u64("after"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(h.last, r.u64("last"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(h.head, r.u64("head"));
  if (h.after > h.last || h.last > h.head) {
    return fail(r.corrupt("positions after " + std::to_string(h.after) + ", last " + std::to_string(h.last) +
                          ", head " + std::to_string(h.head) + " do not satisfy after <= last <= head"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(h.hub_time_ms, r.i64("hub_time_ms"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint8_t compression, r.u8("compression"));
  if (compression > static_cast<uint8_t>(Compression::kZstd)) {
    return fail(refused(ProtocolCode::kBadEnvelope, "unknown compression " + std::to_string(compression) + " (0 none, 1 zstd)"));
  }
  f.compression = static_cast<Compression>(compression);
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.raw_size, r.u32("raw_size"));
  if (f.raw_size > limits.max_raw_size) {
    return fail(refused(ProtocolCode::kPayloadTooLarge,
                        "raw_size " + std::to_string(f.raw_size) + " exceeds the limit of " +
                            std::to_string(limits.max_raw_size) + " bytes",
                        "the hub must send fewer entries per page"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint32_t payload_size, r.u32("payload_size"));
  if (payload_size > limits.max_payload_size) {
    return fail(refused(ProtocolCode::kPayloadTooLarge,
                        "payload_size " + std::to_string(payload_size) + " exceeds the limit of " +
                            std::to_string(limits.max_payload_size) + " bytes",
                        "the hub must send fewer entries per page"));
  }
  if (f.compression == Compression::kNone && f.raw_size != payload_size) {
    return fail(r.corrupt("uncompressed payload with raw_size " + std::to_string(f.raw_size) + " != payload_size " +
                          std::to_string(payload_size)));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.payload_hash, r.array<32>("payload_hash"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.payload, r.bytes(payload_size, "payload"));
  f.signed_bytes = ByteView(bytes.data, r.pos());
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.signature, r.signature_trailer());
  return f;
}

// The entries of an uncompressed payload, checked against the header.
ProtocolResult<std::vector<FeedEntry>> parse_entries(ByteView raw, const FeedPageHeader& h) {
  wire::Reader r(raw, "feed page payload");
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint32_t count, r.u32("entry_count"));
  if (count != h.last - h.after) {
    return fail(r.corrupt("entry_count " + std::to_string(count) + " but the page covers positions " +
                          std::to_string(h.after + 1) + ".." + std::to_string(h.last)));
  }
  // Each entry takes at least its fixed header: a count the payload cannot hold is damage, found
  // before anything is reserved.
  if (static_cast<uint64_t>(count) * kEntryHeaderSize > r.remaining()) {
    return fail(r.corrupt("entry_count " + std::to_string(count) + " does not fit in " +
                          std::to_string(r.remaining()) + " bytes"));
  }
  std::vector<FeedEntry> entries;
  entries.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    FeedEntry e;
    MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(e.position, r.u64("position"));
    if (e.position != h.after + 1 + i) {
      return fail(r.corrupt("entry " + std::to_string(i) + " has position " + std::to_string(e.position) +
                            ", expected " + std::to_string(h.after + 1 + i)));
    }
    MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint8_t kind, r.u8("kind"));
    if (!known_kind(kind)) {
      return fail(refused(ProtocolCode::kBadEnvelope, "entry at position " + std::to_string(e.position) +
                                                          " has unknown kind " + std::to_string(kind) +
                                                          " (1 catalog, 2 calendar)"));
    }
    e.kind = static_cast<FeedKind>(kind);
    MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(e.version, r.u64("version"));
    MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint32_t body_size, r.u32("body_size"));
    MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(ByteView body, r.bytes(body_size, "body"));
    e.body.assign(reinterpret_cast<const char*>(body.data), body.size);
    if (!is_valid_utf8(e.body)) {
      return fail(r.corrupt("the body of the entry at position " + std::to_string(e.position) + " is not valid UTF-8"));
    }
    entries.push_back(std::move(e));
  }
  if (r.remaining() != 0) return fail(r.corrupt(std::to_string(r.remaining()) + " unexpected bytes after the entries"));
  return entries;
}

ProtocolError mismatch(const std::string& what) {
  return protocol_error(ProtocolCode::kBadEnvelope,
                        Error::invalid_input("the feed page does not answer the request made: " + what,
                                             "nothing in it was applied; the next sync asks again. If this repeats, "
                                             "the hub address may be wrong"));
}

}  // namespace

const char* feed_kind_name(FeedKind kind) {
  switch (kind) {
    case FeedKind::kCatalog:
      return "catalog";
    case FeedKind::kCalendar:
      return "calendar";
    case FeedKind::kFacts:
      return "facts";
    case FeedKind::kDictionary:
      return "dictionary";
  }
  return "unknown";
}

Result<sql::Blob> encode_feed_page(const FeedPage& page, const KeyPair& hub_key, int compression_level) {
  const FeedPageHeader& h = page.header;
  if (h.request_counter == 0) return fail(Error::invalid_input("a feed page answers a request counter >= 1"));
  if (h.after > h.last || h.last > h.head) {
    return fail(Error::invalid_input("feed page positions must satisfy after <= last <= head, got " +
                                     std::to_string(h.after) + ", " + std::to_string(h.last) + ", " +
                                     std::to_string(h.head)));
  }
  if (page.entries.size() != h.last - h.after) {
    return fail(Error::invalid_input("a feed page covering " + std::to_string(h.after + 1) + ".." +
                                     std::to_string(h.last) + " must hold " + std::to_string(h.last - h.after) +
                                     " entries, not " + std::to_string(page.entries.size())));
  }
  if (compression_level < ZSTD_minCLevel() || compression_level > ZSTD_maxCLevel() || compression_level == 0) {
    return fail(Error::invalid_input("zstd compression level " + std::to_string(compression_level) + " is out of range"));
  }
  const FeedLimits limits;
  wire::Writer payload;
  payload.u32(static_cast<uint32_t>(page.entries.size()));
  for (size_t i = 0; i < page.entries.size(); ++i) {
    const FeedEntry& e = page.entries[i];
    if (e.position != h.after + 1 + i) {
      return fail(Error::invalid_input("feed entry " + std::to_string(i) + " has position " +
                                       std::to_string(e.position) + ", expected " + std::to_string(h.after + 1 + i)));
    }
    if (!known_kind(static_cast<uint8_t>(e.kind))) {
      return fail(Error::invalid_input("unknown feed entry kind " + std::to_string(static_cast<int>(e.kind))));
    }
    if (!is_valid_utf8(e.body) || e.body.size() > limits.max_raw_size) {
      return fail(Error::invalid_input("the body of feed entry " + std::to_string(e.position) +
                                       " is not UTF-8 of at most 16 MiB"));
    }
    payload.u64(e.position);
    payload.u8(static_cast<uint8_t>(e.kind));
    payload.u64(e.version);
    payload.u32(static_cast<uint32_t>(e.body.size()));
    payload.bytes(e.body);
    if (payload.size() > limits.max_raw_size) {
      return fail(Error::invalid_input("a feed page of " + std::to_string(payload.size()) +
                                       " bytes exceeds the limit of 16 MiB uncompressed",
                                       "put fewer entries in one page"));
    }
  }
  const sql::Blob& raw = payload.out();
  Compression compression = Compression::kNone;
  sql::Blob compressed;
  if (!page.entries.empty()) {
    MOTCUA_ASSIGN_OR_RETURN(compressed, zstd_frame::compress(raw, compression_level));
    if (compressed.size() < raw.size()) compression = Compression::kZstd;
  }
  const sql::Blob& sent = compression == Compression::kZstd ? compressed : raw;
  if (sent.size() > limits.max_payload_size) {
    return fail(Error::invalid_input("a feed page payload of " + std::to_string(sent.size()) +
                                         " bytes exceeds the limit of 4 MiB",
                                     "put fewer entries in one page"));
  }
  wire::Writer w;
  w.reserve(kFeedPageOverhead + sent.size());
  w.bytes(ByteView(kMagic, 4));
  w.u16(kFeedFormatVersion);
  w.u16(0);
  w.bytes(h.agent_id.bytes);
  w.u64(h.request_counter);
  w.bytes(h.epoch.bytes);
  w.u64(h.after);
  w.u64(h.last);
  w.u64(h.head);
  w.i64(h.hub_time_ms);
  w.u8(static_cast<uint8_t>(compression));
  w.u32(static_cast<uint32_t>(raw.size()));
  w.u32(static_cast<uint32_t>(sent.size()));
  w.bytes(sha256(raw));
  w.bytes(sent);
  MOTCUA_ASSIGN_OR_RETURN(Signature sig, hub_key.sign(w.out()));
  w.signature_trailer(sig);
  return std::move(w.out());
}

Status check_feed_entry_fits(const FeedEntry& entry, int compression_level) {
  const FeedLimits limits;
  const size_t raw = 4 + feed_entry_raw_size(entry);
  if (raw > limits.max_raw_size) {
    return fail(Error::invalid_input("the publication is " + std::to_string(raw) +
                                     " bytes, over the 16 MiB one feed page carries uncompressed"));
  }
  wire::Writer payload;
  payload.reserve(raw);
  payload.u32(1);
  payload.u64(entry.position);
  payload.u8(static_cast<uint8_t>(entry.kind));
  payload.u64(entry.version);
  payload.u32(static_cast<uint32_t>(entry.body.size()));
  payload.bytes(entry.body);
  MOTCUA_ASSIGN_OR_RETURN(sql::Blob compressed, zstd_frame::compress(payload.out(), compression_level));
  if (std::min(compressed.size(), raw) > limits.max_payload_size) {
    return fail(Error::invalid_input("the publication compresses to " + std::to_string(compressed.size()) +
                                     " bytes, over the 4 MiB one feed page carries"));
  }
  return ok();
}

ProtocolResult<FeedPage> decode_feed_page(ByteView bytes, const FeedLimits& limits) {
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(Frame f, parse_frame(bytes, limits));
  sql::Blob raw;
  if (f.compression == Compression::kZstd) {
    MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(raw, zstd_frame::decompress(kKind, f.payload, f.raw_size));
  } else {
    raw.assign(f.payload.data, f.payload.data + f.payload.size);
  }
  if (sha256(raw) != f.payload_hash) return fail(zstd_frame::payload_damaged(kKind, "does not match payload_hash"));
  FeedPage page;
  page.header = f.header;
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(page.entries, parse_entries(raw, f.header));
  return page;
}

ProtocolStatus verify_feed_page(ByteView bytes, const PublicKey& hub_key) {
  const FeedLimits unlimited{std::numeric_limits<uint32_t>::max(), std::numeric_limits<uint32_t>::max()};
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(Frame f, parse_frame(bytes, unlimited));
  auto verified = verify(hub_key, f.signed_bytes, f.signature);
  if (!verified) {
    if (verified.error().code != ErrorCode::kUnauthorized) {
      return fail(ProtocolCode::kInternal, std::move(verified.error()));
    }
    return fail(ProtocolCode::kBadSignature,
                Error::unauthorized("feed page " + std::to_string(f.header.after + 1) + ".." +
                                        std::to_string(f.header.last) + ": the signature does not match the hub's key",
                                    "the page was altered in transit or did not come from the hub this office "
                                    "enrolled with; nothing in it was applied"));
  }
  return {};
}

ProtocolStatus check_feed_page_answers(const FeedPageHeader& page, const Id128& agent_id, uint64_t request_counter,
                                       const Id128& asked_epoch, uint64_t asked_after) {
  if (page.agent_id != agent_id) {
    return fail(mismatch("agent_id " + page.agent_id.hex() + " is not this agent's " + agent_id.hex()));
  }
  if (page.request_counter != request_counter) {
    return fail(mismatch("it answers request " + std::to_string(page.request_counter) + ", the request made was " +
                         std::to_string(request_counter)));
  }
  const uint64_t expected_after = page.epoch == asked_epoch ? asked_after : 0;
  if (page.after != expected_after) {
    return fail(mismatch("it starts after position " + std::to_string(page.after) + ", expected " +
                         std::to_string(expected_after) +
                         (page.epoch == asked_epoch ? "" : " (a new hub epoch starts the feed again)")));
  }
  return {};
}

}  // namespace motcua::sync
