// motcua-agent's command line, through the real executable: help, usage errors, the documented exit
// codes and JSON errors, refusing damaged or foreign data directories without touching them, and
// what receive / set-status / show / list / status print.
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "agent/cli/cli.hpp"
#include "common/sqlite.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace motcua::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace motcua::agent::cli;  // exit codes

const char* const kNow = "2026-03-02T09:00:00+07:00";
const char* const kCitizen = "033198001234";

std::map<std::string, std::string> child_env() {
  // MOTCUA_FAULT is set empty so a value in the test runner's environment cannot leak in.
  return {{"MOTCUA_NOW", kNow}, {"MOTCUA_FAULT", ""}, {"MOTCUA_ACTOR", "test-clerk"}};
}

ProcessResult agent(std::vector<std::string> args) {
  args.insert(args.begin(), agent_exe());
  return run_process(args, child_env(), 30000);
}

std::vector<std::string> init_args(const std::string& data) {
  return {"init", "--data", data, "--unit", "11953", "--catalog", source_path("data/tthc-commune-sample.csv"),
          "--calendar", source_path("data/holidays-vn.csv")};
}

// stderr must be exactly one JSON object {"error":{"code","message","hint"[,"message_vi"]}}; returns the inner object.
json json_error(const ProcessResult& r) {
  INFO(describe(r));
  json doc;
  REQUIRE_NOTHROW(doc = json::parse(r.err));
  REQUIRE(doc.is_object());
  REQUIRE(doc.size() == 1);
  REQUIRE(doc.contains("error"));
  const json& e = doc["error"];
  REQUIRE(e.is_object());
  for (const char* field : {"code", "message", "hint"}) {
    INFO("field " << field);
    REQUIRE(e.contains(field));
    CHECK(e[field].is_string());
  }
  CHECK_FALSE(e["message"].get<std::string>().empty());
  return e;
}

json stdout_json(const ProcessResult& r) {
  INFO(describe(r));
  json doc;
  REQUIRE_NOTHROW(doc = json::parse(r.out));
  return doc;
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// Every regular file under `dir` with its bytes: the "nothing changed" witness.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).string()] = read_file(entry.path().string());
    else files[fs::relative(entry.path(), dir).string() + "/"] = "";
  }
  return files;
}

// A fresh office for unit 11953 in its own temp dir, set up through `motcua-agent init`.
struct CliOffice {
  TempDir dir;
  std::string data = dir.file("office");

  CliOffice() {
    auto r = agent(init_args(data));
    INFO(describe(r));
    REQUIRE(r.exit_code == kExitOk);
  }

  ProcessResult run(std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--data", data});
    return agent(args);
  }

  std::vector<std::string> receive_args(const std::string& procedure = "2.001019",
                                        const std::string& applicant = "Trần Văn Bình") {
    return {"receive", "--procedure", procedure, "--applicant", applicant, "--citizen-id", kCitizen, "--json"};
  }

  json receive_ok(std::vector<std::string> args) {
    auto r = run(std::move(args));
    INFO(describe(r));
    REQUIRE(r.exit_code == kExitOk);
    return stdout_json(r);
  }

  json show(const std::string& code) {
    auto r = run({"show", code, "--json"});
    INFO(describe(r));
    REQUIRE(r.exit_code == kExitOk);
    return stdout_json(r);
  }

  json status() {
    auto r = run({"status", "--json"});
    INFO(describe(r));
    REQUIRE(r.exit_code == kExitOk);
    return stdout_json(r);
  }

  // A refused receive must record nothing at all.
  void require_nothing_recorded() {
    auto s = status();
    CHECK(s["dossiers"].get<int64_t>() == 0);
    CHECK(s["pending_changes"].get<int64_t>() == 0);
  }
};

// Runs a receive that must be refused with `exit_code`; returns the JSON error.
json refused_receive(CliOffice& office, std::vector<std::string> args, int exit_code) {
  auto r = office.run(std::move(args));
  INFO(describe(r));
  CHECK(r.exit_code == exit_code);
  CHECK(r.out.empty());
  return json_error(r);
}

// Every command that opens an office, with arguments that would otherwise be valid.
std::vector<std::vector<std::string>> office_commands(const std::string& data) {
  return {
      {"status", "--data", data, "--json"},
      {"list", "--data", data, "--json"},
      {"show", "--data", data, "33.11953-260302-0001", "--json"},
      {"receive", "--data", data, "--procedure", "2.001019", "--applicant", "Trần Văn Bình", "--citizen-id", kCitizen,
       "--json"},
      {"set-status", "--data", data, "33.11953-260302-0001", "--status", "4", "--json"},
  };
}

const std::regex kCodePattern(R"(^33\.11953-\d{6}-\d{4,}$)");
const std::regex kIdPattern("^[0-9a-f]{32}$");
const std::regex kVnInstantPattern(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+07:00$)");

}  // namespace

// ---------------------------------------------------------------------------------------------
// Help and usage errors

TEST_CASE("help on the root command exits 0 and lists every subcommand", "[cli][agent]") {
  for (const char* flag : {"--help", "-h"}) {
    auto r = agent({flag});
    INFO(describe(r));
    CHECK(r.exit_code == kExitOk);
    for (const char* sub : {"init", "receive", "set-status", "show", "list", "status"}) {
      INFO("subcommand " << sub);
      CHECK(contains(r.out, sub));
    }
  }
}

TEST_CASE("help on every subcommand exits 0 and names the command's options", "[cli][agent]") {
  const std::map<std::string, std::vector<std::string>> options = {
      {"init", {"--data", "--json", "--unit", "--catalog", "--calendar", "--agency-id"}},
      {"receive",
       {"--data", "--json", "--procedure", "--applicant", "--citizen-id", "--submitter", "--phone", "--address",
        "--channel", "--document", "--received-at", "--due-at", "--no-due-date", "--actor"}},
      {"set-status", {"--data", "--json", "--status", "--note", "--actor", "code"}},
      {"show", {"--data", "--json", "code"}},
      {"list", {"--data", "--json", "--status", "--limit"}},
      {"status", {"--data", "--json"}},
  };
  for (const auto& [command, names] : options) {
    auto r = agent({command, "--help"});
    INFO(command << ": " << describe(r));
    CHECK(r.exit_code == kExitOk);
    for (const auto& name : names) {
      INFO("option " << name);
      CHECK(contains(r.out, name));
    }
  }
}

TEST_CASE("an unknown command is a usage error (exit 2) reported as one JSON object with --json", "[cli][agent]") {
  auto plain = agent({"frobnicate"});
  INFO(describe(plain));
  CHECK(plain.exit_code == kExitUsage);
  CHECK_FALSE(plain.err.empty());

  auto r = agent({"frobnicate", "--json"});
  CHECK(r.exit_code == kExitUsage);
  CHECK(r.out.empty());
  json e = json_error(r);
  CHECK_FALSE(e["hint"].get<std::string>().empty());
}

TEST_CASE("a missing required option is a usage error (exit 2)", "[cli][agent]") {
  TempDir dir;
  const std::string data = dir.file("office");
  const std::vector<std::vector<std::string>> cases = {
      {"receive", "--data", data, "--applicant", "Trần Văn Bình", "--citizen-id", kCitizen, "--json"},  // --procedure
      {"receive", "--procedure", "2.001019", "--applicant", "Trần Văn Bình", "--citizen-id", kCitizen, "--json"},  // --data
      {"init", "--data", data, "--catalog", source_path("data/tthc-commune-sample.csv"), "--calendar",
       source_path("data/holidays-vn.csv"), "--json"},  // --unit
      {"set-status", "--data", data, "33.11953-260302-0001", "--json"},  // --status
      {"show", "--data", data, "--json"},                                // the code
      {"status", "--json"},                                              // --data
  };
  for (const auto& args : cases) {
    auto r = agent(args);
    INFO(args[0] << ": " << describe(r));
    CHECK(r.exit_code == kExitUsage);
    json_error(r);
  }
  CHECK_FALSE(fs::exists(data));
}

TEST_CASE("a non-numeric --status is a usage error (exit 2)", "[cli][agent]") {
  CliOffice office;
  const std::string code = office.receive_ok(office.receive_args())["code"].get<std::string>();
  const auto before = snapshot(office.data);

  auto set = office.run({"set-status", code, "--status", "abc", "--json"});
  INFO(describe(set));
  CHECK(set.exit_code == kExitUsage);
  json_error(set);

  auto list = office.run({"list", "--status", "four", "--json"});
  INFO(describe(list));
  CHECK(list.exit_code == kExitUsage);
  json_error(list);

  CHECK(snapshot(office.data) == before);
  CHECK(office.show(code)["status"] == 2);
}

// ---------------------------------------------------------------------------------------------
// Data directories that are not a usable office

TEST_CASE("commands on a data directory that was never set up exit 6 with a hint to run init and create nothing",
          "[cli][agent]") {
  TempDir dir;
  const std::string empty = dir.file("empty");
  fs::create_directories(empty);
  const std::string missing = dir.file("missing");

  for (const std::string& data : {empty, missing}) {
    for (const auto& args : office_commands(data)) {
      auto r = agent(args);
      INFO(data << " " << args[0] << ": " << describe(r));
      CHECK(r.exit_code == kExitPrecondition);
      json e = json_error(r);
      CHECK(e["code"] == "failed_precondition");
      CHECK(contains(e["hint"].get<std::string>(), "init"));
    }
  }
  CHECK(fs::is_directory(empty));
  CHECK(fs::is_empty(empty));
  CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("commands on a data directory whose agent.db is not a database exit 7 and leave the file untouched",
          "[cli][agent]") {
  TempDir dir;
  const std::string data = dir.file("office");
  fs::create_directories(data);
  std::string text;
  for (int i = 0; i < 200; ++i) text += "Sổ theo dõi hồ sơ, dòng " + std::to_string(i) + "\n";
  write_file(data + "/agent.db", text);
  const auto before = snapshot(data);

  for (const auto& args : office_commands(data)) {
    auto r = agent(args);
    INFO(args[0] << ": " << describe(r));
    CHECK(r.exit_code == kExitCorruption);
    CHECK(json_error(r)["code"] == "corruption");
  }
  // init on top of it must not overwrite the foreign file either.
  auto init = agent(init_args(data));
  INFO("init: " << describe(init));
  CHECK(init.exit_code == kExitCorruption);

  CHECK(read_file(data + "/agent.db") == text);
  CHECK(snapshot(data) == before);
}

TEST_CASE("commands on a database written by a newer motcua exit 6, say so, and leave the file untouched",
          "[cli][agent]") {
  CliOffice office;
  {
    auto db = sql::Db::open(office.data + "/agent.db", sql::Db::Options{false, false, 5000});
    if (!db) FAIL(db.error().message);
    auto set = db->exec("PRAGMA user_version = 999");
    if (!set) FAIL(set.error().message);
  }
  const auto before = snapshot(office.data);
  REQUIRE(before.count("agent.db") == 1);

  for (const auto& args : office_commands(office.data)) {
    auto r = agent(args);
    INFO(args[0] << ": " << describe(r));
    CHECK(r.exit_code == kExitPrecondition);
    json e = json_error(r);
    CHECK(e["code"] == "failed_precondition");
    const std::string said = e["message"].get<std::string>() + " " + e["hint"].get<std::string>();
    CHECK(contains(e["message"].get<std::string>(), "999"));
    CHECK(contains(said, "newer"));
  }
  CHECK(snapshot(office.data) == before);
}

// ---------------------------------------------------------------------------------------------
// init

TEST_CASE("init refuses a data directory that is already set up (exit 6) and leaves it untouched", "[cli][agent]") {
  CliOffice office;
  const auto before = snapshot(office.data);
  auto again = agent(init_args(office.data));
  INFO(describe(again));
  CHECK(again.exit_code == kExitPrecondition);

  auto args = init_args(office.data);
  args.push_back("--json");
  auto json_again = agent(args);
  CHECK(json_again.exit_code == kExitPrecondition);
  CHECK(json_error(json_again)["code"] == "failed_precondition");
  CHECK(snapshot(office.data) == before);
}

TEST_CASE("init refuses an unknown unit (exit 4) and creates nothing", "[cli][agent]") {
  TempDir dir;
  const std::string data = dir.file("office");
  auto args = init_args(data);
  args[4] = "99999";  // the value of --unit
  args.push_back("--json");
  auto r = agent(args);
  INFO(describe(r));
  CHECK(r.exit_code == kExitNotFound);
  CHECK(json_error(r)["code"] == "not_found");
  CHECK_FALSE(fs::exists(data));
}

TEST_CASE("init reports a missing catalogue file as an I/O error (exit 8) and creates nothing", "[cli][agent]") {
  TempDir dir;
  const std::string data = dir.file("office");
  auto args = init_args(data);
  args[6] = dir.file("no-such-catalogue.csv");  // the value of --catalog
  args.push_back("--json");
  auto r = agent(args);
  INFO(describe(r));
  CHECK(r.exit_code == kExitIo);
  json e = json_error(r);
  CHECK(e["code"] == "io");
  CHECK(contains(e["message"].get<std::string>(), "no-such-catalogue.csv"));
  CHECK_FALSE(fs::exists(data));
}

// ---------------------------------------------------------------------------------------------
// receive

TEST_CASE("receive refuses a citizen id that is not 12 digits", "[cli][agent]") {
  CliOffice office;
  for (const char* bad : {"03319800123", "0331980012345", "03319800123A", "O33198001234", ""}) {
    auto args = office.receive_args();
    args[6] = bad;  // the value of --citizen-id
    INFO("citizen id '" << bad << "'");
    json e = refused_receive(office, args, kExitInvalidInput);
    CHECK(e["code"] == "invalid_input");
    CHECK(e.contains("message_vi"));
  }
  office.require_nothing_recorded();
}

TEST_CASE("receive refuses a phone that is not 10 digits starting with 0", "[cli][agent]") {
  CliOffice office;
  for (const char* bad : {"091234567", "09123456789", "1912345678", "09l2345678"}) {
    auto args = office.receive_args();
    args.insert(args.end(), {"--phone", bad});
    INFO("phone '" << bad << "'");
    json e = refused_receive(office, args, kExitInvalidInput);
    CHECK(e.contains("message_vi"));
  }
  office.require_nothing_recorded();

  auto args = office.receive_args();
  args.insert(args.end(), {"--phone", "0912345678"});
  office.receive_ok(args);
}

TEST_CASE("receive refuses a procedure that is not in the catalogue (exit 4)", "[cli][agent]") {
  CliOffice office;
  json e = refused_receive(office, office.receive_args("9.999999"), kExitNotFound);
  CHECK(e["code"] == "not_found");
  office.require_nothing_recorded();
}

TEST_CASE("receive refuses a receipt time in the future", "[cli][agent]") {
  CliOffice office;
  auto args = office.receive_args();
  args.insert(args.end(), {"--received-at", "2026-03-03T09:00:00+07:00"});  // a day after MOTCUA_NOW
  json e = refused_receive(office, args, kExitInvalidInput);
  CHECK(e.contains("message_vi"));
  office.require_nothing_recorded();
}

TEST_CASE("receive of a procedure without a time limit needs --due-at or --no-due-date", "[cli][agent]") {
  CliOffice office;
  json e = refused_receive(office, office.receive_args("1.004873"), kExitInvalidInput);
  REQUIRE(e.contains("message_vi"));
  CHECK_FALSE(e["message_vi"].get<std::string>().empty());
  CHECK(contains(e["hint"].get<std::string>(), "--due-at"));
  CHECK(contains(e["hint"].get<std::string>(), "--no-due-date"));
  office.require_nothing_recorded();
}

TEST_CASE("receive with --no-due-date records a dossier without an appointment", "[cli][agent]") {
  CliOffice office;
  auto args = office.receive_args("1.004873");
  args.push_back("--no-due-date");
  json r = office.receive_ok(args);
  CHECK(r["due_at"].is_null());
  CHECK(r["due_rule"] == "none");

  json shown = office.show(r["code"].get<std::string>());
  CHECK(shown["due_at"].is_null());
  CHECK(shown["appointment_at"].is_null());
  CHECK(shown["due_rule"] == "none");
}

TEST_CASE("receive with --due-at records the clerk's appointment as a manual due rule", "[cli][agent]") {
  CliOffice office;
  auto args = office.receive_args("1.004873");
  args.insert(args.end(), {"--due-at", "2026-03-10T17:00:00+07:00"});
  json r = office.receive_ok(args);
  CHECK(r["due_rule"] == "manual");
  CHECK(r["due_at"] == "2026-03-10T17:00:00+07:00");

  json shown = office.show(r["code"].get<std::string>());
  CHECK(shown["due_rule"] == "manual");
  CHECK(shown["due_at"] == "2026-03-10T17:00:00+07:00");
}

TEST_CASE("receive refuses --due-at together with --no-due-date as a usage error", "[cli][agent]") {
  CliOffice office;
  auto args = office.receive_args("1.004873");
  args.insert(args.end(), {"--due-at", "2026-03-10T17:00:00+07:00", "--no-due-date"});
  refused_receive(office, args, kExitUsage);
  office.require_nothing_recorded();
}

TEST_CASE("receive refuses a malformed --document spec", "[cli][agent]") {
  CliOffice office;
  for (const char* bad : {"Tờ khai", "Tờ khai:gốc:1", "Tờ khai:chinh:0", ":chinh:1", "Tờ khai:chinh:99999"}) {
    auto args = office.receive_args();
    args.insert(args.end(), {"--document", "Giấy chứng tử:sao:2", "--document", bad});
    INFO("document '" << bad << "'");
    json e = refused_receive(office, args, kExitInvalidInput);
    CHECK(e["code"] == "invalid_input");
  }
  office.require_nothing_recorded();
}

TEST_CASE("receive prints the new dossier's id, code and computed appointment as JSON", "[cli][agent]") {
  CliOffice office;
  auto args = office.receive_args();
  args.insert(args.end(), {"--document", "Di chúc:chinh:1", "--document", "Căn cước: bản sao: 2", "--phone",
                           "0912345678"});
  json r = office.receive_ok(args);
  const std::string id = r["id"].get<std::string>();
  const std::string code = r["code"].get<std::string>();
  const std::string due = r["due_at"].get<std::string>();
  CHECK(std::regex_match(id, kIdPattern));
  CHECK(std::regex_match(code, kCodePattern));
  CHECK(std::regex_match(due, kVnInstantPattern));
  CHECK(code == "33.11953-260302-0001");
  // MOTCUA_NOW pins the clock when the command starts; time then runs on, so allow for the seconds.
  const std::string received = r["received_at"].get<std::string>();
  REQUIRE(std::regex_match(received, std::regex(R"(^2026-03-02T09:00:\d{2}\+07:00$)")));
  // Monday 09:00 + 16 working hours: Mon 6 h (09:00-11:30, 13:30-17:00), Tue 8 h, Wed 07:00-09:00.
  CHECK(due == "2026-03-04T09:00:" + received.substr(17));
  CHECK(r["due_rule"] == "computed");

  json shown = office.show(code);
  CHECK(shown["id"] == id);
  CHECK(shown["status"] == 2);
  CHECK(shown["phone"] == "0912345678");
  REQUIRE(shown["documents"].size() == 2);
  CHECK(shown["documents"][0]["name"] == "Di chúc");
  CHECK(shown["documents"][0]["form"] == "chinh");
  CHECK(shown["documents"][0]["copies"] == 1);
  CHECK(shown["documents"][1]["name"] == "Căn cước");
  CHECK(shown["documents"][1]["form"] == "sao");
  CHECK(shown["documents"][1]["copies"] == 2);

  // The next dossier of the day takes the next number.
  json second = office.receive_ok(office.receive_args());
  CHECK(second["code"] == "33.11953-260302-0002");
}

TEST_CASE("a dossier received on paper during an outage is numbered by its receipt day and due after Tết",
          "[cli][agent]") {
  CliOffice office;
  auto args = office.receive_args("2.001019");  // "Không quá 02 ngày làm việc" = 16 working hours
  args.insert(args.end(), {"--received-at", "2026-02-13T10:00:00+07:00"});
  json r = office.receive_ok(args);
  const std::string code = r["code"].get<std::string>();
  CHECK(contains(code, "-260213-"));
  CHECK(code == "33.11953-260213-0001");
  CHECK(r["received_at"] == "2026-02-13T10:00:00+07:00");
  // By hand: Fri 13/02 10:00-11:30 (1.5 h) + 13:30-17:00 (3.5 h) = 5 h; 14/02-22/02 is the Tết break
  // (weekends and holidays); Mon 23/02 a full 8 h = 13 h; the last 3 h on Tue 24/02 07:00-10:00.
  CHECK(r["due_at"] == "2026-02-24T10:00:00+07:00");
  CHECK(r["due_rule"] == "computed");

  json shown = office.show(code);
  CHECK(shown["received_at"] == "2026-02-13T10:00:00+07:00");
  CHECK(shown["entered_at"].get<std::string>().rfind("2026-03-02T09:00", 0) == 0);
  CHECK(shown["due_at"] == "2026-02-24T10:00:00+07:00");
}

TEST_CASE("receive stores a decomposed (NFD) Vietnamese name in composed (NFC) form", "[cli][agent]") {
  CliOffice office;
  // "Nguyễn Thị Hoa" typed as e + U+0302 + U+0303 and i + U+0323.
  const std::string decomposed = std::string("Nguye") + "\xcc\x82\xcc\x83" + "n Thi" + "\xcc\xa3" + " Hoa";
  const std::string composed = std::string("Nguy") + "\xe1\xbb\x85" + "n Th" + "\xe1\xbb\x8b" + " Hoa";
  REQUIRE(decomposed != composed);

  json r = office.receive_ok(office.receive_args("2.001019", decomposed));
  const std::string code = r["code"].get<std::string>();
  json shown = office.show(code);
  CHECK(shown["applicant"]["name"].get<std::string>() == composed);

  auto list = office.run({"list", "--json"});
  REQUIRE(list.exit_code == kExitOk);
  json l = stdout_json(list);
  REQUIRE(l["dossiers"].size() == 1);
  CHECK(l["dossiers"][0]["applicant_name"].get<std::string>() == composed);
}

// ---------------------------------------------------------------------------------------------
// set-status, list, status

TEST_CASE("set-status refuses an illegal transition (2 to 9) with exit 5 and leaves the dossier unchanged",
          "[cli][agent]") {
  CliOffice office;
  const std::string code = office.receive_ok(office.receive_args())["code"].get<std::string>();
  const json before = office.show(code);
  const auto status_before = office.status();

  auto r = office.run({"set-status", code, "--status", "9", "--note", "xong", "--json"});
  INFO(describe(r));
  CHECK(r.exit_code == kExitConflict);
  CHECK(r.out.empty());
  json e = json_error(r);
  CHECK(e["code"] == "conflict");
  REQUIRE(e.contains("message_vi"));
  CHECK(contains(e["message_vi"].get<std::string>(), "Không thể chuyển"));

  const json after = office.show(code);
  CHECK(after["status"] == 2);
  CHECK(after["events"].empty());
  CHECK(after == before);
  CHECK(office.status()["pending_changes"] == status_before["pending_changes"]);
}

TEST_CASE("set-status moves a dossier along a legal transition and records the event", "[cli][agent]") {
  CliOffice office;
  const std::string code = office.receive_ok(office.receive_args())["code"].get<std::string>();
  auto r = office.run({"set-status", code, "--status", "4", "--note", "chuyển xử lý", "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == kExitOk);
  json out = stdout_json(r);
  CHECK(out["code"] == code);
  CHECK(out["from"] == 2);
  CHECK(out["status"] == 4);

  json shown = office.show(code);
  CHECK(shown["status"] == 4);
  REQUIRE(shown["events"].size() == 1);
  CHECK(shown["events"][0]["from_status"] == 2);
  CHECK(shown["events"][0]["to_status"] == 4);
  CHECK(shown["events"][0]["note"] == "chuyển xử lý");
  CHECK(shown["events"][0]["actor"] == "test-clerk");

  auto unknown = office.run({"set-status", "33.11953-260302-9999", "--status", "4", "--json"});
  CHECK(unknown.exit_code == kExitNotFound);
  CHECK(json_error(unknown)["code"] == "not_found");
}

TEST_CASE("list shows the received dossiers and --status filters them", "[cli][agent]") {
  CliOffice office;
  std::vector<std::string> codes;
  for (const char* name : {"Trần Văn Bình", "Lê Thị Mai", "Phạm Đức Anh"}) {
    codes.push_back(office.receive_ok(office.receive_args("2.001019", name))["code"].get<std::string>());
  }
  auto moved = office.run({"set-status", codes[1], "--status", "4", "--json"});
  INFO(describe(moved));
  REQUIRE(moved.exit_code == kExitOk);

  auto all = office.run({"list", "--json"});
  REQUIRE(all.exit_code == kExitOk);
  json a = stdout_json(all);
  CHECK(a["total"] == 3);
  REQUIRE(a["dossiers"].size() == 3);
  std::vector<std::string> listed;
  for (const auto& d : a["dossiers"]) listed.push_back(d["code"].get<std::string>());
  CHECK_THAT(listed, Catch::Matchers::UnorderedEquals(codes));

  auto four = office.run({"list", "--status", "4", "--json"});
  REQUIRE(four.exit_code == kExitOk);
  json f = stdout_json(four);
  CHECK(f["total"] == 1);
  REQUIRE(f["dossiers"].size() == 1);
  CHECK(f["dossiers"][0]["code"] == codes[1]);
  CHECK(f["dossiers"][0]["status"] == 4);
  CHECK(f["dossiers"][0]["applicant_name"] == "Lê Thị Mai");

  auto two = office.run({"list", "--status", "2", "--json"});
  REQUIRE(two.exit_code == kExitOk);
  CHECK(stdout_json(two)["total"] == 2);

  auto nine = office.run({"list", "--status", "9", "--json"});
  REQUIRE(nine.exit_code == kExitOk);
  CHECK(stdout_json(nine)["dossiers"].empty());

  auto limited = office.run({"list", "--limit", "2", "--json"});
  REQUIRE(limited.exit_code == kExitOk);
  json lim = stdout_json(limited);
  CHECK(lim["dossiers"].size() == 2);
  CHECK(lim["total"] == 3);

  auto bad = office.run({"list", "--status", "11", "--json"});
  CHECK(bad.exit_code == kExitInvalidInput);
  json_error(bad);
}

TEST_CASE("status reports the office's unit, dossiers, pending changes and catalogue version", "[cli][agent]") {
  CliOffice office;
  json empty = office.status();
  CHECK(empty["unit"] == "11953");
  CHECK(empty["dossiers"] == 0);
  CHECK(empty["pending_changes"] == 0);
  CHECK(empty["catalog_version"] == 0);  // loaded from files, before any hub publication
  CHECK(empty["oldest_pending_at"].is_null());

  const std::string code = office.receive_ok(office.receive_args())["code"].get<std::string>();
  auto refused = office.run(office.receive_args("1.004873"));  // no time limit: refused, records nothing
  CHECK(refused.exit_code == kExitInvalidInput);
  auto moved = office.run({"set-status", code, "--status", "4", "--json"});
  REQUIRE(moved.exit_code == kExitOk);

  json s = office.status();
  CHECK(s["unit"] == "11953");
  CHECK(s["dossiers"] == 1);
  CHECK(s["pending_changes"] == 2);  // one captured change set per write
  CHECK(s["catalog_version"] == 0);
  CHECK(s["oldest_pending_at"].is_string());
}

TEST_CASE("remove-data keeps an office whose change has not reached the hub, says why in its log, and needs --yes",
          "[cli][agent][uninstall]") {
  TempDir dir;
  const std::string data = dir.file("office");
  REQUIRE(agent(init_args(data)).exit_code == kExitOk);
  auto received = agent({"receive", "--data", data, "--procedure", "2.001019", "--applicant", "Nguyễn Thị Hoa",
                         "--citizen-id", kCitizen});
  REQUIRE(received.exit_code == kExitOk);

  auto unconfirmed = agent({"remove-data", "--data", data});
  INFO(describe(unconfirmed));
  CHECK(unconfirmed.exit_code == kExitUsage);
  CHECK(contains(unconfirmed.err, "--yes"));

  auto refused = agent({"remove-data", "--data", data, "--yes", "--json"});
  INFO(describe(refused));
  CHECK(refused.exit_code == kExitConflict);
  CHECK(json_error(refused)["message"].get<std::string>().find("1 change(s)") != std::string::npos);
  CHECK(fs::exists(fs::u8path(data + "/agent.db")));
  CHECK(contains(read_file(data + "/logs/agent.log"), "asked to remove the office's data, refused: 1 change(s)"));
  auto status = agent({"status", "--data", data, "--json"});
  REQUIRE(status.exit_code == kExitOk);
  CHECK(json::parse(status.out)["dossiers"] == 1);
}

TEST_CASE("remove-data refuses a directory that is not an office's and leaves it exactly as it was",
          "[cli][agent][uninstall]") {
  TempDir dir;
  const std::string other = dir.file("documents");
  fs::create_directories(fs::u8path(other));
  write_file(other + "/báo cáo.txt", "someone's work");

  auto refused = agent({"remove-data", "--data", other, "--yes"});
  INFO(describe(refused));
  CHECK(refused.exit_code == kExitInvalidInput);
  CHECK(contains(refused.err, "no agent.db"));
  std::vector<std::string> left;
  for (const auto& e : fs::recursive_directory_iterator(fs::u8path(other))) left.push_back(e.path().filename().u8string());
  CHECK(left == std::vector<std::string>{"báo cáo.txt"});

  auto missing = agent({"remove-data", "--data", dir.file("never-made"), "--yes", "--json"});
  INFO(describe(missing));
  CHECK(missing.exit_code == kExitOk);
  CHECK(json::parse(missing.out)["removed"] == false);
}

}  // namespace motcua::test
