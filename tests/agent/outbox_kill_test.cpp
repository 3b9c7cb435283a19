// The durability proof, through the real motcua-agent executable: a command killed with SIGKILL at
// a named fault point leaves either nothing (killed before COMMIT) or the facts together with their
// outbox row (killed after COMMIT) — never one without the other — and the database opens cleanly
// afterwards.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/sqlite.hpp"
#include "sync-protocol/changeset.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace motcua::test {
namespace {

const char* const kNow = "2026-03-02T09:00:00+07:00";
const char* const kBeforeCommit = "agent.capture.after_outbox_insert";
const char* const kAfterCommit = "agent.capture.after_commit";

std::map<std::string, std::string> child_env(const std::string& fault = "") {
  // MOTCUA_FAULT is always set so that a value inherited from the test runner's environment cannot leak in.
  return {{"MOTCUA_NOW", kNow}, {"MOTCUA_FAULT", fault}, {"MOTCUA_ACTOR", "test-clerk"}};
}

std::string marker_for(const std::string& fault) { return "motcua: fault point " + fault + " reached"; }

ProcessResult agent(std::vector<std::string> args) {
  args.insert(args.begin(), agent_exe());
  return run_process(args, child_env(), 30000);
}

// A fresh office for unit 11953 in <temp>/office, set up from the repository's sample files.
struct KillOffice {
  TempDir dir;
  std::string data = dir.file("office");

  KillOffice() {
    auto r = agent({"init", "--data", data, "--unit", "11953", "--catalog", source_path("data/tthc-commune-sample.csv"),
                    "--calendar", source_path("data/holidays-vn.csv"), "--json"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
  }

  std::string db_path() const { return data + "/agent.db"; }

  std::vector<std::string> receive_args() const {
    return {agent_exe(), "receive", "--data", data, "--procedure", "2.001019", "--applicant", "Trần Văn Bình",
            "--citizen-id", "033198001234", "--document", "Tờ khai:chinh:1", "--json"};
  }

  std::vector<std::string> set_status_args(const std::string& code, int status) const {
    return {agent_exe(), "set-status", "--data", data, code, "--status", std::to_string(status), "--json"};
  }

  // Receives a dossier normally and returns its JSON answer.
  nlohmann::json receive_ok() {
    auto args = receive_args();
    args.erase(args.begin());
    auto r = agent(args);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  }

  // Runs `args` with MOTCUA_FAULT=fault and SIGKILLs it when it announces the fault point.
  void run_and_kill_at(const std::vector<std::string>& args, const std::string& fault) {
    std::string err;
    bool killed = run_until_marker_then_sigkill(args, child_env(fault), marker_for(fault), err, 30000);
    INFO("stderr of the killed process: " << err);
    REQUIRE(killed);
  }

  nlohmann::json status_json() {
    auto r = agent({"status", "--data", data, "--json"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  }
};

// The rows of the office database, read with a separate connection after the child died.
struct DbProbe {
  sql::Db db;

  explicit DbProbe(const std::string& path) : db(open(path)) {}

  static sql::Db open(const std::string& path) {
    auto d = sql::Db::open(path, sql::Db::Options{false, false, 5000});
    if (!d) FAIL("cannot open " << path << ": " << d.error().message);
    return std::move(*d);
  }

  int64_t count(const std::string& sql_text) {
    auto v = sql::query_int64(db, sql_text);
    if (!v) FAIL(sql_text << ": " << v.error().message);
    REQUIRE(v->has_value());
    return **v;
  }

  int64_t rows(const std::string& table) { return count("SELECT count(*) FROM " + table); }

  std::string integrity() {
    auto st = db.prepare("PRAGMA integrity_check");
    if (!st) FAIL(st.error().message);
    auto row = st->step();
    REQUIRE(row);
    REQUIRE(*row);
    return st->text(0);
  }

  std::string text(const std::string& sql_text) {
    auto st = db.prepare(sql_text);
    if (!st) FAIL(st.error().message);
    auto row = st->step();
    REQUIRE(row);
    REQUIRE(*row);
    return st->text(0);
  }

  // The change sets of the outbox, oldest first, with their state.
  std::vector<std::pair<sql::Blob, std::string>> outbox() {
    auto st = db.prepare("SELECT changeset, state FROM outbox ORDER BY seq");
    if (!st) FAIL(st.error().message);
    std::vector<std::pair<sql::Blob, std::string>> out;
    while (true) {
      auto row = st->step();
      REQUIRE(row);
      if (!*row) break;
      out.emplace_back(st->blob(0), st->text(1));
    }
    return out;
  }
};

sync::ChangesetSummary summary_of(const sql::Blob& changeset) {
  auto s = sync::summarize_changeset(changeset);
  if (!s) FAIL("changeset does not parse: " << s.error().message);
  return *s;
}

}  // namespace

TEST_CASE("a receive killed just before its commit leaves no dossier, no outbox row and no counter step",
          "[kill][agent]") {
  KillOffice office;
  office.run_and_kill_at(office.receive_args(), kBeforeCommit);

  {
    DbProbe probe(office.db_path());
    CHECK(probe.integrity() == "ok");
    CHECK(probe.rows("dossier") == 0);
    CHECK(probe.rows("dossier_document") == 0);
    CHECK(probe.rows("dossier_event") == 0);
    CHECK(probe.rows("dossier_state") == 0);
    CHECK(probe.rows("outbox") == 0);
    CHECK(probe.rows("dossier_counter") == 0);
  }

  auto status = office.status_json();
  CHECK(status["pending_changes"] == 0);
  CHECK(status["dossiers"] == 0);

  // The daily counter did not advance: the next receipt of the day is still number 0001.
  auto next = office.receive_ok();
  CHECK(next["code"] == "33.11953-260302-0001");
}

TEST_CASE("a receive killed just after its commit leaves the dossier and exactly one pending outbox row",
          "[kill][agent]") {
  KillOffice office;
  office.run_and_kill_at(office.receive_args(), kAfterCommit);

  std::string code;
  {
    DbProbe probe(office.db_path());
    CHECK(probe.integrity() == "ok");
    CHECK(probe.rows("dossier") == 1);
    CHECK(probe.rows("dossier_document") == 1);
    CHECK(probe.rows("dossier_event") == 0);
    CHECK(probe.rows("dossier_state") == 1);
    CHECK(probe.count("SELECT last FROM dossier_counter WHERE unit = '11953' AND day = '260302'") == 1);
    code = probe.text("SELECT code FROM dossier");
    CHECK(code == "33.11953-260302-0001");

    auto outbox = probe.outbox();
    REQUIRE(outbox.size() == 1);
    CHECK(outbox[0].second == "pending");
    auto summary = summary_of(outbox[0].first);
    REQUIRE(summary.tables.count("dossier") == 1);
    CHECK(summary.tables["dossier"].inserts == 1);
    CHECK(summary.tables["dossier"].updates == 0);
    CHECK(summary.tables["dossier"].deletes == 0);
    REQUIRE(summary.tables.count("dossier_document") == 1);
    CHECK(summary.tables["dossier_document"].inserts == 1);
    // Only replicated facts are captured: no derived or local table rides along.
    CHECK(summary.tables.count("dossier_state") == 0);
    CHECK(summary.tables.count("dossier_counter") == 0);
    CHECK(summary.tables.count("meta") == 0);
  }

  auto status = office.status_json();
  CHECK(status["pending_changes"] == 1);
  CHECK(status["dossiers"] == 1);

  auto show = agent({"show", "--data", office.data, code, "--json"});
  INFO(describe(show));
  REQUIRE(show.exit_code == 0);
  CHECK(nlohmann::json::parse(show.out)["status"] == 2);

  // The counter is never reused: the next receipt takes the next number.
  auto next = office.receive_ok();
  CHECK(next["code"] == "33.11953-260302-0002");
}

TEST_CASE("a set-status killed just before its commit leaves neither the event nor its outbox row",
          "[kill][agent]") {
  KillOffice office;
  const std::string code = office.receive_ok()["code"].get<std::string>();
  office.run_and_kill_at(office.set_status_args(code, 4), kBeforeCommit);

  {
    DbProbe probe(office.db_path());
    CHECK(probe.integrity() == "ok");
    CHECK(probe.rows("dossier") == 1);
    CHECK(probe.rows("dossier_event") == 0);
    CHECK(probe.rows("outbox") == 1);  // the receipt's own row only
    CHECK(probe.count("SELECT status FROM dossier_state") == 2);
  }

  auto status = office.status_json();
  CHECK(status["pending_changes"] == 1);
  CHECK(status["dossiers"] == 1);

  // Nothing was left locked or half-written: the same change now goes through.
  auto again = agent({"set-status", "--data", office.data, code, "--status", "4", "--json"});
  INFO(describe(again));
  REQUIRE(again.exit_code == 0);
  CHECK(nlohmann::json::parse(again.out)["status"] == 4);
  CHECK(office.status_json()["pending_changes"] == 2);
}

TEST_CASE("a set-status killed just after its commit leaves the event and exactly one more pending outbox row",
          "[kill][agent]") {
  KillOffice office;
  const std::string code = office.receive_ok()["code"].get<std::string>();
  office.run_and_kill_at(office.set_status_args(code, 4), kAfterCommit);

  {
    DbProbe probe(office.db_path());
    CHECK(probe.integrity() == "ok");
    CHECK(probe.rows("dossier") == 1);
    CHECK(probe.rows("dossier_event") == 1);
    CHECK(probe.count("SELECT to_status FROM dossier_event") == 4);
    CHECK(probe.count("SELECT status FROM dossier_state") == 4);

    auto outbox = probe.outbox();
    REQUIRE(outbox.size() == 2);
    CHECK(outbox[0].second == "pending");
    CHECK(outbox[1].second == "pending");
    auto summary = summary_of(outbox[1].first);
    REQUIRE(summary.tables.count("dossier_event") == 1);
    CHECK(summary.tables["dossier_event"].inserts == 1);
    CHECK(summary.tables.count("dossier") == 0);  // a status change never rewrites the creation fact
    CHECK(summary.total() == 1);
  }

  auto status = office.status_json();
  CHECK(status["pending_changes"] == 2);
  CHECK(status["dossiers"] == 1);

  auto show = agent({"show", "--data", office.data, code, "--json"});
  INFO(describe(show));
  REQUIRE(show.exit_code == 0);
  auto doc = nlohmann::json::parse(show.out);
  CHECK(doc["status"] == 4);
  REQUIRE(doc["events"].size() == 1);
  CHECK(doc["events"][0]["to_status"] == 4);
}

}  // namespace motcua::test
