// The fleet's states and alerts (hub/fleet.hpp), the status document built from a real hub
// database (hub/status.hpp), and the alert watcher posting to a real webhook over loopback.
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "common/id.hpp"
#include "hub/alerts.hpp"
#include "hub/fleet.hpp"
#include "hub/hub_store.hpp"
#include "hub/status.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using nlohmann::json;

namespace {

Instant at(const char* text) { return *parse_rfc3339(text); }

hub::OfficeFacts enrolled_since(const char* last_success) {
  hub::OfficeFacts f;
  f.enrolled = true;
  f.last_success_at = at(last_success);
  f.silent_since = *f.last_success_at;
  f.agent_version = "0.1.0";
  return f;
}

hub::FleetPolicy default_policy() {
  hub::FleetPolicy p;
  p.min_agent_version = "0.1.0";
  return p;
}

bool has_alert(const hub::OfficeAssessment& a, const std::string& code) {
  for (const auto& al : a.alerts) {
    if (al.code == code) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("an office silent since Friday 16:30 is amber, not red, at 08:00 on Monday: nights and weekends are not working time", "[fleet]") {
  const domain::Calendar calendar;
  auto f = enrolled_since("2026-11-27T16:30:00+07:00");  // a Friday
  auto a = hub::assess_office(f, default_policy(), at("2026-11-30T08:00:00+07:00"), calendar);
  CHECK(a.state == hub::OfficeState::kAmber);
  CHECK(a.silent_working_ms == 90 * kMsPerMinute);  // 16:30–17:00 and 07:00–08:00
  CHECK(a.silent_ms == (2 * 24 + 15) * kMsPerHour + 30 * kMsPerMinute);
  CHECK_FALSE(has_alert(a, "silent"));
}

TEST_CASE("an office silent for more than 4 working hours turns red with a silent alert in Vietnamese", "[fleet]") {
  const domain::Calendar calendar;
  auto f = enrolled_since("2026-11-27T16:30:00+07:00");
  auto before = hub::assess_office(f, default_policy(), at("2026-11-30T10:29:00+07:00"), calendar);
  CHECK(before.state == hub::OfficeState::kAmber);  // 3 h 59 min of working time
  auto after = hub::assess_office(f, default_policy(), at("2026-11-30T10:31:00+07:00"), calendar);
  CHECK(after.state == hub::OfficeState::kRed);
  REQUIRE(has_alert(after, "silent"));
  CHECK(after.alerts[0].severity == "red");
  CHECK(after.alerts[0].message_vi.find("giờ làm việc") != std::string::npos);
}

TEST_CASE("a public holiday does not count towards an office's silence", "[fleet]") {
  // 2 September 2026 (Wednesday) is a day off in this calendar.
  const domain::Calendar calendar({domain::CalendarDay{Date{2026, 9, 2}, "holiday", "Quốc khánh", "official", false}});
  auto f = enrolled_since("2026-09-01T16:00:00+07:00");
  auto a = hub::assess_office(f, default_policy(), at("2026-09-03T09:00:00+07:00"), calendar);
  CHECK(a.silent_working_ms == 3 * kMsPerHour);  // 16:00–17:00 on the 1st, 07:00–09:00 on the 3rd
  CHECK(a.state == hub::OfficeState::kAmber);
}

TEST_CASE("an elapsed-time threshold turns an office red at any hour", "[fleet]") {
  const domain::Calendar calendar;
  auto policy = default_policy();
  policy.amber_after = *hub::parse_threshold("10s");
  policy.red_after = *hub::parse_threshold("30s");
  auto f = enrolled_since("2026-11-28T23:00:00+07:00");  // Saturday night
  CHECK(hub::assess_office(f, policy, at("2026-11-28T23:00:05+07:00"), calendar).state == hub::OfficeState::kGreen);
  CHECK(hub::assess_office(f, policy, at("2026-11-28T23:00:20+07:00"), calendar).state == hub::OfficeState::kAmber);
  CHECK(hub::assess_office(f, policy, at("2026-11-28T23:00:31+07:00"), calendar).state == hub::OfficeState::kRed);
}

TEST_CASE("a unit without an agent is grey and raises no alert", "[fleet]") {
  hub::OfficeFacts f;
  auto a = hub::assess_office(f, default_policy(), at("2026-11-30T10:00:00+07:00"), domain::Calendar());
  CHECK(a.state == hub::OfficeState::kGrey);
  CHECK(a.alerts.empty());
}

TEST_CASE("a fresh office with a current error or a quarantined batch is amber", "[fleet]") {
  const domain::Calendar calendar;
  const Instant now = at("2026-11-30T10:00:00+07:00");
  auto f = enrolled_since("2026-11-30T09:55:00+07:00");
  CHECK(hub::assess_office(f, default_policy(), now, calendar).state == hub::OfficeState::kGreen);
  auto erroring = f;
  erroring.error_current = true;
  CHECK(hub::assess_office(erroring, default_policy(), now, calendar).state == hub::OfficeState::kAmber);
  auto held = f;
  held.quarantined = 2;
  auto a = hub::assess_office(held, default_policy(), now, calendar);
  CHECK(a.state == hub::OfficeState::kAmber);
  CHECK(has_alert(a, "quarantined"));
}

TEST_CASE("clock, version and error-rate alerts fire past their thresholds only", "[fleet]") {
  const domain::Calendar calendar;
  const Instant now = at("2026-11-30T10:00:00+07:00");
  auto f = enrolled_since("2026-11-30T09:59:00+07:00");
  f.clock_offset_ms = 9 * kMsPerMinute;
  CHECK_FALSE(has_alert(hub::assess_office(f, default_policy(), now, calendar), "clock_off"));
  f.clock_offset_ms = -11 * kMsPerMinute;
  auto clock = hub::assess_office(f, default_policy(), now, calendar);
  REQUIRE(has_alert(clock, "clock_off"));
  CHECK(clock.alerts[0].message_vi == "Đồng hồ máy tại đơn vị nhanh 11 phút so với máy chủ tỉnh");

  auto g = enrolled_since("2026-11-30T09:59:00+07:00");
  g.agent_version = "0.0.9";
  CHECK(has_alert(hub::assess_office(g, default_policy(), now, calendar), "old_version"));
  g.agent_version = "0.10.0";
  CHECK_FALSE(has_alert(hub::assess_office(g, default_policy(), now, calendar), "old_version"));

  auto e = enrolled_since("2026-11-30T09:59:00+07:00");
  e.errors_last_hour = 3;
  e.errors_previous_hour = 1;
  CHECK(has_alert(hub::assess_office(e, default_policy(), now, calendar), "errors_rising"));
  e.errors_previous_hour = 3;  // as many as the hour before: not rising
  CHECK_FALSE(has_alert(hub::assess_office(e, default_policy(), now, calendar), "errors_rising"));
  e.errors_last_hour = 2;
  e.errors_previous_hour = 0;
  CHECK_FALSE(has_alert(hub::assess_office(e, default_policy(), now, calendar), "errors_rising"));
}

TEST_CASE("thresholds and settings are validated with a hint", "[fleet]") {
  CHECK(*hub::parse_threshold("4wh") == hub::Threshold{4 * kMsPerHour, true});
  CHECK(*hub::parse_threshold("90s") == hub::Threshold{90 * kMsPerSecond, false});
  CHECK(*hub::parse_threshold("15m") == hub::Threshold{15 * kMsPerMinute, false});
  for (const char* bad : {"", "4", "0wh", "-3h", "4 wh", "4d", "wh", "99999999h"}) {
    auto t = hub::parse_threshold(bad);
    CHECK_FALSE(t);
    if (!t) CHECK(t.error().hint.find("4wh") != std::string::npos);
  }
  CHECK(hub::validate_hub_setting("alert_red_after", "2h"));
  CHECK_FALSE(hub::validate_hub_setting("alert_red_after", "soon"));
  CHECK_FALSE(hub::validate_hub_setting("alert_webhook_url", "ftp://x"));
  CHECK(hub::validate_hub_setting("alert_webhook_url", ""));
  CHECK_FALSE(hub::validate_hub_setting("no_such_setting", "1"));
  CHECK_FALSE(hub::validate_hub_setting("metrics_access", "everyone"));
  CHECK(hub::compare_versions("0.10.0", "0.9.9") > 0);
  CHECK(hub::compare_versions("1.0", "1.0.0") == 0);
  CHECK(hub::compare_versions("0.1.0", "0.1.1") < 0);
}

namespace {

// A hub with three enrolled offices (fresh, silent, never reported) and a pinned clock.
struct FleetWorld {
  test::TempDir dir;
  std::string hub_dir = dir.file("hub");
  ManualClock clock{at("2026-11-30T15:00:00+07:00")};  // a Monday
  std::unique_ptr<hub::HubStore> store;

  FleetWorld() {
    REQUIRE(hub::init_hub(hub_dir, "33", clock));
    auto s = hub::HubStore::open(hub_dir, clock);
    REQUIRE(s);
    store = std::make_unique<hub::HubStore>(std::move(*s));
  }

  Id128 enroll(const std::string& unit, Instant enrolled_at) {
    const Id128 id = Id128::random();
    auto st = store->db().prepare(
        "INSERT INTO agent(id, unit, public_key, status, enrolled_at, clock_offset_ms) VALUES (?1, ?2, zeroblob(32), 'active', ?3, 0)");
    REQUIRE(st);
    st->bind(1, id.blob()).bind(2, unit).bind(3, enrolled_at.ms);
    REQUIRE(st->run());
    return id;
  }

  // A report as the office sends it: its own clock runs `office_behind_ms` behind the hub's.
  void report(const Id128& agent, Instant received, Instant last_success, int64_t office_behind_ms, int64_t pending) {
    auto st = store->db().prepare(
        "INSERT OR REPLACE INTO agent_report(agent_id, received_at, sent_at, hub_clock_offset_ms, agent_version, "
        "schema_version, last_success_at, pending_changes, report) VALUES (?1, ?2, ?3, ?4, '0.1.0', 5, ?5, ?6, '{}')");
    REQUIRE(st);
    st->bind(1, agent.blob()).bind(2, received.ms).bind(3, received.ms - office_behind_ms).bind(4, office_behind_ms)
        .bind(5, last_success.ms - office_behind_ms).bind(6, pending);
    REQUIRE(st->run());
  }
};

const json& unit_of(const json& status, const std::string& code) {
  for (const json& u : status["units"]) {
    if (u["unit"] == code) return u;
  }
  FAIL("unit " << code << " missing from the status");
  static json none;
  return none;
}

}  // namespace

TEST_CASE("status lists offices worst first and judges silence on the hub's clock, not the office's", "[fleet]") {
  FleetWorld w;
  const Instant now = w.clock.now();
  // 11953: synced 10 minutes ago by the hub's clock, although its own clock is 3 days behind.
  const Id128 fresh = w.enroll("11953", Instant{now.ms - 30 * kMsPerDay});
  w.report(fresh, Instant{now.ms - 10 * kMsPerMinute}, Instant{now.ms - 10 * kMsPerMinute}, 3 * kMsPerDay, 0);
  // 11983: last success at 07:30 today: 5.5 working hours before 15:00 (lunch excluded) → red.
  const Id128 silent = w.enroll("11983", Instant{now.ms - 30 * kMsPerDay});
  w.report(silent, Instant{now.ms - 5 * kMsPerMinute}, at("2026-11-30T07:30:00+07:00"), 0, 12);
  // 11980: enrolled at 14:00 today, never reported → amber (1 working hour).
  w.enroll("11980", at("2026-11-30T13:59:00+07:00"));

  auto s = hub::hub_status(*w.store);
  REQUIRE(s);
  const json& units = (*s)["units"];
  CHECK(units[0]["unit"] == "11983");
  CHECK(units[0]["state"] == "red");
  CHECK(units[1]["unit"] == "11980");
  CHECK(units[1]["state"] == "amber");
  CHECK(units[2]["unit"] == "11953");
  CHECK(units[2]["state"] == "green");
  CHECK(units[3]["state"] == "grey");
  CHECK(unit_of(*s, "11953")["silent_ms"] == 10 * kMsPerMinute);
  CHECK(unit_of(*s, "11983")["silent_working_ms"] == 5 * kMsPerHour + 30 * kMsPerMinute);  // 07:30–11:30, 13:30–15:00
  CHECK((*s)["summary"]["red"] == 1);
  CHECK((*s)["summary"]["amber"] == 1);
  CHECK((*s)["summary"]["green"] == 1);
  CHECK((*s)["alerts"].size() == 1);
  CHECK((*s)["alerts"][0]["unit"] == "11983");
  CHECK((*s)["alerts"][0]["code"] == "silent");
}

TEST_CASE("the alert watcher logs and posts an alert when it is raised and when it clears", "[fleet][webhook]") {
  FleetWorld w;
  const Instant now = w.clock.now();
  const Id128 agent = w.enroll("11953", Instant{now.ms - kMsPerDay});
  w.report(agent, Instant{now.ms - 5 * kMsPerMinute}, Instant{now.ms - 5 * kMsPerMinute}, 0, 0);

  httplib::Server receiver;
  std::mutex mutex;
  std::vector<json> posted;
  receiver.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex);
    posted.push_back(json::parse(req.body));
    res.status = 204;
  });
  const int port = receiver.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread serving([&] { receiver.listen_after_bind(); });
  for (int i = 0; i < 200 && !receiver.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(receiver.is_running());

  REQUIRE(w.store->set_meta("alert_webhook_url", "http://127.0.0.1:" + std::to_string(port) + "/hook"));
  REQUIRE(w.store->set_meta("alert_check_seconds", "3600"));  // checks below run on demand
  std::ostringstream log;
  auto watcher = hub::AlertWatcher::start(w.hub_dir, w.clock, log);
  REQUIRE(watcher);
  // The watcher's own first check runs on its thread at start, and a loaded machine may delay it
  // past any step below. Whichever check sees a change first reports it; the alert must be posted
  // once when raised and once when cleared.
  const auto posted_count = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return posted.size();
  };
  auto first = (*watcher)->check_now();
  REQUIRE(first);
  CHECK(*first == 0);
  CHECK(posted_count() == 0);

  w.clock.advance_ms(6 * kMsPerHour);  // 21:00: 2 h 5 min of working time since the last sync
  REQUIRE(w.store->set_meta("alert_red_after", "2wh"));
  auto raised = (*watcher)->check_now();
  REQUIRE(raised);
  CHECK(*raised <= 1);
  CHECK(posted_count() == 1);
  w.report(agent, w.clock.now(), w.clock.now(), 0, 0);
  auto cleared = (*watcher)->check_now();
  REQUIRE(cleared);
  CHECK(*cleared <= 1);
  CHECK(posted_count() == 2);
  (*watcher)->stop();
  receiver.stop();
  serving.join();

  std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(posted.size() == 2);
  CHECK(posted[0]["event"] == "alert_raised");
  CHECK(posted[0]["unit"] == "11953");
  CHECK(posted[0]["code"] == "silent");
  CHECK(posted[0]["state"] == "red");
  CHECK(posted[0]["province"] == "33");
  CHECK(posted[0]["message_vi"].get<std::string>().find("Không đồng bộ được") == 0);
  CHECK(posted[1]["event"] == "alert_cleared");
  CHECK(posted[1]["state"] == "green");
  const std::string text = log.str();
  CHECK(text.find("alert raised: unit 11953") != std::string::npos);
  CHECK(text.find("alert cleared: unit 11953") != std::string::npos);
}

TEST_CASE("an unreachable webhook is logged and does not stop the watcher", "[fleet][webhook]") {
  FleetWorld w;
  const Instant now = w.clock.now();
  const Id128 agent = w.enroll("11953", Instant{now.ms - kMsPerDay});
  w.report(agent, Instant{now.ms - kMsPerDay}, Instant{now.ms - kMsPerDay}, 0, 0);
  // A loopback port nobody listens on (bound then closed).
  httplib::Server probe;
  const int port = probe.bind_to_any_port("127.0.0.1");
  probe.stop();
  REQUIRE(w.store->set_meta("alert_webhook_url", "http://127.0.0.1:" + std::to_string(port) + "/hook"));
  REQUIRE(w.store->set_meta("alert_check_seconds", "3600"));
  std::ostringstream log;
  auto watcher = hub::AlertWatcher::start(w.hub_dir, w.clock, log);
  REQUIRE(watcher);
  (*watcher)->stop();  // the first check (at start) has run once stop() returns
  const std::string text = log.str();
  CHECK(text.find("alert raised: unit 11953") != std::string::npos);
  CHECK(text.find("alert webhook not delivered") != std::string::npos);
}
