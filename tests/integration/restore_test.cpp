// Backup and restore with real processes: `motcua-hub backup` while `motcua-hub serve` answers
// offices, and `motcua-hub restore` followed by a hub that serves the same offices again.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/http_client.hpp"
#include "common/time.hpp"
#include "tests/integration/hub_fixture.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

namespace {

const std::string kSampleCatalog = source_path("data/tthc-commune-sample.csv");
const std::string kSampleCalendar = source_path("data/holidays-vn.csv");

json agent_status(const Office& office) {
  auto r = agent_cmd({"status", "--data", office.data(), "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::string time_limit_text(const Office& office, const std::string& key) {
  auto conn = sql::Db::open(office.db_path(), sql::Db::Options{false, true, 5000});
  REQUIRE(conn);
  auto st = conn->prepare("SELECT time_limit_text FROM procedure WHERE key = ?1 ORDER BY version DESC LIMIT 1");
  REQUIRE(st);
  st->bind(1, key);
  REQUIRE(*st->step());
  return st->text(0);
}

// `motcua-hub serve` on a restored data directory, on the port the offices know; ready when its
// health endpoint answers (the port may need a moment to be free again after the old hub).
std::unique_ptr<BackgroundProcess> serve_on(const TempDir& dir, const std::string& data, int port) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  for (int attempt = 0; attempt < 40; ++attempt) {
    auto p = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{hub_exe(), "serve", "--data", data, "--listen", "127.0.0.1:" + std::to_string(port)},
        child_env(), dir.file("restored-hub.log"));
    for (int i = 0; i < 200 && p->running(); ++i) {
      auto r = agent::http_get(url + "/v1/health", {}, agent::HttpTimeouts{2, 1, 2, 2});
      if (r && r->status == 200) return p;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  FAIL("the restored hub did not start on port " << port);
  return nullptr;
}

}  // namespace

TEST_CASE("a hub backed up while it serves keeps serving, and the backup holds every dossier synced before it",
          "[e2e][backup]") {
  TempDir dir;
  Hub hub(dir);
  hub.publish_catalog(kSampleCatalog);
  hub.publish_calendar(kSampleCalendar);
  Office pho_hien(dir, "pho-hien", "11953");
  Office nhu_quynh(dir, "nhu-quynh", "12004");
  REQUIRE(pho_hien.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  REQUIRE(nhu_quynh.enroll(hub, hub.enroll_code("12004")).exit_code == 0);
  pho_hien.set_status(pho_hien.receive("Nguyễn Thị Hoa"), 4);
  pho_hien.receive("Trần Văn Bình", "001099004321");
  nhu_quynh.receive("Lê Thị Cúc", "033301002468");
  REQUIRE(pho_hien.sync().exit_code == 0);
  REQUIRE(nhu_quynh.sync().exit_code == 0);
  const std::set<std::string> synced = fact_ids(hub.db_path(), "dossier");
  REQUIRE(synced.size() == 3);

  // The backup runs as its own process while an office syncs with the serving hub.
  const std::string out = dir.file("backup-2026-03-02");
  ProcessResult backup;
  std::thread backing_up([&] { backup = hub_cmd({"backup", "--data", hub.data(), out, "--json"}); });
  nhu_quynh.receive("Phạm Văn Dũng", "033301002469");
  const ProcessResult during = nhu_quynh.sync();
  backing_up.join();
  INFO(describe(backup));
  REQUIRE(backup.exit_code == 0);
  INFO(describe(during));
  CHECK(during.exit_code == 0);
  CHECK(hub.process().running());

  json report = json::parse(backup.out);
  CHECK(report["epoch"] == read_meta(hub.db_path(), "epoch"));
  CHECK(report["province"] == "33");
  CHECK(report["agents"] == 2);
  CHECK(report["catalog_version"] == 1);
  CHECK(report["calendar_version"] == 1);
  CHECK(report["database_bytes"].get<int64_t>() > 0);
  const std::set<std::string> backed_up = fact_ids(out + "/hub.db", "dossier");
  CHECK(report["dossiers"] == backed_up.size());
  for (const auto& id : synced) {
    INFO("dossier " << id);
    CHECK(backed_up.count(id) == 1);
  }
  // Nothing the hub never held; the dossier synced during the backup is in it or not, never half.
  const std::set<std::string> after = fact_ids(hub.db_path(), "dossier");
  CHECK(after.size() == 4);
  for (const auto& id : backed_up) CHECK(after.count(id) == 1);
  CHECK(count_rows(out + "/hub.db", "SELECT count(*) FROM dossier_document") == 2 * static_cast<int64_t>(backed_up.size()));
  CHECK(read_file(out + "/hub-key.pem") == read_file(hub.data() + "/hub-key.pem"));

  // The hub still serves.
  pho_hien.receive("Vũ Thị Giang", "033301002470");
  auto later = pho_hien.sync();
  INFO(describe(later));
  CHECK(later.exit_code == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dossier") == 5);
}

TEST_CASE("a restored hub serves its offices under a new epoch and brings them back to its reference data",
          "[e2e][restore]") {
  TempDir dir;
  Hub hub(dir);
  hub.publish_catalog(kSampleCatalog);
  hub.publish_calendar(kSampleCalendar);
  Office office(dir, "pho-hien", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  const std::string code = office.receive("Nguyễn Thị Hoa");
  REQUIRE(office.sync().exit_code == 0);
  const std::string old_epoch = read_meta(hub.db_path(), "epoch");
  auto backup = hub_cmd({"backup", "--data", hub.data(), dir.file("backup"), "--json"});
  INFO(describe(backup));
  REQUIRE(backup.exit_code == 0);

  // After the backup the province publishes a longer time limit, and the office receives it ...
  const std::string amended = catalog_variant(dir, "amended.csv",
                                              {{"2.001019", "Không quá 02 ngày làm việc", "Không quá 03 ngày làm việc"}});
  CHECK(hub.publish_catalog(amended)["version"] == 2);
  REQUIRE(office.sync().exit_code == 0);
  REQUIRE(agent_status(office)["catalog_version"] == 2);
  // ... then the hub's disk is lost: the installer restores the backup into a new directory.
  const int port = hub.port();
  hub.stop();
  const std::string restored = dir.file("restored");
  auto restore = hub_cmd({"restore", "--from", dir.file("backup"), "--data", restored, "--json"});
  INFO(describe(restore));
  REQUIRE(restore.exit_code == 0);
  json r = json::parse(restore.out);
  CHECK(r["previous_epoch"] == old_epoch);
  CHECK(r["epoch"] != old_epoch);
  CHECK(r["epoch"] == read_meta(restored + "/hub.db", "epoch"));
  CHECK(r["publication_version_floor"] == 1001);
  CHECK(r["catalog_version"] == 1001);
  CHECK(r["calendar_version"] == 1001);
  CHECK(r["dossiers"] == 1);

  auto serving = serve_on(dir, restored, port);
  // The office follows the new epoch: its feed starts again, it skips what it holds and takes the
  // republished catalogue, which is the backup's (the longer time limit was lost with the disk).
  auto synced = office.sync();
  INFO(describe(synced));
  REQUIRE(synced.exit_code == 0);
  json status = agent_status(office);
  CHECK(status["catalog_version"] == 1001);
  CHECK(status["calendar_version"] == 1001);
  CHECK(read_meta(office.db_path(), "feed_epoch") == r["epoch"].get<std::string>());
  CHECK(time_limit_text(office, "2.001019") == "Không quá 02 ngày làm việc");
  // The province publishes the amendment again: numbered above the floor, it reaches the office.
  auto again = hub_cmd({"catalog", "publish", "--data", restored, amended, "--json"});
  INFO(describe(again));
  REQUIRE(again.exit_code == 0);
  CHECK(json::parse(again.out)["version"] == 1002);
  REQUIRE(office.sync().exit_code == 0);
  CHECK(agent_status(office)["catalog_version"] == 1002);
  CHECK(time_limit_text(office, "2.001019") == "Không quá 03 ngày làm việc");
  // The dossier synced before the backup is at the restored hub, once.
  CHECK(count_rows(restored + "/hub.db", "SELECT count(*) FROM dossier WHERE code = '" + code + "'") == 1);
  serving->stop(SIGTERM);
}

TEST_CASE("after a restore from an older backup every office re-sends what the hub lost, and the hub holds every "
          "dossier exactly once",
          "[e2e][restore]") {
  TempDir dir;
  Hub hub(dir);
  hub.publish_catalog(kSampleCatalog);
  hub.publish_calendar(kSampleCalendar);
  Office pho_hien(dir, "pho-hien", "11953");
  Office nhu_quynh(dir, "nhu-quynh", "12004");
  REQUIRE(pho_hien.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  REQUIRE(nhu_quynh.enroll(hub, hub.enroll_code("12004")).exit_code == 0);
  pho_hien.receive("Nguyễn Thị Hoa");
  nhu_quynh.receive("Vũ Minh Tuấn");
  REQUIRE(pho_hien.sync().exit_code == 0);
  REQUIRE(nhu_quynh.sync().exit_code == 0);
  auto backup = hub_cmd({"backup", "--data", hub.data(), dir.file("backup"), "--json"});
  INFO(describe(backup));
  REQUIRE(backup.exit_code == 0);

  // After the backup: more dossiers and status changes reach the hub from both offices ...
  for (const char* name : {"Trần Văn Bình", "Lê Thị Mai"}) {
    const std::string code = pho_hien.receive(name);
    pho_hien.set_status(code, 4);
    REQUIRE(pho_hien.sync().exit_code == 0);
  }
  nhu_quynh.receive("Hoàng Thị Lan");
  REQUIRE(nhu_quynh.sync().exit_code == 0);
  // ... and one more is waiting at Phố Hiến when the hub's disk dies.
  pho_hien.receive("Phạm Quốc Đạt");
  const auto before_loss = fact_ids(hub.db_path(), "dossier");
  REQUIRE(before_loss.size() == 5);
  const int port = hub.port();
  hub.stop();
  const std::string restored = dir.file("restored");
  auto restore = hub_cmd({"restore", "--from", dir.file("backup"), "--data", restored, "--json"});
  INFO(describe(restore));
  REQUIRE(restore.exit_code == 0);
  REQUIRE(fact_ids(restored + "/hub.db", "dossier").size() == 2);  // the backup's

  auto serving = serve_on(dir, restored, port);
  for (Office* office : {&pho_hien, &nhu_quynh}) {
    auto synced = office->sync();
    INFO(describe(synced));
    CHECK(synced.exit_code == 0);
    CHECK(synced.err.find("the hub was restored from a backup") != std::string::npos);
    CHECK(count_rows(office->db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0);
  }
  auto after = fact_ids(restored + "/hub.db", "dossier");
  CHECK(after.size() == 6);  // the 5 the lost hub had, and the one that was waiting
  for (const auto& id : before_loss) CHECK(after.count(id) == 1);
  CHECK(count_rows(restored + "/hub.db", "SELECT count(*) FROM dossier_event WHERE to_status = 4") == 2);
  // A further sync sends nothing again.
  auto quiet = pho_hien.sync();
  CHECK(quiet.exit_code == 0);
  CHECK(json::parse(quiet.out)["batches"] == 0);
  serving->stop(SIGTERM);
}

namespace {

// `motcua-agent sync --json` with the office's clock `days` after the tests' pinned time.
json sync_days_later(const Office& office, int days) {
  auto env = child_env();
  env["MOTCUA_NOW"] = format_rfc3339_vn(Instant{parse_rfc3339(kTestNow)->ms + days * 24LL * 3600 * 1000});
  auto r = run_process({agent_exe(), "sync", "--data", office.data(), "--json"}, env);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("an office forgets sent changes only after its retention, and always keeps its last batch",
          "[e2e][restore]") {
  TempDir dir;
  Hub hub(dir);
  Office office(dir, "pho-hien", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  for (const char* name : {"Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Mai"}) {
    office.receive(name);
    REQUIRE(office.sync().exit_code == 0);  // one batch each
  }
  REQUIRE(count_rows(office.db_path(), "SELECT count(*) FROM outbox") == 3);

  // Within the default retention (30 days) nothing is forgotten.
  CHECK(sync_days_later(office, 29)["sent_changes_forgotten"] == 0);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox") == 3);
  // After it, the first two go; the last batch stays, since the next one chains to it.
  CHECK(sync_days_later(office, 31)["sent_changes_forgotten"] == 2);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox") == 1);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox_batch") == 1);
  // A shorter retention set by the installer applies at the next sync, and the office keeps
  // sending: a new change chains to the batch it kept.
  REQUIRE(agent_cmd({"config", "set", "--data", office.data(), "retention_days", "5"}).exit_code == 0);
  office.receive("Phạm Quốc Đạt");
  auto later = sync_days_later(office, 40);
  CHECK(later["applied"] == 1);
  CHECK(later["sent_changes_forgotten"] == 1);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox") == 1);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0);
  CHECK(fact_ids(hub.db_path(), "dossier").size() == 4);
  // The dossiers themselves are never forgotten by the office.
  CHECK(fact_ids(office.db_path(), "dossier").size() == 4);
}
