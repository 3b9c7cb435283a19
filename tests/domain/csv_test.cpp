#include <catch2/catch.hpp>

#include <string>

#include "domain/csv.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using namespace motcua::domain;

namespace {

CsvTable must_parse(const std::string& text) {
  auto t = parse_csv(text);
  INFO((t ? std::string() : t.error().message));
  REQUIRE(t);
  return *t;
}

std::string must_fail(const std::string& text) {
  auto t = parse_csv(text);
  REQUIRE_FALSE(t);
  CHECK(t.error().code == ErrorCode::kInvalidInput);
  return t.error().message;
}

}  // namespace

TEST_CASE("csv: simple document with LF line ends", "[csv]") {
  CsvTable t = must_parse("a,b,c\n1,2,3\n4,5,6\n");
  REQUIRE(t.header == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0] == std::vector<std::string>{"1", "2", "3"});
  CHECK(t.rows[1] == std::vector<std::string>{"4", "5", "6"});
  CHECK(t.column("b") == 1);
  CHECK(t.column("z") == -1);
  CHECK(t.line_of(0) == 2);
  CHECK(t.line_of(1) == 3);
}

TEST_CASE("csv: CRLF line ends and no final line break", "[csv]") {
  CsvTable t = must_parse("a,b\r\n1,2\r\n3,4");
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0] == std::vector<std::string>{"1", "2"});
  CHECK(t.rows[1] == std::vector<std::string>{"3", "4"});
}

TEST_CASE("csv: a lone CR ends a record too", "[csv]") {
  CsvTable t = must_parse("a,b\r1,2\r");
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0] == std::vector<std::string>{"1", "2"});
}

TEST_CASE("csv: UTF-8 BOM is dropped from the first header name", "[csv]") {
  CsvTable t = must_parse("\xEF\xBB\xBFma_tthc,ten_tthc\n1.001193,Khai sinh\n");
  CHECK(t.header[0] == "ma_tthc");
  CHECK(t.column("ma_tthc") == 0);
}

TEST_CASE("csv: quoted fields with commas, doubled quotes and line breaks", "[csv]") {
  const std::string doc =
      "name,note,n\n"
      "\"Thủ tục đăng ký nhận cha, mẹ, con\",\"He said \"\"hi\"\"\",1\n"
      "\"two\nlines\",\"crlf\r\ninside\",2\n"
      "\"\",\"\"\"\",3\n";
  CsvTable t = must_parse(doc);
  REQUIRE(t.rows.size() == 3);
  CHECK(t.rows[0][0] == "Thủ tục đăng ký nhận cha, mẹ, con");
  CHECK(t.rows[0][1] == "He said \"hi\"");
  CHECK(t.rows[1][0] == "two\nlines");
  CHECK(t.rows[1][1] == "crlf\r\ninside");
  CHECK(t.rows[2][0].empty());
  CHECK(t.rows[2][1] == "\"");
  // Rows are numbered by the line they start on.
  CHECK(t.line_of(0) == 2);
  CHECK(t.line_of(1) == 3);
  CHECK(t.line_of(2) == 6);
}

TEST_CASE("csv: empty fields, including a trailing empty field", "[csv]") {
  CsvTable t = must_parse("a,b,c\n,,\nx,,\n");
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0] == std::vector<std::string>{"", "", ""});
  CHECK(t.rows[1] == std::vector<std::string>{"x", "", ""});
}

TEST_CASE("csv: empty lines are skipped, fields are not trimmed", "[csv]") {
  CsvTable t = must_parse("a,b\n\n 1 ,2\n\r\n\n");
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0][0] == " 1 ");
  CHECK(t.line_of(0) == 3);
}

TEST_CASE("csv: header names are trimmed", "[csv]") {
  CsvTable t = must_parse(" a , b\n1,2\n");
  CHECK(t.column("a") == 0);
  CHECK(t.column("b") == 1);
}

TEST_CASE("csv: wrong field count names the 1-based line where the record starts", "[csv]") {
  std::string msg = must_fail("a,b\n1,2\n\"x\ny\",2,3\n");
  CHECK(msg.find("line 3") != std::string::npos);
  CHECK(msg.find("expected 2 fields") != std::string::npos);
  msg = must_fail("a,b\n1\n");
  CHECK(msg.find("line 2") != std::string::npos);
}

TEST_CASE("csv: unterminated quote names the line where it opened", "[csv]") {
  std::string msg = must_fail("a,b\n1,2\n3,\"never closed\n4,5\n");
  CHECK(msg.find("line 3") != std::string::npos);
  CHECK(msg.find("unterminated") != std::string::npos);
}

TEST_CASE("csv: stray quotes are errors with their line", "[csv]") {
  std::string msg = must_fail("a,b\n1,2\n\"x\"y,2\n");
  CHECK(msg.find("line 3") != std::string::npos);
  CHECK(msg.find("after a closing quote") != std::string::npos);
  msg = must_fail("a,b\n1,ab\"c\n");
  CHECK(msg.find("line 2") != std::string::npos);
  CHECK(msg.find("unquoted field") != std::string::npos);
}

TEST_CASE("csv: empty document and bad headers are errors", "[csv]") {
  CHECK_FALSE(parse_csv(""));
  CHECK_FALSE(parse_csv("\xEF\xBB\xBF"));
  CHECK_FALSE(parse_csv("\n\n"));
  std::string msg = must_fail("a,,c\n1,2,3\n");
  CHECK(msg.find("line 1") != std::string::npos);
  msg = must_fail("a,b,a\n1,2,3\n");
  CHECK(msg.find("'a' appears twice") != std::string::npos);
}

TEST_CASE("csv: header only gives no rows", "[csv]") {
  CsvTable t = must_parse("a,b\n");
  CHECK(t.rows.empty());
}

TEST_CASE("csv: read_csv_file reads files and reports missing ones as kIo", "[csv]") {
  test::TempDir dir;
  const std::string path = dir.file("x.csv");
  test::write_file(path, "a,b\r\n\"1,5\",2\r\n");
  auto t = read_csv_file(path);
  REQUIRE(t);
  CHECK(t->rows[0][0] == "1,5");

  auto missing = read_csv_file(dir.file("missing.csv"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kIo);
  CHECK(missing.error().message.find("missing.csv") != std::string::npos);

  test::write_file(path, "a,b\n1\n");
  auto bad = read_csv_file(path);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kInvalidInput);
  CHECK(bad.error().message.find(path) != std::string::npos);
  CHECK(bad.error().message.find("line 2") != std::string::npos);
}

TEST_CASE("csv: the repository's data files parse", "[csv]") {
  for (const char* rel : {"data/holidays-vn.csv", "data/tthc-commune-sample.csv", "tests/data/due-dates-golden.csv"}) {
    INFO(rel);
    auto t = read_csv_file(test::source_path(rel));
    INFO((t ? std::string() : t.error().message));
    REQUIRE(t);
    CHECK_FALSE(t->rows.empty());
  }
  auto sample = read_csv_file(test::source_path("data/tthc-commune-sample.csv"));
  REQUIRE(sample);
  CHECK(sample->rows.size() == 41);
}
