// motcua-fuzz-replay --seeds: runs every target's seeds (make_seeds) through it; each must give the
// result its seed names (accepted, or refused by the hub).
// motcua-fuzz-replay TARGET PATH... [--expect-refused]: runs every input file (a directory's regular
// files, sorted) through the target body once, as the fuzzer would, and reports for each whether it
// was accepted or refused. A crash, hang or abort is the failure CTest sees; with --expect-refused
// an accepted input fails too. Files named *.hex hold the input as hex digits (whitespace ignored,
// '#' starts a comment to the end of the line), so hand-made hostile inputs can say what they are;
// any other file is the raw input (as libFuzzer saves a crash).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.hpp"

namespace fs = std::filesystem;

namespace {

std::optional<std::vector<uint8_t>> read_input(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (path.extension() != ".hex") return std::vector<uint8_t>(text.begin(), text.end());
  std::vector<uint8_t> out;
  int high = -1;
  bool comment = false;
  for (char c : text) {
    if (comment) {
      comment = c != '\n';
      continue;
    }
    if (c == '#') {
      comment = true;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    const int v =
        std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;  // an odd number of digits
  return out;
}

int replay_seeds() {
  int failures = 0;
  size_t count = 0;
  for (const auto& target : motcua::fuzz::targets()) {
    for (const auto& seed : motcua::fuzz::make_seeds(target.name)) {
      ++count;
      const bool accepted = target.run(seed.bytes.data(), seed.bytes.size()) != 0;
      std::printf("%s/%s (%zu bytes): %s\n", target.name, seed.name.c_str(), seed.bytes.size(),
                  accepted ? "accepted" : "refused");
      if (accepted != seed.accepted) {
        std::fprintf(stderr, "%s/%s: expected %s\n", target.name, seed.name.c_str(),
                     seed.accepted ? "accepted" : "refused");
        ++failures;
      }
    }
  }
  std::printf("%zu seeds, %d failures\n", count, failures);
  return count > 0 && failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--seeds") return replay_seeds();
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s TARGET PATH... [--expect-refused] | --seeds\n", argv[0]);
    return 2;
  }
  const motcua::fuzz::Target* target = motcua::fuzz::find_target(argv[1]);
  if (!target) {
    std::fprintf(stderr, "no fuzz target named %s\n", argv[1]);
    return 2;
  }
  bool expect_refused = false;
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--expect-refused") {
      expect_refused = true;
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const auto& entry : fs::directory_iterator(arg, ec)) {
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') files.push_back(entry.path());
      }
    } else {
      files.emplace_back(arg);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "no input files\n");
    return 1;
  }
  int failures = 0;
  for (const auto& file : files) {
    auto input = read_input(file);
    if (!input) {
      std::fprintf(stderr, "%s: cannot read (or not hex)\n", file.c_str());
      ++failures;
      continue;
    }
    std::fflush(stdout);  // a crash below still shows which file it was
    std::printf("%s (%zu bytes): ", file.c_str(), input->size());
    std::fflush(stdout);
    const int accepted = target->run(input->data(), input->size());
    std::printf("%s\n", accepted ? "accepted" : "refused");
    if (accepted && expect_refused) {
      std::fprintf(stderr, "%s: accepted, but every input here must be refused\n", file.c_str());
      ++failures;
    }
  }
  std::printf("%zu inputs through %s, %d failures\n", files.size(), target->name, failures);
  return failures == 0 ? 0 : 1;
}
