#include "tests/sync-protocol/protocol_fixture.hpp"

#include <catch2/catch.hpp>

#include "common/handles.hpp"

namespace motcua::test {

namespace {

void put_be(sql::Blob& out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<unsigned char>((v >> (8 * i)) & 0xff));
}

template <typename Bytes>
void put(sql::Blob& out, const Bytes& bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

sql::Blob signed_with(sql::Blob signed_bytes, uint16_t signature_size, const sync::KeyPair& key) {
  auto sig = key.sign(signed_bytes);
  REQUIRE(sig);
  put_be(signed_bytes, signature_size, 2);
  put(signed_bytes, *sig);
  return signed_bytes;
}

}  // namespace

sql::Blob sample_changeset(int rows) {
  auto db = sql::Db::open(":memory:");
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"));
  sqlite3_session* raw = nullptr;
  REQUIRE(sqlite3session_create(db->get(), "main", &raw) == SQLITE_OK);
  sql::SessionHandle session(raw);
  REQUIRE(sqlite3session_attach(session.get(), "t") == SQLITE_OK);
  for (int i = 1; i <= rows; ++i) {
    auto stmt = db->prepare("INSERT INTO t VALUES (?, ?)");
    REQUIRE(stmt);
    REQUIRE(stmt->bind(1, i).bind(2, "Nguyễn Thị Hoa " + std::to_string(i)).run());
  }
  int n = 0;
  void* out = nullptr;
  REQUIRE(sqlite3session_changeset(session.get(), &n, &out) == SQLITE_OK);
  sql::SqliteBuffer buf(out);
  const auto* p = static_cast<const unsigned char*>(out);
  return sql::Blob(p, p + n);
}

sql::Blob zstd_frame(const sql::Blob& raw, bool with_content_size) {
  ZstdCCtxHandle cctx(ZSTD_createCCtx());
  REQUIRE(cctx);
  REQUIRE_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 3)));
  REQUIRE_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, with_content_size ? 1 : 0)));
  sql::Blob out(ZSTD_compressBound(raw.size()));
  size_t n = ZSTD_compress2(cctx.get(), out.data(), out.size(), raw.data(), raw.size());
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

sync::KeyPair new_key() {
  auto key = sync::KeyPair::generate();
  REQUIRE(key);
  return std::move(*key);
}

RawEnvelope RawEnvelope::plain(const sql::Blob& changeset) {
  RawEnvelope e;
  e.agent_id = Id128::random();
  e.compression = 0;
  e.raw_size = static_cast<uint32_t>(changeset.size());
  e.payload_size = e.raw_size;
  e.payload_hash = sync::sha256(changeset);
  e.payload = changeset;
  return e;
}

RawEnvelope RawEnvelope::zstd(const sql::Blob& changeset) {
  RawEnvelope e = plain(changeset);
  e.compression = 1;
  e.payload = zstd_frame(changeset);
  e.payload_size = static_cast<uint32_t>(e.payload.size());
  return e;
}

sql::Blob RawEnvelope::signed_bytes() const {
  sql::Blob out;
  put(out, magic);
  put_be(out, version, 2);
  put_be(out, flags, 2);
  put(out, agent_id.bytes);
  put_be(out, first_seq, 8);
  put_be(out, last_seq, 8);
  put(out, prev_batch_hash);
  put_be(out, schema_version, 4);
  put_be(out, compression, 1);
  put_be(out, dictionary_id, 4);
  put_be(out, raw_size, 4);
  put_be(out, payload_size, 4);
  put(out, payload_hash);
  put(out, payload);
  return out;
}

sql::Blob RawEnvelope::build(const sync::KeyPair& key) const {
  return signed_with(signed_bytes(), signature_size, key);
}

sql::Blob RawAck::signed_bytes() const {
  sql::Blob out;
  put(out, magic);
  put_be(out, version, 2);
  put(out, agent_id.bytes);
  put_be(out, first_seq, 8);
  put_be(out, last_seq, 8);
  put(out, batch_hash);
  put_be(out, status, 1);
  put_be(out, static_cast<uint64_t>(hub_time_ms), 8);
  put_be(out, reason.size(), 2);
  put(out, reason);
  return out;
}

sql::Blob RawAck::build(const sync::KeyPair& key) const { return signed_with(signed_bytes(), signature_size, key); }

sql::Blob RawFeedPage::payload_of(uint32_t entry_count, const std::vector<RawFeedEntry>& entries) {
  sql::Blob out;
  put_be(out, entry_count, 4);
  for (const auto& e : entries) {
    put_be(out, e.position, 8);
    put_be(out, e.kind, 1);
    put_be(out, e.version, 8);
    put_be(out, e.body.size(), 4);
    put(out, e.body);
  }
  return out;
}

RawFeedPage RawFeedPage::plain(const std::vector<RawFeedEntry>& entries, uint64_t after) {
  RawFeedPage p;
  p.agent_id = Id128::random();
  p.epoch = Id128::random();
  p.after = after;
  p.last = after + entries.size();
  p.head = p.last;
  p.set_payload(payload_of(static_cast<uint32_t>(entries.size()), entries));
  return p;
}

RawFeedPage RawFeedPage::zstd(const std::vector<RawFeedEntry>& entries, uint64_t after) {
  RawFeedPage p = plain(entries, after);
  p.set_payload(payload_of(static_cast<uint32_t>(entries.size()), entries), true);
  return p;
}

void RawFeedPage::set_payload(const sql::Blob& raw, bool compressed) {
  compression = compressed ? 1 : 0;
  payload = compressed ? zstd_frame(raw) : raw;
  raw_size = static_cast<uint32_t>(raw.size());
  payload_size = static_cast<uint32_t>(payload.size());
  payload_hash = sync::sha256(raw);
}

sql::Blob RawFeedPage::signed_bytes() const {
  sql::Blob out;
  put(out, magic);
  put_be(out, version, 2);
  put_be(out, flags, 2);
  put(out, agent_id.bytes);
  put_be(out, request_counter, 8);
  put(out, epoch.bytes);
  put_be(out, after, 8);
  put_be(out, last, 8);
  put_be(out, head, 8);
  put_be(out, static_cast<uint64_t>(hub_time_ms), 8);
  put_be(out, compression, 1);
  put_be(out, raw_size, 4);
  put_be(out, payload_size, 4);
  put(out, payload_hash);
  put(out, payload);
  return out;
}

sql::Blob RawFeedPage::build(const sync::KeyPair& key) const {
  return signed_with(signed_bytes(), signature_size, key);
}

}  // namespace motcua::test
