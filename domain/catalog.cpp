#include "domain/catalog.hpp"

#include <cstdlib>
#include <map>
#include <memory>
#include <string_view>
#include <utility>

#include <utf8proc.h>

#include "common/id.hpp"
#include "common/text.hpp"

namespace motcua::domain {

const char* parse_outcome_name(ParseOutcome o) {
  switch (o) {
    case ParseOutcome::kParsed: return "parsed";
    case ParseOutcome::kParsedWithVariants: return "parsed_with_variants";
    case ParseOutcome::kText: return "text";
    case ParseOutcome::kEmpty: return "empty";
  }
  return "text";
}

namespace {

// ---------------------------------------------------------------------------------------------
// Text helpers

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// NFC, or the input unchanged when it is not valid UTF-8 (the caller then fails to match it).
std::string nfc_or_same(std::string_view text) {
  auto r = to_nfc(text);
  return r ? std::move(*r) : std::string(text);
}

// Case-folded NFC with every run of whitespace (ASCII or U+00A0) collapsed to one space and the
// ends trimmed: the form the time-limit grammar below is matched against.
std::string match_form(std::string_view text) {
  std::string folded;
  if (is_valid_utf8(text) && !text.empty()) {
    utf8proc_uint8_t* out = nullptr;
    auto opts = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                      static_cast<utf8proc_ssize_t>(text.size()), &out, opts);
    std::unique_ptr<utf8proc_uint8_t, FreeDeleter> guard(out);
    if (n >= 0) folded.assign(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  }
  std::string result;
  result.reserve(folded.size());
  bool pending_space = false;
  for (size_t i = 0; i < folded.size(); ++i) {
    const auto c = static_cast<unsigned char>(folded[i]);
    bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
    if (c == 0xC2 && i + 1 < folded.size() && static_cast<unsigned char>(folded[i + 1]) == 0xA0) {
      space = true;
      ++i;
    }
    if (space) {
      pending_space = !result.empty();
      continue;
    }
    if (pending_space) result.push_back(' ');
    pending_space = false;
    result.push_back(folded[i]);
  }
  return result;
}

std::string trimmed(std::string_view s) {
  std::string_view t = trim(s);
  // Also drop no-break spaces at the ends.
  const std::string_view nbsp = "\xC2\xA0";
  bool changed = true;
  while (changed) {
    changed = false;
    if (t.size() >= 2 && t.substr(0, 2) == nbsp) { t = trim(t.substr(2)); changed = true; }
    if (t.size() >= 2 && t.substr(t.size() - 2) == nbsp) { t = trim(t.substr(0, t.size() - 2)); changed = true; }
  }
  return std::string(t);
}

// ---------------------------------------------------------------------------------------------
// The time-limit grammar. Bodies are matched in match_form(), i.e. lower case.

class Cursor {
 public:
  explicit Cursor(std::string_view s) : m_s(s) {}
  bool done() const { return m_s.empty(); }
  bool eat(std::string_view lit) {
    if (m_s.substr(0, lit.size()) != lit) return false;
    m_s.remove_prefix(lit.size());
    return true;
  }
  // One to four ASCII digits (leading zeros allowed: "03").
  bool eat_number(int64_t& out) {
    size_t n = 0;
    int64_t v = 0;
    while (n < m_s.size() && m_s[n] >= '0' && m_s[n] <= '9') {
      if (n == 4) return false;
      v = v * 10 + (m_s[n] - '0');
      ++n;
    }
    if (n == 0) return false;
    m_s.remove_prefix(n);
    out = v;
    return true;
  }

 private:
  std::string_view m_s;
};

bool eat_any(Cursor& c, std::initializer_list<std::string_view> options) {
  for (std::string_view o : options) {
    if (c.eat(o)) return true;
  }
  return false;
}

// Whole body is a same-day limit: "trong ngày", "ngay sau khi nhận (đủ) giấy tờ",
// "ngay sau khi nhận yêu cầu".
bool match_same_day(std::string_view body) {
  return body == "trong ngày" || body == "ngay sau khi nhận giấy tờ" || body == "ngay sau khi nhận đủ giấy tờ" ||
         body == "ngay sau khi nhận yêu cầu";
}

// Rest of `c` (entirely) is ["không quá "] N (" ngày làm việc" | " giờ làm việc" | " giờ")
// [" kể từ ngày/khi nhận đủ hồ sơ hợp lệ"]. Days count 8 working hours each.
bool match_numeric_limit(Cursor c, TimeLimit& out) {
  c.eat("không quá ");
  int64_t n = 0;
  if (!c.eat_number(n)) return false;
  int64_t hours = 0;
  if (c.eat(" ngày làm việc")) {
    hours = n * kWorkingDayHours;
  } else if (c.eat(" giờ làm việc") || c.eat(" giờ")) {
    hours = n;
  } else {
    return false;
  }
  eat_any(c, {" kể từ ngày nhận đủ hồ sơ hợp lệ", " kể từ khi nhận đủ hồ sơ hợp lệ"});
  if (!c.done()) return false;
  out = TimeLimit{LimitKind::kWorkingHours, hours};
  return true;
}

bool match_limit(std::string_view body, TimeLimit& out) {
  if (match_same_day(body)) {
    out = TimeLimit{LimitKind::kSameDay, 0};
    return true;
  }
  return match_numeric_limit(Cursor(body), out);
}

// The 15:00 cut-off clause that turns a preceding same-day limit into kSameDay15h:
// ["tiếp nhận "|"nhận "] "sau 15 giờ" | "sau 15h", " thì ", ["trả kết quả "|"trả "], ["trong "|"vào "],
// "ngày làm việc tiếp theo".
bool match_cutoff(std::string_view body) {
  Cursor c(body);
  eat_any(c, {"tiếp nhận ", "nhận "});
  if (!eat_any(c, {"sau 15 giờ thì ", "sau 15h thì "})) return false;
  eat_any(c, {"trả kết quả ", "trả "});
  eat_any(c, {"trong ", "vào "});
  return c.eat("ngày làm việc tiếp theo") && c.done();
}

// "có thể kéo dài theo thỏa thuận" [" bằng văn bản"] (either tone placement of "thỏa"/"thoả").
bool match_by_agreement(std::string_view body) {
  Cursor c(body);
  if (!c.eat("có thể kéo dài theo ")) return false;
  if (!eat_any(c, {"thỏa thuận", "thoả thuận"})) return false;
  c.eat(" bằng văn bản");
  return c.done();
}

// A numeric extension: "kéo dài thêm ..." / "thêm ..." (added to the main limit) or
// "kéo dài ..." (the extended total replaces the main limit), followed by a numeric limit.
bool match_extension(std::string_view body, TimeLimit& out, bool& extends) {
  Cursor c(body);
  if (c.eat("kéo dài thêm ") || c.eat("thêm ")) {
    extends = true;
  } else if (c.eat("kéo dài ")) {
    extends = false;
  } else {
    return false;
  }
  return match_numeric_limit(c, out);
}

// ---------------------------------------------------------------------------------------------
// Clause structure: "[Label: ]body (remark) (remark)" separated by ';'.

struct Clause {
  std::string label;                 // original text, may be empty
  std::string body;                  // original text
  std::vector<std::string> remarks;  // contents of trailing parenthesised groups, original text
};

// Splits at top-level ';'. False when parentheses do not balance.
bool split_clauses(const std::string& text, std::vector<std::string>& out) {
  int depth = 0;
  std::string cur;
  for (char ch : text) {
    if (ch == '(') ++depth;
    if (ch == ')' && --depth < 0) return false;
    if (ch == ';' && depth == 0) {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    cur.push_back(ch);
  }
  if (depth != 0) return false;
  out.push_back(cur);
  return true;
}

// Peels trailing "(...)" groups and splits "label: body". False when the clause has parentheses
// anywhere but at its end, more than one label colon, an empty label or an empty body.
bool split_clause(std::string text, Clause& out) {
  text = trimmed(text);
  while (!text.empty() && text.back() == ')') {
    int depth = 0;
    size_t open = std::string::npos;
    for (size_t i = text.size(); i-- > 0;) {
      if (text[i] == ')') ++depth;
      if (text[i] == '(' && --depth == 0) {
        open = i;
        break;
      }
    }
    if (open == std::string::npos) return false;
    out.remarks.insert(out.remarks.begin(), trimmed(std::string_view(text).substr(open + 1, text.size() - open - 2)));
    text = trimmed(std::string_view(text).substr(0, open));
  }
  if (text.find_first_of("()") != std::string::npos) return false;
  const size_t colon = text.find(':');
  if (colon != std::string::npos) {
    if (text.find(':', colon + 1) != std::string::npos) return false;
    out.label = trimmed(std::string_view(text).substr(0, colon));
    out.body = trimmed(std::string_view(text).substr(colon + 1));
    if (out.label.empty()) return false;
  } else {
    out.body = text;
  }
  return !out.body.empty();
}

// A parenthesised remark that reads "Label: <limit or extension>" becomes a variant; anything
// else is kept as a note.
bool remark_as_variant(const std::string& remark, LimitVariant& out) {
  Clause c;
  if (!split_clause(remark, c) || c.label.empty() || !c.remarks.empty()) return false;
  const std::string body = match_form(c.body);
  TimeLimit limit;
  bool extends = false;
  if (match_extension(body, limit, extends) || match_numeric_limit(Cursor(body), limit)) {
    out = LimitVariant{c.label, limit, extends};
    return true;
  }
  return false;
}

}  // namespace

ParsedTimeLimit parse_time_limit(const std::string& raw) {
  ParsedTimeLimit result;
  const std::string text = trimmed(nfc_or_same(raw));
  if (text.empty()) return result;  // kEmpty

  ParsedTimeLimit as_text;
  as_text.outcome = ParseOutcome::kText;

  std::vector<std::string> pieces;
  if (!split_clauses(text, pieces)) return as_text;

  bool have_main = false;
  // Which limit the previous clause set, for the 15:00 cut-off: -1 = main, >= 0 = variant index,
  // -2 = none (nothing a cut-off may attach to).
  long prev_limit = -2;
  for (const std::string& piece : pieces) {
    if (trimmed(piece).empty()) continue;  // a stray ';'
    Clause clause;
    if (!split_clause(piece, clause)) return as_text;
    const std::string body = match_form(clause.body);

    TimeLimit limit;
    bool extends = false;
    long this_limit = -2;
    if (!have_main) {
      if (!match_limit(body, limit)) return as_text;
      result.main = limit;
      result.main_label = clause.label;
      have_main = true;
      this_limit = -1;
    } else if (clause.label.empty() && match_cutoff(body)) {
      TimeLimit* target = prev_limit == -1 ? &result.main
                          : prev_limit >= 0 && result.variants[static_cast<size_t>(prev_limit)].limit
                              ? &*result.variants[static_cast<size_t>(prev_limit)].limit
                              : nullptr;
      if (target == nullptr || target->kind != LimitKind::kSameDay) return as_text;
      target->kind = LimitKind::kSameDay15h;
    } else if (match_by_agreement(body)) {
      result.variants.push_back(LimitVariant{clause.label.empty() ? clause.body : clause.label, std::nullopt, false});
    } else if (!clause.label.empty() && match_extension(body, limit, extends)) {
      result.variants.push_back(LimitVariant{clause.label, limit, extends});
      this_limit = static_cast<long>(result.variants.size()) - 1;
    } else if (!clause.label.empty() && match_limit(body, limit)) {
      result.variants.push_back(LimitVariant{clause.label, limit, false});
      this_limit = static_cast<long>(result.variants.size()) - 1;
    } else {
      return as_text;
    }

    for (const std::string& remark : clause.remarks) {
      LimitVariant v;
      if (remark_as_variant(remark, v)) {
        result.variants.push_back(std::move(v));
      } else {
        result.notes.push_back(remark);
      }
    }
    prev_limit = this_limit;
  }
  if (!have_main) return as_text;  // only separators
  result.outcome = result.variants.empty() && result.notes.empty() ? ParseOutcome::kParsed
                                                                    : ParseOutcome::kParsedWithVariants;
  return result;
}

std::string internal_procedure_key(const std::string& name, const std::string& field) {
  const std::string material = nfc_or_same(trim(name)) + "\x1f" + nfc_or_same(trim(field));
  return "NB-" + sha256_hex(material).substr(0, 10);
}

Result<std::vector<Procedure>> parse_catalog_csv(const CsvTable& table) {
  static const char* const kRequired[] = {"ma_tthc",          "ten_tthc",    "linh_vuc", "co_quan_thuc_hien",
                                          "thoi_han_giai_quyet", "phi_le_phi", "ghi_chu",  "source"};
  std::map<std::string, int> col;
  for (const char* name : kRequired) {
    const int c = table.column(name);
    if (c < 0) {
      return fail(Error::invalid_input(std::string("catalogue CSV has no '") + name + "' column",
                                       "the header must contain ma_tthc, ten_tthc, linh_vuc, co_quan_thuc_hien, "
                                       "thoi_han_giai_quyet, phi_le_phi, ghi_chu and source"));
    }
    col[name] = c;
  }
  const int c_docs = table.column("giay_to_yeu_cau");
  const int c_online = table.column("muc_do_truc_tuyen");

  std::vector<Procedure> out;
  out.reserve(table.rows.size());
  std::map<std::string, int> key_lines;  // key -> line of its first row
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const int line = table.line_of(r);
    const std::string where = "catalogue CSV line " + std::to_string(line);
    auto cell = [&](int c, const char* name) -> Result<std::string> {
      if (c < 0) return std::string();
      auto v = to_nfc(trim(row[static_cast<size_t>(c)]));
      if (!v) return fail(std::move(v.error()).context(where + ", column " + name));
      return trimmed(*v);
    };
    Procedure p;
    MOTCUA_ASSIGN_OR_RETURN(p.national_code, cell(col["ma_tthc"], "ma_tthc"));
    MOTCUA_ASSIGN_OR_RETURN(p.name, cell(col["ten_tthc"], "ten_tthc"));
    MOTCUA_ASSIGN_OR_RETURN(p.field, cell(col["linh_vuc"], "linh_vuc"));
    MOTCUA_ASSIGN_OR_RETURN(p.resolving_body, cell(col["co_quan_thuc_hien"], "co_quan_thuc_hien"));
    MOTCUA_ASSIGN_OR_RETURN(p.time_limit_text, cell(col["thoi_han_giai_quyet"], "thoi_han_giai_quyet"));
    MOTCUA_ASSIGN_OR_RETURN(p.fee_text, cell(col["phi_le_phi"], "phi_le_phi"));
    MOTCUA_ASSIGN_OR_RETURN(p.notes, cell(col["ghi_chu"], "ghi_chu"));
    MOTCUA_ASSIGN_OR_RETURN(p.source, cell(col["source"], "source"));
    MOTCUA_ASSIGN_OR_RETURN(p.required_documents, cell(c_docs, "giay_to_yeu_cau"));
    MOTCUA_ASSIGN_OR_RETURN(std::string online, cell(c_online, "muc_do_truc_tuyen"));

    if (p.name.empty()) {
      return fail(Error::invalid_input(where + ": the procedure has no name (ten_tthc is empty)",
                                       "every catalogue row needs the procedure's name"));
    }
    const std::string online_folded = match_form(online);
    if (online_folded.empty()) {
      p.online_level.clear();
    } else if (online_folded == "toàn trình") {
      p.online_level = "toàn trình";
    } else if (online_folded == "một phần") {
      p.online_level = "một phần";
    } else {
      return fail(Error::invalid_input(where + ": unknown online level '" + online + "' in muc_do_truc_tuyen",
                                       "write \"toàn trình\", \"một phần\" or leave the cell empty"));
    }
    p.key = p.national_code.empty() ? internal_procedure_key(p.name, p.field) : p.national_code;
    auto [it, inserted] = key_lines.emplace(p.key, line);
    if (!inserted) {
      return fail(Error::invalid_input(where + ": procedure key " + p.key + " already used on line " +
                                           std::to_string(it->second),
                                       p.national_code.empty()
                                           ? "two rows without a national code have the same name and field"
                                           : "each national code may appear only once"));
    }
    p.time_limit = parse_time_limit(p.time_limit_text);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace motcua::domain
