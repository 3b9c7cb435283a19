#include "tests/integration/hostile_client.hpp"

#include <algorithm>
#include <iterator>
#include <sstream>

#include <catch2/catch.hpp>

#include "sync-protocol/changeset.hpp"
#include "sync-protocol/request_signature.hpp"

namespace motcua::test {

using nlohmann::json;

namespace {

sql::Db open_read_only(const std::string& db_path) {
  auto db = sql::Db::open(db_path, sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  return std::move(*db);
}

void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}
void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}
void put_u64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

// SQLite's varint (big-endian groups of 7 bits), enough for the lengths a test writes.
void put_varint(sql::Blob& out, uint64_t v) {
  unsigned char groups[10];
  int n = 0;
  do {
    groups[n++] = static_cast<unsigned char>(v & 0x7F);
    v >>= 7;
  } while (v != 0);
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<unsigned char>(groups[i] | (i > 0 ? 0x80 : 0x00)));
}

std::string quote_ident(const std::string& name) { return "\"" + name + "\""; }

}  // namespace

Identity identity_of(const Office& office) {
  auto id = Id128::from_hex(read_meta(office.db_path(), "agent_id"));
  REQUIRE(id);
  auto key = sync::KeyPair::from_private_pem(read_file(office.data() + "/agent-key.pem"));
  REQUIRE(key);
  return {*id, std::move(*key)};
}

sql::Blob outbox_changeset(const Office& office, uint64_t first, uint64_t last) {
  sql::Db conn = open_read_only(office.db_path());
  auto st = conn.prepare("SELECT changeset FROM outbox WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq");
  REQUIRE(st);
  st->bind(1, static_cast<int64_t>(first)).bind(2, static_cast<int64_t>(last));
  std::vector<sql::Blob> parts;
  while (*st->step()) parts.push_back(st->blob(0));
  REQUIRE_FALSE(parts.empty());
  auto merged = sync::merge_changesets(parts);
  REQUIRE(merged);
  return *merged;
}

sql::Blob batch_from_pending(const Office& office, const Identity& who, uint64_t first, uint64_t last,
                             const sync::Hash256& prev) {
  sync::BatchHeader h;
  h.agent_id = who.agent_id;
  h.first_seq = first;
  h.last_seq = last;
  h.prev_batch_hash = prev;
  h.schema_version = 1;
  auto enc = sync::encode_batch(h, outbox_changeset(office, first, last), who.key);
  REQUIRE(enc);
  return enc->bytes;
}

agent::HttpReply post_batch(const Hub& hub, const Identity& who, uint64_t counter, const std::string& body,
                            const std::string& signed_body) {
  auto headers = sync::sign_request(who.key, who.agent_id, counter, "POST", "/v1/batches", signed_body);
  REQUIRE(headers);
  auto r = agent::http_post(hub.url() + "/v1/batches",
                            {{sync::kAgentHeader, headers->agent},
                             {sync::kCounterHeader, headers->counter},
                             {sync::kSignatureHeader, headers->signature}},
                            "application/x-motcua-batch", body);
  REQUIRE(r);
  return *r;
}

json error_of(const agent::HttpReply& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("error") && j["error"].is_object() ? j["error"] : json();
}

std::string error_code(const agent::HttpReply& r) {
  json e = error_of(r);
  return e.is_object() && e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
}

uint64_t request_counter(const Office& office) {
  const std::string v = read_meta(office.db_path(), "request_counter");
  return v.empty() ? 0 : std::stoull(v);
}

void set_request_counter(const Office& office, uint64_t counter) {
  auto db = sql::Db::open(office.db_path());
  REQUIRE(db);
  auto st = db->prepare("INSERT INTO meta(key, value) VALUES ('request_counter', ?1) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  REQUIRE(st);
  st->bind(1, std::to_string(counter));
  REQUIRE(st->run());
}

std::string to_string(const sql::Blob& bytes) { return std::string(bytes.begin(), bytes.end()); }

std::string encode_raw_envelope(const RawEnvelope& e, const sync::KeyPair& key) {
  std::string out = "MCB1";
  put_u16(out, 1);
  put_u16(out, 0);
  const sql::Blob id = e.agent_id.blob();
  out.append(id.begin(), id.end());
  put_u64(out, e.first_seq);
  put_u64(out, e.last_seq);
  out.append(e.prev_batch_hash.begin(), e.prev_batch_hash.end());
  put_u32(out, e.schema_version);
  out.push_back(static_cast<char>(e.compression));
  put_u32(out, e.dictionary_id);
  put_u32(out, e.raw_size);
  put_u32(out, static_cast<uint32_t>(e.payload.size()));
  out.append(e.payload_hash.begin(), e.payload_hash.end());
  out += e.payload;
  auto signature = key.sign(sync::ByteView(out));
  REQUIRE(signature);
  put_u16(out, 64);
  out.append(signature->begin(), signature->end());
  return out;
}

ChangesetBuilder& ChangesetBuilder::table(const std::string& name, int ncol, int pk_columns) {
  m_bytes.push_back(0x54);
  put_varint(m_bytes, static_cast<uint64_t>(ncol));
  for (int i = 0; i < ncol; ++i) m_bytes.push_back(i < pk_columns ? 0x01 : 0x00);
  m_bytes.insert(m_bytes.end(), name.begin(), name.end());
  m_bytes.push_back(0x00);
  return *this;
}

void ChangesetBuilder::values(const std::vector<CsValue>& row) {
  for (const CsValue& v : row) {
    m_bytes.push_back(static_cast<unsigned char>(v.kind));
    switch (v.kind) {
      case CsValue::kInt:
      case CsValue::kReal:
        for (int shift = 56; shift >= 0; shift -= 8) {
          m_bytes.push_back(static_cast<unsigned char>((static_cast<uint64_t>(v.i) >> shift) & 0xFF));
        }
        break;
      case CsValue::kText:
      case CsValue::kBlob:
        put_varint(m_bytes, v.bytes.size());
        m_bytes.insert(m_bytes.end(), v.bytes.begin(), v.bytes.end());
        break;
      default:
        break;
    }
  }
}

ChangesetBuilder& ChangesetBuilder::insert(const std::vector<CsValue>& row) {
  m_bytes.push_back(0x12);
  m_bytes.push_back(0x00);
  values(row);
  return *this;
}

ChangesetBuilder& ChangesetBuilder::remove(const std::vector<CsValue>& row) {
  m_bytes.push_back(0x09);
  m_bytes.push_back(0x00);
  values(row);
  return *this;
}

ChangesetBuilder& ChangesetBuilder::update(const std::vector<CsValue>& old_row, const std::vector<CsValue>& new_row) {
  m_bytes.push_back(0x17);
  m_bytes.push_back(0x00);
  values(old_row);
  values(new_row);
  return *this;
}

agent::HttpReply Hostile::post(const std::string& body) { return post(body, body); }

agent::HttpReply Hostile::post(const std::string& body, const std::string& signed_body) {
  return post_batch(m_hub, m_who, ++m_counter, body, signed_body);
}

agent::HttpReply Hostile::post_json(const std::string& target, const std::string& body) {
  auto headers = sync::sign_request(m_who.key, m_who.agent_id, ++m_counter, "POST", target, body);
  REQUIRE(headers);
  auto r = agent::http_post(m_hub.url() + target,
                            {{sync::kAgentHeader, headers->agent},
                             {sync::kCounterHeader, headers->counter},
                             {sync::kSignatureHeader, headers->signature}},
                            "application/json", body);
  REQUIRE(r);
  return *r;
}

uint64_t Hostile::high_water() const {
  sql::Db db = open_read_only(m_hub.db_path());
  auto st = db.prepare("SELECT high_water_seq FROM agent WHERE id = ?1");
  REQUIRE(st);
  st->bind(1, m_who.agent_id.blob());
  REQUIRE(*st->step());
  return static_cast<uint64_t>(st->int64(0));
}

sync::Hash256 Hostile::last_hash() const {
  sql::Db db = open_read_only(m_hub.db_path());
  auto st = db.prepare("SELECT last_batch_hash FROM agent WHERE id = ?1");
  REQUIRE(st);
  st->bind(1, m_who.agent_id.blob());
  REQUIRE(*st->step());
  sync::Hash256 h{};
  const sql::Blob b = st->blob(0);
  if (b.size() == h.size()) std::copy(b.begin(), b.end(), h.begin());
  return h;
}

std::string Hostile::next_batch(const sql::Blob& changeset, uint64_t entries) const {
  sync::BatchHeader h;
  h.agent_id = m_who.agent_id;
  h.first_seq = high_water() + 1;
  h.last_seq = h.first_seq + entries - 1;
  h.prev_batch_hash = last_hash();
  h.schema_version = 1;
  auto enc = sync::encode_batch(h, changeset, m_who.key);
  REQUIRE(enc);
  return to_string(enc->bytes);
}

agent::HttpReply Hostile::send_genuine(const Office& office, uint64_t first, uint64_t last) {
  return post(next_batch(outbox_changeset(office, first, last), last - first + 1));
}

DbSnapshot snapshot(const std::string& db_path, const SnapshotOptions& options) {
  sql::Db db = open_read_only(db_path);
  std::vector<std::string> tables;
  {
    auto st = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    REQUIRE(st);
    while (*st->step()) tables.push_back(st->text(0));
  }
  DbSnapshot out;
  for (const std::string& table : tables) {
    if (options.skip_tables.count(table)) continue;
    auto cols = db.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid");
    REQUIRE(cols);
    cols->bind(1, table);
    std::string select;
    while (*cols->step()) {
      const std::string col = cols->text(0);
      if (!select.empty()) select += " || ', ' || ";
      const bool masked = options.masked_columns.count(table + "." + col) > 0;
      select += "'" + col + "=' || " + (masked ? std::string("'*'") : "quote(" + quote_ident(col) + ")");
    }
    std::string sql = "SELECT " + select + " FROM " + quote_ident(table);
    auto filter = options.row_filters.find(table);
    if (filter != options.row_filters.end()) sql += " WHERE " + filter->second;
    auto rows = db.prepare(sql);
    INFO(sql);
    REQUIRE(rows);
    std::vector<std::string>& kept = out[table];
    while (*rows->step()) kept.push_back(rows->text(0));
    std::sort(kept.begin(), kept.end());
  }
  return out;
}

std::string snapshot_diff(const DbSnapshot& before, const DbSnapshot& after) {
  std::ostringstream out;
  std::set<std::string> tables;
  for (const auto& [t, rows] : before) tables.insert(t);
  for (const auto& [t, rows] : after) tables.insert(t);
  auto cut = [](const std::string& s) { return s.size() > 300 ? s.substr(0, 300) + "..." : s; };
  for (const std::string& t : tables) {
    auto b = before.find(t);
    auto a = after.find(t);
    if (b == before.end()) {
      out << "+ table " << t << "\n";
      continue;
    }
    if (a == after.end()) {
      out << "- table " << t << "\n";
      continue;
    }
    std::vector<std::string> removed, added;
    std::set_difference(b->second.begin(), b->second.end(), a->second.begin(), a->second.end(), std::back_inserter(removed));
    std::set_difference(a->second.begin(), a->second.end(), b->second.begin(), b->second.end(), std::back_inserter(added));
    for (const auto& r : removed) out << "- " << t << ": " << cut(r) << "\n";
    for (const auto& r : added) out << "+ " << t << ": " << cut(r) << "\n";
  }
  return out.str();
}

DbSnapshot hub_snapshot(const Hub& hub, const SnapshotOptions& extra) {
  SnapshotOptions options = extra;
  options.skip_tables.insert("audit_log");
  return snapshot(hub.db_path(), options);
}

SnapshotOptions in_sequence_bookkeeping() {
  SnapshotOptions o;
  o.masked_columns = {"agent.high_water_seq", "agent.last_batch_hash", "agent.last_request_counter", "agent.last_seen_at"};
  return o;
}

SnapshotOptions agent_sync_bookkeeping() {
  SnapshotOptions o = in_sequence_bookkeeping();
  o.masked_columns.insert({"agent.feed_position", "agent.feed_pulled_at", "agent.clock_offset_ms", "agent.clock_measured_at"});
  o.skip_tables.insert({"agent_report", "agent_report_history"});
  return o;
}

std::string expect_only_refused_batch(const Hub& hub, const DbSnapshot& before, const SnapshotOptions& masks,
                                      const Id128& agent_id, uint64_t first, uint64_t last) {
  DbSnapshot after = hub_snapshot(hub, masks);
  DbSnapshot before_rest = before, after_rest = after;
  before_rest.erase("batch");
  after_rest.erase("batch");
  {
    INFO("hub changes besides the batch record:\n" << snapshot_diff(before_rest, after_rest));
    CHECK(before_rest == after_rest);
  }
  const auto& b = before.at("batch");
  const auto& a = after.at("batch");
  std::vector<std::string> added;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(added));
  {
    INFO("batch table changes:\n" << snapshot_diff(DbSnapshot{{"batch", b}}, DbSnapshot{{"batch", a}}));
    CHECK(added.size() == 1);
    CHECK(a.size() == b.size() + 1);
  }
  sql::Db db = open_read_only(hub.db_path());
  auto st = db.prepare("SELECT status, reason, envelope IS NULL FROM batch WHERE agent_id = ?1 AND first_seq = ?2 AND last_seq = ?3");
  REQUIRE(st);
  st->bind(1, agent_id.blob()).bind(2, static_cast<int64_t>(first)).bind(3, static_cast<int64_t>(last));
  REQUIRE(*st->step());
  CHECK(st->text(0) == "refused");
  CHECK(st->int64(2) == 0);  // its envelope is kept: a link of the agent's audit chain (hub/audit.hpp)
  const std::string reason = st->text(1);
  auto audit = db.prepare("SELECT count(*) FROM audit_log WHERE kind = 'batch_refused' AND agent_id = ?1 AND detail LIKE ?2");
  REQUIRE(audit);
  audit->bind(1, agent_id.blob()).bind(2, "batch " + std::to_string(first) + "-" + std::to_string(last) + " refused: %");
  REQUIRE(*audit->step());
  CHECK(audit->int64(0) == 1);  // and the refusal is in the audit log
  auto hw = db.prepare("SELECT high_water_seq FROM agent WHERE id = ?1");
  REQUIRE(hw);
  hw->bind(1, agent_id.blob());
  REQUIRE(*hw->step());
  CHECK(hw->int64(0) == static_cast<int64_t>(last));
  return reason;
}

}  // namespace motcua::test
