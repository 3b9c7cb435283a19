// Base64 (RFC 4648 section 4: the standard alphabet A-Z a-z 0-9 + /, with '=' padding), as used
// for keys in enrollment JSON and for the X-Motcua-Signature header. Pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "sync-protocol/bytes.hpp"

namespace motcua::sync {

// Padded base64 of `bytes` (the empty input gives "").
std::string base64_encode(ByteView bytes);

// Strict decoding: the text must be exactly what base64_encode produces for some bytes. Refused with
// kInvalidInput and a message naming the position: a length that is not a multiple of 4, a character
// outside the alphabet (whitespace and line breaks included), '=' anywhere but the last one or two
// positions, and non-zero bits in the unused low bits of the last character (a non-canonical form,
// refused so that one byte string has exactly one text). "" decodes to no bytes.
Result<std::vector<unsigned char>> base64_decode(std::string_view text);

}  // namespace motcua::sync
