// motcua-agent status --data DIR [--json]
// The office at a glance: unit, dossier count, changes not yet sent, catalogue and calendar versions.
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/dossiers.hpp"

namespace motcua::agent::cli {

namespace {

// "phiên bản 3", "phiên bản 0 (nạp từ tệp)", "chưa có".
std::string version_vi(const nlohmann::json& v) {
  if (!v.is_number_integer()) return "chưa có";
  const int64_t n = v.get<int64_t>();
  return "phiên bản " + std::to_string(n) + (n == 0 ? " (nạp từ tệp, chưa nhận từ máy chủ tỉnh)" : "");
}

}  // namespace

Command add_status_command(CLI::App& root) {
  auto o = std::make_shared<CommonOptions>();
  CLI::App* app = root.add_subcommand("status", "Show the office's state: dossiers, pending changes, versions");
  add_common_options(app, *o);
  return {app, [o] {
            auto store = Store::open(o->data_dir, false, process_clock());
            if (!store) return report_error(store.error(), o->json);
            auto r = office_status(*store);
            if (!r) return report_error(r.error(), o->json);
            if (o->json) {
              print_json(*r);
              return 0;
            }
            const auto& s = *r;
            std::cout << s["unit_name"].get<std::string>() << " (" << s["unit"].get<std::string>() << ")\n"
                      << "  Hồ sơ: " << s["dossiers"].get<int64_t>() << "\n"
                      << "  Thay đổi chưa gửi: " << s["pending_changes"].get<int64_t>()
                      << (s["oldest_pending_at"].is_string()
                              ? " (chờ gửi từ " + human_time(s["oldest_pending_at"].get<std::string>()) + ")"
                              : std::string())
                      << "\n"
                      << "  Danh mục thủ tục: " << version_vi(s["catalog_version"]) << " ("
                      << s["procedures"].get<int64_t>() << " thủ tục)\n"
                      << "  Lịch làm việc: " << version_vi(s["calendar_version"]) << "\n";
            if (s["dossiers_held_elsewhere"].get<int64_t>() > 0) {
              std::cout << "  Hồ sơ đang do đơn vị khác xử lý (liên thông): " << s["dossiers_held_elsewhere"].get<int64_t>()
                        << "\n";
            }
            if (s["conflicts"].get<int64_t>() > 0) {
              std::cout << "  Thao tác không được áp dụng do xung đột: " << s["conflicts"].get<int64_t>()
                        << " (xem chi tiết bằng lệnh show)\n";
            }
            if (s["revoked"].get<bool>()) {
              std::cout << "  Máy này đã bị thu hồi quyền đồng bộ — liên hệ CNTT tỉnh để được cấp mã đăng ký mới "
                           "(revoked — contact provincial IT)\n";
            }
            if (s["enrolled"].get<bool>()) {
              std::cout << "  Đồng bộ thành công gần nhất: "
                        << (s["last_sync_ok_at"].is_string() ? human_time(s["last_sync_ok_at"].get<std::string>())
                                                              : std::string("chưa có"))
                        << "\n";
              const auto& e = s["last_error"];
              if (e.is_object() && e["current"].get<bool>()) {
                std::cout << "  Lỗi đồng bộ lúc " << human_time(e["at"].get<std::string>())
                          << ": " << e["message"].get<std::string>() << "\n";
              }
            } else {
              std::cout << "  Chưa kết nối với máy chủ tỉnh\n";
            }
            return 0;
          }};
}

}  // namespace motcua::agent::cli
