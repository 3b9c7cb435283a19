#include "fuzz/fuzz_support.hpp"

#include <cstdio>
#include <functional>
#include <random>

#include "common/handles.hpp"
#include "common/id.hpp"
#include "schema/migrate.hpp"
#include "schema/tables.hpp"

namespace motcua::fuzz {

namespace {

// Generated once with `openssl genpkey -algorithm ed25519`; it protects nothing.
constexpr const char* kFixedKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIP9aVqoEoS6tBu8IifZJ4azDwa7x64oxBqvTIJ0omoPF\n"
    "-----END PRIVATE KEY-----\n";

template <typename T>
T must(Result<T> r, const char* what) {
  if (!r) invariant_broken(std::string("fuzz fixture: ") + what + ": " + r.error().message);
  return std::move(*r);
}

void must(const Status& s, const char* what) {
  if (!s) invariant_broken(std::string("fuzz fixture: ") + what + ": " + s.error().message);
}

Id128 id_of(uint64_t n) {
  Id128 id;
  for (int i = 0; i < 8; ++i) id.bytes[static_cast<size_t>(15 - i)] = static_cast<unsigned char>(n >> (8 * i));
  id.bytes[0] = 0xf0;
  return id;
}

// The changes `writes` makes to the fact tables, captured as an office captures them.
sql::Blob capture(sql::Db& db, const std::function<void(sql::Db&)>& writes) {
  sqlite3_session* raw = nullptr;
  if (sqlite3session_create(db.get(), "main", &raw) != SQLITE_OK)
    invariant_broken("fuzz fixture: sqlite3session_create");
  sql::SessionHandle session(raw);
  for (const auto& table : schema::agent_captured_tables()) {
    if (sqlite3session_attach(session.get(), table.c_str()) != SQLITE_OK)
      invariant_broken("fuzz fixture: session attach");
  }
  writes(db);
  int n = 0;
  void* out = nullptr;
  if (sqlite3session_changeset(session.get(), &n, &out) != SQLITE_OK)
    invariant_broken("fuzz fixture: session changeset");
  sql::SqliteBuffer buffer(out);
  const auto* p = static_cast<const unsigned char*>(out);
  return sql::Blob(p, p + n);
}

void insert_dossier(sql::Db& db, const Id128& id, const std::string& unit, int n) {
  auto st = must(
      db.prepare("INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, "
                 "procedure_version, applicant_name, applicant_citizen_id, submitter_name, phone, address, channel, "
                 "received_at, entered_at, due_at, due_rule, limit_kind, limit_hours, status, clock_suspect, hlc, "
                 "origin_unit, actor) VALUES (?1, ?2, ?3, ?3, ?3, '1.004227', 1, 'Nguyễn Thị Hoa', '033198012345', "
                 "'Trần Văn Bình', '0912345678', 'Số 5, đường Lê Lợi', 1, ?4, ?4, ?5, 'computed', 'hours', 24, 2, 0, "
                 "?6, ?3, 'clerk.hoa')"),
      "prepare dossier");
  const int64_t at = 1772409600000 + n * 60000;
  st.bind(1, id.blob()).bind(2, "H33.11953-260302-" + std::to_string(1000 + n)).bind(3, unit).bind(4, at);
  st.bind(5, at + 86400000).bind(6, at * 65536);
  must(st.run(), "insert dossier");
}

void insert_event(sql::Db& db, const Id128& id, const Id128& dossier, const std::string& kind, const std::string& data,
                  const std::string& unit, int n) {
  auto st =
      must(db.prepare("INSERT INTO dossier_event(id, dossier_id, kind, from_status, to_status, at, due_at, note, "
                      "data, hlc, origin_unit, actor) VALUES (?1, ?2, ?3, 2, 3, ?4, NULL, 'Đã tiếp nhận đủ hồ sơ', "
                      "?5, ?6, ?7, 'clerk.hoa')"),
           "prepare event");
  const int64_t at = 1772409600000 + n * 60000;
  st.bind(1, id.blob())
      .bind(2, dossier.blob())
      .bind(3, kind)
      .bind(4, at)
      .bind(5, data)
      .bind(6, at * 65536)
      .bind(7, unit);
  must(st.run(), "insert event");
}

void insert_document(sql::Db& db, const Id128& id, const Id128& dossier, int position) {
  auto st = must(db.prepare("INSERT INTO dossier_document(id, dossier_id, position, name, form, copies, hlc, "
                            "origin_unit) VALUES (?1, ?2, ?3, 'Tờ khai đăng ký khai sinh', 'chinh', 1, ?4, ?5)"),
                 "prepare document");
  st.bind(1, id.blob()).bind(2, dossier.blob()).bind(3, position).bind(4, int64_t{1772409600000} * 65536 + position);
  st.bind(5, kFuzzUnit);
  must(st.run(), "insert document");
}

// Changesets shaped like an office's (one dossier-like row each, ids and text from a seeded
// generator) to train the dictionary on.
std::vector<sql::Blob> training_samples() {
  std::mt19937_64 rng(20260302);
  const char* names[] = {"Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Lan", "Phạm Minh Tuấn", "Hoàng Thu Hà"};
  const char* procedures[] = {"Thủ tục đăng ký khai sinh", "Thủ tục đăng ký kết hôn", "Thủ tục chứng thực bản sao"};
  auto db = must(sql::Db::open(":memory:"), "open training database");
  must(db.exec("CREATE TABLE dossier(id BLOB PRIMARY KEY, code TEXT, applicant TEXT, procedure TEXT, citizen_id TEXT, "
               "received_at INTEGER)"),
       "create training table");
  std::vector<sql::Blob> out;
  for (int i = 0; i < 600; ++i) {
    sqlite3_session* raw = nullptr;
    if (sqlite3session_create(db.get(), "main", &raw) != SQLITE_OK) invariant_broken("fuzz fixture: session");
    sql::SessionHandle session(raw);
    if (sqlite3session_attach(session.get(), "dossier") != SQLITE_OK) invariant_broken("fuzz fixture: attach");
    auto st = must(db.prepare("INSERT INTO dossier VALUES (?1, ?2, ?3, ?4, ?5, ?6)"), "prepare sample");
    st.bind(1, id_of(rng()).blob())
        .bind(2, "H33.11953-260302-" + std::to_string(1000 + i))
        .bind(3, names[rng() % 5])
        .bind(4, procedures[rng() % 3])
        .bind(5, "0331980" + std::to_string(10000 + rng() % 90000))
        .bind(6, static_cast<int64_t>(1772409600000 + static_cast<int64_t>(rng() % 86400000)));
    must(st.run(), "insert sample");
    int n = 0;
    void* cs = nullptr;
    if (sqlite3session_changeset(session.get(), &n, &cs) != SQLITE_OK) invariant_broken("fuzz fixture: changeset");
    sql::SqliteBuffer buffer(cs);
    const auto* p = static_cast<const unsigned char*>(cs);
    out.emplace_back(p, p + n);
  }
  return out;
}

}  // namespace

void invariant_broken(const std::string& what) {
  std::fprintf(stderr, "motcua fuzz: invariant broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

const sync::KeyPair& agent_key() {
  static const sync::KeyPair key = must(sync::KeyPair::from_private_pem(kFixedKeyPem), "fixed key");
  return key;
}

const sync::KeyPair& hub_key() { return agent_key(); }

const sync::Dictionary& dictionary() {
  static const sync::Dictionary d = must(sync::train_dictionary(training_samples(), 4096), "train dictionary");
  return d;
}

sync::DictionaryLookup dictionary_lookup() {
  return [](uint32_t id) -> const sync::Dictionary* { return id == dictionary().id ? &dictionary() : nullptr; };
}

std::vector<sql::Blob> fact_changesets() {
  auto db = must(sql::Db::open(":memory:"), "open capture database");
  must(schema::migrate(db, schema::hub_migrations(), schema::kHubApplicationId, "hub").map([](auto&&) {}), "migrate");
  const Id128 known = must(Id128::from_hex(kKnownDossierHex), "known dossier id");
  std::vector<sql::Blob> out;
  // A new dossier, its documents and its first step.
  out.push_back(capture(db, [&](sql::Db& d) {
    insert_dossier(d, id_of(1), kFuzzUnit, 1);
    insert_document(d, id_of(2), id_of(1), 1);
    insert_document(d, id_of(3), id_of(1), 2);
    insert_event(d, id_of(4), id_of(1), "status", "{}", kFuzzUnit, 2);
  }));
  // Steps on a dossier the unit received earlier.
  out.push_back(capture(db, [&](sql::Db& d) {
    insert_event(d, id_of(5), known, "note", "{}", kFuzzUnit, 3);
    insert_event(d, id_of(6), known, "correction", R"({"field":"phone","value":"0987654321"})", kFuzzUnit, 4);
  }));
  // A hand-over to a unit the hub knows.
  out.push_back(capture(db, [&](sql::Db& d) {
    insert_event(d, id_of(7), known, "transfer", std::string(R"({"to":")") + kOtherUnit + "\"}", kFuzzUnit, 5);
  }));
  // Refused: a row of another unit, an unknown dossier, a transfer to an unknown unit.
  out.push_back(capture(db, [&](sql::Db& d) { insert_dossier(d, id_of(8), kOtherUnit, 6); }));
  out.push_back(capture(db, [&](sql::Db& d) { insert_event(d, id_of(9), id_of(999), "note", "{}", kFuzzUnit, 7); }));
  out.push_back(capture(
      db, [&](sql::Db& d) { insert_event(d, id_of(10), known, "transfer", R"({"to":"99999"})", kFuzzUnit, 8); }));
  // Refused: an update and a delete (facts are insert-only).
  out.push_back(capture(db, [&](sql::Db& d) {
    must(d.exec("UPDATE dossier_event SET note = 'Sửa ghi chú' WHERE kind = 'note'"), "update event");
    must(d.exec("DELETE FROM dossier_document WHERE position = 2"), "delete document");
  }));
  return out;
}

}  // namespace motcua::fuzz
