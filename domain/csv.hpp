// RFC 4180 CSV reading (quoted fields, doubled quotes, embedded commas and newlines, CRLF or LF,
// optional UTF-8 BOM). Used for the catalogue and calendar files published by the province.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace motcua::domain {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // every row has header.size() fields
  // 1-based line of the document on which each row starts (a quoted field may span lines).
  // Filled by parse_csv; may be left empty for tables built in code.
  std::vector<int> row_lines;
  // Index of a header column, or -1.
  int column(std::string_view name) const;
  // The 1-based line on which rows[row] starts: row_lines[row] when known, else row + 2 (one
  // record per line after the header).
  int line_of(size_t row) const;
};

// Parses a whole CSV document whose first record is the header. A row with a different number of
// fields than the header, or an unterminated quote, is kInvalidInput naming the 1-based line.
// Details: a leading UTF-8 BOM is dropped; records end with CRLF, LF or a lone CR; a final line
// break does not start a record; lines that are completely empty (outside quotes) are skipped;
// header names are trimmed of ASCII whitespace and must be unique and non-empty; field values are
// returned exactly as written (unquoted, "" turned into "), without trimming. A quote inside an
// unquoted field, or any character other than a separator after a closing quote, is an error.
Result<CsvTable> parse_csv(std::string_view text);

// Reads a file and parses it; a missing or unreadable file is kIo naming the path.
Result<CsvTable> read_csv_file(const std::string& path);

}  // namespace motcua::domain
