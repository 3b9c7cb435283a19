#include "sync-protocol/keys.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/id.hpp"
#include "sync-protocol/base64.hpp"

namespace motcua::sync {

namespace {

// OpenSSL keeps failures in a thread-local queue; take them out so a later, unrelated call does not
// report a stale error, and name the first one in our message.
std::string take_openssl_error() {
  unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return "no OpenSSL detail";
  char buf[256];
  ERR_error_string_n(first, buf, sizeof buf);
  return buf;
}

Error openssl_failure(const std::string& what) {
  return Error::internal(what + " failed in OpenSSL: " + take_openssl_error(),
                         "check that the OpenSSL 3 libraries are installed intact");
}

// The default PEM callback would ask for a passphrase on the terminal: refuse instead.
int no_passphrase(char*, int, int, void*) { return -1; }

constexpr size_t kMaxPemSize = 16 * 1024;

}  // namespace

Result<PublicKey> PublicKey::from_bytes(ByteView raw) {
  PublicKey key;
  if (raw.size != key.bytes.size()) {
    return fail(Error::invalid_input("an Ed25519 public key is 32 bytes, got " + std::to_string(raw.size)));
  }
  std::copy(raw.data, raw.data + raw.size, key.bytes.begin());
  return key;
}

Result<PublicKey> PublicKey::from_base64(std::string_view text) {
  auto raw = base64_decode(text);
  if (!raw) return fail(std::move(raw.error()).context("public key"));
  return from_bytes(*raw);
}

std::string PublicKey::base64() const { return base64_encode(bytes); }

std::string PublicKey::hex() const { return to_hex(bytes.data(), bytes.size()); }

Result<KeyPair> KeyPair::from_handle(EvpPkeyHandle key) {
  PublicKey pub;
  size_t len = pub.bytes.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), pub.bytes.data(), &len) != 1 || len != pub.bytes.size()) {
    return fail(openssl_failure("reading the Ed25519 public key"));
  }
  return KeyPair(std::move(key), pub);
}

Result<KeyPair> KeyPair::generate() {
  EvpPkeyHandle key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return fail(openssl_failure("generating an Ed25519 key"));
  return from_handle(std::move(key));
}

Result<KeyPair> KeyPair::from_private_pem(std::string_view pem) {
  const char* hint =
      "the key file must hold the unencrypted Ed25519 key this agent wrote at enrollment; "
      "if it is lost or damaged, enroll the agent again";
  if (pem.empty() || pem.size() > kMaxPemSize) {
    return fail(Error::invalid_input("private key PEM text is empty or larger than 16 KiB", hint));
  }
  BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(openssl_failure("reading the private key"));
  EvpPkeyHandle key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return fail(
        Error::invalid_input("not a readable unencrypted private key PEM (" + take_openssl_error() + ")", hint));
  }
  if (!EVP_PKEY_is_a(key.get(), "ED25519")) {
    return fail(Error::invalid_input(
        std::string("the private key is ") + EVP_PKEY_get0_type_name(key.get()) + ", not Ed25519", hint));
  }
  return from_handle(std::move(key));
}

Result<std::string> KeyPair::private_pem() const {
  BioHandle bio(BIO_new(BIO_s_mem()));
  if (!bio) return fail(openssl_failure("writing the private key"));
  if (PEM_write_bio_PrivateKey(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return fail(openssl_failure("writing the private key"));
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  if (n <= 0 || !data) return fail(openssl_failure("writing the private key"));
  return std::string(data, static_cast<size_t>(n));
}

Result<Signature> KeyPair::sign(ByteView message) const {
  EvpMdCtxHandle ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, m_key.get()) != 1) {
    return fail(openssl_failure("starting an Ed25519 signature"));
  }
  Signature sig{};
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data, message.size) != 1 || len != sig.size()) {
    return fail(openssl_failure("Ed25519 signing"));
  }
  return sig;
}

Status verify(const PublicKey& key, ByteView message, const Signature& signature) {
  EvpPkeyHandle pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.bytes.data(), key.bytes.size()));
  if (!pkey) {
    // OpenSSL refuses bytes that are not a point on the curve; nothing can verify against them.
    take_openssl_error();
    return fail(
        Error::unauthorized("signature does not match: the public key " + key.hex() + " is not a valid Ed25519 key"));
  }
  EvpMdCtxHandle ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return fail(openssl_failure("starting an Ed25519 verification"));
  }
  const int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data, message.size);
  if (rc == 1) return ok();
  take_openssl_error();
  if (rc == 0) return fail(Error::unauthorized("signature does not match"));
  // A negative result is OpenSSL's "other failure"; for Ed25519 it also covers malformed signatures
  // (e.g. S not reduced mod the group order), which are forgeries, not our failures.
  return fail(Error::unauthorized("signature does not match (malformed Ed25519 signature)"));
}

}  // namespace motcua::sync
