#include "hub/intake.hpp"

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/fault.hpp"
#include "common/sqlite.hpp"
#include "common/text.hpp"
#include "hub/agent_report.hpp"
#include "hub/audit.hpp"
#include "hub/authorize.hpp"
#include "hub/enrollment.hpp"
#include "hub/feed.hpp"
#include "hub/hub_keys.hpp"
#include "hub/hub_store.hpp"
#include "hub/publish.hpp"
#include "hub/relay.hpp"
#include "schema/migrate.hpp"
#include "schema/tables.hpp"
#include "sync-protocol/ack.hpp"
#include "sync-protocol/base64.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/keys.hpp"
#include "sync-protocol/protocol_error.hpp"
#include "sync-protocol/request_signature.hpp"
#include "sync-protocol/version.hpp"

namespace motcua::hub {

using nlohmann::json;
using sync::ProtocolCode;

namespace {

HttpResponse error_response(ProtocolCode code, const Error& e) {
  HttpResponse r;
  r.status = sync::http_status(code);
  json body = {{"error",
                {{"code", sync::protocol_code_name(code)},
                 {"message", e.message},
                 {"hint", e.hint},
                 {"transient", sync::is_transient(code)}}}};
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  if (code == ProtocolCode::kUnavailable || code == ProtocolCode::kRateLimited) r.headers.push_back({"Retry-After", "5"});
  return r;
}

HttpResponse error_response(const sync::ProtocolError& e) { return error_response(e.protocol, e); }

// Maps a storage failure on the hub to the protocol: transient unless the request itself was wrong.
HttpResponse storage_error(const Error& e) {
  return error_response(e.code == ErrorCode::kUnavailable ? ProtocolCode::kUnavailable : ProtocolCode::kInternal, e);
}

HttpResponse json_response(const json& body) {
  HttpResponse r;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

struct AgentRow {
  Id128 id;
  std::string unit;
  sync::PublicKey key;
  std::string status;
  uint64_t high_water = 0;
  sync::Hash256 last_hash{};
  uint64_t last_counter = 0;
  std::string revoked_reason;
};

int conflict_abort(void*, int, sqlite3_changeset_iter*) { return SQLITE_CHANGESET_ABORT; }

constexpr size_t kMaxJsonBodyBytes = 64 * 1024;  // PROTOCOL.md 9: JSON request bodies

// At most `max` bytes of `text`, cut before a UTF-8 continuation byte, never inside a character.
std::string utf8_prefix(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

}  // namespace

struct Intake::Impl {
  std::string data_dir;
  const Clock& clock;
  std::unique_ptr<HubStore> store;  // used only on the writer thread
  sync::KeyPair hub_key;
  std::string hub_public_key;
  std::string epoch;
  std::string province;
  FactColumns columns;
  uint32_t accepted_schema = 0;
  // Compression dictionaries by id, read from the database on first use (writer thread only). One
  // published by `dictionary publish` while the hub serves is found by the first batch that names it.
  std::map<uint32_t, sync::Dictionary> dictionaries;

  Result<const sync::Dictionary*> dictionary(sql::Db& db, uint32_t id) {
    auto it = dictionaries.find(id);
    if (it != dictionaries.end()) return &it->second;
    MOTCUA_ASSIGN_OR_RETURN(auto found, find_dictionary(db, id));
    if (!found) return static_cast<const sync::Dictionary*>(nullptr);
    return &dictionaries.emplace(id, std::move(*found)).first->second;
  }

  // Failed enrollment attempts in the last kEnrollWindow, hub-wide, against guessing codes
  // (PROTOCOL.md 7.1). Elapsed time, not the hub's wall clock: a rate is about real seconds.
  std::mutex enroll_mutex;
  std::deque<std::chrono::steady_clock::time_point> enroll_failures;
  static constexpr size_t kMaxEnrollFailures = 10;
  static constexpr std::chrono::seconds kEnrollWindow{60};

  // Seconds until another enrollment attempt is accepted; 0 when one is now.
  int64_t enroll_wait_seconds() {
    std::lock_guard<std::mutex> lock(enroll_mutex);
    const auto now = std::chrono::steady_clock::now();
    while (!enroll_failures.empty() && now - enroll_failures.front() >= kEnrollWindow) enroll_failures.pop_front();
    if (enroll_failures.size() < kMaxEnrollFailures) return 0;
    auto left = std::chrono::duration_cast<std::chrono::seconds>(enroll_failures.front() + kEnrollWindow - now).count();
    return std::max<int64_t>(1, left + 1);
  }
  void note_enroll_failure() {
    std::lock_guard<std::mutex> lock(enroll_mutex);
    enroll_failures.push_back(std::chrono::steady_clock::now());
    while (enroll_failures.size() > kMaxEnrollFailures) enroll_failures.pop_front();
  }
  // Records a refused enrollment in the audit log (its own transaction: the refusal changed nothing else).
  void audit_enroll_refused(const std::string& detail) {
    auto tx = sql::Transaction::begin_immediate(store->db());
    if (!tx) return;
    if (!append_audit(store->db(), AuditEntry{"enrollment_refused", std::nullopt, "", "", detail}, clock.now())) return;
    (void)tx->commit();
  }

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::packaged_task<HttpResponse()>> queue;
  bool stopping = false;
  std::thread writer;

  Impl(std::string dir, const Clock& c, sync::KeyPair key) : data_dir(std::move(dir)), clock(c), hub_key(std::move(key)) {}

  void writer_loop() {
    while (true) {
      std::packaged_task<HttpResponse()> task;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        task = std::move(queue.front());
        queue.pop_front();
      }
      task();
    }
  }

  // Runs `fn` on the writer thread and waits for its answer.
  HttpResponse on_writer(std::function<HttpResponse()> fn) {
    std::packaged_task<HttpResponse()> task([fn = std::move(fn)] {
      try {
        return fn();
      } catch (const std::exception& e) {
        return error_response(ProtocolCode::kInternal, Error::internal(std::string("hub failure: ") + e.what()));
      }
    });
    auto answer = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (stopping) return error_response(ProtocolCode::kUnavailable, Error::unavailable("the hub is stopping"));
      queue.push_back(std::move(task));
    }
    wake.notify_one();
    return answer.get();
  }

  HttpResponse health() {
    return json_response({{"status", "ok"}, {"protocol", sync::kProtocolVersion}, {"epoch", epoch}, {"province", province}});
  }

  HttpResponse enroll(const HttpRequest& req);
  HttpResponse enroll_on_writer(const std::string& code, const sync::PublicKey& key, const std::string& agent_version,
                                int64_t schema_version, const std::string& expected_unit, int64_t next_seq);
  HttpResponse batch(const HttpRequest& req);
  HttpResponse batch_on_writer(const HttpRequest& req, const sync::RequestCredentials& cred);
  HttpResponse feed(const HttpRequest& req);
  HttpResponse batch_state(const HttpRequest& req);
  HttpResponse report(const HttpRequest& req);
  HttpResponse feed_on_writer(const HttpRequest& req, const sync::RequestCredentials& cred, uint64_t after,
                              const Id128& epoch, std::optional<int64_t> agent_time_ms);
  // PROTOCOL.md 7.2 steps 2-3, for every signed request: the agent is enrolled and active, the
  // request signature verifies and its counter is new. The error answer, or nullopt when it passes.
  std::optional<HttpResponse> authenticate(const HttpRequest& req, const sync::RequestCredentials& cred,
                                           AgentRow& agent);
  Result<AgentRow> load_agent(const Id128& id);
};

Result<std::unique_ptr<Intake>> Intake::create(const std::string& data_dir, const Clock& clock) {
  MOTCUA_ASSIGN_OR_RETURN(HubStore store, HubStore::open(data_dir, clock));
  MOTCUA_ASSIGN_OR_RETURN(sync::KeyPair key, load_hub_key(data_dir));
  auto impl = std::make_unique<Impl>(data_dir, clock, std::move(key));
  impl->hub_public_key = impl->hub_key.public_key().base64();
  MOTCUA_ASSIGN_OR_RETURN(impl->epoch, store.get_meta("epoch"));
  MOTCUA_ASSIGN_OR_RETURN(impl->province, store.get_meta("province"));
  MOTCUA_ASSIGN_OR_RETURN(impl->columns, read_fact_columns(store.db()));
  impl->accepted_schema = static_cast<uint32_t>(schema::kReplicatedSchemaVersion);
  impl->store = std::make_unique<HubStore>(std::move(store));
  Impl* raw = impl.get();
  impl->writer = std::thread([raw] { raw->writer_loop(); });
  return std::unique_ptr<Intake>(new Intake(std::move(impl)));
}

Intake::Intake(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Intake::~Intake() {
  {
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    m_impl->stopping = true;
  }
  m_impl->wake.notify_all();
  if (m_impl->writer.joinable()) m_impl->writer.join();
}

HttpResponse Intake::handle(const HttpRequest& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  if (path == "/v1/health" && req.method == "GET") return m_impl->health();
  if (path == "/v1/enroll" && req.method == "POST") return m_impl->enroll(req);
  if (path == "/v1/batches" && req.method == "POST") return m_impl->batch(req);
  if (path == "/v1/feed" && req.method == "GET") return m_impl->feed(req);
  if (path == "/v1/batches/state" && req.method == "GET") return m_impl->batch_state(req);
  if (path == "/v1/report" && req.method == "POST") return m_impl->report(req);
  if (path == "/v1/health" || path == "/v1/enroll" || path == "/v1/batches" || path == "/v1/feed" ||
      path == "/v1/batches/state" || path == "/v1/report") {
    HttpResponse r = error_response(ProtocolCode::kBadRequest,
                                    Error::invalid_input("method " + req.method + " not allowed on " + path));
    r.status = 405;
    return r;
  }
  HttpResponse r = error_response(ProtocolCode::kBadRequest, Error::not_found("no endpoint " + path));
  r.status = 404;
  return r;
}

HttpResponse Intake::Impl::enroll(const HttpRequest& req) {
  if (const int64_t wait = enroll_wait_seconds(); wait > 0) {
    HttpResponse r = error_response(
        ProtocolCode::kRateLimited,
        Error::unavailable("too many failed enrollment attempts at this hub in the last minute",
                           "check the code with provincial IT and try again in " + std::to_string(wait) + " seconds"));
    for (auto& [name, value] : r.headers) {
      if (name == "Retry-After") value = std::to_string(wait);
    }
    return r;
  }
  if (req.body.size() > kMaxJsonBodyBytes) {
    return error_response(ProtocolCode::kPayloadTooLarge,
                          Error::invalid_input("an enrollment request is " + std::to_string(req.body.size()) +
                                                   " bytes, over the " + std::to_string(kMaxJsonBodyBytes) + "-byte limit",
                                               "send only the members PROTOCOL.md 7.1 lists"));
  }
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("code") || !body["code"].is_string() || !body.contains("public_key") ||
      !body["public_key"].is_string()) {
    return error_response(ProtocolCode::kBadRequest,
                          Error::invalid_input("enrollment needs a JSON object with string fields code and public_key"));
  }
  auto key = sync::PublicKey::from_base64(body["public_key"].get<std::string>());
  if (!key) return error_response(ProtocolCode::kBadRequest, key.error());
  std::string code = body["code"].get<std::string>();
  std::string version = body.value("agent_version", "");
  int64_t schema_version = body.value("schema_version", int64_t{0});
  if (schema_version != static_cast<int64_t>(accepted_schema)) {
    return error_response(ProtocolCode::kSchemaMismatch,
                          Error::invalid_input("agent schema version " + std::to_string(schema_version) +
                                                   " is not the hub's " + std::to_string(accepted_schema),
                                               "install the motcua agent version that matches the province's hub"));
  }
  std::string unit = body.contains("unit") && body["unit"].is_string() ? body["unit"].get<std::string>() : "";
  int64_t next_seq = 1;
  if (body.contains("next_seq")) {
    if (!body["next_seq"].is_number_integer() || body["next_seq"].get<int64_t>() < 1) {
      return error_response(ProtocolCode::kBadRequest, Error::invalid_input("next_seq must be an integer >= 1"));
    }
    next_seq = body["next_seq"].get<int64_t>();
  }
  return on_writer([this, code, k = *key, version, schema_version, unit, next_seq] {
    return enroll_on_writer(code, k, version, schema_version, unit, next_seq);
  });
}

HttpResponse Intake::Impl::enroll_on_writer(const std::string& code, const sync::PublicKey& key,
                                            const std::string& agent_version, int64_t schema_version,
                                            const std::string& expected_unit, int64_t next_seq) {
  sql::Db& db = store->db();
  const Instant now = clock.now();
  const Id128 agent_id = Id128::random();
  auto tx = sql::Transaction::begin_immediate(db);
  if (!tx) return storage_error(tx.error());
  auto unit = consume_enrollment_code(db, code, agent_id, now);
  if (!unit) {
    const std::string& m = unit.error().message;
    ProtocolCode pc = m.rfind("enrollment_code_used", 0) == 0      ? ProtocolCode::kEnrollmentCodeUsed
                      : m.rfind("enrollment_code_expired", 0) == 0 ? ProtocolCode::kEnrollmentCodeExpired
                                                                   : ProtocolCode::kEnrollmentCodeInvalid;
    Error e = unit.error();
    if (auto colon = e.message.find(": "); colon != std::string::npos && e.message.rfind("enrollment_code_", 0) == 0) {
      e.message = e.message.substr(colon + 2);  // the protocol code travels in its own field
    }
    tx->rollback();  // nothing of the attempt stays but its audit record
    note_enroll_failure();
    audit_enroll_refused(std::string(sync::protocol_code_name(pc)) + ": " + e.message);
    return error_response(pc, e);
  }
  if (!expected_unit.empty() && *unit != expected_unit) {
    // Nothing is committed: the code stays usable for the office it was issued to.
    tx->rollback();
    note_enroll_failure();
    audit_enroll_refused("enrollment_code_invalid: a code of unit " + *unit + " presented by an office of unit " +
                         expected_unit);
    return error_response(ProtocolCode::kEnrollmentCodeInvalid,
                          Error::unauthorized("this code was issued for unit " + *unit + " but the office is unit " +
                                                  expected_unit,
                                              "ask provincial IT for a code for unit " + expected_unit));
  }
  auto run = [&]() -> Result<json> {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt active, db.prepare("SELECT id FROM agent WHERE unit = ?1 AND status = 'active'"));
    active.bind(1, *unit);
    MOTCUA_ASSIGN_OR_RETURN(bool had_active, active.step());
    if (had_active) {
      MOTCUA_ASSIGN_OR_RETURN(Id128 old_id, Id128::from_blob(active.blob(0)));
      MOTCUA_TRY(active.reset());
      MOTCUA_ASSIGN_OR_RETURN(sql::Stmt retire, db.prepare(
          "UPDATE agent SET status = 'retired', retired_at = ?2 WHERE unit = ?1 AND status = 'active'"));
      retire.bind(1, *unit).bind(2, now.ms);
      MOTCUA_TRY(retire.run());
      MOTCUA_TRY(append_audit(db, AuditEntry{"agent_retired", old_id, *unit, "", "retired by the enrollment of agent " + agent_id.hex()}, now));
    }
    MOTCUA_TRY(append_audit(db, AuditEntry{"agent_enrolled", agent_id, *unit, "", "agent version " + agent_version}, now));
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
        "INSERT INTO agent(id, unit, public_key, status, enrolled_at, agent_version, schema_version, high_water_seq) "
        "VALUES (?1, ?2, ?3, 'active', ?4, ?5, ?6, ?7)"));
    ins.bind(1, agent_id.blob()).bind(2, *unit).bind(3, sql::Blob(key.bytes.begin(), key.bytes.end())).bind(4, now.ms)
        .bind(5, agent_version).bind(6, schema_version).bind(7, next_seq - 1);
    MOTCUA_TRY(ins.run());
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt u, db.prepare("SELECT name, agency_id, kind, province_code FROM unit WHERE code = ?1"));
    u.bind(1, *unit);
    MOTCUA_ASSIGN_OR_RETURN(bool found, u.step());
    if (!found) return fail(Error::internal("enrollment code for unknown unit " + *unit));
    const std::string agency = u.text(1);
    // Today's last dossier number the hub knows for the unit, so a replacement agent continues it.
    const Date today = vn_date(now);
    char day[8];
    std::snprintf(day, sizeof day, "%02d%02d%02d", today.year % 100, today.month, today.day);
    const std::string prefix = agency + "-" + day + "-";
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt last, db.prepare(
        "SELECT coalesce(max(CAST(substr(code, ?2) AS INTEGER)), 0) FROM dossier "
        "WHERE receiving_unit = ?1 AND substr(code, 1, ?3) = ?4"));
    last.bind(1, *unit).bind(2, static_cast<int64_t>(prefix.size() + 1)).bind(3, static_cast<int64_t>(prefix.size()))
        .bind(4, prefix);
    MOTCUA_ASSIGN_OR_RETURN(bool has_last, last.step());
    const int64_t counter = has_last ? last.int64(0) : 0;
    json unit_json = {{"code", *unit}, {"name", u.text(0)}, {"agency_id", agency}, {"kind", u.text(2)},
                      {"province_code", u.text(3)}};
    return json{{"agent_id", agent_id.hex()},
                {"unit", *unit},
                {"unit_name", u.text(0)},
                {"agency_id", agency},
                {"units", json::array({unit_json})},
                {"hub_public_key", hub_public_key},
                {"epoch", epoch},
                {"hub_time", format_rfc3339_vn(now)},
                {"counter", {{"day", day}, {"last", counter}}}};
  };
  auto answer = run();
  if (!answer) return storage_error(answer.error());
  auto committed = tx->commit();
  if (!committed) return storage_error(committed.error());
  return json_response(*answer);
}

Result<AgentRow> Intake::Impl::load_agent(const Id128& id) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, store->db().prepare(
      "SELECT unit, public_key, status, high_water_seq, last_batch_hash, last_request_counter, revoked_reason "
      "FROM agent WHERE id = ?1"));
  st.bind(1, id.blob());
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return fail(Error::not_found("agent " + id.hex() + " is not enrolled at this hub"));
  AgentRow a;
  a.id = id;
  a.unit = st.text(0);
  MOTCUA_ASSIGN_OR_RETURN(a.key, sync::PublicKey::from_bytes(st.blob(1)));
  a.status = st.text(2);
  a.high_water = static_cast<uint64_t>(st.int64(3));
  sql::Blob h = st.blob(4);
  if (h.size() == a.last_hash.size()) std::copy(h.begin(), h.end(), a.last_hash.begin());
  a.last_counter = static_cast<uint64_t>(st.int64(5));
  a.revoked_reason = st.text(6);
  return a;
}

HttpResponse Intake::Impl::batch(const HttpRequest& req) {
  if (req.header("content-type") != "application/x-motcua-batch") {
    HttpResponse r = error_response(ProtocolCode::kBadRequest,
                                    Error::invalid_input("a batch must be sent as Content-Type application/x-motcua-batch"));
    r.status = 415;
    return r;
  }
  auto cred = sync::parse_request_headers(req.header("x-motcua-agent"), req.header("x-motcua-counter"),
                                          req.header("x-motcua-signature"));
  if (!cred) return error_response(cred.error());
  return on_writer([this, &req, c = *cred] { return batch_on_writer(req, c); });
}

std::optional<HttpResponse> Intake::Impl::authenticate(const HttpRequest& req, const sync::RequestCredentials& cred,
                                                       AgentRow& out) {
  auto agent = load_agent(cred.agent_id);
  if (!agent) return error_response(ProtocolCode::kUnknownAgent, agent.error());
  if (agent->status == "revoked") {
    return error_response(ProtocolCode::kRevokedAgent,
                          Error::unauthorized("agent " + cred.agent_id.hex() + " was revoked by provincial IT" +
                                                  (agent->revoked_reason.empty() ? "" : ": " + agent->revoked_reason),
                                              "contact provincial IT; this office needs a new enrollment code"));
  }
  if (agent->status != "active") {
    return error_response(ProtocolCode::kRevokedAgent,
                          Error::unauthorized("agent " + cred.agent_id.hex() + " is " + agent->status +
                                                  (agent->status == "retired" ? " (a newer agent enrolled for its unit)" : ""),
                                              "enroll this office again with a new code from provincial IT"));
  }
  auto signed_ok = sync::verify_request(cred, agent->key, req.method, req.target, sync::ByteView(req.body));
  if (!signed_ok) return error_response(signed_ok.error());
  if (cred.counter <= agent->last_counter) {
    return error_response(ProtocolCode::kBadSignature,
                          Error::unauthorized("request counter " + std::to_string(cred.counter) +
                                                  " was already used (last " + std::to_string(agent->last_counter) + "): a replay",
                                              "the agent signs every request with a new counter"));
  }
  out = std::move(*agent);
  return std::nullopt;
}

HttpResponse Intake::Impl::batch_on_writer(const HttpRequest& req, const sync::RequestCredentials& cred) {
  sql::Db& db = store->db();
  AgentRow agent_row;
  if (auto refused = authenticate(req, cred, agent_row)) return *refused;
  const AgentRow* agent = &agent_row;
  const sync::ByteView body(req.body);
  // Framing and the batch signature before any decompression (PROTOCOL.md 7.2 step 4).
  auto peeked = sync::peek_batch_header(body);
  if (!peeked) return error_response(peeked.error());
  const sync::BatchHeader h = *peeked;
  if (h.agent_id != cred.agent_id) {
    return error_response(ProtocolCode::kBadRequest, Error::invalid_input("the batch names another agent than the request"));
  }
  auto batch_signed = sync::verify_batch(body, agent->key);
  if (!batch_signed) return error_response(batch_signed.error());
  auto schema_ok = sync::check_schema(h, accepted_schema);
  if (!schema_ok) return error_response(schema_ok.error());
  auto hashed = sync::batch_hash(body);
  if (!hashed) return error_response(hashed.error());
  const sync::Hash256 batch_hash = *hashed;

  const Instant now = clock.now();
  auto tx = sql::Transaction::begin_immediate(db);
  if (!tx) return storage_error(tx.error());
  auto bump_counter = [&]() -> Status {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
        "UPDATE agent SET last_request_counter = ?2, last_seen_at = ?3 WHERE id = ?1"));
    st.bind(1, cred.agent_id.blob()).bind(2, static_cast<int64_t>(cred.counter)).bind(3, now.ms);
    return st.run();
  };
  auto sign_ack = [&](sync::AckStatus status, const std::string& reason) -> HttpResponse {
    sync::Ack ack;
    ack.agent_id = h.agent_id;
    ack.first_seq = h.first_seq;
    ack.last_seq = h.last_seq;
    ack.batch_hash = batch_hash;
    ack.status = status;
    ack.hub_time_ms = now.ms;
    ack.reason = utf8_prefix(reason, sync::kMaxAckReason);
    auto bytes = sync::encode_ack(ack, hub_key);
    if (!bytes) return storage_error(bytes.error());
    HttpResponse r;
    r.content_type = "application/x-motcua-ack";
    r.body.assign(bytes->begin(), bytes->end());
    return r;
  };

  if (h.last_seq <= agent->high_water) {
    // Already answered: the same bytes are a duplicate, anything else conflicts.
    auto st = db.prepare("SELECT hash FROM batch WHERE agent_id = ?1 AND first_seq = ?2 AND last_seq = ?3");
    if (!st) return storage_error(st.error());
    st->bind(1, h.agent_id.blob()).bind(2, static_cast<int64_t>(h.first_seq)).bind(3, static_cast<int64_t>(h.last_seq));
    auto row = st->step();
    if (!row) return storage_error(row.error());
    const sql::Blob known = *row ? st->blob(0) : sql::Blob();
    const sql::Blob hash(batch_hash.begin(), batch_hash.end());
    if (known != hash) {
      return error_response(ProtocolCode::kSequenceConflict,
                            Error::conflict("sequence " + std::to_string(h.first_seq) + "-" + std::to_string(h.last_seq) +
                                                " was already received with other content",
                                            "the office's outbox and the hub disagree: provincial IT must look at this agent"));
    }
    auto bumped = bump_counter();
    if (!bumped) return storage_error(bumped.error());
    auto committed = tx->commit();
    if (!committed) return storage_error(committed.error());
    return sign_ack(sync::AckStatus::kDuplicate, "");
  }
  if (h.first_seq != agent->high_water + 1) {
    HttpResponse gap = error_response(
        ProtocolCode::kSequenceGap,
        Error::conflict("batch starts at " + std::to_string(h.first_seq) + " but the hub holds up to " +
                            std::to_string(agent->high_water),
                        "the agent re-sends from sequence " + std::to_string(agent->high_water + 1)));
    json with_expected = json::parse(gap.body);
    with_expected["error"]["expected_first_seq"] = agent->high_water + 1;
    gap.body = with_expected.dump();
    return gap;
  }
  if (h.prev_batch_hash != agent->last_hash) {
    return error_response(ProtocolCode::kSequenceConflict,
                          Error::conflict("the batch does not follow the last batch the hub received from this agent"));
  }

  // A dictionary this hub does not hold (published by a hub since restored from an older backup)
  // is not the agent's defect: nothing is recorded, and the agent sends the changes again without.
  const sync::Dictionary* dictionary = nullptr;
  if (h.dictionary_id != 0) {
    auto known = this->dictionary(db, h.dictionary_id);
    if (!known) return storage_error(known.error());
    dictionary = *known;
    if (!dictionary) {
      return error_response(ProtocolCode::kUnknownDictionary,
                            Error::failed_precondition("batch " + std::to_string(h.first_seq) + ".." +
                                                           std::to_string(h.last_seq) + " is compressed with dictionary " +
                                                           std::to_string(h.dictionary_id) + ", which this hub does not hold",
                                                       "the agent sends the same changes again without that dictionary"));
    }
  }
  MOTCUA_FAULT_POINT("hub.writer.before_apply");
  sync::AckStatus status = sync::AckStatus::kApplied;
  std::string reason;
  // The signature proved the agent sent these bytes: a payload that does not decode is the agent's
  // defect, refused in sequence so it cannot block the office's queue (PROTOCOL.md 7.2 step 6).
  auto decoded = sync::decode_batch(body, {}, [dictionary](uint32_t) { return dictionary; });
  std::optional<std::string> refusal_reason;
  if (!decoded) {
    refusal_reason = "the batch payload cannot be decoded: " + decoded.error().message;
  } else {
    auto refusal = authorize_changeset(db, columns, decoded->changeset, agent->unit);
    if (!refusal) return storage_error(refusal.error());
    refusal_reason = *refusal;
  }
  if (refusal_reason) {
    status = sync::AckStatus::kRefused;
    reason = *refusal_reason;
  } else {
    int rc = sqlite3changeset_apply_v2(db.get(), static_cast<int>(decoded->changeset.size()),
                                       decoded->changeset.data(), nullptr, conflict_abort, nullptr, nullptr, nullptr, 0);
    if (rc == SQLITE_ABORT || rc == SQLITE_CONSTRAINT) {
      status = sync::AckStatus::kQuarantined;
      reason = "a row conflicts with what the hub holds (same id, other content)";
    } else if (rc != SQLITE_OK) {
      return storage_error(sql::error_from_sqlite(rc, db.get(), "applying batch"));
    } else {
      auto relayed = after_office_facts(db, decoded->changeset, agent->id, agent->unit, now);
      if (!relayed) return storage_error(relayed.error());
    }
  }
  auto record = [&]() -> Status {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare(
        "UPDATE agent SET high_water_seq = ?2, last_batch_hash = ?3, last_request_counter = ?4, last_seen_at = ?5 "
        "WHERE id = ?1"));
    up.bind(1, h.agent_id.blob()).bind(2, static_cast<int64_t>(h.last_seq))
        .bind(3, sql::Blob(batch_hash.begin(), batch_hash.end()))
        .bind(4, static_cast<int64_t>(cred.counter)).bind(5, now.ms);
    MOTCUA_TRY(up.run());
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
        "INSERT INTO batch(agent_id, first_seq, last_seq, hash, received_at, status, reason, size, envelope, prev_hash) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    // Every envelope is kept, whatever its outcome: with prev_hash it makes the agent's signed hash
    // chain (hub/audit.hpp), and a quarantined one can be retried from it.
    ins.bind(1, h.agent_id.blob()).bind(2, static_cast<int64_t>(h.first_seq)).bind(3, static_cast<int64_t>(h.last_seq))
        .bind(4, sql::Blob(batch_hash.begin(), batch_hash.end())).bind(5, now.ms)
        .bind(6, sync::ack_status_name(status)).bind(7, reason).bind(8, static_cast<int64_t>(req.body.size()))
        .bind(9, sql::Blob(req.body.begin(), req.body.end()))
        .bind(10, sql::Blob(h.prev_batch_hash.begin(), h.prev_batch_hash.end()));
    MOTCUA_TRY(ins.run());
    if (status == sync::AckStatus::kRefused) {
      MOTCUA_TRY(append_audit(db,
                              AuditEntry{"batch_refused", h.agent_id, agent->unit, "agent",
                                         "batch " + std::to_string(h.first_seq) + "-" + std::to_string(h.last_seq) +
                                             " refused: " + reason},
                              now));
    }
    return ok();
  };
  auto recorded = record();
  if (!recorded) return storage_error(recorded.error());
  auto committed = tx->commit();
  if (!committed) return storage_error(committed.error());
  MOTCUA_FAULT_POINT("hub.writer.after_commit");  // applied and durable; the agent has no answer yet
  return sign_ack(status, reason);
}

HttpResponse Intake::Impl::feed(const HttpRequest& req) {
  auto cred = sync::parse_request_headers(req.header("x-motcua-agent"), req.header("x-motcua-counter"),
                                          req.header("x-motcua-signature"));
  if (!cred) return error_response(cred.error());
  if (!req.body.empty()) {
    return error_response(ProtocolCode::kBadRequest, Error::invalid_input("a feed request has no body"));
  }
  auto query = parse_feed_query(req.target);
  if (!query) return error_response(ProtocolCode::kBadRequest, query.error());
  return on_writer([this, &req, c = *cred, q = *query] { return feed_on_writer(req, c, q.after, q.epoch, q.agent_time_ms); });
}

HttpResponse Intake::Impl::feed_on_writer(const HttpRequest& req, const sync::RequestCredentials& cred, uint64_t after,
                                          const Id128& asked_epoch, std::optional<int64_t> agent_time_ms) {
  sql::Db& db = store->db();
  AgentRow agent;
  if (auto refused = authenticate(req, cred, agent)) return *refused;
  auto hub_epoch = Id128::from_hex(epoch);
  if (!hub_epoch) return storage_error(hub_epoch.error());
  // Under another epoch the agent's cursor means nothing here: its feed starts again.
  const bool same_epoch = asked_epoch == *hub_epoch;
  const uint64_t from = same_epoch ? after : 0;
  const Instant now = clock.now();

  auto build = [&]() -> Result<sql::Blob> {
    MOTCUA_ASSIGN_OR_RETURN(sql::Blob bytes, feed_page(db, hub_key, *hub_epoch,
                                                       FeedPageRequest{agent.id, cred.counter, agent.unit, from}, now));
    // The agent asking after `from` under this epoch has applied everything up to it.
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare(
        "UPDATE agent SET last_request_counter = ?2, last_seen_at = ?3, feed_pulled_at = ?3, "
        "feed_position = CASE WHEN ?4 THEN ?5 ELSE feed_position END, "
        "clock_offset_ms = coalesce(?6, clock_offset_ms), "
        "clock_measured_at = CASE WHEN ?6 IS NULL THEN clock_measured_at ELSE ?3 END WHERE id = ?1"));
    // The request was signed just before it left: hub − office, give or take the transit time.
    std::optional<int64_t> offset;
    if (agent_time_ms) offset = now.ms - *agent_time_ms;
    up.bind(1, agent.id.blob()).bind(2, static_cast<int64_t>(cred.counter)).bind(3, now.ms)
        .bind(4, static_cast<int64_t>(same_epoch ? 1 : 0)).bind(5, static_cast<int64_t>(from)).bind(6, offset);
    MOTCUA_TRY(up.run());
    return bytes;
  };
  auto tx = sql::Transaction::begin_immediate(db);
  if (!tx) return storage_error(tx.error());
  auto bytes = build();
  if (!bytes) {
    // Only the agent's cursor can be wrong here; anything else (even a page the codec refuses) is the hub's.
    if (bytes.error().code == ErrorCode::kConflict) return error_response(ProtocolCode::kSequenceConflict, bytes.error());
    return error_response(ProtocolCode::kInternal, bytes.error());
  }
  auto committed = tx->commit();
  if (!committed) return storage_error(committed.error());
  HttpResponse r;
  r.content_type = "application/x-motcua-feed";
  r.body.assign(bytes->begin(), bytes->end());
  return r;
}

HttpResponse Intake::Impl::batch_state(const HttpRequest& req) {
  auto cred = sync::parse_request_headers(req.header("x-motcua-agent"), req.header("x-motcua-counter"),
                                          req.header("x-motcua-signature"));
  if (!cred) return error_response(cred.error());
  if (!req.body.empty() || req.target != "/v1/batches/state") {
    return error_response(ProtocolCode::kBadRequest, Error::invalid_input("GET /v1/batches/state takes no body or query"));
  }
  return on_writer([this, &req, c = *cred] {
    AgentRow agent;
    if (auto refused = authenticate(req, c, agent)) return *refused;
    sql::Db& db = store->db();
    auto st = db.prepare("UPDATE agent SET last_request_counter = ?2, last_seen_at = ?3 WHERE id = ?1");
    if (!st) return storage_error(st.error());
    st->bind(1, agent.id.blob()).bind(2, static_cast<int64_t>(c.counter)).bind(3, clock.now().ms);
    auto ran = st->run();
    if (!ran) return storage_error(ran.error());
    json answer = {{"high_water_seq", agent.high_water},
                   {"last_batch_hash", sync::is_zero(agent.last_hash) ? std::string() : sync::hash_hex(agent.last_hash)}};
    // The signed acknowledgement of the last batch, answered again ("duplicate"): an agent whose
    // link keeps cutting the answer to a batch the hub holds gets its proof from this small answer.
    auto last = db.prepare("SELECT first_seq, last_seq, hash, reason FROM batch WHERE agent_id = ?1 "
                           "ORDER BY last_seq DESC LIMIT 1");
    if (!last) return storage_error(last.error());
    last->bind(1, agent.id.blob());
    auto row = last->step();
    if (!row) return storage_error(row.error());
    if (*row) {
      sync::Ack ack;
      ack.agent_id = agent.id;
      ack.first_seq = static_cast<uint64_t>(last->int64(0));
      ack.last_seq = static_cast<uint64_t>(last->int64(1));
      const sql::Blob hash = last->blob(2);
      if (hash.size() == ack.batch_hash.size()) std::copy(hash.begin(), hash.end(), ack.batch_hash.begin());
      ack.status = sync::AckStatus::kDuplicate;
      ack.hub_time_ms = clock.now().ms;
      ack.reason = utf8_prefix(last->text(3), sync::kMaxAckReason);
      auto signed_ack = sync::encode_ack(ack, hub_key);
      if (!signed_ack) return storage_error(signed_ack.error());
      answer["last_ack"] = sync::base64_encode(*signed_ack);
    }
    return json_response(answer);
  });
}

// POST /v1/report (PROTOCOL.md 7.5): the agent's own account of its last sync, kept for provincial
// IT. Checked like a batch request (content type and size, signature headers, agent, signature and
// counter), then the body; recorded with the counter in one transaction.
HttpResponse Intake::Impl::report(const HttpRequest& req) {
  const std::string type = req.header("content-type");
  if (std::string(trim(type.substr(0, type.find(';')))) != "application/json") {
    HttpResponse r = error_response(ProtocolCode::kBadRequest,
                                    Error::invalid_input("a report must be sent as Content-Type application/json"));
    r.status = 415;
    return r;
  }
  if (req.body.size() > kMaxReportBytes) {
    return error_response(ProtocolCode::kPayloadTooLarge,
                          Error::invalid_input("a report is " + std::to_string(req.body.size()) + " bytes, over the " +
                                                   std::to_string(kMaxReportBytes) + "-byte limit",
                                               "the agent shortens its last error message"));
  }
  auto cred = sync::parse_request_headers(req.header("x-motcua-agent"), req.header("x-motcua-counter"),
                                          req.header("x-motcua-signature"));
  if (!cred) return error_response(cred.error());
  return on_writer([this, &req, c = *cred] {
    AgentRow agent;
    if (auto refused = authenticate(req, c, agent)) return *refused;
    auto parsed = parse_agent_report(req.body);
    if (!parsed) return error_response(ProtocolCode::kBadRequest, parsed.error());
    sql::Db& db = store->db();
    const Instant now = clock.now();
    auto tx = sql::Transaction::begin_immediate(db);
    if (!tx) return storage_error(tx.error());
    auto record = [&]() -> Status {
      MOTCUA_TRY(record_agent_report(db, agent.id, *parsed, now));
      MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
          "UPDATE agent SET last_request_counter = ?2, last_seen_at = ?3 WHERE id = ?1"));
      st.bind(1, agent.id.blob()).bind(2, static_cast<int64_t>(c.counter)).bind(3, now.ms);
      MOTCUA_TRY(st.run());
      MOTCUA_FAULT_POINT("hub.report.before_commit");  // recorded in the transaction, not yet durable
      return ok();
    };
    auto recorded = record();
    if (!recorded) return storage_error(recorded.error());
    auto committed = tx->commit();
    if (!committed) return storage_error(committed.error());
    return json_response({{"received_at", format_rfc3339_vn(now)}});
  });
}

}  // namespace motcua::hub
