#include "hub/quarantine.hpp"

#include <cstring>
#include <limits>

#include "common/sqlite.hpp"
#include "hub/authorize.hpp"
#include "hub/relay.hpp"
#include "schema/migrate.hpp"
#include "schema/tables.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/keys.hpp"

namespace motcua::hub {

namespace {

std::string batch_name(const Id128& agent_id, uint64_t first_seq, uint64_t last_seq) {
  return "batch " + std::to_string(first_seq) + "-" + std::to_string(last_seq) + " of agent " + agent_id.hex();
}

bool same_value(sqlite3_value* a, sqlite3_value* b) {
  if (!a || !b) return a == b;
  const int type = sqlite3_value_type(a);
  if (type != sqlite3_value_type(b)) return false;
  switch (type) {
    case SQLITE_NULL: return true;
    case SQLITE_INTEGER: return sqlite3_value_int64(a) == sqlite3_value_int64(b);
    case SQLITE_FLOAT: return sqlite3_value_double(a) == sqlite3_value_double(b);
    default: {
      const void* pa = type == SQLITE_BLOB ? sqlite3_value_blob(a) : static_cast<const void*>(sqlite3_value_text(a));
      const void* pb = type == SQLITE_BLOB ? sqlite3_value_blob(b) : static_cast<const void*>(sqlite3_value_text(b));
      const int na = sqlite3_value_bytes(a);
      return na == sqlite3_value_bytes(b) && (na == 0 || std::memcmp(pa, pb, static_cast<size_t>(na)) == 0);
    }
  }
}

std::string value_for_message(sqlite3_value* v) {
  if (!v) return "?";
  if (sqlite3_value_type(v) == SQLITE_BLOB) {
    return to_hex(static_cast<const unsigned char*>(sqlite3_value_blob(v)), static_cast<size_t>(sqlite3_value_bytes(v)));
  }
  const unsigned char* t = sqlite3_value_text(v);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_value_bytes(v))) : "NULL";
}

// The first row that stopped the apply, in words IT staff can act on.
std::string describe_conflict(int kind, sqlite3_changeset_iter* it) {
  if (kind == SQLITE_CHANGESET_FOREIGN_KEY) return "the batch breaks a foreign key of the hub's schema";
  const char* table = nullptr;
  int ncol = 0, op = 0, indirect = 0;
  sqlite3changeset_op(it, &table, &ncol, &op, &indirect);
  unsigned char* pk = nullptr;
  int npk = 0;
  sqlite3changeset_pk(it, &pk, &npk);
  std::string key;
  for (int i = 0; i < npk; ++i) {
    if (!pk[i]) continue;
    sqlite3_value* v = nullptr;
    sqlite3changeset_new(it, i, &v);
    key += (key.empty() ? "" : ",") + value_for_message(v);
  }
  const std::string row = std::string(table ? table : "?") + " row " + key;
  if (kind == SQLITE_CHANGESET_CONFLICT) {
    bool same = true;
    for (int i = 0; i < ncol && same; ++i) {
      sqlite3_value* ours = nullptr;
      sqlite3_value* theirs = nullptr;
      sqlite3changeset_new(it, i, &ours);
      sqlite3changeset_conflict(it, i, &theirs);
      same = same_value(ours, theirs);
    }
    return row + (same ? " is already at the hub (same content)" : " is already at the hub with other content");
  }
  if (kind == SQLITE_CHANGESET_CONSTRAINT) return row + " breaks a constraint of the hub's schema";
  return row + " cannot be applied (conflict type " + std::to_string(kind) + ")";
}

struct ConflictReport {
  std::string first;
};

// Like intake, any conflict aborts the whole batch; this one also remembers which row it was.
int abort_on_conflict(void* ctx, int kind, sqlite3_changeset_iter* it) {
  auto* report = static_cast<ConflictReport*>(ctx);
  if (report->first.empty()) report->first = describe_conflict(kind, it);
  return SQLITE_CHANGESET_ABORT;
}

}  // namespace

Result<std::vector<QuarantinedBatch>> list_quarantined(HubStore& store) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, store.db().prepare(
      "SELECT b.agent_id, coalesce(a.unit, ''), b.first_seq, b.last_seq, b.received_at, b.reason, b.size, b.hash "
      "FROM batch b LEFT JOIN agent a ON a.id = b.agent_id WHERE b.status = 'quarantined' "
      "ORDER BY b.received_at, b.agent_id, b.first_seq"));
  std::vector<QuarantinedBatch> out;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    QuarantinedBatch q;
    MOTCUA_ASSIGN_OR_RETURN(q.agent_id, Id128::from_blob(st.blob(0)));
    q.unit = st.text(1);
    q.first_seq = static_cast<uint64_t>(st.int64(2));
    q.last_seq = static_cast<uint64_t>(st.int64(3));
    q.received_at = Instant{st.int64(4)};
    q.reason = st.text(5);
    q.size = st.int64(6);
    const sql::Blob hash = st.blob(7);
    q.hash = to_hex(hash.data(), hash.size());
    out.push_back(std::move(q));
  }
  return out;
}

Result<RetryResult> retry_quarantined(HubStore& store, const Id128& agent_id, uint64_t first_seq) {
  if (first_seq < 1 || first_seq > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return fail(Error::invalid_input("first sequence number " + std::to_string(first_seq) + " is out of range",
                                     "pass the first_seq that motcua-hub quarantine list shows"));
  }
  sql::Db& db = store.db();
  const std::string list_hint = "motcua-hub quarantine list --data " + store.data_dir() + " shows the quarantined batches";
  // Everything inside one write transaction: two retries of the same batch cannot both apply it.
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT b.last_seq, b.hash, b.received_at, b.status, b.reason, b.size, b.envelope, "
      "       a.unit, a.public_key, a.status "
      "FROM batch b LEFT JOIN agent a ON a.id = b.agent_id WHERE b.agent_id = ?1 AND b.first_seq = ?2"));
  st.bind(1, agent_id.blob()).bind(2, static_cast<int64_t>(first_seq));
  MOTCUA_ASSIGN_OR_RETURN(bool found, st.step());
  if (!found) {
    return fail(Error::not_found("no batch of agent " + agent_id.hex() + " starts at sequence " + std::to_string(first_seq),
                                 list_hint));
  }
  RetryResult result;
  QuarantinedBatch& q = result.batch;
  q.agent_id = agent_id;
  q.first_seq = first_seq;
  q.last_seq = static_cast<uint64_t>(st.int64(0));
  const sql::Blob recorded_hash = st.blob(1);
  q.hash = to_hex(recorded_hash.data(), recorded_hash.size());
  q.received_at = Instant{st.int64(2)};
  const std::string status = st.text(3);
  q.reason = st.text(4);
  q.size = st.int64(5);
  const sql::Blob envelope = st.blob(6);
  const bool has_envelope = !st.is_null(6);
  const bool has_agent = !st.is_null(7);
  q.unit = st.text(7);
  const sql::Blob public_key = st.blob(8);
  const std::string agent_status = st.text(9);
  const std::string name = batch_name(agent_id, q.first_seq, q.last_seq);

  if (status == "applied") return fail(Error::conflict(name + " is already applied", "nothing to retry"));
  if (status != "quarantined") {
    return fail(Error::conflict(name + " was " + status + (q.reason.empty() ? "" : " (" + q.reason + ")") +
                                    ": it breaks the rules and is never applied",
                                "only quarantined batches can be retried; " + list_hint));
  }
  if (!has_envelope) {
    return fail(Error::corruption(name + " is quarantined but its envelope was not kept", "report this bug"));
  }
  if (!has_agent) return fail(Error::not_found("the agent of " + name + " is not enrolled at this hub", list_hint));
  if (agent_status == "revoked") {
    return fail(Error::unauthorized(name + " belongs to a revoked agent: its batches are not applied",
                                    "if the office's facts are needed, the office re-sends them after enrolling again"));
  }
  MOTCUA_ASSIGN_OR_RETURN(sync::PublicKey key, sync::PublicKey::from_bytes(public_key));

  // Intake's checks, in its order, on the kept bytes (PROTOCOL.md 7.2 steps 4 and 6-8).
  const sync::ByteView body(envelope);
  auto header = sync::peek_batch_header(body);
  if (!header) return fail(Error::corruption("the kept envelope of " + name + " is damaged: " + header.error().message));
  if (header->agent_id != agent_id || header->first_seq != q.first_seq || header->last_seq != q.last_seq) {
    return fail(Error::corruption("the kept envelope of " + name + " holds another batch", "report this bug"));
  }
  auto verified = sync::verify_batch(body, key);
  if (!verified) return fail(Error::unauthorized(name + ": " + verified.error().message, verified.error().hint));
  const auto accepted_schema = static_cast<uint32_t>(schema::kReplicatedSchemaVersion);
  auto schema_ok = sync::check_schema(*header, accepted_schema);
  if (!schema_ok) {
    return fail(Error::failed_precondition(name + ": " + schema_ok.error().message,
                                           "a batch applies only to the schema it was captured under"));
  }
  auto hash = sync::batch_hash(body);
  if (!hash || sql::Blob(hash->begin(), hash->end()) != recorded_hash) {
    return fail(Error::corruption("the kept envelope of " + name + " is not the batch the hub acknowledged",
                                  "report this bug"));
  }
  auto decoded = sync::decode_batch(body);
  if (!decoded) return fail(Error::corruption(name + " cannot be decoded: " + decoded.error().message));
  MOTCUA_ASSIGN_OR_RETURN(FactColumns columns, read_fact_columns(db));
  MOTCUA_ASSIGN_OR_RETURN(auto refusal, authorize_changeset(db, columns, decoded->changeset, q.unit));
  if (refusal) {
    return fail(Error::unauthorized(name + " still cannot apply: " + *refusal,
                                    "the batch breaks the rules for unit " + q.unit + "; it stays quarantined"));
  }
  ConflictReport report;
  const int rc = sqlite3changeset_apply_v2(db.get(), static_cast<int>(decoded->changeset.size()),
                                           decoded->changeset.data(), nullptr, abort_on_conflict, &report, nullptr,
                                           nullptr, 0);
  if (rc == SQLITE_ABORT || rc == SQLITE_CONSTRAINT) {
    return fail(Error::conflict(name + " still cannot apply: " + (report.first.empty() ? "a row conflicts" : report.first),
                                "correct or remove the hub's conflicting row, then retry; nothing was changed"));
  }
  if (rc != SQLITE_OK) return fail(sql::error_from_sqlite(rc, db.get(), "applying " + name));
  MOTCUA_TRY(after_office_facts(db, decoded->changeset, agent_id, q.unit, store.clock().now()).map([](auto&&) {}));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt done, db.prepare(
      "UPDATE batch SET status = 'applied', reason = ?3 WHERE agent_id = ?1 AND first_seq = ?2"));
  done.bind(1, agent_id.blob()).bind(2, static_cast<int64_t>(first_seq))
      .bind(3, "applied on retry at " + format_rfc3339_vn(whole_second(store.clock().now())) +
                   "; quarantined on receipt: " + q.reason);
  MOTCUA_TRY(done.run());
  MOTCUA_TRY(tx.commit());
  for (const auto& [table, changes] : decoded->summary.tables) result.rows[table] = changes.inserts;
  return result;
}

}  // namespace motcua::hub
