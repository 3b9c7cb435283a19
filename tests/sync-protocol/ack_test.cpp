#include "sync-protocol/ack.hpp"

#include <catch2/catch.hpp>

#include "tests/sync-protocol/protocol_fixture.hpp"

using namespace motcua;
using sync::ProtocolCode;
using test::contains;
using test::error_of;

namespace {

sync::Ack sample_ack() {
  sync::Ack ack;
  ack.agent_id = Id128::random();
  ack.first_seq = 12;
  ack.last_seq = 15;
  ack.batch_hash = sync::sha256(std::string("batch"));
  ack.status = sync::AckStatus::kQuarantined;
  ack.hub_time_ms = 1771984800000;  // 2026-02-25T09:00:00+07:00
  ack.reason = "hồ sơ 33.11953-260225-0001 chưa có trên hub";
  return ack;
}

}  // namespace

TEST_CASE("an acknowledgement survives encode and decode and verifies with the hub key", "[ack]") {
  auto hub = test::new_key();
  for (auto status : {sync::AckStatus::kApplied, sync::AckStatus::kDuplicate, sync::AckStatus::kQuarantined,
                      sync::AckStatus::kRefused}) {
    auto ack = sample_ack();
    ack.status = status;
    ack.hub_time_ms = -5;  // signed: a hub clock before 1970 still round-trips
    auto bytes = sync::encode_ack(ack, hub);
    REQUIRE(bytes);
    CHECK(sync::verify_ack(*bytes, hub.public_key()));
    auto decoded = sync::decode_ack(*bytes);
    REQUIRE(decoded);
    CHECK(decoded->agent_id == ack.agent_id);
    CHECK(decoded->first_seq == 12);
    CHECK(decoded->last_seq == 15);
    CHECK(decoded->batch_hash == ack.batch_hash);
    CHECK(decoded->status == status);
    CHECK(decoded->hub_time_ms == -5);
    CHECK(decoded->reason == ack.reason);
  }
  CHECK(std::string(sync::ack_status_name(sync::AckStatus::kQuarantined)) == "quarantined");
}

TEST_CASE("the library's acknowledgement is byte for byte the layout PROTOCOL.md specifies", "[ack]") {
  auto hub = test::new_key();
  auto ack = sample_ack();
  test::RawAck raw;
  raw.agent_id = ack.agent_id;
  raw.first_seq = ack.first_seq;
  raw.last_seq = ack.last_seq;
  raw.batch_hash = ack.batch_hash;
  raw.status = 3;
  raw.hub_time_ms = ack.hub_time_ms;
  raw.reason = ack.reason;
  auto bytes = sync::encode_ack(ack, hub);
  REQUIRE(bytes);
  CHECK(*bytes == raw.build(hub));
  CHECK(bytes->size() == 147 + ack.reason.size());
}

TEST_CASE("an acknowledgement cut at any length is refused cleanly", "[ack]") {
  auto hub = test::new_key();
  auto bytes = sync::encode_ack(sample_ack(), hub);
  REQUIRE(bytes);
  for (size_t len = 0; len < bytes->size(); ++len) {
    INFO("cut at " << len << " of " << bytes->size());
    sync::ByteView cut(bytes->data(), len);
    auto decoded = sync::decode_ack(cut);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == ErrorCode::kCorruption);
    CHECK(decoded.error().protocol == ProtocolCode::kBadEnvelope);
    CHECK(contains(decoded.error().message, "acknowledgement"));
    CHECK_FALSE(sync::verify_ack(cut, hub.public_key()));
  }
}

TEST_CASE("an acknowledgement with any single bit flipped is never accepted", "[ack]") {
  auto hub = test::new_key();
  auto bytes = sync::encode_ack(sample_ack(), hub);
  REQUIRE(bytes);
  int refused_by_decode = 0;
  int refused_by_signature = 0;
  for (size_t i = 0; i < bytes->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto flipped = *bytes;
      flipped[i] ^= static_cast<unsigned char>(1 << bit);
      auto decoded = sync::decode_ack(flipped);
      auto verified = sync::verify_ack(flipped, hub.public_key());
      INFO("byte " << i << " bit " << bit);
      REQUIRE((!decoded || !verified));
      if (!decoded) {
        ++refused_by_decode;
        CHECK(decoded.error().protocol == ProtocolCode::kBadEnvelope);
      } else {
        ++refused_by_signature;
      }
    }
  }
  CHECK(refused_by_decode > 0);
  CHECK(refused_by_signature > 0);
}

TEST_CASE("an acknowledgement with an unknown status or version is refused", "[ack]") {
  auto hub = test::new_key();
  test::RawAck raw;
  raw.agent_id = Id128::random();
  raw.status = 5;
  auto status = error_of(sync::decode_ack(raw.build(hub)));
  CHECK(status.code == ErrorCode::kInvalidInput);
  CHECK(contains(status.message, "unknown status 5"));
  raw.status = 0;
  CHECK_FALSE(sync::decode_ack(raw.build(hub)));
  raw.status = 1;
  raw.version = 2;
  CHECK(contains(error_of(sync::decode_ack(raw.build(hub))).message, "version 2"));
}

TEST_CASE("an acknowledgement reason longer than 1024 bytes or not UTF-8 is refused", "[ack]") {
  auto hub = test::new_key();
  auto ack = sample_ack();
  ack.reason = std::string(1024, 'a');
  REQUIRE(sync::encode_ack(ack, hub));
  ack.reason += "a";
  CHECK(error_of(sync::encode_ack(ack, hub)).code == ErrorCode::kInvalidInput);
  ack.reason = "\xff";
  CHECK_FALSE(sync::encode_ack(ack, hub));

  test::RawAck raw;
  raw.agent_id = Id128::random();
  raw.reason = std::string(1025, 'a');
  CHECK(contains(error_of(sync::decode_ack(raw.build(hub))).message, "reason_size 1025"));
  raw.reason = "ok \xc3";
  CHECK(contains(error_of(sync::decode_ack(raw.build(hub))).message, "UTF-8"));
}

TEST_CASE("an acknowledgement signed by another key is refused", "[ack]") {
  auto hub = test::new_key();
  auto impostor = test::new_key();
  auto bytes = sync::encode_ack(sample_ack(), impostor);
  REQUIRE(bytes);
  REQUIRE(sync::decode_ack(*bytes));
  auto verified = error_of(sync::verify_ack(*bytes, hub.public_key()));
  CHECK(verified.code == ErrorCode::kUnauthorized);
  CHECK(verified.protocol == ProtocolCode::kBadSignature);
}

TEST_CASE("an acknowledgement of another batch does not match the batch sent", "[ack]") {
  auto ack = sample_ack();
  sync::BatchHeader sent;
  sent.agent_id = ack.agent_id;
  sent.first_seq = 12;
  sent.last_seq = 15;
  CHECK(sync::check_ack_matches(ack, sent, ack.batch_hash));

  auto other_hash = ack.batch_hash;
  other_hash[31] ^= 1;
  CHECK(contains(error_of(sync::check_ack_matches(ack, sent, other_hash)).message, "batch_hash"));
  auto other_seq = sent;
  other_seq.last_seq = 16;
  CHECK(contains(error_of(sync::check_ack_matches(ack, other_seq, ack.batch_hash)).message, "12..15"));
  auto other_agent = sent;
  other_agent.agent_id = Id128::random();
  CHECK(contains(error_of(sync::check_ack_matches(ack, other_agent, ack.batch_hash)).message, "agent_id"));
}
