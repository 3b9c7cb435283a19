// motcua-agent receive --data DIR --procedure CODE --applicant NAME --citizen-id CCCD [...]
// Records a dossier received at the counter and prints its code and appointment.
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/dossiers.hpp"

namespace motcua::agent::cli {

Command add_receive_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    ReceiveRequest request;
    std::vector<std::string> documents;
    std::string received_at;
    std::string due_at;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("receive", "Record a dossier received at the counter (tiếp nhận hồ sơ)");
  add_common_options(app, o->common);
  app->add_option("--procedure", o->request.procedure, "National procedure code (e.g. 2.000815) or NB- internal id")
      ->required();
  app->add_option("--applicant", o->request.applicant, "Applicant's full name (chủ hồ sơ)")->required();
  app->add_option("--citizen-id", o->request.citizen_id, "Applicant's CCCD number: 12 digits")->required();
  app->add_option("--submitter", o->request.submitter, "Person who submitted it (người nộp), if not the applicant");
  app->add_option("--phone", o->request.phone, "Phone: 10 digits starting with 0");
  app->add_option("--address", o->request.address, "Applicant's address");
  app->add_option("--channel", o->request.channel, "1 in person (trực tiếp), 2 online, 3 post")->check(CLI::Range(1, 3));
  app->add_option("--document", o->documents, "Document received, \"Name:chinh|sao|photo:count\" (repeatable)");
  app->add_option("--received-at", o->received_at,
                  "When it was received on paper while the system was down (RFC 3339; no offset = Vietnam time; not in the future)");
  auto* due = app->add_option("--due-at", o->due_at, "Appointment set by the clerk (RFC 3339; no offset = Vietnam time)");
  auto* none = app->add_flag("--no-due-date", o->request.no_due_date, "Record \"không có ngày hẹn trả\"");
  due->excludes(none);
  app->add_option("--actor", o->request.actor, "Who received it (default: the signed-in user)");
  return {app, [o] {
            const bool json = o->common.json;
            for (const auto& spec : o->documents) {
              auto d = parse_document_spec(spec);
              if (!d) return report_error(d.error(), json);
              o->request.documents.push_back(*d);
            }
            if (!o->received_at.empty()) {
              auto t = parse_rfc3339(o->received_at, true);
              if (!t) return report_error(std::move(t.error()).context("--received-at"), json);
              o->request.received_at = *t;
            }
            if (!o->due_at.empty()) {
              auto t = parse_rfc3339(o->due_at, true);
              if (!t) return report_error(std::move(t.error()).context("--due-at"), json);
              o->request.due_at = *t;
            }
            auto store = Store::open(o->common.data_dir, false, process_clock());
            if (!store) return report_error(store.error(), json);
            auto r = receive(*store, o->request);
            if (!r) return report_error(r.error(), json);
            std::string due_text = r->due_at ? format_rfc3339_vn(*r->due_at) : "";
            if (json) {
              print_json({{"id", r->id.hex()}, {"code", r->code}, {"received_at", format_rfc3339_vn(r->received_at)},
                          {"due_at", r->due_at ? nlohmann::json(due_text) : nlohmann::json(nullptr)},
                          {"due_rule", r->due_rule}});
            } else {
              std::cout << "Đã tiếp nhận hồ sơ " << r->code << " — ngày hẹn trả: "
                        << (r->due_at ? human_time(due_text) : "không có ngày hẹn trả") << "\n";
            }
            return 0;
          }};
}

}  // namespace motcua::agent::cli
