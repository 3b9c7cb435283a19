// Unicode text handling. Vietnamese text is stored, compared and hashed in NFC: Windows input
// methods can emit decomposed forms, which would otherwise make equal names differ byte-wise.
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace motcua {

// Returns `text` in Unicode NFC. Fails with kInvalidInput if it is not valid UTF-8.
Result<std::string> to_nfc(std::string_view text);
bool is_valid_utf8(std::string_view text);

// Trims ASCII whitespace at both ends.
std::string_view trim(std::string_view text);

// Lower-cased, diacritic-free ASCII-ish form for search and matching: NFC → case fold → strip
// combining marks → đ/Đ folded to d (U+0111 has no decomposition). Invalid UTF-8 yields "".
std::string fold_for_search(std::string_view text);

// Text safe inside HTML content and quoted attribute values: & < > " ' as character references.
std::string html_escape(std::string_view text);

}  // namespace motcua
