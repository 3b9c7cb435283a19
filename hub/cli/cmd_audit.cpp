// motcua-hub audit verify --data DIR [--json]
// Checks the tamper-evident history (hub/audit.hpp): each agent's signed batch chain, the rows its
// applied batches carried, and the audit log's hash chain. Exit 0 when everything verifies; exit
// 7 (corruption) with every problem listed when not.
#include <iostream>
#include <memory>

#include "hub/audit.hpp"
#include "hub/cli/cli.hpp"
#include "hub/hub_store.hpp"

namespace motcua::hub::cli {

namespace {

Command add_verify(CLI::App* group) {
  auto o = std::make_shared<CommonOptions>();
  CLI::App* app = group->add_subcommand("verify", "Check every agent's batch chain, the facts they carried and the audit log");
  add_common_options(app, *o);
  return {app, [o] {
            auto store = HubStore::open(o->data_dir, process_clock());
            if (!store) return report_error(store.error(), o->json);
            auto r = verify_audit(store->db());
            if (!r) return report_error(r.error(), o->json);
            nlohmann::json problems = nlohmann::json::array();
            for (const auto& p : r->problems) problems.push_back({{"where", p.where}, {"what", p.what}});
            if (o->json) {
              nlohmann::json out = {{"ok", r->ok()},
                                    {"agents", r->agents},
                                    {"batches", r->batches},
                                    {"batches_verified", r->batches_verified},
                                    {"batches_before_trail", r->batches_before_trail},
                                    {"facts_checked", r->facts_checked},
                                    {"facts_without_source", r->facts_without_source},
                                    {"log_entries", r->log_entries},
                                    {"log_head", r->log_head},
                                    {"problems", problems}};
              if (!r->ok()) {
                std::cout << out.dump(2) << "\n";
                return report_error(Error::corruption(std::to_string(r->problems.size()) +
                                                          " problem(s) in the hub's history: it was altered",
                                                      "compare with the last backup and tell the province's security officer"),
                                    true);
              }
              print_json(out);
              return 0;
            }
            std::cout << "Agents: " << r->agents << "; batches: " << r->batches << " (" << r->batches_verified
                      << " verified with their signed envelope, " << r->batches_before_trail
                      << " from before the audit trail); facts checked: " << r->facts_checked
                      << "; audit log entries: " << r->log_entries << "\n";
            if (!r->log_head.empty()) std::cout << "Audit log head: " << r->log_head << " (note it to compare later)\n";
            if (r->ok()) {
              std::cout << "Everything verifies.\n";
              return 0;
            }
            for (const auto& p : r->problems) std::cout << "  " << p.where << ": " << p.what << "\n";
            return report_error(Error::corruption(std::to_string(r->problems.size()) +
                                                      " problem(s) in the hub's history: it was altered",
                                                  "compare with the last backup and tell the province's security officer"),
                                false);
          }};
}

}  // namespace

std::vector<Command> add_audit_commands(CLI::App& root) {
  CLI::App* group = root.add_subcommand("audit", "The tamper-evident history of who changed what");
  group->require_subcommand(1);
  return {add_verify(group)};
}

}  // namespace motcua::hub::cli
