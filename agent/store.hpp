// The office's local store: one SQLite file (DIR/agent.db) holding reference data, the dossier
// facts, their derived state and the outbox of captured change sets.
//
// Durability: WAL with synchronous=FULL, so a change is on disk once the call that made it returns.
// Change capture: every write of replicated facts goes through write_captured(), which records the
// transaction's change set in the outbox inside the same transaction; nothing ships from memory.
// Thread-safety: a Store belongs to one thread at a time.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "common/hlc.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"

namespace motcua::agent {

class Store {
 public:
  // Opens DIR/agent.db, creating DIR and the file when `create` is true, and migrates the schema.
  // Errors: kFailedPrecondition when DIR has no database and `create` is false ("run init first"),
  // or the database is newer than this binary; kCorruption for a damaged or foreign file; kIo.
  static Result<Store> open(const std::string& data_dir, bool create, const Clock& clock);

  static std::string database_path(const std::string& data_dir);

  sql::Db& db() { return m_db; }
  const Clock& clock() const { return m_clock; }
  const std::string& data_dir() const { return m_data_dir; }

  // Local settings (table meta). get_meta returns nullopt when unset.
  Result<std::optional<std::string>> get_meta(const std::string& key);
  Status set_meta(const std::string& key, const std::string& value);
  // A setting holding a whole number (instants in ms, offsets): nullopt when unset or not a number.
  Result<std::optional<int64_t>> get_meta_int(const std::string& key);

  // The office's unit code; kFailedPrecondition ("run motcua-agent init") when not set up.
  Result<std::string> unit_code();

  // Next hybrid logical clock value, persisted in meta (call inside a write transaction).
  Result<Hlc> next_hlc();
  // Moves the clock past `remote` (facts received from the hub), so what this office records next
  // orders after what it has seen (call inside a write transaction).
  Status observe_hlc(Hlc remote);

  // Runs `body` in one BEGIN IMMEDIATE transaction with a session attached to exactly the
  // replicated-fact tables (schema::agent_captured_tables). Before COMMIT the session's change set,
  // if non-empty, is inserted into the outbox in the same transaction. If `body` fails, or anything
  // before COMMIT fails, the transaction rolls back: neither the change nor its outbox row exists.
  // Fault points: "agent.capture.after_outbox_insert" (before COMMIT), "agent.capture.after_commit".
  Status write_captured(const std::function<Status(sql::Db&)>& body);

  // Copies what the write-ahead log holds into the database file (a passive checkpoint: it never
  // waits for, nor blocks, a clerk's save) when the last one made through this Store is at least
  // kCheckpointIntervalMs old by the store's clock, so the save that would pass SQLite's own
  // auto-checkpoint threshold (1,000 pages) does not do it while the clerk waits. Measured on an
  // office of 1,000,000 dossiers (motcua-bench-office): those saves were the slowest 3 %, 9–13 ms
  // instead of under 1 ms. Not after every save: the first commit after a whole log was copied
  // starts the log again and syncs it twice, which an HDD pays as a second flush. The run loop
  // calls it at every wake-up. Returns the log frames copied (0 when not due or nothing new);
  // kUnavailable when another connection holds the checkpoint.
  static constexpr int64_t kCheckpointIntervalMs = 60 * 1000;
  Result<int> checkpoint_if_due();

 private:
  Store(sql::Db db, std::string data_dir, const Clock& clock)
      : m_db(std::move(db)), m_data_dir(std::move(data_dir)), m_clock(clock) {}

  sql::Db m_db;  // first member: destroyed last, after any session or statement
  std::string m_data_dir;
  const Clock& m_clock;
  std::optional<int64_t> m_last_checkpoint_ms;  // checkpoint_if_due: none made yet
};

}  // namespace motcua::agent
