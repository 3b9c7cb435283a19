// The hub's database (DIR/hub.db): the province's system of record. WAL with synchronous=FULL;
// command-line writers (enroll-code, later publish) share it with a running `serve` through
// SQLite's locking (busy timeout), so they work while the hub serves.
// Thread-safety: a HubStore belongs to one thread at a time; open one per thread.
#pragma once

#include <string>

#include "common/error.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"

namespace motcua::hub {

class HubStore {
 public:
  // Opens DIR/hub.db and migrates it. kFailedPrecondition when there is none ("run init first") or
  // it is newer than this binary; kCorruption for a damaged or foreign file.
  static Result<HubStore> open(const std::string& data_dir, const Clock& clock);
  static std::string database_path(const std::string& data_dir);

  sql::Db& db() { return m_db; }
  const Clock& clock() const { return m_clock; }
  const std::string& data_dir() const { return m_data_dir; }

  Result<std::string> get_meta(const std::string& key);  // kFailedPrecondition when unset
  Status set_meta(const std::string& key, const std::string& value);

 private:
  HubStore(sql::Db db, std::string dir, const Clock& clock) : m_db(std::move(db)), m_data_dir(std::move(dir)), m_clock(clock) {}
  sql::Db m_db;  // first: destroyed last
  std::string m_data_dir;
  const Clock& m_clock;
};

struct HubInitResult {
  std::string province_code;
  std::string province_name;
  int64_t units = 0;
  std::string epoch;  // 32 hex digits; changes when the hub is restored from a backup
  std::string public_key;  // the hub's Ed25519 public key, base64 (private key in DIR/hub-key.pem)
};

// Creates DIR, DIR/hub.db and the hub's key DIR/hub-key.pem for a province (GSO code, e.g. "33") with its units from the embedded
// lists. An unknown province changes nothing; a directory that already holds a hub is
// kFailedPrecondition.
Result<HubInitResult> init_hub(const std::string& data_dir, const std::string& province_code, const Clock& clock);

}  // namespace motcua::hub
