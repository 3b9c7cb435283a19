// motcua-fuzz-seeds DIR [TARGET...]: writes the seed corpus of each target (all of them by default)
// into DIR/<target>/, one file per seed, made by the project's encoders. Existing files of the same
// name are replaced; others (what a fuzzer added) are kept.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [TARGET...]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> names;
  for (int i = 2; i < argc; ++i) names.emplace_back(argv[i]);
  if (names.empty()) {
    for (const auto& t : motcua::fuzz::targets()) names.emplace_back(t.name);
  }
  for (const auto& name : names) {
    if (!motcua::fuzz::find_target(name)) {
      std::fprintf(stderr, "no fuzz target named %s\n", name.c_str());
      return 2;
    }
    const fs::path dir = fs::path(argv[1]) / name;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      std::fprintf(stderr, "cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
      return 1;
    }
    const auto seeds = motcua::fuzz::make_seeds(name);
    for (const auto& seed : seeds) {
      std::ofstream out(dir / seed.name, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(seed.bytes.data()), static_cast<std::streamsize>(seed.bytes.size()));
      if (!out) {
        std::fprintf(stderr, "cannot write %s\n", (dir / seed.name).c_str());
        return 1;
      }
    }
    std::printf("%s: %zu seeds in %s\n", name.c_str(), seeds.size(), dir.c_str());
  }
  return 0;
}
