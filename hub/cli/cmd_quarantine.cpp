// motcua-hub quarantine list --data DIR [--json]
// motcua-hub quarantine retry --data DIR --agent HEX --first-seq N [--json]
// Batches the hub could not apply when they arrived, and applying one after IT fixed the cause.
#include <iostream>
#include <limits>
#include <memory>

#include "hub/cli/cli.hpp"
#include "hub/quarantine.hpp"

namespace motcua::hub::cli {

namespace {

nlohmann::json batch_json(const QuarantinedBatch& b) {
  return {{"agent", b.agent_id.hex()},   {"unit", b.unit},     {"first_seq", b.first_seq},
          {"last_seq", b.last_seq},      {"received_at", format_rfc3339_vn(b.received_at)},
          {"reason", b.reason},          {"size", b.size},     {"hash", b.hash}};
}

Command add_list(CLI::App* group) {
  auto o = std::make_shared<CommonOptions>();
  CLI::App* app = group->add_subcommand("list", "List the batches set aside because they could not be applied");
  add_common_options(app, *o);
  return {app, [o] {
            auto store = HubStore::open(o->data_dir, process_clock());
            if (!store) return report_error(store.error(), o->json);
            auto batches = list_quarantined(*store);
            if (!batches) return report_error(batches.error(), o->json);
            if (o->json) {
              nlohmann::json list = nlohmann::json::array();
              for (const auto& b : *batches) list.push_back(batch_json(b));
              print_json({{"batches", list}, {"total", batches->size()}});
              return 0;
            }
            if (batches->empty()) {
              std::cout << "No quarantined batches\n";
              return 0;
            }
            std::cout << "Quarantined batches: " << batches->size() << "\n";
            for (const auto& b : *batches) {
              std::cout << "  agent " << b.agent_id.hex() << "  unit " << b.unit << "  seq " << b.first_seq << "-"
                        << b.last_seq << "  received " << format_rfc3339_vn(b.received_at) << "  " << b.size
                        << " bytes\n    " << b.reason << "\n";
            }
            std::cout << "Retry one after fixing the cause: motcua-hub quarantine retry --data " << o->data_dir
                      << " --agent AGENT --first-seq N\n";
            return 0;
          }};
}

Command add_retry(CLI::App* group) {
  struct Opts {
    CommonOptions common;
    std::string agent;
    uint64_t first_seq = 0;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = group->add_subcommand("retry", "Apply a quarantined batch now, with intake's rules");
  add_common_options(app, o->common);
  app->add_option("--agent", o->agent, "The batch's agent id (32 hex digits, as quarantine list shows)")->required();
  app->add_option("--first-seq", o->first_seq, "The batch's first sequence number (as quarantine list shows)")
      ->required()
      ->check(CLI::Range(uint64_t{1}, static_cast<uint64_t>(std::numeric_limits<int64_t>::max())));
  return {app, [o] {
            auto agent = Id128::from_hex(o->agent);
            if (!agent) {
              return report_error(Error::invalid_input("--agent '" + o->agent + "' is not an agent id (32 hex digits)",
                                                       "copy the agent id from motcua-hub quarantine list"),
                                  o->common.json);
            }
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto r = retry_quarantined(*store, *agent, o->first_seq);
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json) {
              nlohmann::json out = batch_json(r->batch);
              out["status"] = "applied";
              out["rows"] = r->rows;
              print_json(out);
              return 0;
            }
            std::cout << "Applied batch " << r->batch.first_seq << "-" << r->batch.last_seq << " of agent "
                      << r->batch.agent_id.hex() << " (unit " << r->batch.unit << "):";
            for (const auto& [table, n] : r->rows) std::cout << " " << n << " " << table;
            std::cout << "\n";
            return 0;
          }};
}

}  // namespace

std::vector<Command> add_quarantine_commands(CLI::App& root) {
  CLI::App* group = root.add_subcommand("quarantine", "Batches the hub could not apply: list them, retry one");
  group->require_subcommand(1);
  return {add_list(group), add_retry(group)};
}

}  // namespace motcua::hub::cli
