// Numbered schema migrations applied at start-up, and the connection settings every motcua
// database uses (WAL, synchronous=FULL: a commit survives power loss once it returns).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/sqlite.hpp"

namespace motcua::schema {

struct Migration {
  int version;            // 1, 2, 3, ... without gaps
  std::string name;       // file name, for messages
  std::string_view sql;
};

// The agent's and the hub's migrations, embedded at build time (schema/CMakeLists.txt): migration 1
// of each begins with schema/facts/0001_facts.sql, the replicated fact tables both sides share.
const std::vector<Migration>& agent_migrations();
const std::vector<Migration>& hub_migrations();
int latest_version(const std::vector<Migration>& migrations);

// application_id stamped in every motcua agent database ("MCUA"), so a foreign SQLite file is
// refused instead of being migrated.
constexpr int kAgentApplicationId = 0x4D435541;
// application_id of a hub database ("MCUH").
constexpr int kHubApplicationId = 0x4D435548;

// journal_mode=WAL, synchronous=FULL, foreign_keys=ON. Fails (kIo) if WAL cannot be enabled.
Status configure_connection(sql::Db& db);

// PRAGMA user_version.
Result<int> current_version(sql::Db& db);

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
};

// Brings the database to the newest version in `migrations`, each migration in its own
// transaction together with its user_version bump (a crash leaves the previous version intact).
//  - a database newer than the binary: kFailedPrecondition, nothing changed;
//  - a non-empty SQLite file with another application_id: kCorruption ("not a motcua database");
//  - a failing migration: its error, the database left at the previous version.
Result<MigrationReport> migrate(sql::Db& db, const std::vector<Migration>& migrations, int application_id,
                                std::string_view product);

}  // namespace motcua::schema
