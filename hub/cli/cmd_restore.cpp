// motcua-hub restore --from OUT --data DIR [--json]
// Restores a backup into a new (or empty) data directory as a new hub history: a new epoch, and the
// current catalogue and calendar republished above any version offices may hold.
#include <iostream>
#include <memory>

#include "hub/backup.hpp"
#include "hub/cli/cli.hpp"

namespace motcua::hub::cli {

Command add_restore_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    std::string from;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("restore", "Restore a backup into a new or empty data directory, with a new epoch");
  add_common_options(app, o->common);
  app->add_option("--from", o->from, "Backup directory written by motcua-hub backup")->required();
  return {app, [o] {
            auto r = restore_hub(o->from, o->common.data_dir, process_clock());
            if (!r) return report_error(r.error(), o->common.json);
            auto optional_version = [](const std::optional<int64_t>& v) {
              return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
            };
            if (o->common.json) {
              print_json({{"data", r->data_dir}, {"from", o->from}, {"province", r->summary.province},
                          {"epoch", r->epoch}, {"previous_epoch", r->previous_epoch},
                          {"restored_at", format_rfc3339_vn(r->restored_at)},
                          {"publication_version_floor", r->publication_version_floor},
                          {"catalog_version", optional_version(r->catalog_version)},
                          {"calendar_version", optional_version(r->calendar_version)}, {"units", r->units},
                          {"enrollment_codes_expired", r->enrollment_codes_expired},
                          {"agents", r->summary.agents}, {"dossiers", r->summary.dossiers},
                          {"database_bytes", r->summary.database_bytes}});
              return 0;
            }
            std::cout << "Restored the hub of province " << r->summary.province << " from " << o->from << " into "
                      << r->data_dir << ": " << r->summary.agents << " enrolled agents, " << r->summary.dossiers
                      << " dossiers\n"
                      << "  new epoch " << r->epoch << " (the backup's was " << r->previous_epoch << ")\n";
            if (r->catalog_version || r->calendar_version) {
              std::cout << "  republished to " << r->units << " units at version " << r->publication_version_floor << ":"
                        << (r->catalog_version ? " the whole catalogue" : "")
                        << (r->catalog_version && r->calendar_version ? " and" : "")
                        << (r->calendar_version ? " the calendar" : "") << "\n";
            }
            std::cout << "  new publications are numbered from version " << r->publication_version_floor
                      << " on, above anything an office may hold\n";
            if (r->enrollment_codes_expired > 0) {
              std::cout << "  " << r->enrollment_codes_expired << " unused enrollment codes expired: issue new ones\n";
            }
            std::cout << "Offices enrolled after the backup was taken must enroll again; start the hub with "
                         "motcua-hub serve --data "
                      << r->data_dir << "\n";
            return 0;
          }};
}

}  // namespace motcua::hub::cli
