#include "hub/dashboard.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/text.hpp"
#include "hub/fleet.hpp"
#include "hub/hub_store.hpp"
#include "hub/it_accounts.hpp"
#include "hub/report.hpp"
#include "hub/status.hpp"

namespace motcua::hub {

using nlohmann::json;

extern const char* const kDashboardCss;
extern const char* const kDashboardJs;

namespace {

constexpr const char* kCookie = "motcua_hub_session";

std::string esc(std::string_view s) { return html_escape(s); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// application/x-www-form-urlencoded (a query string or a form body); the first value of a name wins.
std::map<std::string, std::string> parse_form(std::string_view s) {
  std::map<std::string, std::string> out;
  while (!s.empty()) {
    const size_t amp = s.find('&');
    const std::string_view pair = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view() : s.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name = url_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
    out.emplace(std::move(name), std::move(value));
  }
  return out;
}

std::string cookie_value(const HttpRequest& req, const std::string& name) {
  const std::string header = req.header("cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string_view part = trim(std::string_view(header).substr(pos, end - pos));
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return {};
}

HttpResponse html(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpResponse redirect(const std::string& location) {
  HttpResponse r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.push_back({"Location", location});
  return r;
}

HttpResponse json_response(int status, const json& doc) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = doc.dump();
  return r;
}

HttpResponse json_error(int status, const Error& e) {
  return json_response(status, json{{"error", {{"code", error_code_name(e.code)}, {"message", e.message}, {"hint", e.hint}}}});
}

std::string two(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

// "28/11/2026 14:05" in Vietnam time, from an RFC 3339 string or null.
std::string vn_time(const json& v) {
  if (!v.is_string()) return "—";
  auto t = parse_rfc3339(v.get<std::string>());
  if (!t) return esc(v.get<std::string>());
  const Date d = vn_date(*t);
  const int64_t ms = vn_ms_of_day(*t);
  return two(d.day) + "/" + two(d.month) + "/" + std::to_string(d.year) + " " + two(static_cast<int>(ms / kMsPerHour)) +
         ":" + two(static_cast<int>(ms / kMsPerMinute % 60));
}

std::string vn_time_ms(int64_t ms) { return vn_time(json(format_rfc3339_vn(Instant{ms}))); }

std::string vn_number(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += '.';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string bytes_vi(const json& v) {
  if (!v.is_number_integer()) return "—";
  const double b = static_cast<double>(v.get<int64_t>());
  char buf[32];
  if (b >= 1e9) std::snprintf(buf, sizeof buf, "%.1f GB", b / 1e9);
  else if (b >= 1e6) std::snprintf(buf, sizeof buf, "%.0f MB", b / 1e6);
  else std::snprintf(buf, sizeof buf, "%.0f kB", b / 1e3);
  std::string s = buf;
  std::replace(s.begin(), s.end(), '.', ',');
  return s;
}

std::string kind_vi(const std::string& kind) {
  if (kind == "commune") return "Xã, phường";
  if (kind == "agency") return "Cơ quan cấp tỉnh";
  if (kind == "province") return "Tỉnh";
  return kind;
}

const char* error_code_vi(const std::string& code) {
  if (code == "unavailable" || code == "timeout") return "Không kết nối được máy chủ tỉnh";
  if (code == "unauthorized") return "Máy chủ từ chối danh tính";
  if (code == "payload_too_large") return "Gói dữ liệu quá lớn";
  return nullptr;
}

}  // namespace

struct Dashboard::Impl {
  std::mutex mutex;  // one request at a time on the connection
  HubStore store;
  std::string province_name;
  ItSessionPolicy policy;

  explicit Impl(HubStore s) : store(std::move(s)) {}

  std::string layout(const std::string& title, const std::string& active, const ItSession* session,
                     const std::string& body) {
    std::string h;
    h += "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
    h += "<title>" + esc(title) + " — motcua tỉnh</title><link rel=\"stylesheet\" href=\"/assets/dashboard.css\">"
         "<script src=\"/assets/dashboard.js\" defer></script></head><body>";
    h += "<header class=\"top\"><span class=\"brand\">motcua · " + esc(province_name) + "</span>";
    if (session) {
      auto tab = [&](const char* href, const char* key, const char* label) {
        h += std::string("<a href=\"") + href + "\"" + (active == key ? " class=\"active\"" : "") + ">" + label + "</a>";
      };
      h += "<nav>";
      tab("/", "fleet", "Tình trạng đơn vị");
      tab("/reports", "reports", "Thống kê, báo cáo");
      h += "</nav><span class=\"user\">" + esc(session->display_name) +
           "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"" +
           esc(session->csrf_token) + "\"><button type=\"submit\" id=\"logout\">Đăng xuất</button></form></span>";
    }
    h += "</header><main>" + body + "</main></body></html>";
    return h;
  }

  // --- sign-in ---------------------------------------------------------------------------------

  std::optional<ItSession> session_of(const HttpRequest& req) {
    const std::string token = cookie_value(req, kCookie);
    if (token.empty()) return std::nullopt;
    auto s = it_find_session(store.db(), store.clock(), token, policy);
    if (!s || !*s) return std::nullopt;
    return **s;
  }

  static bool same_origin(const HttpRequest& req) {
    const std::string site = req.header("sec-fetch-site");
    if (!site.empty() && site != "same-origin" && site != "none") return false;
    const std::string origin = req.header("origin");
    if (origin.empty() || origin == "null") return origin.empty();
    const std::string host = req.header("host");
    return origin == "http://" + host || origin == "https://" + host;
  }

  static std::string cookie_attributes(const HttpRequest& req) {
    std::string a = "; Path=/; HttpOnly; SameSite=Strict";
    if (req.header("x-forwarded-proto") == "https") a += "; Secure";
    return a;
  }

  HttpResponse login_page(const std::string& error, const std::string& username, int status = 200) {
    std::string b = "<section class=\"login\"><h1>Đăng nhập</h1><p>Bảng điều khiển dành cho cán bộ CNTT và lãnh đạo tỉnh.</p>";
    if (!error.empty()) b += "<p class=\"error\" role=\"alert\">" + esc(error) + "</p>";
    b += "<form method=\"post\" action=\"/login\" id=\"login-form\">"
         "<label>Tên đăng nhập<input name=\"username\" id=\"username\" autocomplete=\"username\" required value=\"" +
         esc(username) + "\"></label>"
         "<label>Mật khẩu<input type=\"password\" name=\"password\" id=\"password\" autocomplete=\"current-password\" required></label>"
         "<button type=\"submit\" class=\"primary\" id=\"login-submit\">Đăng nhập</button></form></section>";
    return html(status, layout("Đăng nhập", "", nullptr, b));
  }

  HttpResponse login(const HttpRequest& req) {
    if (!same_origin(req)) return html(403, layout("Bị từ chối", "", nullptr, "<p class=\"error\">Yêu cầu không hợp lệ (khác nguồn gốc).</p>"));
    auto form = parse_form(req.body);
    const std::string username = form["username"];
    auto s = it_sign_in(store.db(), store.clock(), username, form["password"], policy);
    if (!s) {
      const Error& e = s.error();
      const std::string message = !e.message_vi.empty() ? e.message_vi : "Không đăng nhập được: " + e.message;
      return login_page(message, username, e.code == ErrorCode::kUnauthorized ? 401 : 400);
    }
    HttpResponse r = redirect("/");
    r.headers.push_back({"Set-Cookie", std::string(kCookie) + "=" + s->token + cookie_attributes(req)});
    return r;
  }

  HttpResponse logout(const HttpRequest& req, const ItSession& session) {
    auto form = parse_form(req.body);
    if (form["csrf"] != session.csrf_token || !same_origin(req)) {
      return html(403, layout("Bị từ chối", "", &session, "<p class=\"error\">Phiên làm việc không khớp, hãy tải lại trang.</p>"));
    }
    (void)it_sign_out(store.db(), cookie_value(req, kCookie));
    HttpResponse r = redirect("/login");
    r.headers.push_back({"Set-Cookie", std::string(kCookie) + "=; Max-Age=0" + cookie_attributes(req)});
    return r;
  }

  // --- fleet -----------------------------------------------------------------------------------

  HttpResponse fleet(const HttpRequest& req, const ItSession& session) {
    auto status = hub_status(store);
    if (!status) return error_page(session, status.error());
    const json& s = *status;
    const auto q = parse_form(query_of(req));
    const std::string state = q.count("state") ? q.at("state") : "";
    const std::string kind = q.count("kind") ? q.at("kind") : "";
    const std::string search = q.count("q") ? q.at("q") : "";
    const std::string folded = fold_for_search(search);

    std::string b = "<h1>Tình trạng đồng bộ các đơn vị</h1>";
    b += "<p class=\"meta\">Cập nhật lúc <span id=\"generated-at\">" + vn_time(s["generated_at"]) +
         "</span>. Ngưỡng: vàng sau " + esc(s["policy"]["amber_after"].get<std::string>()) + ", đỏ sau " +
         esc(s["policy"]["red_after"].get<std::string>()) + " không đồng bộ được (wh = giờ làm việc).</p>";
    b += "<div class=\"cards\">";
    const std::pair<const char*, const char*> states[] = {
        {"red", "Mất đồng bộ"}, {"amber", "Cần chú ý"}, {"green", "Đồng bộ tốt"}, {"grey", "Chưa kết nối"}};
    for (const auto& [key, label] : states) {
      b += std::string("<a class=\"card state-") + key + (state == key ? " active" : "") + "\" href=\"/?state=" + key +
           "\" id=\"count-" + key + "\"><span class=\"n\">" + std::to_string(s["summary"][key].get<int64_t>()) +
           "</span><span>" + label + "</span></a>";
    }
    b += "</div>";

    b += "<h2>Cảnh báo (" + std::to_string(s["alerts"].size()) + ")</h2>";
    if (s["alerts"].empty()) {
      b += "<p id=\"alerts\" class=\"quiet\">Không có cảnh báo.</p>";
    } else {
      b += "<ul id=\"alerts\" class=\"alerts\">";
      std::vector<const json*> alerts;
      for (const json& a : s["alerts"]) alerts.push_back(&a);
      std::stable_sort(alerts.begin(), alerts.end(), [](const json* x, const json* y) {
        return (*x)["severity"] == "red" && (*y)["severity"] != "red";
      });
      for (const json* a : alerts) {
        b += "<li class=\"sev-" + esc((*a)["severity"].get<std::string>()) + "\" data-unit=\"" +
             esc((*a)["unit"].get<std::string>()) + "\" data-code=\"" + esc((*a)["code"].get<std::string>()) +
             "\"><a href=\"/office/" + url_encode((*a)["unit"].get<std::string>()) + "\">" +
             esc((*a)["name"].get<std::string>()) + "</a> (" + esc((*a)["unit"].get<std::string>()) + "): " +
             esc((*a)["message_vi"].get<std::string>()) + "</li>";
      }
      b += "</ul>";
    }

    b += "<form method=\"get\" action=\"/\" id=\"filter-form\" class=\"filters\">"
         "<label>Tìm đơn vị<input name=\"q\" id=\"search\" placeholder=\"Tên hoặc mã đơn vị\" value=\"" + esc(search) + "\"></label>"
         "<label>Trạng thái<select name=\"state\" id=\"state-filter\"><option value=\"\">Tất cả</option>";
    for (const auto& [key, label] : states) {
      b += std::string("<option value=\"") + key + "\"" + (state == key ? " selected" : "") + ">" + label + "</option>";
    }
    b += "</select></label><label>Loại đơn vị<select name=\"kind\" id=\"kind-filter\"><option value=\"\">Tất cả</option>";
    for (const char* k : {"commune", "agency"}) {
      b += std::string("<option value=\"") + k + "\"" + (kind == k ? " selected" : "") + ">" + kind_vi(k) + "</option>";
    }
    b += "</select></label><button type=\"submit\">Lọc</button> <a class=\"button\" href=\"/\">Bỏ lọc</a></form>";

    std::string rows;
    int shown = 0;
    for (const json& u : s["units"]) {
      const std::string code = u["unit"].get<std::string>();
      if (!state.empty() && u["state"] != state) continue;
      if (!kind.empty() && u["kind"] != kind) continue;
      if (!folded.empty() && fold_for_search(u["name"].get<std::string>()).find(folded) == std::string::npos &&
          code.find(search) == std::string::npos) {
        continue;
      }
      ++shown;
      rows += office_row(u);
    }
    b += "<p class=\"meta\" id=\"shown\">" + std::to_string(shown) + " / " + std::to_string(s["units"].size()) +
         " đơn vị. Bấm tiêu đề cột để sắp xếp.</p>";
    b += "<div class=\"scroll\"><table class=\"list sortable\" id=\"offices\"><thead><tr>"
         "<th data-type=\"num\">Trạng thái</th><th>Mã</th><th>Đơn vị</th><th>Loại</th>"
         "<th data-type=\"num\">Đồng bộ thành công</th><th data-type=\"num\">Không đồng bộ</th>"
         "<th data-type=\"num\">Chờ gửi</th><th data-type=\"num\">Chưa gửi từ</th><th>Lỗi gần nhất</th>"
         "<th data-type=\"num\">Lệch giờ</th><th>Phiên bản</th><th data-type=\"num\">Đĩa trống</th>"
         "<th data-type=\"num\">Cách ly</th><th data-type=\"num\">Danh mục</th><th data-type=\"num\">Hồ sơ</th>"
         "</tr></thead><tbody>" + rows + "</tbody></table></div>";
    return html(200, layout("Tình trạng đơn vị", "fleet", &session, b));
  }

  static std::string office_row(const json& u) {
    const std::string state = u["state"].get<std::string>();
    const int rank = state == "red" ? 0 : state == "amber" ? 1 : state == "green" ? 2 : 3;
    const json& r = u["report"];
    const bool has_report = r.is_object();
    auto cell = [](const std::string& sort, const std::string& text) {
      return "<td data-v=\"" + esc(sort) + "\">" + text + "</td>";
    };
    auto ms_of = [](const json& v) -> int64_t {
      if (!v.is_string()) return 0;
      auto t = parse_rfc3339(v.get<std::string>());
      return t ? t->ms : 0;
    };
    std::string row = "<tr class=\"state-" + state + "\" data-unit=\"" + esc(u["unit"].get<std::string>()) +
                      "\" data-state=\"" + state + "\">";
    row += cell(std::to_string(rank), "<span class=\"badge state-" + state + "\">" +
                                          esc(u["state_vi"].get<std::string>()) + "</span>");
    row += "<td>" + esc(u["unit"].get<std::string>()) + "</td>";
    row += "<td><a href=\"/office/" + url_encode(u["unit"].get<std::string>()) + "\">" +
           esc(u["name"].get<std::string>()) + "</a></td>";
    row += "<td>" + esc(kind_vi(u["kind"].get<std::string>())) + "</td>";
    row += cell(std::to_string(ms_of(u["last_success_at"])), vn_time(u["last_success_at"]));
    const bool enrolled = !u["silent_working_ms"].is_null();
    row += cell(enrolled ? std::to_string(u["silent_working_ms"].get<int64_t>()) : "-1",
                enrolled ? format_duration_vi(u["silent_working_ms"].get<int64_t>(), true) : "—");
    row += cell(has_report ? std::to_string(r["pending_changes"].get<int64_t>()) : "-1",
                has_report ? vn_number(r["pending_changes"].get<int64_t>()) : "—");
    row += cell(has_report ? std::to_string(ms_of(r["oldest_unsent_at"])) : "0",
                has_report ? vn_time(r["oldest_unsent_at"]) : "—");
    std::string error = "—";
    if (has_report && r["last_error"].is_object()) {
      const std::string code = r["last_error"]["code"].get<std::string>();
      const char* vi = error_code_vi(code);
      error = "<span title=\"" + esc(r["last_error"]["message"].get<std::string>()) + "\">" +
              esc(vi ? std::string(vi) : code) + " (" + vn_time(r["last_error"]["at"]) + ")</span>";
    }
    row += "<td>" + error + "</td>";
    if (u["clock_offset_ms"].is_null()) {
      row += cell("0", "—");
    } else {
      const int64_t off = u["clock_offset_ms"].get<int64_t>();
      const int64_t abs_off = off < 0 ? -off : off;
      row += cell(std::to_string(abs_off), abs_off < kMsPerMinute ? std::string("&lt; 1 phút")
                                                                 : std::string(off > 0 ? "chậm " : "nhanh ") +
                                                                       std::to_string(abs_off / kMsPerMinute) + " phút");
    }
    row += "<td>" + (has_report ? esc(r["agent_version"].get<std::string>()) : std::string("—")) + "</td>";
    row += cell(has_report && r["free_disk_bytes"].is_number() ? std::to_string(r["free_disk_bytes"].get<int64_t>()) : "-1",
                has_report ? bytes_vi(r["free_disk_bytes"]) : "—");
    row += cell(std::to_string(u["quarantined_batches"].get<int64_t>()),
                std::to_string(u["quarantined_batches"].get<int64_t>()));
    row += cell(u["catalog_version_applied"].is_null() ? "-1" : u["catalog_version_applied"].dump(),
                u["catalog_version_applied"].is_null() ? "—" : u["catalog_version_applied"].dump());
    row += cell(std::to_string(u["dossiers"].get<int64_t>()), vn_number(u["dossiers"].get<int64_t>()));
    return row + "</tr>";
  }

  // --- one office ------------------------------------------------------------------------------

  HttpResponse office(const std::string& unit, const ItSession& session) {
    auto status = hub_status(store);
    if (!status) return error_page(session, status.error());
    const json* u = nullptr;
    for (const json& x : (*status)["units"]) {
      if (x["unit"] == unit) u = &x;
    }
    if (!u) {
      return html(404, layout("Không tìm thấy", "fleet", &session,
                              "<h1>Không tìm thấy đơn vị " + esc(unit) + "</h1><p><a href=\"/\">Về danh sách</a></p>"));
    }
    const std::string state = (*u)["state"].get<std::string>();
    std::string b = "<p><a href=\"/\">← Tất cả đơn vị</a></p><h1>" + esc((*u)["name"].get<std::string>()) + " (" +
                    esc(unit) + ") <span class=\"badge state-" + state + "\" id=\"office-state\">" +
                    esc((*u)["state_vi"].get<std::string>()) + "</span></h1>";
    if (!(*u)["alerts"].empty()) {
      b += "<ul class=\"alerts\">";
      for (const json& a : (*u)["alerts"]) {
        b += "<li class=\"sev-" + esc(a["severity"].get<std::string>()) + "\">" + esc(a["message_vi"].get<std::string>()) + "</li>";
      }
      b += "</ul>";
    }
    const json& r = (*u)["report"];
    auto dd = [&](const std::string& label, const std::string& value) { b += "<dt>" + label + "</dt><dd>" + value + "</dd>"; };
    b += "<dl class=\"facts\">";
    dd("Loại đơn vị", esc(kind_vi((*u)["kind"].get<std::string>())));
    dd("Máy trạm", esc((*u)["agent_status"].get<std::string>() == "active" ? "đang hoạt động"
                       : (*u)["agent_status"].get<std::string>() == "revoked" ? "đã bị thu hồi"
                       : (*u)["agent_status"].get<std::string>() == "retired" ? "đã thay thế"
                                                                               : "chưa đăng ký"));
    dd("Đồng bộ thành công lần cuối", vn_time((*u)["last_success_at"]));
    if (!(*u)["silent_working_ms"].is_null()) {
      dd("Không đồng bộ được", format_duration_vi((*u)["silent_working_ms"].get<int64_t>(), true) + " (" +
                                   format_duration_vi((*u)["silent_ms"].get<int64_t>(), false) + " thực tế)");
    }
    dd("Liên lạc lần cuối", vn_time((*u)["last_seen_at"]));
    if (r.is_object()) {
      dd("Phiên bản phần mềm", esc(r["agent_version"].get<std::string>()) + " (lược đồ " + r["schema_version"].dump() + ")");
      dd("Lần thử gần nhất", vn_time(r["last_attempt_at"]));
      dd("Gửi lên thành công", vn_time(r["last_upload_ok_at"]));
      dd("Nhận về thành công", vn_time(r["last_feed_ok_at"]));
      dd("Thay đổi chờ gửi", vn_number(r["pending_changes"].get<int64_t>()) + (r["oldest_unsent_at"].is_string() ? " (cũ nhất: " + vn_time(r["oldest_unsent_at"]) + ")" : ""));
      if (r["last_error"].is_object()) {
        dd("Lỗi gần nhất", esc(r["last_error"]["code"].get<std::string>()) + ": " +
                               esc(r["last_error"]["message"].get<std::string>()) + " (" + vn_time(r["last_error"]["at"]) + ")");
      }
      dd("Dung lượng đĩa trống", bytes_vi(r["free_disk_bytes"]));
      dd("Gói bị cách ly / từ chối (theo đơn vị)", r["quarantined_batches"].dump() + " / " + r["refused_batches"].dump());
    }
    dd("Lệch đồng hồ (máy chủ − đơn vị)", (*u)["clock_offset_ms"].is_null() ? "—" : std::to_string((*u)["clock_offset_ms"].get<int64_t>() / 1000) + " giây");
    dd("Danh mục TTHC đã áp dụng", (*u)["catalog_version_applied"].is_null() ? "—" : "phiên bản " + (*u)["catalog_version_applied"].dump());
    dd("Hồ sơ tiếp nhận / đang giữ", vn_number((*u)["dossiers"].get<int64_t>()) + " / " + vn_number((*u)["dossiers_held"].get<int64_t>()));
    b += "</dl>";

    auto section = office_history(unit);
    if (!section) return error_page(session, section.error());
    b += *section;
    return html(200, layout((*u)["name"].get<std::string>(), "fleet", &session, b));
  }

  Result<std::string> office_history(const std::string& unit) {
    sql::Db& db = store.db();
    std::string b;
    // Syncs: the office's reports, newest first.
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt reports, db.prepare(
        "SELECT h.received_at, h.pending_changes, h.oldest_unsent_at, h.last_success_at + h.hub_clock_offset_ms, "
        "h.last_error_code, json_extract(h.report, '$.last_error.message') "
        "FROM agent_report_history h JOIN agent a ON a.id = h.agent_id WHERE a.unit = ?1 ORDER BY h.id DESC LIMIT 50"));
    reports.bind(1, unit);
    b += "<h2>Lịch sử đồng bộ (50 lần gần nhất)</h2><table class=\"list\" id=\"syncs\"><thead><tr><th>Máy chủ nhận báo cáo</th>"
         "<th>Thành công lần cuối</th><th>Chờ gửi</th><th>Chưa gửi từ</th><th>Lỗi</th></tr></thead><tbody>";
    int n = 0;
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, reports.step());
      if (!row) break;
      ++n;
      b += "<tr><td>" + vn_time_ms(reports.int64(0)) + "</td><td>" + (reports.is_null(3) ? "—" : vn_time_ms(reports.int64(3))) +
           "</td><td>" + vn_number(reports.int64(1)) + "</td><td>" + (reports.is_null(2) ? "—" : vn_time_ms(reports.int64(2))) +
           "</td><td>" + (reports.is_null(4) ? "—" : esc(reports.text(4)) + (reports.is_null(5) ? "" : ": " + esc(reports.text(5)))) +
           "</td></tr>";
    }
    if (n == 0) b += "<tr><td colspan=\"5\">Chưa có báo cáo nào.</td></tr>";
    b += "</tbody></table>";

    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt batches, db.prepare(
        "SELECT b.received_at, b.first_seq, b.last_seq, b.status, b.size, b.reason FROM batch b "
        "JOIN agent a ON a.id = b.agent_id WHERE a.unit = ?1 ORDER BY b.received_at DESC LIMIT 50"));
    batches.bind(1, unit);
    b += "<h2>Gói thay đổi đã nhận (50 gói gần nhất)</h2><table class=\"list\" id=\"batches\"><thead><tr><th>Nhận lúc</th>"
         "<th>Số thứ tự</th><th>Kết quả</th><th>Dung lượng</th><th>Lý do</th></tr></thead><tbody>";
    n = 0;
    int64_t bytes = 0;
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, batches.step());
      if (!row) break;
      ++n;
      bytes += batches.int64(4);
      const std::string st = batches.text(3);
      const char* st_vi = st == "applied" ? "đã áp dụng" : st == "quarantined" ? "bị cách ly" : "bị từ chối";
      b += "<tr class=\"batch-" + esc(st) + "\"><td>" + vn_time_ms(batches.int64(0)) + "</td><td>" +
           std::to_string(batches.int64(1)) + "–" + std::to_string(batches.int64(2)) + "</td><td>" + st_vi + "</td><td>" +
           vn_number(batches.int64(4)) + " B</td><td>" + esc(batches.text(5)) + "</td></tr>";
    }
    if (n == 0) b += "<tr><td colspan=\"5\">Chưa nhận gói nào.</td></tr>";
    b += "</tbody></table><p class=\"meta\">" + std::to_string(n) + " gói, " + vn_number(bytes) + " byte.</p>";

    // Quarantined batches stay listed whatever their age, until provincial IT retries them.
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt held, db.prepare(
        "SELECT b.received_at, b.first_seq, b.last_seq, b.size, b.reason, lower(hex(b.agent_id)) FROM batch b "
        "JOIN agent a ON a.id = b.agent_id WHERE a.unit = ?1 AND b.status = 'quarantined' ORDER BY b.received_at"));
    held.bind(1, unit);
    b += "<h2>Gói thay đổi đang bị cách ly</h2><table class=\"list\" id=\"quarantined\"><thead><tr><th>Nhận lúc</th>"
         "<th>Số thứ tự</th><th>Dung lượng</th><th>Lý do</th><th>Xử lý</th></tr></thead><tbody>";
    n = 0;
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, held.step());
      if (!row) break;
      ++n;
      b += "<tr><td>" + vn_time_ms(held.int64(0)) + "</td><td>" + std::to_string(held.int64(1)) + "–" +
           std::to_string(held.int64(2)) + "</td><td>" + vn_number(held.int64(3)) + " B</td><td>" + esc(held.text(4)) +
           "</td><td><code>motcua-hub quarantine retry --agent " + esc(held.text(5)) + " --first-seq " +
           std::to_string(held.int64(1)) + "</code></td></tr>";
    }
    if (n == 0) b += "<tr><td colspan=\"5\">Không có gói nào bị cách ly.</td></tr>";
    b += "</tbody></table>";

    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt conflicts, db.prepare(
        "SELECT s.code, c.rule, c.detail FROM dossier_unit du JOIN dossier_conflict c ON c.dossier_id = du.dossier_id "
        "LEFT JOIN dossier_state s ON s.dossier_id = c.dossier_id WHERE du.unit = ?1 ORDER BY s.code LIMIT 100"));
    conflicts.bind(1, unit);
    b += "<h2>Xung đột đã giải quyết</h2><table class=\"list\" id=\"conflicts\"><thead><tr><th>Hồ sơ</th><th>Quy tắc</th>"
         "<th>Chi tiết</th></tr></thead><tbody>";
    n = 0;
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, conflicts.step());
      if (!row) break;
      ++n;
      b += "<tr><td>" + esc(conflicts.is_null(0) ? "" : conflicts.text(0)) + "</td><td>" + esc(conflicts.text(1)) +
           "</td><td>" + esc(conflicts.text(2)) + "</td></tr>";
    }
    if (n == 0) b += "<tr><td colspan=\"3\">Không có xung đột.</td></tr>";
    b += "</tbody></table>";
    return b;
  }

  // --- statistics ------------------------------------------------------------------------------

  // A value as Vietnamese readers write it: 1.234 dossiers, 95,2%, 3,4 days.
  static std::string report_value(const json& v, bool ratio) {
    if (v.is_null()) return "—";
    if (v.is_number_integer()) return vn_number(v.get<int64_t>());
    char buf[32];
    if (ratio) std::snprintf(buf, sizeof buf, "%.1f%%", v.get<double>() * 100.0);
    else std::snprintf(buf, sizeof buf, "%.1f", v.get<double>());
    std::string s = buf;
    std::replace(s.begin(), s.end(), '.', ',');
    return s;
  }

  // A horizontal bar chart drawn as inline SVG (no script, prints as is).
  static std::string bar_chart(const std::string& id, const std::string& title, const json& rows,
                               const std::vector<std::pair<const char*, const char*>>& series) {
    const int kMax = 15;
    double max = 0;
    int count = 0;
    for (const json& r : rows) {
      if (count++ >= kMax) break;
      for (const auto& [key, colour] : series) {
        if (r[key].is_number()) max = std::max(max, r[key].get<double>());
      }
    }
    if (count == 0 || max <= 0) return "";
    const int bar_h = 12, gap = 8, label_w = 220, chart_w = 420;
    const int group_h = static_cast<int>(series.size()) * bar_h + gap;
    const int shown = std::min(count, kMax);
    const int height = shown * group_h + 24;
    std::string svg = "<figure class=\"chart\"><figcaption>" + esc(title) + "</figcaption><svg id=\"" + id +
                      "\" role=\"img\" width=\"" + std::to_string(label_w + chart_w + 80) + "\" height=\"" +
                      std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(label_w + chart_w + 80) + " " +
                      std::to_string(height) + "\">";
    int i = 0;
    for (const json& r : rows) {
      if (i >= kMax) break;
      const int y0 = i * group_h;
      svg += "<text x=\"" + std::to_string(label_w - 6) + "\" y=\"" + std::to_string(y0 + bar_h) +
             "\" text-anchor=\"end\" class=\"label\">" + esc(r["name"].get<std::string>().substr(0, 60)) + "</text>";
      int k = 0;
      for (const auto& [key, colour] : series) {
        const double v = r[key].is_number() ? r[key].get<double>() : 0;
        const int w = static_cast<int>(v / max * chart_w);
        const int y = y0 + k * bar_h;
        svg += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
               std::to_string(std::max(w, 1)) + "\" height=\"" + std::to_string(bar_h - 2) + "\" fill=\"" + colour +
               "\" data-key=\"" + key + "\" data-value=\"" + r[key].dump() + "\"><title>" +
               esc(r["name"].get<std::string>()) + ": " + r[key].dump() + "</title></rect>";
        svg += "<text x=\"" + std::to_string(label_w + std::max(w, 1) + 4) + "\" y=\"" + std::to_string(y + bar_h - 3) +
               "\" class=\"value\">" + report_value(r[key], false) + "</text>";
        ++k;
      }
      ++i;
    }
    svg += "</svg></figure>";
    return svg;
  }

  HttpResponse reports(const HttpRequest& req, const ItSession& session) {
    auto q = parse_form(query_of(req));
    const Date today = vn_date(store.clock().now());
    const std::string default_from = std::to_string(today.year) + "-01-01";
    const std::string default_to = std::to_string(today.year) + "-" + two(today.month) + "-" + two(today.day);
    const std::string from = q.count("from") && !q["from"].empty() ? q["from"] : default_from;
    const std::string to = q.count("to") && !q["to"].empty() ? q["to"] : default_to;
    const std::string by = q.count("by") && !q["by"].empty() ? q["by"] : "unit";
    std::string b = "<h1>Thống kê tình hình giải quyết TTHC</h1>";
    b += "<form method=\"get\" action=\"/reports\" id=\"report-form\" class=\"filters\">"
         "<label>Từ ngày<input type=\"date\" name=\"from\" id=\"from\" value=\"" + esc(from) + "\"></label>"
         "<label>Đến ngày<input type=\"date\" name=\"to\" id=\"to\" value=\"" + esc(to) + "\"></label>"
         "<label>Theo<select name=\"by\" id=\"by\">";
    for (const auto& [key, label] : {std::pair<const char*, const char*>{"unit", "Đơn vị"}, {"field", "Lĩnh vực"}, {"procedure", "Thủ tục"}}) {
      b += std::string("<option value=\"") + key + "\"" + (by == key ? " selected" : "") + ">" + label + "</option>";
    }
    b += "</select></label><button type=\"submit\" class=\"primary\">Xem</button></form>";
    auto query = parse_report_query(from, to, by);
    if (!query) {
      b += "<p class=\"error\" role=\"alert\">Không lập được báo cáo: " + esc(query.error().message) + "</p>";
      return html(400, layout("Thống kê", "reports", &session, b));
    }
    auto report = statistics_report(store.db(), *query);
    if (!report) return error_page(session, report.error());
    const json& r = *report;
    const std::string qs = "from=" + url_encode(from) + "&to=" + url_encode(to) + "&by=" + url_encode(by);
    b += "<p class=\"meta\">Kỳ báo cáo " + esc(from) + " đến " + esc(to) + ". <a href=\"/reports.csv?" + qs +
         "\" id=\"csv-link\">Tải CSV (Excel)</a> · <a href=\"/api/report?" + qs + "\" id=\"json-link\">JSON</a></p>";
    b += "<div class=\"scroll\"><table class=\"list sortable report\" id=\"report\"><thead><tr><th>" +
         std::string(by == "unit" ? "Đơn vị" : by == "field" ? "Lĩnh vực" : "Thủ tục") + "</th>";
    for (const ReportColumn& c : report_columns()) {
      if (c.kind != ReportColumn::kText) b += "<th data-type=\"num\">" + std::string(c.header_vi) + "</th>";
    }
    b += "</tr></thead><tbody>";
    auto row = [&](const json& x, bool total) {
      std::string h = std::string("<tr") + (total ? " class=\"total\"" : "") + " data-key=\"" + esc(x["key"].get<std::string>()) + "\"><td>" +
                      esc(x["name"].get<std::string>()) + "</td>";
      for (const ReportColumn& c : report_columns()) {
        if (c.kind == ReportColumn::kText) continue;
        h += "<td data-key=\"" + std::string(c.key) + "\" data-v=\"" + (x[c.key].is_null() ? std::string("") : x[c.key].dump()) +
             "\">" + report_value(x[c.key], c.kind == ReportColumn::kRate) + "</td>";
      }
      return h + "</tr>";
    };
    for (const json& x : r["rows"]) b += row(x, false);
    b += "</tbody><tfoot>" + row(r["total"], true) + "</tfoot></table></div>";
    // Charts: the largest rows by dossiers received.
    json top = r["rows"];
    std::vector<json> sorted(top.begin(), top.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const json& x, const json& y) {
      return x["received_total"].get<int64_t>() > y["received_total"].get<int64_t>();
    });
    const json ordered = sorted;
    b += "<div class=\"charts\">";
    b += bar_chart("chart-volume", "Tiếp nhận và giải quyết (15 dòng nhiều hồ sơ nhất)", ordered,
                   {{"received_total", "#3b6fb6"}, {"resolved_total", "#1e8e3e"}, {"resolved_late", "#c5221f"}});
    b += bar_chart("chart-on-time", "Tỉ lệ giải quyết đúng hạn theo Bộ chỉ số 766", ordered, {{"on_time_rate_766", "#1e8e3e"}});
    b += "</div><p class=\"legend\"><span class=\"sw sw-blue\"></span>Tổng tiếp nhận "
         "<span class=\"sw sw-green\"></span>Đã giải quyết <span class=\"sw sw-red\"></span>Quá hạn</p>";
    b += "<p class=\"meta\">Quy tắc đếm: xem docs/STATISTICS.md (báo cáo số 06; chỉ số 766 tính hồ sơ bổ sung quá một lần là "
         "quá hạn, trừ thời gian chờ bổ sung, hồ sơ không có ngày hẹn so với thời hạn luật định).</p>";
    return html(200, layout("Thống kê", "reports", &session, b));
  }

  HttpResponse report_data(const HttpRequest& req, bool csv) {
    auto q = parse_form(query_of(req));
    auto query = parse_report_query(q["from"], q["to"], q["by"].empty() ? "unit" : q["by"]);
    if (!query) return json_error(400, query.error());
    auto report = statistics_report(store.db(), *query);
    if (!report) return json_error(500, report.error());
    if (!csv) return json_response(200, *report);
    HttpResponse r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = report_csv(*report);
    r.headers.push_back({"Content-Disposition", "attachment; filename=\"thong-ke-" + q["from"] + "-" + q["to"] + "-" +
                                                   (q["by"].empty() ? std::string("unit") : q["by"]) + ".csv\""});
    return r;
  }

  HttpResponse error_page(const ItSession& session, const Error& e) {
    return html(500, layout("Lỗi", "", &session,
                            "<h1>Không đọc được dữ liệu</h1><p class=\"error\">" + esc(e.message) + "</p><p>" + esc(e.hint) + "</p>"));
  }

  static std::string query_of(const HttpRequest& req) {
    const size_t q = req.target.find('?');
    return q == std::string::npos ? std::string() : req.target.substr(q + 1);
  }

  HttpResponse handle(const HttpRequest& req) {
    const std::string path = req.target.substr(0, req.target.find('?'));
    if (path == "/assets/dashboard.css" || path == "/assets/dashboard.js") {
      HttpResponse r;
      const bool css = path.back() == 's' && path[path.size() - 2] == 's';
      r.content_type = css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
      r.body = css ? kDashboardCss : kDashboardJs;
      r.headers.push_back({"Cache-Control", "max-age=300"});
      return r;
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (path == "/login") {
      if (req.method == "POST") return login(req);
      if (session_of(req)) return redirect("/");
      return login_page("", "");
    }
    const bool known = path == "/" || path == "/logout" || path == "/reports" || path == "/reports.csv" ||
                       path == "/api/status" || path == "/api/report" || (path.rfind("/office/", 0) == 0 && path.size() > 8);
    if (!known) {
      return json_error(404, Error::not_found("nothing is served at " + path,
                                              "the dashboard is at /, the protocol under /v1/ (PROTOCOL.md)"));
    }
    auto session = session_of(req);
    if (!session) {
      if (path.rfind("/api/", 0) == 0 || path == "/reports.csv") {
        return json_error(401, Error::unauthorized("sign in first", "POST /login with an IT staff account"));
      }
      return redirect("/login");
    }
    if (req.method == "POST") {
      if (path == "/logout") return logout(req, *session);
      return html(405, layout("Không hỗ trợ", "", &*session, "<p>Thao tác không được hỗ trợ.</p>"));
    }
    if (req.method != "GET" && req.method != "HEAD") return html(405, layout("Không hỗ trợ", "", &*session, "<p>Thao tác không được hỗ trợ.</p>"));
    if (path == "/") return fleet(req, *session);
    if (path.rfind("/office/", 0) == 0) return office(url_decode(path.substr(8)), *session);
    if (path == "/reports") return reports(req, *session);
    if (path == "/reports.csv") return report_data(req, true);
    if (path == "/api/report") return report_data(req, false);
    if (path == "/api/status") {
      auto s = hub_status(store);
      if (!s) return json_error(500, s.error());
      return json_response(200, *s);
    }
    return redirect("/");  // GET /logout: signing out takes the form's POST
  }
};

Result<std::unique_ptr<Dashboard>> Dashboard::create(const std::string& data_dir, const Clock& clock) {
  MOTCUA_ASSIGN_OR_RETURN(HubStore store, HubStore::open(data_dir, clock));
  auto impl = std::make_unique<Impl>(std::move(store));
  MOTCUA_ASSIGN_OR_RETURN(std::string province, impl->store.get_meta("province"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, impl->store.db().prepare("SELECT name FROM unit WHERE code = ?1"));
  st.bind(1, province);
  MOTCUA_ASSIGN_OR_RETURN(bool found, st.step());
  impl->province_name = found ? st.text(0) : "Tỉnh " + province;
  return std::unique_ptr<Dashboard>(new Dashboard(std::move(impl)));
}

Dashboard::Dashboard(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Dashboard::~Dashboard() = default;

HttpResponse Dashboard::handle(const HttpRequest& request) {
  HttpResponse r = m_impl->handle(request);
  // The pages load only their own stylesheet and script; nothing may frame them.
  r.headers.push_back({"Content-Security-Policy",
                       "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  r.headers.push_back({"Referrer-Policy", "same-origin"});
  if (r.content_type.rfind("text/html", 0) == 0 || r.content_type.rfind("application/json", 0) == 0) {
    r.headers.push_back({"Cache-Control", "no-store"});
  }
  return r;
}

Result<std::string> Dashboard::render_metrics(const HubMetrics& metrics) {
  std::lock_guard<std::mutex> lock(m_impl->mutex);
  MOTCUA_ASSIGN_OR_RETURN(json status, hub_status(m_impl->store));
  return metrics.render(status, m_impl->store.db());
}

}  // namespace motcua::hub
