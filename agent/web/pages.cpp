#include "agent/web/pages.hpp"

#include <cstdio>

#include "common/text.hpp"
#include "common/time.hpp"
#include "domain/dossier.hpp"

namespace motcua::agent::web {

using nlohmann::json;
using domain::DossierStatus;

namespace {

constexpr int kDocumentRows = 8;

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + esc(value) + "\"";
}

std::string csrf_field(const std::string& csrf) { return "<input type=\"hidden\" name=\"csrf\"" + attr("value", csrf) + ">"; }

std::string value_of(const FormValues& v, const std::string& key, const std::string& fallback = "") {
  auto it = v.find(key);
  return it == v.end() ? fallback : it->second;
}

std::optional<Instant> instant_of(const json& j) {
  if (!j.is_string()) return std::nullopt;
  auto t = parse_rfc3339(j.get<std::string>());
  if (!t) return std::nullopt;
  return *t;
}

// "17 giờ 00 phút, ngày 12/02/2026", as the forms write an instant.
std::string vn_long(const json& j) {
  auto t = instant_of(j);
  if (!t) return "";
  const int64_t m = vn_ms_of_day(*t) / kMsPerMinute;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02d giờ %02d phút, ngày ", static_cast<int>(m / 60), static_cast<int>(m % 60));
  return buf + format_vn_date(*t);
}

std::string vn_short(const json& j) {
  auto t = instant_of(j);
  return t ? format_vn_datetime(*t) : "";
}

std::string appointment_text(const json& due) { return due.is_string() ? vn_long(due) : "Không có ngày hẹn trả"; }

const char* channel_vi(int64_t c) {
  switch (c) {
    case 1: return "Trực tiếp";
    case 2: return "Trực tuyến";
    case 3: return "Bưu chính công ích";
  }
  return "?";
}

const char* form_vi(const std::string& f) {
  if (f == "chinh") return "Bản chính";
  if (f == "sao") return "Bản sao";
  if (f == "photo") return "Bản photo";
  return "?";
}

// What a step is called on the buttons clerks press.
const char* step_label(int from, int to) {
  switch (to) {
    case 4:
      return from == 5   ? "Công dân đã nộp bổ sung — tiếp tục xử lý"
             : from == 6 ? "Đã thực hiện nghĩa vụ tài chính — tiếp tục xử lý"
                         : "Chuyển xử lý (Đang xử lý)";
    case 6: return "Chờ thực hiện nghĩa vụ tài chính";
    case 7: return "Công dân rút hồ sơ";
    case 8: return "Dừng xử lý";
    case 9: return "Ghi nhận kết quả (Đã xử lý xong)";
    case 10: return "Trả kết quả cho công dân";
  }
  return domain::status_name_vi(static_cast<DossierStatus>(to));
}

// The clerk's full name when the actor is one of this office's accounts, else the recorded name.
std::string actor_name(const DossierView& v, const std::string& actor) {
  auto it = v.actor_names.find(actor);
  return it == v.actor_names.end() ? actor : it->second + " (" + actor + ")";
}

std::string unit_name(const DossierView& v, const std::string& code) {
  auto it = v.unit_names.find(code);
  return it == v.unit_names.end() ? code : it->second + " (" + code + ")";
}

// The form header shared by Mẫu 01–03: office on the left, national motto on the right.
std::string form_header(const domain::Unit& office, const std::string& code) {
  return "<table class=\"form-head\"><tr><td><div class=\"upper\">" + esc(office.name) +
         "</div><div class=\"upper bold\">Bộ phận tiếp nhận và trả kết quả</div><div>Số: " + esc(code) +
         "</div></td><td><div class=\"upper bold\">Cộng hòa xã hội chủ nghĩa Việt Nam</div>"
         "<div class=\"bold\">Độc lập - Tự do - Hạnh phúc</div></td></tr></table>";
}

std::string print_page(const std::string& title, const std::string& code, const std::string& body) {
  return "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
         "</title><link rel=\"stylesheet\" href=\"/static/app.css\"><script src=\"/static/app.js\" defer></script>"
         "</head><body class=\"print-page\"><div class=\"toolbar no-print\"><button id=\"print\" type=\"button\">In "
         "phiếu</button> <a href=\"/dossiers/" + esc(code) + "\">Quay lại hồ sơ</a></div><main class=\"sheet\">" + body +
         "</main></body></html>";
}

std::string signatures(const std::string& left_title, const std::string& left_name, const std::string& right_title,
                       const std::string& right_name) {
  return "<table class=\"signatures\"><tr><td><div class=\"bold upper\">" + esc(left_title) +
         "</div><div class=\"italic\">(Ký và ghi rõ họ tên)</div><div class=\"sign-space\"></div><div>" + esc(left_name) +
         "</div></td><td><div class=\"bold upper\">" + esc(right_title) +
         "</div><div class=\"italic\">(Ký và ghi rõ họ tên)</div><div class=\"sign-space\"></div><div>" +
         esc(right_name) + "</div></td></tr></table>";
}

std::string place_date(const domain::Unit& office, const json& at) {
  auto t = instant_of(at);
  if (!t) return "";
  const Date d = vn_date(*t);
  return "<p class=\"place-date italic\">" + esc(office.name) + ", ngày " + std::to_string(d.day) + " tháng " +
         std::to_string(d.month) + " năm " + std::to_string(d.year) + "</p>";
}

std::string procedure_name(const json& d) {
  const json& p = d["procedure"];
  std::string name = p.value("name", p.value("key", ""));
  const std::string code = p.contains("national_code") && p["national_code"].is_string()
                               ? p["national_code"].get<std::string>() : "chưa có mã";
  return name + " (" + code + ")";
}

std::string applicant_block(const json& d) {
  std::string submitter = d.value("submitter", "");
  std::string out = "<p>Tiếp nhận hồ sơ của: <b>" + esc(d["applicant"].value("name", "")) + "</b></p>";
  out += "<p>Số CCCD: " + esc(d["applicant"].value("citizen_id", "")) + "</p>";
  if (!submitter.empty()) out += "<p>Người nộp hồ sơ: " + esc(submitter) + "</p>";
  if (!d.value("address", "").empty()) out += "<p>Địa chỉ: " + esc(d.value("address", "")) + "</p>";
  if (!d.value("phone", "").empty()) out += "<p>Số điện thoại: " + esc(d.value("phone", "")) + "</p>";
  out += "<p>Nội dung yêu cầu giải quyết: " + esc(procedure_name(d)) + "</p>";
  return out;
}

// The newest status event of `d` that went to `to`, or null.
const json* last_step_to(const json& d, int to) {
  const json* found = nullptr;
  for (const auto& e : d["events"]) {
    if (e.value("kind", "") == "status" && e["to_status"].is_number_integer() && e["to_status"].get<int>() == to &&
        e.value("applied", false)) {
      found = &e;
    }
  }
  return found;
}

const json* refusal_note(const json& d) {
  for (const auto& e : d["events"]) {
    if (e.value("kind", "") == "note") return &e;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> non_empty_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line(trim(std::string_view(text).substr(start, end - start)));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
    start = end + 1;
  }
  return out;
}

std::string esc(std::string_view text) { return html_escape(text); }

std::string layout(const Frame& f, const std::string& title, const std::string& body) {
  std::string h = "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
                  esc(title) + " — Một cửa " + esc(f.office_name) +
                  "</title><link rel=\"stylesheet\" href=\"/static/app.css\"><script src=\"/static/app.js\" defer></script>"
                  "</head><body>";
  h += "<header class=\"top no-print\"><div class=\"office\">Bộ phận Một cửa — " + esc(f.office_name) + "</div>";
  if (f.session) {
    auto nav = [&](const char* id, const char* href, const char* key, const char* label) {
      return std::string("<a id=\"") + id + "\" href=\"" + href + "\"" + (f.nav == key ? " class=\"active\"" : "") +
             ">" + label + "</a>";
    };
    h += "<nav>" + nav("nav-queues", "/", "queues", "Hồ sơ của tôi") + nav("nav-receive", "/receive", "receive", "Tiếp nhận hồ sơ");
    if (f.session->role == Role::kLead) h += nav("nav-accounts", "/accounts", "accounts", "Tài khoản");
    h += "</nav>";
    const json& ind = f.indicator;
    const std::string state = ind.value("state", "grey");
    h += "<div class=\"sync\"><span id=\"sync-indicator\" class=\"sync-" + esc(state) + "\"" + attr("data-state", state) +
         attr("title", ind.value("detail", "")) + "><span class=\"dot\"></span><span id=\"sync-text\">" +
         esc(ind.value("text", "")) + "</span></span><form id=\"sync-form\" method=\"post\" action=\"/sync\">" +
         csrf_field(f.session->csrf_token) +
         "<button id=\"sync-now\" type=\"submit\">Đồng bộ ngay</button></form></div>";
    h += "<div class=\"user\"><span id=\"current-user\">" + esc(f.session->display_name) +
         "</span><form method=\"post\" action=\"/logout\">" + csrf_field(f.session->csrf_token) +
         "<button id=\"logout\" type=\"submit\">Đăng xuất</button></form></div>";
  }
  h += "</header>";
  if (f.session) {
    const json& ind = f.indicator;
    h += "<div id=\"sync-detail\" class=\"sync-detail no-print sync-" + esc(ind.value("state", "grey")) + "\">" +
         esc(ind.value("detail", "")) + "</div>";
    if (ind.contains("clock_warning") && ind["clock_warning"].is_string()) {
      h += "<div id=\"clock-warning\" class=\"warning no-print\">" + esc(ind["clock_warning"].get<std::string>()) + "</div>";
    }
  }
  h += "<main>";
  if (!f.flash.empty()) h += "<p class=\"flash\">" + esc(f.flash) + "</p>";
  if (!f.errors.empty()) {
    h += "<ul class=\"form-errors\" role=\"alert\">";
    for (const auto& e : f.errors) h += "<li>" + esc(e) + "</li>";
    h += "</ul>";
  }
  h += body + "</main></body></html>";
  return h;
}

std::string login_page(const std::string& next, const std::string& username, const std::string& error) {
  std::string body = "<section class=\"login\"><h1>Đăng nhập</h1>";
  if (!error.empty()) body += "<ul class=\"form-errors\" role=\"alert\"><li>" + esc(error) + "</li></ul>";
  body += "<form id=\"login-form\" method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"next\"" + attr("value", next) +
          "><label>Tên đăng nhập<input name=\"username\" autocomplete=\"username\" autofocus" + attr("value", username) +
          "></label><label>Mật khẩu<input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label>"
          "<button id=\"login-submit\" type=\"submit\">Đăng nhập</button></form>"
          "<p class=\"hint\">Quên mật khẩu? Hãy nhờ trưởng bộ phận một cửa đặt lại.</p></section>";
  return "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width, initial-scale=1\"><title>Đăng nhập — Một cửa</title>"
         "<link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><header class=\"top\"><div class=\"office\">"
         "Bộ phận Một cửa</div></header><main>" + body + "</main></body></html>";
}

std::string receive_body(const std::vector<reference::ProcedureRow>& procedures, const FormValues& v,
                         const std::string& csrf) {
  const std::string chosen = value_of(v, "procedure");
  std::string h = "<h1>Tiếp nhận hồ sơ</h1><form id=\"receive-form\" method=\"post\" action=\"/receive\" novalidate>" +
                  csrf_field(csrf);
  h += "<fieldset><legend>Thủ tục hành chính</legend><label for=\"procedure-search\">Tìm theo mã hoặc tên thủ tục "
       "(gõ có dấu hoặc không dấu)</label><input id=\"procedure-search\" type=\"search\" autocomplete=\"off\" "
       "placeholder=\"ví dụ: khai sinh, 1.001193\"" + attr("value", value_of(v, "procedure_search")) +
       " name=\"procedure_search\"><select id=\"procedure\" name=\"procedure\" size=\"8\">";
  for (const auto& row : procedures) {
    const auto& p = row.procedure;
    const std::string code = p.national_code.empty() ? "chưa có mã" : p.national_code;
    h += "<option" + attr("value", p.key) + attr("data-fold", fold_for_search(p.key + " " + code + " " + p.name)) +
         attr("data-limit", p.time_limit_text) + attr("data-docs", p.required_documents) +
         (p.key == chosen ? " selected" : "") + ">" + esc(code) + " — " + esc(p.name) + "</option>";
  }
  h += "</select><p id=\"procedure-limit\" class=\"hint\"></p></fieldset>";

  auto text_input = [&](const char* name, const char* label, const char* extra) {
    return std::string("<label>") + label + "<input name=\"" + name + "\"" + attr("value", value_of(v, name)) + extra +
           "></label>";
  };
  h += "<fieldset><legend>Chủ hồ sơ và người nộp</legend><div class=\"grid\">";
  h += text_input("applicant_name", "Họ tên chủ hồ sơ *", " autocomplete=\"off\"");
  h += text_input("applicant_citizen_id", "Số CCCD (12 chữ số) *", " inputmode=\"numeric\" maxlength=\"12\" autocomplete=\"off\"");
  h += text_input("submitter_name", "Người nộp (để trống nếu là chủ hồ sơ)", " autocomplete=\"off\"");
  h += text_input("phone", "Số điện thoại", " inputmode=\"tel\" maxlength=\"10\" autocomplete=\"off\"");
  h += text_input("address", "Địa chỉ", " autocomplete=\"off\"");
  const std::string channel = value_of(v, "channel", "1");
  h += "<label>Kênh nộp<select name=\"channel\">";
  for (int c = 1; c <= 3; ++c) {
    h += "<option value=\"" + std::to_string(c) + "\"" + (channel == std::to_string(c) ? " selected" : "") + ">" +
         channel_vi(c) + "</option>";
  }
  h += "</select></label></div></fieldset>";

  h += "<fieldset><legend>Thành phần hồ sơ đã nhận</legend><table id=\"documents\"><thead><tr><th>Đã nhận</th>"
       "<th>Tên giấy tờ</th><th>Loại bản</th><th>Số lượng</th></tr></thead><tbody>";
  for (int n = 1; n <= kDocumentRows; ++n) {
    const std::string k = std::to_string(n);
    const std::string form = value_of(v, "doc_form_" + k, "chinh");
    h += "<tr><td><input type=\"checkbox\" name=\"doc_on_" + k + "\" value=\"1\"" +
         (value_of(v, "doc_on_" + k).empty() ? "" : " checked") + " aria-label=\"Đã nhận giấy tờ " + k +
         "\"></td><td><input name=\"doc_name_" + k + "\"" + attr("value", value_of(v, "doc_name_" + k)) +
         " aria-label=\"Tên giấy tờ " + k + "\"></td><td><select name=\"doc_form_" + k + "\" aria-label=\"Loại bản " + k + "\">";
    for (const char* f : {"chinh", "sao", "photo"}) {
      h += std::string("<option value=\"") + f + "\"" + (form == f ? " selected" : "") + ">" + form_vi(f) + "</option>";
    }
    h += "</select></td><td><input type=\"number\" min=\"1\" max=\"99\" name=\"doc_copies_" + k + "\"" +
         attr("value", value_of(v, "doc_copies_" + k, "1")) + " aria-label=\"Số lượng " + k + "\"></td></tr>";
  }
  h += "</tbody></table></fieldset>";

  h += "<fieldset><legend>Ngày hẹn trả kết quả</legend><p class=\"hint\">Máy tự tính theo thời hạn giải quyết của "
       "thủ tục và lịch làm việc. Chỉ nhập khi thủ tục không có thời hạn xác định.</p><div class=\"grid\">"
       "<label>Hẹn trả lúc<input type=\"datetime-local\" name=\"due_at\"" + attr("value", value_of(v, "due_at")) +
       "></label><label class=\"check\"><input type=\"checkbox\" name=\"no_due_date\" value=\"1\"" +
       (value_of(v, "no_due_date").empty() ? "" : " checked") + "> Không có ngày hẹn trả</label></div></fieldset>";
  h += "<div class=\"buttons\"><button id=\"receive-submit\" class=\"primary\" type=\"submit\" name=\"action\" "
       "value=\"receive\">Tiếp nhận hồ sơ</button></div>";
  h += "<details class=\"refuse\"><summary>Từ chối tiếp nhận (Mẫu 03)</summary><label>Lý do từ chối"
       "<textarea name=\"refusal_reason\" rows=\"3\">" + esc(value_of(v, "refusal_reason")) +
       "</textarea></label><button id=\"refuse-submit\" type=\"submit\" name=\"action\" value=\"refuse\">Từ chối "
       "tiếp nhận</button></details></form>";
  return h;
}

std::string queues_body(const std::vector<int64_t>& counts, const std::string& active, const std::string& query,
                        const json& list, int offset, int limit) {
  std::string h = "<h1>Hồ sơ của tôi</h1><nav class=\"queues\">";
  for (size_t i = 0; i < std::size(kAllQueues); ++i) {
    const Queue q = kAllQueues[i];
    const std::string name = queue_name(q);
    h += "<a id=\"queue-" + name + "\" href=\"/?queue=" + name + "\"" +
         (query.empty() && name == active ? " class=\"active\"" : "") + (q == Queue::kOverdue && counts[i] > 0 ? " data-alert=\"1\"" : "") +
         ">" + queue_label_vi(q) + " <span class=\"count\">" + std::to_string(i < counts.size() ? counts[i] : 0) +
         "</span></a>";
  }
  h += "</nav><form id=\"search-form\" method=\"get\" action=\"/\"><input name=\"q\" type=\"search\" "
       "placeholder=\"Mã hồ sơ, họ tên chủ hồ sơ hoặc số CCCD\" aria-label=\"Tìm hồ sơ\"" + attr("value", query) +
       "><button id=\"search-submit\" type=\"submit\">Tìm</button></form>";
  if (!query.empty()) h += "<h2>Kết quả tìm \"" + esc(query) + "\"</h2>";
  const json& rows = list["dossiers"];
  if (rows.empty()) {
    h += "<p id=\"no-results\">Không có hồ sơ nào.</p>";
    return h;
  }
  h += "<table id=\"dossier-list\" class=\"list\"><thead><tr><th>Mã hồ sơ</th><th>Chủ hồ sơ</th><th>CCCD</th>"
       "<th>Thủ tục</th><th>Trạng thái</th><th>Ngày nhận</th><th>Hẹn trả</th></tr></thead><tbody>";
  for (const auto& r : rows) {
    const std::string code = r.value("code", "");
    h += "<tr" + attr("data-code", code) + "><td><a href=\"/dossiers/" + esc(code) + "\">" + esc(code) + "</a></td><td>" +
         esc(r.value("applicant_name", "")) + "</td><td>" + esc(r.value("applicant_citizen_id", "")) + "</td><td>" +
         esc(r.value("procedure", "")) + "</td><td>" + esc(r.value("status_name", "")) + "</td><td>" +
         esc(vn_short(r["received_at"])) + "</td><td>" + esc(r["due_at"].is_string() ? vn_short(r["due_at"]) : "—") +
         "</td></tr>";
  }
  h += "</tbody></table>";
  const int64_t total = list.value("total", int64_t{0});
  if (query.empty() && total > offset + limit) {
    h += "<p class=\"pager\"><a id=\"next-page\" href=\"/?queue=" + esc(active) + "&offset=" +
         std::to_string(offset + limit) + "\">Trang sau</a> (" + std::to_string(offset + 1) + "–" +
         std::to_string(offset + static_cast<int64_t>(rows.size())) + " / " + std::to_string(total) + ")</p>";
  }
  return h;
}

std::string dossier_body(const DossierView& v) {
  const json& d = v.dossier;
  const std::string code = d.value("code", "");
  const int status = d.value("status", 0);
  const std::string holder = d.value("holder_unit", "");
  const bool holds = holder == v.own_unit;
  const bool receiving = d.value("receiving_unit", "") == v.own_unit;
  std::string h = "<h1>Hồ sơ <span id=\"dossier-code\">" + esc(code) + "</span></h1>";
  h += "<dl class=\"facts\"><dt>Trạng thái</dt><dd><span id=\"dossier-status\" class=\"status s" + std::to_string(status) +
       "\">" + esc(d.value("status_name", "")) + "</span></dd>";
  h += "<dt>Ngày hẹn trả</dt><dd id=\"dossier-due\">" +
       esc(d["due_at"].is_string() ? vn_short(d["due_at"]) : std::string("Không có ngày hẹn trả")) + "</dd>";
  if (d["paused_at"].is_string()) h += "<dt>Tạm dừng tính thời hạn từ</dt><dd>" + esc(vn_short(d["paused_at"])) + "</dd>";
  h += "<dt>Thủ tục</dt><dd>" + esc(procedure_name(d)) + "</dd>";
  if (d["procedure"].contains("time_limit_text")) {
    h += "<dt>Thời hạn giải quyết</dt><dd>" + esc(d["procedure"].value("time_limit_text", "")) + "</dd>";
  }
  h += "<dt>Chủ hồ sơ</dt><dd id=\"dossier-applicant\">" + esc(d["applicant"].value("name", "")) + "</dd>";
  h += "<dt>Số CCCD</dt><dd>" + esc(d["applicant"].value("citizen_id", "")) + "</dd>";
  if (!d.value("submitter", "").empty()) h += "<dt>Người nộp</dt><dd>" + esc(d.value("submitter", "")) + "</dd>";
  if (!d.value("phone", "").empty()) h += "<dt>Số điện thoại</dt><dd>" + esc(d.value("phone", "")) + "</dd>";
  if (!d.value("address", "").empty()) h += "<dt>Địa chỉ</dt><dd>" + esc(d.value("address", "")) + "</dd>";
  h += "<dt>Kênh nộp</dt><dd>" + std::string(channel_vi(d.value("channel", 1))) + "</dd>";
  h += "<dt>Tiếp nhận lúc</dt><dd>" + esc(vn_short(d["received_at"])) + " tại " + esc(unit_name(v, d.value("receiving_unit", ""))) + "</dd>";
  h += "<dt>Đơn vị đang xử lý</dt><dd id=\"dossier-holder\">" + esc(unit_name(v, holder)) + "</dd></dl>";

  h += "<p class=\"prints\">";
  if (status != 3) h += "<a id=\"print-mau-01\" class=\"button\" href=\"/dossiers/" + esc(code) + "/mau-01\">In giấy tiếp nhận (Mẫu 01)</a> ";
  if (last_step_to(d, 5)) h += "<a id=\"print-mau-02\" class=\"button\" href=\"/dossiers/" + esc(code) + "/mau-02\">In phiếu yêu cầu bổ sung (Mẫu 02)</a> ";
  if (status == 3) h += "<a id=\"print-mau-03\" class=\"button\" href=\"/dossiers/" + esc(code) + "/mau-03\">In phiếu từ chối (Mẫu 03)</a>";
  h += "</p>";

  if (!d["documents"].empty()) {
    h += "<h2>Thành phần hồ sơ</h2><table class=\"list\"><thead><tr><th>STT</th><th>Tên giấy tờ</th><th>Loại bản</th>"
         "<th>Số lượng</th></tr></thead><tbody>";
    for (const auto& doc : d["documents"]) {
      h += "<tr><td>" + std::to_string(doc.value("position", 0)) + "</td><td>" + esc(doc.value("name", "")) + "</td><td>" +
           form_vi(doc.value("form", "")) + "</td><td>" + std::to_string(doc.value("copies", 1)) + "</td></tr>";
    }
    h += "</tbody></table>";
  }

  // The steps this office may take now: the holder any legal one, the receiving office the counter's.
  std::vector<int> steps;
  for (DossierStatus to : domain::legal_targets(static_cast<DossierStatus>(status))) {
    const int t = static_cast<int>(to);
    if (t == 5) continue;  // the supplement form below, which lists what is missing
    if (holds || (receiving && domain::is_counter_step(static_cast<DossierStatus>(status), to))) steps.push_back(t);
  }
  if (!steps.empty() || (holds && status == 4) || (holds && domain::is_transferable(static_cast<DossierStatus>(status)))) {
    h += "<h2>Xử lý hồ sơ</h2><div class=\"actions\">";
  }
  if (!steps.empty()) {
    h += "<form id=\"status-form\" method=\"post\" action=\"/dossiers/" + esc(code) + "/status\">" + csrf_field(v.csrf) +
         "<label>Bước tiếp theo<select name=\"status\">";
    for (int t : steps) h += "<option value=\"" + std::to_string(t) + "\">" + esc(step_label(status, t)) + "</option>";
    h += "</select></label><label>Ghi chú / kết quả<textarea name=\"note\" rows=\"2\"></textarea></label>"
         "<button id=\"status-submit\" type=\"submit\">Cập nhật trạng thái</button></form>";
  }
  if (holds && status == 4) {
    h += "<form id=\"supplement-form\" method=\"post\" action=\"/dossiers/" + esc(code) + "/supplement\">" + csrf_field(v.csrf) +
         "<label>Yêu cầu bổ sung, hoàn thiện hồ sơ — mỗi dòng một nội dung còn thiếu"
         "<textarea name=\"missing_items\" rows=\"4\"></textarea></label>"
         "<p class=\"hint\">Thời hạn giải quyết tạm dừng cho đến khi công dân nộp bổ sung.</p>"
         "<button id=\"supplement-submit\" type=\"submit\">Yêu cầu bổ sung (Mẫu 02)</button></form>";
  }
  if (holds && domain::is_transferable(static_cast<DossierStatus>(status))) {
    h += "<form id=\"transfer-form\" method=\"post\" action=\"/dossiers/" + esc(code) + "/transfer\">" + csrf_field(v.csrf) +
         "<label>Chuyển hồ sơ (liên thông) tới<select name=\"to_unit\">";
    for (const auto& u : v.transfer_targets) {
      h += "<option" + attr("value", u.code) + ">" + esc(u.name) + " (" + esc(u.code) + ")</option>";
    }
    h += "</select></label><label>Ghi chú<textarea name=\"note\" rows=\"2\"></textarea></label>"
         "<button id=\"transfer-submit\" type=\"submit\">Chuyển hồ sơ</button></form>";
  }
  if (!steps.empty() || (holds && status == 4) || (holds && domain::is_transferable(static_cast<DossierStatus>(status)))) {
    h += "</div>";
  } else if (!holds) {
    h += "<p class=\"hint\">Hồ sơ đang do " + esc(unit_name(v, holder)) + " xử lý.</p>";
  }

  h += "<h2>Quá trình xử lý</h2><table id=\"history\" class=\"list\"><thead><tr><th>Thời gian</th><th>Người thực hiện</th>"
       "<th>Đơn vị</th><th>Nội dung</th><th>Ghi chú</th></tr></thead><tbody>";
  const bool refused = status == 3 && d.value("receiving_unit", "") == holder;
  h += "<tr><td>" + esc(vn_short(d["received_at"])) + "</td><td>" + esc(receiving ? actor_name(v, d.value("actor", "")) : d.value("actor", "")) + "</td><td>" +
       esc(unit_name(v, d.value("receiving_unit", ""))) + "</td><td>" +
       (refused ? "Từ chối tiếp nhận" : "Tiếp nhận hồ sơ") + "</td><td></td></tr>";
  for (const auto& e : d["events"]) {
    const std::string kind = e.value("kind", "");
    std::string what;
    if (kind == "status") {
      what = "Chuyển trạng thái: " + std::string(domain::status_name_vi(static_cast<DossierStatus>(e["from_status"].get<int>()))) +
             " → " + domain::status_name_vi(static_cast<DossierStatus>(e["to_status"].get<int>()));
      if (e["due_at"].is_string()) what += " (hẹn trả mới: " + vn_short(e["due_at"]) + ")";
    } else if (kind == "transfer") {
      what = "Chuyển hồ sơ (liên thông) tới " + unit_name(v, e.value("to_unit", ""));
    } else if (kind == "correction") {
      what = "Sửa thông tin " + e.value("field", "") + ": " + e.value("value", "");
    } else {
      what = refused ? "Lý do từ chối" : "Ghi chú";
    }
    const std::string outcome = e.value("outcome", "");
    if (outcome == "lost") what += " — không áp dụng (xung đột: " + e.value("conflict_rule", "") + ")";
    if (outcome == "waiting") what += " — chờ dữ liệu từ đơn vị khác";
    h += "<tr" + std::string(outcome == "lost" ? " class=\"lost\"" : "") + "><td>" + esc(vn_short(e["at"])) + "</td><td>" +
         esc(e.value("origin_unit", "") == v.own_unit ? actor_name(v, e.value("actor", "")) : e.value("actor", "")) +
         "</td><td>" + esc(unit_name(v, e.value("origin_unit", ""))) + "</td><td>" + esc(what) +
         "</td><td class=\"note\">" + esc(e.value("note", "")) + "</td></tr>";
  }
  h += "</tbody></table>";
  if (!d["conflicts"].empty()) {
    h += "<h2>Xung đột đã xử lý tự động</h2><ul class=\"conflicts\">";
    for (const auto& c : d["conflicts"]) h += "<li>" + esc(c.value("rule", "")) + ": " + esc(c.value("detail", "")) + "</li>";
    h += "</ul>";
  }
  return h;
}

std::string mau01_page(const json& d, const domain::Unit& office, const std::string& clerk_name) {
  const std::string code = d.value("code", "");
  std::string b = form_header(office, code);
  b += "<h1 class=\"form-title\">Giấy tiếp nhận hồ sơ và hẹn trả kết quả</h1>";
  b += "<p class=\"center\">Mã hồ sơ: <b id=\"receipt-code\">" + esc(code) + "</b></p>";
  b += "<p>Bộ phận tiếp nhận và trả kết quả " + esc(office.name) + "</p>";
  b += applicant_block(d);
  b += "<p>Thành phần hồ sơ và số lượng mỗi loại giấy tờ gồm:</p><table class=\"docs\"><thead><tr><th>STT</th>"
       "<th>Tên giấy tờ</th><th>Bản chính</th><th>Bản sao</th><th>Bản photo</th></tr></thead><tbody>";
  int n = 0;
  for (const auto& doc : d["documents"]) {
    const std::string f = doc.value("form", "");
    const std::string copies = std::to_string(doc.value("copies", 1));
    b += "<tr><td>" + std::to_string(++n) + "</td><td>" + esc(doc.value("name", "")) + "</td><td>" +
         (f == "chinh" ? copies : "") + "</td><td>" + (f == "sao" ? copies : "") + "</td><td>" +
         (f == "photo" ? copies : "") + "</td></tr>";
  }
  if (n == 0) b += "<tr><td colspan=\"5\">(không ghi thành phần hồ sơ)</td></tr>";
  b += "</tbody></table>";
  b += "<p>Số lượng hồ sơ: 01 (bộ)</p>";
  b += "<p>Thời gian giải quyết hồ sơ theo quy định là: " + esc(d["procedure"].value("time_limit_text", "")) + "</p>";
  b += "<p>Thời gian nhận hồ sơ: <span id=\"receipt-received\">" + esc(vn_long(d["received_at"])) + "</span></p>";
  b += "<p>Thời gian trả kết quả giải quyết hồ sơ: <b id=\"receipt-due\">" + esc(appointment_text(d["appointment_at"])) +
       "</b></p>";
  b += "<p>Đăng ký nhận kết quả tại: Bộ phận tiếp nhận và trả kết quả " + esc(office.name) + "</p>";
  b += "<p>Kênh nộp: " + std::string(channel_vi(d.value("channel", 1))) + "</p>";
  b += place_date(office, d["received_at"]);
  const std::string submitter = d.value("submitter", "").empty() ? d["applicant"].value("name", "") : d.value("submitter", "");
  b += signatures("Người nộp hồ sơ", submitter, "Người tiếp nhận hồ sơ", clerk_name);
  return print_page("Mẫu 01 — " + code, code, b);
}

std::string mau02_page(const json& d, const domain::Unit& office, const std::string& clerk_name) {
  const std::string code = d.value("code", "");
  const json* step = last_step_to(d, 5);
  std::string b = form_header(office, code);
  b += "<h1 class=\"form-title\">Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ</h1>";
  b += "<p class=\"center\">Mã hồ sơ: <b id=\"receipt-code\">" + esc(code) + "</b></p>";
  b += applicant_block(d);
  b += "<p>Sau khi xem xét hồ sơ, đề nghị ông/bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:</p><ol id=\"missing-items\">";
  if (step) {
    for (const auto& line : non_empty_lines(step->value("note", ""))) b += "<li>" + esc(line) + "</li>";
  }
  b += "</ol>";
  b += "<p>Lý do: hồ sơ chưa đầy đủ, hợp lệ theo quy định. Thời hạn giải quyết tạm dừng từ " +
       esc(step ? vn_long((*step)["at"]) : std::string("")) + " cho đến khi nhận đủ hồ sơ bổ sung.</p>";
  b += "<p>Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, ông/bà liên hệ Bộ phận tiếp nhận và trả kết quả " +
       esc(office.name) + " để được hướng dẫn.</p>";
  b += place_date(office, step ? (*step)["at"] : d["received_at"]);
  b += signatures("Người nộp hồ sơ", d["applicant"].value("name", ""), "Người hướng dẫn", clerk_name);
  return print_page("Mẫu 02 — " + code, code, b);
}

std::string mau03_page(const json& d, const domain::Unit& office, const std::string& clerk_name) {
  const std::string code = d.value("code", "");
  const json* note = refusal_note(d);
  std::string b = form_header(office, code);
  b += "<h1 class=\"form-title\">Phiếu từ chối tiếp nhận, giải quyết hồ sơ</h1>";
  b += "<p class=\"center\">Mã hồ sơ: <b id=\"receipt-code\">" + esc(code) + "</b></p>";
  b += applicant_block(d);
  b += "<p>Qua xem xét, Bộ phận tiếp nhận và trả kết quả " + esc(office.name) +
       " thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:</p>";
  b += "<p id=\"refusal-reason\" class=\"reason\">" + esc(note ? note->value("note", "") : std::string()) + "</p>";
  b += "<p>Xin thông báo để ông/bà được biết và thực hiện./.</p>";
  b += place_date(office, d["received_at"]);
  b += signatures("Người nộp hồ sơ", d["applicant"].value("name", ""), "Người tiếp nhận hồ sơ", clerk_name);
  return print_page("Mẫu 03 — " + code, code, b);
}

std::string accounts_body(const std::vector<Account>& accounts, const Session& me, const std::string& csrf) {
  std::string h = "<h1>Tài khoản cán bộ</h1><table id=\"accounts\" class=\"list\"><thead><tr><th>Tên đăng nhập</th>"
                  "<th>Họ tên</th><th>Vai trò</th><th>Trạng thái</th><th></th></tr></thead><tbody>";
  for (const auto& a : accounts) {
    const bool disabled = a.disabled_at.has_value();
    h += "<tr" + attr("data-username", a.username) + "><td>" + esc(a.username) + "</td><td>" + esc(a.display_name) +
         "</td><td>" + (a.role == Role::kLead ? "Trưởng bộ phận" : "Cán bộ một cửa") + "</td><td>" +
         (disabled ? "Đã khóa" : "Đang dùng") + "</td><td>";
    if (a.username != me.username) {
      h += "<form method=\"post\" action=\"/accounts/" + esc(a.username) + (disabled ? "/enable" : "/disable") + "\">" +
           csrf_field(csrf) + "<button type=\"submit\">" + (disabled ? "Mở khóa" : "Khóa") + "</button></form>";
    }
    h += "<form method=\"post\" action=\"/accounts/" + esc(a.username) + "/password\">" + csrf_field(csrf) +
         "<input type=\"password\" name=\"password\" autocomplete=\"new-password\" aria-label=\"Mật khẩu mới\" "
         "placeholder=\"Mật khẩu mới\"><button type=\"submit\">Đặt lại mật khẩu</button></form></td></tr>";
  }
  h += "</tbody></table><h2>Thêm tài khoản</h2><form id=\"account-form\" method=\"post\" action=\"/accounts\">" +
       csrf_field(csrf) +
       "<div class=\"grid\"><label>Tên đăng nhập (không dấu)<input name=\"username\" autocomplete=\"off\"></label>"
       "<label>Họ tên<input name=\"display_name\" autocomplete=\"off\"></label><label>Vai trò<select name=\"role\">"
       "<option value=\"clerk\">Cán bộ một cửa</option><option value=\"lead\">Trưởng bộ phận</option></select></label>"
       "<label>Mật khẩu (ít nhất 8 ký tự)<input type=\"password\" name=\"password\" autocomplete=\"new-password\"></label>"
       "</div><button id=\"account-submit\" type=\"submit\">Thêm tài khoản</button></form>";
  return h;
}

std::string not_found_body(const std::string& what) {
  return "<h1>Không tìm thấy</h1><p id=\"not-found\">" + esc(what) + "</p><p><a href=\"/\">Về danh sách hồ sơ</a></p>";
}

}  // namespace motcua::agent::web
