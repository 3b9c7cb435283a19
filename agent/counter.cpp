#include "agent/counter.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "common/text.hpp"
#include "domain/dossier.hpp"
#include "domain/due_date.hpp"
#include "domain/units.hpp"
#include "reference/reference.hpp"

namespace motcua::agent {

using nlohmann::json;

namespace {

constexpr const char* kInProgress = "status IN (2, 4, 6)";
constexpr const char* kRowColumns =
    "code, status, applicant_name, procedure_key, received_at, due_at, holder_unit, applicant_citizen_id";

// The instant one working day (8 working hours) after `now`: the end of the "tới hạn" window.
Result<int64_t> due_soon_limit(Store& store, Instant now) {
  MOTCUA_ASSIGN_OR_RETURN(domain::Calendar calendar, reference::load_calendar(store.db()));
  domain::TimeLimit one_day{domain::LimitKind::kWorkingHours, 8};
  auto until = domain::compute_due(now, one_day, calendar);
  return until ? until->ms : now.ms + kMsPerDay;
}

// WHERE clause (without WHERE) and its two instant parameters ?1 = now, ?2 = due-soon limit.
std::string queue_where(Queue q) {
  switch (q) {
    case Queue::kProcessing: return kInProgress;
    case Queue::kSupplement: return "status = 5";
    case Queue::kDueSoon: return std::string(kInProgress) + " AND due_at >= ?1 AND due_at <= ?2";
    case Queue::kOverdue: return std::string(kInProgress) + " AND due_at < ?1";
    case Queue::kResolved: return "status = 9";
    case Queue::kReturned: return "status = 10";
  }
  return "0";
}

// Binds ?1 = now and ?2 = the due-soon limit where the queue's clause uses them.
void bind_times(sql::Stmt& st, int64_t now, int64_t soon) {
  const int params = sqlite3_bind_parameter_count(st.get());
  for (int i = 1; i <= 2; ++i) {
    if (sqlite3_bind_parameter_name(st.get(), i) != nullptr && i <= params) st.bind(i, i == 1 ? now : soon);
  }
}

json row_json(const sql::Stmt& st) {
  const int status = static_cast<int>(st.int64(1));
  const auto due = st.opt_int64(5);
  return json{{"code", st.text(0)},
              {"status", status},
              {"status_name", domain::status_name_vi(static_cast<domain::DossierStatus>(status))},
              {"applicant_name", st.text(2)},
              {"procedure", st.text(3)},
              {"received_at", format_rfc3339_vn(Instant{st.int64(4)})},
              {"due_at", due ? json(format_rfc3339_vn(Instant{*due})) : json(nullptr)},
              {"holder_unit", st.text(6)},
              {"applicant_citizen_id", st.text(7)}};
}

Result<json> rows(sql::Stmt& st) {
  json list = json::array();
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    list.push_back(row_json(st));
  }
  return list;
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

std::string age_vi(int64_t ms) {
  if (ms < kMsPerMinute) return "dưới 1 phút";
  if (ms < kMsPerHour) return std::to_string(ms / kMsPerMinute) + " phút";
  if (ms < 48 * kMsPerHour) return std::to_string(ms / kMsPerHour) + " giờ";
  return std::to_string(ms / kMsPerDay) + " ngày";
}

std::string hh_mm(Instant t) {
  const int64_t m = vn_ms_of_day(t) / kMsPerMinute;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(m / 60), static_cast<int>(m % 60));
  return buf;
}

}  // namespace

std::string format_vn_date(Instant t) {
  const Date d = vn_date(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", d.day, d.month, d.year);
  return buf;
}

std::string format_vn_datetime(Instant t) { return hh_mm(t) + " " + format_vn_date(t); }

const char* queue_name(Queue q) {
  switch (q) {
    case Queue::kProcessing: return "processing";
    case Queue::kSupplement: return "supplement";
    case Queue::kDueSoon: return "due-soon";
    case Queue::kOverdue: return "overdue";
    case Queue::kResolved: return "resolved";
    case Queue::kReturned: return "returned";
  }
  return "?";
}

const char* queue_label_vi(Queue q) {
  switch (q) {
    case Queue::kProcessing: return "Đang xử lý";
    case Queue::kSupplement: return "Chờ bổ sung";
    case Queue::kDueSoon: return "Tới hạn";
    case Queue::kOverdue: return "Quá hạn";
    case Queue::kResolved: return "Đã xử lý xong, chờ trả";
    case Queue::kReturned: return "Đã trả kết quả";
  }
  return "?";
}

std::optional<Queue> parse_queue(const std::string& name) {
  for (Queue q : kAllQueues) {
    if (name == queue_name(q)) return q;
  }
  return std::nullopt;
}

Result<std::vector<int64_t>> queue_counts(Store& store) {
  const Instant now = store.clock().now();
  MOTCUA_ASSIGN_OR_RETURN(int64_t soon, due_soon_limit(store, now));
  std::vector<int64_t> out;
  for (Queue q : kAllQueues) {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, store.db().prepare("SELECT count(*) FROM dossier_state WHERE " + queue_where(q)));
    bind_times(st, now.ms, soon);
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    out.push_back(row ? st.int64(0) : 0);
  }
  return out;
}

Result<json> list_queue(Store& store, Queue queue, int offset, int limit) {
  if (limit < 1 || offset < 0) return fail(Error::invalid_input("offset must be ≥ 0 and limit ≥ 1"));
  const Instant now = store.clock().now();
  MOTCUA_ASSIGN_OR_RETURN(int64_t soon, due_soon_limit(store, now));
  const std::string where = queue_where(queue);
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, store.db().prepare(
      std::string("SELECT ") + kRowColumns + " FROM dossier_state WHERE " + where +
      " ORDER BY due_at IS NULL, due_at, code LIMIT ?3 OFFSET ?4"));
  bind_times(st, now.ms, soon);
  st.bind(3, limit).bind(4, offset);
  MOTCUA_ASSIGN_OR_RETURN(json list, rows(st));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt count, store.db().prepare("SELECT count(*) FROM dossier_state WHERE " + where));
  bind_times(count, now.ms, soon);
  MOTCUA_ASSIGN_OR_RETURN(bool crow, count.step());
  return json{{"dossiers", list}, {"total", crow ? count.int64(0) : 0}, {"queue", queue_name(queue)}};
}

Result<json> search_dossiers(Store& store, const std::string& raw_query, int limit) {
  MOTCUA_ASSIGN_OR_RETURN(std::string query, to_nfc(trim(raw_query)));
  if (query.empty()) {
    return fail(Error::invalid_input("the search is empty", "type a dossier code, a name or a 12-digit CCCD")
                    .vi("Hãy nhập mã hồ sơ, họ tên hoặc số CCCD để tìm."));
  }
  if (limit < 1) return fail(Error::invalid_input("limit must be at least 1"));
  const std::string cols = std::string("SELECT ") + kRowColumns + " FROM dossier_state ";
  sql::Db& db = store.db();
  const bool has_dash_digit = query.find('-') != std::string::npos &&
                              query.find_first_of("0123456789") != std::string::npos;
  std::string where, value;
  if (query.size() == 12 && all_digits(query)) {
    where = "applicant_citizen_id = ?1";
    value = query;
  } else if (has_dash_digit && query.find(' ') == std::string::npos) {
    // Codes are ASCII: upper-case the query and use the code index with a range (prefix match).
    for (char c : query) value += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    where = "code >= ?1 AND code < ?1 || x'ff'";
  } else {
    const std::string folded = fold_for_search(query);
    if (folded.size() >= 3 && folded.find_first_of("%_\\") == std::string::npos) {
      // The trigram index (schema/agent/0005_search.sql) finds the rows containing the text
      // without reading every dossier; it needs three characters in a row and a LIKE without
      // ESCAPE, so shorter text or text with % _ \ is compared row by row below.
      value = "%" + folded + "%";
      where = "rowid IN (SELECT rowid FROM dossier_search WHERE search_text LIKE ?1)";
    } else {
      value = "%";
      for (char c : folded) {
        if (c == '%' || c == '_' || c == '\\') value += '\\';
        value += c;
      }
      value += "%";
      where = "search_text LIKE ?1 ESCAPE '\\'";
    }
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(cols + "WHERE " + where + " ORDER BY received_at DESC LIMIT ?2"));
  st.bind(1, value);
  st.bind(2, limit);
  MOTCUA_ASSIGN_OR_RETURN(json list, rows(st));
  const auto total = static_cast<int64_t>(list.size());
  return json{{"dossiers", list}, {"total", total}, {"query", query}};
}

Result<std::vector<UnitChoice>> transfer_targets(Store& store) {
  MOTCUA_ASSIGN_OR_RETURN(std::string own, store.unit_code());
  MOTCUA_ASSIGN_OR_RETURN(domain::Unit unit, reference::load_unit(store.db(), own));
  std::map<std::string, UnitChoice> by_code;
  if (auto communes = domain::province_units(unit.province_code)) {
    for (const auto& u : *communes) by_code[u.code] = {u.code, u.name, u.kind};
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, store.db().prepare("SELECT code, name, kind FROM unit"));
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    by_code[st.text(0)] = {st.text(0), st.text(1), st.text(2)};
  }
  by_code.erase(own);
  std::vector<UnitChoice> out;
  for (auto& [code, u] : by_code) out.push_back(std::move(u));
  std::stable_sort(out.begin(), out.end(), [](const UnitChoice& a, const UnitChoice& b) {
    const bool a_commune = a.kind == "commune", b_commune = b.kind == "commune";
    if (a_commune != b_commune) return b_commune;
    return fold_for_search(a.name) < fold_for_search(b.name);
  });
  return out;
}

Result<json> sync_indicator(Store& store, const IndicatorPolicy& policy) {
  const int64_t now = store.clock().now().ms;
  MOTCUA_ASSIGN_OR_RETURN(auto agent_id, store.get_meta("agent_id"));
  MOTCUA_ASSIGN_OR_RETURN(auto revoked_id, store.get_meta("revoked_agent_id"));
  MOTCUA_ASSIGN_OR_RETURN(auto pending, sql::query_int64(store.db(), "SELECT count(*) FROM outbox WHERE state = 'pending'"));
  MOTCUA_ASSIGN_OR_RETURN(auto oldest, sql::query_int64(store.db(), "SELECT min(created_at) FROM outbox WHERE state = 'pending'"));
  MOTCUA_ASSIGN_OR_RETURN(auto error_code, store.get_meta("last_error_code"));
  MOTCUA_ASSIGN_OR_RETURN(const auto last_ok, store.get_meta_int("last_sync_at"));
  MOTCUA_ASSIGN_OR_RETURN(const auto error_at, store.get_meta_int("last_error_at"));
  MOTCUA_ASSIGN_OR_RETURN(const auto offset, store.get_meta_int("hub_clock_offset_ms"));
  const int64_t n = pending.value_or(0);
  const bool error_current = error_at && (!last_ok || *last_ok < *error_at);

  json out{{"pending", n},
           {"oldest_pending_at", oldest ? json(format_rfc3339_vn(Instant{*oldest})) : json(nullptr)},
           {"last_sync_ok_at", last_ok ? json(format_rfc3339_vn(Instant{*last_ok})) : json(nullptr)},
           {"last_error_code", error_current ? json(error_code.value_or("internal")) : json(nullptr)},
           {"clock_warning", nullptr}};
  if (offset && (*offset > 5 * kMsPerMinute || -*offset > 5 * kMsPerMinute)) {
    const int64_t minutes = (*offset > 0 ? *offset : -*offset) / kMsPerMinute;
    out["clock_warning"] = "Đồng hồ máy này " + std::string(*offset > 0 ? "chậm" : "nhanh") + " khoảng " +
                           std::to_string(minutes) + " phút so với máy chủ tỉnh: hãy chỉnh lại giờ máy tính, "
                           "vì giờ tiếp nhận và ngày hẹn trả lấy theo đồng hồ này.";
  }
  auto set = [&](const char* state, std::string text, std::string detail) {
    out["state"] = state;
    out["text"] = std::move(text);
    out["detail"] = std::move(detail);
    return out;
  };
  const std::string pending_text = std::to_string(n) + " thay đổi chưa gửi" +
                                   (oldest ? ", cũ nhất " + age_vi(now - *oldest) : std::string());
  if (!agent_id) {
    return set("grey", "Chưa kết nối với máy chủ tỉnh",
               n > 0 ? pending_text + ". Máy này chưa được đăng ký đồng bộ: hãy nhờ kỹ thuật viên đăng ký (enroll)."
                     : "Máy này chưa được đăng ký đồng bộ: hãy nhờ kỹ thuật viên đăng ký (enroll).");
  }
  if (revoked_id && *revoked_id == *agent_id) {
    return set("red", "Máy chủ tỉnh đã thu hồi quyền đồng bộ của máy này",
               "Hồ sơ vẫn được lưu trên máy này. Hãy liên hệ CNTT tỉnh để đăng ký lại.");
  }
  const bool stale = (oldest && now - *oldest > policy.red_after_ms) || (error_current && last_ok && now - *last_ok > policy.red_after_ms);
  if (error_current && stale) {
    const std::string code = error_code.value_or("internal");
    std::string text, detail;
    if (code == "unavailable" || code == "timeout") {
      text = "Mất kết nối tới máy chủ tỉnh — hồ sơ vẫn được lưu trên máy này";
      detail = "Kiểm tra mạng Internet của bộ phận một cửa; máy sẽ tự gửi khi có mạng, hoặc bấm \"Đồng bộ ngay\".";
    } else if (code == "unauthorized") {
      text = "Máy chủ tỉnh từ chối máy này — hồ sơ vẫn được lưu trên máy này";
      detail = "Hãy liên hệ CNTT tỉnh.";
    } else {
      text = "Đồng bộ đang gặp lỗi — hồ sơ vẫn được lưu trên máy này";
      detail = "Hãy báo CNTT tỉnh (mã lỗi: " + code + ").";
    }
    if (n > 0) detail = pending_text + ". " + detail;
    return set("red", text, detail);
  }
  if (n > 0) {
    return set("amber", pending_text,
               error_current ? "Chưa kết nối được tới máy chủ tỉnh; máy sẽ tự thử lại. Hồ sơ vẫn được lưu trên máy này."
                             : "Máy sẽ tự gửi trong giây lát.");
  }
  if (error_current) {
    return set("amber", "Đang thử kết nối lại tới máy chủ tỉnh", "Không có thay đổi nào chờ gửi.");
  }
  if (!last_ok) return set("amber", "Chưa đồng bộ lần nào", "Máy sẽ tự đồng bộ khi kết nối được tới máy chủ tỉnh.");
  return set("green", "Đã đồng bộ lúc " + hh_mm(Instant{*last_ok}),
             vn_date(Instant{*last_ok}) == vn_date(Instant{now}) ? std::string("Mọi thay đổi đã được gửi lên máy chủ tỉnh.")
                                                                : "Ngày " + format_vn_date(Instant{*last_ok}) + ".");
}

}  // namespace motcua::agent
