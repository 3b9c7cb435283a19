// motcua-agent procedures --data DIR [--search TEXT] [--json]
// The office's current procedure catalogue, with each published time limit and how it was parsed,
// so a clerk can find the code to receive under and see whether the appointment is computed.
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "reference/reference.hpp"
#include "agent/store.hpp"

namespace motcua::agent::cli {

using namespace motcua::reference;

Command add_procedures_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    std::string search;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("procedures", "List the current procedure catalogue (danh mục thủ tục)");
  add_common_options(app, o->common);
  app->add_option("--search", o->search, "Only procedures whose code or name contains this (diacritics optional)");
  return {app, [o] {
            auto store = Store::open(o->common.data_dir, false, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto unit = store->unit_code();
            if (!unit) return report_error(unit.error(), o->common.json);
            auto rows = current_procedures(store->db(), o->search);
            if (!rows) return report_error(rows.error(), o->common.json);
            if (o->common.json) {
              nlohmann::json list = nlohmann::json::array();
              for (const auto& r : *rows) list.push_back(procedure_json(r));
              print_json({{"procedures", list}, {"count", rows->size()}});
              return 0;
            }
            for (const auto& r : *rows) {
              const auto& p = r.procedure;
              std::cout << (p.national_code.empty() ? p.key + " (chưa có mã)" : p.key) << "  " << p.name << "\n"
                        << "    thời hạn: " << (p.time_limit_text.empty() ? "(không có)" : p.time_limit_text) << "  ["
                        << domain::parse_outcome_name(p.time_limit.outcome) << "]\n";
            }
            std::cout << rows->size() << " thủ tục\n";
            return 0;
          }};
}

}  // namespace motcua::agent::cli
