// motcua-hub dossier show --data DIR CODE [--json]
// motcua-hub dossier set-status --data DIR CODE --status N [--as UNIT] --actor NAME [--note ..] [--json]
// motcua-hub dossier transfer --data DIR CODE --to UNIT [--as UNIT] --actor NAME [--note ..] [--json]
// motcua-hub dossier correct --data DIR CODE --field F --value V [--as UNIT] --actor NAME [--note ..] [--json]
// Province users reading and acting on a dossier, under the offices' rules (hub/dossier_actions.hpp).
#include <iostream>
#include <memory>

#include "hub/cli/cli.hpp"
#include "hub/dossier_actions.hpp"

namespace motcua::hub::cli {

namespace {

struct ActOpts {
  CommonOptions common;
  std::string code;
  HubActor actor;
  std::string note;
};

void add_act_options(CLI::App* app, ActOpts& o) {
  add_common_options(app, o.common);
  app->add_option("code", o.code, "Dossier code, e.g. 33.11953-260213-0001")->required();
  app->add_option("--as", o.actor.unit, "GSO code of the unit you act for (default: the province)");
  app->add_option("--actor", o.actor.name, "Your name, recorded with the fact")->required();
  app->add_option("--note", o.note, "Reason or remark recorded with the fact");
}

int print_step(const facts::StepResult& r, bool json) {
  if (json) {
    print_json({{"code", r.code},
                {"event", r.event_id.hex()},
                {"from", static_cast<int>(r.from)},
                {"status", static_cast<int>(r.to)},
                {"holder_unit", r.holder_unit},
                {"due_at", r.due_at ? nlohmann::json(format_rfc3339_vn(*r.due_at)) : nlohmann::json(nullptr)}});
  } else {
    std::cout << "Dossier " << r.code << ": status " << static_cast<int>(r.from) << " -> " << static_cast<int>(r.to)
              << ", held by " << r.holder_unit << "; every office involved receives it at its next sync\n";
  }
  return 0;
}

Command add_show(CLI::App* group) {
  struct Opts {
    CommonOptions common;
    std::string code;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = group->add_subcommand("show", "Show a dossier: facts, state, units involved, conflicts, clock flags");
  add_common_options(app, o->common);
  app->add_option("code", o->code, "Dossier code")->required();
  return {app, [o] {
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto d = hub_dossier_json(*store, o->code);
            if (!d) return report_error(d.error(), o->common.json);
            if (o->common.json) {
              print_json(*d);
              return 0;
            }
            std::cout << (*d)["code"].get<std::string>() << "  status " << (*d)["status"].get<int>() << " ("
                      << (*d)["status_name"].get<std::string>() << ")  held by "
                      << (*d)["holder_unit"].get<std::string>() << "  received by "
                      << (*d)["receiving_unit"].get<std::string>() << "\n";
            for (const auto& e : (*d)["events"]) {
              std::cout << "  " << e["at"].get<std::string>() << "  " << e["origin_unit"].get<std::string>() << "  "
                        << e["kind"].get<std::string>() << "  " << e["outcome"].get<std::string>() << "\n";
            }
            std::cout << "Conflicts: " << (*d)["conflicts"].size() << "\n";
            return 0;
          }};
}

Command add_set_status(CLI::App* group) {
  struct Opts : ActOpts {
    int status = 0;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = group->add_subcommand("set-status", "Change a dossier's status for a unit that holds it");
  add_act_options(app, *o);
  app->add_option("--status", o->status, "New status: 4, 5, 6, 7, 8, 9 or 10")->required()->check(CLI::Range(1, 10));
  return {app, [o] {
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto r = hub_set_status(*store, o->actor, o->code, static_cast<domain::DossierStatus>(o->status), o->note);
            if (!r) return report_error(r.error(), o->common.json);
            return print_step(*r, o->common.json);
          }};
}

Command add_transfer(CLI::App* group) {
  struct Opts : ActOpts {
    std::string to;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = group->add_subcommand("transfer", "Hand a dossier over to another unit for the unit that holds it");
  add_act_options(app, *o);
  app->add_option("--to", o->to, "GSO code of the unit that continues")->required();
  return {app, [o] {
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto r = hub_transfer(*store, o->actor, o->code, o->to, o->note);
            if (!r) return report_error(r.error(), o->common.json);
            return print_step(*r, o->common.json);
          }};
}

Command add_correct(CLI::App* group) {
  struct Opts : ActOpts {
    std::string field, value;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = group->add_subcommand("correct", "Correct the applicant's data for a unit involved with the dossier");
  add_act_options(app, *o);
  app->add_option("--field", o->field, "applicant_name, applicant_citizen_id, submitter_name, phone or address")
      ->required()
      ->check(CLI::IsMember({"applicant_name", "applicant_citizen_id", "submitter_name", "phone", "address"}));
  app->add_option("--value", o->value, "The corrected value")->required();
  return {app, [o] {
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto r = hub_correct(*store, o->actor, o->code, o->field, o->value, o->note);
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json)
              print_json({{"code", o->code}, {"field", o->field}, {"changed", *r}});
            else
              std::cout << (*r ? "Corrected " : "Unchanged (already this value): ") << o->field << "\n";
            return 0;
          }};
}

Command add_conflicts_list(CLI::App* group) {
  struct Opts {
    CommonOptions common;
    std::string unit;
    int limit = 500;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = group->add_subcommand("list", "List every conflict the fold recorded, both versions, newest first");
  add_common_options(app, o->common);
  app->add_option("--unit", o->unit, "Only dossiers this unit is involved with");
  app->add_option("--limit", o->limit, "At most this many (default 500)")->check(CLI::Range(1, 100000));
  return {app, [o] {
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            ConflictFilter f;
            if (!o->unit.empty()) f.unit = o->unit;
            f.limit = o->limit;
            auto list = list_conflicts(*store, f);
            if (!list) return report_error(list.error(), o->common.json);
            if (o->common.json) {
              print_json(*list);
              return 0;
            }
            std::cout << "Conflicts: " << (*list)["total"].get<int64_t>() << "\n";
            for (const auto& c : (*list)["conflicts"]) {
              std::cout << "  " << c["code"].get<std::string>() << "  " << c["rule"].get<std::string>() << "  "
                        << c["detail"].get<std::string>() << "\n";
            }
            return 0;
          }};
}

}  // namespace

std::vector<Command> add_dossier_commands(CLI::App& root) {
  CLI::App* group = root.add_subcommand("dossier", "Read or act on a dossier as a province user");
  group->require_subcommand(1);
  CLI::App* conflicts = root.add_subcommand("conflicts", "Conflicts recorded when offices acted on the same dossier");
  conflicts->require_subcommand(1);
  return {add_show(group), add_set_status(group), add_transfer(group), add_correct(group),
          add_conflicts_list(conflicts)};
}

}  // namespace motcua::hub::cli
