// motcua-hub status --data DIR [--json]
// Every unit of the province, worst first: its state (red / amber / green / grey), alerts, agent,
// last successful sync, what its office last reported, dossier counts (hub/status.hpp).
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "hub/cli/cli.hpp"
#include "hub/status.hpp"

namespace motcua::hub::cli {

Command add_status_command(CLI::App& root) {
  auto o = std::make_shared<CommonOptions>();
  CLI::App* app = root.add_subcommand("status", "Show every unit's agent, last contact and dossiers");
  add_common_options(app, *o);
  return {app, [o] {
            auto store = HubStore::open(o->data_dir, process_clock());
            if (!store) return report_error(store.error(), o->json);
            auto s = hub_status(*store);
            if (!s) return report_error(s.error(), o->json);
            if (o->json) {
              print_json(*s);
              return 0;
            }
            std::cout << "Province " << (*s)["province"].get<std::string>() << ": " << (*s)["agents"].get<int64_t>()
                      << " enrolled agents, " << (*s)["dossiers"].get<int64_t>() << " dossiers, "
                      << (*s)["conflicts"].get<int64_t>() << " conflicts";
            auto version = [](const nlohmann::json& v) { return v.is_null() ? std::string("none") : v.dump(); };
            std::cout << "; catalogue " << version((*s)["catalog_version"]) << ", calendar "
                      << version((*s)["calendar_version"]) << "\n";
            const auto& sum = (*s)["summary"];
            std::cout << "Offices: " << sum["red"].get<int64_t>() << " red, " << sum["amber"].get<int64_t>() << " amber, "
                      << sum["green"].get<int64_t>() << " green, " << sum["grey"].get<int64_t>()
                      << " grey (thresholds: amber after " << (*s)["policy"]["amber_after"].get<std::string>()
                      << ", red after " << (*s)["policy"]["red_after"].get<std::string>() << ")\n";
            for (const auto& a : (*s)["alerts"]) {
              std::cout << "ALERT " << a["unit"].get<std::string>() << " " << a["name"].get<std::string>() << ": "
                        << a["code"].get<std::string>() << ": " << a["message"].get<std::string>() << "\n";
            }
            for (const auto& u : (*s)["units"]) {
              if (u["agent_status"] == "not_enrolled" && u["dossiers"] == 0) continue;
              std::cout << "  " << u["state"].get<std::string>() << "  " << u["unit"].get<std::string>() << "  "
                        << u["name"].get<std::string>() << "  " << u["agent_status"].get<std::string>() << "  "
                        << u["dossiers"].get<int64_t>() << " dossiers";
              if (!u["feed_position"].is_null()) {
                std::cout << "  feed " << u["feed_position"].get<int64_t>() << "/" << u["feed_head"].get<int64_t>()
                          << " applied (catalogue " << version(u["catalog_version_applied"]) << ")";
              }
              if (!u["clock_offset_ms"].is_null()) {
                const int64_t off = u["clock_offset_ms"].get<int64_t>();
                if (off > 600000 || off < -600000) std::cout << "  CLOCK OFF by " << -off / 60000 << " min";
              }
              if (u["conflicts"].get<int64_t>() > 0) std::cout << "  " << u["conflicts"].get<int64_t>() << " conflicts";
              if (u["report"].is_object()) {  // the office's own report at the end of its last sync
                const auto& r = u["report"];
                std::cout << "  reports " << r["pending_changes"].get<int64_t>() << " pending";
                if (r["oldest_unsent_at"].is_string()) std::cout << " since " << r["oldest_unsent_at"].get<std::string>();
                if (r["last_error"].is_object()) {
                  std::cout << ", last error " << r["last_error"]["code"].get<std::string>() << " at "
                            << r["last_error"]["at"].get<std::string>();
                }
              }
              std::cout << "\n";
            }
            return 0;
          }};
}

}  // namespace motcua::hub::cli
