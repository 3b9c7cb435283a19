#include <catch2/catch.hpp>

#include <filesystem>

#include "common/files.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;

TEST_CASE("a private file has mode 0600", "[files]") {
  test::TempDir dir;
  REQUIRE(write_private_file(dir.file("agent-key.pem"), "secret"));
  const auto perms = std::filesystem::status(dir.file("agent-key.pem")).permissions();
  CHECK(perms == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
}
