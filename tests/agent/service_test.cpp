// The service's state machine (agent/service.hpp) around the real run loop on a real office: what
// the service manager is told, and how STOP and SHUTDOWN reach the office. Runs on Linux and, in
// the Windows build, under Wine; Wine never sends SHUTDOWN, so this is where that path is tested.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/run.hpp"
#include "agent/service.hpp"
#include "common/sqlite.hpp"
#include "tests/agent/agent_fixture.hpp"

using namespace motcua;
using namespace motcua::agent;
using namespace motcua::test;

namespace {

// Every report the host sends, in order.
struct Manager {
  std::mutex mutex;
  std::vector<ServiceReport> reports;
  void operator()(const ServiceReport& r) {
    std::lock_guard<std::mutex> lock(mutex);
    reports.push_back(r);
  }
  std::vector<std::string> states() {
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<std::string> out;
    for (const auto& r : reports) out.push_back(service_state_name(r.state));
    return out;
  }
  ServiceReport last() {
    std::lock_guard<std::mutex> lock(mutex);
    return reports.back();
  }
  ServiceReport at(size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    return i < reports.size() ? reports[i] : ServiceReport{};
  }
};

// The office as the service runs it: the real run loop on a real (not enrolled) office, which
// keeps trying to sync and waiting, until stopped.
int run_office(const std::string& dir, StopLink& stop, const std::function<void()>& started) {
  SystemClock clock;
  Runner runner(dir, clock, RunOptions{});
  stop.attach([&runner] { runner.request_stop(); });
  started();
  auto ran = runner.run();
  stop.detach();
  return ran ? 0 : 1;
}

bool wait_for(const std::function<bool()>& condition, int timeout_ms = 10000) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

void stop_running_office_with(ServiceControl control) {
  Office office;
  Manager manager;
  ServiceHost host([&manager](const ServiceReport& r) { manager(r); });
  auto exit_code = std::async(std::launch::async, [&] {
    return host.run([&](StopLink& stop, const std::function<void()>& started) {
      return run_office(office.dir.file("office"), stop, started);
    });
  });
  REQUIRE(wait_for([&] { return host.state() == ServiceState::kRunning; }));
  CHECK(manager.last().accepts_stop);
  CHECK(manager.last().wait_hint_ms == 0);

  REQUIRE(host.control(control));
  // The manager hears "stopping" before the office has finished, with time to finish its sync.
  CHECK(manager.at(2).state == ServiceState::kStopPending);
  CHECK(manager.at(2).wait_hint_ms == ServiceHost::kStopWaitHintMs);
  CHECK_FALSE(manager.at(2).accepts_stop);

  REQUIRE(exit_code.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(exit_code.get() == 0);
  CHECK(manager.states() == std::vector<std::string>{"start_pending", "running", "stop_pending", "stopped"});
  CHECK(manager.last().exit_code == 0);
  CHECK(host.state() == ServiceState::kStopped);
}

}  // namespace

TEST_CASE("a SHUTDOWN from the service manager stops the running office as SIGTERM does, reported as stopping "
          "at once and then as stopped with exit code 0",
          "[service]") {
  CHECK(service_control_from_code(5) == ServiceControl::kShutdown);  // SERVICE_CONTROL_SHUTDOWN
  stop_running_office_with(service_control_from_code(5));
}

TEST_CASE("a STOP and a PRESHUTDOWN from the service manager stop the running office the same way", "[service]") {
  CHECK(service_control_from_code(1) == ServiceControl::kStop);
  CHECK(service_control_from_code(15) == ServiceControl::kPreshutdown);
  stop_running_office_with(service_control_from_code(1));
  stop_running_office_with(service_control_from_code(15));
}

TEST_CASE("a stop that arrives before the office can be stopped stops it as soon as it starts", "[service]") {
  Office office;
  Manager manager;
  ServiceHost host([&manager](const ServiceReport& r) { manager(r); });
  std::atomic<bool> attached{false};
  auto exit_code = std::async(std::launch::async, [&] {
    return host.run([&](StopLink& stop, const std::function<void()>& started) {
      // Still setting up when the stop comes.
      if (!wait_for([&] { return stop.requested(); })) return 99;
      attached = true;
      return run_office(office.dir.file("office"), stop, started);
    });
  });
  REQUIRE(wait_for([&] { return !manager.states().empty(); }));  // start-pending reported
  REQUIRE(host.control(ServiceControl::kStop));
  REQUIRE(exit_code.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(exit_code.get() == 0);
  CHECK(attached);
  // The office's late "started" does not tell the manager it runs again.
  CHECK(manager.states() == std::vector<std::string>{"start_pending", "stop_pending", "stopped"});
}

TEST_CASE("interrogate repeats the service's state and changes nothing; other controls are not handled",
          "[service]") {
  Manager manager;
  ServiceHost host([&manager](const ServiceReport& r) { manager(r); });
  StopLink* link = nullptr;
  std::promise<void> release;
  auto released = release.get_future().share();
  auto exit_code = std::async(std::launch::async, [&] {
    return host.run([&](StopLink& stop, const std::function<void()>& started) {
      link = &stop;
      started();
      released.wait();
      return 3;  // the office ended with an error of its own
    });
  });
  REQUIRE(wait_for([&] { return host.state() == ServiceState::kRunning; }));
  REQUIRE(host.control(service_control_from_code(4)));  // SERVICE_CONTROL_INTERROGATE
  CHECK(manager.states() == std::vector<std::string>{"start_pending", "running", "running"});
  CHECK(host.state() == ServiceState::kRunning);
  CHECK_FALSE(link->requested());

  CHECK(service_control_from_code(2) == ServiceControl::kOther);  // SERVICE_CONTROL_PAUSE
  CHECK_FALSE(host.control(ServiceControl::kOther));
  CHECK_FALSE(link->requested());

  release.set_value();
  REQUIRE(exit_code.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(exit_code.get() == 3);
  // An error exit is reported as such, so the manager's recovery actions restart the service.
  CHECK(manager.last().state == ServiceState::kStopped);
  CHECK(manager.last().exit_code == 3);
}

TEST_CASE("a stop link runs its stop once, whether the request comes before or after it is attached",
          "[service]") {
  int stops = 0;
  StopLink before;
  before.request();
  before.request();
  before.attach([&] { ++stops; });
  CHECK(stops == 1);
  before.request();
  CHECK(stops == 1);

  StopLink after;
  after.attach([&] { ++stops; });
  CHECK(stops == 1);
  CHECK_FALSE(after.requested());
  after.request();
  after.request();
  CHECK(stops == 2);
  CHECK(after.requested());

  StopLink detached;
  detached.attach([&] { ++stops; });
  detached.detach();
  detached.request();
  CHECK(stops == 2);
  CHECK(detached.requested());
}

// --- removing the office's data at uninstall (the MSI's REMOVE_DATA=1) ----------------------------

namespace {

// An office in DIR/office with one dossier received; `acknowledged`: the hub has acknowledged
// every change (set as a sync would, since no hub takes part here). The store is closed on return.
std::string office_with_one_dossier(const TempDir& dir, ManualClock& clock, bool acknowledged) {
  const std::string data = dir.file("office");
  init_sample_office(data, "11953", clock);
  auto store = agent::Store::open(data, false, clock);
  REQUIRE(store);
  agent::ReceiveRequest req;
  req.procedure = "2.001019";
  req.applicant = "Nguyễn Thị Hoa";
  req.citizen_id = "033198001234";
  req.actor = "test-clerk";
  REQUIRE(agent::receive(*store, req));
  if (acknowledged) {
    REQUIRE(store->db().exec("UPDATE outbox SET state = 'acknowledged', acked_at = 1 WHERE state = 'pending'"));
  }
  return data;
}

size_t files_under(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::filesystem::u8path(dir))) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("removing the office's data at uninstall deletes the directory once the hub has every change",
          "[service][uninstall]") {
  TempDir dir;
  ManualClock clock(vn("2026-03-02T09:00"));
  const std::string data = office_with_one_dossier(dir, clock, true);
  std::filesystem::create_directories(std::filesystem::u8path(data + "/logs"));
  write_file(data + "/logs/agent.log", "motcua-agent: running\n");

  auto removed = remove_office_data(data, clock);
  REQUIRE(removed);
  CHECK(removed->existed);
  CHECK(removed->dossiers == 1);
  CHECK_FALSE(std::filesystem::exists(std::filesystem::u8path(data)));

  auto again = remove_office_data(data, clock);
  REQUIRE(again);
  CHECK_FALSE(again->existed);
}

TEST_CASE("removing the office's data at uninstall keeps every file while a change has not reached the hub",
          "[service][uninstall]") {
  TempDir dir;
  ManualClock clock(vn("2026-03-02T09:00"));
  const std::string data = office_with_one_dossier(dir, clock, false);
  const size_t before = files_under(data);

  auto removed = remove_office_data(data, clock);
  REQUIRE_FALSE(removed);
  CHECK(removed.error().code == ErrorCode::kConflict);
  CHECK_THAT(removed.error().message, Catch::Contains("have not reached the hub"));
  CHECK(files_under(data) == before);
  auto store = agent::Store::open(data, false, clock);
  REQUIRE(store);
  auto dossiers = sql::query_int64(store->db(), "SELECT count(*) FROM dossier_state");
  REQUIRE(dossiers);
  CHECK(dossiers->value_or(0) == 1);
}

TEST_CASE("removing data refuses a directory that holds files but no office database, and deletes nothing",
          "[service][uninstall]") {
  TempDir dir;
  ManualClock clock(vn("2026-03-02T09:00"));
  const std::string other = dir.file("not-an-office");
  std::filesystem::create_directories(std::filesystem::u8path(other + "/logs"));
  write_file(other + "/report.xlsx", "someone's work");

  auto removed = remove_office_data(other, clock);
  REQUIRE_FALSE(removed);
  CHECK(removed.error().code == ErrorCode::kInvalidInput);
  CHECK_THAT(removed.error().message, Catch::Contains("report.xlsx"));
  CHECK(read_file(other + "/report.xlsx") == "someone's work");

  // What a service leaves before its first enrollment, its logs alone, may go.
  std::filesystem::remove(std::filesystem::u8path(other + "/report.xlsx"));
  write_file(other + "/logs/agent.log", "motcua-agent: enrollment attempt 1 failed\n");
  auto logs_only = remove_office_data(other, clock);
  REQUIRE(logs_only);
  CHECK(logs_only->dossiers == 0);
  CHECK_FALSE(std::filesystem::exists(std::filesystem::u8path(other)));
}
