#include <catch2/catch.hpp>

#include "common/text.hpp"

using namespace motcua;

TEST_CASE("decomposed Vietnamese text is stored composed (NFC)", "[text]") {
  // "Nguyễn" typed with combining marks: e + U+0302 (circumflex) + U+0303 (tilde).
  const std::string decomposed = "Nguye\xcc\x82\xcc\x83n";
  const std::string composed = "Nguy\xe1\xbb\x85n";
  REQUIRE(decomposed != composed);
  auto nfc = to_nfc(decomposed);
  REQUIRE(nfc);
  CHECK(*nfc == composed);
  auto again = to_nfc(composed);
  REQUIRE(again);
  CHECK(*again == composed);
}

TEST_CASE("invalid UTF-8 is refused, not normalised", "[text]") {
  auto r = to_nfc("abc\xff");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidInput);
  CHECK_FALSE(is_valid_utf8("\xc3"));
  CHECK(is_valid_utf8("Phường Phố Hiến"));
}

TEST_CASE("search folding removes diacritics, case and folds đ to d", "[text]") {
  CHECK(fold_for_search("Đặng Thị Hồng") == "dang thi hong");
  CHECK(fold_for_search("Xã Như Quỳnh") == "xa nhu quynh");
  CHECK(fold_for_search("Nguye\xcc\x82\xcc\x83n") == "nguyen");
  CHECK(fold_for_search("đường") == "duong");
}

TEST_CASE("trim removes surrounding whitespace only", "[text]") {
  CHECK(trim("  a b \t\n") == "a b");
  CHECK(trim("   ").empty());
}
