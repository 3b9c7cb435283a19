#include "common/password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdlib>

#include "common/id.hpp"
#include "common/text.hpp"

namespace motcua {

namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;

std::vector<unsigned char> from_hex(std::string_view hex) {
  std::vector<unsigned char> out;
  if (hex.size() % 2 != 0) return out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
    if (ec != std::errc() || p != hex.data() + i + 2) return {};
    out.push_back(static_cast<unsigned char>(v));
  }
  return out;
}

std::vector<unsigned char> derive(std::string_view password, const std::vector<unsigned char>& salt, int iterations) {
  std::vector<unsigned char> key(kKeyBytes);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(), static_cast<int>(salt.size()),
                        iterations, EVP_sha256(), static_cast<int>(key.size()), key.data()) != 1) {
    return {};
  }
  return key;
}

}  // namespace

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) std::abort();
  return to_hex(buf.data(), buf.size());
}

std::vector<unsigned char> token_hash(std::string_view token) { return from_hex(sha256_hex(token)); }

std::string hash_password(std::string_view password, int iterations) {
  const auto salt = from_hex(random_hex(kSaltBytes));
  const auto key = derive(password, salt, iterations);
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + to_hex(salt.data(), salt.size()) + "$" +
         to_hex(key.data(), key.size());
}

bool verify_password(std::string_view password, std::string_view stored) {
  const std::string_view prefix = "pbkdf2-sha256$";
  if (stored.substr(0, prefix.size()) != prefix) return false;
  std::string_view rest = stored.substr(prefix.size());
  const size_t a = rest.find('$');
  if (a == std::string_view::npos) return false;
  const size_t b = rest.find('$', a + 1);
  if (b == std::string_view::npos) return false;
  int iterations = 0;
  const auto [p, ec] = std::from_chars(rest.data(), rest.data() + a, iterations);
  if (ec != std::errc() || p != rest.data() + a || iterations < 1 || iterations > 100000000) return false;
  const auto salt = from_hex(rest.substr(a + 1, b - a - 1));
  const auto expected = from_hex(rest.substr(b + 1));
  if (salt.empty() || expected.size() != kKeyBytes) return false;
  const auto key = derive(password, salt, iterations);
  return key.size() == expected.size() && CRYPTO_memcmp(key.data(), expected.data(), key.size()) == 0;
}

void verify_password_for_unknown_account(std::string_view password) {
  (void)verify_password(password, "pbkdf2-sha256$" + std::to_string(kPbkdf2Iterations) +
                                      "$00000000000000000000000000000000$"
                                      "0000000000000000000000000000000000000000000000000000000000000000");
}

Result<std::string> clean_username(std::string_view raw) {
  std::string name;
  for (char c : trim(raw)) name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  bool ok = name.size() >= 2 && name.size() <= 32;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) ok = false;
  }
  if (!ok) {
    return fail(Error::invalid_input("username '" + std::string(raw) + "' is not 2-32 of a-z, 0-9, '.', '_' or '-'",
                                     "pick a short login name without diacritics, e.g. lan.nguyen")
                    .vi("Tên đăng nhập phải gồm 2–32 ký tự a-z, 0-9, dấu chấm, gạch dưới hoặc gạch ngang (không dấu)."));
  }
  return name;
}

Status check_new_password(std::string_view password) {
  if (password.size() < kMinPasswordBytes) {
    return fail(Error::invalid_input("the password is shorter than " + std::to_string(kMinPasswordBytes) + " characters",
                                     "choose a longer password")
                    .vi("Mật khẩu phải có ít nhất " + std::to_string(kMinPasswordBytes) + " ký tự."));
  }
  if (password.size() > kMaxPasswordBytes || password.find('\0') != std::string_view::npos) {
    return fail(Error::invalid_input("the password is longer than " + std::to_string(kMaxPasswordBytes) +
                                     " bytes or holds a NUL character")
                    .vi("Mật khẩu không hợp lệ."));
  }
  return ok();
}

}  // namespace motcua
