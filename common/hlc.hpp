// Hybrid logical clock. Orders facts across offices without trusting wall clocks: an HLC value
// never goes backwards on one node even when the PC clock does, and after receiving a remote value
// it is above it. Encoded in one 64-bit integer: physical milliseconds << 16 | logical counter.
#pragma once

#include <cstdint>

#include "common/time.hpp"

namespace motcua {

struct Hlc {
  int64_t value = 0;
  static constexpr int kLogicalBits = 16;
  int64_t physical_ms() const { return value >> kLogicalBits; }
  int64_t logical() const { return value & ((int64_t{1} << kLogicalBits) - 1); }
  static Hlc from(int64_t physical_ms, int64_t logical) { return Hlc{(physical_ms << kLogicalBits) | logical}; }
  friend bool operator<(Hlc a, Hlc b) { return a.value < b.value; }
  friend bool operator==(Hlc a, Hlc b) { return a.value == b.value; }
};

// Next local HLC after `last` at wall time `now`: max(last.physical, now) with the counter bumped
// when the physical part did not advance. Strictly greater than `last`.
Hlc hlc_tick(Hlc last, Instant now);
// Next local HLC after also having seen `remote`: strictly greater than both.
Hlc hlc_receive(Hlc last, Hlc remote, Instant now);

}  // namespace motcua
