#include "hub/agents.hpp"

#include "common/text.hpp"
#include "hub/audit.hpp"

namespace motcua::hub {

namespace {

constexpr const char* kAgentSelect =
    "SELECT a.id, a.unit, coalesce(u.name, ''), a.status, a.enrolled_at, a.retired_at, a.revoked_at, a.revoked_reason, "
    "a.last_seen_at, a.high_water_seq, (SELECT count(*) FROM batch b WHERE b.agent_id = a.id), a.agent_version "
    "FROM agent a LEFT JOIN unit u ON u.code = a.unit ";

Result<AgentInfo> from_row(sql::Stmt& st) {
  AgentInfo a;
  MOTCUA_ASSIGN_OR_RETURN(a.id, Id128::from_blob(st.blob(0)));
  a.unit = st.text(1);
  a.unit_name = st.text(2);
  a.status = st.text(3);
  a.enrolled_at = Instant{st.int64(4)};
  if (!st.is_null(5)) a.retired_at = Instant{st.int64(5)};
  if (!st.is_null(6)) a.revoked_at = Instant{st.int64(6)};
  a.revoked_reason = st.text(7);
  if (!st.is_null(8)) a.last_seen_at = Instant{st.int64(8)};
  a.high_water_seq = st.int64(9);
  a.batches = st.int64(10);
  a.agent_version = st.text(11);
  return a;
}

Result<std::optional<AgentInfo>> find_agent(sql::Db& db, const Id128& id) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(std::string(kAgentSelect) + "WHERE a.id = ?1"));
  st.bind(1, id.blob());
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<AgentInfo>();
  MOTCUA_ASSIGN_OR_RETURN(AgentInfo a, from_row(st));
  return std::optional<AgentInfo>(std::move(a));
}

}  // namespace

Result<std::vector<AgentInfo>> list_agents(HubStore& store, const std::optional<std::string>& unit) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, store.db().prepare(
      std::string(kAgentSelect) + "WHERE ?1 IS NULL OR a.unit = ?1 "
      "ORDER BY a.status <> 'active', a.unit, a.enrolled_at, a.id"));
  if (unit) st.bind(1, *unit);
  else st.bind_null(1);
  std::vector<AgentInfo> out;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    MOTCUA_ASSIGN_OR_RETURN(AgentInfo a, from_row(st));
    out.push_back(std::move(a));
  }
  return out;
}

Result<AgentInfo> revoke_agent(HubStore& store, const Id128& id, const std::string& raw_reason, const std::string& raw_actor) {
  MOTCUA_ASSIGN_OR_RETURN(std::string actor, to_nfc(trim(raw_actor)));
  MOTCUA_ASSIGN_OR_RETURN(std::string reason, to_nfc(trim(raw_reason)));
  if (actor.empty()) return fail(Error::invalid_input("no actor given", "say who revokes the agent (--actor NAME)"));
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(auto found, find_agent(db, id));
  if (!found) {
    return fail(Error::not_found("agent " + id.hex() + " is not enrolled at this hub",
                                 "copy the agent id from motcua-hub agents list"));
  }
  if (found->status == "revoked") {
    return fail(Error::failed_precondition("agent " + id.hex() + " is already revoked", "nothing to do"));
  }
  const Instant now = store.clock().now();
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare(
      "UPDATE agent SET status = 'revoked', revoked_at = ?2, revoked_reason = ?3 WHERE id = ?1"));
  up.bind(1, id.blob()).bind(2, now.ms).bind(3, reason);
  MOTCUA_TRY(up.run());
  MOTCUA_TRY(append_audit(db, AuditEntry{"agent_revoked", id, found->unit, actor, reason}, now));
  MOTCUA_ASSIGN_OR_RETURN(auto after, find_agent(db, id));
  MOTCUA_TRY(tx.commit());
  return std::move(*after);
}

}  // namespace motcua::hub
