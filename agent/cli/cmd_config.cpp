// motcua-agent config get --data DIR [KEY] [--json]
// motcua-agent config set --data DIR KEY VALUE [--json]
// The office's settings (the hub address, the feed interval, the retention of sent changes),
// changed without enrolling again; installer defaults apply where the office has none.
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/config.hpp"

namespace motcua::agent::cli {

namespace {

nlohmann::json value_json(const SettingValue& v) {
  return {{"value", v.value ? nlohmann::json(*v.value) : nlohmann::json(nullptr)}, {"source", v.source}};
}

}  // namespace

Command add_config_command(CLI::App& root) {
  struct Opts {
    CommonOptions get_common, set_common;
    std::string get_key, set_key, set_value;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("config", "Show or change this office's settings (hub address, intervals)");
  app->require_subcommand(1);
  std::string keys;
  for (const auto& s : settings()) keys += "\n  " + s.key + ": " + s.description;
  CLI::App* get = app->add_subcommand("get", "Show the settings (or one) and where each value comes from");
  add_common_options(get, o->get_common);
  get->add_option("key", o->get_key, "One setting:" + keys);
  CLI::App* set = app->add_subcommand("set", "Change a setting of this office");
  add_common_options(set, o->set_common);
  set->add_option("key", o->set_key, "The setting:" + keys)->required();
  set->add_option("value", o->set_value, "Its new value")->required();
  return {app, [o, get, set] {
            const bool is_get = get->parsed();
            const CommonOptions& common = is_get ? o->get_common : o->set_common;
            auto store = Store::open(common.data_dir, false, process_clock());
            if (!store) return report_error(store.error(), common.json);
            if (!is_get) {
              (void)set;
              auto done = set_setting(*store, o->set_key, o->set_value);
              if (!done) return report_error(done.error(), common.json);
            }
            nlohmann::json out = nlohmann::json::object();
            const std::string only = is_get ? o->get_key : o->set_key;
            for (const auto& s : settings()) {
              if (!only.empty() && s.key != only) continue;
              auto v = get_setting(*store, only.empty() ? s.key : only);
              if (!v) return report_error(v.error(), common.json);
              out[s.key] = value_json(*v);
            }
            if (!only.empty() && out.empty()) {
              auto v = get_setting(*store, only);  // an unknown key: report it
              if (!v) return report_error(v.error(), common.json);
            }
            if (common.json) {
              print_json(out);
            } else {
              for (const auto& [key, v] : out.items()) {
                std::cout << key << " = " << (v["value"].is_null() ? std::string("(unset)") : v["value"].get<std::string>())
                          << "  (" << v["source"].get<std::string>() << ")\n";
              }
            }
            return 0;
          }};
}

}  // namespace motcua::agent::cli
