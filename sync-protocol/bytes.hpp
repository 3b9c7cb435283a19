// Byte views and SHA-256 as the protocol uses them. Pure functions, no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace motcua::sync {

// A non-owning view of bytes (C++17 has no std::span). Cheap to copy; the viewed bytes must outlive it.
struct ByteView {
  const unsigned char* data = nullptr;
  size_t size = 0;

  ByteView() = default;
  ByteView(const unsigned char* d, size_t n) : data(d), size(n) {}
  ByteView(const std::vector<unsigned char>& v) : data(v.data()), size(v.size()) {}  // NOLINT: implicit by design
  ByteView(std::string_view s) : data(reinterpret_cast<const unsigned char*>(s.data())), size(s.size()) {}  // NOLINT
  ByteView(const std::string& s) : ByteView(std::string_view(s)) {}                                         // NOLINT
  template <size_t N>
  ByteView(const std::array<unsigned char, N>& a) : data(a.data()), size(N) {}  // NOLINT
};

// A SHA-256 digest (batch hashes, payload hashes, request body hashes).
using Hash256 = std::array<unsigned char, 32>;

Hash256 sha256(ByteView bytes);
// 64 lower-case hex digits.
std::string hash_hex(const Hash256& hash);
// True when every byte is zero (the prev_batch_hash of an agent's first batch).
bool is_zero(const Hash256& hash);

}  // namespace motcua::sync
