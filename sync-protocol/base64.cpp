#include "sync-protocol/base64.hpp"

#include <cstdio>

namespace motcua::sync {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string describe(unsigned char c) {
  if (c >= 0x21 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
  return buf;
}

Error bad(const std::string& what) {
  return Error::invalid_input("invalid base64: " + what,
                              "base64 here is the standard alphabet (A-Z a-z 0-9 + /) with '=' padding and no "
                              "spaces or line breaks; copy the value again in full");
}

}  // namespace

std::string base64_encode(ByteView bytes) {
  std::string out;
  out.reserve((bytes.size + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size; i += 3) {
    uint32_t v = (uint32_t{bytes.data[i]} << 16) | (uint32_t{bytes.data[i + 1]} << 8) | bytes.data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = bytes.size - i;
  if (rest == 1) {
    uint32_t v = uint32_t{bytes.data[i]} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = (uint32_t{bytes.data[i]} << 16) | (uint32_t{bytes.data[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::vector<unsigned char>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return fail(bad("length " + std::to_string(text.size()) + " is not a multiple of 4"));
  }
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  const size_t data_chars = text.size() - padding;
  std::vector<unsigned char> out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < data_chars; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int v = sextet(c);
    if (v < 0) {
      if (c == '=') return fail(bad("padding '=' at position " + std::to_string(i) + " before the end"));
      return fail(bad(describe(c) + " at position " + std::to_string(i) + " is not a base64 character"));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((acc >> bits) & 0xff));
    }
  }
  // After the last data character, 2 (one '=') or 4 (two '=') low bits are left over; they must be
  // zero or two different texts would decode to the same bytes.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return fail(bad("the last character before the padding has non-zero unused bits (non-canonical encoding)"));
  }
  return out;
}

}  // namespace motcua::sync
