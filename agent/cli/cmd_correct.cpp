// motcua-agent correct --data DIR CODE --field F --value V [--note ..] [--actor ..]
// Corrects one item of the applicant's data (a fact of its own: the original stays in history).
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/dossiers.hpp"

namespace motcua::agent::cli {

Command add_correct_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    CorrectRequest request;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("correct", "Correct the applicant's data on a dossier");
  add_common_options(app, o->common);
  app->add_option("code", o->request.code, "Dossier code, e.g. 33.11953-260213-0001")->required();
  app->add_option("--field", o->request.field, "applicant_name, applicant_citizen_id, submitter_name, phone or address")
      ->required()
      ->check(CLI::IsMember({"applicant_name", "applicant_citizen_id", "submitter_name", "phone", "address"}));
  app->add_option("--value", o->request.value, "The corrected value")->required();
  app->add_option("--note", o->request.note, "Why (e.g. the citizen showed their CCCD)");
  app->add_option("--actor", o->request.actor, "Who corrects (default: the signed-in user)");
  return {app, [o] {
            auto store = Store::open(o->common.data_dir, false, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto r = correct(*store, o->request);
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json) {
              print_json({{"code", r->code}, {"field", o->request.field}, {"changed", r->changed}});
            } else if (r->changed) {
              std::cout << "Hồ sơ " << r->code << ": đã sửa " << domain::correctable_field_vi(o->request.field)
                        << ".\n";
            } else {
              std::cout << "Hồ sơ " << r->code << ": " << domain::correctable_field_vi(o->request.field)
                        << " đã đúng như vậy, không có gì thay đổi.\n";
            }
            return 0;
          }};
}

}  // namespace motcua::agent::cli
