#include "sync-protocol/keys.hpp"

#include <openssl/pem.h>

#include <catch2/catch.hpp>

#include "sync-protocol/base64.hpp"
#include "sync-protocol/protocol_error.hpp"
#include "tests/sync-protocol/protocol_fixture.hpp"

using namespace motcua;
using test::contains;
using test::error_of;

TEST_CASE("a key pair signs and its public key verifies, another key does not", "[keys]") {
  auto key = test::new_key();
  auto other = test::new_key();
  CHECK(key.public_key() != other.public_key());
  const std::string message = "hồ sơ 33.11953-260225-0001";
  auto sig = key.sign(message);
  REQUIRE(sig);
  CHECK(sync::verify(key.public_key(), message, *sig));

  auto wrong_key = error_of(sync::verify(other.public_key(), message, *sig));
  CHECK(wrong_key.code == ErrorCode::kUnauthorized);
  CHECK(error_of(sync::verify(key.public_key(), message + " ", *sig)).code == ErrorCode::kUnauthorized);
  auto damaged = *sig;
  damaged[10] ^= 0x40;
  CHECK(error_of(sync::verify(key.public_key(), message, damaged)).code == ErrorCode::kUnauthorized);
  sync::Signature junk;
  junk.fill(0xff);  // S not reduced: malformed, still just "does not match"
  CHECK(error_of(sync::verify(key.public_key(), message, junk)).code == ErrorCode::kUnauthorized);
}

TEST_CASE("a private key survives export to PEM and import", "[keys]") {
  auto key = test::new_key();
  auto pem = key.private_pem();
  REQUIRE(pem);
  CHECK(contains(*pem, "-----BEGIN PRIVATE KEY-----"));
  auto again = sync::KeyPair::from_private_pem(*pem);
  REQUIRE(again);
  CHECK(again->public_key() == key.public_key());
  auto sig = again->sign(std::string("x"));
  REQUIRE(sig);
  CHECK(sync::verify(key.public_key(), std::string("x"), *sig));
}

TEST_CASE("damaged, empty, encrypted or non-Ed25519 private keys are refused with a hint", "[keys]") {
  auto key = test::new_key();
  auto pem = key.private_pem();
  REQUIRE(pem);
  auto damaged = *pem;
  damaged[40] = damaged[40] == 'A' ? 'B' : 'A';
  for (const std::string& text : {std::string(), std::string("hello"), pem->substr(0, pem->size() / 2), damaged}) {
    auto e = error_of(sync::KeyPair::from_private_pem(text));
    CHECK(e.code == ErrorCode::kInvalidInput);
    CHECK_FALSE(e.hint.empty());
  }

  // An encrypted key must be refused without asking for a passphrase on the terminal.
  {
    EvpPkeyHandle ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    REQUIRE(ed);
    BioHandle bio(BIO_new(BIO_s_mem()));
    char pass[] = "secret";
    REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio.get(), ed.get(), EVP_aes_256_cbc(), nullptr, 0, nullptr, pass) == 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    const std::string encrypted(data, static_cast<size_t>(n));
    REQUIRE(contains(encrypted, "ENCRYPTED"));
    CHECK(error_of(sync::KeyPair::from_private_pem(encrypted)).code == ErrorCode::kInvalidInput);
  }

  EvpPkeyHandle ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(ec);
  BioHandle bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), ec.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  auto e = error_of(sync::KeyPair::from_private_pem(std::string(data, static_cast<size_t>(n))));
  CHECK(contains(e.message, "not Ed25519"));
}

TEST_CASE("a public key travels as 44 characters of base64 and nothing else is accepted", "[keys]") {
  auto key = test::new_key();
  const std::string text = key.public_key().base64();
  CHECK(text.size() == 44);
  auto back = sync::PublicKey::from_base64(text);
  REQUIRE(back);
  CHECK(*back == key.public_key());
  CHECK(key.public_key().hex().size() == 64);

  CHECK(contains(error_of(sync::PublicKey::from_base64(sync::base64_encode(sql::Blob(31, 1)))).message, "32 bytes"));
  CHECK(error_of(sync::PublicKey::from_base64(text.substr(0, 43))).code == ErrorCode::kInvalidInput);
  CHECK(error_of(sync::PublicKey::from_bytes(sql::Blob(33, 0))).code == ErrorCode::kInvalidInput);
}

TEST_CASE("base64 matches the RFC 4648 test vectors both ways", "[base64]") {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(sync::base64_encode(plain) == encoded);
    auto decoded = sync::base64_decode(encoded);
    REQUIRE(decoded);
    CHECK(std::string(decoded->begin(), decoded->end()) == plain);
  }
  sql::Blob all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<size_t>(i)] = static_cast<unsigned char>(i);
  auto back = sync::base64_decode(sync::base64_encode(all));
  REQUIRE(back);
  CHECK(*back == all);
}

TEST_CASE("base64 decoding is strict and says what is wrong", "[base64]") {
  struct Case {
    std::string text, words;
  };
  for (const auto& c :
       {Case{"Zg=", "multiple of 4"}, Case{"Zm 9v", "multiple of 4"}, Case{"Zm9v\nZm9v", "multiple of 4"},
        Case{"Zm9 ", "byte 0x20 at position 3"}, Case{"Zm-v", "'-' at position 2"},
        Case{"Z===", "padding '=' at position 1"}, Case{"Zg==Zm9v", "padding '=' at position 2"},
        Case{"Zh==", "non-canonical"}, Case{"Zm9=", "non-canonical"}, Case{"====", "padding"}}) {
    INFO(c.text);
    auto e = error_of(sync::base64_decode(c.text));
    CHECK(e.code == ErrorCode::kInvalidInput);
    CHECK(contains(e.message, c.words));
    CHECK_FALSE(e.hint.empty());
  }
}

TEST_CASE("protocol error codes have stable names, statuses and transient flags", "[errors]") {
  using sync::ProtocolCode;
  const ProtocolCode all[] = {ProtocolCode::kBadRequest,
                              ProtocolCode::kBadEnvelope,
                              ProtocolCode::kBadSignature,
                              ProtocolCode::kUnknownAgent,
                              ProtocolCode::kRevokedAgent,
                              ProtocolCode::kSchemaMismatch,
                              ProtocolCode::kSequenceConflict,
                              ProtocolCode::kSequenceGap,
                              ProtocolCode::kPayloadTooLarge,
                              ProtocolCode::kEnrollmentCodeInvalid,
                              ProtocolCode::kEnrollmentCodeExpired,
                              ProtocolCode::kEnrollmentCodeUsed,
                              ProtocolCode::kRateLimited,
                              ProtocolCode::kUnavailable,
                              ProtocolCode::kInternal};
  int transient = 0;
  for (auto code : all) {
    auto back = sync::protocol_code_from_name(sync::protocol_code_name(code));
    REQUIRE(back);
    CHECK(*back == code);
    if (sync::is_transient(code)) ++transient;
    CHECK(sync::http_status(code) >= 400);
  }
  CHECK(transient == 3);
  CHECK(std::string(sync::protocol_code_name(ProtocolCode::kSequenceGap)) == "sequence_gap");
  CHECK(sync::http_status(ProtocolCode::kPayloadTooLarge) == 413);
  CHECK(sync::is_transient(ProtocolCode::kRateLimited));
  CHECK_FALSE(sync::protocol_code_from_name("not_a_code"));

  // A ProtocolError passes through MOTCUA_TRY in a Result<T> function as a plain Error.
  auto as_error = []() -> Status {
    MOTCUA_TRY(sync::ProtocolStatus(
        tl::unexpected<sync::ProtocolError>(sync::protocol_error(ProtocolCode::kBadEnvelope, Error::corruption("x")))));
    return ok();
  };
  auto e = error_of(as_error());
  CHECK(e.code == ErrorCode::kCorruption);
  CHECK(e.message == "x");
}
