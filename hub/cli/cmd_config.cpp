// motcua-hub config get --data DIR [KEY] [--json]
// motcua-hub config set --data DIR KEY VALUE [--json]
// The hub's operator settings: the dashboard's thresholds and alerts (hub/fleet.hpp). A running
// `serve` picks a change up at its next fleet check.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "hub/cli/cli.hpp"
#include "hub/fleet.hpp"
#include "hub/hub_store.hpp"

namespace motcua::hub::cli {

Command add_config_command(CLI::App& root) {
  struct Opts {
    CommonOptions get_common, set_common;
    std::string get_key, set_key, set_value;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("config", "Show or change the hub's alert thresholds and webhook");
  app->require_subcommand(1);
  std::string keys;
  for (const auto& s : hub_settings()) keys += "\n  " + std::string(s.key) + ": " + s.help;
  CLI::App* get = app->add_subcommand("get", "Show the settings (or one), and whether each is the default");
  add_common_options(get, o->get_common);
  get->add_option("key", o->get_key, "One setting:" + keys);
  CLI::App* set = app->add_subcommand("set", "Change a setting (an empty VALUE restores the default)");
  add_common_options(set, o->set_common);
  set->add_option("key", o->set_key, "The setting:" + keys)->required();
  set->add_option("value", o->set_value, "Its new value")->required();
  return {app, [o, get] {
            const bool is_get = get->parsed();
            const CommonOptions& common = is_get ? o->get_common : o->set_common;
            const std::string only = is_get ? o->get_key : o->set_key;
            if (!only.empty()) {
              // An unknown key is refused before the database is touched.
              if (!find_hub_setting(only)) return report_error(validate_hub_setting(only, "").error(), common.json);
            }
            auto store = HubStore::open(common.data_dir, process_clock());
            if (!store) return report_error(store.error(), common.json);
            if (!is_get) {
              auto valid = validate_hub_setting(o->set_key, o->set_value);
              if (!valid) return report_error(valid.error(), common.json);
              // An empty value removes the hub's own setting, so the default applies again.
              Status done = ok();
              if (o->set_value.empty()) {
                auto del = store->db().prepare("DELETE FROM meta WHERE key = ?1");
                if (!del) return report_error(del.error(), common.json);
                del->bind(1, o->set_key);
                done = del->run();
              } else {
                done = store->set_meta(o->set_key, o->set_value);
              }
              if (!done) return report_error(done.error(), common.json);
            }
            nlohmann::json out = nlohmann::json::object();
            for (const auto& s : hub_settings()) {
              if (!only.empty() && only != s.key) continue;
              auto v = store->get_meta(s.key);
              const bool set_here = v.has_value();
              out[s.key] = {{"value", set_here ? *v : std::string(s.default_value)},
                            {"source", set_here ? "hub" : "default"}};
            }
            if (common.json) {
              print_json(out);
            } else {
              for (const auto& [key, v] : out.items()) {
                std::cout << key << " = " << v["value"].get<std::string>() << "  (" << v["source"].get<std::string>()
                          << ")\n";
              }
            }
            return 0;
          }};
}

}  // namespace motcua::hub::cli
