// motcua-hub catalog publish --data DIR FILE.csv [--json]
// motcua-hub calendar publish --data DIR FILE.csv [--json]
// motcua-hub dictionary publish --data DIR FILE.zdict [--json]
// Publishes a new catalogue version (only changed procedures travel), a new working calendar, or a
// zstd dictionary for batches to every office's feed.
#include <iostream>
#include <memory>

#include "hub/cli/cli.hpp"
#include "hub/publish.hpp"

namespace motcua::hub::cli {

namespace {

Command add_publish(CLI::App& root, const std::string& kind, const std::string& description) {
  struct Opts {
    CommonOptions common;
    std::string file;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* group = root.add_subcommand(kind, description);
  group->require_subcommand(1);
  CLI::App* app = group->add_subcommand("publish", "Publish FILE as the province's new " + kind);
  add_common_options(app, o->common);
  app->add_option("file", o->file, kind == "dictionary" ? "zstd dictionary file to publish" : "CSV file to publish")
      ->required();
  return {app, [o, kind] {
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto r = kind == "catalog"    ? publish_catalog(*store, o->file)
                     : kind == "calendar" ? publish_calendar(*store, o->file)
                                          : publish_dictionary(*store, o->file);
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json) {
              print_json({{"kind", r->kind}, {"changed", r->changed}, {"version", r->version},
                          {"procedures_changed", r->procedures_changed}, {"procedures_abolished", r->procedures_abolished},
                          {"days", r->days}, {"dictionary_id", r->dictionary_id}, {"units", r->units},
                          {"payload_bytes", r->payload_bytes}});
            } else if (!r->changed) {
              std::cout << "Nothing changed: the " << kind << " in " << o->file << " is already published as version "
                        << r->version << "\n";
            } else if (kind == "catalog") {
              std::cout << "Published catalogue version " << r->version << ": " << r->procedures_changed
                        << " procedures new or changed, " << r->procedures_abolished << " abolished, for " << r->units
                        << " units\n";
            } else if (kind == "dictionary") {
              std::cout << "Published dictionary " << r->dictionary_id << " (" << r->payload_bytes << " bytes) as version "
                        << r->version << " for " << r->units << " units\n";
            } else {
              std::cout << "Published calendar version " << r->version << " (" << r->days << " days) for " << r->units
                        << " units\n";
            }
            return 0;
          }};
}

}  // namespace

Command add_catalog_publish_command(CLI::App& root) {
  return add_publish(root, "catalog", "The procedure catalogue the province publishes to offices");
}

Command add_calendar_publish_command(CLI::App& root) {
  return add_publish(root, "calendar", "The working calendar the province publishes to offices");
}

Command add_dictionary_publish_command(CLI::App& root) {
  return add_publish(root, "dictionary", "The zstd dictionary offices compress their batches with");
}

}  // namespace motcua::hub::cli
