// `motcua-agent run` as the office PC runs it: a real background process against a real hub,
// clerks' changes made by other processes, the hub stopped and restarted, SIGTERM to stop.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/integration/hub_fixture.hpp"
#include "tests/support/tamper_proxy.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

namespace {

json office_status(const Office& office) {
  auto r = agent_cmd({"status", "--data", office.data(), "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::unique_ptr<BackgroundProcess> start_run(const TempDir& dir, const Office& office, const std::string& name) {
  return std::make_unique<BackgroundProcess>(
      std::vector<std::string>{agent_exe(), "run", "--data", office.data(), "--feed-interval", "5", "--ui", "127.0.0.1:0"}, child_env(),
      dir.file(name));
}

void prepare(Hub& hub, Office& office) {
  hub.publish_catalog(source_path("data/tthc-commune-sample.csv"));
  hub.publish_calendar(source_path("data/holidays-vn.csv"));
  auto enrolled = office.enroll(hub, hub.enroll_code("11953"));
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
}

}  // namespace

TEST_CASE("the run loop uploads a clerk's changes promptly and stops cleanly on SIGTERM", "[run][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  auto run = start_run(dir, office, "run.log");
  for (const char* name : {"Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Mai"}) office.receive(name);
  INFO(run->output());
  CHECK(eventually([&] { return count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 3; }, 15000));
  CHECK(run->stop(SIGTERM, 10000) == 0);
  CHECK(run->output().find("motcua-agent: stopped") != std::string::npos);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0);
  json s = office_status(office);
  CHECK(s["last_attempt_at"].is_string());
  CHECK(s["last_sync_ok_at"].is_string());
  CHECK(s["last_error"].is_null());
}

TEST_CASE("with the hub down the run loop keeps every change, retries with backoff, shows why, and catches up",
          "[run][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  hub.stop();
  auto run = start_run(dir, office, "run.log");
  office.receive("Nguyễn Thị Hoa");
  office.receive("Trần Văn Bình");
  auto retries = [&] {
    const std::string out = run->output();
    size_t n = 0;
    for (auto at = out.find("will retry"); at != std::string::npos; at = out.find("will retry", at + 1)) ++n;
    return n;
  };
  INFO(run->output());
  REQUIRE(eventually([&] { return retries() >= 2; }, 15000));
  json down = office_status(office);
  REQUIRE(down["last_error"].is_object());
  CHECK(down["last_error"]["current"] == true);
  CHECK(down["last_error"]["code"] == "unavailable");
  CHECK(down["pending_changes"] == 2);

  hub.restart();
  CHECK(eventually([&] { return count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 2; }, 30000));
  CHECK(eventually([&] { return office_status(office)["last_error"]["current"] == false; }, 5000));
  CHECK(run->stop(SIGTERM, 10000) == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM batch WHERE status = 'applied'") >= 1);
}

TEST_CASE("a running agent receives a publication at its feed interval", "[run][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  auto run = start_run(dir, office, "run.log");
  hub.publish_catalog(catalog_variant(dir, "amended.csv", {{"1.001193", "Thủ tục đăng ký khai sinh,", "Đăng ký khai sinh,"}}));
  INFO(run->output());
  CHECK(eventually([&] { return office_status(office)["catalog_version"] == 2; }, 15000));
  CHECK(run->stop(SIGTERM, 10000) == 0);
}

TEST_CASE("when the province moves its hub, config set hub points the office at it without enrolling again",
          "[run][e2e][config]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  TamperProxy new_address(hub.port());  // the hub's new address (the same hub behind it)
  std::atomic<int> through_new{0};
  new_address.set_transform([&](ProxiedResponse&) { ++through_new; });
  auto set = agent_cmd({"config", "set", "--data", office.data(), "hub", new_address.url()});
  INFO(describe(set));
  REQUIRE(set.exit_code == 0);
  office.receive("Nguyễn Thị Hoa");
  auto synced = office.sync();
  INFO(describe(synced));
  CHECK(synced.exit_code == 0);
  CHECK(through_new >= 2);  // the batch and the feed went to the new address
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 1);
  CHECK(office_status(office)["hub"] == new_address.url());
}

TEST_CASE("run serves the clerk web UI on the address it is given and refuses a busy port or a bad address loudly",
          "[run][web]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  prepare(hub, office);
  const int port = free_loopback_port();
  const std::string address = "127.0.0.1:" + std::to_string(port);
  BackgroundProcess run({agent_exe(), "run", "--data", office.data(), "--ui", address}, child_env(), dir.file("run.log"));
  const std::string banner = "motcua-agent: clerk web UI on http://" + address + "/";
  CHECK(eventually([&] { return run.output().find(banner) != std::string::npos; }, 10000));
  // A second agent cannot take the same port: it says so and exits 9, changing nothing.
  auto second = agent_cmd({"run", "--data", office.data(), "--ui", address, "--json"});
  INFO(describe(second));
  CHECK(second.exit_code == 9);
  CHECK(second.err.find("cannot listen on " + address) != std::string::npos);
  CHECK(run.running());
  CHECK(run.stop(SIGTERM, 10000) == 0);
  CHECK(run.output().find("motcua-agent: stopped") != std::string::npos);

  for (const char* bad : {"8480", "127.0.0.1:99999", "127.0.0.1:", "exa mple:80"}) {
    auto r = agent_cmd({"run", "--data", office.data(), "--ui", bad});
    INFO(bad << ": " << describe(r));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("is not ADDRESS:PORT") != std::string::npos);
  }
  auto off = agent_cmd({"config", "set", "--data", office.data(), "ui_listen", "192.168.1.10"});
  CHECK(off.exit_code == 3);
}
