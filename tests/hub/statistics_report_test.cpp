// The province's statistics on a real hub database (hub/report.hpp, docs/STATISTICS.md): fifteen
// dossiers of two units with hand-computed counts for February 2026, a month with the nine days
// off of Tết (14–22 February) in the real calendar, and the `motcua-hub report` command.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/hlc.hpp"
#include "common/id.hpp"
#include "common/time.hpp"
#include "facts/dossier_store.hpp"
#include "hub/hub_store.hpp"
#include "hub/publish.hpp"
#include "hub/report.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using nlohmann::json;

namespace {

const std::string kUnitA = "11953";  // Phường Phố Hiến, Hưng Yên
const std::string kUnitB = "11983";  // Phường Sơn Nam, Hưng Yên
const std::string kNotarial = "2.001019";   // Chứng thực di chúc (Chứng thực): 2 working days
const std::string kResidence = "1.004222";  // Đăng ký thường trú (Đăng ký, quản lý cư trú): 7 working days
const std::string kBirth = "1.001193";      // Thủ tục đăng ký khai sinh (Hộ tịch)
const std::string kUnknown = "9.999999";    // in no catalogue

// Vietnam local time "YYYY-MM-DDTHH:MM".
Instant T(const std::string& local) {
  auto t = parse_rfc3339(local, true);
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

struct Step {
  int from;
  int to;
  std::string at;
  std::optional<std::string> due;  // a new appointment recorded with the step
  std::string unit;                // empty: the receiving unit
};

struct Spec {
  std::string unit;
  std::string procedure;
  int channel = 1;
  std::string received;
  std::optional<std::string> due;
  std::string limit_kind = "hours";
  std::optional<int64_t> limit_hours;
  int status = 2;
  std::vector<Step> steps;
};

struct Hub {
  test::TempDir dir;
  ManualClock clock{T("2026-03-05T09:00")};
  std::unique_ptr<hub::HubStore> store;
  int dossiers = 0;
  int64_t catalog_version = 0;

  Hub() {
    REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
    auto s = hub::HubStore::open(dir.file("hub"), clock);
    REQUIRE(s);
    store = std::make_unique<hub::HubStore>(std::move(*s));
    auto calendar = hub::publish_calendar(*store, test::source_path("data/holidays-vn.csv"));
    REQUIRE(calendar);
    auto catalog = hub::publish_catalog(*store, test::source_path("data/tthc-commune-sample.csv"));
    REQUIRE(catalog);
    catalog_version = catalog->version;
  }

  sql::Db& db() { return store->db(); }

  // Inserts the creation fact and its status events, then folds the dossier as the hub does when
  // facts arrive (dossier_state, dossier_conflict).
  void add(const Spec& s) {
    const Id128 id = Id128::random();
    ++dossiers;
    auto tx = sql::Transaction::begin_immediate(db());
    REQUIRE(tx);
    auto st = db().prepare(
        "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, "
        "applicant_name, applicant_citizen_id, channel, received_at, entered_at, due_at, due_rule, limit_kind, "
        "limit_hours, status, hlc, origin_unit, actor) VALUES (?1, ?2, ?3, ?3, ?3, ?4, ?5, 'Nguyễn Văn An', "
        "'033198001234', ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?3, 'test-clerk')");
    REQUIRE(st);
    const Instant received = T(s.received);
    st->bind(1, id.blob())
        .bind(2, "33." + s.unit + "-2602-" + std::to_string(dossiers))
        .bind(3, s.unit)
        .bind(4, s.procedure)
        .bind(5, catalog_version)
        .bind(6, s.channel)
        .bind(7, received.ms)
        .bind(8, s.due ? std::optional<int64_t>(T(*s.due).ms) : std::nullopt)
        .bind(9, s.due ? "computed" : "none")
        .bind(10, s.limit_kind)
        .bind(11, s.limit_hours)
        .bind(12, s.status)
        .bind(13, Hlc::from(received.ms, 0).value);
    REQUIRE(st->run());
    for (const Step& e : s.steps) {
      auto ev = db().prepare(
          "INSERT INTO dossier_event(id, dossier_id, kind, from_status, to_status, at, due_at, hlc, origin_unit, actor) "
          "VALUES (?1, ?2, 'status', ?3, ?4, ?5, ?6, ?7, ?8, 'test-clerk')");
      REQUIRE(ev);
      const Instant at = T(e.at);
      ev->bind(1, Id128::random().blob())
          .bind(2, id.blob())
          .bind(3, e.from)
          .bind(4, e.to)
          .bind(5, at.ms)
          .bind(6, e.due ? std::optional<int64_t>(T(*e.due).ms) : std::nullopt)
          .bind(7, Hlc::from(at.ms, 0).value)
          .bind(8, e.unit.empty() ? s.unit : e.unit);
      REQUIRE(ev->run());
    }
    auto folded = facts::refresh_derived(db(), id);
    REQUIRE(folded);
    REQUIRE(*folded);
    REQUIRE(tx->commit());
  }

  int64_t count(const std::string& sql) {
    auto v = sql::query_int64(db(), sql);
    REQUIRE(v);
    return v->value_or(0);
  }

  json report(const std::string& by) {
    auto q = hub::parse_report_query("2026-02-01", "2026-02-28", by);
    REQUIRE(q);
    auto r = hub::statistics_report(db(), *q);
    REQUIRE(r);
    return *r;
  }
};

// The fifteen dossiers. Working periods are 07:00–11:30 and 13:30–17:00 (8 h a day); February
// 2026 works on the 2nd–6th, 9th–13th and 23rd–27th (Tết 14–22). Resolution times are
// "calendar hours / working hours" from receipt to 9.
void add_dossiers(Hub& h) {
  // D1 (A, counter): due Wed 4 Feb 08:00 (16 h from Mon 08:00), resolved at 15:00 that day: the
  // due day, so on time for 06 and 766 although after the due hour. 55 h / 21 h.
  h.add({kUnitA, kNotarial, 1, "2026-02-02T08:00", "2026-02-04T08:00", "hours", 16, 2,
         {{2, 4, "2026-02-02T09:00", {}, ""}, {4, 9, "2026-02-04T15:00", {}, ""}, {9, 10, "2026-02-05T09:00", {}, ""}}});
  // D2 (A, online): due Thu 5 Feb 10:00, resolved Mon 9 Feb and returned the same day: late for
  // both. 143 h / 31 h.
  h.add({kUnitA, kNotarial, 2, "2026-02-03T10:00", "2026-02-05T10:00", "hours", 16, 2,
         {{2, 4, "2026-02-03T10:30", {}, ""}, {4, 9, "2026-02-09T09:00", {}, ""}, {9, 10, "2026-02-09T10:00", {}, ""}}});
  // D3 (A, counter): 56 h, due Wed 25 Feb 08:00 across Tết. Supplement requested Thu 12 Feb 08:00
  // with 32 working hours left, received Tue 24 Feb 08:00 (the pause spans Tết): new due Mon 2 Mar
  // 08:00. Resolved Fri 27 Feb 16:00: early; one supplement, on time for 766. 440 h / 78 h.
  h.add({kUnitA, kResidence, 1, "2026-02-09T08:00", "2026-02-25T08:00", "hours", 56, 2,
         {{2, 4, "2026-02-09T09:00", {}, ""},
          {4, 5, "2026-02-12T08:00", {}, ""},
          {5, 4, "2026-02-24T08:00", "2026-03-02T08:00", ""},
          {4, 9, "2026-02-27T16:00", {}, ""}}});
  // D4 (A, post, carried over): received Wed 28 Jan, due Fri 30 Jan 08:00, resolved Tue 3 Feb:
  // carried over (channel not counted), late for both. 146 h / 34 h.
  h.add({kUnitA, kNotarial, 3, "2026-01-28T08:00", "2026-01-30T08:00", "hours", 16, 2,
         {{2, 4, "2026-01-28T09:00", {}, ""}, {4, 9, "2026-02-03T10:00", {}, ""}}});
  // D5 (A): resolved in January, returned in February: finished before the period, counts nothing.
  h.add({kUnitA, kNotarial, 1, "2026-01-20T08:00", "2026-01-22T08:00", "hours", 16, 2,
         {{2, 4, "2026-01-20T09:00", {}, ""}, {4, 9, "2026-01-21T10:00", {}, ""}, {9, 10, "2026-02-02T10:00", {}, ""}}});
  // D6 (A, counter): 56 h, due Wed 11 Feb 08:00; two supplements (new dues Thu 12 Feb 08:00, then
  // Fri 13 Feb 08:00); resolved Thu 12 Feb 10:00: early for 06, late for 766 (more than one
  // supplement request). 242 h / 66 h.
  h.add({kUnitA, kResidence, 1, "2026-02-02T08:00", "2026-02-11T08:00", "hours", 56, 2,
         {{2, 4, "2026-02-02T09:00", {}, ""},
          {4, 5, "2026-02-03T08:00", {}, ""},
          {5, 4, "2026-02-04T08:00", "2026-02-12T08:00", ""},
          {4, 5, "2026-02-05T08:00", {}, ""},
          {5, 4, "2026-02-06T08:00", "2026-02-13T08:00", ""},
          {4, 9, "2026-02-12T10:00", {}, ""}}});
  // D7 (B, counter): a procedure in no catalogue, no appointment and no time limit: on time for
  // both. 602 h / 114 h.
  h.add({kUnitB, kUnknown, 1, "2026-02-02T08:00", {}, "none", {}, 2,
         {{2, 4, "2026-02-02T09:00", {}, ""}, {4, 9, "2026-02-27T10:00", {}, ""}}});
  // D8 (B, counter): no appointment but a 16 h legal limit (Wed 25 Feb 08:00); resolved Thu 26 Feb:
  // on time for 06 (no appointment), late for 766. 73 h / 25 h.
  h.add({kUnitB, kNotarial, 1, "2026-02-23T08:00", {}, "hours", 16, 2,
         {{2, 4, "2026-02-23T09:00", {}, ""}, {4, 9, "2026-02-26T09:00", {}, ""}}});
  // D9 (B, online): withdrawn in the period.
  h.add({kUnitB, kNotarial, 2, "2026-02-10T08:00", "2026-02-12T08:00", "hours", 16, 2,
         {{2, 4, "2026-02-10T09:00", {}, ""}, {4, 7, "2026-02-11T09:00", {}, ""}}});
  // D10 (B, counter): stopped while waiting for a supplement: stopped, not waiting.
  h.add({kUnitB, kResidence, 1, "2026-02-04T08:00", "2026-02-13T08:00", "hours", 56, 2,
         {{2, 4, "2026-02-04T09:00", {}, ""}, {4, 5, "2026-02-05T09:00", {}, ""}, {5, 8, "2026-02-06T09:00", {}, ""}}});
  // D11 (A): refused at the counter: refused, not received.
  h.add({kUnitA, kBirth, 1, "2026-02-05T08:00", {}, "same_day_15h", {}, 3, {}});
  // D12 (B, post): waiting for a supplement at the end of February.
  h.add({kUnitB, kNotarial, 3, "2026-02-24T08:00", "2026-02-26T08:00", "hours", 16, 2,
         {{2, 4, "2026-02-24T09:00", {}, ""}, {4, 5, "2026-02-25T09:00", {}, ""}}});
  // D13 (A, online): due Wed 25 Feb 08:00, still in progress: past due. Unit B's "resolved" step
  // is not allowed (B never held it), loses in the fold (dossier_conflict) and is not counted.
  h.add({kUnitA, kNotarial, 2, "2026-02-23T08:00", "2026-02-25T08:00", "hours", 16, 2,
         {{2, 4, "2026-02-23T09:00", {}, ""}, {4, 9, "2026-02-24T10:00", {}, kUnitB}}});
  // D14 (B, counter, carried over): received in January with a manual appointment on 5 March, in
  // progress within time.
  h.add({kUnitB, kResidence, 1, "2026-01-30T08:00", "2026-03-05T17:00", "hours", 56, 2,
         {{2, 4, "2026-01-30T09:00", {}, ""}}});
  // D15 (A): received after the period: counts nothing.
  h.add({kUnitA, kNotarial, 1, "2026-03-02T08:00", "2026-03-04T08:00", "hours", 16, 2, {}});
}

// Every count, rate and average of a report row.
void check_row(const json& row, const json& expected) {
  INFO(row.dump());
  for (const auto& [key, value] : expected.items()) {
    INFO(key);
    REQUIRE(row.contains(key));
    if (value.is_number_float()) {
      REQUIRE(row.at(key).is_number());
      CHECK(row.at(key).get<double>() == Approx(value.get<double>()));
    } else {
      CHECK(row.at(key) == value);
    }
  }
  CHECK(row.size() == expected.size());
}

const json kUnitAExpected = {
    {"key", kUnitA}, {"name", "Phường Phố Hiến"},
    {"received_carried_over", 1},   // D4
    {"received_new", 5},            // D1 D2 D3 D6 D13
    {"received_new_direct", 3},     // D1 D3 D6
    {"received_new_online", 2},     // D2 D13
    {"received_new_post", 0},
    {"received_total", 6},
    {"refused", 1},                 // D11
    {"resolved_early", 2},          // D3 D6
    {"resolved_on_time", 1},        // D1
    {"resolved_late", 2},           // D2 D4
    {"resolved_total", 5},
    {"in_progress_on_time", 0},
    {"in_progress_late", 1},        // D13
    {"waiting_supplement", 0},
    {"withdrawn", 0},
    {"stopped", 0},
    {"on_time_rate_766", 0.4},      // D1 D3 of 5
    {"on_time_rate_06", 0.6},       // 3 of 5
    {"avg_resolution_days", 8.55},  // (55 + 143 + 440 + 146 + 242) h / 5 / 24
    {"avg_resolution_working_days", 5.75},  // (21 + 31 + 78 + 34 + 66) h / 5 / 8
    {"online_share", 0.4},          // 2 of 5
};

const json kUnitBExpected = {
    {"key", kUnitB}, {"name", "Phường Sơn Nam"},
    {"received_carried_over", 1},   // D14
    {"received_new", 5},            // D7 D8 D9 D10 D12
    {"received_new_direct", 3},     // D7 D8 D10
    {"received_new_online", 1},     // D9
    {"received_new_post", 1},       // D12
    {"received_total", 6},
    {"refused", 0},
    {"resolved_early", 0},
    {"resolved_on_time", 2},        // D7 D8 (no appointment)
    {"resolved_late", 0},
    {"resolved_total", 2},
    {"in_progress_on_time", 1},     // D14
    {"in_progress_late", 0},
    {"waiting_supplement", 1},      // D12
    {"withdrawn", 1},               // D9
    {"stopped", 1},                 // D10
    {"on_time_rate_766", 0.5},      // D7 of 2
    {"on_time_rate_06", 1.0},
    {"avg_resolution_days", 14.0625},       // (602 + 73) h / 2 / 24
    {"avg_resolution_working_days", 8.6875},  // (114 + 25) h / 2 / 8
    {"online_share", 0.2},          // 1 of 5
};

const json kTotalExpected = {
    {"key", ""}, {"name", "Tổng cộng"},
    {"received_carried_over", 2},
    {"received_new", 10},
    {"received_new_direct", 6},
    {"received_new_online", 3},
    {"received_new_post", 1},
    {"received_total", 12},
    {"refused", 1},
    {"resolved_early", 2},
    {"resolved_on_time", 3},
    {"resolved_late", 2},
    {"resolved_total", 7},
    {"in_progress_on_time", 1},
    {"in_progress_late", 1},
    {"waiting_supplement", 1},
    {"withdrawn", 1},
    {"stopped", 1},
    {"on_time_rate_766", 3.0 / 7.0},
    {"on_time_rate_06", 5.0 / 7.0},
    {"avg_resolution_days", 10.125},                // 1701 h / 7 / 24
    {"avg_resolution_working_days", 369.0 / 56.0},  // 369 h / 7 / 8
    {"online_share", 0.3},
};

std::vector<std::string> keys(const json& report) {
  std::vector<std::string> out;
  for (const auto& r : report.at("rows")) out.push_back(r.at("key").get<std::string>());
  return out;
}

std::string hub_exe() { return MOTCUA_HUB_EXE; }

}  // namespace

TEST_CASE("the report by unit counts every dossier of the period under the báo cáo 06 and 766 rules") {
  Hub h;
  add_dossiers(h);
  REQUIRE(h.count("SELECT count(*) FROM dossier_state") == 15);
  // D13's step by unit B lost in the fold.
  REQUIRE(h.count("SELECT count(*) FROM dossier_conflict") == 1);
  REQUIRE(h.count("SELECT count(*) FROM dossier_state WHERE status = 4 AND code LIKE '33.11953-%'") == 1);

  const json r = h.report("unit");
  CHECK(r.at("from") == "2026-02-01");
  CHECK(r.at("to") == "2026-02-28");
  CHECK(r.at("by") == "unit");
  CHECK(r.at("generated_at").get<std::string>().find("+07:00") != std::string::npos);
  REQUIRE(r.at("rows").size() == 2);
  check_row(r.at("rows").at(0), kUnitAExpected);
  check_row(r.at("rows").at(1), kUnitBExpected);
  check_row(r.at("total"), kTotalExpected);
  // Every received dossier ends the period in exactly one state.
  for (const json& row : r.at("rows")) {
    CHECK(row.at("received_total").get<int64_t>() ==
          row.at("resolved_total").get<int64_t>() + row.at("in_progress_on_time").get<int64_t>() +
              row.at("in_progress_late").get<int64_t>() + row.at("waiting_supplement").get<int64_t>() +
              row.at("withdrawn").get<int64_t>() + row.at("stopped").get<int64_t>());
  }
}

TEST_CASE("the report by field and by procedure has the same totals, with unknown procedures named as such") {
  Hub h;
  add_dossiers(h);
  const json by_unit = h.report("unit");
  const json by_field = h.report("field");
  const json by_procedure = h.report("procedure");
  CHECK(by_field.at("total") == by_unit.at("total"));
  CHECK(by_procedure.at("total") == by_unit.at("total"));

  // Sorted by key (UTF-8 bytes).
  CHECK(keys(by_field) == std::vector<std::string>{"(không rõ lĩnh vực)", "Chứng thực", "Hộ tịch", "Đăng ký, quản lý cư trú"});
  CHECK(keys(by_procedure) == std::vector<std::string>{kBirth, kResidence, kNotarial, kUnknown});
  for (const auto& row : by_procedure.at("rows")) {
    if (row.at("key") == kNotarial) CHECK(row.at("name") == "Chứng thực di chúc");
    if (row.at("key") == kUnknown) CHECK(row.at("name") == "(không rõ thủ tục)");
    if (row.at("key") == kBirth) {
      CHECK(row.at("refused") == 1);  // D11 only
      CHECK(row.at("received_total") == 0);
      CHECK(row.at("on_time_rate_766").is_null());
      CHECK(row.at("online_share").is_null());
    }
  }
  for (const auto& row : by_field.at("rows")) {
    if (row.at("key") == "Đăng ký, quản lý cư trú") {
      CHECK(row.at("name") == "Đăng ký, quản lý cư trú");
      CHECK(row.at("received_total") == 4);  // D3 D6 D10 D14
      CHECK(row.at("resolved_early") == 2);  // D3 D6
    }
  }
}

TEST_CASE("a period with no dossier gives an empty report with null rates") {
  Hub h;
  add_dossiers(h);
  auto q = hub::parse_report_query("2025-06-01", "2025-06-30", "unit");
  REQUIRE(q);
  auto r = hub::statistics_report(h.db(), *q);
  REQUIRE(r);
  CHECK(r->at("rows").empty());
  CHECK(r->at("total").at("received_total") == 0);
  CHECK(r->at("total").at("on_time_rate_06").is_null());
  CHECK(r->at("total").at("avg_resolution_days").is_null());
}

TEST_CASE("a report query with a bad period or grouping is invalid input saying what to give") {
  auto reversed = hub::parse_report_query("2026-03-01", "2026-02-01", "unit");
  REQUIRE_FALSE(reversed);
  CHECK(reversed.error().code == ErrorCode::kInvalidInput);
  auto by = hub::parse_report_query("2026-02-01", "2026-02-28", "commune");
  REQUIRE_FALSE(by);
  CHECK(by.error().code == ErrorCode::kInvalidInput);
  CHECK(by.error().hint.find("unit") != std::string::npos);
}

TEST_CASE("the report as CSV opens in Excel: byte order mark, Vietnamese header, CRLF, quoted names") {
  Hub h;
  add_dossiers(h);
  const std::string csv = hub::report_csv(h.report("field"));
  REQUIRE(csv.rfind("\xEF\xBB\xBF" "Mã,Tên,Số hồ sơ kỳ trước chuyển qua,", 0) == 0);
  CHECK(csv.find("\"Đăng ký, quản lý cư trú\",\"Đăng ký, quản lý cư trú\",") != std::string::npos);
  CHECK(csv.find(",Tổng cộng,2,10,6,3,1,12,1,2,3,2,7,1,1,1,1,1,0.4286,0.7143,10.12,6.59,0.3000\r\n") != std::string::npos);
  size_t lines = 0;
  for (size_t i = 0; i < csv.size(); ++i) {
    if (csv[i] == '\n') {
      ++lines;
      CHECK(csv[i - 1] == '\r');
    }
  }
  CHECK(lines == 6);  // header, 4 fields, total
}

TEST_CASE("motcua-hub report refuses bad arguments with a message and a non-zero exit") {
  Hub h;
  const std::string data = h.dir.file("hub");
  auto reversed = test::run_process({hub_exe(), "report", "--data", data, "--from", "2026-03-01", "--to", "2026-02-01"});
  CHECK(reversed.exit_code == 3);
  CHECK(reversed.err.find("after its end") != std::string::npos);
  auto bad_date = test::run_process({hub_exe(), "report", "--data", data, "--from", "2026-02-30", "--to", "2026-03-01"});
  CHECK(bad_date.exit_code == 3);
  CHECK(bad_date.err.find("2026-02-30") != std::string::npos);
  auto bad_by = test::run_process(
      {hub_exe(), "report", "--data", data, "--from", "2026-02-01", "--to", "2026-02-28", "--by", "commune"});
  CHECK(bad_by.exit_code == 3);
  CHECK(bad_by.err.find("commune") != std::string::npos);
  auto missing = test::run_process({hub_exe(), "report", "--data", data, "--from", "2026-02-01"});
  CHECK(missing.exit_code == 2);
  auto both = test::run_process(
      {hub_exe(), "report", "--data", data, "--from", "2026-02-01", "--to", "2026-02-28", "--json", "--csv"});
  CHECK(both.exit_code == 2);
}

TEST_CASE("motcua-hub report writes CSV, JSON and a text table of the hub's dossiers") {
  Hub h;
  add_dossiers(h);
  const std::string data = h.dir.file("hub");
  auto csv = test::run_process(
      {hub_exe(), "report", "--data", data, "--from", "2026-02-01", "--to", "2026-02-28", "--by", "unit", "--csv"});
  REQUIRE(csv.exit_code == 0);
  REQUIRE(csv.out.size() > 3);
  CHECK(csv.out.substr(0, 3) == "\xEF\xBB\xBF");
  CHECK(csv.out.find("Mã,Tên,Số hồ sơ kỳ trước chuyển qua,Số hồ sơ tiếp nhận mới,") == 3);
  CHECK(csv.out.find("\r\n11953,Phường Phố Hiến,1,5,3,2,0,6,1,2,1,2,5,0,1,0,0,0,") != std::string::npos);

  auto js = test::run_process({hub_exe(), "report", "--data", data, "--from", "2026-02-01", "--to", "2026-02-28", "--json"});
  REQUIRE(js.exit_code == 0);
  const json doc = json::parse(js.out);
  CHECK(doc.at("total").at("received_total") == 12);

  auto text = test::run_process({hub_exe(), "report", "--data", data, "--from", "2026-02-01", "--to", "2026-02-28",
                                 "--by", "procedure"});
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("received") != std::string::npos);
  CHECK(text.out.find("Chứng thực di chúc") != std::string::npos);
  CHECK(text.out.find("Tổng cộng") != std::string::npos);

  const std::string out = h.dir.file("report.csv");
  auto file = test::run_process({hub_exe(), "report", "--data", data, "--from", "2026-02-01", "--to", "2026-02-28",
                                 "--csv", "--out", out});
  REQUIRE(file.exit_code == 0);
  CHECK(file.out.empty());
}
