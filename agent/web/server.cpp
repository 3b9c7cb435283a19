// The clerk web UI's HTTP side: cpp-httplib (builds for Linux and, cross-compiled, for Windows),
// routing, sign-in, CSRF checks, and the glue from forms to the library calls the CLI also makes.
#include <httplib.h>

#include <charconv>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/dossiers.hpp"
#include "agent/platform.hpp"
#include "agent/store.hpp"
#include "agent/web/pages.hpp"
#include "agent/web/web_ui.hpp"
#include "common/text.hpp"
#include "domain/units.hpp"
#include "reference/reference.hpp"

namespace motcua::agent {

using nlohmann::json;
using web::FormValues;

namespace {

constexpr const char* kCookie = "motcua_session";
constexpr size_t kMaxBodyBytes = 256 * 1024;
constexpr int kPageSize = 50;

std::string cookie_value(const httplib::Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string_view part = trim(std::string_view(header).substr(pos, end - pos));
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
    pos = end + 1;
  }
  return {};
}

FormValues form_of(const httplib::Request& req) {
  FormValues v;
  for (const auto& [k, val] : req.params) v[k] = val;
  return v;
}

std::string param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

// A local path to go back to after sign-in; anything else (another site, "//host") becomes "/".
std::string safe_next(const std::string& next) {
  if (next.empty() || next[0] != '/' || (next.size() > 1 && (next[1] == '/' || next[1] == '\\'))) return "/";
  for (char c : next) {
    if (c == '\r' || c == '\n') return "/";
  }
  return next;
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string vi_message(const Error& e) {
  if (!e.message_vi.empty()) return e.message_vi;
  return "Không thực hiện được (" + e.message + "). Hãy thử lại hoặc báo kỹ thuật viên.";
}

int http_status_of(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidInput: return 422;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kUnauthorized: return 403;
    default: return 500;
  }
}

}  // namespace

struct WebUi::Impl {
  Impl(WebUiOptions o, const Clock& c) : options(std::move(o)), clock(c) {}

  WebUiOptions options;
  const Clock& clock;
  std::mutex db_mutex;  // one connection, one request at a time
  std::optional<Store> store;
  // Sign-ins have their own connection: checking a password takes a deliberate ~0.1 s of PBKDF2,
  // which must not hold up the other counters' pages.
  std::mutex login_mutex;
  std::optional<Store> login_store;
  std::string unit_code;
  domain::Unit unit;
  std::map<std::string, std::string> unit_names;
  httplib::Server server;
  std::thread thread;
  int port = 0;

  // --- helpers; every one is called with db_mutex held ---

  json indicator() {
    auto ind = sync_indicator(*store, options.indicator);
    if (ind) return *ind;
    return json{{"state", "red"}, {"text", "Không đọc được trạng thái đồng bộ"}, {"detail", vi_message(ind.error())}};
  }

  web::Frame frame(const Session& s, const std::string& nav) {
    web::Frame f;
    f.session = &s;
    f.indicator = indicator();
    f.office_name = unit.name;
    f.nav = nav;
    return f;
  }

  std::optional<Session> session_of(const httplib::Request& req) {
    const std::string token = cookie_value(req, kCookie);
    if (token.empty()) return std::nullopt;
    auto s = find_session(*store, token, options.sessions);
    if (!s) {
      std::fprintf(stderr, "motcua-agent: web UI: reading the session failed: %s\n", s.error().message.c_str());
      return std::nullopt;
    }
    return *s;
  }

  // A cross-site request: a foreign Origin, an opaque one, or the browser saying so.
  static bool cross_site(const httplib::Request& req) {
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty()) return origin != "http://" + req.get_header_value("Host");
    const std::string site = req.get_header_value("Sec-Fetch-Site");
    return site == "cross-site" || site == "same-site";
  }

  void send_page(httplib::Response& res, int status, const std::string& html) {
    res.status = status;
    res.set_content(html, "text/html; charset=utf-8");
  }

  void redirect(httplib::Response& res, const std::string& to) {
    res.status = 303;
    res.set_header("Location", to);
  }

  void forbidden(httplib::Response& res, const std::string& why) {
    send_page(res, 403, web::login_page("/", "", why));
  }

  // Runs `body` for a signed-in clerk; otherwise sends the sign-in page (GET) or 401/403 (POST,
  // API). For a POST also checks the CSRF token and the Origin.
  template <class Body>
  void authed(const httplib::Request& req, httplib::Response& res, Body body) {
    std::lock_guard<std::mutex> lock(db_mutex);
    auto s = session_of(req);
    const bool api = req.path.rfind("/api/", 0) == 0;
    if (!s) {
      if (api) {
        res.status = 401;
        res.set_content(R"({"error":{"code":"unauthorized","message":"sign in first"}})", "application/json");
      } else if (req.method == "GET") {
        redirect(res, "/login?next=" + url_encode(req.target));
      } else {
        res.status = 401;
        send_page(res, 401, web::login_page("/", "", "Phiên làm việc đã hết hạn. Hãy đăng nhập lại."));
      }
      return;
    }
    if (req.method == "POST") {
      if (cross_site(req)) return forbidden(res, "Yêu cầu đến từ trang web khác đã bị từ chối.");
      const std::string csrf = param(req, "csrf");
      if (csrf.size() != s->csrf_token.size() || csrf != s->csrf_token) {
        return forbidden(res, "Biểu mẫu đã cũ hoặc không hợp lệ. Hãy tải lại trang rồi thử lại.");
      }
    }
    body(*s);
  }

  void routes();
  void page_queues(const httplib::Request& req, httplib::Response& res, const Session& s);
  void page_receive(httplib::Response& res, const Session& s, const FormValues& values,
                    const std::vector<std::string>& errors, int status);
  void post_receive(const httplib::Request& req, httplib::Response& res, const Session& s);
  void page_dossier(httplib::Response& res, const Session& s, const std::string& code, const std::string& done,
                    const std::vector<std::string>& errors, int status, bool is_new);
  void post_dossier_action(const httplib::Request& req, httplib::Response& res, const Session& s,
                           const std::string& code, const std::string& action);
  void page_accounts(httplib::Response& res, const Session& s, const std::string& done, const std::string& who,
                     const std::vector<std::string>& errors, int status);
};

void WebUi::Impl::page_queues(const httplib::Request& req, httplib::Response& res, const Session& s) {
  const std::string query = std::string(trim(param(req, "q")));
  std::string queue_name_text = param(req, "queue");
  const Queue queue = parse_queue(queue_name_text).value_or(Queue::kProcessing);
  int offset = 0;
  const std::string off = param(req, "offset");
  std::from_chars(off.data(), off.data() + off.size(), offset);
  if (offset < 0) offset = 0;
  web::Frame f = frame(s, "queues");
  auto counts = queue_counts(*store);
  if (!counts) return send_page(res, 500, web::layout(f, "Hồ sơ của tôi", web::not_found_body(vi_message(counts.error()))));
  Result<json> list = query.empty() ? list_queue(*store, queue, offset, kPageSize) : search_dossiers(*store, query, 200);
  if (!list) {
    f.errors.push_back(vi_message(list.error()));
    list = json{{"dossiers", json::array()}, {"total", 0}};
  }
  send_page(res, 200, web::layout(f, "Hồ sơ của tôi", web::queues_body(*counts, queue_name(queue), query, *list, offset, kPageSize)));
}

void WebUi::Impl::page_receive(httplib::Response& res, const Session& s, const FormValues& values,
                               const std::vector<std::string>& errors, int status) {
  web::Frame f = frame(s, "receive");
  f.errors = errors;
  auto procedures = reference::current_procedures(store->db(), "");
  if (!procedures) {
    f.errors.push_back(vi_message(procedures.error()));
    procedures = std::vector<reference::ProcedureRow>{};
  }
  if (procedures->empty()) {
    f.errors.push_back("Chưa có danh mục thủ tục: máy cần đồng bộ với máy chủ tỉnh một lần để nhận danh mục.");
  }
  send_page(res, status, web::layout(f, "Tiếp nhận hồ sơ", web::receive_body(*procedures, values, s.csrf_token)));
}

void WebUi::Impl::post_receive(const httplib::Request& req, httplib::Response& res, const Session& s) {
  FormValues v = form_of(req);
  v.erase("csrf");
  ReceiveRequest r;
  r.procedure = param(req, "procedure");
  r.applicant = param(req, "applicant_name");
  r.citizen_id = param(req, "applicant_citizen_id");
  r.submitter = param(req, "submitter_name");
  r.phone = param(req, "phone");
  r.address = param(req, "address");
  r.actor = s.username;
  std::vector<std::string> errors;
  const std::string channel = param(req, "channel");
  r.channel = channel == "2" ? 2 : channel == "3" ? 3 : channel == "1" || channel.empty() ? 1 : 0;
  for (int n = 1; n <= 8; ++n) {
    const std::string k = std::to_string(n);
    const std::string name = std::string(trim(param(req, ("doc_name_" + k).c_str())));
    const bool on = !param(req, ("doc_on_" + k).c_str()).empty();
    if (!on) continue;
    if (name.empty()) {
      errors.push_back("Giấy tờ thứ " + k + " đã đánh dấu nhưng chưa có tên.");
      continue;
    }
    DocumentInput d;
    d.name = name;
    d.form = param(req, ("doc_form_" + k).c_str());
    if (d.form != "chinh" && d.form != "sao" && d.form != "photo") d.form = "chinh";
    const std::string copies = param(req, ("doc_copies_" + k).c_str());
    int c = 0;
    const auto [p, ec] = std::from_chars(copies.data(), copies.data() + copies.size(), c);
    if (copies.empty()) c = 1;
    else if (ec != std::errc() || p != copies.data() + copies.size() || c < 1 || c > 99) {
      errors.push_back("Số lượng của giấy tờ \"" + name + "\" phải là số từ 1 đến 99.");
      continue;
    }
    d.copies = c;
    r.documents.push_back(std::move(d));
  }
  const bool refuse = param(req, "action") == "refuse";
  if (refuse) {
    r.refusal_reason = param(req, "refusal_reason");
    if (trim(r.refusal_reason).empty()) errors.push_back("Hãy ghi lý do từ chối tiếp nhận.");
  } else {
    const std::string due = std::string(trim(param(req, "due_at")));
    if (!due.empty()) {
      auto t = parse_rfc3339(due, true);
      if (!t) errors.push_back("Ngày hẹn trả không đúng định dạng.");
      else r.due_at = *t;
    }
    r.no_due_date = !param(req, "no_due_date").empty();
    if (r.due_at && r.no_due_date) errors.push_back("Chỉ chọn một trong hai: nhập ngày hẹn trả hoặc \"không có ngày hẹn trả\".");
  }
  std::vector<std::string> typed;
  for (const Error& e : receive_input_problems(r)) typed.push_back(vi_message(e));
  errors.insert(errors.begin(), typed.begin(), typed.end());
  if (!errors.empty()) return page_receive(res, s, v, errors, 422);
  auto done = receive(*store, r);
  if (!done) return page_receive(res, s, v, {vi_message(done.error())}, http_status_of(done.error()));
  redirect(res, "/dossiers/" + url_encode(done->code) + "?new=1");
}

void WebUi::Impl::page_dossier(httplib::Response& res, const Session& s, const std::string& code,
                               const std::string& done, const std::vector<std::string>& errors, int status,
                               bool is_new) {
  web::Frame f = frame(s, "");
  auto d = show_dossier(*store, code);
  if (!d) {
    const int st = d.error().code == ErrorCode::kNotFound ? 404 : http_status_of(d.error());
    return send_page(res, st, web::layout(f, "Không tìm thấy", web::not_found_body(vi_message(d.error()))));
  }
  f.errors = errors;
  web::DossierView view;
  view.dossier = std::move(*d);
  view.own_unit = unit_code;
  view.unit_names = unit_names;
  view.csrf = s.csrf_token;
  view.is_new = is_new;
  if (auto targets = transfer_targets(*store)) view.transfer_targets = std::move(*targets);
  if (auto accounts = list_accounts(*store)) {
    for (const auto& a : *accounts) view.actor_names[a.username] = a.display_name;
  }
  const json& dj = view.dossier;
  if (done == "status") {
    f.flash = "Đã cập nhật: hồ sơ ở trạng thái \"" + dj.value("status_name", "") + "\".";
  } else if (done == "supplement") {
    f.flash = "Đã yêu cầu bổ sung hồ sơ; thời hạn giải quyết tạm dừng. Hãy in phiếu yêu cầu bổ sung (Mẫu 02).";
  } else if (done == "transfer") {
    const std::string holder = dj.value("holder_unit", "");
    const auto name = unit_names.find(holder);
    f.flash = "Đã chuyển hồ sơ tới " + (name == unit_names.end() ? holder : name->second) +
              "; hồ sơ sẽ được gửi đi ở lần đồng bộ tới.";
  } else if (is_new) {
    f.flash = dj.value("status", 0) == 3 ? "Đã ghi nhận từ chối tiếp nhận. Hãy in phiếu từ chối (Mẫu 03) cho công dân."
                                         : "Đã tiếp nhận hồ sơ " + dj.value("code", "") + ". Hãy in giấy tiếp nhận (Mẫu 01) cho công dân.";
  }
  send_page(res, status, web::layout(f, "Hồ sơ " + code, web::dossier_body(view)));
}

void WebUi::Impl::post_dossier_action(const httplib::Request& req, httplib::Response& res, const Session& s,
                                      const std::string& code, const std::string& action) {
  Status done = ok();
  if (action == "status") {
    SetStatusRequest r;
    r.code = code;
    r.note = param(req, "note");
    r.actor = s.username;
    const std::string st = param(req, "status");
    const auto [p, ec] = std::from_chars(st.data(), st.data() + st.size(), r.status);
    if (ec != std::errc() || p != st.data() + st.size() || r.status == 5) {
      done = fail(Error::invalid_input("status '" + st + "' cannot be chosen here").vi("Hãy chọn bước xử lý tiếp theo."));
    } else {
      auto step = set_status(*store, r);
      if (!step) done = fail(std::move(step.error()));
    }
  } else if (action == "supplement") {
    std::string items;
    for (const auto& line : web::non_empty_lines(param(req, "missing_items"))) {
      items += (items.empty() ? "" : "\n") + line;
    }
    if (items.empty()) {
      done = fail(Error::invalid_input("no missing item was listed")
                      .vi("Hãy ghi các nội dung cần bổ sung, mỗi dòng một nội dung."));
    } else {
      SetStatusRequest r{code, 5, items, s.username};
      auto step = set_status(*store, r);
      if (!step) done = fail(std::move(step.error()));
    }
  } else if (action == "transfer") {
    TransferRequest r{code, param(req, "to_unit"), param(req, "note"), s.username};
    auto moved = transfer(*store, r);
    if (!moved) done = fail(std::move(moved.error()));
  } else {
    return send_page(res, 404, web::layout(frame(s, ""), "Không tìm thấy", web::not_found_body("Không có thao tác này.")));
  }
  if (!done) return page_dossier(res, s, code, "", {vi_message(done.error())}, http_status_of(done.error()), false);
  // The message is chosen again from `done` on the next page, never carried as text in the URL (a
  // crafted link must not put words of its own on a clerk's screen).
  redirect(res, "/dossiers/" + url_encode(code) + "?done=" + action);
}

void WebUi::Impl::page_accounts(httplib::Response& res, const Session& s, const std::string& done,
                                const std::string& who, const std::vector<std::string>& errors, int status) {
  web::Frame f = frame(s, "accounts");
  f.errors = errors;
  auto accounts = list_accounts(*store);
  if (!accounts) {
    f.errors.push_back(vi_message(accounts.error()));
    accounts = std::vector<Account>{};
  }
  // The message is chosen here from `done`, for an account that exists (see page_dossier).
  for (const auto& a : *accounts) {
    if (a.username != who) continue;
    if (done == "added") f.flash = "Đã thêm tài khoản " + who + ".";
    if (done == "disable") f.flash = "Đã khóa tài khoản " + who + ".";
    if (done == "enable") f.flash = "Đã mở khóa tài khoản " + who + ".";
    if (done == "password") f.flash = "Đã đặt lại mật khẩu cho " + who + ".";
  }
  send_page(res, status, web::layout(f, "Tài khoản", web::accounts_body(*accounts, s, s.csrf_token)));
}

void WebUi::Impl::routes() {
  // The library's default adds SO_REUSEPORT, which would let a second agent bind the same port and
  // take half of this office's requests.
  server.set_socket_options([](auto sock) { set_exclusive_listen_options(static_cast<intptr_t>(sock)); });
  server.set_payload_max_length(kMaxBodyBytes);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_timeout(5);
  server.set_keep_alive_max_count(100);
  // A response goes out as two writes (status line and headers, then the body): with Nagle's
  // algorithm the body waits for the browser's delayed ACK of the headers, 40 ms on Linux and up to
  // 200 ms on Windows, on every page of a keep-alive connection.
  server.set_tcp_nodelay(true);
  server.set_default_headers({
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "same-origin"},
      {"Cache-Control", "no-store"},
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    std::fprintf(stderr, "motcua-agent: web UI: request failed: %s\n", what.c_str());
    res.status = 500;
    res.set_content("<!DOCTYPE html><html lang=\"vi\"><meta charset=\"utf-8\"><p>Lỗi máy chủ nội bộ. Hãy thử lại hoặc báo "
                    "kỹ thuật viên.</p></html>",
                    "text/html; charset=utf-8");
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      res.set_content("<!DOCTYPE html><html lang=\"vi\"><meta charset=\"utf-8\"><p>Nội dung gửi lên quá lớn.</p></html>",
                      "text/html; charset=utf-8");
    } else if (res.status == 404) {
      res.set_content("<!DOCTYPE html><html lang=\"vi\"><meta charset=\"utf-8\"><p>Không có trang này. <a href=\"/\">Về "
                      "danh sách hồ sơ</a></p></html>",
                      "text/html; charset=utf-8");
    }
  });

  server.Get("/static/app.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(web::kAppCss, "text/css; charset=utf-8");
  });
  server.Get("/static/app.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(web::kAppJs, "text/javascript; charset=utf-8");
  });

  server.Get("/login", [this](const httplib::Request& req, httplib::Response& res) {
    send_page(res, 200, web::login_page(safe_next(param(req, "next")), "", ""));
  });
  server.Post("/login", [this](const httplib::Request& req, httplib::Response& res) {
    if (cross_site(req)) return forbidden(res, "Yêu cầu đến từ trang web khác đã bị từ chối.");
    const std::string username = param(req, "username"), next = safe_next(param(req, "next"));
    std::lock_guard<std::mutex> lock(login_mutex);
    auto signed_in = sign_in(*login_store, username, param(req, "password"), options.sessions);
    if (!signed_in) return send_page(res, 401, web::login_page(next, username, vi_message(signed_in.error())));
    res.set_header("Set-Cookie", std::string(kCookie) + "=" + signed_in->token + "; HttpOnly; SameSite=Strict; Path=/");
    redirect(res, next);
  });
  server.Post("/logout", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session&) {
      (void)sign_out(*store, cookie_value(req, kCookie));
      res.set_header("Set-Cookie", std::string(kCookie) + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
      redirect(res, "/login");
    });
  });

  server.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session& s) { page_queues(req, res, s); });
  });
  server.Get("/receive", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session& s) { page_receive(res, s, {}, {}, 200); });
  });
  server.Post("/receive", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session& s) { post_receive(req, res, s); });
  });
  server.Get(R"(/dossiers/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session& s) {
      page_dossier(res, s, req.matches[1], param(req, "done"), {}, 200, param(req, "new") == "1");
    });
  });
  server.Get(R"(/dossiers/([^/]+)/mau-0([123]))", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session& s) {
      auto d = show_dossier(*store, req.matches[1]);
      if (!d) return send_page(res, 404, web::layout(frame(s, ""), "Không tìm thấy", web::not_found_body(vi_message(d.error()))));
      const std::string form = req.matches[2];
      const int status = d->value("status", 0);
      bool asked_supplement = false;
      for (const auto& e : (*d)["events"]) {
        if (e.value("kind", "") == "status" && e["to_status"] == 5 && e.value("applied", false)) asked_supplement = true;
      }
      const char* refusal = form == "1" && status == 3    ? "Hồ sơ này đã bị từ chối tiếp nhận: hãy in phiếu từ chối (Mẫu 03)."
                            : form == "2" && !asked_supplement ? "Hồ sơ này chưa có yêu cầu bổ sung nào."
                            : form == "3" && status != 3       ? "Hồ sơ này không bị từ chối tiếp nhận."
                                                               : nullptr;
      if (refusal) {
        web::Frame f = frame(s, "");
        f.errors.push_back(refusal);
        return send_page(res, 409, web::layout(f, "Hồ sơ " + std::string(req.matches[1]), ""));
      }
      send_page(res, 200, form == "1"   ? web::mau01_page(*d, unit, s.display_name)
                          : form == "2" ? web::mau02_page(*d, unit, s.display_name)
                                        : web::mau03_page(*d, unit, s.display_name));
    });
  });
  server.Post(R"(/dossiers/([^/]+)/(status|supplement|transfer))", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session& s) { post_dossier_action(req, res, s, req.matches[1], req.matches[2]); });
  });

  server.Get("/api/sync-state", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session&) { res.set_content(indicator().dump(), "application/json; charset=utf-8"); });
  });
  server.Post("/sync", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session& s) {
      if (options.on_sync_now) options.on_sync_now();
      std::fprintf(stderr, "motcua-agent: web UI: %s asked to sync now\n", s.username.c_str());
      if (req.get_header_value("Accept").find("application/json") != std::string::npos) {
        res.status = 202;
        res.set_content(R"({"sync":"requested"})", "application/json");
      } else {
        redirect(res, "/");
      }
    });
  });

  server.Get("/accounts", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session& s) {
      if (s.role != Role::kLead) return forbidden(res, "Chỉ trưởng bộ phận được quản lý tài khoản.");
      page_accounts(res, s, param(req, "done"), param(req, "who"), {}, 200);
    });
  });
  server.Post("/accounts", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session& s) {
      if (s.role != Role::kLead) return forbidden(res, "Chỉ trưởng bộ phận được quản lý tài khoản.");
      auto role = parse_role(param(req, "role"));
      auto added = role ? add_account(*store, param(req, "username"), param(req, "display_name"), *role, param(req, "password"))
                        : Result<Account>(fail(std::move(role.error())));
      if (!added) return page_accounts(res, s, "", "", {vi_message(added.error())}, http_status_of(added.error()));
      redirect(res, "/accounts?done=added&who=" + url_encode(added->username));
    });
  });
  server.Post(R"(/accounts/([a-z0-9._-]+)/(disable|enable|password))", [this](const httplib::Request& req, httplib::Response& res) {
    authed(req, res, [&](const Session& s) {
      if (s.role != Role::kLead) return forbidden(res, "Chỉ trưởng bộ phận được quản lý tài khoản.");
      const std::string who = req.matches[1], what = req.matches[2];
      if (who == s.username && what != "password") {
        return page_accounts(res, s, "", "", {"Không thể tự khóa tài khoản của mình."}, 409);
      }
      Status done = what == "disable" ? disable_account(*store, who)
                    : what == "enable" ? enable_account(*store, who)
                                       : set_password(*store, who, param(req, "password"));
      if (!done) return page_accounts(res, s, "", "", {vi_message(done.error())}, http_status_of(done.error()));
      redirect(res, "/accounts?done=" + what + "&who=" + url_encode(who));
    });
  });
}

WebUi::WebUi(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

WebUi::~WebUi() { stop(); }

Result<std::unique_ptr<WebUi>> WebUi::start(const WebUiOptions& options, const Clock& clock) {
  auto impl = std::make_unique<Impl>(options, clock);
  MOTCUA_ASSIGN_OR_RETURN(Store store, Store::open(options.data_dir, false, clock));
  MOTCUA_ASSIGN_OR_RETURN(impl->unit_code, store.unit_code());
  MOTCUA_ASSIGN_OR_RETURN(impl->unit, reference::load_unit(store.db(), impl->unit_code));
  impl->store.emplace(std::move(store));
  MOTCUA_ASSIGN_OR_RETURN(Store login_store, Store::open(options.data_dir, false, clock));
  impl->login_store.emplace(std::move(login_store));
  if (auto units = domain::province_units(impl->unit.province_code)) {
    for (const auto& u : *units) impl->unit_names[u.code] = u.name;
  }
  if (auto targets = transfer_targets(*impl->store)) {
    for (const auto& u : *targets) impl->unit_names[u.code] = u.name;
  }
  impl->unit_names[impl->unit_code] = impl->unit.name;
  impl->routes();
  const bool any_port = options.port == 0;
  const int bound = any_port ? impl->server.bind_to_any_port(options.host)
                             : (impl->server.bind_to_port(options.host, options.port) ? options.port : -1);
  if (bound < 0) {
    return fail(Error::unavailable("cannot listen on " + options.host + ":" + std::to_string(options.port) +
                                       " for the clerk web UI",
                                   "another program uses the port, or the address is not one of this PC's; set "
                                   "another with --ui ADDRESS:PORT or `motcua-agent config set ui_listen ADDRESS:PORT`"));
  }
  impl->port = bound;
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  // The socket already listens (bind_to_port), so connections made from now on wait in its backlog.
  return std::unique_ptr<WebUi>(new WebUi(std::move(impl)));
}

std::string WebUi::url() const {
  const std::string& h = m_impl->options.host;
  const bool v6 = h.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + h + "]" : h) + ":" + std::to_string(m_impl->port) + "/";
}

int WebUi::port() const { return m_impl->port; }

void WebUi::stop() {
  if (!m_impl) return;
  m_impl->server.stop();
  if (m_impl->thread.joinable()) m_impl->thread.join();
}

}  // namespace motcua::agent
