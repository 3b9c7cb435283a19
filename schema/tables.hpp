// The class of every table in the agent database. The session extension captures exactly the
// replicated-fact tables; a test checks this list against sqlite_master and the session.
#pragma once

#include <string>
#include <vector>

namespace motcua::schema {

// The version of the replicated fact tables (schema/facts): what the rows of a captured changeset
// mean. Outbox entries, batches and enrollment carry it, and a hub applies only batches of its own.
// It changes only with the facts, never with an agent's or hub's local tables, so an upgrade that
// touches local tables alone leaves every queued change sendable.
inline constexpr int kReplicatedSchemaVersion = 1;

enum class TableClass {
  kReplicatedFact,  // insert-only, captured, shipped to the hub
  kReference,       // hub-owned, applied without capture
  kDerived,         // folded from facts; never captured
  kLocal,           // this replica's bookkeeping; never shipped (on the hub: hub-internal)
};
const char* table_class_name(TableClass c);

struct TableInfo {
  std::string name;
  TableClass cls;
};

const std::vector<TableInfo>& agent_tables();
const std::vector<TableInfo>& hub_tables();
// Names of the kReplicatedFact tables, in the order they are attached to the session.
std::vector<std::string> agent_captured_tables();

}  // namespace motcua::schema
