#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "hub/hub_store.hpp"
#include "hub/publish.hpp"
#include "reference/reference.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using nlohmann::json;

namespace {

struct Hub {
  Hub() : clock(*parse_rfc3339("2026-03-02T09:00:00+07:00")) {
    REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
    auto s = hub::HubStore::open(dir.file("hub"), clock);
    REQUIRE(s);
    store = std::make_unique<hub::HubStore>(std::move(*s));
  }
  int64_t count(const std::string& sql) {
    auto v = sql::query_int64(store->db(), sql);
    REQUIRE(v);
    return v->value_or(0);
  }
  json payload(const std::string& kind, int64_t version) {
    auto st = store->db().prepare("SELECT payload FROM publication WHERE kind = ?1 AND version = ?2");
    REQUIRE(st);
    st->bind(1, kind).bind(2, version);
    REQUIRE(*st->step());
    return json::parse(st->text(0));
  }
  test::TempDir dir;
  ManualClock clock;
  std::unique_ptr<hub::HubStore> store;
};

const std::string kCatalog = test::source_path("data/tthc-commune-sample.csv");
const std::string kCalendar = test::source_path("data/holidays-vn.csv");

// The sample catalogue with one procedure renamed and one time limit changed.
std::string amended_catalog(const test::TempDir& dir) {
  std::string text = test::read_file(kCatalog);
  auto replace = [&](const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  };
  replace("1.000656,Thủ tục đăng ký khai tử,", "1.000656,Thủ tục đăng ký khai tử (sửa đổi),");
  replace("2.001019,Chứng thực di chúc,Chứng thực,UBND cấp xã,Không quá 02 ngày làm việc",
          "2.001019,Chứng thực di chúc,Chứng thực,UBND cấp xã,Không quá 03 ngày làm việc");
  const std::string path = dir.file("amended.csv");
  test::write_file(path, text);
  return path;
}

}  // namespace

TEST_CASE("the first catalogue publication reaches every unit's feed", "[publish]") {
  Hub h;
  auto r = hub::publish_catalog(*h.store, kCatalog);
  REQUIRE(r);
  CHECK(r->changed);
  CHECK(r->version == 1);
  CHECK(r->procedures_changed == 41);
  CHECK(r->units == h.count("SELECT count(*) FROM unit"));
  CHECK(h.count("SELECT count(*) FROM feed_entry WHERE unit = '11953' AND kind = 'catalog' AND version = 1") == 1);
  CHECK(h.payload("catalog", 1)["changed"].size() == 41);
}

TEST_CASE("publishing an unchanged catalogue writes nothing", "[publish]") {
  Hub h;
  REQUIRE(hub::publish_catalog(*h.store, kCatalog));
  const int64_t feed = h.count("SELECT count(*) FROM feed_entry");
  auto again = hub::publish_catalog(*h.store, kCatalog);
  REQUIRE(again);
  CHECK_FALSE(again->changed);
  CHECK(again->version == 1);
  CHECK(h.count("SELECT count(*) FROM feed_entry") == feed);
  CHECK(h.count("SELECT count(*) FROM catalog_publication") == 1);
}

TEST_CASE("a second publication carries only the changed procedures, in feed order", "[publish]") {
  Hub h;
  REQUIRE(hub::publish_catalog(*h.store, kCatalog));
  auto r = hub::publish_catalog(*h.store, amended_catalog(h.dir));
  REQUIRE(r);
  CHECK(r->version == 2);
  CHECK(r->procedures_changed == 2);
  auto p = h.payload("catalog", 2);
  std::set<std::string> keys;
  for (const auto& c : p["changed"]) keys.insert(c["key"].get<std::string>());
  CHECK(keys == std::set<std::string>{"1.000656", "2.001019"});
  CHECK(h.count("SELECT max(position) FROM feed_entry WHERE unit = '12004'") == 2);
  auto current = reference::find_current_procedure(h.store->db(), "2.001019");
  REQUIRE(current);
  CHECK(current->version == 2);
  CHECK(current->procedure.time_limit.main.hours == 24);
}

TEST_CASE("a procedure missing from the new file is published as abolished", "[publish]") {
  Hub h;
  REQUIRE(hub::publish_catalog(*h.store, kCatalog));
  std::string text = test::read_file(kCatalog);
  auto line = text.find("\n2.001019,");
  REQUIRE(line != std::string::npos);
  text.erase(line, text.find('\n', line + 1) - line);
  test::write_file(h.dir.file("fewer.csv"), text);
  auto r = hub::publish_catalog(*h.store, h.dir.file("fewer.csv"));
  REQUIRE(r);
  CHECK(r->procedures_abolished == 1);
  CHECK(h.payload("catalog", 2)["abolished"] == json::array({"2.001019"}));
  CHECK_FALSE(reference::find_current_procedure(h.store->db(), "2.001019"));
}

TEST_CASE("a calendar publication replaces the calendar; an identical one writes nothing", "[publish]") {
  Hub h;
  auto first = hub::publish_calendar(*h.store, kCalendar);
  REQUIRE(first);
  CHECK(first->version == 1);
  CHECK(first->days == 28);
  auto same = hub::publish_calendar(*h.store, kCalendar);
  REQUIRE(same);
  CHECK_FALSE(same->changed);
  test::write_file(h.dir.file("cal.csv"), test::read_file(kCalendar) +
                                              "2027-12-31,Thứ Sáu,Nghỉ thử nghiệm,holiday,x,official,,test\n");
  auto second = hub::publish_calendar(*h.store, h.dir.file("cal.csv"));
  REQUIRE(second);
  CHECK(second->version == 2);
  CHECK(h.count("SELECT count(*) FROM calendar_day") == 29);
  CHECK(h.count("SELECT count(*) FROM feed_entry WHERE unit = '11953'") == 2);
}

TEST_CASE("a bad publication file changes nothing", "[publish]") {
  Hub h;
  test::write_file(h.dir.file("bad.csv"), "ma_tthc,ten_tthc\n1.001193\n");
  auto bad = hub::publish_catalog(*h.store, h.dir.file("bad.csv"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kInvalidInput);
  auto missing = hub::publish_calendar(*h.store, h.dir.file("none.csv"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kIo);
  CHECK(h.count("SELECT count(*) FROM publication") == 0);
  CHECK(h.count("SELECT count(*) FROM feed_entry") == 0);
}

TEST_CASE("publications survive the trip to JSON and back", "[publish]") {
  Hub h;
  REQUIRE(hub::publish_catalog(*h.store, kCatalog));
  REQUIRE(hub::publish_calendar(*h.store, kCalendar));
  auto cat = reference::catalog_publication_from_json(h.payload("catalog", 1));
  REQUIRE(cat);
  CHECK(cat->version == 1);
  REQUIRE(cat->changed.size() == 41);
  auto table = domain::read_csv_file(kCatalog);
  REQUIRE(table);
  auto original = domain::parse_catalog_csv(*table);
  REQUIRE(original);
  for (size_t i = 0; i < original->size(); ++i) {
    CHECK(cat->changed[i].key == (*original)[i].key);
    CHECK(cat->changed[i].time_limit_text == (*original)[i].time_limit_text);
    CHECK(cat->changed[i].time_limit.main == (*original)[i].time_limit.main);
  }
  auto cal = reference::calendar_publication_from_json(h.payload("calendar", 1));
  REQUIRE(cal);
  CHECK(cal->days.size() == 28);
  CHECK_FALSE(reference::catalog_publication_from_json(json{{"version", 0}}));
  CHECK_FALSE(reference::calendar_publication_from_json(json{{"version", 3}, {"published_at", "x"}}));
}
