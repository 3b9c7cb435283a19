#include "hub/audit.hpp"

#include <cstring>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "hub/publish.hpp"
#include "schema/tables.hpp"
#include "sync-protocol/envelope.hpp"

namespace motcua::hub {

namespace {

sync::Hash256 to_hash(const sql::Blob& b) {
  sync::Hash256 h{};
  if (b.size() == h.size()) std::copy(b.begin(), b.end(), h.begin());
  return h;
}

std::string hex_of(const sql::Blob& b) { return sync::hash_hex(to_hash(b)); }

// The exact text each audit entry's hash covers: the previous hash and every field, one per line.
std::string entry_text(const sync::Hash256& prev, int64_t seq, int64_t at, const std::string& kind,
                       const std::string& agent_hex, const std::string& unit, const std::string& actor,
                       const std::string& detail) {
  return "MOTCUA-AUDIT-1\n" + sync::hash_hex(prev) + "\n" + std::to_string(seq) + "\n" + std::to_string(at) + "\n" +
         kind + "\n" + agent_hex + "\n" + unit + "\n" + actor + "\n" + detail;
}

sync::Hash256 entry_hash(const std::string& text) {
  return sync::sha256(sync::ByteView(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
}

bool same_value(sqlite3_value* v, sqlite3_stmt* st, int col) {
  const int type = v ? sqlite3_value_type(v) : SQLITE_NULL;
  if (type != sqlite3_column_type(st, col)) return false;
  switch (type) {
    case SQLITE_NULL: return true;
    case SQLITE_INTEGER: return sqlite3_value_int64(v) == sqlite3_column_int64(st, col);
    case SQLITE_FLOAT: return sqlite3_value_double(v) == sqlite3_column_double(st, col);
    case SQLITE_TEXT: {
      const int n = sqlite3_value_bytes(v);
      return n == sqlite3_column_bytes(st, col) &&
             std::string_view(reinterpret_cast<const char*>(sqlite3_value_text(v)), static_cast<size_t>(n)) ==
                 std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(st, col)), static_cast<size_t>(n));
    }
    default: {
      const int n = sqlite3_value_bytes(v);
      if (n != sqlite3_column_bytes(st, col)) return false;
      return n == 0 || std::memcmp(sqlite3_value_blob(v), sqlite3_column_blob(st, col), static_cast<size_t>(n)) == 0;
    }
  }
}

struct BatchRow {
  uint64_t first_seq = 0, last_seq = 0;
  sql::Blob hash, prev_hash, envelope;
  bool has_prev = false, has_envelope = false;
  std::string status;
};

}  // namespace

Status append_audit(sql::Db& db, const AuditEntry& e, Instant at) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt last, db.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
  MOTCUA_ASSIGN_OR_RETURN(bool has_last, last.step());
  const int64_t seq = has_last ? last.int64(0) + 1 : 1;
  const sync::Hash256 prev = has_last ? to_hash(last.blob(1)) : sync::Hash256{};
  const std::string agent_hex = e.agent_id ? e.agent_id->hex() : "";
  const sync::Hash256 hash = entry_hash(entry_text(prev, seq, at.ms, e.kind, agent_hex, e.unit, e.actor, e.detail));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
      "INSERT INTO audit_log(seq, at, kind, agent_id, unit, actor, detail, prev_hash, hash) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  ins.bind(1, seq).bind(2, at.ms).bind(3, e.kind);
  if (e.agent_id) ins.bind(4, e.agent_id->blob());
  else ins.bind_null(4);
  ins.bind(5, e.unit).bind(6, e.actor).bind(7, e.detail).bind(8, sql::Blob(prev.begin(), prev.end()))
      .bind(9, sql::Blob(hash.begin(), hash.end()));
  return ins.run();
}

namespace {

class Verifier {
 public:
  explicit Verifier(sql::Db& db) : m_db(db) {}

  Result<AuditReport> run() {
    MOTCUA_TRY(load_columns());
    MOTCUA_TRY(walk_agents());
    MOTCUA_TRY(walk_log());
    MOTCUA_TRY(count_sources());
    return std::move(m_report);
  }

 private:
  sql::Db& m_db;
  AuditReport m_report;
  std::map<std::string, std::vector<std::string>> m_columns;  // fact table -> columns in order
  std::map<std::string, std::set<sql::Blob>> m_sourced;       // fact table -> ids a batch or action carried
  std::map<uint32_t, std::optional<sync::Dictionary>> m_dictionaries;

  void problem(std::string where, std::string what) { m_report.problems.push_back({std::move(where), std::move(what)}); }

  Status load_columns() {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, m_db.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid"));
    for (const auto& table : schema::agent_captured_tables()) {
      st.bind(1, table);
      while (true) {
        MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        m_columns[table].push_back(st.text(0));
      }
      MOTCUA_TRY(st.reset());
    }
    return ok();
  }

  Result<const sync::Dictionary*> dictionary(uint32_t id) {
    auto it = m_dictionaries.find(id);
    if (it == m_dictionaries.end()) {
      MOTCUA_ASSIGN_OR_RETURN(auto found, find_dictionary(m_db, id));
      it = m_dictionaries.emplace(id, std::move(found)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  Status walk_agents() {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt agents, m_db.prepare(
        "SELECT id, public_key, high_water_seq, last_batch_hash FROM agent ORDER BY enrolled_at, id"));
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, agents.step());
      if (!row) break;
      ++m_report.agents;
      auto id = Id128::from_blob(agents.blob(0));
      if (!id) return fail(id.error());
      auto key = sync::PublicKey::from_bytes(agents.blob(1));
      const uint64_t high_water = static_cast<uint64_t>(agents.int64(2));
      const std::optional<sql::Blob> last_hash =
          agents.is_null(3) ? std::nullopt : std::optional<sql::Blob>(agents.blob(3));
      MOTCUA_TRY(walk_batches(*id, key ? &*key : nullptr, high_water, last_hash));
    }
    return ok();
  }

  Status walk_batches(const Id128& agent, const sync::PublicKey* key, uint64_t high_water,
                      const std::optional<sql::Blob>& last_hash) {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, m_db.prepare(
        "SELECT first_seq, last_seq, hash, prev_hash, envelope, status FROM batch WHERE agent_id = ?1 ORDER BY first_seq"));
    st.bind(1, agent.blob());
    const std::string who = "agent " + agent.hex();
    std::optional<BatchRow> previous;
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      ++m_report.batches;
      BatchRow b;
      b.first_seq = static_cast<uint64_t>(st.int64(0));
      b.last_seq = static_cast<uint64_t>(st.int64(1));
      b.hash = st.blob(2);
      b.has_prev = !st.is_null(3);
      if (b.has_prev) b.prev_hash = st.blob(3);
      b.has_envelope = !st.is_null(4);
      if (b.has_envelope) b.envelope = st.blob(4);
      b.status = st.text(5);
      const std::string where = who + " batch " + std::to_string(b.first_seq) + "-" + std::to_string(b.last_seq);
      if (previous && b.first_seq != previous->last_seq + 1) {
        problem(where, "does not follow batch " + std::to_string(previous->first_seq) + "-" +
                           std::to_string(previous->last_seq) + ": a batch is missing or was added");
      }
      if (b.has_prev) {
        const sql::Blob expected = previous ? previous->hash : sql::Blob(32, 0);
        if (b.prev_hash != expected) {
          problem(where, previous ? "its recorded previous hash is not the hash of the batch before it"
                                  : "it is the agent's first batch but chains to " + hex_of(b.prev_hash));
        }
      }
      if (!b.has_envelope) {
        ++m_report.batches_before_trail;
      } else {
        MOTCUA_TRY(check_envelope(agent, key, b, where));
      }
      previous = std::move(b);
    }
    if (previous) {
      if (last_hash && *last_hash != previous->hash) {
        problem(who, "its last batch hash is not the hash of its last recorded batch");
      }
      if (high_water != previous->last_seq) {
        problem(who, "its high-water mark " + std::to_string(high_water) + " is not its last recorded batch's " +
                         std::to_string(previous->last_seq));
      }
    }
    return ok();
  }

  Status check_envelope(const Id128& agent, const sync::PublicKey* key, const BatchRow& b, const std::string& where) {
    const sync::ByteView body(b.envelope);
    auto header = sync::peek_batch_header(body);
    if (!header) {
      problem(where, "its kept envelope is damaged: " + header.error().message);
      return ok();
    }
    if (header->agent_id != agent || header->first_seq != b.first_seq || header->last_seq != b.last_seq) {
      problem(where, "its kept envelope is another batch");
      return ok();
    }
    auto hash = sync::batch_hash(body);
    if (!hash || sql::Blob(hash->begin(), hash->end()) != b.hash) {
      problem(where, "its kept envelope does not hash to the recorded batch hash");
      return ok();
    }
    if (b.has_prev && sql::Blob(header->prev_batch_hash.begin(), header->prev_batch_hash.end()) != b.prev_hash) {
      problem(where, "its kept envelope chains to another batch than recorded");
      return ok();
    }
    if (!key || !sync::verify_batch(body, *key)) {
      problem(where, "its envelope is not signed by the agent's enrolled key");
      return ok();
    }
    ++m_report.batches_verified;
    if (b.status != "applied") return ok();
    MOTCUA_ASSIGN_OR_RETURN(const sync::Dictionary* dict, dictionary(header->dictionary_id));
    if (header->dictionary_id != 0 && !dict) {
      problem(where, "it was applied with dictionary " + std::to_string(header->dictionary_id) +
                         ", which the hub no longer holds: its rows cannot be compared");
      return ok();
    }
    auto decoded = sync::decode_batch(body, {}, [dict](uint32_t) { return dict; });
    if (!decoded) {
      problem(where, "it is recorded as applied but its payload does not decode: " + decoded.error().message);
      return ok();
    }
    return compare_rows(decoded->changeset, where);
  }

  // Every row the applied batch inserted must still be in the hub, unchanged.
  Status compare_rows(const sql::Blob& changeset, const std::string& where) {
    sqlite3_changeset_iter* raw = nullptr;
    if (sqlite3changeset_start(&raw, static_cast<int>(changeset.size()), const_cast<unsigned char*>(changeset.data())) !=
        SQLITE_OK) {
      problem(where, "its change set cannot be read");
      return ok();
    }
    sql::ChangesetIterHandle it(raw);
    std::map<std::string, sql::Stmt> selects;
    while (sqlite3changeset_next(it.get()) == SQLITE_ROW) {
      const char* table_c = nullptr;
      int ncol = 0, op = 0, indirect = 0;
      sqlite3changeset_op(it.get(), &table_c, &ncol, &op, &indirect);
      const std::string table = table_c;
      auto cols = m_columns.find(table);
      if (op != SQLITE_INSERT || cols == m_columns.end() || static_cast<size_t>(ncol) != cols->second.size()) {
        problem(where, "it is recorded as applied but holds a change intake never applies (" + table + ")");
        return ok();
      }
      auto sel = selects.find(table);
      if (sel == selects.end()) {
        MOTCUA_ASSIGN_OR_RETURN(sql::Stmt s, m_db.prepare("SELECT * FROM " + table + " WHERE id = ?1"));
        sel = selects.emplace(table, std::move(s)).first;
      }
      sqlite3_value* id = nullptr;
      sqlite3changeset_new(it.get(), 0, &id);
      const auto* p = static_cast<const unsigned char*>(id ? sqlite3_value_blob(id) : nullptr);
      const sql::Blob id_blob = p ? sql::Blob(p, p + sqlite3_value_bytes(id)) : sql::Blob();
      m_sourced[table].insert(id_blob);
      sql::Stmt& s = sel->second;
      s.bind(1, id_blob);
      MOTCUA_ASSIGN_OR_RETURN(bool found, s.step());
      const std::string row_name = table + " " + Id128Hex(id_blob);
      if (!found) {
        problem(where, "its " + row_name + " is not in the hub (deleted after it was applied)");
      } else {
        for (int i = 0; i < ncol; ++i) {
          sqlite3_value* v = nullptr;
          sqlite3changeset_new(it.get(), i, &v);
          if (!same_value(v, s.get(), i)) {
            problem(where, "its " + row_name + " was altered after it was applied (column " + cols->second[static_cast<size_t>(i)] + ")");
            break;
          }
        }
        ++m_report.facts_checked;
      }
      MOTCUA_TRY(s.reset());
    }
    return ok();
  }

  static std::string Id128Hex(const sql::Blob& b) {
    auto id = Id128::from_blob(b);
    return id ? id->hex() : std::string("(bad id)");
  }

  Status walk_log() {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, m_db.prepare(
        "SELECT seq, at, kind, agent_id, unit, actor, detail, prev_hash, hash FROM audit_log ORDER BY seq"));
    sync::Hash256 prev{};
    int64_t expected_seq = 1;
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      ++m_report.log_entries;
      const int64_t seq = st.int64(0);
      const std::string where = "audit_log entry " + std::to_string(seq);
      if (seq != expected_seq) problem(where, "entries before it are missing (expected " + std::to_string(expected_seq) + ")");
      expected_seq = seq + 1;
      std::string agent_hex;
      if (!st.is_null(3)) agent_hex = Id128Hex(st.blob(3));
      if (to_hash(st.blob(7)) != prev) problem(where, "does not chain to the entry before it");
      const sync::Hash256 recomputed =
          entry_hash(entry_text(to_hash(st.blob(7)), seq, st.int64(1), st.text(2), agent_hex, st.text(4), st.text(5), st.text(6)));
      if (sql::Blob(recomputed.begin(), recomputed.end()) != st.blob(8)) problem(where, "was altered after it was written");
      prev = to_hash(st.blob(8));
      if (st.text(2) == "hub_action") {
        auto detail = nlohmann::json::parse(st.text(6), nullptr, false);
        if (detail.is_object() && detail.contains("facts") && detail["facts"].is_array()) {
          for (const auto& f : detail["facts"]) {
            if (!f.is_object()) continue;
            auto id = Id128::from_hex(f.value("id", ""));
            if (id) m_sourced[f.value("table", "")].insert(id->blob());
          }
        }
      }
    }
    if (m_report.log_entries > 0) m_report.log_head = sync::hash_hex(prev);
    return ok();
  }

  Status count_sources() {
    for (const auto& [table, cols] : m_columns) {
      MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, m_db.prepare("SELECT id FROM " + table));
      const auto& sourced = m_sourced[table];
      while (true) {
        MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        const sql::Blob id = st.blob(0);
        if (sourced.count(id)) continue;
        ++m_report.facts_without_source;
        if (m_report.batches_before_trail == 0 && m_report.facts_without_source <= 20) {
          problem(table + " " + Id128Hex(id), "no batch of an office and no logged action at the hub carried it");
        }
      }
    }
    if (m_report.batches_before_trail == 0 && m_report.facts_without_source > 20) {
      problem("facts", std::to_string(m_report.facts_without_source) + " rows in all have no source (the first 20 are listed)");
    }
    return ok();
  }
};

}  // namespace

Result<AuditReport> verify_audit(sql::Db& db) { return Verifier(db).run(); }

}  // namespace motcua::hub
