// Transfers between offices (liên thông), conflicts and wrong clocks end to end: a real hub over
// loopback and real offices (the agent executable), following docs/CONFLICTS.md.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/hub_fixture.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

namespace {

const char* const kPhoHien = "11953";
const char* const kNhuQuynh = "12004";

json parsed(const ProcessResult& r) {
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

json run_ok(const Office& office, std::vector<std::string> args) {
  args.push_back("--json");
  return parsed(office.cmd(std::move(args)));
}

void enroll(Office& office, Hub& hub, const std::string& unit) {
  auto r = office.enroll(hub, hub.enroll_code(unit));
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
}

void sync_ok(Office& office) {
  auto r = office.sync();
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["pending_changes"] == 0);
}

json show(const Office& office, const std::string& code) { return run_ok(office, {"show", code}); }
json office_status(const Office& office) { return run_ok(office, {"status"}); }

json hub_show(const Hub& hub, const std::string& code) {
  return parsed(hub_cmd({"dossier", "show", "--data", hub.data(), code, "--json"}));
}

json hub_conflicts(const Hub& hub) { return parsed(hub_cmd({"conflicts", "list", "--data", hub.data(), "--json"})); }

void transfer(const Office& office, const std::string& code, const std::string& to) {
  CHECK(run_ok(office, {"transfer", code, "--to", to, "--note", "liên thông"})["holder_unit"] == to);
}

// Each event of a dossier as "ID outcome", in the order the replica lists them.
std::vector<std::string> event_outcomes(const json& dossier) {
  std::vector<std::string> out;
  for (const auto& e : dossier["events"]) out.push_back(e["id"].get<std::string>() + " " + e["outcome"].get<std::string>());
  return out;
}

std::vector<std::string> conflict_rules(const json& dossier) {
  std::vector<std::string> rules;
  for (const auto& c : dossier["conflicts"]) rules.push_back(c["rule"].get<std::string>());
  std::sort(rules.begin(), rules.end());
  return rules;
}

// A copy, so that a member the event lacks reads as null.
json event_by_id(const json& dossier, const std::string& id) {
  for (const auto& e : dossier["events"]) {
    if (e["id"] == id) return e;
  }
  FAIL("event " << id << " is not in the dossier " << dossier["code"]);
  return nullptr;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("a dossier handed over reaches the new office with its documents and history, continues there, and the "
          "result returns to the receiving office",
          "[transfer][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office pho_hien(dir, "pho-hien", kPhoHien);
  Office nhu_quynh(dir, "nhu-quynh", kNhuQuynh);
  enroll(pho_hien, hub, kPhoHien);
  enroll(nhu_quynh, hub, kNhuQuynh);

  const std::string code = pho_hien.receive("Nguyễn Thị Hoa");
  pho_hien.set_status(code, 4);
  transfer(pho_hien, code, kNhuQuynh);
  CHECK(office_status(pho_hien)["dossiers_held_elsewhere"] == 1);
  sync_ok(pho_hien);
  CHECK(office_status(nhu_quynh)["dossiers"] == 0);
  sync_ok(nhu_quynh);

  const json sent = show(pho_hien, code);
  const json arrived = show(nhu_quynh, code);
  REQUIRE(sent["documents"].size() == 2);
  CHECK(arrived["documents"] == sent["documents"]);
  CHECK(arrived["applicant"] == sent["applicant"]);
  CHECK(arrived["due_at"] == sent["due_at"]);
  CHECK(event_outcomes(arrived) == event_outcomes(sent));
  CHECK(arrived["events"].size() == 2);  // 2→4, the hand-over
  CHECK(arrived["status"] == 4);
  CHECK(arrived["holder_unit"] == kNhuQuynh);
  CHECK(arrived["receiving_unit"] == kPhoHien);
  CHECK(office_status(nhu_quynh)["dossiers_held_elsewhere"] == 0);

  // Như Quỳnh resolves it and hands the result back; Phố Hiến returns it to the citizen.
  nhu_quynh.set_status(code, 9);
  transfer(nhu_quynh, code, kPhoHien);
  sync_ok(nhu_quynh);
  sync_ok(pho_hien);
  const json back = show(pho_hien, code);
  CHECK(back["status"] == 9);
  CHECK(back["holder_unit"] == kPhoHien);
  pho_hien.set_status(code, 10);
  sync_ok(pho_hien);
  sync_ok(nhu_quynh);

  json a = show(pho_hien, code), b = show(nhu_quynh, code), h = hub_show(hub, code);
  for (json* view : {&a, &b, &h}) {
    INFO((*view).dump(2));
    CHECK((*view)["status"] == 10);
    CHECK((*view)["holder_unit"] == kPhoHien);
    CHECK((*view)["holders"] == json::array({kPhoHien, kNhuQuynh}));
    CHECK((*view)["conflicts"].empty());
    CHECK((*view)["documents"] == sent["documents"]);
  }
  REQUIRE(a["events"].size() == 5);  // 2→4, hand-over, 4→9, hand-back, 9→10
  for (const auto& e : a["events"]) CHECK(e["outcome"] == "applied");
  CHECK(event_outcomes(b) == event_outcomes(a));
  CHECK(event_outcomes(h) == event_outcomes(a));
  CHECK(h["involved_units"] == json::array({kPhoHien, kNhuQuynh}));
  CHECK(hub_conflicts(hub)["total"] == 0);
  CHECK(office_status(pho_hien)["conflicts"] == 0);
  CHECK(office_status(nhu_quynh)["dossiers_held_elsewhere"] == 1);
}

TEST_CASE("a step by the former holder that had not seen a hand-over made at the hub is kept in history, does not "
          "change the state, and is listed as a conflict",
          "[transfer][conflict][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office pho_hien(dir, "pho-hien", kPhoHien);
  Office nhu_quynh(dir, "nhu-quynh", kNhuQuynh);
  enroll(pho_hien, hub, kPhoHien);
  enroll(nhu_quynh, hub, kNhuQuynh);

  const std::string code = pho_hien.receive("Trần Văn Bình");
  pho_hien.set_status(code, 4);
  sync_ok(pho_hien);

  // A province user hands the dossier over for Phố Hiến while the office is offline.
  const json handed = parsed(hub_cmd({"dossier", "transfer", "--data", hub.data(), code, "--to", kNhuQuynh, "--as",
                                      kPhoHien, "--actor", "chuyenvien.tinh", "--json"}));
  CHECK(handed["holder_unit"] == kNhuQuynh);
  const std::string transfer_id = handed["event"].get<std::string>();

  // Phố Hiến, unaware, resolves it, then syncs.
  pho_hien.set_status(code, 9);
  const json before_sync = show(pho_hien, code);
  CHECK(before_sync["status"] == 9);
  const std::string step_id = before_sync["events"].back()["id"].get<std::string>();
  CHECK(before_sync["events"].back()["to_status"] == 9);
  sync_ok(pho_hien);
  sync_ok(nhu_quynh);
  sync_ok(pho_hien);

  const json list = hub_conflicts(hub);
  INFO(list.dump(2));
  REQUIRE(list["total"] == 1);
  REQUIRE(list["conflicts"].size() == 1);
  json c = list["conflicts"][0];
  CHECK(c["code"] == code);
  CHECK(c["rule"] == "concurrent_step");  // a hand-over wins over a concurrent step
  CHECK(c["lost"]["id"] == step_id);
  CHECK(c["lost"]["kind"] == "status");
  CHECK(c["lost"]["from_status"] == 4);
  CHECK(c["lost"]["to_status"] == 9);
  CHECK(c["lost"]["origin_unit"] == kPhoHien);
  CHECK(c["applied"]["id"] == transfer_id);
  CHECK(c["applied"]["kind"] == "transfer");
  CHECK(c["applied"]["to_unit"] == kNhuQuynh);
  CHECK(c["applied"]["actor"] == "chuyenvien.tinh");

  json a = show(pho_hien, code), b = show(nhu_quynh, code), h = hub_show(hub, code);
  for (json* view : {&a, &b, &h}) {
    INFO((*view).dump(2));
    CHECK((*view)["status"] == 4);
    CHECK((*view)["holder_unit"] == kNhuQuynh);
    CHECK((*view)["events"].size() == 3);  // 2→4, the hand-over, the lost 4→9: nothing dropped
    CHECK(event_by_id(*view, step_id)["outcome"] == "lost");
    CHECK(event_by_id(*view, step_id)["conflict_rule"] == "concurrent_step");
    CHECK(event_by_id(*view, transfer_id)["outcome"] == "applied");
    CHECK(conflict_rules(*view) == std::vector<std::string>{"concurrent_step"});
  }
  CHECK(event_outcomes(b) == event_outcomes(a));
  CHECK(event_outcomes(h) == event_outcomes(a));
  CHECK(office_status(pho_hien)["conflicts"] == 1);
  CHECK(office_status(pho_hien)["dossiers_held_elsewhere"] == 1);
  CHECK(office_status(nhu_quynh)["conflicts"] == 1);

  // The new holder continues from the state that won.
  nhu_quynh.set_status(code, 9);
  sync_ok(nhu_quynh);
  CHECK(hub_show(hub, code)["status"] == 9);
}

TEST_CASE("concurrent corrections of the same field by two offices converge on the receiving office's value and the "
          "other is reported",
          "[transfer][conflict][e2e]") {
  TempDir dir;
  Hub hub(dir);
  Office pho_hien(dir, "pho-hien", kPhoHien);
  Office nhu_quynh(dir, "nhu-quynh", kNhuQuynh);
  enroll(pho_hien, hub, kPhoHien);
  enroll(nhu_quynh, hub, kNhuQuynh);

  const std::string code = pho_hien.receive("Lê Thị Mai");
  transfer(pho_hien, code, kNhuQuynh);
  sync_ok(pho_hien);
  sync_ok(nhu_quynh);

  // Both offices correct the phone number offline, from the same value.
  const std::string at_counter = "0912345678", elsewhere = "0987654321";
  CHECK(run_ok(pho_hien, {"correct", code, "--field", "phone", "--value", at_counter})["changed"] == true);
  CHECK(run_ok(nhu_quynh, {"correct", code, "--field", "phone", "--value", elsewhere})["changed"] == true);
  CHECK(show(nhu_quynh, code)["phone"] == elsewhere);
  for (int round = 0; round < 2; ++round) {
    sync_ok(nhu_quynh);
    sync_ok(pho_hien);
  }

  json a = show(pho_hien, code), b = show(nhu_quynh, code), h = hub_show(hub, code);
  for (json* view : {&a, &b, &h}) {
    INFO((*view).dump(2));
    CHECK((*view)["phone"] == at_counter);
    CHECK(conflict_rules(*view) == std::vector<std::string>{"concurrent_correction"});
    CHECK((*view)["status"] == 2);
    CHECK((*view)["holder_unit"] == kNhuQuynh);
  }
  CHECK(event_outcomes(b) == event_outcomes(a));
  CHECK(event_outcomes(h) == event_outcomes(a));

  const json list = hub_conflicts(hub);
  INFO(list.dump(2));
  REQUIRE(list["total"] == 1);
  REQUIRE(list["conflicts"].size() == 1);
  json c = list["conflicts"][0];
  CHECK(c["rule"] == "concurrent_correction");
  CHECK(c["lost"]["kind"] == "correction");
  CHECK(c["lost"]["field"] == "phone");
  CHECK(c["lost"]["value"] == elsewhere);
  CHECK(c["lost"]["origin_unit"] == kNhuQuynh);
  CHECK(c["applied"]["value"] == at_counter);
  CHECK(c["applied"]["origin_unit"] == kPhoHien);
  CHECK(event_by_id(b, c["lost"]["id"].get<std::string>())["outcome"] == "lost");
}

namespace {

// What a replica concludes about one dossier, whatever the clocks said.
struct Outcome {
  int status = 0;
  std::string holder;
  json holders;
  std::vector<std::string> rules;
  bool operator==(const Outcome& o) const {
    return status == o.status && holder == o.holder && holders == o.holders && rules == o.rules;
  }
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << "status " << o.status << " holder " << o.holder << " holders " << o.holders.dump() << " rules";
  for (const auto& r : o.rules) os << " " << r;
  return os;
}

Outcome outcome_of(const json& dossier) {
  return {dossier["status"].get<int>(), dossier["holder_unit"].get<std::string>(), dossier["holders"],
          conflict_rules(dossier)};
}

struct ScenarioRun {
  std::vector<std::string> codes;     // in order of receipt
  std::vector<Outcome> outcomes;      // the hub's view, per dossier
  std::vector<json> hub_views;        // `motcua-hub dossier show --json`, per dossier
  int64_t offset_pho_hien = 0;        // agent.clock_offset_ms at the hub
  int64_t offset_nhu_quynh = 0;
  std::string agent_pho_hien, agent_nhu_quynh;  // agent ids, upper-case hex
  json status_pho_hien;               // `motcua-agent status --json` at the end
  int64_t elapsed_ms = 0;             // how long the run took, from just before the hub started
};

// The scripted day: Phố Hiến receives two dossiers and Như Quỳnh one; the first goes to Như Quỳnh,
// which asks for a supplement; both offices record the supplement's arrival (the counter step
// loses to the holder's), Như Quỳnh resolves and hands the result back, Phố Hiến returns it.
ScenarioRun run_scenario(const TempDir& dir, const std::string& now_pho_hien, const std::string& now_nhu_quynh) {
  const auto started = std::chrono::steady_clock::now();
  Hub hub(dir);  // the hub keeps the true time (kTestNow)
  Office pho_hien(dir, "pho-hien", kPhoHien, now_pho_hien);
  Office nhu_quynh(dir, "nhu-quynh", kNhuQuynh, now_nhu_quynh);
  enroll(pho_hien, hub, kPhoHien);
  enroll(nhu_quynh, hub, kNhuQuynh);
  // Enrollment pulled the feed once; one more sync each so the hub has measured both clocks
  // before any fact of theirs arrives.
  sync_ok(pho_hien);
  sync_ok(nhu_quynh);

  ScenarioRun run;
  run.codes.push_back(pho_hien.receive("Nguyễn Thị Hoa", "033198001234"));
  run.codes.push_back(pho_hien.receive("Trần Văn Bình", "001098000042"));
  run.codes.push_back(nhu_quynh.receive("Vũ Minh Tuấn", "033190003344"));
  const std::string d1 = run.codes[0], d2 = run.codes[1], d3 = run.codes[2];

  pho_hien.set_status(d1, 4);
  transfer(pho_hien, d1, kNhuQuynh);
  pho_hien.set_status(d2, 4);
  pho_hien.set_status(d2, 9);
  pho_hien.set_status(d2, 10);
  sync_ok(pho_hien);
  sync_ok(nhu_quynh);

  nhu_quynh.set_status(d1, 5);
  sync_ok(nhu_quynh);
  sync_ok(pho_hien);
  // The citizen brings the missing paper to both offices' counters; neither sees the other's step.
  nhu_quynh.set_status(d1, 4);
  pho_hien.set_status(d1, 4);
  sync_ok(pho_hien);
  sync_ok(nhu_quynh);
  sync_ok(pho_hien);

  nhu_quynh.set_status(d1, 9);
  transfer(nhu_quynh, d1, kPhoHien);
  nhu_quynh.set_status(d3, 4);
  sync_ok(nhu_quynh);
  sync_ok(pho_hien);
  pho_hien.set_status(d1, 10);
  sync_ok(pho_hien);
  sync_ok(nhu_quynh);

  for (const auto& code : run.codes) {
    json h = hub_show(hub, code);
    run.outcomes.push_back(outcome_of(h));
    // Every office that holds the dossier's facts concludes the same.
    for (const Office* office : {&pho_hien, &nhu_quynh}) {
      auto r = office->cmd({"show", code, "--json"});
      if (r.exit_code != 0) continue;  // not involved with this dossier
      INFO(office->data() << " " << code);
      CHECK(outcome_of(json::parse(r.out)) == run.outcomes.back());
      CHECK(event_outcomes(json::parse(r.out)) == event_outcomes(h));
    }
    run.hub_views.push_back(std::move(h));
  }
  run.offset_pho_hien = count_rows(hub.db_path(), "SELECT clock_offset_ms FROM agent WHERE unit = '11953' AND status = 'active'");
  run.offset_nhu_quynh = count_rows(hub.db_path(), "SELECT clock_offset_ms FROM agent WHERE unit = '12004' AND status = 'active'");
  run.agent_pho_hien = upper(read_meta(pho_hien.db_path(), "agent_id"));
  run.agent_nhu_quynh = upper(read_meta(nhu_quynh.db_path(), "agent_id"));
  run.status_pho_hien = office_status(pho_hien);
  run.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return run;
}

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;

// Clocks are pinned when each process starts and then run on: the hub's since `serve` started, an
// office's since its command started. A measured offset (hub − office) is therefore the clock error
// plus at most the time the run has lasted, give or take a few seconds.
bool about(int64_t measured, int64_t expected, const ScenarioRun& run) {
  return measured >= expected - 5000 && measured <= expected + run.elapsed_ms + 5000;
}

}  // namespace

TEST_CASE("an office clock 3 days behind and another 2 hours ahead reach the same final state as with correct "
          "clocks, and the hub reports both offsets",
          "[transfer][clock][e2e]") {
  TempDir right_dir, wrong_dir;
  const ScenarioRun right = run_scenario(right_dir, kTestNow, kTestNow);
  // 3 days behind (a dead CMOS battery) and 2 hours ahead of the hub's 2026-03-02T09:00+07:00.
  const ScenarioRun wrong = run_scenario(wrong_dir, "2026-02-27T09:00:00+07:00", "2026-03-02T11:00:00+07:00");

  REQUIRE(right.outcomes.size() == 3);
  REQUIRE(wrong.outcomes.size() == 3);
  CHECK(wrong.codes[0].find("-260227-") != std::string::npos);  // dated by the office's own (wrong) clock
  CHECK(right.codes[0].find("-260302-") != std::string::npos);
  for (size_t i = 0; i < right.outcomes.size(); ++i) {
    INFO("dossier " << i + 1 << ": " << right.codes[i] << " / " << wrong.codes[i]);
    CHECK(wrong.outcomes[i] == right.outcomes[i]);
  }
  // And that state is the one the rules prescribe.
  CHECK(right.outcomes[0] == Outcome{10, kPhoHien, json::array({kPhoHien, kNhuQuynh}), {"concurrent_step"}});
  CHECK(right.outcomes[1] == Outcome{10, kPhoHien, json::array({kPhoHien}), {}});
  CHECK(right.outcomes[2] == Outcome{4, kNhuQuynh, json::array({kNhuQuynh}), {}});
  for (json c : wrong.hub_views[0]["conflicts"]) {
    CHECK(c["lost"]["origin_unit"] == kPhoHien);  // the counter step, not the holder's
    CHECK(c["applied"]["origin_unit"] == kNhuQuynh);
  }

  // The hub measured both clocks: hub − office.
  INFO("runs took " << right.elapsed_ms << " ms and " << wrong.elapsed_ms << " ms");
  CHECK(about(right.offset_pho_hien, 0, right));
  CHECK(about(right.offset_nhu_quynh, 0, right));
  INFO("measured offsets " << wrong.offset_pho_hien << " ms and " << wrong.offset_nhu_quynh << " ms");
  CHECK(about(wrong.offset_pho_hien, 3 * kDay, wrong));
  CHECK(about(wrong.offset_nhu_quynh, -2 * kHour, wrong));
  // The office measured the hub's clock too, and says so.
  CHECK(about(wrong.status_pho_hien["clock_offset_ms"].get<int64_t>(), 3 * kDay, wrong));

  // Each fact of those offices, applied after the measurement, carries a clock flag at the hub.
  for (const auto& view : right.hub_views) CHECK(view["clock_flags"].empty());
  json d1 = wrong.hub_views[0];
  INFO(d1["clock_flags"].dump(2));
  bool flagged_pho_hien = false, flagged_nhu_quynh = false;
  for (const auto& f : d1["clock_flags"]) {
    const std::string agent = upper(f["agent"].get<std::string>());
    const int64_t offset = f["clock_offset_ms"].get<int64_t>();
    if (agent == wrong.agent_pho_hien) {
      flagged_pho_hien = true;
      CHECK(about(offset, 3 * kDay, wrong));
    } else if (agent == wrong.agent_nhu_quynh) {
      flagged_nhu_quynh = true;
      CHECK(about(offset, -2 * kHour, wrong));
    } else {
      FAIL("a clock flag names an unknown agent " << agent);
    }
  }
  CHECK(flagged_pho_hien);
  CHECK(flagged_nhu_quynh);
  // One flag per fact (documents share the creation's moment): the creation and every event of
  // the first dossier, all recorded by the two offices.
  CHECK(d1["clock_flags"].size() == 1 + d1["events"].size());
  std::set<std::string> flagged;
  for (const auto& f : d1["clock_flags"]) flagged.insert(upper(f["fact"].get<std::string>()));
  for (const auto& e : d1["events"]) CHECK(flagged.count(upper(e["id"].get<std::string>())) == 1);
  CHECK(flagged.count(upper(d1["id"].get<std::string>())) == 1);
}
