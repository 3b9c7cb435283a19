#include "agent/sync.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "agent/config.hpp"
#include "agent/feed.hpp"
#include "agent/hub_ca.hpp"
#include "agent/hub_link.hpp"
#include "agent/report.hpp"
#include "common/fault.hpp"
#include "common/version.hpp"
#include "reference/reference.hpp"
#include "schema/migrate.hpp"
#include "schema/tables.hpp"
#include "sync-protocol/ack.hpp"
#include "sync-protocol/base64.hpp"
#include "sync-protocol/changeset.hpp"
#include "sync-protocol/dictionary.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/protocol_error.hpp"
#include "common/files.hpp"

namespace motcua::agent {

using namespace motcua::reference;

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kAgentVersion = kVersion;

struct PendingBatch {
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  sql::Blob envelope;
  sync::Hash256 hash{};
  sync::BatchHeader header;
};

// How many outbox entries the next batch may merge: kMaxBatchRows, halved each time a batch had to
// be dropped because the hub never received it (a link that breaks long transfers), doubled back
// after kBatchAcksToGrow acknowledged batches in a row at that limit (grow_batch_row_limit). A
// batch is retried whole, so on a weak link it must stay small.
Result<int64_t> batch_row_limit(Store& store) {
  MOTCUA_ASSIGN_OR_RETURN(auto v, store.get_meta("batch_row_limit"));
  if (!v) return int64_t{kMaxBatchRows};
  auto n = parse_meta_number(*v, "batch_row_limit");
  if (!n || *n < 1 || *n > static_cast<uint64_t>(kMaxBatchRows)) return int64_t{kMaxBatchRows};
  return static_cast<int64_t>(*n);
}

// Sets the entry limit and starts counting acknowledged batches at it again from zero.
Status set_batch_row_limit(Store& store, int64_t limit) {
  MOTCUA_TRY(store.set_meta("batch_row_limit", std::to_string(std::clamp<int64_t>(limit, 1, kMaxBatchRows))));
  return store.set_meta("batch_acks_at_limit", "0");
}

// Counts one more acknowledged batch at the current entry limit; after kBatchAcksToGrow in a row
// (no halving in between), doubles the limit, up to kMaxBatchRows. Growing only after a run of
// successes keeps a link that breaks transfers of a given length from swinging the limit back over
// that length after every batch that got through.
Status grow_batch_row_limit(Store& store) {
  MOTCUA_ASSIGN_OR_RETURN(int64_t limit, batch_row_limit(store));
  if (limit >= kMaxBatchRows) return ok();
  MOTCUA_ASSIGN_OR_RETURN(auto v, store.get_meta("batch_acks_at_limit"));
  int64_t acks = 1;
  if (v) {
    auto counted = parse_meta_number(*v, "batch_acks_at_limit");
    if (counted && *counted < static_cast<uint64_t>(kBatchAcksToGrow)) acks += static_cast<int64_t>(*counted);
  }
  if (acks >= kBatchAcksToGrow) return set_batch_row_limit(store, limit * 2);
  return store.set_meta("batch_acks_at_limit", std::to_string(acks));
}

// Drops the unacknowledged batch at `first_seq` (its entries stay pending) and, when `shrink`,
// halves the entry limit, so the next batch is built smaller. Only for a batch the hub cannot hold:
// one whose only attempt could not even send its whole body, or one the hub says it never applied.
// Any other batch may be at the hub and is re-sent byte for byte, always.
Status drop_unsent_batch(Store& store, int64_t first_seq, bool shrink = true) {
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(store.db()));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt drop, store.db().prepare(
      "DELETE FROM outbox_batch WHERE first_seq = ?1 AND acked_at IS NULL"));
  drop.bind(1, first_seq);
  MOTCUA_TRY(drop.run());
  if (shrink) {
    MOTCUA_ASSIGN_OR_RETURN(int64_t limit, batch_row_limit(store));
    MOTCUA_TRY(set_batch_row_limit(store, limit / 2));
  }
  return tx.commit();
}

// Asks the hub where this agent's batches stand (GET /v1/batches/state), for the unacknowledged
// batch `batch` that keeps failing. The plain answer is not signed and only ever used one way: when
// the hub's high-water mark is below the batch, the hub never applied it and it is dropped, to be
// rebuilt smaller (a false "not held" leads to a sequence conflict, never to a lost change). When
// the hub holds it, the answer carries the hub's signed acknowledgement of its last batch: a link
// that keeps cutting the answer to a large request still gets its proof through this small one.
// Returns that acknowledgement when it verifies and is this batch's. Any failure of the question
// is ignored.
Result<std::optional<sync::Ack>> ask_batch_state(Store& store, const HubLink& link, const PendingBatch& batch) {
  auto asked = send_signed(store, link, "GET", "/v1/batches/state", "", "");
  if (!asked || asked->reply.status != 200) return std::optional<sync::Ack>();
  json state = json::parse(asked->reply.body, nullptr, false);
  if (!state.is_object() || !state.contains("high_water_seq") || !state["high_water_seq"].is_number_unsigned()) {
    return std::optional<sync::Ack>();
  }
  if (state["high_water_seq"].get<int64_t>() < batch.first_seq) {
    MOTCUA_TRY(drop_unsent_batch(store, batch.first_seq));
    return std::optional<sync::Ack>();
  }
  if (!state.contains("last_ack") || !state["last_ack"].is_string()) return std::optional<sync::Ack>();
  auto bytes = sync::base64_decode(state["last_ack"].get<std::string>());
  if (!bytes) return std::optional<sync::Ack>();
  const sync::ByteView view(bytes->data(), bytes->size());
  if (!sync::verify_ack(view, link.hub_key)) return std::optional<sync::Ack>();
  auto ack = sync::decode_ack(view);
  if (!ack || !sync::check_ack_matches(*ack, batch.header, batch.hash)) return std::optional<sync::Ack>();
  return std::optional<sync::Ack>(std::move(*ack));
}

// The dictionary the hub published last (PROTOCOL.md 4.1), or none: batches are then plain zstd. A
// stored dictionary zstd cannot load is ignored the same way, never a reason not to send.
Result<std::optional<sync::Dictionary>> newest_dictionary(sql::Db& db) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT bytes FROM compression_dictionary ORDER BY version DESC LIMIT 1"));
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<sync::Dictionary>();
  auto loaded = sync::load_dictionary(st.blob(0));
  if (!loaded) return std::optional<sync::Dictionary>();
  return std::optional<sync::Dictionary>(std::move(*loaded));
}

// The hub does not hold the dictionary the unacknowledged batch at `first_seq` was compressed with
// (it was restored from a backup older than the dictionary), so it applied nothing from there on:
// that batch and any unacknowledged one after it are dropped and rebuilt, and the dictionary is
// forgotten until the hub publishes one again.
Status forget_dictionary(Store& store, int64_t first_seq, uint32_t dictionary_id) {
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(store.db()));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt drop, store.db().prepare(
      "DELETE FROM outbox_batch WHERE first_seq >= ?1 AND acked_at IS NULL"));
  drop.bind(1, first_seq);
  MOTCUA_TRY(drop.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt forget, store.db().prepare("DELETE FROM compression_dictionary WHERE id = ?1"));
  forget.bind(1, static_cast<int64_t>(dictionary_id));
  MOTCUA_TRY(forget.run());
  return tx.commit();
}

// The unacknowledged batch if there is one, else a new batch built from the next pending rows
// (stored before it is sent). nullopt when nothing is pending.
Result<std::optional<PendingBatch>> next_batch(Store& store, const Id128& agent_id, const sync::KeyPair& key) {
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt open, db.prepare(
      "SELECT first_seq, last_seq, envelope, hash FROM outbox_batch WHERE acked_at IS NULL ORDER BY first_seq LIMIT 1"));
  MOTCUA_ASSIGN_OR_RETURN(bool has_open, open.step());
  if (has_open) {
    PendingBatch b;
    b.first_seq = open.int64(0);
    b.last_seq = open.int64(1);
    b.envelope = open.blob(2);
    sql::Blob h = open.blob(3);
    std::copy(h.begin(), h.end(), b.hash.begin());
    MOTCUA_ASSIGN_OR_RETURN(b.header, [&]() -> Result<sync::BatchHeader> {
      auto peek = sync::peek_batch_header(b.envelope);
      if (!peek) return fail(Error::corruption("stored batch is damaged: " + peek.error().message));
      return *peek;
    }());
    return std::optional<PendingBatch>(std::move(b));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt rows, db.prepare(
      "SELECT seq, schema_version, changeset FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?1"));
  MOTCUA_ASSIGN_OR_RETURN(int64_t row_limit, batch_row_limit(store));
  rows.bind(1, row_limit);
  std::vector<sql::Blob> changesets;
  PendingBatch b;
  int64_t schema_version = -1;
  size_t raw = 0;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, rows.step());
    if (!row) break;
    if (schema_version >= 0 && rows.int64(1) != schema_version) break;  // a batch never spans two schemas
    sql::Blob cs = rows.blob(2);
    if (!changesets.empty() && raw + cs.size() > kMaxBatchRawBytes) break;
    if (changesets.empty()) b.first_seq = rows.int64(0);
    b.last_seq = rows.int64(0);
    schema_version = rows.int64(1);
    raw += cs.size();
    changesets.push_back(std::move(cs));
  }
  if (changesets.empty()) return std::optional<PendingBatch>();
  MOTCUA_ASSIGN_OR_RETURN(sql::Blob merged, sync::merge_changesets(changesets));
  // The hash chain starts again at each enrollment (chain_start_seq).
  MOTCUA_ASSIGN_OR_RETURN(auto chain_start, store.get_meta("chain_start_seq"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt prev, db.prepare(
      "SELECT hash FROM outbox_batch WHERE first_seq >= ?1 ORDER BY first_seq DESC LIMIT 1"));
  prev.bind(1, static_cast<int64_t>(chain_start ? std::stoll(*chain_start) : 1));
  MOTCUA_ASSIGN_OR_RETURN(bool has_prev, prev.step());
  b.header.agent_id = agent_id;
  b.header.first_seq = static_cast<uint64_t>(b.first_seq);
  b.header.last_seq = static_cast<uint64_t>(b.last_seq);
  if (has_prev) {
    sql::Blob h = prev.blob(0);
    std::copy(h.begin(), h.end(), b.header.prev_batch_hash.begin());
  }
  b.header.schema_version = static_cast<uint32_t>(schema_version);
  MOTCUA_ASSIGN_OR_RETURN(sync::EncodedBatch encoded, sync::encode_batch(b.header, merged, key));
  // With the hub's dictionary when that is smaller: always for a few dossiers, rarely for hundreds.
  MOTCUA_ASSIGN_OR_RETURN(auto dictionary, newest_dictionary(db));
  if (dictionary) {
    sync::BatchHeader with = b.header;
    with.dictionary_id = dictionary->id;
    MOTCUA_ASSIGN_OR_RETURN(sync::EncodedBatch smaller,
                            sync::encode_batch(with, merged, key, sync::kDefaultCompressionLevel, &*dictionary));
    if (smaller.bytes.size() < encoded.bytes.size()) {
      encoded = std::move(smaller);
      b.header = with;
    }
  }
  b.envelope = std::move(encoded.bytes);
  b.hash = encoded.signed_hash;
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO outbox_batch(first_seq, last_seq, hash, envelope, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
  ins.bind(1, b.first_seq).bind(2, b.last_seq).bind(3, sql::Blob(b.hash.begin(), b.hash.end())).bind(4, b.envelope)
      .bind(5, store.clock().now().ms);
  MOTCUA_TRY(ins.run());
  return std::optional<PendingBatch>(std::move(b));
}

// The CA an enrollment pins (EnrollRequest): nullopt for a plain http:// loopback hub. Reads files
// and, for a fingerprint, makes the one unverified connection that reads the hub's chain; writes
// nothing.
Result<std::optional<CaCertificate>> resolve_hub_ca(const EnrollRequest& request, const std::string& url) {
  const bool https = url.rfind("https://", 0) == 0;
  if (!request.ca_file.empty() && !request.ca_sha256.empty()) {
    return fail(Error::invalid_input("both --ca and --ca-sha256 were given", "give one of them: the CA file or its fingerprint"));
  }
  if (!https) {
    if (!request.ca_file.empty() || !request.ca_sha256.empty()) {
      return fail(Error::invalid_input("--ca and --ca-sha256 apply only to an https:// hub, not " + url,
                                       "drop the option for a hub on this machine, or use the hub's https:// address"));
    }
    return std::optional<CaCertificate>();
  }
  std::string ca_file = request.ca_file, ca_sha256 = request.ca_sha256;
  if (ca_file.empty() && ca_sha256.empty()) {
    MOTCUA_ASSIGN_OR_RETURN(auto installer_file, installer_enroll_default("hub_ca"));
    MOTCUA_ASSIGN_OR_RETURN(auto installer_sha, installer_enroll_default("hub_ca_sha256"));
    if (installer_file) {
      ca_file = *installer_file;
    } else if (installer_sha) {
      ca_sha256 = *installer_sha;
    }
  }
  if (!ca_file.empty()) {
    MOTCUA_ASSIGN_OR_RETURN(CaCertificate ca, read_ca_file(ca_file));
    return std::optional<CaCertificate>(std::move(ca));
  }
  if (!ca_sha256.empty()) {
    MOTCUA_ASSIGN_OR_RETURN(CaCertificate ca, fetch_ca_by_fingerprint(url, ca_sha256));
    return std::optional<CaCertificate>(std::move(ca));
  }
  // Enrolling again: the CA the office already pinned still applies.
  MOTCUA_ASSIGN_OR_RETURN(auto pinned, read_pinned_ca(request.data_dir));
  if (pinned) return pinned;
  return fail(Error::failed_precondition(
      "no certificate authority to pin for the https:// hub " + url + ": without it the office cannot tell the "
      "province's hub from an impostor",
      "enroll with --ca FILE or --ca-sha256 FINGERPRINT (the province's CA, from provincial IT)")
      .vi("Chưa có chứng chỉ của tỉnh để nhận biết máy chủ tỉnh; chưa kết nối. Hãy nhập tệp chứng chỉ "
          "hoặc mã vân tay do bộ phận CNTT của tỉnh cung cấp."));
}

}  // namespace

Result<EnrollResult> enroll(const EnrollRequest& request, const Clock& clock) {
  MOTCUA_TRY(check_hub_url(request.hub_url));
  if (request.code.empty()) return fail(Error::invalid_input("no enrollment code given", "pass --code XXXXX-XXXXX"));
  // Nothing is created before the hub accepts the code: a refused enrollment leaves the disk as it was.
  std::optional<std::string> existing_unit;
  int64_t next_seq = 1;  // the outbox sequence the new identity's first batch starts at
  if (fs::exists(utf8_path(Store::database_path(request.data_dir)))) {
    MOTCUA_ASSIGN_OR_RETURN(Store existing, Store::open(request.data_dir, false, clock));
    MOTCUA_ASSIGN_OR_RETURN(existing_unit, existing.get_meta("unit"));
    MOTCUA_ASSIGN_OR_RETURN(auto first_pending,
                            sql::query_int64(existing.db(), "SELECT min(seq) FROM outbox WHERE state = 'pending'"));
    MOTCUA_ASSIGN_OR_RETURN(auto last, sql::query_int64(existing.db(), "SELECT max(seq) FROM outbox"));
    next_seq = first_pending ? *first_pending : last.value_or(0) + 1;
  }
  std::string url = request.hub_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  MOTCUA_ASSIGN_OR_RETURN(std::optional<CaCertificate> ca, resolve_hub_ca(request, url));
  HubTrust trust;
  if (ca) trust.ca_pem = ca->pem;  // nothing is written yet: the request trusts the CA held in memory
  MOTCUA_ASSIGN_OR_RETURN(sync::KeyPair key, sync::KeyPair::generate());
  json body = {{"code", request.code},
               {"public_key", key.public_key().base64()},
               {"agent_version", kAgentVersion},
               {"schema_version", schema::kReplicatedSchemaVersion}};
  // An office already set up names its unit, so a code for another unit is refused by the hub
  // before it retires that unit's agent.
  if (existing_unit) body["unit"] = *existing_unit;
  body["next_seq"] = next_seq;
  MOTCUA_ASSIGN_OR_RETURN(HttpReply reply,
                          http_post(url + "/v1/enroll", {}, "application/json", body.dump(), {}, nullptr, trust));
  if (reply.status != 200) return fail(hub_error(reply));
  json answer = json::parse(reply.body, nullptr, false);
  auto text = [&](const char* field) { return answer.is_object() && answer.contains(field) && answer[field].is_string() ? answer[field].get<std::string>() : std::string(); };
  EnrollResult result;
  result.agent_id = text("agent_id");
  result.unit = text("unit");
  result.unit_name = text("unit_name");
  result.agency_id = text("agency_id");
  const std::string hub_key = text("hub_public_key");
  auto agent_id = Id128::from_hex(result.agent_id);
  if (!agent_id || result.unit.empty() || !sync::PublicKey::from_base64(hub_key)) {
    return fail(Error::corruption("the hub's enrollment answer is incomplete", "check that the address is the province's motcua hub"));
  }
  if (existing_unit && *existing_unit != result.unit) {
    return fail(Error::conflict("this office is set up for unit " + *existing_unit + " but the code is for unit " + result.unit,
                                "ask provincial IT for a code for unit " + *existing_unit));
  }
  std::string day;
  if (answer.contains("counter") && answer["counter"].is_object()) {
    day = answer["counter"].value("day", "");
    result.counter_last = answer["counter"].value("last", int64_t{0});
  }
  MOTCUA_ASSIGN_OR_RETURN(Store store, Store::open(request.data_dir, true, clock));
  MOTCUA_TRY(write_agent_key(request.data_dir, key));
  if (ca) {
    MOTCUA_TRY(write_pinned_ca(request.data_dir, *ca));
    result.hub_ca_sha256 = ca->sha256;
  } else {
    // A plain http:// (loopback) hub: a CA pinned for an earlier hub no longer applies.
    std::error_code ignored;
    fs::remove(utf8_path(hub_ca_path(request.data_dir)), ignored);
  }
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(store.db()));
  ReferenceUpdate units;
  if (answer.contains("units") && answer["units"].is_array()) {
    for (const auto& u : answer["units"]) {
      units.units.push_back({u.value("code", ""), u.value("name", ""), u.value("kind", "commune"),
                             u.value("province_code", ""), u.value("agency_id", "")});
    }
  }
  MOTCUA_TRY(apply_reference_update(store.db(), units));
  for (const auto& [k, v] : {std::pair<std::string, std::string>{"unit", result.unit},
                             {"agent_id", result.agent_id},
                             {"hub_url", url},
                             {"hub_public_key", hub_key},
                             {"hub_epoch", text("epoch")},
                             {"request_counter", "0"},
                             {"chain_start_seq", std::to_string(next_seq)}}) {
    MOTCUA_TRY(store.set_meta(k, v));
  }
  // The feed cursor belongs to the unit: an office enrolled again keeps it.
  MOTCUA_ASSIGN_OR_RETURN(auto cursor_epoch, store.get_meta("feed_epoch"));
  if (!cursor_epoch) {
    MOTCUA_TRY(store.set_meta("feed_epoch", text("epoch")));
    MOTCUA_TRY(store.set_meta("feed_position", "0"));
  }
  // Batches built for a previous identity and never acknowledged are rebuilt under the new one.
  MOTCUA_TRY(store.db().exec("DELETE FROM outbox_batch WHERE acked_at IS NULL"));
  if (day.size() == 6) {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt counter, store.db().prepare(
        "INSERT INTO dossier_counter(unit, day, last) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(unit, day) DO UPDATE SET last = max(last, excluded.last)"));
    counter.bind(1, result.unit).bind(2, day).bind(3, result.counter_last);
    MOTCUA_TRY(counter.run());
  }
  MOTCUA_TRY(tx.commit());
  // The first feed pull: the office has the catalogue and calendar before it records anything. If
  // the link drops now, the enrollment stands and the next sync fetches them.
  auto feed = [&]() -> Result<FeedReport> {
    MOTCUA_ASSIGN_OR_RETURN(HubLink link, load_hub_link(store));
    MOTCUA_ASSIGN_OR_RETURN(FileLock lock, lock_hub_link(store.data_dir()));
    MOTCUA_ASSIGN_OR_RETURN(FeedReport pulled, pull_feed(store, link));
    // With nothing waiting to be sent, the office is now fully in step with the hub.
    MOTCUA_ASSIGN_OR_RETURN(auto pending, sql::query_int64(store.db(), "SELECT count(*) FROM outbox WHERE state = 'pending'"));
    if (pending.value_or(0) == 0) {
      MOTCUA_TRY(store.set_meta("last_sync_at", std::to_string(store.clock().now().ms)));
    }
    return pulled;
  }();
  if (feed) {
    result.feed = std::move(*feed);
  } else {
    result.feed_error = feed.error();
  }
  return result;
}

namespace {

// Records the hub's acknowledgement of `batch` (verified, and matching it): its rows and the batch
// are answered, in one transaction, and it counts towards growing the entry limit back.
Status record_ack(Store& store, const PendingBatch& batch, const sync::Ack& ack, Instant sent_at, SyncReport& report) {
  sql::Db& db = store.db();
  const char* row_state = "acknowledged";
  switch (ack.status) {
    case sync::AckStatus::kApplied: ++report.applied; break;
    case sync::AckStatus::kDuplicate: ++report.duplicate; break;
    case sync::AckStatus::kQuarantined: ++report.quarantined; row_state = "quarantined"; report.last_reason = ack.reason; break;
    case sync::AckStatus::kRefused: ++report.refused; row_state = "refused"; report.last_reason = ack.reason; break;
  }
  ++report.batches;
  const Instant now = store.clock().now();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_TRY(grow_batch_row_limit(store));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt rows, db.prepare(
      "UPDATE outbox SET state = ?3, acked_at = ?4 WHERE seq BETWEEN ?1 AND ?2 AND state = 'pending'"));
  rows.bind(1, batch.first_seq).bind(2, batch.last_seq).bind(3, row_state).bind(4, now.ms);
  MOTCUA_TRY(rows.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt b, db.prepare(
      "UPDATE outbox_batch SET acked_at = ?2, ack_status = ?3, ack_reason = ?4 WHERE first_seq = ?1"));
  b.bind(1, batch.first_seq).bind(2, now.ms).bind(3, sync::ack_status_name(ack.status)).bind(4, ack.reason);
  MOTCUA_TRY(b.run());
  MOTCUA_TRY(store.set_meta("hub_clock_offset_ms", std::to_string(clock_offset_ms(ack.hub_time_ms, sent_at, now))));
  return tx.commit();
}

// Sends every pending batch, recording each acknowledgement as it comes.
Status upload_outbox(Store& store, const HubLink& link, SyncReport& report) {
  sql::Db& db = store.db();
  const std::string target = "/v1/batches";

  while (true) {
    std::optional<PendingBatch> batch;
    {
      MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
      MOTCUA_ASSIGN_OR_RETURN(batch, next_batch(store, link.agent_id, link.key));
      MOTCUA_TRY(tx.commit());
    }
    if (!batch) break;
    const std::string body(batch->envelope.begin(), batch->envelope.end());
    // Whether this batch was ever handed to the network before, recorded before it is.
    MOTCUA_ASSIGN_OR_RETURN(auto tried, store.get_meta("open_batch_tried"));
    const bool first_attempt = !tried || *tried != std::to_string(batch->first_seq);
    if (first_attempt) MOTCUA_TRY(store.set_meta("open_batch_tried", std::to_string(batch->first_seq)));
    const Instant sent_at = store.clock().now();
    int64_t body_sent = 0;
    auto attempt = send_signed(store, link, "POST", target, "application/x-motcua-batch", body, &body_sent);
    if (!attempt) {
      if (first_attempt && body_sent < static_cast<int64_t>(body.size())) {
        // Its only attempt never got the whole body out: the hub cannot hold it. Smaller batches
        // help a link that carried part of it; when nothing left (the hub unreachable, as for an
        // office offline for days) the size was not the trouble and the limit stays.
        MOTCUA_TRY(drop_unsent_batch(store, batch->first_seq, body_sent > 0));
      } else {
        // Sent whole (or tried before) and still failing: a link that breaks every transfer this
        // long would keep the office stuck on this batch, and a cut answer would have it sent again
        // in full. If the hub does not hold it, build smaller ones; if it does, its signed
        // acknowledgement comes in the small answer.
        MOTCUA_ASSIGN_OR_RETURN(auto held, ask_batch_state(store, link, *batch));
        if (held) {
          MOTCUA_TRY(record_ack(store, *batch, *held, sent_at, report));
          continue;
        }
      }
      return fail(attempt.error());
    }
    const SignedReply& sent = *attempt;
    const HttpReply& reply = sent.reply;
    report.bytes_sent += static_cast<int64_t>(body.size());
    report.wire_bytes_up += reply.bytes_sent;
    report.wire_bytes_down += reply.bytes_received;
    ++report.requests;
    MOTCUA_FAULT_POINT("agent.sync.after_response");  // the hub has answered; the office has not recorded it
    if (reply.status != 200) {
      json answer = json::parse(reply.body, nullptr, false);
      const bool has_error = answer.is_object() && answer.contains("error") && answer["error"].is_object();
      const json code = has_error ? answer["error"].value("code", json()) : json();
      // A gap names where the hub wants the agent to continue (a restored hub lacks later batches).
      if (code == "sequence_gap" && answer["error"].contains("expected_first_seq") &&
          answer["error"]["expected_first_seq"].is_number_unsigned()) {
        report.expected_first_seq = answer["error"]["expected_first_seq"].get<int64_t>();
      }
      // Each such answer removes one dictionary, so this repeats at most once per dictionary held.
      if (code == "unknown_dictionary" && batch->header.dictionary_id != 0) {
        std::fprintf(stderr, "motcua-agent: the hub does not hold dictionary %u; sending without it\n",
                     static_cast<unsigned>(batch->header.dictionary_id));
        MOTCUA_TRY(forget_dictionary(store, batch->first_seq, batch->header.dictionary_id));
        continue;
      }
      return fail(hub_error(reply));
    }
    const sync::ByteView ack_bytes(reply.body);
    // An answer cut in transit (a link that breaks after the status line): the hub has the batch
    // whole, so its signed acknowledgement is asked for in the small batch-state answer; only if
    // that fails too is it a transient failure (the same batch goes again, answered "duplicate").
    if (!sync::decode_ack(ack_bytes)) {
      auto held = ask_batch_state(store, link, *batch);
      if (held && *held) {
        MOTCUA_TRY(record_ack(store, *batch, **held, sent_at, report));
        continue;
      }
      return fail(Error::unavailable("the hub's acknowledgement arrived incomplete (" + std::to_string(reply.body.size()) +
                                         " bytes): the link cut it",
                                     "the batch is sent again; the hub never applies it twice"));
    }
    auto verified = sync::verify_ack(ack_bytes, link.hub_key);
    if (!verified) return fail(Error::unauthorized("the hub's acknowledgement is not signed by the enrolled hub: " +
                                                   verified.error().message, "check the hub address; nothing was marked sent"));
    auto ack = sync::decode_ack(ack_bytes);
    if (!ack) return fail(Error::corruption("the hub's acknowledgement is damaged: " + ack.error().message));
    auto matches = sync::check_ack_matches(*ack, batch->header, batch->hash);
    if (!matches) return fail(Error::corruption("the hub acknowledged another batch: " + matches.error().message));
    MOTCUA_TRY(record_ack(store, *batch, *ack, sent_at, report));
  }
  return ok();
}

bool transient(const Error& e) { return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kTimeout; }

}  // namespace

namespace {

// After a hub restore: the hub's history (its epoch) changed, proven by a hub-signed feed page, and
// the restored hub asks to continue at `expected_first_seq`, before what the office last had
// acknowledged. The acknowledged changes from there on are made pending again and their batches
// rebuilt, chained to the batch the restored hub holds last. kFailedPrecondition when the office
// no longer keeps them (older than its retention).
Status rewind_for_restored_hub(Store& store, int64_t expected_first_seq) {
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(auto oldest, sql::query_int64(db, "SELECT min(seq) FROM outbox"));
  MOTCUA_ASSIGN_OR_RETURN(auto chain_start, store.get_meta("chain_start_seq"));
  const int64_t first_kept = oldest.value_or(expected_first_seq);
  const bool chained = expected_first_seq == (chain_start ? std::stoll(*chain_start) : 1);
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt prev, db.prepare("SELECT 1 FROM outbox_batch WHERE last_seq = ?1"));
  prev.bind(1, expected_first_seq - 1);
  MOTCUA_ASSIGN_OR_RETURN(bool has_prev, prev.step());
  if (expected_first_seq < first_kept || (!chained && !has_prev)) {
    return fail(Error::failed_precondition(
        "the hub was restored from a backup older than the changes this office still keeps (it asks for change " +
            std::to_string(expected_first_seq) + ", the oldest kept is " + std::to_string(first_kept) + ")",
        "provincial IT must restore a newer backup of the hub"));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt again, db.prepare(
      "UPDATE outbox SET state = 'pending', acked_at = NULL WHERE seq >= ?1 AND state = 'acknowledged'"));
  again.bind(1, expected_first_seq);
  MOTCUA_TRY(again.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt drop, db.prepare("DELETE FROM outbox_batch WHERE first_seq >= ?1"));
  drop.bind(1, expected_first_seq);
  MOTCUA_TRY(drop.run());
  return tx.commit();
}

// The last batch the hub acknowledged goes out again, byte for byte: a hub that still holds it
// answers "duplicate"; a restored hub that lost it answers sequence_gap with where to continue.
Status reopen_last_acknowledged_batch(Store& store) {
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(auto chain_start, store.get_meta("chain_start_seq"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt last, db.prepare(
      "SELECT first_seq, last_seq FROM outbox_batch WHERE acked_at IS NOT NULL AND first_seq >= ?1 "
      "ORDER BY first_seq DESC LIMIT 1"));
  last.bind(1, static_cast<int64_t>(chain_start ? std::stoll(*chain_start) : 1));
  MOTCUA_ASSIGN_OR_RETURN(bool has_last, last.step());
  if (!has_last) return ok();  // nothing was ever acknowledged under this enrollment
  const int64_t first = last.int64(0), last_seq = last.int64(1);
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt batch, db.prepare(
      "UPDATE outbox_batch SET acked_at = NULL, ack_status = NULL, ack_reason = '' WHERE first_seq = ?1"));
  batch.bind(1, first);
  MOTCUA_TRY(batch.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt rows, db.prepare(
      "UPDATE outbox SET state = 'pending', acked_at = NULL WHERE seq BETWEEN ?1 AND ?2 AND state = 'acknowledged'"));
  rows.bind(1, first).bind(2, last_seq);
  MOTCUA_TRY(rows.run());
  return tx.commit();
}

Result<SyncReport> sync_once(Store& store) {
  SyncReport report;
  MOTCUA_ASSIGN_OR_RETURN(HubLink link, load_hub_link(store));
  MOTCUA_ASSIGN_OR_RETURN(FileLock lock, lock_hub_link(store.data_dir()));
  Status uploaded = upload_outbox(store, link, report);
  if (!uploaded && transient(uploaded.error())) return fail(uploaded.error());  // out of reach: the feed is too
  // Then what the hub has for the office, even when the hub refused an upload: a sequence problem
  // for IT must not also cut the office off the catalogue. This request also proves the hub
  // answered when there was nothing to send, so "synced" never means "never tried".
  MOTCUA_ASSIGN_OR_RETURN(auto acked_epoch, store.get_meta("hub_epoch"));
  auto feed = pull_feed(store, link);
  if (feed) {
    report.feed = std::move(*feed);
    report.requests += report.feed.requests;
    report.wire_bytes_up += report.feed.wire_bytes_up;
    report.wire_bytes_down += report.feed.wire_bytes_down;
    // A new epoch on a hub-signed page proves the hub was restored from a backup (the unsigned gap
    // answer alone never moves anything): it may lack batches it once acknowledged. Find out where
    // it stands and re-send from there; the office keeps acknowledged changes for its retention.
    MOTCUA_ASSIGN_OR_RETURN(auto feed_epoch, store.get_meta("feed_epoch"));
    if (feed_epoch && acked_epoch && *feed_epoch != *acked_epoch) {
      std::fprintf(stderr, "motcua-agent: the hub was restored from a backup (epoch %s, was %s); checking what it lacks\n",
                   feed_epoch->c_str(), acked_epoch->c_str());
      MOTCUA_TRY(reopen_last_acknowledged_batch(store));
      report.expected_first_seq.reset();
      uploaded = upload_outbox(store, link, report);
      if (!uploaded && report.expected_first_seq) {
        std::fprintf(stderr, "motcua-agent: re-sending to the restored hub from change %lld\n",
                     static_cast<long long>(*report.expected_first_seq));
        MOTCUA_TRY(rewind_for_restored_hub(store, *report.expected_first_seq));
        report.expected_first_seq.reset();
        uploaded = upload_outbox(store, link, report);
      }
      if (uploaded) MOTCUA_TRY(store.set_meta("hub_epoch", *feed_epoch));
    }
  }
  // Each direction's last success, for the office's status and its report to the hub.
  const std::string done_at = std::to_string(store.clock().now().ms);
  if (uploaded) MOTCUA_TRY(store.set_meta("last_upload_ok_at", done_at));
  if (feed) MOTCUA_TRY(store.set_meta("last_feed_ok_at", done_at));
  if (!uploaded) return fail(uploaded.error());
  if (!feed) return fail(feed.error());
  // Only a whole sync (upload and feed) counts as a successful one.
  MOTCUA_TRY(store.set_meta("last_sync_at", std::to_string(store.clock().now().ms)));
  MOTCUA_ASSIGN_OR_RETURN(int64_t retention, retention_days(store));
  MOTCUA_ASSIGN_OR_RETURN(report.pruned, prune_sent_changes(store, retention));
  MOTCUA_ASSIGN_OR_RETURN(auto pending, sql::query_int64(store.db(), "SELECT count(*) FROM outbox WHERE state = 'pending'"));
  report.pending_left = pending.value_or(0);
  return report;
}

}  // namespace

Result<int64_t> prune_sent_changes(Store& store, int64_t retention_days) {
  sql::Db& db = store.db();
  const int64_t cutoff = store.clock().now().ms - retention_days * 24 * 3600 * kMsPerSecond;
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  // The first row that stays: one not yet answered or answered within the retention, or the first
  // row of the last answered batch. Everything before it goes.
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt keep, db.prepare(
      "SELECT min(s) FROM ("
      "  SELECT min(seq) AS s FROM outbox WHERE state = 'pending' OR acked_at IS NULL OR acked_at >= ?1"
      "  UNION ALL SELECT max(first_seq) FROM outbox_batch WHERE acked_at IS NOT NULL"
      "  UNION ALL SELECT min(first_seq) FROM outbox_batch WHERE acked_at IS NULL)"));
  keep.bind(1, cutoff);
  MOTCUA_ASSIGN_OR_RETURN(bool row, keep.step());
  if (!row || keep.is_null(0)) return int64_t{0};  // nothing answered yet: nothing to forget
  const int64_t first_kept = keep.int64(0);
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt rows, db.prepare("DELETE FROM outbox WHERE seq < ?1"));
  rows.bind(1, first_kept);
  MOTCUA_TRY(rows.run());
  const int64_t deleted = db.changes();
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt batches, db.prepare(
      "DELETE FROM outbox_batch WHERE last_seq < ?1 AND acked_at IS NOT NULL"));
  batches.bind(1, first_kept);
  MOTCUA_TRY(batches.run());
  MOTCUA_TRY(tx.commit());
  return deleted;
}

Result<int64_t> acknowledged_through(Store& store) {
  MOTCUA_ASSIGN_OR_RETURN(auto last, sql::query_int64(store.db(),
      "SELECT max(last_seq) FROM outbox_batch WHERE acked_at IS NOT NULL"));
  return last.value_or(0);
}

Result<SyncReport> sync_outbox(Store& store) {
  // Every attempt and its outcome are recorded, so a sync never stops silently.
  MOTCUA_TRY(store.set_meta("last_attempt_at", std::to_string(store.clock().now().ms)));
  auto report = sync_once(store);
  if (!report) {
    // Best effort: the error itself is what the caller reports.
    (void)store.set_meta("last_error_at", std::to_string(store.clock().now().ms));
    (void)store.set_meta("last_error_code", error_code_name(report.error().code));
    (void)store.set_meta("last_error", report.error().message);
    // Provincial IT revoked this agent: the office must see it plainly (status), not as one more error.
    if (report.error().message.rfind("hub refused (revoked_agent)", 0) == 0) {
      if (auto id = store.get_meta("agent_id"); id && *id) (void)store.set_meta("revoked_agent_id", **id);
    }
  }
  // Then the hub hears how this sync went (PROTOCOL.md 7.5), unless it is out of reach or refuses
  // this agent: the report would fail too. A failed report is only a warning; the sync's result,
  // and what was recorded about it, stand.
  if (report || (!transient(report.error()) && report.error().code != ErrorCode::kUnauthorized)) {
    auto sent = send_hub_report(store, kAgentVersion);
    if (!sent) {
      std::fprintf(stderr, "motcua-agent: warning: the hub did not receive this office's status report: %s\n",
                   sent.error().message.c_str());
    } else if (report && sent->sent) {
      ++report->requests;
      report->wire_bytes_up += sent->wire_bytes_up;
      report->wire_bytes_down += sent->wire_bytes_down;
    }
  }
  return report;
}

}  // namespace motcua::agent
