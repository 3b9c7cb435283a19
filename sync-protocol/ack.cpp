#include "sync-protocol/ack.hpp"

#include <cstring>
#include <string_view>

#include "common/text.hpp"
#include "sync-protocol/version.hpp"
#include "sync-protocol/wire.hpp"

namespace motcua::sync {

namespace {

constexpr unsigned char kMagic[4] = {'M', 'C', 'K', '1'};
constexpr const char* kKind = "acknowledgement";

struct Frame {
  Ack ack;
  ByteView signed_bytes;
  Signature signature{};
};

ProtocolError refused(const std::string& message) {
  return protocol_error(ProtocolCode::kBadEnvelope,
                        Error::invalid_input("acknowledgement refused: " + message,
                                             "the hub speaks another protocol version; upgrade the older side"));
}

bool known_status(uint8_t s) { return s >= 1 && s <= 4; }

ProtocolResult<Frame> parse_frame(ByteView bytes) {
  wire::Reader r(bytes, kKind);
  Frame f;
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(auto magic, r.array<4>("magic"));
  if (std::memcmp(magic.data(), kMagic, 4) != 0) {
    return fail(
        protocol_error(ProtocolCode::kBadEnvelope,
                       Error::corruption("not a motcua acknowledgement: magic is not \"MCK1\"",
                                         "the hub address may point at something other than a motcua hub; check it")));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint16_t version, r.u16("version"));
  if (version != kAckFormatVersion) {
    return fail(refused("format version " + std::to_string(version) + " is not supported (this side reads version " +
                        std::to_string(kAckFormatVersion) + ")"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.ack.agent_id.bytes, r.array<16>("agent_id"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.ack.first_seq, r.u64("first_seq"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.ack.last_seq, r.u64("last_seq"));
  if (f.ack.first_seq < 1 || f.ack.last_seq < f.ack.first_seq) {
    return fail(r.corrupt("first_seq " + std::to_string(f.ack.first_seq) + " and last_seq " +
                          std::to_string(f.ack.last_seq) + " do not satisfy 1 <= first_seq <= last_seq"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.ack.batch_hash, r.array<32>("batch_hash"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint8_t status, r.u8("status"));
  if (!known_status(status)) {
    return fail(
        refused("unknown status " + std::to_string(status) + " (1 applied, 2 duplicate, 3 quarantined, 4 refused)"));
  }
  f.ack.status = static_cast<AckStatus>(status);
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.ack.hub_time_ms, r.i64("hub_time_ms"));
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(uint16_t reason_size, r.u16("reason_size"));
  if (reason_size > kMaxAckReason) {
    return fail(r.corrupt("reason_size " + std::to_string(reason_size) + " exceeds 1024 bytes"));
  }
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(ByteView reason, r.bytes(reason_size, "reason"));
  f.ack.reason.assign(reinterpret_cast<const char*>(reason.data), reason.size);
  if (!is_valid_utf8(f.ack.reason)) return fail(r.corrupt("reason is not valid UTF-8"));
  f.signed_bytes = ByteView(bytes.data, r.pos());
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(f.signature, r.signature_trailer());
  return f;
}

ProtocolError mismatch(const std::string& what) {
  return protocol_error(ProtocolCode::kBadEnvelope,
                        Error::invalid_input("the acknowledgement does not answer the batch sent: " + what,
                                             "the batch stays pending and is sent again; if this repeats, the "
                                             "hub address may be wrong"));
}

}  // namespace

const char* ack_status_name(AckStatus status) {
  switch (status) {
    case AckStatus::kApplied:
      return "applied";
    case AckStatus::kDuplicate:
      return "duplicate";
    case AckStatus::kQuarantined:
      return "quarantined";
    case AckStatus::kRefused:
      return "refused";
  }
  return "unknown";
}

Result<sql::Blob> encode_ack(const Ack& ack, const KeyPair& hub_key) {
  if (ack.first_seq < 1 || ack.last_seq < ack.first_seq) {
    return fail(Error::invalid_input("acknowledgement sequence numbers must satisfy 1 <= first_seq <= last_seq, got " +
                                     std::to_string(ack.first_seq) + ".." + std::to_string(ack.last_seq)));
  }
  if (!known_status(static_cast<uint8_t>(ack.status))) {
    return fail(Error::invalid_input("unknown acknowledgement status " + std::to_string(static_cast<int>(ack.status))));
  }
  if (ack.reason.size() > kMaxAckReason || !is_valid_utf8(ack.reason)) {
    return fail(Error::invalid_input("an acknowledgement reason is valid UTF-8 of at most 1024 bytes (got " +
                                     std::to_string(ack.reason.size()) + " bytes)"));
  }
  wire::Writer w;
  w.reserve(147 + ack.reason.size());
  w.bytes(ByteView(kMagic, 4));
  w.u16(kAckFormatVersion);
  w.bytes(ack.agent_id.bytes);
  w.u64(ack.first_seq);
  w.u64(ack.last_seq);
  w.bytes(ack.batch_hash);
  w.u8(static_cast<uint8_t>(ack.status));
  w.i64(ack.hub_time_ms);
  w.u16(static_cast<uint16_t>(ack.reason.size()));
  w.bytes(ack.reason);
  MOTCUA_ASSIGN_OR_RETURN(Signature sig, hub_key.sign(w.out()));
  w.signature_trailer(sig);
  return std::move(w.out());
}

ProtocolResult<Ack> decode_ack(ByteView bytes) {
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(Frame f, parse_frame(bytes));
  return std::move(f.ack);
}

ProtocolStatus verify_ack(ByteView bytes, const PublicKey& hub_key) {
  MOTCUA_PROTOCOL_ASSIGN_OR_RETURN(Frame f, parse_frame(bytes));
  auto verified = verify(hub_key, f.signed_bytes, f.signature);
  if (!verified) {
    if (verified.error().code != ErrorCode::kUnauthorized) {
      return fail(ProtocolCode::kInternal, std::move(verified.error()));
    }
    return fail(
        ProtocolCode::kBadSignature,
        Error::unauthorized("acknowledgement of batch " + std::to_string(f.ack.first_seq) + ".." +
                                std::to_string(f.ack.last_seq) + ": the signature does not match the hub's key",
                            "the answer was altered in transit or did not come from the hub this agent enrolled "
                            "with; the batch stays pending"));
  }
  return {};
}

ProtocolStatus check_ack_matches(const Ack& ack, const BatchHeader& sent, const Hash256& sent_hash) {
  if (ack.agent_id != sent.agent_id) {
    return fail(mismatch("agent_id " + ack.agent_id.hex() + " is not this agent's " + sent.agent_id.hex()));
  }
  if (ack.first_seq != sent.first_seq || ack.last_seq != sent.last_seq) {
    return fail(mismatch("it acknowledges " + std::to_string(ack.first_seq) + ".." + std::to_string(ack.last_seq) +
                         ", the batch sent is " + std::to_string(sent.first_seq) + ".." +
                         std::to_string(sent.last_seq)));
  }
  if (ack.batch_hash != sent_hash) {
    return fail(mismatch("batch_hash " + hash_hex(ack.batch_hash) + " is not the hash " + hash_hex(sent_hash) +
                         " of the batch sent"));
  }
  return {};
}

}  // namespace motcua::sync
