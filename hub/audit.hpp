// The hub's tamper-evident history of who changed what (schema/hub/0006_audit.sql).
//
// Two chains make it:
// - Each agent's batches. Every batch the hub answers is kept with its envelope and the batch hash
//   it chains to (PROTOCOL.md 4, "Numbering"), whatever its outcome. Each link is signed with the
//   office's own key, so nobody holding only the hub's database can add, drop or alter an office's
//   change without the chain or a signature failing.
// - The audit log: security events (refused batches, enrollments, retirements, revocations,
//   refused enrollments, province users' actions at the hub, IT staff sign-ins and account
//   changes), each hashed together with the hash of the entry before it. Anyone who rewrites an
//   entry must rewrite every later one; comparing the head hash with a copy taken earlier (a
//   backup, a printed `audit verify`) shows it.
//
// verify_audit walks both and checks every fact an applied batch carried is in the hub's tables
// with the same values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"

namespace motcua::hub {

struct AuditEntry {
  // batch_refused, agent_enrolled, agent_retired, agent_revoked, enrollment_refused, hub_action; the
  // IT staff accounts' it_account_added, it_password_set, it_account_disabled, it_account_enabled,
  // it_signed_in, it_locked_out (hub/it_accounts.hpp)
  std::string kind;
  std::optional<Id128> agent_id;
  std::string unit;
  std::string actor;   // "agent", or the province user's name
  std::string detail;  // for people; JSON for hub_action ({"code", "action", "facts": [hex ids]})
};

// Appends `entry` at `at`, chained to the last entry. Call it inside the transaction that does what
// it records, so the event and its record commit together.
Status append_audit(sql::Db& db, const AuditEntry& entry, Instant at);

struct AuditProblem {
  std::string where;  // "agent 8c0f... batch 5-9", "audit_log entry 17", "dossier_event 3FA2..."
  std::string what;
};

struct AuditReport {
  int64_t agents = 0;
  int64_t batches = 0;                // batch records walked
  int64_t batches_verified = 0;       // with their envelope: hash, chain and signature checked
  int64_t batches_before_trail = 0;   // recorded before schema 6 kept envelopes: chain position only
  int64_t facts_checked = 0;          // rows of applied batches found in the hub with equal values
  int64_t facts_without_source = 0;   // fact rows no kept batch or logged hub action accounts for
  int64_t log_entries = 0;
  std::string log_head;               // hash of the last audit_log entry, 64 hex ("" when empty)
  std::vector<AuditProblem> problems;  // empty: everything verifies
  bool ok() const { return problems.empty(); }
};

// Reads the whole history and reports what does not verify. Read-only. Facts without a source are
// a problem only when no batch predates the audit trail (before it, their batches left no trace).
// Errors only for storage failures; a tampered history is a report with problems.
Result<AuditReport> verify_audit(sql::Db& db);

}  // namespace motcua::hub
