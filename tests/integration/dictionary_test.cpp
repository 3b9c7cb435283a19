// Compression dictionaries end to end (PROTOCOL.md 4.1), with real processes: trained by
// motcua-train-dictionary, published by `motcua-hub dictionary publish`, carried by the feed, used by
// offices for their batches, and survived by a hub restored from a backup older than the dictionary.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/files.hpp"
#include "tests/integration/hub_fixture.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kSampleCatalog = source_path("data/tthc-commune-sample.csv");
const std::string kSampleCalendar = source_path("data/holidays-vn.csv");

ProcessResult train(std::vector<std::string> args) {
  args.insert(args.begin(), MOTCUA_TRAIN_DICTIONARY_EXE);
  return run_process(args, child_env());
}

// A dictionary trained on few dossiers (enough for the trainer, quick for a test), and its id.
std::pair<std::string, int64_t> trained_dictionary(const TempDir& dir, const std::string& name, int seed) {
  const std::string path = dir.file(name);
  auto r = train({"--catalog", kSampleCatalog, "--calendar", kSampleCalendar, "--out", path, "--dossiers", "300",
                  "--seed", std::to_string(seed), "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return {path, json::parse(r.out)["dictionary_id"].get<int64_t>()};
}

json publish_dictionary(const Hub& hub, const std::string& path) {
  auto r = hub_cmd({"dictionary", "publish", "--data", hub.data(), path, "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// The dictionary_id field (offset 77, big-endian) of each batch envelope an office built, in order.
std::vector<int64_t> batch_dictionaries(const Office& office) {
  auto db = sql::Db::open(office.db_path(), sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  auto st = db->prepare("SELECT envelope FROM outbox_batch ORDER BY first_seq");
  REQUIRE(st);
  std::vector<int64_t> ids;
  while (*st->step()) {
    sql::Blob e = st->blob(0);
    REQUIRE(e.size() > 81);
    ids.push_back(int64_t{e[77]} << 24 | int64_t{e[78]} << 16 | int64_t{e[79]} << 8 | int64_t{e[80]});
  }
  return ids;
}

}  // namespace

TEST_CASE("the trainer writes a dictionary that makes single-change batches smaller, and refuses bad arguments",
          "[dictionary][e2e]") {
  TempDir dir;
  const std::string out = dir.file("d.zdict");
  auto r = train({"--catalog", kSampleCatalog, "--calendar", kSampleCalendar, "--out", out, "--dossiers", "300", "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  auto doc = json::parse(r.out);
  CHECK(fs::file_size(out) == doc["dictionary_bytes"].get<size_t>());
  CHECK(doc["dictionary_id"].get<int64_t>() >= 32768);
  REQUIRE(doc["measured"].size() == 3);
  const json& single = doc["measured"][0];
  CHECK(single["changes_per_batch"] == 1);
  CHECK(single["zstd_dictionary_bytes"].get<int64_t>() < single["zstd_bytes"].get<int64_t>());
  // Plain text output names the dictionary and prints the comparison.
  auto text = train({"--catalog", kSampleCatalog, "--calendar", kSampleCalendar, "--out", dir.file("t.zdict"),
                     "--dossiers", "300"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("Wrote dictionary") != std::string::npos);
  CHECK(text.out.find("changes/batch") != std::string::npos);

  auto too_few = train({"--catalog", kSampleCatalog, "--calendar", kSampleCalendar, "--out", dir.file("x"), "--dossiers", "5"});
  CHECK(too_few.exit_code == 2);
  CHECK_FALSE(fs::exists(dir.file("x")));
  auto no_catalog = train({"--catalog", dir.file("missing.csv"), "--calendar", kSampleCalendar, "--out", dir.file("y")});
  CHECK(no_catalog.exit_code != 0);
  CHECK_FALSE(no_catalog.err.empty());
  CHECK_FALSE(fs::exists(dir.file("y")));
}

TEST_CASE("a published dictionary reaches every office, which compress their next batches with it; the hub "
          "applies batches with and without it",
          "[dictionary][e2e]") {
  TempDir dir;
  Hub hub(dir);
  hub.publish_catalog(kSampleCatalog);
  Office pho_hien(dir, "pho-hien", "11953");
  Office nhu_quynh(dir, "nhu-quynh", "12004");
  REQUIRE(pho_hien.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  REQUIRE(nhu_quynh.enroll(hub, hub.enroll_code("12004")).exit_code == 0);
  pho_hien.receive("Nguyễn Thị Hoa");
  REQUIRE(pho_hien.sync().exit_code == 0);  // before any dictionary: plain zstd

  auto [path, id] = trained_dictionary(dir, "d.zdict", 1);
  auto published = publish_dictionary(hub, path);
  CHECK(published["changed"] == true);
  CHECK(published["dictionary_id"] == id);
  CHECK(published["units"].get<int64_t>() >= 2);
  // Publishing the same file again changes nothing.
  auto again = publish_dictionary(hub, path);
  CHECK(again["changed"] == false);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM publication WHERE kind = 'dictionary'") == 1);

  // Phố Hiến: this sync's upload goes before its feed pull (plain), the next one uses the dictionary.
  pho_hien.receive("Trần Văn Bình");
  REQUIRE(pho_hien.sync().exit_code == 0);
  CHECK(count_rows(pho_hien.db_path(), "SELECT count(*) FROM compression_dictionary WHERE id = " + std::to_string(id)) == 1);
  pho_hien.receive("Lê Thị Mai");
  REQUIRE(pho_hien.sync().exit_code == 0);
  CHECK(batch_dictionaries(pho_hien) == std::vector<int64_t>{0, 0, id});
  // Như Quỳnh never synced before the publication: it gets the dictionary too.
  nhu_quynh.receive("Vũ Minh Tuấn");
  REQUIRE(nhu_quynh.sync().exit_code == 0);
  nhu_quynh.receive("Hoàng Thị Lan");
  REQUIRE(nhu_quynh.sync().exit_code == 0);
  CHECK(batch_dictionaries(nhu_quynh).back() == id);
  CHECK(fact_ids(hub.db_path(), "dossier").size() == 5);
  for (const Office* office : {&pho_hien, &nhu_quynh}) {
    CHECK(count_rows(office->db_path(), "SELECT count(*) FROM outbox WHERE state <> 'acknowledged'") == 0);
  }
}

TEST_CASE("a file that is not a dictionary is refused at publication and changes nothing", "[dictionary][e2e]") {
  TempDir dir;
  Hub hub(dir);
  const std::string bogus = dir.file("bogus.zdict");
  REQUIRE(write_private_file(bogus, "this is a CSV, not a dictionary\n"));
  for (const std::string& file : {bogus, dir.file("missing.zdict")}) {
    auto r = hub_cmd({"dictionary", "publish", "--data", hub.data(), file});
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK_FALSE(r.err.empty());
  }
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM dictionary") == 0);
  CHECK(count_rows(hub.db_path(), "SELECT count(*) FROM feed_entry WHERE kind = 'dictionary'") == 0);
}

TEST_CASE("after a restore from a backup older than the dictionary, the office sends its batches again without "
          "it and the hub holds every dossier exactly once",
          "[dictionary][e2e][restore]") {
  TempDir dir;
  Hub hub(dir);
  hub.publish_catalog(kSampleCatalog);
  Office office(dir, "pho-hien", "11953");
  REQUIRE(office.enroll(hub, hub.enroll_code("11953")).exit_code == 0);
  office.receive("Nguyễn Thị Hoa");
  REQUIRE(office.sync().exit_code == 0);
  auto backup = hub_cmd({"backup", "--data", hub.data(), dir.file("backup"), "--json"});
  INFO(describe(backup));
  REQUIRE(backup.exit_code == 0);

  auto [path, id] = trained_dictionary(dir, "d.zdict", 2);
  publish_dictionary(hub, path);
  REQUIRE(office.sync().exit_code == 0);  // receives the dictionary
  office.receive("Trần Văn Bình");
  office.receive("Lê Thị Mai");
  REQUIRE(office.sync().exit_code == 0);
  REQUIRE(batch_dictionaries(office).back() == id);
  office.receive("Phạm Quốc Đạt");  // waiting when the hub's disk dies
  const auto before_loss = fact_ids(hub.db_path(), "dossier");
  REQUIRE(before_loss.size() == 3);

  hub.stop();
  fs::rename(hub.data(), dir.file("lost-hub"));
  auto restore = hub_cmd({"restore", "--from", dir.file("backup"), "--data", hub.data(), "--json"});
  INFO(describe(restore));
  REQUIRE(restore.exit_code == 0);
  REQUIRE(count_rows(hub.db_path(), "SELECT count(*) FROM dictionary") == 0);
  hub.restart();

  auto synced = office.sync();
  INFO(describe(synced));
  CHECK(synced.exit_code == 0);
  CHECK(synced.err.find("does not hold dictionary") != std::string::npos);
  auto after = fact_ids(hub.db_path(), "dossier");
  CHECK(after.size() == 4);
  for (const auto& dossier : before_loss) CHECK(after.count(dossier) == 1);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM compression_dictionary") == 0);
  CHECK(batch_dictionaries(office).back() == 0);

  // Publishing the dictionary again makes the office use it again.
  publish_dictionary(hub, path);
  REQUIRE(office.sync().exit_code == 0);
  office.receive("Hoàng Thị Lan");
  REQUIRE(office.sync().exit_code == 0);
  CHECK(batch_dictionaries(office).back() == id);
  CHECK(fact_ids(hub.db_path(), "dossier").size() == 5);
}
