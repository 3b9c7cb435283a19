// libFuzzer entry point for one target body, chosen at compile time (MOTCUA_FUZZ_TARGET names a
// function of fuzz_targets.hpp). Built only with clang and MOTCUA_FUZZ=ON (fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_targets.hpp"

#ifndef MOTCUA_FUZZ_TARGET
#error "MOTCUA_FUZZ_TARGET must name the target body"
#endif

// Builds the per-process fixtures (keys, dictionary, hub database) before the first timed input.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)motcua::fuzz::MOTCUA_FUZZ_TARGET(nullptr, 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)motcua::fuzz::MOTCUA_FUZZ_TARGET(data, size);
  return 0;  // libFuzzer reserves other values
}
