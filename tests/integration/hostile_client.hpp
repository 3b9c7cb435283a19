// A protocol-level hostile client for end-to-end tests: it plays an office (with the office's own
// stolen identity, or another) against a real hub, building and signing whatever bytes an attacker
// would send, and snapshots databases to prove that an attack changed nothing.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/http_client.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "sync-protocol/bytes.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/keys.hpp"
#include "tests/integration/hub_fixture.hpp"

namespace motcua::test {

// The office's identity, read from its data directory, to play a (possibly hostile) client.
struct Identity {
  Id128 agent_id;
  sync::KeyPair key;
};

Identity identity_of(const Office& office);

// A batch of the office's pending outbox rows, as the agent would build it next.
sql::Blob batch_from_pending(const Office& office, const Identity& who, uint64_t first, uint64_t last,
                             const sync::Hash256& prev);

// The merged changesets of the office's outbox entries first..last.
sql::Blob outbox_changeset(const Office& office, uint64_t first, uint64_t last);

// POST /v1/batches with the request signed over `signed_body` (normally `body` itself).
agent::HttpReply post_batch(const Hub& hub, const Identity& who, uint64_t counter, const std::string& body,
                            const std::string& signed_body);

// The `error.code` of an error answer ("" when the body is not one).
std::string error_code(const agent::HttpReply& r);
// The whole `error` object of an error answer (null when the body is not one).
nlohmann::json error_of(const agent::HttpReply& r);

// The last request counter the office used (its meta `request_counter`).
uint64_t request_counter(const Office& office);
// Records `counter` as the office's last request counter, so the genuine agent goes on after
// requests a test sent with the office's identity (the hub refuses a counter it already saw).
void set_request_counter(const Office& office, uint64_t counter);

std::string to_string(const sql::Blob& bytes);

// An envelope built field by field, without any of encode_batch's checks: payload, sizes, hash and
// compression are whatever the attacker chooses; the signed part is signed with `key`.
struct RawEnvelope {
  Id128 agent_id;
  uint64_t first_seq = 1;
  uint64_t last_seq = 1;
  sync::Hash256 prev_batch_hash{};
  uint32_t schema_version = 1;
  uint8_t compression = 0;
  uint32_t dictionary_id = 0;
  uint32_t raw_size = 0;      // as declared
  std::string payload;        // as sent
  sync::Hash256 payload_hash{};
};
std::string encode_raw_envelope(const RawEnvelope& e, const sync::KeyPair& key);

// A hand-made SQLite changeset (PROTOCOL.md section 2), for tables and operations an office never
// captures.
struct CsValue {
  enum Kind { kUndefined = 0, kInt = 1, kReal = 2, kText = 3, kBlob = 4, kNull = 5 } kind = kUndefined;
  int64_t i = 0;
  std::string bytes;  // text or blob
  static CsValue integer(int64_t v) { return {kInt, v, {}}; }
  static CsValue text(std::string v) { return {kText, 0, std::move(v)}; }
  static CsValue blob(const sql::Blob& v) { return {kBlob, 0, std::string(v.begin(), v.end())}; }
  static CsValue null() { return {kNull, 0, {}}; }
  static CsValue undefined() { return {}; }
};

class ChangesetBuilder {
 public:
  // Starts a table section; the first `pk_columns` columns form the primary key.
  ChangesetBuilder& table(const std::string& name, int ncol, int pk_columns = 1);
  ChangesetBuilder& insert(const std::vector<CsValue>& row);
  ChangesetBuilder& remove(const std::vector<CsValue>& row);
  ChangesetBuilder& update(const std::vector<CsValue>& old_row, const std::vector<CsValue>& new_row);
  const sql::Blob& bytes() const { return m_bytes; }

 private:
  void values(const std::vector<CsValue>& row);
  sql::Blob m_bytes;
};

// A hostile client holding an office's identity (or any other) and its own request counter.
class Hostile {
 public:
  Hostile(const Hub& hub, Identity who, uint64_t counter) : m_hub(hub), m_who(std::move(who)), m_counter(counter) {}
  // The office's identity, continuing after the office's last request counter.
  Hostile(const Hub& hub, const Office& office) : Hostile(hub, identity_of(office), request_counter(office)) {}

  const Identity& who() const { return m_who; }
  uint64_t counter() const { return m_counter; }
  // Posts `body` signed over itself (or over `signed_body`) with the next counter.
  agent::HttpReply post(const std::string& body);
  agent::HttpReply post(const std::string& body, const std::string& signed_body);
  // POSTs JSON to an endpoint, signed with the next counter.
  agent::HttpReply post_json(const std::string& target, const std::string& body);

  // Where the hub stands for this agent: the high-water mark and the last batch hash.
  uint64_t high_water() const;
  sync::Hash256 last_hash() const;
  // An envelope with `changeset` numbered right after the hub's high-water mark and chained to its
  // last batch hash: the batch the hub expects next.
  std::string next_batch(const sql::Blob& changeset, uint64_t entries = 1) const;
  // The office's own pending entries first..last, sent as the next batch in the hub's sequence:
  // proves the hub still takes this agent's genuine work after an attack.
  agent::HttpReply send_genuine(const Office& office, uint64_t first, uint64_t last);
  // Hands the counter back to the office (set_request_counter) so its agent can sync afterwards.
  void hand_back(const Office& office) const { set_request_counter(office, m_counter); }

 private:
  const Hub& m_hub;
  Identity m_who;
  uint64_t m_counter;
};

// A database's content: table -> its rows, each rendered as "col=quote(value), ..." and sorted.
using DbSnapshot = std::map<std::string, std::vector<std::string>>;

struct SnapshotOptions {
  std::set<std::string> skip_tables;                 // left out entirely
  std::set<std::string> masked_columns;              // "table.column": rendered as '*'
  std::map<std::string, std::string> row_filters;    // table -> SQL condition on the rows kept
};

DbSnapshot snapshot(const std::string& db_path, const SnapshotOptions& options = {});
// The tables and rows in which two snapshots differ, one line each ("" when equal): for messages.
std::string snapshot_diff(const DbSnapshot& before, const DbSnapshot& after);

// The hub's content as an attack must leave it. Excluded (documented bookkeeping only):
// - a table named `audit_log`, if present: it records refused and rejected requests by design, so
//   an attack is expected to add a row there;
// - SQLite's own tables (sqlite_%): statistics and counters of the engine, not content.
// Nothing else: PROTOCOL.md section 6 has the hub record an agent's request counter and
// `last_seen_at` only together with the work of a request it answers 200, so a rejected request
// (any non-200 answer) leaves every row of every table as it was.
DbSnapshot hub_snapshot(const Hub& hub, const SnapshotOptions& extra = {});

// The masks an answered-in-sequence batch (200 `refused`, or `duplicate`) may legitimately change:
// agent.high_water_seq and agent.last_batch_hash (PROTOCOL.md 7.2 step 8: every status counts as
// received and advances H and L), agent.last_request_counter and agent.last_seen_at (section 6: a
// 200 answer records the counter). The `batch` table is compared separately (exactly one new row).
SnapshotOptions in_sequence_bookkeeping();
// As above, plus what the genuine agent's own `sync` adds around its batch: its feed request
// (agent.feed_position, feed_pulled_at, clock_offset_ms, clock_measured_at: PROTOCOL.md 7.4) and
// its report of the sync (agent_report, agent_report_history: section 7.5, a separate request).
SnapshotOptions agent_sync_bookkeeping();

// Asserts `after` equals `before` except the `batch` table, which gained exactly one row: this
// agent's batch first..last with status `refused`, no envelope kept; and that the agent's
// high-water mark is now `last`. Returns the refusal reason recorded.
std::string expect_only_refused_batch(const Hub& hub, const DbSnapshot& before, const SnapshotOptions& masks,
                                      const Id128& agent_id, uint64_t first, uint64_t last);

}  // namespace motcua::test
