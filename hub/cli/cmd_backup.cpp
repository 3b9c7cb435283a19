// motcua-hub backup --data DIR OUT [--json]
// A consistent copy of the hub (hub.db and hub-key.pem) in a new directory OUT, taken while `serve`
// keeps answering offices.
#include <iostream>
#include <memory>

#include "hub/backup.hpp"
#include "hub/cli/cli.hpp"

namespace motcua::hub::cli {

namespace {

nlohmann::json optional_version(const std::optional<int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

Command add_backup_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    std::string out;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("backup", "Back up the hub (database and key) into a new directory, while it serves");
  add_common_options(app, o->common);
  app->add_option("out", o->out, "New (or empty) directory to write hub.db and hub-key.pem to")->required();
  return {app, [o] {
            auto r = backup_hub(o->common.data_dir, o->out);
            if (!r) return report_error(r.error(), o->common.json);
            const HubSummary& s = r->summary;
            if (o->common.json) {
              print_json({{"out", r->out_dir}, {"database", r->database_path}, {"key", r->key_path},
                          {"database_bytes", s.database_bytes}, {"province", s.province}, {"epoch", s.epoch},
                          {"schema_version", s.schema_version}, {"agents", s.agents}, {"dossiers", s.dossiers},
                          {"catalog_version", optional_version(s.catalog_version)},
                          {"calendar_version", optional_version(s.calendar_version)}});
            } else {
              auto version = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string("none"); };
              std::cout << "Backed up the hub of province " << s.province << " (epoch " << s.epoch << ") to "
                        << r->out_dir << ":\n"
                        << "  " << r->database_path << "  " << s.database_bytes << " bytes, " << s.agents
                        << " enrolled agents, " << s.dossiers << " dossiers, catalogue " << version(s.catalog_version)
                        << ", calendar " << version(s.calendar_version) << "\n"
                        << "  " << r->key_path << "  the hub's private key\n"
                        << "Keep this directory private: it holds citizens' data and the key offices trust.\n";
            }
            return 0;
          }};
}

}  // namespace motcua::hub::cli
