#include "common/id.hpp"

#include <cstdio>
#include <cstdlib>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace motcua {

Id128 Id128::random() {
  Id128 id;
  if (RAND_bytes(id.bytes.data(), static_cast<int>(id.bytes.size())) != 1) {
    std::fputs("motcua: the system random generator failed; refusing to create a weak id\n", stderr);
    std::abort();
  }
  return id;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<Id128> Id128::from_hex(std::string_view hex) {
  if (hex.size() != 32) return fail(Error::invalid_input("an id is 32 hex digits, got '" + std::string(hex) + "'"));
  Id128 id;
  for (size_t i = 0; i < 16; ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(Error::invalid_input("'" + std::string(hex) + "' is not hexadecimal"));
    id.bytes[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return id;
}

Result<Id128> Id128::from_blob(const std::vector<unsigned char>& blob) {
  if (blob.size() != 16) return fail(Error::corruption("an id must be 16 bytes, got " + std::to_string(blob.size())));
  Id128 id;
  std::copy(blob.begin(), blob.end(), id.bytes.begin());
  return id;
}

std::string Id128::hex() const { return to_hex(bytes.data(), bytes.size()); }

std::string to_hex(const unsigned char* data, size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(md, len);
}

}  // namespace motcua
