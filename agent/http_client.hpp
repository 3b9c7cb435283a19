// The agent's HTTP client (libcurl: portable to the Windows build, where it uses Schannel).
// Every request has a connect timeout, a low-speed timeout and an overall timeout: none can hang.
// Requests always carry an empty "Expect:" header (the hub's listener never answers
// "100-continue"). Plain http:// is allowed only to loopback hosts (tests, the demo).
//
// TLS (DESIGN.md "Security"): an https:// request trusts ONLY the office's pinned CA (HubTrust):
// never the system's CA store or CA path, always with host name verification. An https:// request
// without a pinned CA is refused before anything is sent.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace motcua::agent {

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
  int64_t bytes_sent = 0;      // request line, headers and body, as written to the socket
  int64_t bytes_received = 0;  // status line, headers and body, as read from it
};

struct HttpTimeouts {
  long connect_seconds = 10;
  long low_speed_bytes_per_second = 100;  // slower than this ...
  long low_speed_seconds = 30;            // ... for this long aborts
  long total_seconds = 300;
  // A larger answer is cut off and the request fails: the protocol's largest answer is a feed page
  // of 187 bytes + 4 MiB, so nothing legitimate comes close.
  size_t max_response_bytes = 8u << 20;
};

// Whom an https:// request trusts: the province's CA pinned at enrollment, and nothing else. One of
// the two is set for https://; both are ignored for http:// (loopback only).
struct HubTrust {
  std::string ca_file;  // a PEM file holding the pinned CA certificate (DIR/hub-ca.pem)
  std::string ca_pem;   // or the certificate itself (enrollment, before anything is written)
};

// kInvalidInput unless `url` is https://, or http:// to 127.0.0.0/8, localhost or [::1].
Status check_hub_url(const std::string& url);

// POSTs `body` to `url`. Transport failures (refused, reset, timeout, DNS) are kUnavailable or
// kTimeout naming the hub; any HTTP status is returned as a reply, not an error. https:// without a
// pinned CA in `trust` is kFailedPrecondition (nothing sent); a hub whose certificate does not
// verify against the pinned CA, or does not name the hub's host, is kUnauthorized saying so. When
// `body_bytes_sent` is given it receives how much of the body left, failure or not: less than the
// whole body means the server cannot have received the request.
Result<HttpReply> http_post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& content_type, const std::string& body, const HttpTimeouts& timeouts = {},
                            int64_t* body_bytes_sent = nullptr, const HubTrust& trust = {});

// GETs `url` with `headers`; same rules and timeouts as http_post.
Result<HttpReply> http_get(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers = {},
                           const HttpTimeouts& timeouts = {}, const HubTrust& trust = {});

// The certificates an https:// server presents (its chain, as PEM, leaf first), read over ONE
// connection made WITHOUT verification and closed after the TLS handshake: no request is sent.
// Only for pinning a CA by its fingerprint at enrollment; nothing here may be trusted until a
// certificate from it matches the fingerprint the installer supplied. kUnavailable/kTimeout when
// the server cannot be reached; kInvalidInput for a URL that is not https://.
Result<std::vector<std::string>> fetch_server_certificates(const std::string& url, const HttpTimeouts& timeouts = {});

// A replacement for the network, for harnesses that run offices and a hub in one process over a
// simulated lossy link (tests/integration/convergence_test.cpp): while one is set, http_post and
// http_get hand every request to it instead of libcurl (check_hub_url and the pinned-CA requirement
// still apply). It must set
// `body_bytes_sent` when given. An empty function restores libcurl. Set it before any request runs.
using HttpTransport = std::function<Result<HttpReply>(
    const std::string& method, const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& content_type, const std::string& body, int64_t* body_bytes_sent)>;
void set_http_transport(HttpTransport transport);

}  // namespace motcua::agent
