#include <catch2/catch.hpp>

#include <filesystem>

#include "agent/platform.hpp"
#include "agent/store.hpp"
#include "common/files.hpp"
#include "common/time.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;

TEST_CASE("a hub lock held by one holder makes another wait, then give up with a clear error", "[agent][lock]") {
  test::TempDir dir;
  const std::string path = dir.file("hub.lock");
  auto first = agent::FileLock::acquire(path, 0);
  REQUIRE(first);
  auto second = agent::FileLock::acquire(path, 200);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == ErrorCode::kUnavailable);
  CHECK(second.error().message.find("another motcua-agent process") != std::string::npos);
  {
    auto released = std::move(*first);  // destroyed at the end of this block: the lock is released
  }
  auto third = agent::FileLock::acquire(path, 0);
  CHECK(third);
}

TEST_CASE("a hub lock in a directory that does not exist is an I/O error naming the file", "[agent][lock]") {
  test::TempDir dir;
  auto lock = agent::FileLock::acquire(dir.file("missing/hub.lock"), 0);
  REQUIRE_FALSE(lock);
  CHECK(lock.error().code == ErrorCode::kIo);
  CHECK(lock.error().message.find("missing/hub.lock") != std::string::npos);
}

TEST_CASE("a hub lock and an office in a directory named in Vietnamese work like any other", "[agent][lock]") {
  test::TempDir dir;
  const std::string office = dir.str() + "/Xã Đông Hưng";
  auto lock = agent::FileLock::acquire(office + "/hub.lock", 0);
  REQUIRE_FALSE(lock);  // the directory does not exist yet
  ManualClock clock(Instant{});
  auto store = agent::Store::open(office, true, clock);
  REQUIRE(store);
  CHECK(std::filesystem::exists(utf8_path(office) / "agent.db"));
  auto relock = agent::FileLock::acquire(office + "/hub.lock", 0);
  CHECK(relock);
}
