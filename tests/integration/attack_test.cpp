// The attack suite: one test per attack on the hub (or, through a man in the middle, on the agent),
// each played over loopback against a real `motcua-hub serve` and real offices. Every test asserts
// both the rejection (HTTP status and protocol error code, a signed 200 acknowledgement with status
// `refused`, or the agent command's exit code and message) and that the attacked database is
// unchanged: the hub's whole content (hostile_client.hpp: hub_snapshot, and the bookkeeping a
// refused-in-sequence batch legitimately records), or the office's. Where the genuine office can
// go on, the test shows that it does.
#include <catch2/catch.hpp>

#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <limits>
#include <mutex>

#include <nlohmann/json.hpp>

#include "agent/http_client.hpp"
#include "agent/store.hpp"
#include "common/cli_output.hpp"
#include "facts/dossier_store.hpp"
#include "schema/tables.hpp"
#include "sync-protocol/ack.hpp"
#include "sync-protocol/base64.hpp"
#include "sync-protocol/request_signature.hpp"
#include "tests/integration/hostile_client.hpp"
#include "tests/integration/hub_fixture.hpp"
#include "tests/support/tamper_proxy.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;

namespace {

// ---- rows a tampered office PC writes (captured by the agent like any clerk's work) ----

void tamper(const Office& office, const std::function<Status(sql::Db&)>& body) {
  SystemClock clock;
  auto store = agent::Store::open(office.data(), false, clock);
  REQUIRE(store);
  auto written = store->write_captured(body);
  INFO((written ? std::string() : written.error().message));
  REQUIRE(written);
}

struct ForgedDossier {
  Id128 id = Id128::random();
  std::string code = "33.11953-260302-0099";
  std::string receiving = "11953";
  std::string holder = "11953";
  std::string origin = "11953";
  std::string applicant = "Forged Applicant";
};

Status insert_dossier(sql::Db& db, const ForgedDossier& d) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, "
      "applicant_name, applicant_citizen_id, channel, received_at, entered_at, due_rule, limit_kind, status, hlc, "
      "origin_unit, actor) VALUES (?1, ?2, ?3, ?3, ?4, '2.001019', 1, ?5, '033198001234', 1, 0, 0, 'none', 'none', 2, "
      "1, ?6, 'x')"));
  ins.bind(1, d.id.blob()).bind(2, d.code).bind(3, d.receiving).bind(4, d.holder).bind(5, d.applicant).bind(6, d.origin);
  return ins.run();
}

Status insert_event(sql::Db& db, const sql::Blob& dossier_id, const std::string& origin, const std::string& data = "{}") {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO dossier_event(id, dossier_id, kind, at, note, data, hlc, origin_unit, actor) "
      "VALUES (?1, ?2, 'note', 0, 'forged', ?3, 1, ?4, 'x')"));
  ins.bind(1, Id128::random().blob()).bind(2, dossier_id).bind(3, data).bind(4, origin);
  return ins.run();
}

Status insert_document(sql::Db& db, const sql::Blob& dossier_id, const std::string& origin) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO dossier_document(id, dossier_id, position, name, form, copies, hlc, origin_unit) "
      "VALUES (?1, ?2, 9, 'forged', 'chinh', 1, 1, ?3)"));
  ins.bind(1, Id128::random().blob()).bind(2, dossier_id).bind(3, origin);
  return ins.run();
}

sql::Blob dossier_id(const Office& office, const std::string& code) {
  auto db = sql::Db::open(office.db_path(), sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  auto st = db->prepare("SELECT id FROM dossier WHERE code = ?1");
  REQUIRE(st);
  st->bind(1, code);
  REQUIRE(*st->step());
  return st->blob(0);
}

// ---- answers ----

sync::Ack ack_of(const agent::HttpReply& r) {
  INFO("status " << r.status << ": " << r.body.substr(0, 400));
  REQUIRE(r.status == 200);
  REQUIRE(r.content_type.find("application/x-motcua-ack") != std::string::npos);
  auto ack = sync::decode_ack(sync::ByteView(r.body));
  REQUIRE(ack);
  return *ack;
}

// The agent command's error message (its JSON error on stderr), "" when there is none.
std::string agent_error(const ProcessResult& r) {
  auto j = json::parse(r.err, nullptr, false);
  if (!j.is_object() || !j.contains("error")) return "";
  return j["error"].value("message", "");
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void expect_unchanged(const DbSnapshot& before, const DbSnapshot& after) {
  INFO("database changes:\n" << snapshot_diff(before, after));
  CHECK(before == after);
}

// An office of unit `unit`, enrolled at the hub.
void enroll(Office& office, Hub& hub, const std::string& unit) {
  auto r = office.enroll(hub, hub.enroll_code(unit));
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
}

void expect_syncs(Office& office) {
  auto r = office.sync();
  INFO(describe(r));
  CHECK(r.exit_code == 0);
}

int64_t hub_count(const Hub& hub, const std::string& sql) { return count_rows(hub.db_path(), sql); }

// A row for a table an office may never write, with the hub's own column count for that table (or
// `ncol` when the table does not exist at the hub).
sql::Blob forged_table_row(const Hub& hub, const std::string& table, int ncol = 0) {
  if (ncol == 0) {
    ncol = static_cast<int>(count_rows(hub.db_path(), "SELECT count(*) FROM pragma_table_info('" + table + "')"));
  }
  REQUIRE(ncol > 0);
  std::vector<CsValue> row;
  for (int i = 0; i < ncol; ++i) row.push_back(i == 0 ? CsValue::text("forged") : CsValue::integer(1));
  ChangesetBuilder cs;
  cs.table(table, ncol).insert(row);
  return cs.bytes();
}

sql::Blob concat(sql::Blob a, const sql::Blob& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The peak resident memory of a process (VmHWM in /proc/PID/status), in kB.
int64_t peak_rss_kb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  FAIL("no VmHWM for process " << pid);
  return 0;
}

// One zstd frame (RFC 8878) that declares `declared` bytes of content and holds `blocks` RLE
// blocks of 128 KiB each: a few bytes per block, so 8192 blocks expand to 1 GiB.
std::string zstd_rle_frame(uint32_t declared, uint32_t blocks) {
  std::string f = "\x28\xB5\x2F\xFD";
  f.push_back('\x80');  // frame header descriptor: 4-byte content size, window descriptor, no dictionary, no checksum
  f.push_back('\x38');  // window 128 KiB
  for (int shift = 0; shift < 32; shift += 8) f.push_back(static_cast<char>((declared >> shift) & 0xFF));
  for (uint32_t i = 0; i < blocks; ++i) {
    const uint32_t header = (131072u << 3) | (1u << 1) | (i + 1 == blocks ? 1u : 0u);
    f.push_back(static_cast<char>(header & 0xFF));
    f.push_back(static_cast<char>((header >> 8) & 0xFF));
    f.push_back(static_cast<char>((header >> 16) & 0xFF));
    f.push_back('A');
  }
  return f;
}

uint32_t be32(const std::string& s, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

// The fields of a genuine envelope, to rebuild it with an attacker's changes.
RawEnvelope raw_of(const std::string& envelope) {
  RawEnvelope e;
  auto h = sync::peek_batch_header(sync::ByteView(envelope));
  REQUIRE(h);
  e.agent_id = h->agent_id;
  e.first_seq = h->first_seq;
  e.last_seq = h->last_seq;
  e.prev_batch_hash = h->prev_batch_hash;
  e.schema_version = h->schema_version;
  e.compression = static_cast<uint8_t>(h->compression);
  e.dictionary_id = h->dictionary_id;
  e.raw_size = be32(envelope, 81);
  e.payload = envelope.substr(121, be32(envelope, 85));
  std::copy(envelope.begin() + 89, envelope.begin() + 121, e.payload_hash.begin());
  return e;
}

// An uncompressed envelope of `changeset` (declared sizes and hash right), as the next batch.
std::string plain_next_batch(const Hostile& h, const sql::Blob& changeset) {
  RawEnvelope e;
  e.agent_id = h.who().agent_id;
  e.first_seq = e.last_seq = h.high_water() + 1;
  e.prev_batch_hash = h.last_hash();
  e.compression = 0;
  e.payload = to_string(changeset);
  e.raw_size = static_cast<uint32_t>(e.payload.size());
  e.payload_hash = sync::sha256(sync::ByteView(e.payload));
  return encode_raw_envelope(e, h.who().key);
}

// ---- enrollment ----

json enroll_body(const std::string& code) {
  auto key = sync::KeyPair::generate();
  REQUIRE(key);
  return {{"code", code},
          {"public_key", key->public_key().base64()},
          {"agent_version", "0.0.0-attack"},
          {"schema_version", schema::kReplicatedSchemaVersion}};
}

agent::HttpReply post_enroll(const Hub& hub, const std::string& body) {
  auto r = agent::http_post(hub.url() + "/v1/enroll", {}, "application/json", body);
  REQUIRE(r);
  return *r;
}

// ---- the agent's database ----

// The office's content as a refused hub answer must leave it. Excluded: meta rows the agent
// writes on every sync attempt whatever the outcome: `request_counter` (persisted before each
// request is sent, PROTOCOL.md 6), `open_batch_tried` (whether the open batch was handed to the
// network), and the sync outcome and clock keys (`last_*`, `*clock*`: the agent records every failed
// sync so it never stops silently, DESIGN.md). Everything else (facts, derived state, outbox,
// reference data, feed position and epoch) must be unchanged.
SnapshotOptions agent_state() {
  SnapshotOptions o;
  o.row_filters["meta"] =
      "key NOT IN ('request_counter', 'open_batch_tried') AND key NOT LIKE 'last%' AND key NOT LIKE '%clock%'";
  return o;
}

const std::string kSampleCatalog = source_path("data/tthc-commune-sample.csv");
const std::string kSampleCalendar = source_path("data/holidays-vn.csv");

// A hub, an office of 11953 enrolled, one genuine dossier pending in its outbox (seq 1), and a
// hostile client holding the office's identity: the setting of most batch attacks.
struct Setting {
  TempDir dir;
  Hub hub{dir};
  Office ours{dir, "ours", "11953"};
  std::unique_ptr<Hostile> h;
  Setting() {
    enroll(ours, hub, "11953");
    ours.receive("Nguyen Van Mallory");
    h = std::make_unique<Hostile>(hub, ours);
  }
  // The office's genuine pending entry still goes through as the next batch in sequence.
  void genuine_goes_through() {
    const int64_t dossiers = hub_count(hub, "SELECT count(*) FROM dossier");
    auto ack = ack_of(h->send_genuine(ours, 1, 1));
    CHECK(ack.status == sync::AckStatus::kApplied);
    CHECK(hub_count(hub, "SELECT count(*) FROM dossier") == dossiers + 1);
  }
};

// Posts `envelope` as the next batch and checks it is acknowledged `refused` with a reason
// containing `reason_part`, and that the hub recorded nothing but that refusal.
std::string expect_refused(Setting& s, const std::string& envelope, const std::string& reason_part) {
  auto masks = in_sequence_bookkeeping();
  auto before = hub_snapshot(s.hub, masks);
  auto peeked = sync::peek_batch_header(sync::ByteView(envelope));
  REQUIRE(peeked);
  auto ack = ack_of(s.h->post(envelope));
  CHECK(ack.status == sync::AckStatus::kRefused);
  INFO("reason: " << ack.reason);
  CHECK(contains(ack.reason, reason_part));
  const std::string recorded =
      expect_only_refused_batch(s.hub, before, masks, s.h->who().agent_id, peeked->first_seq, peeked->last_seq);
  CHECK(recorded == ack.reason);
  return ack.reason;
}

// Sends `envelope` (signed over `signed_body`) and checks the error answer and that nothing changed.
void expect_rejected(Setting& s, const std::string& envelope, int status, const std::string& code,
                     const std::string& signed_body = "") {
  auto before = hub_snapshot(s.hub);
  auto r = s.h->post(envelope, signed_body.empty() ? envelope : signed_body);
  INFO(r.body);
  CHECK(r.status == status);
  CHECK(error_code(r) == code);
  expect_unchanged(before, hub_snapshot(s.hub));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Rows an office may not write
// ---------------------------------------------------------------------------------------------

TEST_CASE("a batch inserting a dossier received by another unit is refused whole and changes nothing", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  Office ours(dir, "ours", "11953");
  enroll(ours, hub, "11953");
  ours.receive("Nguyen Van An");  // genuine, seq 1: travels in the same batch, so it is refused with it
  ForgedDossier forged;
  forged.code = "33.12004-260302-0099";
  forged.receiving = forged.holder = "12004";
  tamper(ours, [&](sql::Db& db) { return insert_dossier(db, forged); });

  auto masks = agent_sync_bookkeeping();
  auto before = hub_snapshot(hub, masks);
  auto r = ours.sync();
  INFO(describe(r));
  CHECK(r.exit_code == cli::kExitConflict);
  CHECK(contains(agent_error(r), "received by another unit"));
  const std::string reason = expect_only_refused_batch(hub, before, masks, identity_of(ours).agent_id, 1, 2);
  CHECK(contains(reason, "another unit (12004)"));
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier") == 0);

  // The office carries on: its next change is accepted (a refused batch is not a gap).
  ours.receive("Nguyen Van Binh");
  expect_syncs(ours);
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier") == 1);
}

TEST_CASE("a batch inserting an event for another unit's dossier is refused whole and changes nothing", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  Office ours(dir, "ours", "11953");
  Office theirs(dir, "theirs", "12004");
  enroll(ours, hub, "11953");
  enroll(theirs, hub, "12004");
  const std::string code = theirs.receive("Tran Thi Hoa");
  expect_syncs(theirs);
  const sql::Blob victim = dossier_id(theirs, code);
  tamper(ours, [&](sql::Db& db) { return insert_event(db, victim, "11953"); });

  auto masks = agent_sync_bookkeeping();
  auto before = hub_snapshot(hub, masks);
  auto r = ours.sync();
  INFO(describe(r));
  CHECK(r.exit_code == cli::kExitConflict);
  CHECK(contains(agent_error(r), "never received or held"));
  const std::string reason = expect_only_refused_batch(hub, before, masks, identity_of(ours).agent_id, 1, 1);
  CHECK(contains(reason, "dossier_event row for a dossier unit 11953 never received or held"));

  // The victim's own work on its dossier still syncs.
  theirs.set_status(code, 4);
  expect_syncs(theirs);
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier_event") == 1);
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier_event WHERE origin_unit = '11953'") == 0);
}

TEST_CASE("a batch inserting a document into another unit's dossier is refused whole and changes nothing",
          "[attack]") {
  TempDir dir;
  Hub hub(dir);
  Office ours(dir, "ours", "11953");
  Office theirs(dir, "theirs", "12004");
  enroll(ours, hub, "11953");
  enroll(theirs, hub, "12004");
  const std::string code = theirs.receive("Le Thi Cuc");
  expect_syncs(theirs);
  const int64_t documents = hub_count(hub, "SELECT count(*) FROM dossier_document");
  const sql::Blob victim = dossier_id(theirs, code);
  tamper(ours, [&](sql::Db& db) { return insert_document(db, victim, "11953"); });

  auto masks = agent_sync_bookkeeping();
  auto before = hub_snapshot(hub, masks);
  auto r = ours.sync();
  INFO(describe(r));
  CHECK(r.exit_code == cli::kExitConflict);
  const std::string reason = expect_only_refused_batch(hub, before, masks, identity_of(ours).agent_id, 1, 1);
  CHECK(contains(reason, "dossier_document row for a dossier unit 11953 never received or held"));
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier_document") == documents);
  theirs.set_status(code, 4);
  expect_syncs(theirs);
}

TEST_CASE("a batch writing the procedure catalogue is refused whole and changes nothing", "[attack]") {
  Setting s;
  // The office's genuine dossier first, then the forged catalogue row, in one change set.
  sql::Blob cs = concat(outbox_changeset(s.ours, 1, 1), forged_table_row(s.hub, "procedure"));
  expect_refused(s, s.h->next_batch(cs), "table procedure may not be written by an office");
  CHECK(hub_count(s.hub, "SELECT count(*) FROM dossier") == 0);
  s.genuine_goes_through();
}

TEST_CASE("a batch writing the working calendar is refused whole and changes nothing", "[attack]") {
  Setting s;
  sql::Blob cs = concat(outbox_changeset(s.ours, 1, 1), forged_table_row(s.hub, "calendar_day"));
  expect_refused(s, s.h->next_batch(cs), "table calendar_day may not be written by an office");
  s.genuine_goes_through();
}

TEST_CASE("a batch writing the unit list is refused whole and changes nothing", "[attack]") {
  Setting s;
  sql::Blob cs = concat(outbox_changeset(s.ours, 1, 1), forged_table_row(s.hub, "unit"));
  expect_refused(s, s.h->next_batch(cs), "table unit may not be written by an office");
  s.genuine_goes_through();
}

TEST_CASE("a batch writing a hub-internal table is refused whole and changes nothing", "[attack]") {
  Setting s;
  // dossier_unit decides which dossiers a unit may touch; dossier_state is the hub's fold.
  for (const char* table :
       {"agent", "enrollment_code", "batch", "feed_entry", "meta", "publication", "dossier_unit", "dossier_state"}) {
    INFO(table);
    sql::Blob cs = concat(outbox_changeset(s.ours, 1, 1), forged_table_row(s.hub, table));
    expect_refused(s, s.h->next_batch(cs), std::string("table ") + table + " may not be written by an office");
  }
  CHECK(hub_count(s.hub, "SELECT count(*) FROM agent") == 1);
  CHECK(hub_count(s.hub, "SELECT count(*) FROM dossier_unit") == 0);
  s.genuine_goes_through();
}

TEST_CASE("a batch naming a table the hub does not have is refused and changes nothing", "[attack]") {
  Setting s;
  sql::Blob cs = concat(outbox_changeset(s.ours, 1, 1), forged_table_row(s.hub, "no_such_table", 3));
  expect_refused(s, s.h->next_batch(cs), "table no_such_table may not be written by an office");
  s.genuine_goes_through();
}

TEST_CASE("a fact row with more or fewer columns than the hub's table is refused and changes nothing", "[attack]") {
  Setting s;
  const int hub_columns = static_cast<int>(hub_count(s.hub, "SELECT count(*) FROM pragma_table_info('dossier')"));
  for (int ncol : {hub_columns + 1, hub_columns - 1}) {
    INFO(ncol << " columns");
    std::vector<CsValue> row;
    row.push_back(CsValue::blob(Id128::random().blob()));
    for (int i = 1; i < ncol; ++i) row.push_back(CsValue::text("11953"));
    ChangesetBuilder cs;
    cs.table("dossier", ncol).insert(row);
    expect_refused(s, s.h->next_batch(cs.bytes()),
                   "table dossier has " + std::to_string(ncol) + " columns in the batch but " +
                       std::to_string(hub_columns) + " at the hub");
  }
  s.genuine_goes_through();
}

TEST_CASE("a batch updating a fact the hub holds is refused and the fact is unchanged", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  Office ours(dir, "ours", "11953");
  enroll(ours, hub, "11953");
  const std::string code = ours.receive("Pham Van Dung");
  expect_syncs(ours);
  tamper(ours, [&](sql::Db& db) -> Status {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare("UPDATE dossier SET applicant_name = 'Someone Else' WHERE code = ?1"));
    up.bind(1, code);
    return up.run();
  });
  auto masks = agent_sync_bookkeeping();
  auto before = hub_snapshot(hub, masks);
  auto r = ours.sync();
  INFO(describe(r));
  CHECK(r.exit_code == cli::kExitConflict);
  CHECK(contains(agent_error(r), "insert-only"));
  const std::string reason = expect_only_refused_batch(hub, before, masks, identity_of(ours).agent_id, 2, 2);
  CHECK(contains(reason, "facts are insert-only: an update or delete of dossier"));
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier WHERE applicant_name = 'Pham Van Dung'") == 1);
  ours.receive("Pham Van Em");
  expect_syncs(ours);
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier") == 2);
}

TEST_CASE("a batch changing a fact's primary key is refused and changes nothing", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  Office ours(dir, "ours", "11953");
  enroll(ours, hub, "11953");
  const std::string code = ours.receive("Hoang Van Giap");
  expect_syncs(ours);
  const std::set<std::string> ids = fact_ids(hub.db_path(), "dossier");
  const sql::Blob old_id = dossier_id(ours, code);
  tamper(ours, [&](sql::Db& db) -> Status {
    // The session records a new primary key as a delete of the old row and an insert of the new.
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare("UPDATE dossier SET id = ?2 WHERE code = ?1"));
    up.bind(1, code).bind(2, Id128::random().blob());
    return up.run();
  });
  auto masks = agent_sync_bookkeeping();
  auto before = hub_snapshot(hub, masks);
  auto r = ours.sync();
  INFO(describe(r));
  CHECK(r.exit_code == cli::kExitConflict);
  const std::string reason = expect_only_refused_batch(hub, before, masks, identity_of(ours).agent_id, 2, 2);
  CHECK(contains(reason, "facts are insert-only"));
  CHECK(fact_ids(hub.db_path(), "dossier") == ids);

  // The same attack hand-made: an UPDATE change whose new record names another id.
  Hostile h(hub, ours);
  const int ncol = static_cast<int>(hub_count(hub, "SELECT count(*) FROM pragma_table_info('dossier')"));
  std::vector<CsValue> old_row(static_cast<size_t>(ncol)), new_row(static_cast<size_t>(ncol));
  old_row[0] = CsValue::blob(old_id);
  new_row[0] = CsValue::blob(Id128::random().blob());
  ChangesetBuilder cs;
  cs.table("dossier", ncol).update(old_row, new_row);
  auto before_hand_made = hub_snapshot(hub, in_sequence_bookkeeping());
  auto ack = ack_of(h.post(h.next_batch(cs.bytes())));
  CHECK(ack.status == sync::AckStatus::kRefused);
  CHECK(contains(ack.reason, "facts are insert-only"));
  expect_only_refused_batch(hub, before_hand_made, in_sequence_bookkeeping(), h.who().agent_id, 3, 3);
  CHECK(fact_ids(hub.db_path(), "dossier") == ids);
}

TEST_CASE("a batch deleting facts is refused and every fact stays", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  Office ours(dir, "ours", "11953");
  enroll(ours, hub, "11953");
  const std::string code = ours.receive("Vu Thi Hanh");
  expect_syncs(ours);
  const sql::Blob id = dossier_id(ours, code);
  tamper(ours, [&](sql::Db& db) -> Status {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt docs, db.prepare("DELETE FROM dossier_document WHERE dossier_id = ?1"));
    docs.bind(1, id);
    MOTCUA_TRY(docs.run());
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt dossier, db.prepare("DELETE FROM dossier WHERE id = ?1"));
    dossier.bind(1, id);
    return dossier.run();
  });
  auto masks = agent_sync_bookkeeping();
  auto before = hub_snapshot(hub, masks);
  auto r = ours.sync();
  INFO(describe(r));
  CHECK(r.exit_code == cli::kExitConflict);
  const std::string reason = expect_only_refused_batch(hub, before, masks, identity_of(ours).agent_id, 2, 2);
  CHECK(contains(reason, "facts are insert-only"));
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier") == 1);
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier_document") == 2);
}

// ---------------------------------------------------------------------------------------------
// Replays and forged identities
// ---------------------------------------------------------------------------------------------

TEST_CASE("an old batch replayed under a new request counter is answered duplicate and applies nothing twice",
          "[attack]") {
  Setting s;
  const std::string batch = s.h->next_batch(outbox_changeset(s.ours, 1, 1));
  REQUIRE(ack_of(s.h->post(batch)).status == sync::AckStatus::kApplied);
  // A duplicate is a 200: it records the request counter and last_seen_at (PROTOCOL.md 6), nothing else.
  SnapshotOptions counter_only;
  counter_only.masked_columns = {"agent.last_request_counter", "agent.last_seen_at"};
  auto before = hub_snapshot(s.hub, counter_only);
  for (int i = 0; i < 3; ++i) {
    auto ack = ack_of(s.h->post(batch));
    CHECK(ack.status == sync::AckStatus::kDuplicate);
    CHECK(ack.batch_hash == *sync::batch_hash(sync::ByteView(batch)));
  }
  expect_unchanged(before, hub_snapshot(s.hub, counter_only));
  CHECK(hub_count(s.hub, "SELECT count(*) FROM dossier") == 1);
  CHECK(hub_count(s.hub, "SELECT count(*) FROM batch") == 1);
}

TEST_CASE("a sequence the hub already holds, re-sent with other content, is a sequence conflict and changes nothing",
          "[attack]") {
  Setting s;
  s.ours.receive("Nguyen Van Second");  // seq 2
  REQUIRE(ack_of(s.h->send_genuine(s.ours, 1, 1)).status == sync::AckStatus::kApplied);
  // Seq 2's content claimed as seq 1, and as seq 2 chained to a wrong previous batch.
  sync::BatchHeader h;
  h.agent_id = s.h->who().agent_id;
  h.first_seq = h.last_seq = 1;
  h.schema_version = 1;
  auto reused = sync::encode_batch(h, outbox_changeset(s.ours, 2, 2), s.h->who().key);
  REQUIRE(reused);
  expect_rejected(s, to_string(reused->bytes), 409, "sequence_conflict");
  h.first_seq = h.last_seq = 2;
  h.prev_batch_hash = sync::sha256(sync::ByteView(std::string("not the previous batch")));
  auto unchained = sync::encode_batch(h, outbox_changeset(s.ours, 2, 2), s.h->who().key);
  REQUIRE(unchained);
  expect_rejected(s, to_string(unchained->bytes), 409, "sequence_conflict");
  CHECK(hub_count(s.hub, "SELECT count(*) FROM dossier") == 1);
  REQUIRE(ack_of(s.h->send_genuine(s.ours, 2, 2)).status == sync::AckStatus::kApplied);
}

TEST_CASE("a request replayed with its own counter is refused as a bad signature and changes nothing", "[attack]") {
  Setting s;
  const std::string batch = s.h->next_batch(outbox_changeset(s.ours, 1, 1));
  const uint64_t counter = s.h->counter() + 1;
  REQUIRE(ack_of(post_batch(s.hub, s.h->who(), counter, batch, batch)).status == sync::AckStatus::kApplied);
  auto before = hub_snapshot(s.hub);
  for (uint64_t replayed : {counter, counter - 1}) {
    auto r = post_batch(s.hub, s.h->who(), replayed, batch, batch);
    CHECK(r.status == 401);
    CHECK(error_code(r) == "bad_signature");
    CHECK(contains(error_of(r).value("message", ""), "a replay"));
  }
  expect_unchanged(before, hub_snapshot(s.hub));
  // The office's own seq 1 was sent by the test with the office's identity; its agent goes on after
  // that counter, re-sends the same batch and gets "duplicate".
  set_request_counter(s.ours, counter);
  auto resent = s.ours.sync();
  INFO(describe(resent));
  REQUIRE(resent.exit_code == 0);
  CHECK(json::parse(resent.out)["duplicate"] == 1);
}

TEST_CASE("an unsigned or partly signed request is refused and changes nothing", "[attack]") {
  Setting s;
  const std::string batch = s.h->next_batch(outbox_changeset(s.ours, 1, 1));
  auto headers = sync::sign_request(s.h->who().key, s.h->who().agent_id, s.h->counter() + 1, "POST", "/v1/batches", batch);
  REQUIRE(headers);
  auto before = hub_snapshot(s.hub);
  const std::vector<std::vector<std::pair<std::string, std::string>>> variants = {
      {},
      {{sync::kAgentHeader, headers->agent}},
      {{sync::kAgentHeader, headers->agent}, {sync::kCounterHeader, headers->counter}},
      {{sync::kAgentHeader, headers->agent}, {sync::kSignatureHeader, headers->signature}},
      {{sync::kCounterHeader, headers->counter}, {sync::kSignatureHeader, headers->signature}},
  };
  for (size_t i = 0; i < variants.size(); ++i) {
    INFO("variant " << i);
    auto r = agent::http_post(s.hub.url() + "/v1/batches", variants[i], "application/x-motcua-batch", batch);
    REQUIRE(r);
    CHECK((r->status == 400 || r->status == 401));
    CHECK((error_code(*r) == "bad_request" || error_code(*r) == "bad_signature"));
  }
  auto feed = agent::http_get(s.hub.url() + "/v1/feed?after=0&epoch=" + read_meta(s.hub.db_path(), "epoch"));
  REQUIRE(feed);
  CHECK(feed->status == 400);
  CHECK(error_code(*feed) == "bad_request");
  auto report = agent::http_post(s.hub.url() + "/v1/report", {}, "application/json", "{}");
  REQUIRE(report);
  CHECK(report->status == 400);
  CHECK(error_code(*report) == "bad_request");
  expect_unchanged(before, hub_snapshot(s.hub));
  expect_syncs(s.ours);
  CHECK(hub_count(s.hub, "SELECT count(*) FROM dossier") == 1);
}

TEST_CASE("a request whose body was changed after signing is refused and changes nothing", "[attack]") {
  Setting s;
  const std::string batch = s.h->next_batch(outbox_changeset(s.ours, 1, 1));
  std::string changed = batch;
  changed[changed.size() / 2] ^= 0x01;
  expect_rejected(s, changed, 401, "bad_signature", batch);
  // A batch changed and the request re-signed over it: the batch's own signature fails.
  std::string resigned = batch;
  resigned[100] ^= 0x01;  // inside payload_hash
  expect_rejected(s, resigned, 401, "bad_signature");
  s.genuine_goes_through();
}

TEST_CASE("a batch signed by another key than the agent's is refused and changes nothing", "[attack]") {
  Setting s;
  auto other = sync::KeyPair::generate();
  REQUIRE(other);
  sync::BatchHeader h;
  h.agent_id = s.h->who().agent_id;
  h.first_seq = h.last_seq = 1;
  h.schema_version = 1;
  auto forged = sync::encode_batch(h, outbox_changeset(s.ours, 1, 1), *other);
  REQUIRE(forged);
  // The request signed with the agent's key, the batch with another.
  expect_rejected(s, to_string(forged->bytes), 401, "bad_signature");
  // Both signed with the other key.
  auto before = hub_snapshot(s.hub);
  Identity impostor{s.h->who().agent_id, std::move(*other)};
  const std::string body = to_string(forged->bytes);
  auto r = post_batch(s.hub, impostor, s.h->counter() + 100, body, body);
  CHECK(r.status == 401);
  CHECK(error_code(r) == "bad_signature");
  expect_unchanged(before, hub_snapshot(s.hub));
  s.genuine_goes_through();
}

TEST_CASE("a request claiming another enrolled agent's id is refused and changes nothing", "[attack]") {
  Setting s;
  Office theirs(s.dir, "theirs", "12004");
  enroll(theirs, s.hub, "12004");
  const Id128 their_id = identity_of(theirs).agent_id;
  // Everything names the other agent, and everything is signed with our key.
  sync::BatchHeader h;
  h.agent_id = their_id;
  h.first_seq = h.last_seq = 1;
  h.schema_version = 1;
  auto forged = sync::encode_batch(h, outbox_changeset(s.ours, 1, 1), s.h->who().key);
  REQUIRE(forged);
  auto key = sync::KeyPair::from_private_pem(read_file(s.ours.data() + "/agent-key.pem"));
  REQUIRE(key);
  Identity claimed{their_id, std::move(*key)};
  auto before = hub_snapshot(s.hub);
  const std::string body = to_string(forged->bytes);
  auto r = post_batch(s.hub, claimed, request_counter(theirs) + 1, body, body);
  CHECK(r.status == 401);
  CHECK(error_code(r) == "bad_signature");
  expect_unchanged(before, hub_snapshot(s.hub));
  theirs.receive("Do Van Khanh");
  expect_syncs(theirs);
  s.genuine_goes_through();
}

TEST_CASE("a batch whose envelope names another agent than the request is refused and changes nothing", "[attack]") {
  Setting s;
  Office theirs(s.dir, "theirs", "12004");
  enroll(theirs, s.hub, "12004");
  sync::BatchHeader h;
  h.agent_id = identity_of(theirs).agent_id;
  h.first_seq = h.last_seq = 1;
  h.schema_version = 1;
  auto forged = sync::encode_batch(h, outbox_changeset(s.ours, 1, 1), s.h->who().key);
  REQUIRE(forged);
  expect_rejected(s, to_string(forged->bytes), 400, "bad_request");
  s.genuine_goes_through();
}

TEST_CASE("a batch from an agent retired by a newer enrollment is refused as revoked and changes nothing",
          "[attack]") {
  Setting s;
  auto replaced = agent_cmd({"enroll", "--data", s.dir.file("new-pc"), "--hub", s.hub.url(), "--code",
                             s.hub.enroll_code("11953"), "--json"});
  INFO(describe(replaced));
  REQUIRE(replaced.exit_code == 0);
  const std::string batch = s.h->next_batch(outbox_changeset(s.ours, 1, 1));
  expect_rejected(s, batch, 403, "revoked_agent");
  auto before = hub_snapshot(s.hub);
  auto r = s.ours.sync();
  CHECK(r.exit_code == cli::kExitUnauthorized);
  CHECK(contains(agent_error(r), "revoked_agent"));
  expect_unchanged(before, hub_snapshot(s.hub));
}

// `motcua-hub agents revoke` (hub/agents.hpp).
TEST_CASE("a batch from an agent revoked by IT staff is refused and changes nothing", "[attack]") {
  Setting s;
  auto revoked = hub_cmd({"agents", "revoke", s.h->who().agent_id.hex(), "--data", s.hub.data()});
  INFO(describe(revoked));
  REQUIRE(revoked.exit_code == 0);
  CHECK(hub_count(s.hub, "SELECT count(*) FROM agent WHERE status = 'revoked'") == 1);
  auto before = hub_snapshot(s.hub);
  auto r = s.ours.sync();
  INFO(describe(r));
  CHECK(r.exit_code == cli::kExitUnauthorized);
  CHECK(contains(agent_error(r), "revoked_agent"));
  const std::string batch = s.h->next_batch(outbox_changeset(s.ours, 1, 1));
  auto posted = s.h->post(batch);
  CHECK(posted.status == 403);
  CHECK(error_code(posted) == "revoked_agent");
  expect_unchanged(before, hub_snapshot(s.hub));
}

// ---------------------------------------------------------------------------------------------
// Enrollment
// ---------------------------------------------------------------------------------------------

TEST_CASE("an expired enrollment code is refused and creates nothing", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  // Issued a week before the hub's clock, valid for an hour.
  auto issued = run_process({hub_exe(), "enroll-code", "--data", hub.data(), "--unit", "11953", "--ttl-hours", "1",
                             "--json"},
                            child_env("", "2026-02-23T09:00:00+07:00"));
  INFO(describe(issued));
  REQUIRE(issued.exit_code == 0);
  const std::string code = json::parse(issued.out)["code"].get<std::string>();
  auto before = hub_snapshot(hub);
  auto r = post_enroll(hub, enroll_body(code).dump());
  CHECK(r.status == 403);
  CHECK(error_code(r) == "enrollment_code_expired");
  auto cli_try = agent_cmd({"enroll", "--data", dir.file("office"), "--hub", hub.url(), "--code", code, "--json"});
  CHECK(cli_try.exit_code == cli::kExitUnauthorized);
  CHECK(contains(agent_error(cli_try), "enrollment_code_expired"));
  expect_unchanged(before, hub_snapshot(hub));
  CHECK(hub_count(hub, "SELECT count(*) FROM agent") == 0);
}

TEST_CASE("a used enrollment code is refused however it is typed and creates nothing", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  Office ours(dir, "ours", "11953");
  const std::string code = hub.enroll_code("11953");
  REQUIRE(ours.enroll(hub, code).exit_code == 0);
  auto before = hub_snapshot(hub);
  std::string lower = code;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string& typed : {code, lower, code.substr(0, 5) + " - " + code.substr(5)}) {
    INFO(typed);
    auto r = post_enroll(hub, enroll_body(typed).dump());
    CHECK(r.status == 403);
    CHECK(error_code(r) == "enrollment_code_used");
  }
  expect_unchanged(before, hub_snapshot(hub));
  CHECK(hub_count(hub, "SELECT count(*) FROM agent") == 1);
  ours.receive("Bui Van Lam");
  expect_syncs(ours);
}

TEST_CASE("an enrollment code for another unit is refused, creates nothing and stays usable", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  const std::string code = hub.enroll_code("11953");
  json body = enroll_body(code);
  body["unit"] = "12004";
  auto before = hub_snapshot(hub);
  auto r = post_enroll(hub, body.dump());
  CHECK(r.status == 403);
  CHECK(error_code(r) == "enrollment_code_invalid");
  Office theirs(dir, "theirs", "12004");
  auto via_agent = theirs.enroll(hub, code);
  CHECK(via_agent.exit_code == cli::kExitUnauthorized);
  expect_unchanged(before, hub_snapshot(hub));
  // The office the code was issued to still enrolls with it.
  Office ours(dir, "ours", "11953");
  auto ok = ours.enroll(hub, code);
  INFO(describe(ok));
  CHECK(ok.exit_code == 0);
}

// The enrollment rate limit (PROTOCOL.md 7.1: 10 refused attempts a minute, then 429).
TEST_CASE("guessing enrollment codes is rate limited after ten failures and creates nothing", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  const std::string genuine = hub.enroll_code("11953");
  auto before = hub_snapshot(hub);
  const std::string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  for (int i = 0; i < 10; ++i) {
    std::string guess;
    const sql::Blob noise = Id128::random().blob();
    for (int k = 0; k < 10; ++k) guess.push_back(alphabet[noise[static_cast<size_t>(k)] % alphabet.size()]);
    auto r = post_enroll(hub, enroll_body(guess).dump());
    INFO("attempt " << i + 1 << ": " << r.body);
    CHECK(r.status == 403);
    CHECK(error_code(r) == "enrollment_code_invalid");
  }
  // The eleventh attempt within the minute is refused before the code is even looked at.
  auto limited = post_enroll(hub, enroll_body(genuine).dump());
  INFO(limited.body);
  CHECK(limited.status == 429);
  CHECK(error_code(limited) == "rate_limited");
  CHECK((error_of(limited).is_object() && error_of(limited).value("transient", false)));
  expect_unchanged(before, hub_snapshot(hub));
  CHECK(hub_count(hub, "SELECT count(*) FROM enrollment_code WHERE used_at IS NULL") == 1);
}

TEST_CASE("an enrollment body over 64 KiB is refused as too large and creates nothing", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  const std::string code = hub.enroll_code("11953");
  json body = enroll_body(code);
  body["padding"] = std::string(70 * 1024, 'x');  // members the hub does not know are otherwise ignored
  auto before = hub_snapshot(hub);
  auto r = post_enroll(hub, body.dump());
  INFO(r.body.substr(0, 400));
  CHECK(r.status == 413);
  CHECK(error_code(r) == "payload_too_large");
  expect_unchanged(before, hub_snapshot(hub));
  CHECK(hub_count(hub, "SELECT count(*) FROM agent") == 0);
}

TEST_CASE("a report body over 64 KiB is refused as too large and records nothing", "[attack]") {
  Setting s;
  json report = {{"sent_at", kTestNow}, {"agent_version", "0.0.0"}, {"schema_version", 1}, {"pending_changes", 0},
                 {"padding", std::string(70 * 1024, 'x')}};
  auto before = hub_snapshot(s.hub);
  auto r = s.h->post_json("/v1/report", report.dump());
  CHECK(r.status == 413);
  CHECK(error_code(r) == "payload_too_large");
  expect_unchanged(before, hub_snapshot(s.hub));
  s.h->hand_back(s.ours);
  expect_syncs(s.ours);
}

// ---------------------------------------------------------------------------------------------
// Malformed and oversized batches
// ---------------------------------------------------------------------------------------------

TEST_CASE("a zstd frame that expands far beyond the size it declares is refused without the hub allocating it",
          "[attack]") {
  Setting s;
  const int64_t rss_before = peak_rss_kb(s.hub.process().pid());
  // Declares 16 MiB (the protocol's raw_size limit), expands to 1 GiB of 'A'.
  const uint32_t declared = 16u << 20;
  const std::string frame = zstd_rle_frame(declared, 8192);
  REQUIRE(ZSTD_getFrameContentSize(frame.data(), frame.size()) == declared);
  RawEnvelope e;
  e.agent_id = s.h->who().agent_id;
  e.compression = 1;
  e.raw_size = declared;
  e.payload = frame;
  e.payload_hash = sync::sha256(sync::ByteView(std::string(declared, 'A')));
  const std::string reason = expect_refused(s, encode_raw_envelope(e, s.h->who().key), "cannot be decoded");
  const int64_t rss_after = peak_rss_kb(s.hub.process().pid());
  INFO("hub peak RSS " << rss_before << " kB before, " << rss_after << " kB after");
  CHECK(rss_after < 200 * 1024);
  s.genuine_goes_through();
}

TEST_CASE("a batch declaring 1 GiB of content is refused before any decompression", "[attack]") {
  Setting s;
  const uint32_t gib = 1u << 30;
  const std::string frame = zstd_rle_frame(gib, 8192);
  RawEnvelope e;
  e.agent_id = s.h->who().agent_id;
  e.compression = 1;
  e.payload = frame;
  SECTION("the envelope's raw_size says 1 GiB: over the limit, nothing recorded") {
    e.raw_size = gib;
    expect_rejected(s, encode_raw_envelope(e, s.h->who().key), 413, "payload_too_large");
  }
  SECTION("the envelope says 4 KiB, the frame says 1 GiB: refused in sequence") {
    e.raw_size = 4096;
    expect_refused(s, encode_raw_envelope(e, s.h->who().key), "cannot be decoded");
  }
  const int64_t rss = peak_rss_kb(s.hub.process().pid());
  INFO("hub peak RSS " << rss << " kB");
  CHECK(rss < 200 * 1024);
  s.genuine_goes_through();
}

TEST_CASE("a truncated zstd frame or envelope is refused and changes nothing", "[attack]") {
  Setting s;
  const std::string genuine = s.h->next_batch(outbox_changeset(s.ours, 1, 1));
  REQUIRE(static_cast<uint8_t>(genuine[76]) == 1);  // zstd
  // The envelope cut short (and the request signed over what is sent): framing, nothing recorded.
  expect_rejected(s, genuine.substr(0, genuine.size() - 10), 400, "bad_envelope");
  // The frame cut short inside a well-formed, signed envelope: the agent's defect, refused in sequence.
  RawEnvelope e = raw_of(genuine);
  e.payload.resize(e.payload.size() - 5);
  expect_refused(s, encode_raw_envelope(e, s.h->who().key), "cannot be decoded");
  s.genuine_goes_through();
}

TEST_CASE("a batch compressed with a dictionary the hub does not hold is refused and records nothing", "[attack]") {
  Setting s;
  RawEnvelope e = raw_of(s.h->next_batch(outbox_changeset(s.ours, 1, 1)));
  e.dictionary_id = 40000;
  expect_rejected(s, encode_raw_envelope(e, s.h->who().key), 409, "unknown_dictionary");
  // Nothing was recorded: the same sequence goes through without the dictionary.
  s.genuine_goes_through();
}

TEST_CASE("an envelope over 187 bytes + 4 MiB is refused as too large and the hub stays up", "[attack]") {
  Setting s;
  RawEnvelope e;
  e.agent_id = s.h->who().agent_id;
  e.compression = 0;
  e.payload = std::string((4u << 20) + 1, 'x');
  e.raw_size = static_cast<uint32_t>(e.payload.size());
  e.payload_hash = sync::sha256(sync::ByteView(e.payload));
  const std::string envelope = encode_raw_envelope(e, s.h->who().key);
  REQUIRE(envelope.size() == 187 + (4u << 20) + 1);
  expect_rejected(s, envelope, 413, "payload_too_large");
  expect_rejected(s, std::string(8u << 20, 'x'), 413, "payload_too_large");
  auto health = agent::http_get(s.hub.url() + "/v1/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(s.hub.process().running());
  s.genuine_goes_through();
}

// Text limits (facts::max_text_bytes: 1 KiB, 4 KiB for a note, 16 KiB for event data).
TEST_CASE("a fact with a 1 MiB text value is refused naming the table and column", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  Office ours(dir, "ours", "11953");
  enroll(ours, hub, "11953");
  ForgedDossier huge;
  huge.applicant = std::string(1u << 20, 'A');
  tamper(ours, [&](sql::Db& db) { return insert_dossier(db, huge); });
  auto masks = agent_sync_bookkeeping();
  auto before = hub_snapshot(hub, masks);
  auto r = ours.sync();
  INFO(describe(r).substr(0, 2000));
  CHECK(r.exit_code == cli::kExitConflict);
  const std::string reason = expect_only_refused_batch(hub, before, masks, identity_of(ours).agent_id, 1, 1);
  INFO("reason: " << reason.substr(0, 400));
  CHECK(contains(reason, "dossier"));
  CHECK(contains(reason, "applicant_name"));
  // A long value within the limit (facts::kMaxTextBytes) is not refused.
  ForgedDossier longish;
  longish.code = "33.11953-260302-0098";
  longish.applicant = std::string(facts::kMaxTextBytes, 'B');
  tamper(ours, [&](sql::Db& db) { return insert_dossier(db, longish); });
  expect_syncs(ours);
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier") == 1);
}

// Text limits (facts::max_text_bytes).
TEST_CASE("an event whose data is over 16 KiB is refused naming the table and column", "[attack]") {
  TempDir dir;
  Hub hub(dir);
  Office ours(dir, "ours", "11953");
  enroll(ours, hub, "11953");
  const std::string code = ours.receive("Ngo Van Manh");
  expect_syncs(ours);
  const sql::Blob id = dossier_id(ours, code);
  const std::string data = "{\"note\":\"" + std::string(17 * 1024, 'x') + "\"}";
  tamper(ours, [&](sql::Db& db) { return insert_event(db, id, "11953", data); });
  auto masks = agent_sync_bookkeeping();
  auto before = hub_snapshot(hub, masks);
  auto r = ours.sync();
  INFO(describe(r).substr(0, 2000));
  CHECK(r.exit_code == cli::kExitConflict);
  const std::string reason = expect_only_refused_batch(hub, before, masks, identity_of(ours).agent_id, 2, 2);
  INFO("reason: " << reason.substr(0, 400));
  CHECK(contains(reason, "dossier_event"));
  CHECK(contains(reason, "data"));
}

namespace {

// The office's genuine outbox change set with one byte of its applicant name replaced.
sql::Blob with_applicant_byte(const Setting& s, char replacement) {
  sql::Blob cs = outbox_changeset(s.ours, 1, 1);
  const std::string name = "Nguyen Van Mallory";
  auto at = std::search(cs.begin(), cs.end(), name.begin(), name.end());
  REQUIRE(at != cs.end());
  *(at + 6) = static_cast<unsigned char>(replacement);
  return cs;
}

}  // namespace

// Text rules (hub/authorize.hpp): refused naming the table and column.
TEST_CASE("a text value with a NUL byte is refused naming the table and column", "[attack]") {
  Setting s;
  const std::string reason = expect_refused(s, plain_next_batch(*s.h, with_applicant_byte(s, '\0')), "dossier");
  CHECK(contains(reason, "applicant_name"));
  CHECK(hub_count(s.hub, "SELECT count(*) FROM dossier") == 0);
  s.genuine_goes_through();
}

// Text rules (hub/authorize.hpp): refused naming the table and column.
TEST_CASE("a text value that is not UTF-8 is refused naming the table and column", "[attack]") {
  Setting s;
  const std::string reason = expect_refused(s, plain_next_batch(*s.h, with_applicant_byte(s, '\xFF')), "table dossier");
  CHECK(contains(reason, "column 7 "));  // applicant_name: the change set carries column positions, not names
  CHECK(hub_count(s.hub, "SELECT count(*) FROM dossier") == 0);
  s.genuine_goes_through();
}

// ---------------------------------------------------------------------------------------------
// Sequence numbers
// ---------------------------------------------------------------------------------------------

TEST_CASE("a batch that skips sequence numbers is a gap naming the expected first sequence and changes nothing",
          "[attack]") {
  Setting s;
  sync::BatchHeader h;
  h.agent_id = s.h->who().agent_id;
  h.first_seq = h.last_seq = 2;
  h.schema_version = 1;
  auto skipping = sync::encode_batch(h, outbox_changeset(s.ours, 1, 1), s.h->who().key);
  REQUIRE(skipping);
  auto before = hub_snapshot(s.hub);
  auto r = s.h->post(to_string(skipping->bytes));
  CHECK(r.status == 409);
  CHECK(error_code(r) == "sequence_gap");
  CHECK(error_of(r).value("expected_first_seq", 0) == 1);
  expect_unchanged(before, hub_snapshot(s.hub));
  s.genuine_goes_through();
}

TEST_CASE("a batch numbered far in the future is a gap and changes nothing", "[attack]") {
  Setting s;
  for (uint64_t first : {uint64_t{1000000}, (uint64_t{1} << 63) + 5, std::numeric_limits<uint64_t>::max()}) {
    INFO("first_seq " << first);
    sync::BatchHeader h;
    h.agent_id = s.h->who().agent_id;
    h.first_seq = h.last_seq = first;
    h.schema_version = 1;
    auto future = sync::encode_batch(h, outbox_changeset(s.ours, 1, 1), s.h->who().key);
    REQUIRE(future);
    auto before = hub_snapshot(s.hub);
    auto r = s.h->post(to_string(future->bytes));
    CHECK(r.status == 409);
    CHECK(error_code(r) == "sequence_gap");
    CHECK(error_of(r).value("expected_first_seq", 0) == 1);
    expect_unchanged(before, hub_snapshot(s.hub));
  }
  s.genuine_goes_through();
}

TEST_CASE("a refused or quarantined batch is not a gap: the next batch in sequence is applied", "[attack]") {
  Setting s;
  SECTION("after a refused batch") {
    Office theirs(s.dir, "theirs", "12004");
    theirs.receive("Ngo Thi Lan");  // a dossier of unit 12004, sent with our identity
    expect_refused(s, s.h->next_batch(outbox_changeset(theirs, 1, 1)), "origin unit 12004");
  }
  SECTION("after a quarantined batch") {
    // Our own dossier, applied; then the same id with other content: authentic, in sequence, but it
    // conflicts with what the hub holds.
    auto applied = ack_of(s.h->send_genuine(s.ours, 1, 1));
    REQUIRE(applied.status == sync::AckStatus::kApplied);
    sql::Blob other = outbox_changeset(s.ours, 1, 1);
    const std::string name = "Nguyen Van Mallory";
    auto at = std::search(other.begin(), other.end(), name.begin(), name.end());
    REQUIRE(at != other.end());
    *(at + 6) = 'X';
    auto ack = ack_of(s.h->post(s.h->next_batch(other)));
    CHECK(ack.status == sync::AckStatus::kQuarantined);
    CHECK(hub_count(s.hub, "SELECT count(*) FROM dossier WHERE applicant_name = 'Nguyen Van Mallory'") == 1);
    s.ours.receive("Nguyen Van Next");  // seq 2 in the office's outbox
    auto next = ack_of(s.h->send_genuine(s.ours, 2, 2));
    CHECK(next.status == sync::AckStatus::kApplied);
    CHECK(hub_count(s.hub, "SELECT count(*) FROM dossier") == 2);
    return;
  }
  s.genuine_goes_through();
}

// ---------------------------------------------------------------------------------------------
// A man in the middle against the agent
// ---------------------------------------------------------------------------------------------

TEST_CASE("a feed page forged by a man in the middle is refused and the office's database is unchanged",
          "[attack]") {
  TempDir dir;
  Hub hub(dir);
  hub.publish_catalog(kSampleCatalog);
  hub.publish_calendar(kSampleCalendar);
  TamperProxy proxy(hub.port());
  Office office(dir, "office", "11953");
  auto enrolled = office.enroll_at(proxy.url(), hub.enroll_code("11953"));
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
  hub.publish_catalog(catalog_variant(dir, "amended.csv", {{"2.001019", "Không quá 02 ngày làm việc",
                                                             "Không quá 03 ngày làm việc"}}));
  auto before = snapshot(office.db_path(), agent_state());
  proxy.set_transform([](ProxiedResponse& r) {
    if (r.content_type == "application/x-motcua-feed") r.body[r.body.size() / 2] ^= 0x01;
  });
  auto r = office.sync();
  INFO(describe(r));
  CHECK(r.exit_code == cli::kExitUnauthorized);
  CHECK(contains(agent_error(r), "not signed by the enrolled hub"));
  expect_unchanged(before, snapshot(office.db_path(), agent_state()));
  proxy.set_transform({});
  expect_syncs(office);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM procedure WHERE version = 2") > 0);
}

TEST_CASE("an acknowledgement forged by a man in the middle is refused and the batch is re-sent and applied once",
          "[attack]") {
  TempDir dir;
  Hub hub(dir);
  TamperProxy proxy(hub.port());
  Office office(dir, "office", "11953");
  auto enrolled = office.enroll_at(proxy.url(), hub.enroll_code("11953"));
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
  office.receive("Dinh Thi Nga");
  // The agent keeps the envelope it built (outbox_batch) to re-send it byte for byte; everything
  // else must stay as it was.
  SnapshotOptions state = agent_state();
  state.skip_tables.insert("outbox_batch");
  auto before = snapshot(office.db_path(), state);
  std::mutex seen_mutex;
  int forged = 0;
  proxy.set_transform([&](ProxiedResponse& r) {
    std::lock_guard<std::mutex> lock(seen_mutex);
    if (r.content_type == "application/x-motcua-ack" && r.body.size() > 80) {
      r.body[75] ^= 0x01;  // inside hub_time_ms: still well formed, no longer the hub's signature
      ++forged;
    }
  });
  auto r = office.sync();
  INFO(describe(r));
  CHECK(r.exit_code == cli::kExitUnauthorized);
  CHECK(contains(agent_error(r), "not signed by the enrolled hub"));
  CHECK(forged == 1);
  expect_unchanged(before, snapshot(office.db_path(), state));
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 1);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox_batch WHERE acked_at IS NOT NULL") == 0);
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier") == 1);  // the hub did apply it

  proxy.set_transform({});
  auto again = office.sync();
  INFO(describe(again));
  REQUIRE(again.exit_code == 0);
  auto report = json::parse(again.out);
  CHECK(report["duplicate"] == 1);
  CHECK(report["applied"] == 0);
  CHECK(count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0);
  CHECK(hub_count(hub, "SELECT count(*) FROM dossier") == 1);
  CHECK(hub_count(hub, "SELECT count(*) FROM batch") == 1);
}
