#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "hub/backup.hpp"
#include "hub/enrollment.hpp"
#include "hub/hub_keys.hpp"
#include "hub/hub_store.hpp"
#include "hub/publish.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kCatalog = test::source_path("data/tthc-commune-sample.csv");
const std::string kCalendar = test::source_path("data/holidays-vn.csv");

const char* const kInsertDossier =
    "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, "
    "applicant_name, applicant_citizen_id, channel, received_at, entered_at, due_at, due_rule, limit_kind, "
    "limit_hours, status, hlc, origin_unit, actor) VALUES (?1, '33.11953-260302-0001', '11953', '11953', '11953', "
    "'2.001019', 1, ?2, '033198001234', 1, 1772416800000, 1772416800000, 1772589600000, 'computed', 'hours', 16, "
    "2, 1, '11953', 'test-clerk')";

// Without Catch2 assertions: also used from a second thread.
Status try_insert_dossier(sql::Db& db, const std::string& applicant) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(kInsertDossier));
  st.bind(1, Id128::random().blob()).bind(2, applicant);
  return st.run();
}

void insert_dossier(sql::Db& db, const std::string& applicant) { REQUIRE(try_insert_dossier(db, applicant)); }

// A hub in DIR/hub with reference data, an enrolled agent, dossiers and a batch record.
struct Hub {
  Hub() : clock(*parse_rfc3339("2026-03-02T09:00:00+07:00")) {
    REQUIRE(hub::init_hub(data, "33", clock));
    auto s = hub::HubStore::open(data, clock);
    REQUIRE(s);
    store = std::make_unique<hub::HubStore>(std::move(*s));
    REQUIRE(hub::publish_catalog(*store, kCatalog));
    REQUIRE(hub::publish_calendar(*store, kCalendar));
    sql::Db& db = store->db();
    auto agent = db.prepare(
        "INSERT INTO agent(id, unit, public_key, status, enrolled_at, high_water_seq) "
        "VALUES (?1, '11953', zeroblob(32), 'active', 1772416800000, 3)");
    REQUIRE(agent);
    agent->bind(1, Id128::random().blob());
    REQUIRE(agent->run());
    for (const char* name : {"Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Cúc"}) insert_dossier(db, name);
    REQUIRE(db.exec("INSERT INTO batch(agent_id, first_seq, last_seq, hash, received_at, status, size) "
                    "SELECT id, 1, 3, zeroblob(32), 1772416800000, 'applied', 999 FROM agent"));
  }
  int64_t count(const std::string& sql) {
    auto v = sql::query_int64(store->db(), sql);
    REQUIRE(v);
    return v->value_or(0);
  }
  test::TempDir dir;
  const std::string data = dir.file("hub");
  ManualClock clock;
  std::unique_ptr<hub::HubStore> store;
};

// Every row of every table of a database, as text, to compare two databases.
std::map<std::string, std::multiset<std::string>> contents(const std::string& path) {
  auto db = sql::Db::open(path, sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  auto tables = db->prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  REQUIRE(tables);
  std::map<std::string, std::multiset<std::string>> out;
  while (*tables->step()) {
    const std::string table = tables->text(0);
    auto rows = db->prepare("SELECT * FROM \"" + table + "\"");
    REQUIRE(rows);
    auto& set = out[table];
    while (*rows->step()) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(rows->get()); ++i) {
        const sql::Blob b = rows->blob(i);
        row += std::to_string(sqlite3_column_type(rows->get(), i)) + ":" + to_hex(b.data(), b.size()) + "|";
      }
      set.insert(row);
    }
  }
  return out;
}

std::set<std::string> listing(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string() + ":" + test::read_file(e.path().string()));
  return out;
}

fs::perms mode(const std::string& path) { return fs::status(path).permissions() & fs::perms::all; }

std::string meta(const std::string& data_dir, const std::string& key) {
  auto db = sql::Db::open(hub::HubStore::database_path(data_dir), sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  auto st = db->prepare("SELECT value FROM meta WHERE key = ?1");
  REQUIRE(st);
  st->bind(1, key);
  REQUIRE(st->step());
  return st->is_null(0) ? std::string() : st->text(0);
}

test::ProcessResult hub_cmd(std::vector<std::string> args) {
  args.insert(args.begin(), std::string(MOTCUA_HUB_EXE));
  return test::run_process(args, {{"MOTCUA_NOW", "2026-03-02T09:00:00+07:00"}}, 30000);
}

}  // namespace

TEST_CASE("a backup holds every row of the hub and its key, and opens as a hub", "[backup]") {
  Hub h;
  const std::string out = h.dir.file("backup-2026-03-02");
  auto r = hub::backup_hub(h.data, out, hub::BackupOptions{4, std::chrono::milliseconds(1), std::chrono::seconds(30)});
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  CHECK(r->summary.province == "33");
  CHECK(r->summary.epoch == meta(h.data, "epoch"));
  CHECK(r->summary.agents == 1);
  CHECK(r->summary.dossiers == 3);
  CHECK(r->summary.catalog_version == 1);
  CHECK(r->summary.calendar_version == 1);
  CHECK(r->summary.database_bytes == static_cast<int64_t>(fs::file_size(r->database_path)));

  // Exactly the database (one self-contained file) and the key, for the owner only.
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(out)) files.insert(e.path().filename().string());
  CHECK(files == std::set<std::string>{"hub.db", "hub-key.pem"});
  CHECK(mode(out) == fs::perms::owner_all);
  CHECK(mode(r->key_path) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(mode(r->database_path) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(test::read_file(r->key_path) == test::read_file(hub::hub_key_path(h.data)));

  CHECK(contents(r->database_path) == contents(hub::HubStore::database_path(h.data)));
  auto opened = hub::HubStore::open(out, h.clock);
  REQUIRE(opened);
  auto key = hub::load_hub_key(out);
  REQUIRE(key);
  auto original = hub::load_hub_key(h.data);
  REQUIRE(original);
  CHECK(key->public_key().base64() == original->public_key().base64());
}

TEST_CASE("a backup taken while another connection keeps writing is one consistent snapshot", "[backup]") {
  Hub h;
  // Each write adds a dossier and records the new count in the same transaction: a copy that mixed
  // two moments would disagree with itself.
  REQUIRE(h.store->db().exec("INSERT INTO meta(key, value) VALUES ('test_dossiers', '3')"));
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::atomic<int> commits{0};
  std::thread writer([&] {
    auto db = sql::Db::open(hub::HubStore::database_path(h.data), sql::Db::Options{false, false, 10000});
    if (!db) {
      failed = true;
      return;
    }
    while (!stop) {
      if (!db->exec("BEGIN IMMEDIATE")) continue;
      const bool written =
          try_insert_dossier(*db, "Người viết") &&
          db->exec("UPDATE meta SET value = (SELECT count(*) FROM dossier) WHERE key = 'test_dossiers'");
      if (written && db->exec("COMMIT")) {
        ++commits;
      } else {
        (void)db->exec("ROLLBACK");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  for (int i = 0; i < 5000 && commits == 0 && !failed; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int before = commits;
  auto r = hub::backup_hub(h.data, h.dir.file("backup"), hub::BackupOptions{1, std::chrono::milliseconds(2), std::chrono::seconds(30)});
  const int during = commits - before;
  stop = true;
  writer.join();
  REQUIRE_FALSE(failed);
  REQUIRE(r);
  CHECK(during > 0);  // the hub kept committing while the copy ran
  CHECK(meta(h.dir.file("backup"), "test_dossiers") == std::to_string(r->summary.dossiers));
  CHECK(r->summary.dossiers >= 4);
}

TEST_CASE("a backup into a directory that is not empty is refused and writes nothing", "[backup]") {
  Hub h;
  const std::string out = h.dir.file("used");
  fs::create_directories(out);
  test::write_file(out + "/notes.txt", "last week's backup");
  const auto before = listing(out);
  auto r = hub::backup_hub(h.data, out);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidInput);
  CHECK(listing(out) == before);

  auto cli = hub_cmd({"backup", "--data", h.data, out, "--json"});
  CHECK(cli.exit_code == 3);
  CHECK(json::parse(cli.err)["error"]["code"] == "invalid_input");
  CHECK(listing(out) == before);

  const std::string file = h.dir.file("a-file");
  test::write_file(file, "x");
  auto onto_file = hub::backup_hub(h.data, file);
  REQUIRE_FALSE(onto_file);
  CHECK(onto_file.error().code == ErrorCode::kInvalidInput);
  CHECK(test::read_file(file) == "x");

  // A directory without a hub is refused before anything is created.
  auto no_hub = hub::backup_hub(h.dir.file("nowhere"), h.dir.file("never"));
  REQUIRE_FALSE(no_hub);
  CHECK(no_hub.error().code == ErrorCode::kFailedPrecondition);
  CHECK_FALSE(fs::exists(h.dir.file("never")));
}

TEST_CASE("a restored hub has a new epoch and records the backup's as previous_epoch", "[backup][restore]") {
  Hub h;
  REQUIRE(hub::backup_hub(h.data, h.dir.file("backup")));
  const std::string old_epoch = meta(h.data, "epoch");
  const std::string restored = h.dir.file("restored");
  auto r = hub::restore_hub(h.dir.file("backup"), restored, h.clock);
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  // Only the hub's files (read before anything else opens the database), no staging left behind.
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(restored)) files.insert(e.path().filename().string());
  CHECK(files == std::set<std::string>{"hub.db", "hub-key.pem"});
  CHECK(r->epoch.size() == 32);
  CHECK(r->epoch != old_epoch);
  CHECK(r->previous_epoch == old_epoch);
  CHECK(meta(restored, "epoch") == r->epoch);
  CHECK(meta(restored, "previous_epoch") == old_epoch);
  CHECK(meta(restored, "restored_from_epoch") == old_epoch);
  CHECK(meta(restored, "restored_at") == "2026-03-02T09:00:00+07:00");
  CHECK(r->summary.dossiers == 3);
  // The same key.
  CHECK(r->summary.agents == 1);
  CHECK(test::read_file(hub::hub_key_path(restored)) == test::read_file(hub::hub_key_path(h.data)));
  CHECK(mode(hub::hub_key_path(restored)) == (fs::perms::owner_read | fs::perms::owner_write));
  auto store = hub::HubStore::open(restored, h.clock);
  REQUIRE(store);
  // The backup itself is untouched: restoring it twice gives two different histories.
  auto twice = hub::restore_hub(h.dir.file("backup"), h.dir.file("restored-2"), h.clock);
  REQUIRE(twice);
  CHECK(twice->previous_epoch == old_epoch);
  CHECK(twice->epoch != r->epoch);
}

TEST_CASE("after a restore, reference data is republished above every version the backup knew", "[backup][restore]") {
  Hub h;
  // Version 2 of the catalogue, and an enrollment code nobody used.
  std::string amended = test::read_file(kCatalog);
  const std::string from = "2.001019,Chứng thực di chúc,Chứng thực,UBND cấp xã,Không quá 02 ngày làm việc";
  REQUIRE(amended.find(from) != std::string::npos);
  amended.replace(amended.find(from), from.size(),
                  "2.001019,Chứng thực di chúc,Chứng thực,UBND cấp xã,Không quá 03 ngày làm việc");
  test::write_file(h.dir.file("amended.csv"), amended);
  auto v2 = hub::publish_catalog(*h.store, h.dir.file("amended.csv"));
  REQUIRE(v2);
  REQUIRE(v2->version == 2);
  REQUIRE(hub::create_enrollment_code(h.store->db(), "12004", 72, h.clock.now()));
  REQUIRE(hub::backup_hub(h.data, h.dir.file("backup")));
  const std::string restored = h.dir.file("restored");
  auto r = hub::restore_hub(h.dir.file("backup"), restored, h.clock);
  REQUIRE(r);
  const int64_t floor = 2 + hub::kRestoreVersionMargin;
  CHECK(r->publication_version_floor == floor);
  CHECK(meta(restored, "publication_version_floor") == std::to_string(floor));
  CHECK(r->catalog_version == floor);
  CHECK(r->calendar_version == floor);
  CHECK(r->enrollment_codes_expired == 1);

  auto store = hub::HubStore::open(restored, h.clock);
  REQUIRE(store);
  auto one = [&](const std::string& sql) {
    auto v = sql::query_int64(store->db(), sql);
    REQUIRE(v);
    return v->value_or(-1);
  };
  CHECK(r->units == one("SELECT count(*) FROM unit"));
  // The whole catalogue (as it stood in the backup) and the calendar, at the end of every feed.
  auto pub = store->db().prepare("SELECT payload FROM publication WHERE kind = 'catalog' AND version = ?1");
  REQUIRE(pub);
  pub->bind(1, floor);
  REQUIRE(*pub->step());
  json catalog = json::parse(pub->text(0));
  CHECK(catalog["full"] == true);
  CHECK(catalog["changed"].size() == 41);
  CHECK(catalog["version"] == floor);
  for (const auto& p : catalog["changed"]) {
    if (p["key"] == "2.001019") CHECK(p["time_limit_text"].get<std::string>().find("03 ngày") != std::string::npos);
  }
  CHECK(one("SELECT count(*) FROM feed_entry WHERE unit = '11953'") == 5);
  CHECK(one("SELECT version FROM feed_entry WHERE unit = '11953' AND position = 4") == floor);
  CHECK(one("SELECT version FROM feed_entry WHERE unit = '11953' AND position = 5") == floor);
  CHECK(one("SELECT count(*) FROM feed_entry WHERE version = " + std::to_string(floor)) == 2 * r->units);
  CHECK(one("SELECT max(version) FROM calendar_publication") == floor);
  CHECK(one("SELECT count(*) FROM enrollment_code WHERE expires_at > " + std::to_string(h.clock.now().ms)) == 0);

  // Later publications number above the floor; an unchanged file still publishes nothing.
  auto next = hub::publish_catalog(*store, kCatalog);
  REQUIRE(next);
  CHECK(next->changed);
  CHECK(next->version == floor + 1);
  auto calendar = hub::publish_calendar(*store, kCalendar);
  REQUIRE(calendar);
  CHECK_FALSE(calendar->changed);
  CHECK(calendar->version == floor);
}

TEST_CASE("the first publication of a kind after a restore is numbered at the floor", "[backup][restore]") {
  test::TempDir dir;
  ManualClock clock(*parse_rfc3339("2026-03-02T09:00:00+07:00"));
  REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
  REQUIRE(hub::backup_hub(dir.file("hub"), dir.file("backup")));
  auto r = hub::restore_hub(dir.file("backup"), dir.file("restored"), clock);
  REQUIRE(r);
  CHECK_FALSE(r->catalog_version);  // nothing to republish
  CHECK_FALSE(r->calendar_version);
  CHECK(r->publication_version_floor == hub::kRestoreVersionMargin);
  auto store = hub::HubStore::open(dir.file("restored"), clock);
  REQUIRE(store);
  auto first = hub::publish_catalog(*store, kCatalog);
  REQUIRE(first);
  CHECK(first->version == hub::kRestoreVersionMargin);
  CHECK(first->procedures_changed == 41);
}

TEST_CASE("a restore into a data directory that is not empty is refused and changes nothing", "[backup][restore]") {
  Hub h;
  REQUIRE(hub::backup_hub(h.data, h.dir.file("backup")));
  // The damaged hub still in place.
  const auto before = listing(h.data);
  auto onto_hub = hub::restore_hub(h.dir.file("backup"), h.data, h.clock);
  REQUIRE_FALSE(onto_hub);
  CHECK(onto_hub.error().code == ErrorCode::kInvalidInput);
  CHECK(listing(h.data) == before);

  const std::string other = h.dir.file("other");
  fs::create_directories(other);
  test::write_file(other + "/readme.txt", "keep me");
  auto cli = hub_cmd({"restore", "--from", h.dir.file("backup"), "--data", other, "--json"});
  CHECK(cli.exit_code == 3);
  CHECK(json::parse(cli.err)["error"]["code"] == "invalid_input");
  CHECK(listing(other) == std::set<std::string>{"readme.txt:keep me"});
}

TEST_CASE("a restore from a directory that is not a backup is refused and creates nothing", "[backup][restore]") {
  test::TempDir dir;
  ManualClock clock(*parse_rfc3339("2026-03-02T09:00:00+07:00"));
  auto missing = hub::restore_hub(dir.file("no-such-backup"), dir.file("restored"), clock);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);
  fs::create_directories(dir.file("not-a-backup"));
  test::write_file(dir.file("not-a-backup/hub.db"), "this is not a database, just some text long enough to be read");
  auto foreign = hub::restore_hub(dir.file("not-a-backup"), dir.file("restored"), clock);
  REQUIRE_FALSE(foreign);
  CHECK_FALSE(fs::exists(dir.file("restored")));
  // A backup whose key is missing is refused too.
  REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
  REQUIRE(hub::backup_hub(dir.file("hub"), dir.file("backup")));
  fs::remove(dir.file("backup/hub-key.pem"));
  auto keyless = hub::restore_hub(dir.file("backup"), dir.file("restored"), clock);
  REQUIRE_FALSE(keyless);
  CHECK(keyless.error().code == ErrorCode::kFailedPrecondition);
  CHECK_FALSE(fs::exists(dir.file("restored")));
}
