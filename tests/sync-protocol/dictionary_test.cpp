#include "sync-protocol/dictionary.hpp"

#include <random>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <zstd.h>

#include "common/handles.hpp"
#include "sync-protocol/base64.hpp"
#include "sync-protocol/envelope.hpp"
#include "tests/sync-protocol/protocol_fixture.hpp"

using namespace motcua;
using sync::ProtocolCode;
using test::contains;
using test::error_of;

namespace {

// Changesets shaped like an office's: one dossier-like row each, random ids, Vietnamese text from
// a few lists (what a dictionary can learn), different for each seed.
std::vector<sql::Blob> office_like_changesets(int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* names[] = {"Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Lan", "Phạm Minh Tuấn", "Hoàng Thu Hà"};
  const char* procedures[] = {"Thủ tục đăng ký khai sinh", "Thủ tục đăng ký kết hôn", "Thủ tục chứng thực bản sao"};
  auto db = sql::Db::open(":memory:");
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE dossier(id BLOB PRIMARY KEY, code TEXT, applicant TEXT, procedure TEXT, "
                   "citizen_id TEXT, received_at INTEGER)"));
  std::vector<sql::Blob> out;
  for (int i = 0; i < count; ++i) {
    sqlite3_session* raw = nullptr;
    REQUIRE(sqlite3session_create(db->get(), "main", &raw) == SQLITE_OK);
    sql::SessionHandle session(raw);
    REQUIRE(sqlite3session_attach(session.get(), "dossier") == SQLITE_OK);
    auto st = db->prepare("INSERT INTO dossier VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    REQUIRE(st);
    st->bind(1, Id128::random().blob())
        .bind(2, "H33.11953-260302-" + std::to_string(1000 + i))
        .bind(3, names[rng() % 5])
        .bind(4, procedures[rng() % 3])
        .bind(5, "0331980" + std::to_string(10000 + rng() % 90000))
        .bind(6, static_cast<int64_t>(1772409600000 + static_cast<int64_t>(rng() % 86400000)));
    REQUIRE(st->run());
    int n = 0;
    void* cs = nullptr;
    REQUIRE(sqlite3session_changeset(session.get(), &n, &cs) == SQLITE_OK);
    sql::SqliteBuffer buf(cs);
    const auto* p = static_cast<const unsigned char*>(cs);
    out.emplace_back(p, p + n);
  }
  return out;
}

const sync::Dictionary& trained() {
  static const sync::Dictionary d = [] {
    auto r = sync::train_dictionary(office_like_changesets(600, 1), 4096);
    REQUIRE(r);
    return *r;
  }();
  return d;
}

sync::BatchHeader header(uint32_t dictionary_id) {
  sync::BatchHeader h;
  h.agent_id = Id128::random();
  h.first_seq = 1;
  h.last_seq = 1;
  h.schema_version = 1;
  h.dictionary_id = dictionary_id;
  return h;
}

}  // namespace

TEST_CASE("a dictionary trained on office changesets makes small batches smaller and round-trips them",
          "[dictionary][envelope]") {
  const auto& dict = trained();
  CHECK(dict.id >= sync::kMinDictionaryId);
  CHECK(dict.bytes.size() <= 4096);
  auto key = test::new_key();
  size_t plain_total = 0, with_total = 0;
  for (const auto& cs : office_like_changesets(50, 2)) {  // not the training samples
    auto plain = sync::encode_batch(header(0), cs, key);
    auto with = sync::encode_batch(header(dict.id), cs, key, sync::kDefaultCompressionLevel, &dict);
    REQUIRE(plain);
    REQUIRE(with);
    plain_total += plain->bytes.size();
    with_total += with->bytes.size();
    auto decoded = sync::decode_batch(with->bytes, {}, [&](uint32_t id) { return id == dict.id ? &dict : nullptr; });
    REQUIRE(decoded);
    CHECK(decoded->changeset == cs);
    CHECK(decoded->header.dictionary_id == dict.id);
    // The zstd frame names the dictionary too.
    CHECK(ZSTD_getDictID_fromFrame(with->bytes.data() + 121, with->bytes.size() - 121 - 66) == dict.id);
  }
  INFO("plain " << plain_total << " bytes, with dictionary " << with_total);
  CHECK(with_total < plain_total);
}

TEST_CASE("a batch naming a dictionary the receiver does not hold is unknown_dictionary, never damage",
          "[dictionary][envelope]") {
  const auto& dict = trained();
  auto key = test::new_key();
  auto with = sync::encode_batch(header(dict.id), test::sample_changeset(2), key, sync::kDefaultCompressionLevel, &dict);
  REQUIRE(with);
  for (const auto& lookup : {sync::DictionaryLookup(), sync::DictionaryLookup([](uint32_t) { return nullptr; })}) {
    auto decoded = sync::decode_batch(with->bytes, {}, lookup);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().protocol == ProtocolCode::kUnknownDictionary);
    CHECK(decoded.error().code == ErrorCode::kFailedPrecondition);
    CHECK(contains(decoded.error().message, std::to_string(dict.id)));
    CHECK(sync::http_status(decoded.error().protocol) == 409);
    CHECK_FALSE(sync::is_transient(decoded.error().protocol));
  }
}

TEST_CASE("a frame that names another dictionary than its envelope is refused as damaged", "[dictionary][envelope]") {
  const auto& dict = trained();
  auto other = sync::train_dictionary(office_like_changesets(600, 7), 2048);
  REQUIRE(other);
  REQUIRE(other->id != dict.id);
  auto key = test::new_key();
  // An envelope naming `other` whose frame was made with `dict`: built field by field.
  auto cs = test::sample_changeset(3);
  auto good = sync::encode_batch(header(dict.id), cs, key, sync::kDefaultCompressionLevel, &dict);
  REQUIRE(good);
  test::RawEnvelope raw = test::RawEnvelope::plain(cs);
  raw.compression = 1;
  raw.dictionary_id = other->id;
  raw.payload.assign(good->bytes.begin() + 121, good->bytes.end() - 66);
  raw.payload_size = static_cast<uint32_t>(raw.payload.size());
  auto decoded = sync::decode_batch(raw.build(key), {}, [&](uint32_t id) { return id == other->id ? &*other : nullptr; });
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().protocol == ProtocolCode::kBadEnvelope);
  CHECK(contains(decoded.error().message, "names dictionary " + std::to_string(dict.id)));
  // A plain envelope whose frame needs a dictionary is damaged as well.
  raw.dictionary_id = 0;
  auto plain = sync::decode_batch(raw.build(key), {}, [&](uint32_t) { return &dict; });
  REQUIRE_FALSE(plain);
  CHECK(plain.error().protocol == ProtocolCode::kBadEnvelope);
}

TEST_CASE("a dictionary with an uncompressed payload, or an id zstd reserves, is refused", "[dictionary][envelope]") {
  auto key = test::new_key();
  auto raw = test::RawEnvelope::plain(test::sample_changeset(1));
  raw.dictionary_id = trained().id;  // compression 0
  auto decoded = sync::decode_batch(raw.build(key), {}, [](uint32_t) { return &trained(); });
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().protocol == ProtocolCode::kBadEnvelope);
  raw.compression = 1;
  raw.dictionary_id = 100;
  CHECK_FALSE(sync::peek_batch_header(raw.build(key)));
  // The encoder refuses a dictionary with an uncompressed batch.
  auto h = header(trained().id);
  h.compression = sync::Compression::kNone;
  CHECK(error_of(sync::encode_batch(h, test::sample_changeset(1), key, 9, &trained())).code == ErrorCode::kInvalidInput);
}

TEST_CASE("only zstd dictionaries within the size and id rules load", "[dictionary]") {
  CHECK(sync::load_dictionary(trained().bytes));
  CHECK(contains(error_of(sync::load_dictionary(std::string("not a dictionary at all"))).message, "not a zstd dictionary"));
  std::string big(sync::kMaxDictionarySize + 1, 'x');
  CHECK(contains(error_of(sync::load_dictionary(big)).message, "at most"));
  // A dictionary with id 0 (zstd's "no id") is refused: its batches could not name it.
  sql::Blob zero = trained().bytes;
  zero[4] = zero[5] = zero[6] = zero[7] = 0;
  CHECK(contains(error_of(sync::load_dictionary(zero)).message, "outside"));
  // Truncated entropy tables.
  sql::Blob cut(trained().bytes.begin(), trained().bytes.begin() + 40);
  CHECK_FALSE(sync::load_dictionary(cut));
  CHECK(error_of(sync::train_dictionary(office_like_changesets(3, 9), 4096)).code == ErrorCode::kInvalidInput);
}

TEST_CASE("a dictionary publication round-trips and one whose id disagrees with its bytes is refused", "[dictionary]") {
  const auto& dict = trained();
  const std::string body = sync::dictionary_publication_json(dict, 4, "2026-03-01T08:00:00+07:00", "d.zdict");
  auto back = sync::dictionary_publication_from_json(body);
  REQUIRE(back);
  CHECK(back->version == 4);
  CHECK(back->dictionary.id == dict.id);
  CHECK(back->dictionary.bytes == dict.bytes);
  auto doc = nlohmann::json::parse(body);
  doc["dictionary_id"] = dict.id + 1;
  CHECK(contains(error_of(sync::dictionary_publication_from_json(doc.dump())).message, "does not match"));
  doc = nlohmann::json::parse(body);
  doc["zstd_dictionary"] = "%%%";
  CHECK_FALSE(sync::dictionary_publication_from_json(doc.dump()));
  doc = nlohmann::json::parse(body);
  doc["kind"] = "catalog";
  CHECK_FALSE(sync::dictionary_publication_from_json(doc.dump()));
  CHECK_FALSE(sync::dictionary_publication_from_json("[]"));
}
