#include "common/text.hpp"

#include <cstdlib>
#include <memory>

#include <utf8proc.h>

namespace motcua {

namespace {
struct FreeDeleter { void operator()(void* p) const { std::free(p); } };
}

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) return false;
    p += n;
    left -= n;
  }
  return true;
}

Result<std::string> to_nfc(std::string_view text) {
  if (text.empty()) return std::string();
  if (!is_valid_utf8(text)) {
    return fail(Error::invalid_input("text is not valid UTF-8", "save the input file as UTF-8"));
  }
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                    static_cast<utf8proc_ssize_t>(text.size()), &out,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> guard(out);
  if (n < 0) return fail(Error::invalid_input(std::string("text cannot be normalised: ") + utf8proc_errmsg(n)));
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

std::string_view trim(std::string_view text) {
  const char* ws = " \t\r\n\f\v";
  size_t b = text.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  size_t e = text.find_last_not_of(ws);
  return text.substr(b, e - b + 1);
}

std::string fold_for_search(std::string_view text) {
  if (text.empty() || !is_valid_utf8(text)) return {};
  utf8proc_uint8_t* out = nullptr;
  auto opts = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                    static_cast<utf8proc_ssize_t>(text.size()), &out, opts);
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> guard(out);
  if (n < 0) return {};
  std::string folded(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  std::string result;
  result.reserve(folded.size());
  for (size_t i = 0; i < folded.size(); ++i) {
    // U+0111 (đ) is C4 91 in UTF-8; case folding already turned Đ (U+0110) into đ.
    if (static_cast<unsigned char>(folded[i]) == 0xC4 && i + 1 < folded.size() &&
        static_cast<unsigned char>(folded[i + 1]) == 0x91) {
      result.push_back('d');
      ++i;
    } else {
      result.push_back(folded[i]);
    }
  }
  return result;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace motcua
