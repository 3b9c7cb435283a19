// What the hub accepts from an office's batch about dossiers that move between units
// (hub/authorize.hpp), and how it relays dossier facts to the units involved (hub/relay.hpp,
// docs/CONFLICTS.md "Transfers between offices"), on a real hub database.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/store.hpp"
#include "facts/dossier_store.hpp"
#include "hub/authorize.hpp"
#include "hub/hub_store.hpp"
#include "hub/relay.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using nlohmann::json;

namespace {

const std::string kReceiver = "11953";  // Phường Phố Hiến, Hưng Yên
const std::string kOther = "11983";     // Phường Sơn Nam, Hưng Yên
const std::string kThird = "12103";     // Phường Mỹ Hào, Hưng Yên

// "Nguyễn Thị Hoa" with the circumflex and tilde as combining marks (U+0302, U+0303).
const std::string kDecomposedName = "Nguye\xCC\x82\xCC\x83n Thi\xCC\xA3 Hoa";

Status insert_dossier(sql::Db& db, const Id128& id, const std::string& unit, const std::string& applicant) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, "
      "applicant_name, applicant_citizen_id, channel, received_at, entered_at, due_at, due_rule, limit_kind, "
      "limit_hours, status, hlc, origin_unit, actor) VALUES (?1, ?2, ?3, ?3, ?3, '2.001019', 1, ?4, '033198001234', 1, "
      "1772416800000, 1772416800000, 1772589600000, 'computed', 'hours', 16, 2, ?5, ?3, 'test-clerk')"));
  st.bind(1, id.blob()).bind(2, "33." + unit + "-260302-0001").bind(3, unit).bind(4, applicant)
      .bind(5, Hlc::from(1772416800000, 0).value);
  return st.run();
}

Status insert_document(sql::Db& db, const Id128& id, const Id128& dossier, int position, const std::string& unit) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "INSERT INTO dossier_document(id, dossier_id, position, name, form, copies, hlc, origin_unit) "
      "VALUES (?1, ?2, ?3, 'Tờ khai', 'chinh', 1, ?4, ?5)"));
  st.bind(1, id.blob()).bind(2, dossier.blob()).bind(3, position).bind(4, Hlc::from(1772416800000, 0).value).bind(5, unit);
  return st.run();
}

Status insert_transfer(sql::Db& db, const Id128& dossier, const std::string& unit, const std::string& to) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "INSERT INTO dossier_event(id, dossier_id, kind, from_status, to_status, at, note, data, hlc, origin_unit, actor) "
      "VALUES (?1, ?2, 'transfer', 2, 2, 1772420400000, '', ?3, ?4, ?5, 'test-clerk')"));
  domain::EventFact e;
  e.parent = Id128{};
  e.transfer_to = to;
  st.bind(1, Id128::random().blob()).bind(2, dossier.blob()).bind(3, domain::event_data_json(e))
      .bind(4, Hlc::from(1772420400000, 0).value).bind(5, unit);
  return st.run();
}

struct Hub {
  test::TempDir dir;
  ManualClock clock{*parse_rfc3339("2026-03-02T09:00:00+07:00")};
  std::unique_ptr<hub::HubStore> store;

  Hub() {
    REQUIRE(hub::init_hub(dir.file("hub"), "33", clock));
    auto s = hub::HubStore::open(dir.file("hub"), clock);
    REQUIRE(s);
    store = std::make_unique<hub::HubStore>(std::move(*s));
  }

  sql::Db& db() { return store->db(); }

  int64_t count(const std::string& sql) {
    auto v = sql::query_int64(db(), sql);
    REQUIRE(v);
    return v->value_or(0);
  }

  // The change set an office of `unit` would send after `body` (its first outbox entry), from a
  // scratch office database.
  sql::Blob office_changeset(const std::function<Status(sql::Db&)>& body) {
    auto office = agent::Store::open(dir.file("office-" + std::to_string(++offices)), true, clock);
    REQUIRE(office);
    REQUIRE(office->write_captured(body));
    auto st = office->db().prepare("SELECT changeset FROM outbox ORDER BY seq LIMIT 1");
    REQUIRE(st);
    REQUIRE(*st->step());
    return st->blob(0);
  }

  std::optional<std::string> authorize(const sql::Blob& changeset, const std::string& unit) {
    auto columns = hub::read_fact_columns(db());
    REQUIRE(columns);
    auto r = hub::authorize_changeset(db(), *columns, changeset, unit);
    REQUIRE(r);
    return *r;
  }

  // The facts entries of `unit`'s feed, oldest first.
  std::vector<json> facts_feed(const std::string& unit) {
    std::vector<json> out;
    auto st = db().prepare("SELECT body FROM feed_entry WHERE unit = ?1 AND kind = 'facts' ORDER BY position");
    REQUIRE(st);
    st->bind(1, unit);
    while (*st->step()) out.push_back(json::parse(st->text(0)));
    return out;
  }

  int offices = 0;
};

size_t rows(const json& entry, const std::string& table) {
  return entry.contains(table) ? entry.at(table).size() : 0;
}

}  // namespace

// --- authorize -----------------------------------------------------------------------------------

TEST_CASE("the hub refuses a batch whose text is not in NFC", "[authorize][nfc]") {
  Hub hub;
  const Id128 id = Id128::random();
  SECTION("a decomposed applicant name") {
    auto cs = hub.office_changeset([&](sql::Db& db) { return insert_dossier(db, id, kReceiver, kDecomposedName); });
    auto refusal = hub.authorize(cs, kReceiver);
    REQUIRE(refusal);
    CHECK(refusal->find("applicant_name") != std::string::npos);
    CHECK(refusal->find("NFC") != std::string::npos);
  }
  SECTION("a decomposed document name in an otherwise clean batch") {
    auto cs = hub.office_changeset([&](sql::Db& db) -> Status {
      MOTCUA_TRY(insert_dossier(db, id, kReceiver, "Nguyễn Thị Hoa"));
      MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
          "INSERT INTO dossier_document(id, dossier_id, position, name, form, copies, hlc, origin_unit) "
          "VALUES (?1, ?2, 1, ?3, 'chinh', 1, 1, ?4)"));
      st.bind(1, Id128::random().blob()).bind(2, id.blob()).bind(3, "To\xCC\x9B\xCC\x80 khai").bind(4, kReceiver);
      return st.run();
    });
    auto refusal = hub.authorize(cs, kReceiver);
    REQUIRE(refusal);
    CHECK(refusal->find("dossier_document ") == 0);  // the table and the row's id
    CHECK(refusal->find(": name is not NFC") != std::string::npos);
  }
  SECTION("the same name in NFC is accepted") {
    auto cs = hub.office_changeset([&](sql::Db& db) { return insert_dossier(db, id, kReceiver, "Nguyễn Thị Hoa"); });
    CHECK_FALSE(hub.authorize(cs, kReceiver));
  }
}

TEST_CASE("the hub refuses a batch with a hand-over to a unit it does not know", "[authorize][transfer]") {
  Hub hub;
  const Id128 id = Id128::random();
  auto batch = [&](const std::string& to) {
    return hub.office_changeset([&](sql::Db& db) -> Status {
      MOTCUA_TRY(insert_dossier(db, id, kReceiver, "Nguyễn Thị Hoa"));
      return insert_transfer(db, id, kReceiver, to);
    });
  };
  SECTION("a commune of Hà Nội") {
    auto refusal = hub.authorize(batch("00070"), kReceiver);
    REQUIRE(refusal);
    CHECK(refusal->find("00070") != std::string::npos);
    CHECK(refusal->find("does not know") != std::string::npos);
  }
  SECTION("a code that names no unit") {
    auto refusal = hub.authorize(batch("99999"), kReceiver);
    REQUIRE(refusal);
    CHECK(refusal->find("99999") != std::string::npos);
  }
  SECTION("a unit of the province is accepted") {
    CHECK_FALSE(hub.authorize(batch(kOther), kReceiver));
  }
}

// --- relay ---------------------------------------------------------------------------------------

TEST_CASE("a unit newly involved with a dossier gets the whole dossier once; units already involved get only the new "
          "rows; the sender gets nothing back",
          "[relay][transfer]") {
  Hub hub;
  sql::Db& db = hub.db();
  const Id128 dossier = Id128::random();
  const Id128 doc1 = Id128::random(), doc2 = Id128::random();
  auto actor = [&](const std::string& unit, int minute) {
    facts::Actor a;
    a.unit = unit;
    a.name = "clerk " + unit;
    a.at = Instant{1772416800000 + minute * 60000};
    a.hlc = Hlc::from(a.at.ms, 0);
    return a;
  };
  auto relay = [&](const std::vector<facts::FactRef>& rows, const std::string& from) {
    hub::TouchedFacts touched;
    touched.rows = rows;
    touched.dossiers.insert(dossier);
    auto r = hub::relay_facts(db, touched, from, hub.clock.now());
    if (!r) FAIL(r.error().message);
    return *r;
  };

  // The receiving office's first batch: the creation, two documents and its first step.
  REQUIRE(insert_dossier(db, dossier, kReceiver, "Nguyễn Thị Hoa"));
  REQUIRE(insert_document(db, doc1, dossier, 1, kReceiver));
  REQUIRE(insert_document(db, doc2, dossier, 2, kReceiver));
  auto start = facts::record_status(db, actor(kReceiver, 10), "33.11953-260302-0001", domain::DossierStatus::kProcessing, "");
  REQUIRE(start);
  auto first = relay({{"dossier", dossier}, {"dossier_document", doc1}, {"dossier_document", doc2},
                      {"dossier_event", start->event_id}},
                     kReceiver);
  CHECK(first.entries == 0);
  CHECK(hub.facts_feed(kReceiver).empty());
  CHECK(hub.count("SELECT count(*) FROM dossier_unit") == 1);
  CHECK(hub.count("SELECT count(*) FROM feed_entry WHERE kind = 'facts'") == 0);

  // The receiving office hands it over: the target joins and gets everything.
  auto handed = facts::record_transfer(db, actor(kReceiver, 20), "33.11953-260302-0001", kOther, "");
  REQUIRE(handed);
  CHECK(handed->holder_unit == kOther);
  auto second = relay({{"dossier_event", handed->event_id}}, kReceiver);
  CHECK(second.units_joined == 1);
  CHECK(second.entries == 1);
  CHECK(hub.facts_feed(kReceiver).empty());
  auto to_other = hub.facts_feed(kOther);
  REQUIRE(to_other.size() == 1);
  CHECK(rows(to_other[0], "dossier") == 1);
  CHECK(rows(to_other[0], "dossier_document") == 2);
  CHECK(rows(to_other[0], "dossier_event") == 2);
  CHECK(to_other[0]["dossier"][0]["id"] == dossier.hex());
  CHECK(hub.count("SELECT count(*) FROM dossier_unit WHERE unit = '11983'") == 1);

  // The whole dossier is enough for the target office to fold it and hold it.
  {
    auto office = agent::Store::open(hub.dir.file("office-11983"), true, hub.clock);
    REQUIRE(office);
    auto applied = facts::apply_facts_json(office->db(), to_other[0]);
    REQUIRE(applied);
    CHECK(applied->rows_new == 5);
    auto state = facts::refresh_derived(office->db(), dossier);
    REQUIRE(state);
    REQUIRE(*state);
    CHECK((*state)->holder_unit == kOther);
    CHECK((*state)->status == domain::DossierStatus::kProcessing);
    CHECK((*state)->conflicts.empty());
  }

  // The new holder resolves it: the receiving unit, already involved, gets that one row.
  auto resolved = facts::record_status(db, actor(kOther, 30), "33.11953-260302-0001", domain::DossierStatus::kResolved, "");
  REQUIRE(resolved);
  auto third = relay({{"dossier_event", resolved->event_id}}, kOther);
  CHECK(third.units_joined == 0);
  CHECK(hub.facts_feed(kOther).size() == 1);
  auto to_receiver = hub.facts_feed(kReceiver);
  REQUIRE(to_receiver.size() == 1);
  CHECK(rows(to_receiver[0], "dossier") == 0);
  CHECK(rows(to_receiver[0], "dossier_document") == 0);
  REQUIRE(rows(to_receiver[0], "dossier_event") == 1);
  CHECK(to_receiver[0]["dossier_event"][0]["id"] == resolved->event_id.hex());

  // A step recorded at the hub (no sending office) reaches every involved unit, including the
  // unit it was recorded for; a unit that never took part gets nothing.
  auto returned = facts::record_status(db, actor(kReceiver, 40), "33.11953-260302-0001", domain::DossierStatus::kReturned, "");
  REQUIRE(returned);
  relay({{"dossier_event", returned->event_id}}, "");
  for (const std::string& unit : {kReceiver, kOther}) {
    INFO(unit);
    auto feed = hub.facts_feed(unit);
    REQUIRE(feed.size() == 2);
    CHECK(rows(feed[1], "dossier") == 0);
    REQUIRE(rows(feed[1], "dossier_event") == 1);
    CHECK(feed[1]["dossier_event"][0]["id"] == returned->event_id.hex());
  }
  CHECK(hub.facts_feed(kThird).empty());
  CHECK(hub.count("SELECT count(*) FROM dossier_unit") == 2);
}
