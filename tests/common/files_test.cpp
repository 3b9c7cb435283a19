#include <catch2/catch.hpp>

#include <filesystem>

#include "common/files.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;

TEST_CASE("a private file in a directory named in Vietnamese is written, read back and replaced", "[files]") {
  test::TempDir dir;
  const std::string office = dir.str() + "/Phường Hoàn Kiếm";
  REQUIRE(std::filesystem::create_directory(utf8_path(office)));
  const std::string key = office + "/khóa-riêng.pem";
  REQUIRE(write_private_file(key, "first"));
  CHECK(read_whole_file(key) == std::optional<std::string>("first"));
  REQUIRE(write_private_file(key, "second"));  // replaces the existing file
  CHECK(read_whole_file(key) == std::optional<std::string>("second"));
  CHECK_FALSE(std::filesystem::exists(utf8_path(key + ".tmp")));
  // The name on disk is the UTF-8 name, letter for letter, not a code-page guess.
  bool found = false;
  for (const auto& entry : std::filesystem::directory_iterator(utf8_path(office))) {
    if (path_utf8(entry.path().filename()) == "khóa-riêng.pem") found = true;
  }
  CHECK(found);
}

TEST_CASE("a UTF-8 path converts to a filesystem path and back unchanged", "[files]") {
  const std::string name = "Xã Đông Hưng/hồ sơ.db";
  CHECK(path_utf8(utf8_path(name)) == name);
}
