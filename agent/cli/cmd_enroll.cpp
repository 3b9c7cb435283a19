// motcua-agent enroll --data DIR --hub URL --code CODE [--ca FILE | --ca-sha256 FINGERPRINT] [--json]
// Registers this office's agent with the provincial hub using a one-time code. Works on an empty
// data directory (it is created). An https:// hub needs the province's CA to pin (agent/hub_ca.hpp):
// --ca, --ca-sha256, the installer defaults, or the CA the office already pinned.
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/sync.hpp"

namespace motcua::agent::cli {

Command add_enroll_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    EnrollRequest request;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("enroll", "Register this office with the provincial hub (one-time code)");
  add_common_options(app, o->common);
  app->add_option("--hub", o->request.hub_url, "Hub address: https://..., or http:// to a hub on this machine")->required();
  app->add_option("--code", o->request.code, "One-time enrollment code from provincial IT, e.g. 7K3QD-M9X2A")->required();
  app->add_option("--ca", o->request.ca_file,
                  "The province's CA certificate (PEM file) the hub's certificate must be signed by");
  app->add_option("--ca-sha256", o->request.ca_sha256,
                  "Or its SHA-256 fingerprint (64 hex digits, colons allowed): the CA is taken from the hub's chain");
  return {app, [o] {
            o->request.data_dir = o->common.data_dir;
            auto r = enroll(o->request, process_clock());
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json) {
              nlohmann::json out = {{"agent_id", r->agent_id}, {"unit", r->unit}, {"unit_name", r->unit_name},
                                    {"agency_id", r->agency_id}, {"counter_last", r->counter_last},
                                    {"hub_ca_sha256", r->hub_ca_sha256.empty() ? nlohmann::json(nullptr)
                                                                               : nlohmann::json(r->hub_ca_sha256)},
                                    {"feed", feed_json(r->feed)}};
              if (r->feed_error) out["feed"]["error"] = r->feed_error->message;
              print_json(out);
            } else {
              std::cout << "Đã kết nối văn phòng " << r->unit_name << " (" << r->unit << ") với máy chủ tỉnh.\n";
              if (!r->feed_error) print_feed_vi(r->feed);
            }
            if (r->feed_error) {
              // Enrolled: the code is used up. Only the first download is missing; sync fetches it.
              std::cerr << "Đã kết nối nhưng chưa tải được danh mục thủ tục và lịch làm việc; hãy chạy lại "
                           "đồng bộ (motcua-agent sync) khi có mạng.\n"
                        << "motcua: enrolled, but the first feed pull failed: " << r->feed_error->message
                        << "\n  hint: do not enroll again; run motcua-agent sync --data " << o->common.data_dir
                        << " when the hub is reachable\n";
            }
            return 0;
          }};
}

}  // namespace motcua::agent::cli
