#include "sync-protocol/envelope.hpp"

#include <catch2/catch.hpp>

#include "tests/sync-protocol/allocation_probe.hpp"
#include "tests/sync-protocol/protocol_fixture.hpp"

using namespace motcua;
using sync::ProtocolCode;

namespace {

sync::BatchHeader header_for(const Id128& agent, uint64_t first, uint64_t last) {
  sync::BatchHeader h;
  h.agent_id = agent;
  h.first_seq = first;
  h.last_seq = last;
  h.schema_version = 3;
  return h;
}

using test::contains;
using test::error_of;

}  // namespace

TEST_CASE("a batch survives encode and decode with every header field intact", "[envelope]") {
  auto key = test::new_key();
  auto changeset = test::sample_changeset(20);
  for (auto compression : {sync::Compression::kZstd, sync::Compression::kNone}) {
    auto header = header_for(Id128::random(), 41, 57);
    header.prev_batch_hash = sync::sha256(std::string("previous batch"));
    header.compression = compression;
    auto encoded = sync::encode_batch(header, changeset, key);
    REQUIRE(encoded);
    CHECK(encoded->bytes.size() > sync::kBatchOverhead);

    auto decoded = sync::decode_batch(encoded->bytes);
    REQUIRE(decoded);
    CHECK(decoded->header.agent_id == header.agent_id);
    CHECK(decoded->header.first_seq == 41);
    CHECK(decoded->header.last_seq == 57);
    CHECK(decoded->header.prev_batch_hash == header.prev_batch_hash);
    CHECK(decoded->header.schema_version == 3);
    CHECK(decoded->header.compression == compression);
    CHECK(decoded->header.dictionary_id == 0);
    CHECK(decoded->changeset == changeset);
    CHECK(decoded->payload_hash == sync::sha256(changeset));
    CHECK(decoded->summary.tables.at("t").inserts == 20);
    CHECK(decoded->signed_hash == encoded->signed_hash);
    CHECK(sync::verify_batch(encoded->bytes, key.public_key()));

    auto peeked = sync::peek_batch_header(encoded->bytes);
    REQUIRE(peeked);
    CHECK(peeked->agent_id == header.agent_id);
    CHECK(peeked->last_seq == 57);
  }
}

TEST_CASE("zstd shrinks a repetitive changeset", "[envelope]") {
  auto key = test::new_key();
  auto changeset = test::sample_changeset(200);
  auto header = header_for(Id128::random(), 1, 1);
  auto zstd = sync::encode_batch(header, changeset, key);
  header.compression = sync::Compression::kNone;
  auto plain = sync::encode_batch(header, changeset, key);
  REQUIRE(zstd);
  REQUIRE(plain);
  CHECK(zstd->bytes.size() * 3 < plain->bytes.size());
}

TEST_CASE("an empty changeset still makes a valid batch", "[envelope]") {
  auto key = test::new_key();
  for (auto compression : {sync::Compression::kZstd, sync::Compression::kNone}) {
    auto header = header_for(Id128::random(), 1, 1);
    header.compression = compression;
    auto encoded = sync::encode_batch(header, {}, key);
    REQUIRE(encoded);
    auto decoded = sync::decode_batch(encoded->bytes);
    REQUIRE(decoded);
    CHECK(decoded->changeset.empty());
    CHECK(decoded->summary.total() == 0);
  }
}

TEST_CASE("the library's envelope is byte for byte the layout PROTOCOL.md specifies", "[envelope]") {
  // Ed25519 signatures are deterministic, so an independent builder of the documented layout must
  // produce the same bytes as the library.
  auto key = test::new_key();
  auto changeset = test::sample_changeset(3);
  auto raw = test::RawEnvelope::plain(changeset);
  raw.first_seq = 7;
  raw.last_seq = 9;
  raw.schema_version = 3;
  raw.prev_batch_hash = sync::sha256(std::string("x"));
  sync::BatchHeader header = header_for(raw.agent_id, 7, 9);
  header.prev_batch_hash = raw.prev_batch_hash;
  header.compression = sync::Compression::kNone;
  auto encoded = sync::encode_batch(header, changeset, key);
  REQUIRE(encoded);
  CHECK(encoded->bytes == raw.build(key));
  CHECK(encoded->signed_hash == sync::sha256(raw.signed_bytes()));
  CHECK(encoded->bytes.size() == sync::kBatchOverhead + changeset.size());
}

TEST_CASE("the encoder refuses a header that breaks the sequence or dictionary rules", "[envelope]") {
  auto key = test::new_key();
  auto changeset = test::sample_changeset(1);
  auto h = header_for(Id128::random(), 0, 1);
  CHECK(error_of(sync::encode_batch(h, changeset, key)).code == ErrorCode::kInvalidInput);
  h = header_for(Id128::random(), 5, 4);
  CHECK(error_of(sync::encode_batch(h, changeset, key)).code == ErrorCode::kInvalidInput);
  h = header_for(Id128::random(), 1, 1);
  h.dictionary_id = 40000;  // names a dictionary, but none is given
  CHECK(contains(error_of(sync::encode_batch(h, changeset, key)).message, "does not name the dictionary given"));
  h.dictionary_id = 0;
  CHECK(error_of(sync::encode_batch(h, changeset, key, 99)).code == ErrorCode::kInvalidInput);
  CHECK(error_of(sync::encode_batch(h, {0x54, 0x01}, key)).code == ErrorCode::kCorruption);
}

TEST_CASE("an envelope cut at any length is refused cleanly", "[envelope]") {
  auto key = test::new_key();
  auto encoded = sync::encode_batch(header_for(Id128::random(), 1, 2), test::sample_changeset(2), key);
  REQUIRE(encoded);
  const auto& bytes = encoded->bytes;
  for (size_t len = 0; len < bytes.size(); ++len) {
    INFO("cut at " << len << " of " << bytes.size());
    sync::ByteView cut(bytes.data(), len);
    auto decoded = sync::decode_batch(cut);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == ErrorCode::kCorruption);
    CHECK(decoded.error().protocol == ProtocolCode::kBadEnvelope);
    CHECK(contains(decoded.error().message, "batch envelope"));
    CHECK(contains(decoded.error().message, "truncated"));
    CHECK_FALSE(sync::peek_batch_header(cut));
    CHECK_FALSE(sync::verify_batch(cut, key.public_key()));
  }
}

TEST_CASE("an envelope with extra bytes after the signature is refused", "[envelope]") {
  auto key = test::new_key();
  auto encoded = sync::encode_batch(header_for(Id128::random(), 1, 1), test::sample_changeset(1), key);
  REQUIRE(encoded);
  auto longer = encoded->bytes;
  longer.push_back(0);
  auto decoded = sync::decode_batch(longer);
  REQUIRE_FALSE(decoded);
  CHECK(contains(decoded.error().message, "after the signature"));
  CHECK_FALSE(sync::verify_batch(longer, key.public_key()));
}

TEST_CASE("an envelope with any single bit flipped is never accepted", "[envelope]") {
  auto key = test::new_key();
  for (auto compression : {sync::Compression::kZstd, sync::Compression::kNone}) {
    auto header = header_for(Id128::random(), 3, 4);
    header.compression = compression;
    auto encoded = sync::encode_batch(header, test::sample_changeset(2), key);
    REQUIRE(encoded);
    int refused_by_decode = 0;
    int refused_by_signature = 0;
    for (size_t i = 0; i < encoded->bytes.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        auto flipped = encoded->bytes;
        flipped[i] ^= static_cast<unsigned char>(1 << bit);
        auto decoded = sync::decode_batch(flipped);
        auto verified = sync::verify_batch(flipped, key.public_key());
        INFO("byte " << i << " bit " << bit);
        REQUIRE((!decoded || !verified));
        if (!decoded) {
          ++refused_by_decode;
          CHECK((decoded.error().protocol == ProtocolCode::kBadEnvelope ||
                 decoded.error().protocol == ProtocolCode::kPayloadTooLarge));
          CHECK((decoded.error().code == ErrorCode::kCorruption || decoded.error().code == ErrorCode::kInvalidInput));
        } else {
          ++refused_by_signature;
          CHECK((verified.error().protocol == ProtocolCode::kBadSignature ||
                 verified.error().protocol == ProtocolCode::kBadEnvelope));
        }
      }
    }
    CHECK(refused_by_decode > 0);
    CHECK(refused_by_signature > 0);
  }
}

TEST_CASE("an envelope of another format version is refused naming the version", "[envelope]") {
  auto key = test::new_key();
  auto raw = test::RawEnvelope::plain(test::sample_changeset(1));
  raw.version = 2;
  auto decoded = sync::decode_batch(raw.build(key));
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == ErrorCode::kInvalidInput);
  CHECK(decoded.error().protocol == ProtocolCode::kBadEnvelope);
  CHECK(contains(decoded.error().message, "version 2"));
  CHECK_FALSE(decoded.error().hint.empty());
}

TEST_CASE("an envelope with unknown flags, compression or dictionary is refused", "[envelope]") {
  auto key = test::new_key();
  auto base = test::RawEnvelope::plain(test::sample_changeset(1));
  auto flags = base;
  flags.flags = 0x0001;
  auto compression = base;
  compression.compression = 2;
  auto dictionary = base;
  dictionary.dictionary_id = 17;
  auto magic = base;
  magic.magic = "MCB2";
  struct Case {
    test::RawEnvelope raw;
    ErrorCode code;
    std::string words;
  };
  for (const auto& c : {Case{flags, ErrorCode::kInvalidInput, "unknown flags 1"},
                        Case{compression, ErrorCode::kInvalidInput, "unknown compression 2"},
                        Case{dictionary, ErrorCode::kInvalidInput, "dictionary_id 17 is not allowed"},
                        Case{magic, ErrorCode::kCorruption, "magic"}}) {
    auto decoded = sync::decode_batch(c.raw.build(key));
    REQUIRE_FALSE(decoded);
    INFO(decoded.error().message);
    CHECK(decoded.error().code == c.code);
    CHECK(decoded.error().protocol == ProtocolCode::kBadEnvelope);
    CHECK(contains(decoded.error().message, c.words));
  }
}

TEST_CASE("an envelope with impossible sequence numbers is refused", "[envelope]") {
  auto key = test::new_key();
  auto raw = test::RawEnvelope::plain(test::sample_changeset(1));
  raw.first_seq = 0;
  raw.last_seq = 0;
  auto zero = sync::decode_batch(raw.build(key));
  REQUIRE_FALSE(zero);
  CHECK(contains(zero.error().message, "first_seq"));
  raw.first_seq = 9;
  raw.last_seq = 8;
  CHECK_FALSE(sync::decode_batch(raw.build(key)));
}

TEST_CASE("a batch of another schema version is refused by check_schema naming both versions", "[envelope]") {
  auto key = test::new_key();
  auto encoded = sync::encode_batch(header_for(Id128::random(), 1, 1), test::sample_changeset(1), key);
  REQUIRE(encoded);
  auto decoded = sync::decode_batch(encoded->bytes);
  REQUIRE(decoded);
  CHECK(sync::check_schema(decoded->header, 3));
  auto wrong = sync::check_schema(decoded->header, 4);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == ErrorCode::kFailedPrecondition);
  CHECK(wrong.error().protocol == ProtocolCode::kSchemaMismatch);
  CHECK(contains(wrong.error().message, "schema version 3"));
  CHECK(contains(wrong.error().message, "schema version 4"));
  CHECK(contains(wrong.error().hint, "older schema"));
  CHECK(contains(error_of(sync::check_schema(decoded->header, 2)).hint, "upgrade the hub"));
}

TEST_CASE("a payload that does not match payload_hash is refused", "[envelope]") {
  auto key = test::new_key();
  for (bool zstd : {false, true}) {
    auto changeset = test::sample_changeset(2);
    auto raw = zstd ? test::RawEnvelope::zstd(changeset) : test::RawEnvelope::plain(changeset);
    raw.payload_hash[0] ^= 1;
    auto bytes = raw.build(key);
    CHECK(sync::verify_batch(bytes, key.public_key()));  // signed as sent: the hash itself is wrong
    auto decoded = sync::decode_batch(bytes);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == ErrorCode::kCorruption);
    CHECK(contains(decoded.error().message, "payload_hash"));
  }
}

TEST_CASE("a payload that is not a valid changeset is refused even with a matching hash", "[envelope]") {
  auto key = test::new_key();
  sql::Blob garbage = {0x54, 0x01, 0x01, 't', 0x00, 0x12, 0x00, 0x03, 0x05, 'a'};
  auto raw = test::RawEnvelope::plain(garbage);
  auto decoded = sync::decode_batch(raw.build(key));
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == ErrorCode::kCorruption);
  CHECK(decoded.error().protocol == ProtocolCode::kBadEnvelope);
  CHECK(contains(decoded.error().message, "batch payload"));
}

TEST_CASE("a zstd frame that expands beyond the declared raw_size is refused without allocating it", "[envelope]") {
  auto key = test::new_key();
  // 8 MiB of zeros compress to a few hundred bytes.
  sql::Blob bomb_content(8u << 20, 0);
  auto frame = test::zstd_frame(bomb_content);
  REQUIRE(frame.size() < 4096);

  SECTION("the frame's declared content size differs from raw_size") {
    auto raw = test::RawEnvelope::zstd(test::sample_changeset(1));
    raw.payload = frame;
    raw.payload_size = static_cast<uint32_t>(frame.size());
    auto bytes = raw.build(key);
    test::AllocationProbe probe;
    auto decoded = sync::decode_batch(bytes);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == ErrorCode::kCorruption);
    CHECK(contains(decoded.error().message, "declares 8388608 bytes"));
    CHECK(probe.largest() < 64 * 1024);
  }

  SECTION("the frame header lies about its content size") {
    // Rewrite the frame content size field to 100 bytes: zstd must stop at the 100-byte buffer.
    auto lying = frame;
    const unsigned char fhd = lying[4];
    const int fcs_flag = fhd >> 6;
    const bool single_segment = (fhd >> 5) & 1;
    const int dict_bytes[] = {0, 1, 2, 4};
    const size_t fcs_offset = 5 + (single_segment ? 0 : 1) + static_cast<size_t>(dict_bytes[fhd & 3]);
    REQUIRE(fcs_flag == 2);  // 4-byte little-endian content size for 8 MiB
    lying[fcs_offset] = 100;
    lying[fcs_offset + 1] = 0;
    lying[fcs_offset + 2] = 0;
    lying[fcs_offset + 3] = 0;
    REQUIRE(ZSTD_getFrameContentSize(lying.data(), lying.size()) == 100);

    auto raw = test::RawEnvelope::zstd(test::sample_changeset(1));
    raw.payload = lying;
    raw.payload_size = static_cast<uint32_t>(lying.size());
    raw.raw_size = 100;
    auto bytes = raw.build(key);
    test::AllocationProbe probe;
    auto decoded = sync::decode_batch(bytes);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == ErrorCode::kCorruption);
    CHECK(contains(decoded.error().message, "payload"));
    CHECK(probe.largest() < 64 * 1024);
  }

  SECTION("a frame that does not declare its content size") {
    auto changeset = test::sample_changeset(2);
    auto raw = test::RawEnvelope::zstd(changeset);
    raw.payload = test::zstd_frame(changeset, false);
    raw.payload_size = static_cast<uint32_t>(raw.payload.size());
    auto decoded = sync::decode_batch(raw.build(key));
    REQUIRE_FALSE(decoded);
    CHECK(contains(decoded.error().message, "content size"));
  }

  SECTION("raw_size over the limit is refused before anything is decompressed") {
    auto raw = test::RawEnvelope::zstd(test::sample_changeset(1));
    raw.payload = frame;
    raw.payload_size = static_cast<uint32_t>(frame.size());
    raw.raw_size = 0xffffffffu;
    auto bytes = raw.build(key);
    test::AllocationProbe probe;
    auto decoded = sync::decode_batch(bytes);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == ErrorCode::kInvalidInput);
    CHECK(decoded.error().protocol == ProtocolCode::kPayloadTooLarge);
    CHECK(contains(decoded.error().message, "raw_size 4294967295 exceeds the limit of 16 MiB"));
    CHECK(probe.largest() < 64 * 1024);

    raw.raw_size = 8u << 20;  // within the default limit, over a hub's lower one
    auto lower = sync::decode_batch(raw.build(key), sync::BatchLimits{4u << 20, 1u << 20});
    REQUIRE_FALSE(lower);
    CHECK(lower.error().protocol == ProtocolCode::kPayloadTooLarge);
  }

  SECTION("a zstd payload with bytes after its frame") {
    auto changeset = test::sample_changeset(2);
    auto raw = test::RawEnvelope::zstd(changeset);
    raw.payload.push_back(0);
    raw.payload_size += 1;
    auto decoded = sync::decode_batch(raw.build(key));
    REQUIRE_FALSE(decoded);
    CHECK(contains(decoded.error().message, "after its zstd frame"));
  }
}

TEST_CASE("a payload_size over the limit is refused as payload_too_large", "[envelope]") {
  auto key = test::new_key();
  auto encoded = sync::encode_batch(header_for(Id128::random(), 1, 1), test::sample_changeset(50), key);
  REQUIRE(encoded);
  auto decoded = sync::decode_batch(encoded->bytes, sync::BatchLimits{64, 1u << 20});
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().protocol == ProtocolCode::kPayloadTooLarge);
  CHECK(contains(decoded.error().message, "payload_size"));
  CHECK(sync::max_batch_size(sync::BatchLimits{}) == sync::kBatchOverhead + (4u << 20));
}

TEST_CASE("a batch signed by another key is refused by verify_batch", "[envelope]") {
  auto agent = test::new_key();
  auto intruder = test::new_key();
  auto header = header_for(Id128::random(), 1, 1);
  auto encoded = sync::encode_batch(header, test::sample_changeset(1), intruder);
  REQUIRE(encoded);
  REQUIRE(sync::decode_batch(encoded->bytes));  // well formed: only the signature tells
  auto verified = sync::verify_batch(encoded->bytes, agent.public_key());
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kUnauthorized);
  CHECK(verified.error().protocol == ProtocolCode::kBadSignature);
  CHECK(contains(verified.error().message, header.agent_id.hex()));
}

TEST_CASE("a wrong signature_size is refused", "[envelope]") {
  auto key = test::new_key();
  auto raw = test::RawEnvelope::plain(test::sample_changeset(1));
  raw.signature_size = 63;
  auto bytes = raw.build(key);
  auto decoded = sync::decode_batch(bytes);
  REQUIRE_FALSE(decoded);
  CHECK(contains(decoded.error().message, "signature_size 63"));
  CHECK_FALSE(sync::verify_batch(bytes, key.public_key()));
}

TEST_CASE("consecutive batches chain through prev_batch_hash", "[envelope]") {
  auto key = test::new_key();
  auto agent = Id128::random();
  auto first = sync::encode_batch(header_for(agent, 1, 2), test::sample_changeset(1), key);
  REQUIRE(first);
  auto h2 = header_for(agent, 3, 3);
  h2.prev_batch_hash = first->signed_hash;
  auto second = sync::encode_batch(h2, test::sample_changeset(2), key);
  REQUIRE(second);
  auto d1 = sync::decode_batch(first->bytes);
  auto d2 = sync::decode_batch(second->bytes);
  REQUIRE(d1);
  REQUIRE(d2);
  CHECK(sync::is_zero(d1->header.prev_batch_hash));
  CHECK(d2->header.prev_batch_hash == d1->signed_hash);
  // The signed hash covers everything but the signature trailer.
  sql::Blob signed_part(first->bytes.begin(), first->bytes.end() - 66);
  CHECK(d1->signed_hash == sync::sha256(signed_part));
}
