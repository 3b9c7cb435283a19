// `motcua-agent service` as an installer leaves it: the first start enrolls with the hub address and
// one-time code the installer recorded (here an installer defaults file, as the Debian package and
// the MSI write), on an empty data directory, with a real hub over loopback; `--console` runs it in
// the foreground and stops on SIGTERM like `run`. The Windows-only parts (the Service Control
// Manager, recovery actions, the ACL, the log file) are tested in the Windows build.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/integration/hub_fixture.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

namespace {

// The installer's defaults file with `lines`, and the environment that points the agent at it.
std::map<std::string, std::string> installer_env(const TempDir& dir, const std::string& lines) {
  const std::string path = dir.file("agent.conf");
  std::ofstream(path) << "# written by the installer\n" << lines;
  auto env = child_env();
  env["MOTCUA_AGENT_CONF"] = path;
  return env;
}

std::unique_ptr<BackgroundProcess> start_service(const TempDir& dir, const std::string& data,
                                                 const std::map<std::string, std::string>& env,
                                                 const std::string& log) {
  return std::make_unique<BackgroundProcess>(
      std::vector<std::string>{agent_exe(), "service", "--console", "--data", data, "--feed-interval", "5", "--ui",
                               "off"},
      env, dir.file(log));
}

}  // namespace

TEST_CASE("the first start of an installed agent enrolls with the installer's hub and code, syncs, and never "
          "enrolls again",
          "[service][e2e]") {
  TempDir dir;
  Hub hub(dir);
  hub.publish_catalog(source_path("data/tthc-commune-sample.csv"));
  hub.publish_calendar(source_path("data/holidays-vn.csv"));
  const std::string data = dir.file("programdata-motcua");  // empty: as the installer leaves it
  const auto env = installer_env(dir, "hub = " + hub.url() + "\nenroll_code = " + hub.enroll_code("11953") + "\n");

  auto service = start_service(dir, data, env, "service.log");
  INFO(service->output());
  REQUIRE(eventually([&] { return service->output().find("enrolled with the installer's hub and code") != std::string::npos; },
                     20000));
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM agent WHERE unit = '11953' AND status = 'active'") == 1);
  // It then runs as `run` does: a clerk's dossier reaches the hub.
  auto received = run_process({agent_exe(), "receive", "--data", data, "--procedure", "2.001019", "--applicant",
                               "Nguyễn Thị Hoa", "--citizen-id", "033198001234", "--json"},
                              env, 30000);
  INFO(describe(received));
  REQUIRE(received.exit_code == 0);
  CHECK(eventually([&] { return count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 1; }, 15000));
  CHECK(service->stop(SIGTERM, 10000) == 0);
  CHECK(service->output().find("motcua-agent: stopped") != std::string::npos);

  // The second start finds the office enrolled: the installer's code (used up now) is not tried.
  auto again = start_service(dir, data, env, "service-2.log");
  INFO(again->output());
  REQUIRE(eventually([&] { return again->output().find("motcua-agent: running for") != std::string::npos; }, 20000));
  CHECK(again->stop(SIGTERM, 10000) == 0);
  CHECK(again->output().find("enrolled with") == std::string::npos);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM agent WHERE unit = '11953'") == 1);
}

TEST_CASE("an installed agent whose hub cannot be reached keeps retrying its enrollment and stops cleanly meanwhile",
          "[service][e2e]") {
  TempDir dir;
  const std::string data = dir.file("programdata-motcua");
  const std::string unreachable = "http://127.0.0.1:" + std::to_string(free_loopback_port());
  auto service = start_service(dir, data, installer_env(dir, "hub = " + unreachable + "\nenroll_code = 7K3QD-M9X2A\n"),
                               "service.log");
  INFO(service->output());
  REQUIRE(eventually([&] { return service->output().find("enrollment attempt 1 failed, next in 30 s") != std::string::npos; },
                     20000));
  CHECK(service->stop(SIGTERM, 10000) == 0);
}

TEST_CASE("an installed agent whose code the hub refuses stops with the hub's reason and what to do", "[service][e2e]") {
  TempDir dir;
  Hub hub(dir);
  const std::string data = dir.file("programdata-motcua");
  // It ends by itself: a used, expired or mistyped code needs provincial IT, not a retry.
  auto r = run_process({agent_exe(), "service", "--console", "--data", data, "--ui", "off"},
                       installer_env(dir, "hub = " + hub.url() + "\nenroll_code = 7K3QD-M9X2A\n"), 30000);
  INFO(describe(r));
  CHECK(r.exit_code == 10);  // unauthorized
  CHECK(r.err.find("hint") != std::string::npos);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM agent") == 0);
}

TEST_CASE("without the Windows service manager, `service` says to use --console or systemd's `run`", "[service]") {
  TempDir dir;
  auto r = agent_cmd({"service", "--data", dir.file("office")});
  INFO(describe(r));
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("systemd") != std::string::npos);
}
