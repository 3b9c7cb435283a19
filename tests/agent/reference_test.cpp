#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "reference/reference.hpp"
#include "tests/agent/agent_fixture.hpp"

using namespace motcua;
using motcua::test::Office;
using motcua::test::vn;

namespace {

int64_t count(agent::Store& store, const std::string& sql) {
  auto v = sql::query_int64(store.db(), sql);
  REQUIRE(v);
  return v->value_or(0);
}

std::vector<domain::Procedure> sample_catalog() {
  auto table = domain::read_csv_file(test::source_path("data/tthc-commune-sample.csv"));
  REQUIRE(table);
  auto procs = domain::parse_catalog_csv(*table);
  REQUIRE(procs);
  return *procs;
}

}  // namespace

TEST_CASE("init loads the province's units, the whole catalogue and the calendar", "[reference]") {
  Office office("12004");
  CHECK(count(office.store, "SELECT count(*) FROM unit WHERE province_code = '33'") ==
        count(office.store, "SELECT count(*) FROM unit"));
  CHECK(count(office.store, "SELECT count(*) FROM unit WHERE kind = 'province'") == 1);
  CHECK(count(office.store, "SELECT count(*) FROM unit WHERE code = '11953'") == 1);
  CHECK(count(office.store, "SELECT count(*) FROM procedure") == 41);
  CHECK(count(office.store, "SELECT count(*) FROM procedure WHERE national_code IS NULL") == 2);
  CHECK(count(office.store, "SELECT count(*) FROM calendar_day") == 28);
  CHECK(count(office.store, "SELECT count(*) FROM calendar_day WHERE working = 1") == 1);  // 22/08 make-up Saturday
}

TEST_CASE("an unchanged catalogue yields an empty delta", "[reference]") {
  Office office;
  auto delta = reference::catalog_delta(office.store.db(), sample_catalog(), 1);
  REQUIRE(delta);
  CHECK(delta->changed.empty());
  CHECK(delta->abolished.empty());
  CHECK(delta->version == 1);
  CHECK_FALSE(delta->full);  // the office holds a catalogue: this is a delta
}

TEST_CASE("a new catalogue version carries only changed and abolished procedures", "[reference]") {
  Office office;
  auto catalog = sample_catalog();
  catalog[0].time_limit_text = "Trong ngày; sau 15 giờ thì ngày làm việc tiếp theo";
  catalog[0].time_limit = domain::parse_time_limit(catalog[0].time_limit_text);
  const std::string dropped = catalog.back().key;
  catalog.pop_back();
  auto delta = reference::catalog_delta(office.store.db(), catalog, 1);
  REQUIRE(delta);
  REQUIRE(delta->changed.size() == 1);
  CHECK(delta->changed[0].key == catalog[0].key);
  REQUIRE(delta->abolished.size() == 1);
  CHECK(delta->abolished[0] == dropped);
}

TEST_CASE("dossiers keep the procedure version they were received under", "[reference]") {
  Office office("11953", "2026-03-02T08:00");
  auto before = office.receive("2.001019");  // v0 (from files): "Không quá 02 ngày làm việc"
  auto catalog = sample_catalog();
  for (auto& p : catalog) {
    if (p.key == "2.001019") {
      p.time_limit_text = "Không quá 05 ngày làm việc";
      p.time_limit = domain::parse_time_limit(p.time_limit_text);
    }
  }
  auto delta = reference::catalog_delta(office.store.db(), catalog, 1);
  REQUIRE(delta);
  reference::ReferenceUpdate update;
  update.catalog = *delta;
  REQUIRE(reference::apply_reference_update(office.store.db(), update));
  CHECK(count(office.store, "SELECT count(*) FROM outbox") == 1);  // only the dossier; reference data is not captured

  auto after = office.receive("2.001019");
  auto old_view = agent::show_dossier(office.store, before.code);
  auto new_view = agent::show_dossier(office.store, after.code);
  REQUIRE(old_view);
  REQUIRE(new_view);
  CHECK((*old_view)["procedure"]["version"] == 0);
  CHECK((*old_view)["procedure"]["time_limit_text"] == "Không quá 02 ngày làm việc");
  CHECK((*new_view)["procedure"]["version"] == 1);
  CHECK(*before.due_at == vn("2026-03-04T08:00"));  // 16 working hours from Monday 08:00
  CHECK(*after.due_at == vn("2026-03-09T08:00"));   // 40 working hours from Monday 08:00
}

TEST_CASE("an abolished procedure can no longer be received", "[reference]") {
  Office office;
  auto catalog = sample_catalog();
  catalog.erase(std::remove_if(catalog.begin(), catalog.end(), [](auto& p) { return p.key == "2.001019"; }),
                catalog.end());
  auto delta = reference::catalog_delta(office.store.db(), catalog, 1);
  REQUIRE(delta);
  reference::ReferenceUpdate update;
  update.catalog = *delta;
  REQUIRE(reference::apply_reference_update(office.store.db(), update));
  agent::ReceiveRequest req;
  req.procedure = "2.001019";
  req.applicant = "A";
  req.citizen_id = "033198001234";
  auto r = agent::receive(office.store, req);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kNotFound);
}

TEST_CASE("a publication that is not newer than the office's is refused whole", "[reference]") {
  Office office;
  reference::ReferenceUpdate update;
  reference::CatalogPublication pub;
  pub.version = 0;  // the office already holds version 0 (its files)
  pub.source = "stale.csv";
  pub.changed = {sample_catalog()[0]};
  update.catalog = pub;
  update.units = {{"99999", "Test", "commune", "33", "33.99999"}};
  auto r = reference::apply_reference_update(office.store.db(), update);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kConflict);
  CHECK(count(office.store, "SELECT count(*) FROM unit WHERE code = '99999'") == 0);
  CHECK(count(office.store, "SELECT count(*) FROM catalog_publication") == 1);
}

TEST_CASE("a full publication abolishes every current procedure it does not list", "[reference]") {
  Office office;
  auto catalog = sample_catalog();
  const std::string dropped = catalog.back().key;
  catalog.pop_back();
  reference::CatalogPublication pub;
  pub.version = 1;
  pub.source = "province.csv";
  pub.full = true;
  pub.changed = catalog;  // no `abolished` list: `full` implies it
  reference::ReferenceUpdate update;
  update.catalog = pub;
  REQUIRE(reference::apply_reference_update(office.store.db(), update));
  auto current = reference::current_procedures(office.store.db(), "");
  REQUIRE(current);
  CHECK(current->size() == catalog.size());
  CHECK_FALSE(reference::find_current_procedure(office.store.db(), dropped));
  CHECK(count(office.store, "SELECT count(*) FROM procedure WHERE version = 1 AND abolished = 1") == 1);
}

TEST_CASE("a calendar publication replaces the calendar and due dates use it", "[reference]") {
  Office office("11953", "2026-03-02T08:00");
  reference::ReferenceUpdate update;
  reference::CalendarPublication cal;
  cal.version = 1;
  cal.source = "extra.csv";
  cal.days = {{Date{2026, 3, 3}, "holiday", "Nghỉ đột xuất", "official", false}};
  update.calendar = cal;
  REQUIRE(reference::apply_reference_update(office.store.db(), update));
  CHECK(count(office.store, "SELECT count(*) FROM calendar_day") == 1);
  auto r = office.receive("2.001019");  // 16 h from Monday 08:00, Tuesday off: 7 h Mon + 8 h Wed + 1 h Thu
  CHECK(*r.due_at == vn("2026-03-05T08:00"));
}

TEST_CASE("init refuses an unknown unit or a bad file and creates nothing", "[reference]") {
  test::TempDir dir;
  ManualClock clock(vn("2026-03-02T08:00"));
  agent::InitRequest req;
  req.data_dir = dir.file("o");
  req.unit_code = "99999";
  req.catalog_path = test::source_path("data/tthc-commune-sample.csv");
  req.calendar_path = test::source_path("data/holidays-vn.csv");
  auto r = agent::init_office(req, clock);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kNotFound);
  CHECK_FALSE(std::filesystem::exists(dir.file("o")));

  req.unit_code = "11953";
  test::write_file(dir.file("bad.csv"), "date,name\n2026-13-45,x\n");
  req.calendar_path = dir.file("bad.csv");
  auto bad = agent::init_office(req, clock);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kInvalidInput);
  CHECK_FALSE(std::filesystem::exists(dir.file("o")));

  req.calendar_path = dir.file("missing.csv");
  auto missing = agent::init_office(req, clock);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kIo);
}

TEST_CASE("init runs once per data directory", "[reference]") {
  Office office;
  agent::InitRequest req;
  req.data_dir = office.store.data_dir();
  req.unit_code = "12004";
  req.catalog_path = test::source_path("data/tthc-commune-sample.csv");
  req.calendar_path = test::source_path("data/holidays-vn.csv");
  auto r = agent::init_office(req, office.clock);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kFailedPrecondition);
}

TEST_CASE("the catalogue can be searched by code or by name without diacritics", "[reference]") {
  Office office;
  auto by_name = reference::current_procedures(office.store.db(), "dang ky khai sinh");
  REQUIRE(by_name);
  REQUIRE_FALSE(by_name->empty());
  for (const auto& r : *by_name) CHECK(r.procedure.name.find("khai sinh") != std::string::npos);
  auto by_code = reference::current_procedures(office.store.db(), "2.000815");
  REQUIRE(by_code);
  REQUIRE(by_code->size() == 1);
  auto j = reference::procedure_json(by_code->front());
  CHECK(j["time_limit"]["kind"] == "same_day_15h");
  CHECK(j["time_limit"]["outcome"] == "parsed_with_variants");
  auto all = reference::current_procedures(office.store.db(), "");
  REQUIRE(all);
  CHECK(all->size() == 41);
  int without_code = 0;
  for (const auto& r : *all) without_code += reference::procedure_json(r)["national_code"].is_null();
  CHECK(without_code == 2);
}

TEST_CASE("a publication of one kind is never read as another", "[reference]") {
  reference::CalendarPublication cal;
  cal.version = 1;
  cal.source = "holidays.csv";
  cal.days = {{Date{2026, 3, 3}, "holiday", "Nghỉ", "official", false}};
  const auto doc = reference::calendar_publication_json(cal);
  CHECK(reference::calendar_publication_from_json(doc));
  auto as_catalog = reference::catalog_publication_from_json(doc);
  REQUIRE_FALSE(as_catalog);
  CHECK(as_catalog.error().message.find("not a catalog") != std::string::npos);
}
