// Random 128-bit identifiers for replicated facts. Random ids let offices create facts offline
// without coordination; replaying or reordering inserts can never collide.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace motcua {

struct Id128 {
  std::array<unsigned char, 16> bytes{};

  // 16 bytes from OpenSSL's CSPRNG. Aborts the process if the CSPRNG fails (never silently weak).
  static Id128 random();
  // From 32 lower- or upper-case hex digits.
  static Result<Id128> from_hex(std::string_view hex);
  static Result<Id128> from_blob(const std::vector<unsigned char>& blob);

  std::string hex() const;  // 32 lower-case hex digits
  std::vector<unsigned char> blob() const { return {bytes.begin(), bytes.end()}; }

  friend bool operator==(const Id128& a, const Id128& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const Id128& a, const Id128& b) { return a.bytes != b.bytes; }
  friend bool operator<(const Id128& a, const Id128& b) { return a.bytes < b.bytes; }
};

// Lower-case hex of arbitrary bytes, and SHA-256 (hex) of a byte string.
std::string to_hex(const unsigned char* data, size_t size);
std::string sha256_hex(std::string_view data);

}  // namespace motcua
