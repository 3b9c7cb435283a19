// The province's certificate authority an office pins (DESIGN.md "Security"; PROTOCOL.md section 7):
// every https:// request to the hub trusts this one certificate and nothing else. The installer
// supplies it at enrollment, as a PEM file (--ca) or as the SHA-256 fingerprint of its DER
// (--ca-sha256), in which case the certificate is taken from the chain the hub's nginx presents.
// The pinned certificate lives in DIR/hub-ca.pem, readable by the service account only.
#pragma once

#include <optional>
#include <string>

#include "common/error.hpp"

namespace motcua::agent {

struct CaCertificate {
  std::string pem;     // exactly one certificate, PEM ("-----BEGIN CERTIFICATE-----" ...)
  std::string sha256;  // SHA-256 of its DER, 64 lower-case hex digits
};

// DIR/hub-ca.pem.
std::string hub_ca_path(const std::string& data_dir);

// The first certificate in `pem` (text that may hold more; `source` names it in errors).
// kInvalidInput when there is none, it does not parse, or it is not a CA certificate (a server's
// own certificate pinned by mistake would fail every connection later).
Result<CaCertificate> parse_ca_certificate(const std::string& pem, const std::string& source);

// parse_ca_certificate of the file at `path`; kIo when it cannot be read.
Result<CaCertificate> read_ca_file(const std::string& path);

// A fingerprint as people write it ("AB:CD:..." or "abcd...", any case, colons and spaces ignored)
// as 64 lower-case hex digits; kInvalidInput otherwise.
Result<std::string> normalize_fingerprint(const std::string& text);

// Connects once to `hub_url` without verification (fetch_server_certificates), and returns the
// certificate of the presented chain whose DER SHA-256 is `fingerprint` (normalized). kUnauthorized
// when none matches, naming what was presented and what to do; transport failures as http_client.
Result<CaCertificate> fetch_ca_by_fingerprint(const std::string& hub_url, const std::string& fingerprint);

// The office's pinned CA, or nullopt when it has none. kInvalidInput when DIR/hub-ca.pem is damaged.
Result<std::optional<CaCertificate>> read_pinned_ca(const std::string& data_dir);

// Writes DIR/hub-ca.pem atomically, for the owner only (write_private_file).
Status write_pinned_ca(const std::string& data_dir, const CaCertificate& ca);

}  // namespace motcua::agent
