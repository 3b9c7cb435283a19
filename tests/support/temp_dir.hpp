// A fresh directory per test under the system temp dir, removed when the object dies (kept when
// MOTCUA_KEEP_TEST_DIRS is set, for debugging).
#pragma once

#include <filesystem>
#include <string>

namespace motcua::test {

class TempDir {
 public:
  TempDir();
  // Under `base` instead of the system temp dir (which must exist).
  explicit TempDir(const std::filesystem::path& base);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  std::string str() const { return m_path.string(); }
  std::string file(const std::string& name) const { return (m_path / name).string(); }

 private:
  std::filesystem::path m_path;
};

// Where many short-lived databases are cheapest: /dev/shm when it is a writable directory (memory,
// so SQLite's fsyncs cost nothing), else the system temp dir. For tests whose subject is not
// durability, e.g. the convergence runs (tests/integration/convergence_harness.hpp).
std::filesystem::path memory_temp_base();

// Path of a file in the source tree, e.g. source_path("data/holidays-vn.csv").
std::string source_path(const std::string& relative);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace motcua::test
