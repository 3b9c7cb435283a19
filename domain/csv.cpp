#include "domain/csv.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "common/text.hpp"
#include "common/files.hpp"

namespace motcua::domain {

int CsvTable::column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

int CsvTable::line_of(size_t row) const {
  if (row < row_lines.size()) return row_lines[row];
  return static_cast<int>(row) + 2;
}

namespace {

Error csv_error(int line, const std::string& what, std::string hint = {}) {
  return Error::invalid_input("CSV line " + std::to_string(line) + ": " + what, std::move(hint));
}

struct Record {
  std::vector<std::string> fields;
  int line = 0;  // where the record starts
};

// Splits the document into records. `line` counts physical lines (CRLF, LF or CR each end one).
Result<std::vector<Record>> split_records(std::string_view text) {
  std::vector<Record> records;
  size_t i = 0;
  const size_t n = text.size();
  int line = 1;

  auto at_line_break = [&](size_t pos) { return pos < n && (text[pos] == '\n' || text[pos] == '\r'); };
  // Consumes one line break at `pos` (CRLF counts once) and returns the next position.
  auto skip_line_break = [&](size_t pos) {
    if (text[pos] == '\r' && pos + 1 < n && text[pos + 1] == '\n') return pos + 2;
    return pos + 1;
  };

  while (i < n) {
    if (at_line_break(i)) {  // a completely empty line: skipped
      i = skip_line_break(i);
      ++line;
      continue;
    }
    Record rec;
    rec.line = line;
    std::string field;
    for (;;) {
      // At the start of a field.
      field.clear();
      if (i < n && text[i] == '"') {
        const int quote_line = line;
        ++i;
        bool closed = false;
        while (i < n) {
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\r' || c == '\n') {
            // Keep the line break as written inside the field, count it.
            size_t next = skip_line_break(i);
            field.append(text.substr(i, next - i));
            i = next;
            ++line;
            continue;
          }
          field.push_back(c);
          ++i;
        }
        if (!closed) {
          return fail(csv_error(quote_line, "unterminated quoted field (a '\"' opened here is never closed)",
                                "close the quote, or write a quote inside a quoted field as \"\""));
        }
        if (i < n && text[i] != ',' && !at_line_break(i)) {
          return fail(csv_error(line, std::string("unexpected character '") + text[i] + "' after a closing quote",
                                "a quoted field must be followed by a comma or the end of the line"));
        }
      } else {
        while (i < n && text[i] != ',' && !at_line_break(i)) {
          if (text[i] == '"') {
            return fail(csv_error(line, "quote inside an unquoted field",
                                  "quote the whole field and double the inner quotes (\"a \"\"b\"\" c\")"));
          }
          field.push_back(text[i]);
          ++i;
        }
      }
      rec.fields.push_back(field);
      if (i < n && text[i] == ',') {
        ++i;
        continue;  // another field follows (possibly empty, even at the end of the line)
      }
      break;  // end of line or end of document
    }
    if (i < n) {  // at a line break
      i = skip_line_break(i);
      ++line;
    }
    records.push_back(std::move(rec));
  }
  return records;
}

}  // namespace

Result<CsvTable> parse_csv(std::string_view text) {
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    text.remove_prefix(3);
  }
  MOTCUA_ASSIGN_OR_RETURN(std::vector<Record> records, split_records(text));
  if (records.empty()) {
    return fail(Error::invalid_input("CSV document is empty: a header line is required"));
  }
  CsvTable table;
  const Record& head = records.front();
  std::set<std::string> seen;
  for (size_t c = 0; c < head.fields.size(); ++c) {
    std::string name(trim(head.fields[c]));
    if (name.empty()) {
      return fail(csv_error(head.line, "header column " + std::to_string(c + 1) + " has no name"));
    }
    if (!seen.insert(name).second) {
      return fail(csv_error(head.line, "header column '" + name + "' appears twice"));
    }
    table.header.push_back(std::move(name));
  }
  table.rows.reserve(records.size() - 1);
  table.row_lines.reserve(records.size() - 1);
  for (size_t r = 1; r < records.size(); ++r) {
    Record& rec = records[r];
    if (rec.fields.size() != table.header.size()) {
      return fail(csv_error(rec.line,
                            "expected " + std::to_string(table.header.size()) + " fields as in the header, found " +
                                std::to_string(rec.fields.size()),
                            "quote fields that contain commas or line breaks"));
    }
    table.rows.push_back(std::move(rec.fields));
    table.row_lines.push_back(rec.line);
  }
  return table;
}

Result<CsvTable> read_csv_file(const std::string& path) {
  std::ifstream in(utf8_path(path), std::ios::binary);
  if (!in) {
    return fail(Error::io("cannot open CSV file " + path, "check that the file exists and can be read"));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return fail(Error::io("cannot read CSV file " + path));
  auto table = parse_csv(ss.str());
  if (!table) return fail(std::move(table.error()).context(path));
  return table;
}

}  // namespace motcua::domain
