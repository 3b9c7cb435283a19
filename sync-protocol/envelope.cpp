#include "sync-protocol/envelope.hpp"

#include <cstring>
#include <limits>

#include "common/handles.hpp"
#include "sync-protocol/version.hpp"
#include "sync-protocol/wire.hpp"
#include "sync-protocol/zstd_frame.hpp"

namespace motcua::sync {

namespace {

constexpr unsigned char kMagic[4] = {'M', 'C', 'B', '1'};
constexpr size_t kPayloadOffset = 121;
constexpr const char* kKind = "batch envelope";

static_assert(kBatchOverhead == kPayloadOffset + wire::kSignatureTrailerSize, "envelope layout");

// Where the parts of a well-framed envelope are.
struct Frame {
  BatchHeader header;
  uint32_t raw_size = 0;
  uint32_t payload_size = 0;
  Hash256 payload_hash{};
  ByteView payload;
  ByteView signed_bytes;
  Signature signature{};
};

ProtocolError refused(ProtocolCode code, const std::string& message, const std::string& hint) {
  return protocol_error(code, Error::invalid_input("batch envelope refused: " + message, hint));
}

constexpr const char* kUpgradeHint =
    "this side and the sender speak different protocol versions; upgrade the older one";

std::string size_text(uint32_t bytes) {
  if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

ProtocolResult<Frame> parse_frame(ByteView envelope, const BatchLimits& limits) {
  wire::Reader r(envelope, kKind);
  Frame f;
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(auto magic, r.array<4>("magic"));
  if (std::memcmp(magic.data(), kMagic, 4) != 0) {
    return fail(ProtocolCode::kBadEnvelope,
                Error::corruption("not a motcua batch: magic is not \"MCB1\"",
                                  "the body must be a batch envelope (Content-Type application/x-motcua-batch)"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint16_t version, r.u16("version"));
  if (version != kBatchFormatVersion) {
    return fail(refused(ProtocolCode::kBadEnvelope,
                        "format version " + std::to_string(version) + " is not supported (this side reads version " +
                            std::to_string(kBatchFormatVersion) + ")",
                        kUpgradeHint));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint16_t flags, r.u16("flags"));
  if (flags != 0) {
    return fail(refused(ProtocolCode::kBadEnvelope,
                        "unknown flags " + std::to_string(flags) + " (format 1 defines none)", kUpgradeHint));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.header.agent_id.bytes, r.array<16>("agent_id"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.header.first_seq, r.u64("first_seq"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.header.last_seq, r.u64("last_seq"));
  if (f.header.first_seq < 1 || f.header.last_seq < f.header.first_seq) {
    return fail(refused(ProtocolCode::kBadEnvelope,
                        "first_seq " + std::to_string(f.header.first_seq) + " and last_seq " +
                            std::to_string(f.header.last_seq) + " do not satisfy 1 <= first_seq <= last_seq",
                        "the agent numbered the batch wrongly; report it"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.header.prev_batch_hash, r.array<32>("prev_batch_hash"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.header.schema_version, r.u32("schema_version"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint8_t compression, r.u8("compression"));
  if (compression > static_cast<uint8_t>(Compression::kZstd)) {
    return fail(refused(ProtocolCode::kBadEnvelope,
                        "unknown compression " + std::to_string(compression) + " (0 none, 1 zstd)", kUpgradeHint));
  }
  f.header.compression = static_cast<Compression>(compression);
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.header.dictionary_id, r.u32("dictionary_id"));
  if (f.header.dictionary_id != 0 &&
      (f.header.compression != Compression::kZstd || f.header.dictionary_id < kMinDictionaryId ||
       f.header.dictionary_id > 0x7FFFFFFFu)) {
    return fail(refused(ProtocolCode::kBadEnvelope,
                        "dictionary_id " + std::to_string(f.header.dictionary_id) +
                            " is not allowed (zstd payloads only, ids 32768..2147483647)",
                        "the agent built the batch wrongly; report it"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.raw_size, r.u32("raw_size"));
  if (f.raw_size > limits.max_raw_size) {
    return fail(refused(ProtocolCode::kPayloadTooLarge,
                        "raw_size " + std::to_string(f.raw_size) + " exceeds the limit of " +
                            size_text(limits.max_raw_size) + " uncompressed",
                        "the agent must send fewer outbox entries per batch"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.payload_size, r.u32("payload_size"));
  if (f.payload_size > limits.max_payload_size) {
    return fail(refused(ProtocolCode::kPayloadTooLarge,
                        "payload_size " + std::to_string(f.payload_size) + " exceeds the limit of " +
                            size_text(limits.max_payload_size),
                        "the agent must send fewer outbox entries per batch"));
  }
  if (f.header.compression == Compression::kNone && f.raw_size != f.payload_size) {
    return fail(r.corrupt("uncompressed payload with raw_size " + std::to_string(f.raw_size) + " != payload_size " +
                          std::to_string(f.payload_size)));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.payload_hash, r.array<32>("payload_hash"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.payload, r.bytes(f.payload_size, "payload"));
  f.signed_bytes = ByteView(envelope.data, r.pos());
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.signature, r.signature_trailer());
  return f;
}

ProtocolError payload_damaged(const std::string& what) { return zstd_frame::payload_damaged(kKind, what); }

}  // namespace

Result<EncodedBatch> encode_batch(const BatchHeader& header, const sql::Blob& changeset, const KeyPair& agent_key,
                                  int compression_level, const Dictionary* dictionary) {
  const char* hint = "the agent built the batch wrongly; report it";
  if (header.first_seq < 1 || header.last_seq < header.first_seq) {
    return fail(Error::invalid_input("batch sequence numbers must satisfy 1 <= first_seq <= last_seq, got " +
                                         std::to_string(header.first_seq) + ".." + std::to_string(header.last_seq),
                                     hint));
  }
  if (header.dictionary_id != (dictionary ? dictionary->id : 0) ||
      (dictionary && header.compression != Compression::kZstd)) {
    return fail(Error::invalid_input("dictionary_id " + std::to_string(header.dictionary_id) +
                                         " does not name the dictionary given (a dictionary needs zstd)",
                                     hint));
  }
  if (header.compression != Compression::kNone && header.compression != Compression::kZstd) {
    return fail(
        Error::invalid_input("unknown compression " + std::to_string(static_cast<int>(header.compression)), hint));
  }
  if (header.compression == Compression::kZstd &&
      (compression_level < ZSTD_minCLevel() || compression_level > ZSTD_maxCLevel() || compression_level == 0)) {
    return fail(Error::invalid_input("zstd compression level " + std::to_string(compression_level) + " is out of range",
                                     "use a level from 1 to " + std::to_string(ZSTD_maxCLevel())));
  }
  const BatchLimits limits;
  if (changeset.size() > limits.max_raw_size) {
    return fail(Error::invalid_input("the changeset of " + std::to_string(changeset.size()) +
                                         " bytes exceeds the batch limit of " + std::to_string(limits.max_raw_size),
                                     "merge fewer outbox entries into one batch"));
  }
  MOTCUA_TRY(validate_changeset(changeset).map([](auto&&) {}));

  sql::Blob compressed;
  if (header.compression == Compression::kZstd) {
    MOTCUA_ASSIGN_OR_RETURN(compressed, zstd_frame::compress(changeset, compression_level, dictionary));
  }
  const sql::Blob& payload = header.compression == Compression::kZstd ? compressed : changeset;
  if (payload.size() > limits.max_payload_size) {
    return fail(Error::invalid_input("the batch payload of " + std::to_string(payload.size()) +
                                         " bytes exceeds the limit of " + std::to_string(limits.max_payload_size),
                                     "merge fewer outbox entries into one batch"));
  }

  wire::Writer w;
  w.reserve(kBatchOverhead + payload.size());
  w.bytes(ByteView(kMagic, 4));
  w.u16(kBatchFormatVersion);
  w.u16(0);
  w.bytes(header.agent_id.bytes);
  w.u64(header.first_seq);
  w.u64(header.last_seq);
  w.bytes(header.prev_batch_hash);
  w.u32(header.schema_version);
  w.u8(static_cast<uint8_t>(header.compression));
  w.u32(header.dictionary_id);
  w.u32(static_cast<uint32_t>(changeset.size()));
  w.u32(static_cast<uint32_t>(payload.size()));
  w.bytes(sha256(changeset));
  w.bytes(payload);
  EncodedBatch out;
  out.signed_hash = sha256(w.out());
  MOTCUA_ASSIGN_OR_RETURN(Signature sig, agent_key.sign(w.out()));
  w.signature_trailer(sig);
  out.bytes = std::move(w.out());
  return out;
}

ProtocolResult<BatchHeader> peek_batch_header(ByteView envelope, const BatchLimits& limits) {
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(Frame f, parse_frame(envelope, limits));
  return f.header;
}

ProtocolResult<Hash256> batch_hash(ByteView envelope, const BatchLimits& limits) {
  MOTCUA_PROTOCOL_TRY(peek_batch_header(envelope, limits));
  // peek_batch_header checked the total length: the trailer is signature_size (2) + signature.
  return sha256(ByteView(envelope.data, envelope.size - wire::kSignatureTrailerSize));
}

ProtocolResult<DecodedBatch> decode_batch(ByteView envelope, const BatchLimits& limits,
                                          const DictionaryLookup& dictionaries) {
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(Frame f, parse_frame(envelope, limits));
  const Dictionary* dictionary = nullptr;
  if (f.header.dictionary_id != 0) {
    // The frame must name the same dictionary: otherwise the bytes are damaged, whichever
    // dictionaries this side holds.
    const unsigned frame_dictionary = ZSTD_getDictID_fromFrame(f.payload.data, f.payload.size);
    if (frame_dictionary != f.header.dictionary_id) {
      return fail(payload_damaged("zstd frame names dictionary " + std::to_string(frame_dictionary) +
                                  " but the message names " + std::to_string(f.header.dictionary_id)));
    }
    if (dictionaries) dictionary = dictionaries(f.header.dictionary_id);
    if (!dictionary) {
      return fail(ProtocolCode::kUnknownDictionary,
                  Error::failed_precondition(
                      "batch " + std::to_string(f.header.first_seq) + ".." + std::to_string(f.header.last_seq) +
                          " is compressed with dictionary " + std::to_string(f.header.dictionary_id) +
                          ", which this side does not hold",
                      "the agent sends the same changes again without that dictionary; nothing was applied"));
    }
  }
  DecodedBatch out;
  out.header = f.header;
  out.payload_hash = f.payload_hash;
  out.signed_hash = sha256(f.signed_bytes);
  if (f.header.compression == Compression::kZstd) {
    MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(out.changeset, zstd_frame::decompress(kKind, f.payload, f.raw_size, dictionary));
  } else {
    out.changeset.assign(f.payload.data, f.payload.data + f.payload.size);
  }
  if (sha256(out.changeset) != f.payload_hash) {
    return fail(payload_damaged("does not match payload_hash"));
  }
  auto summary = validate_changeset(out.changeset);
  if (!summary) {
    return fail(ProtocolCode::kBadEnvelope, std::move(summary.error()).context("batch payload"));
  }
  out.summary = std::move(*summary);
  return out;
}

ProtocolStatus verify_batch(ByteView envelope, const PublicKey& agent_key) {
  const BatchLimits unlimited{std::numeric_limits<uint32_t>::max(), std::numeric_limits<uint32_t>::max()};
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(Frame f, parse_frame(envelope, unlimited));
  auto verified = verify(agent_key, f.signed_bytes, f.signature);
  if (!verified) {
    if (verified.error().code != ErrorCode::kUnauthorized) {
      return fail(ProtocolCode::kInternal, std::move(verified.error()));
    }
    return fail(ProtocolCode::kBadSignature,
                Error::unauthorized("batch " + std::to_string(f.header.first_seq) + ".." +
                                        std::to_string(f.header.last_seq) + " of agent " + f.header.agent_id.hex() +
                                        ": the signature does not match the agent's enrolled key",
                                    "the batch was altered in transit or signed with another key; if the agent was "
                                    "enrolled again, its old batches cannot be sent under the new enrollment"));
  }
  return {};
}

ProtocolStatus check_schema(const BatchHeader& header, uint32_t expected_schema_version) {
  if (header.schema_version == expected_schema_version) return {};
  const bool newer = header.schema_version > expected_schema_version;
  return fail(ProtocolCode::kSchemaMismatch,
              Error::failed_precondition(
                  "batch " + std::to_string(header.first_seq) + ".." + std::to_string(header.last_seq) +
                      " was captured under schema version " + std::to_string(header.schema_version) +
                      "; this side applies schema version " + std::to_string(expected_schema_version),
                  newer ? "the agent runs a newer schema than the hub: upgrade the hub; the agent keeps the batch and "
                          "sends it again"
                        : "the agent runs an older schema than the hub: agent and hub must be upgraded together (the "
                          "agent keeps the batch)"));
}

}  // namespace motcua::sync
