#include "common/hlc.hpp"

#include <algorithm>

namespace motcua {

Hlc hlc_tick(Hlc last, Instant now) {
  int64_t phys = std::max(last.physical_ms(), now.ms);
  if (phys == last.physical_ms()) {
    int64_t logical = last.logical() + 1;
    if (logical >= (int64_t{1} << Hlc::kLogicalBits)) return Hlc::from(phys + 1, 0);
    return Hlc::from(phys, logical);
  }
  return Hlc::from(phys, 0);
}

Hlc hlc_receive(Hlc last, Hlc remote, Instant now) {
  Hlc base = remote < last ? last : remote;
  return hlc_tick(base, now);
}

}  // namespace motcua
