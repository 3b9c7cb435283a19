#include "sync-protocol/request_signature.hpp"

#include <catch2/catch.hpp>

#include "sync-protocol/base64.hpp"
#include "tests/sync-protocol/protocol_fixture.hpp"

using namespace motcua;
using sync::ProtocolCode;
using test::contains;
using test::error_of;

TEST_CASE("the request signing text is exactly the documented lines", "[request]") {
  auto agent = Id128::from_hex("00112233445566778899aabbccddeeff");
  REQUIRE(agent);
  auto text = sync::request_signing_text("POST", "/v1/batches?x=1", std::string("abc"), *agent, 42);
  REQUIRE(text);
  CHECK(*text ==
        "MOTCUA-REQ-1\n"
        "POST\n"
        "/v1/batches?x=1\n"
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"  // SHA-256("abc")
        "00112233445566778899aabbccddeeff\n"
        "42\n");
  auto empty_body = sync::request_signing_text("GET", "/v1/feed", std::string(), *agent, 1);
  REQUIRE(empty_body);
  CHECK(contains(*empty_body, "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"));
}

TEST_CASE("a signed request verifies, and changing any signed part fails verification", "[request]") {
  auto key = test::new_key();
  auto agent = Id128::random();
  const std::string body = "batch bytes";
  auto headers = sync::sign_request(key, agent, 7, "POST", "/v1/batches", body);
  REQUIRE(headers);
  CHECK(headers->agent == agent.hex());
  CHECK(headers->counter == "7");
  CHECK(headers->signature.size() == 88);

  auto creds = sync::parse_request_headers(headers->agent, headers->counter, headers->signature);
  REQUIRE(creds);
  CHECK(creds->agent_id == agent);
  CHECK(creds->counter == 7);
  CHECK(sync::verify_request(*creds, key.public_key(), "POST", "/v1/batches", body));

  auto refused = [&](const sync::RequestCredentials& c, std::string_view method, std::string_view target,
                     const std::string& b) {
    auto v = sync::verify_request(c, key.public_key(), method, target, b);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::kUnauthorized);
    CHECK(v.error().protocol == ProtocolCode::kBadSignature);
  };
  refused(*creds, "PUT", "/v1/batches", body);
  refused(*creds, "POST", "/v1/batches?a=1", body);
  refused(*creds, "POST", "/v1/batches", body + ".");
  auto other_agent = *creds;
  other_agent.agent_id = Id128::random();
  refused(other_agent, "POST", "/v1/batches", body);
  auto replayed_counter = *creds;
  replayed_counter.counter = 8;
  refused(replayed_counter, "POST", "/v1/batches", body);
  auto other_key = test::new_key();
  CHECK_FALSE(sync::verify_request(*creds, other_key.public_key(), "POST", "/v1/batches", body));
}

TEST_CASE("malformed request headers are refused as bad_request naming the header", "[request]") {
  const std::string agent = "00112233445566778899aabbccddeeff";
  const std::string sig = sync::base64_encode(sync::Signature{});
  REQUIRE(sync::parse_request_headers(agent, "18446744073709551615", sig));

  struct Case {
    std::string agent, counter, signature, header;
  };
  for (const auto& c :
       {Case{"", "1", sig, "X-Motcua-Agent"}, Case{"00112233445566778899AABBCCDDEEFF", "1", sig, "X-Motcua-Agent"},
        Case{agent + "00", "1", sig, "X-Motcua-Agent"}, Case{agent, "", sig, "X-Motcua-Counter"},
        Case{agent, "0", sig, "X-Motcua-Counter"}, Case{agent, "007", sig, "X-Motcua-Counter"},
        Case{agent, "-1", sig, "X-Motcua-Counter"}, Case{agent, " 1", sig, "X-Motcua-Counter"},
        Case{agent, "18446744073709551616", sig, "X-Motcua-Counter"}, Case{agent, "1", "", "X-Motcua-Signature"},
        Case{agent, "1", sig.substr(0, 84), "X-Motcua-Signature"},
        Case{agent, "1", sig + "\n", "X-Motcua-Signature"}}) {
    INFO(c.agent << " / " << c.counter << " / " << c.signature);
    auto e = error_of(sync::parse_request_headers(c.agent, c.counter, c.signature));
    CHECK(e.code == ErrorCode::kInvalidInput);
    CHECK(e.protocol == ProtocolCode::kBadRequest);
    CHECK(contains(e.message, c.header));
  }
}

TEST_CASE("a request target with spaces or line breaks cannot be signed", "[request]") {
  auto key = test::new_key();
  auto agent = Id128::random();
  CHECK_FALSE(sync::sign_request(key, agent, 1, "POST", "/v1/batches\nX", std::string()));
  CHECK_FALSE(sync::sign_request(key, agent, 1, "POST", "/v1/a b", std::string()));
  CHECK_FALSE(sync::sign_request(key, agent, 1, "POST", "v1/batches", std::string()));
  CHECK_FALSE(sync::sign_request(key, agent, 1, "post", "/v1/batches", std::string()));
  CHECK_FALSE(sync::sign_request(key, agent, 0, "POST", "/v1/batches", std::string()));
  sync::RequestCredentials creds;
  creds.agent_id = agent;
  creds.counter = 1;
  CHECK(error_of(sync::verify_request(creds, key.public_key(), "POST", "/v1/a b", std::string())).protocol ==
        ProtocolCode::kBadRequest);
}
