// Big-endian writing and bounds-checked reading for the binary messages (batch envelope,
// acknowledgement). Internal to sync-protocol: not part of its interface.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sync-protocol/bytes.hpp"
#include "sync-protocol/protocol_error.hpp"

namespace motcua::sync::wire {

// Both signed messages end with the same trailer: signature_size u16 (= 64) | Ed25519 signature.
inline constexpr uint16_t kSignatureSize = 64;
inline constexpr size_t kSignatureTrailerSize = 2 + kSignatureSize;

class Writer {
 public:
  void u8(uint8_t v) { m_out.push_back(v); }
  void u16(uint16_t v) { be(v, 2); }
  void u32(uint32_t v) { be(v, 4); }
  void u64(uint64_t v) { be(v, 8); }
  void i64(int64_t v) { be(static_cast<uint64_t>(v), 8); }
  void bytes(ByteView b) { m_out.insert(m_out.end(), b.data, b.data + b.size); }

  // Appends the signature trailer over everything written so far.
  void signature_trailer(const std::array<unsigned char, kSignatureSize>& signature) {
    u16(kSignatureSize);
    bytes(signature);
  }

  size_t size() const { return m_out.size(); }
  void reserve(size_t n) { m_out.reserve(n); }
  std::vector<unsigned char>& out() { return m_out; }

 private:
  void be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) m_out.push_back(static_cast<unsigned char>((v >> (8 * i)) & 0xff));
  }
  std::vector<unsigned char> m_out;
};

// Reads fields in order. Every failure is kCorruption with protocol code bad_envelope and a message
// naming the message kind, the field and the byte offset.
class Reader {
 public:
  Reader(ByteView data, const char* message_kind) : m_data(data), m_kind(message_kind) {}

  size_t pos() const { return m_pos; }
  size_t remaining() const { return m_data.size - m_pos; }

  ProtocolResult<uint8_t> u8(const char* field) { return be<uint8_t>(1, field); }
  ProtocolResult<uint16_t> u16(const char* field) { return be<uint16_t>(2, field); }
  ProtocolResult<uint32_t> u32(const char* field) { return be<uint32_t>(4, field); }
  ProtocolResult<uint64_t> u64(const char* field) { return be<uint64_t>(8, field); }
  ProtocolResult<int64_t> i64(const char* field) {
    auto v = be<uint64_t>(8, field);
    if (!v) return tl::unexpected<ProtocolError>(std::move(v.error()));
    return static_cast<int64_t>(*v);
  }

  ProtocolResult<ByteView> bytes(size_t n, const char* field) {
    if (n > remaining()) return tl::unexpected<ProtocolError>(truncated(field));
    ByteView view(m_data.data + m_pos, n);
    m_pos += n;
    return view;
  }

  template <size_t N>
  ProtocolResult<std::array<unsigned char, N>> array(const char* field) {
    if (N > remaining()) return tl::unexpected<ProtocolError>(truncated(field));
    std::array<unsigned char, N> out{};
    std::copy(m_data.data + m_pos, m_data.data + m_pos + N, out.begin());
    m_pos += N;
    return out;
  }

  // Reads the signature trailer, which must end the message exactly.
  ProtocolResult<std::array<unsigned char, kSignatureSize>> signature_trailer() {
    auto size = u16("signature_size");
    if (!size) return tl::unexpected<ProtocolError>(std::move(size.error()));
    if (*size != kSignatureSize) {
      return tl::unexpected<ProtocolError>(
          corrupt("signature_size " + std::to_string(*size) + ", expected 64 (Ed25519)"));
    }
    auto signature = array<kSignatureSize>("signature");
    if (!signature) return signature;
    if (remaining() != 0) {
      return tl::unexpected<ProtocolError>(corrupt(std::to_string(remaining()) + " unexpected bytes after the signature"));
    }
    return signature;
  }

  ProtocolError truncated(const char* field) const { return corrupt(std::string("truncated in ") + field); }
  // "<kind> damaged at byte <pos>: <what>".
  ProtocolError corrupt(const std::string& what) const {
    return protocol_error(ProtocolCode::kBadEnvelope,
                          Error::corruption(std::string(m_kind) + " damaged at byte " + std::to_string(m_pos) + " of " +
                                                std::to_string(m_data.size) + ": " + what,
                                            "the message was damaged in transit or is not a motcua message; "
                                            "it is refused and nothing in it was used"));
  }

 private:
  template <typename T>
  ProtocolResult<T> be(size_t n, const char* field) {
    if (n > remaining()) return tl::unexpected<ProtocolError>(truncated(field));
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | m_data.data[m_pos + i];
    m_pos += n;
    return static_cast<T>(v);
  }

  ByteView m_data;
  const char* m_kind;
  size_t m_pos = 0;
};

}  // namespace motcua::sync::wire
