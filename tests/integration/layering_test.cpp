#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::pair<std::string, std::string>> sources() {
  std::vector<std::pair<std::string, std::string>> out;
  const fs::path root = motcua::test::source_path("");
  for (const char* folder : {"common", "domain", "schema", "sync-protocol", "agent", "hub", "data"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      out.emplace_back(fs::relative(entry.path(), root).generic_string(), motcua::test::read_file(entry.path().string()));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("cpprestsdk is included by exactly one adapter file", "[layering]") {
  const std::regex cpprest(R"(#\s*include\s*[<"](cpprest|pplx)/)");
  std::vector<std::string> including;
  for (const auto& [path, text] : sources()) {
    if (std::regex_search(text, cpprest)) including.push_back(path);
  }
  REQUIRE(including.size() == 1);
  CHECK(including[0] == "hub/http_server_cpprest.cpp");
}

TEST_CASE("cpp-httplib is included by exactly one adapter file, in the agent's web UI", "[layering]") {
  const std::regex httplib(R"(#\s*include\s*[<"]httplib\.h[>"])");
  std::vector<std::string> including;
  for (const auto& [path, text] : sources()) {
    if (std::regex_search(text, httplib)) including.push_back(path);
  }
  REQUIRE(including.size() == 1);
  CHECK(including[0] == "agent/web/server.cpp");
}

TEST_CASE("portable code never includes POSIX-only headers outside platform files", "[layering]") {
  const std::regex posix(R"(#\s*include\s*<(unistd|signal|pthread|fcntl|poll|sys/[a-z_]+|netinet/[a-z_]+|arpa/[a-z_]+)\.h>)");
  for (const auto& [path, text] : sources()) {
    INFO(path);
    // A platform file includes what its system needs (the Windows one takes <fcntl.h> for _O_APPEND).
    const bool platform_file =
        path.find("platform_posix") != std::string::npos || path.find("platform_win32") != std::string::npos;
    if (!platform_file) CHECK_FALSE(std::regex_search(text, posix));
  }
}

TEST_CASE("portable code never includes Windows-only headers outside platform files", "[layering]") {
  const std::regex windows(R"(#\s*include\s*<(windows|winsock2|ws2tcpip|aclapi|sddl|shellapi|io|direct|process)\.h>)",
                           std::regex::icase);
  for (const auto& [path, text] : sources()) {
    INFO(path);
    const bool platform_file = path.find("platform_win32") != std::string::npos;
    if (!platform_file) CHECK_FALSE(std::regex_search(text, windows));
  }
}
