// The procedure catalogue (danh mục TTHC) as published by the province, in the format of
// tthc-commune-sample.csv: ma_tthc, ten_tthc, linh_vuc, co_quan_thuc_hien, thoi_han_giai_quyet,
// phi_le_phi, ghi_chu, source (+ optional columns giay_to_yeu_cau, muc_do_truc_tuyen).
//
// The published time-limit text is kept verbatim and parsed into a structured TimeLimit plus
// variants (e.g. "cần xác minh: không quá 05 ngày làm việc"). Text that does not parse in full
// stays text: the clerk then sets the appointment by hand.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "domain/csv.hpp"
#include "domain/due_date.hpp"

namespace motcua::domain {

enum class ParseOutcome {
  kParsed,              // one limit, nothing else
  kParsedWithVariants,  // a main limit plus labelled variants/extensions/notes
  kText,                // not understood: kept as text, clerk sets the due date
  kEmpty,               // no published time limit
};
const char* parse_outcome_name(ParseOutcome o);  // "parsed", "parsed_with_variants", "text", "empty"

struct LimitVariant {
  std::string label;             // e.g. "cần xác minh", "hồ sơ nhiều/phức tạp", "xã miền núi, ..."
  std::optional<TimeLimit> limit;  // absent when the variant has no number ("theo thỏa thuận")
  bool extends = false;          // true: added to the main limit ("kéo dài thêm"); false: replaces it
};

struct ParsedTimeLimit {
  ParseOutcome outcome = ParseOutcome::kEmpty;
  TimeLimit main;                      // kind kNone for kText/kEmpty
  std::string main_label;              // qualifier before the main limit, e.g. "Giám hộ cử"
  std::vector<LimitVariant> variants;  // in published order
  std::vector<std::string> notes;      // parenthesised remarks kept for the clerk
};

// Parses one published time-limit text (normalised to NFC first; matched case-insensitively with
// runs of whitespace collapsed). The text is split into clauses at ';' outside parentheses; each
// clause is "[Label: ]body" followed by optional "(remark)" groups. Recognised bodies:
//   limits      "[không quá ]N ngày làm việc" (N × 8 h), "[không quá ]N giờ làm việc", "[không quá ]N giờ",
//               each optionally followed by "kể từ ngày (or khi) nhận đủ hồ sơ hợp lệ";
//               "Trong ngày", "Ngay sau khi nhận [đủ ]giấy tờ", "Ngay sau khi nhận yêu cầu" (kSameDay);
//   cut-off     "[tiếp nhận |nhận ]sau 15 giờ (or 15h) thì [trả kết quả |trả ][trong |vào ]ngày làm việc
//               tiếp theo", unlabelled, turns the same-day limit of the clause just before it
//               into kSameDay15h;
//   extension   "kéo dài thêm <limit>" or "thêm <limit>" (extends = true: added to the main limit),
//               "kéo dài <limit>" (extends = false: the extended total replaces the main limit);
//   agreement   "có thể kéo dài theo thỏa thuận[ bằng văn bản]" (a variant without a limit; its label
//               is the clause's label, or the clause text itself when unlabelled).
// The first clause must be a limit: it is `main`, its label `main_label` (a label alone does not
// make the outcome kParsedWithVariants). Later clauses must be a cut-off, an agreement, or a
// labelled limit/extension (a variant). A remark that reads "Label: <limit or extension>" becomes
// a variant (e.g. "(xác minh: thêm không quá 03 ngày làm việc)"); any other remark is a note.
// Anything else anywhere (an unlabelled second limit, text before or after a limit, parentheses
// inside a clause, unbalanced parentheses, numbers in words) makes the whole text kText.
ParsedTimeLimit parse_time_limit(const std::string& text);

struct Procedure {
  std::string key;            // national code, or "NB-" + 10 hex digits (stable internal id) when missing
  std::string national_code;  // empty when the catalogue has none ("chưa có mã")
  std::string name;
  std::string field;           // lĩnh vực
  std::string resolving_body;  // cơ quan thực hiện
  std::string time_limit_text; // as published (NFC, surrounding whitespace removed)
  ParsedTimeLimit time_limit;
  std::string fee_text;
  std::string notes;
  std::string required_documents;  // may be empty
  std::string online_level;        // "toàn trình" | "một phần" | empty
  std::string source;
};

// Internal id for a row without a national code: derived from the NFC name and field, so the same
// procedure keeps its id across publications: "NB-" + the first 10 hex digits of
// SHA-256(NFC(trim(name)) + "\x1f" + NFC(trim(field))).
std::string internal_procedure_key(const std::string& name, const std::string& field);

// Parses a catalogue CSV. All text is normalised to NFC and trimmed. The eight columns named at the
// top of this file are required (a missing one is kInvalidInput naming it); giay_to_yeu_cau and
// muc_do_truc_tuyen are optional and read as empty when absent. muc_do_truc_tuyen must be empty,
// "toàn trình" or "một phần" (any case; stored in lower case). A row without a name, a cell that is
// not UTF-8, an unknown online level, or two rows with the same key, is kInvalidInput naming the line.
Result<std::vector<Procedure>> parse_catalog_csv(const CsvTable& table);

}  // namespace motcua::domain
