#include "sync-protocol/bytes.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "common/id.hpp"

namespace motcua::sync {

Hash256 sha256(ByteView bytes) {
  Hash256 out{};
  unsigned int len = 0;
  // EVP_Digest fails only when OpenSSL cannot allocate or its SHA-256 provider is missing; a zero
  // hash would silently chain batches wrongly, so stop instead.
  if (EVP_Digest(bytes.data, bytes.size, out.data(), &len, EVP_sha256(), nullptr) != 1 || len != out.size()) {
    std::fputs("motcua: OpenSSL could not compute SHA-256\n", stderr);
    std::abort();
  }
  return out;
}

std::string hash_hex(const Hash256& hash) { return to_hex(hash.data(), hash.size()); }

bool is_zero(const Hash256& hash) {
  for (unsigned char b : hash) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace motcua::sync
