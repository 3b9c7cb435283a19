// motcua-hub agents list --data DIR [--unit UNIT] [--json]
// motcua-hub agents revoke AGENT_ID --data DIR [--reason TEXT] [--actor NAME] [--json]
// The offices' agents as provincial IT sees them, and revoking one (a stolen or replaced PC).
#include <iostream>
#include <memory>
#include <optional>

#include "hub/agents.hpp"
#include "hub/cli/cli.hpp"

namespace motcua::hub::cli {

namespace {

nlohmann::json opt_time(const std::optional<Instant>& t) {
  return t ? nlohmann::json(format_rfc3339_vn(*t)) : nlohmann::json(nullptr);
}

nlohmann::json agent_json(const AgentInfo& a) {
  return {{"agent_id", a.id.hex()},
          {"unit", a.unit},
          {"unit_name", a.unit_name},
          {"status", a.status},
          {"enrolled_at", format_rfc3339_vn(a.enrolled_at)},
          {"retired_at", opt_time(a.retired_at)},
          {"revoked_at", opt_time(a.revoked_at)},
          {"revoked_reason", a.revoked_reason},
          {"last_seen_at", opt_time(a.last_seen_at)},
          {"high_water_seq", a.high_water_seq},
          {"batches", a.batches},
          {"agent_version", a.agent_version}};
}

Command add_list(CLI::App* group) {
  struct Opts {
    CommonOptions common;
    std::string unit;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = group->add_subcommand("list", "List every agent the hub enrolled: active first, then retired and revoked");
  add_common_options(app, o->common);
  app->add_option("--unit", o->unit, "Only the agents of this unit (GSO code)");
  return {app, [o] {
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto agents = list_agents(*store, o->unit.empty() ? std::nullopt : std::optional<std::string>(o->unit));
            if (!agents) return report_error(agents.error(), o->common.json);
            if (o->common.json) {
              nlohmann::json list = nlohmann::json::array();
              for (const auto& a : *agents) list.push_back(agent_json(a));
              print_json({{"agents", list}, {"total", agents->size()}});
              return 0;
            }
            if (agents->empty()) {
              std::cout << "No agents enrolled" << (o->unit.empty() ? "" : " for unit " + o->unit) << "\n";
              return 0;
            }
            for (const auto& a : *agents) {
              std::cout << a.id.hex() << "  " << a.status << "  unit " << a.unit << " " << a.unit_name << "  enrolled "
                        << format_rfc3339_vn(a.enrolled_at) << "  last seen "
                        << (a.last_seen_at ? format_rfc3339_vn(*a.last_seen_at) : std::string("never")) << "  "
                        << a.batches << " batches";
              if (a.status == "revoked") std::cout << "  revoked: " << (a.revoked_reason.empty() ? "(no reason)" : a.revoked_reason);
              std::cout << "\n";
            }
            return 0;
          }};
}

Command add_revoke(CLI::App* group) {
  struct Opts {
    CommonOptions common;
    std::string agent;
    std::string reason;
    std::string actor;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = group->add_subcommand(
      "revoke", "Revoke an agent: its requests are refused at once; the office needs a new enrollment code");
  add_common_options(app, o->common);
  app->add_option("agent", o->agent, "The agent id (32 hex digits, as agents list shows)")->required();
  app->add_option("--reason", o->reason, "Why (kept, shown to the office in its error)");
  app->add_option("--actor", o->actor, "Who revokes it, for the audit log (default: MOTCUA_ACTOR, else the login name)");
  return {app, [o] {
            auto id = Id128::from_hex(o->agent);
            if (!id) {
              return report_error(Error::invalid_input("'" + o->agent + "' is not an agent id (32 hex digits)",
                                                       "copy the agent id from motcua-hub agents list"),
                                  o->common.json);
            }
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto r = revoke_agent(*store, *id, o->reason, o->actor.empty() ? default_actor() : o->actor);
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json) {
              print_json(agent_json(*r));
              return 0;
            }
            std::cout << "Revoked agent " << r->id.hex() << " of unit " << r->unit << " " << r->unit_name
                      << ". Its requests are refused from now on.\n"
                      << "To bring the office back: motcua-hub enroll-code --data " << o->common.data_dir << " --unit "
                      << r->unit << ", then enroll the office's agent with the new code.\n";
            return 0;
          }};
}

}  // namespace

std::vector<Command> add_agents_commands(CLI::App& root) {
  CLI::App* group = root.add_subcommand("agents", "The offices' enrolled agents: list them, revoke one");
  group->require_subcommand(1);
  return {add_list(group), add_revoke(group)};
}

}  // namespace motcua::hub::cli
