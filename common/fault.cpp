#include "common/fault.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace motcua {

void fault_point_reached(const char* name) {
  const char* wanted = std::getenv("MOTCUA_FAULT");
  if (!wanted || std::strcmp(wanted, name) != 0) return;
  std::fprintf(stderr, "motcua: fault point %s reached\n", name);
  std::fflush(stderr);
  for (int i = 0; i < 600; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::fprintf(stderr, "motcua: fault point %s: not killed within 60 s, aborting\n", name);
  std::abort();
}

}  // namespace motcua
