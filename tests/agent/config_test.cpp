// `motcua-agent config`, as installers use it: real processes on a real office directory.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/cli_output.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

namespace {

struct ConfigOffice {
  TempDir dir;
  std::string data = dir.file("office");
  std::string installer_file = dir.file("agent.conf");

  ConfigOffice() {
    auto r = run({"init", "--unit", "11953", "--catalog", source_path("data/tthc-commune-sample.csv"), "--calendar",
                  source_path("data/holidays-vn.csv")});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
  }

  // `motcua-agent ARGS... --data DIR`, with this office's installer defaults file.
  ProcessResult run(std::vector<std::string> args) {
    args.insert(args.begin(), agent_exe());
    args.insert(args.end(), {"--data", data});
    return run_process(args, {{"MOTCUA_FAULT", ""}, {"MOTCUA_AGENT_CONF", installer_file}}, 30000);
  }

  json get() {
    auto r = run({"config", "get", "--json"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
};

}  // namespace

TEST_CASE("office settings override installer defaults, which override built-in values", "[config][cli]") {
  ConfigOffice office;
  json built_in = office.get();
  CHECK(built_in["feed_interval"]["value"] == "300");
  CHECK(built_in["feed_interval"]["source"] == "built-in");
  CHECK(built_in["hub"]["source"] == "unset");

  write_file(office.installer_file, "# set by the installer\nfeed_interval = 120\nretention_days=45\n");
  json installer = office.get();
  CHECK(installer["feed_interval"]["value"] == "120");
  CHECK(installer["feed_interval"]["source"] == "installer");
  CHECK(installer["retention_days"]["value"] == "45");

  auto set = office.run({"config", "set", "feed_interval", "600", "--json"});
  INFO(describe(set));
  REQUIRE(set.exit_code == 0);
  json own = office.get();
  CHECK(own["feed_interval"]["value"] == "600");
  CHECK(own["feed_interval"]["source"] == "office");
  CHECK(own["retention_days"]["source"] == "installer");
}

TEST_CASE("a bad setting is refused with a clear error and changes nothing", "[config][cli]") {
  ConfigOffice office;
  REQUIRE(office.run({"config", "set", "hub", "https://hub.hungyen.gov.vn/"}).exit_code == 0);
  const json before = office.get();
  CHECK(before["hub"]["value"] == "https://hub.hungyen.gov.vn");  // trailing '/' dropped

  auto plain = office.run({"config", "set", "hub", "http://10.0.0.1:8440", "--json"});
  CHECK(plain.exit_code == cli::kExitInvalidInput);
  CHECK(json::parse(plain.err)["error"]["message"].get<std::string>().find("plain http://") != std::string::npos);
  auto small = office.run({"config", "set", "feed_interval", "2"});
  CHECK(small.exit_code == cli::kExitInvalidInput);
  CHECK(small.err.find("from 5 to 86400") != std::string::npos);
  auto unknown = office.run({"config", "set", "colour", "blue"});
  CHECK(unknown.exit_code == cli::kExitNotFound);
  CHECK(unknown.err.find("settings are: hub, feed_interval, retention_days, ui_listen, ui_session_minutes") != std::string::npos);
  CHECK(office.get() == before);

  write_file(office.installer_file, "this line has no equals sign\n");
  auto broken = office.run({"config", "get", "feed_interval"});
  CHECK(broken.exit_code == cli::kExitInvalidInput);
  CHECK(broken.err.find("line 1") != std::string::npos);
}
