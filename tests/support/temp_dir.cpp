#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace motcua::test {

TempDir::TempDir() : TempDir(std::filesystem::temp_directory_path()) {}

TempDir::TempDir(const std::filesystem::path& base) {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = base / ("motcua-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      m_path = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  if (std::getenv("MOTCUA_KEEP_TEST_DIRS")) return;
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::filesystem::path memory_temp_base() {
  const std::filesystem::path shm = "/dev/shm";
  std::error_code ec;
  if (std::filesystem::is_directory(shm, ec)) {
    const auto probe = shm / ("motcua-probe-" + std::to_string(std::random_device()()));
    if (std::filesystem::create_directory(probe, ec)) {
      std::filesystem::remove(probe, ec);
      return shm;
    }
  }
  return std::filesystem::temp_directory_path();
}

std::string source_path(const std::string& relative) { return std::string(MOTCUA_SOURCE_DIR) + "/" + relative; }

// Paths are UTF-8 (u8path: on Windows a narrow path would go through the ANSI code page).
std::string read_file(const std::string& path) {
  std::ifstream in(std::filesystem::u8path(path), std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(std::filesystem::u8path(path), std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << content;
}

}  // namespace motcua::test
