// Backing up a running hub and restoring it after a crash or a lost disk.
//
// A backup is a directory holding hub.db (a consistent copy of the database, a single SQLite file)
// and hub-key.pem (the hub's private key, mode 0600): the directory itself is made readable by its
// owner only, as it holds citizens' data and the key offices trust. It is taken online with
// SQLite's backup API while `serve` keeps answering offices (see backup_hub).
//
// A restored hub is another history: it gets a new epoch, so every office's feed cursor starts
// again (PROTOCOL.md 7.4), and its reference publications are numbered above anything the lost hub
// may have published after the backup (see restore_hub and hub/publish.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "common/time.hpp"

namespace motcua::hub {

// After a restore, publications are numbered from (highest version in the backup + this margin): it
// assumes the lost hub published fewer than this many versions of a kind after the backup.
constexpr int64_t kRestoreVersionMargin = 1000;

// What a hub database holds, as backup and restore report it.
struct HubSummary {
  std::string province;
  std::string epoch;
  int64_t database_bytes = 0;  // size of the hub.db file
  int64_t schema_version = 0;
  int64_t agents = 0;    // active agents (as `status` counts them)
  int64_t dossiers = 0;
  std::optional<int64_t> catalog_version;
  std::optional<int64_t> calendar_version;
};

struct BackupOptions {
  int pages_per_step = 256;                      // database pages copied per step (1 MiB of 4 KiB pages)
  std::chrono::milliseconds pause{5};            // between steps, so the running hub keeps the disk
  std::chrono::milliseconds busy_timeout{30000};  // give up when the copy cannot progress this long
};

struct BackupResult {
  std::string out_dir;
  std::string database_path;  // OUT/hub.db
  std::string key_path;       // OUT/hub-key.pem
  HubSummary summary;         // read back from the copy, after an integrity check
};

// Backs up the hub in `data_dir` into `out_dir`, a directory that must not exist or be empty
// (otherwise kInvalidInput and nothing is written). The copy is one consistent snapshot: it is read
// inside one read transaction (WAL lets `serve` keep writing meanwhile), in steps of
// `pages_per_step` pages with a short pause between them, into OUT/hub.db.partial, checked
// (quick_check) and renamed to OUT/hub.db; then the key is copied. On failure whatever this call
// wrote is removed. Errors: those of opening the hub (kFailedPrecondition: no hub in data_dir),
// kIo, kUnavailable when the copy cannot progress, kCorruption when the copy does not check.
Result<BackupResult> backup_hub(const std::string& data_dir, const std::string& out_dir,
                                const BackupOptions& options = {});

struct RestoreResult {
  std::string data_dir;
  std::string epoch;            // the restored hub's new epoch
  std::string previous_epoch;   // the backup's epoch
  Instant restored_at;
  int64_t publication_version_floor = 0;
  std::optional<int64_t> catalog_version;   // the full catalogue republished at the floor (nullopt: none to publish)
  std::optional<int64_t> calendar_version;  // the calendar republished at the floor
  int64_t units = 0;                        // feeds the republications were appended to
  int64_t enrollment_codes_expired = 0;     // unused codes made unusable (see restore_hub)
  HubSummary summary;
};

// Restores the backup in `backup_dir` (as written by backup_hub) into `data_dir`, which must not
// exist or be empty (otherwise kInvalidInput and nothing changes: the installer moves a damaged data
// directory aside first). The database is copied into a staging directory DIR/.restoring, migrated
// if the backup is older than this binary, and changed in one transaction:
//  - meta 'epoch' gets a new random epoch; 'previous_epoch' and 'restored_from_epoch' keep the
//    backup's, 'restored_at' the time;
//  - meta 'publication_version_floor' := (highest catalogue or calendar version the backup knows,
//    or its own floor) + kRestoreVersionMargin; the current catalogue (as a full publication) and
//    the current calendar are republished at that version and appended to every unit's feed, so
//    an office holding a version the lost hub published after the backup is brought back to the
//    restored reference data; later publications number above it (hub/publish.cpp);
//  - enrollment codes not used in the backup expire: the lost hub may have handed them out since.
// Then the files move into DIR. A backup that is not a hub backup is kInvalidInput or kCorruption; a
// backup newer than this binary is kFailedPrecondition; nothing is left in DIR on failure.
Result<RestoreResult> restore_hub(const std::string& backup_dir, const std::string& data_dir, const Clock& clock);

}  // namespace motcua::hub
