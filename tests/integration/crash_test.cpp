// Crashes and power cuts end to end: real agent and hub processes SIGKILLed at random
// points during sync and at the exact instant between the hub's commit and its answer, restarted,
// and then checked row by row: every change arrives exactly once.
#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/integration/hub_fixture.hpp"
#include "tests/support/crash_loop.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

TEST_CASE("agents and hub killed at random points during sync lose and duplicate nothing and converge",
          "[crash][e2e]") {
  TempDir dir;
  CrashLoopOptions options;
  options.kills = 60;  // 30 agent kills (sync and run) and 30 hub kills
  options.offices = 2;
  options.seed = crash_seed_from_env();  // set MOTCUA_CRASH_SEED to replay a failure
  options.time_limit_ms = 80000;         // well inside the 120 s test timeout
  options.work_dir = dir.str();
  options.log = &std::cout;
  const CrashLoopReport report = run_crash_loop(options);

  INFO("replay with MOTCUA_CRASH_SEED=" << report.seed);
  INFO(report.summary());
  std::string problems;
  for (const auto& p : report.problems) problems += p + "\n";
  INFO(problems);
  CHECK(report.ok());
  CHECK(report.agent_kills == 30);
  CHECK(report.hub_kills == 30);
  // The clerks kept working throughout, and what they saved is what the hub holds.
  CHECK(report.clerk_receives > 0);
  CHECK(report.clerk_status_changes > 0);
  CHECK(report.hub_dossiers == report.clerk_receives);
  CHECK(report.hub_events == report.clerk_status_changes);
  CHECK(report.hub_documents == 2 * report.clerk_receives);
}

TEST_CASE("a batch the hub committed but could not answer before a power cut is re-sent and held once",
          "[crash][e2e]") {
  TempDir dir;
  Hub hub(dir, "hub.writer.after_commit");
  Office office(dir, "office", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  const std::string first = office.receive("Trần Thị Bình");
  office.receive("Lê Văn Cường");
  office.set_status(first, 4);

  // The hub applies the batch, commits, and loses power before its answer leaves.
  ProcessResult cut;
  std::thread syncing([&] { cut = agent_cmd({"sync", "--data", office.data(), "--json"}); });
  bool reached = false;
  for (int i = 0; i < 400 && !reached; ++i) {
    reached = hub.process().output().find("fault point hub.writer.after_commit reached") != std::string::npos;
    if (!reached) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  hub.kill();
  syncing.join();
  INFO(describe(cut));
  REQUIRE(reached);
  CHECK(cut.exit_code != 0);  // no answer: the office must not record the batch as sent

  // Both files are sound after the cut; the hub kept what it committed, the office still has it pending.
  CHECK(integrity_check(hub.db_path()) == "ok");
  CHECK(integrity_check(office.db_path()) == "ok");
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 2);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM batch") == 1);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 3);

  hub.set_fault("");
  hub.restart();
  auto resent = office.sync();
  INFO(describe(resent));
  REQUIRE(resent.exit_code == 0);
  const json report = json::parse(resent.out);
  CHECK(report["duplicate"] == 1);
  CHECK(report["applied"] == 0);
  CHECK(report["pending_changes"] == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 2);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier_event") == 1);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier_document") == 4);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM batch") == 1);
  for (const char* table : {"dossier", "dossier_event", "dossier_document"}) {
    INFO(table);
    CHECK(fact_ids(hub.db_path(), table) == fact_ids(office.db_path(), table));
  }
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox_batch WHERE ack_status = 'duplicate'") == 1);
}
