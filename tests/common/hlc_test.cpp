#include <catch2/catch.hpp>

#include "common/hlc.hpp"

using namespace motcua;

TEST_CASE("the hybrid logical clock never goes backwards when the wall clock does", "[hlc]") {
  Hlc h = hlc_tick(Hlc{}, Instant{1000});
  CHECK(h.physical_ms() == 1000);
  Hlc h2 = hlc_tick(h, Instant{500});  // PC clock set back
  CHECK(h < h2);
  CHECK(h2.physical_ms() == 1000);
  CHECK(h2.logical() == 1);
  Hlc h3 = hlc_tick(h2, Instant{2000});
  CHECK(h3.physical_ms() == 2000);
  CHECK(h3.logical() == 0);
}

TEST_CASE("after receiving a remote clock the local clock is above it", "[hlc]") {
  Hlc local = hlc_tick(Hlc{}, Instant{1000});
  Hlc remote = Hlc::from(5000, 7);
  Hlc next = hlc_receive(local, remote, Instant{1100});
  CHECK(remote < next);
  CHECK(local < next);
}

TEST_CASE("the logical counter overflows into the physical part, keeping order", "[hlc]") {
  Hlc h = Hlc::from(1000, (1 << Hlc::kLogicalBits) - 1);
  Hlc n = hlc_tick(h, Instant{1000});
  CHECK(h < n);
}
