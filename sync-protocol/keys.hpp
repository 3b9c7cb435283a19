// Ed25519 keys (OpenSSL 3 EVP) for agents and the hub. An agent generates its key pair at enrollment
// and keeps the private key in its data directory (PEM text); the hub records the agent's raw public
// key. The hub's own key signs acknowledgements. Pure functions over bytes and text: no files.
//
// Thread-safety: a KeyPair is immutable after creation; sign() may be called from several threads.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/handles.hpp"
#include "sync-protocol/bytes.hpp"

namespace motcua::sync {

// An Ed25519 signature: always 64 bytes.
using Signature = std::array<unsigned char, 64>;

// An Ed25519 public key as its raw 32 bytes (RFC 8032 encoding).
struct PublicKey {
  std::array<unsigned char, 32> bytes{};

  // Exactly 32 bytes, else kInvalidInput.
  static Result<PublicKey> from_bytes(ByteView raw);
  // Strict base64 (see base64.hpp) of exactly 32 bytes, else kInvalidInput naming the problem.
  static Result<PublicKey> from_base64(std::string_view text);

  std::string base64() const;  // 44 characters
  std::string hex() const;     // 64 lower-case hex digits, for logs

  friend bool operator==(const PublicKey& a, const PublicKey& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const PublicKey& a, const PublicKey& b) { return a.bytes != b.bytes; }
};

// An Ed25519 private key with its public key. Movable, not copyable.
class KeyPair {
 public:
  // A fresh key from OpenSSL's CSPRNG. kInternal if OpenSSL fails.
  static Result<KeyPair> generate();
  // From unencrypted PKCS#8 PEM text ("-----BEGIN PRIVATE KEY-----") as private_pem() writes it.
  // kInvalidInput if the text is not such a PEM block, is encrypted (no passphrase is ever asked
  // for), or holds a key of another type.
  static Result<KeyPair> from_private_pem(std::string_view pem);

  // Unencrypted PKCS#8 PEM text of the private key. It is the agent's identity: the caller stores it
  // readable by the service account only. kInternal if OpenSSL fails.
  Result<std::string> private_pem() const;
  const PublicKey& public_key() const { return m_public; }

  // Ed25519 signature of `message` (pure Ed25519: the message itself is signed, not a digest).
  // kInternal if OpenSSL fails.
  Result<Signature> sign(ByteView message) const;

 private:
  KeyPair(EvpPkeyHandle key, const PublicKey& public_key) : m_key(std::move(key)), m_public(public_key) {}
  static Result<KeyPair> from_handle(EvpPkeyHandle key);

  EvpPkeyHandle m_key;
  PublicKey m_public;
};

// Checks `signature` over `message` with `key`. kUnauthorized "signature does not match" on a
// mismatch (including a public key that is not a valid curve point); kInternal if OpenSSL fails.
Status verify(const PublicKey& key, ByteView message, const Signature& signature);

}  // namespace motcua::sync
