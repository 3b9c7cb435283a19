// motcua-agent transfer --data DIR CODE --to UNIT [--note ..] [--actor ..]
// Hands a dossier over to the unit that continues its processing (liên thông).
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/dossiers.hpp"

namespace motcua::agent::cli {

Command add_transfer_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    TransferRequest request;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("transfer",
                                      "Hand a dossier over to another unit (liên thông); it keeps its "
                                      "status and reaches that office at the next sync");
  add_common_options(app, o->common);
  app->add_option("code", o->request.code, "Dossier code, e.g. 33.11953-260213-0001")->required();
  app->add_option("--to", o->request.to_unit, "GSO code of the unit that continues, e.g. 11956 or 33")->required();
  app->add_option("--note", o->request.note, "Remark recorded with the hand-over");
  app->add_option("--actor", o->request.actor, "Who hands it over (default: the signed-in user)");
  return {app, [o] {
            auto store = Store::open(o->common.data_dir, false, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto r = transfer(*store, o->request);
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json) {
              print_json({{"code", r->code},
                          {"status", static_cast<int>(r->status)},
                          {"holder_unit", r->to_unit},
                          {"holder_unit_name", r->to_unit_name}});
            } else {
              std::cout << "Hồ sơ " << r->code << " đã chuyển cho "
                        << (r->to_unit_name.empty() ? r->to_unit : r->to_unit_name) << " (" << r->to_unit
                        << "), giữ trạng thái \"" << domain::status_name_vi(r->status)
                        << "\". Đơn vị nhận sẽ thấy hồ sơ sau lần đồng bộ tới.\n";
            }
            return 0;
          }};
}

}  // namespace motcua::agent::cli
