// motcua-agent show --data DIR CODE [--json]
// Prints one dossier: what was received, its documents, every event and its current state.
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/dossiers.hpp"

namespace motcua::agent::cli {

namespace {

// "Không quá 02 ngày làm việc (danh mục phiên bản 2)"; "(không có)" for a procedure published
// without a time limit; "không rõ" when the office lacks the catalogue row.
std::string time_limit_vi(const nlohmann::json& procedure) {
  const int64_t version = procedure["version"].get<int64_t>();
  const std::string catalogue =
      " (danh mục phiên bản " + std::to_string(version) + (version == 0 ? ", nạp từ tệp)" : ")");
  if (!procedure.contains("time_limit_text")) return "không rõ" + catalogue;
  const std::string text = procedure["time_limit_text"].get<std::string>();
  return (text.empty() ? std::string("(không có)") : text) + catalogue;
}

}  // namespace

Command add_show_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    std::string code;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("show", "Show one dossier with its documents and history");
  add_common_options(app, o->common);
  app->add_option("code", o->code, "Dossier code")->required();
  return {app, [o] {
            auto store = Store::open(o->common.data_dir, false, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            auto r = show_dossier(*store, o->code);
            if (!r) return report_error(r.error(), o->common.json);
            if (o->common.json) {
              print_json(*r);
              return 0;
            }
            const auto& d = *r;
            std::cout << "Hồ sơ " << d["code"].get<std::string>() << " — " << d["status_name"].get<std::string>() << "\n"
                      << "  Thủ tục: " << d["procedure"].value("name", d["procedure"]["key"].get<std::string>()) << "\n"
                      << "  Thời hạn giải quyết: " << time_limit_vi(d["procedure"]) << "\n"
                      << "  Chủ hồ sơ: " << d["applicant"]["name"].get<std::string>() << " (CCCD "
                      << d["applicant"]["citizen_id"].get<std::string>() << ")\n"
                      << "  Tiếp nhận: " << human_time(d["received_at"].get<std::string>()) << "\n"
                      << "  Hẹn trả: " << human_time(d["due_at"].is_null() ? "" : d["due_at"].get<std::string>()) << "\n";
            if (d["holder_unit"] != d["receiving_unit"]) {
              std::cout << "  Đơn vị đang xử lý: " << d["holder_unit"].get<std::string>() << " (liên thông)\n";
            }
            for (const auto& e : d["events"]) {
              const std::string kind = e["kind"].get<std::string>();
              std::cout << "  " << human_time(e["at"].get<std::string>()) << "  " << e["origin_unit"].get<std::string>()
                        << "  ";
              if (kind == "transfer") {
                std::cout << "chuyển liên thông cho " << e.value("to_unit", std::string("?"));
              } else if (kind == "correction") {
                std::cout << "sửa " << domain::correctable_field_vi(e.value("field", std::string())) << ": "
                          << e.value("value", std::string());
              } else if (kind == "status") {
                std::cout << (e["from_status"].is_null() ? std::string("-") : std::to_string(e["from_status"].get<int>()))
                          << " → "
                          << (e["to_status"].is_null() ? std::string("-") : std::to_string(e["to_status"].get<int>()));
              } else {
                std::cout << "ghi chú";
              }
              std::cout << "  " << e["actor"].get<std::string>();
              const std::string outcome = e["outcome"].get<std::string>();
              if (outcome == "lost") std::cout << "  [không áp dụng do xung đột: " << e["conflict_rule"].get<std::string>() << "]";
              if (outcome == "waiting") std::cout << "  [chờ dữ liệu từ máy chủ tỉnh]";
              std::cout << "\n";
            }
            if (!d["conflicts"].empty()) {
              std::cout << "  Xung đột: " << d["conflicts"].size()
                        << " thao tác được lưu trong lịch sử nhưng không được áp dụng (chi tiết: --json).\n";
            }
            return 0;
          }};
}

}  // namespace motcua::agent::cli
