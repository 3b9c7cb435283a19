#include "agent/hub_ca.hpp"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <filesystem>
#include <memory>

#include "agent/http_client.hpp"
#include "common/files.hpp"
#include "common/id.hpp"
#include "sync-protocol/base64.hpp"

namespace motcua::agent {

namespace fs = std::filesystem;

namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Handle = std::unique_ptr<X509, X509Free>;

constexpr char kBegin[] = "-----BEGIN CERTIFICATE-----";
constexpr char kEnd[] = "-----END CERTIFICATE-----";

// The DER of the first PEM certificate block in `pem`, or nullopt when there is none.
std::optional<std::string> first_der(const std::string& pem) {
  const auto begin = pem.find(kBegin);
  if (begin == std::string::npos) return std::nullopt;
  const auto body = begin + sizeof kBegin - 1;
  const auto end = pem.find(kEnd, body);
  if (end == std::string::npos) return std::nullopt;
  std::string text;
  for (size_t i = body; i < end; ++i) {
    if (!std::isspace(static_cast<unsigned char>(pem[i]))) text += pem[i];
  }
  auto bytes = sync::base64_decode(text);
  if (!bytes || bytes->empty()) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

std::string der_to_pem(const std::string& der) {
  const std::string b64 = sync::base64_encode(sync::ByteView(der));
  std::string out = std::string(kBegin) + "\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + kEnd + "\n";
}

}  // namespace

std::string hub_ca_path(const std::string& data_dir) { return path_utf8(utf8_path(data_dir) / "hub-ca.pem"); }

Result<CaCertificate> parse_ca_certificate(const std::string& pem, const std::string& source) {
  const auto der = first_der(pem);
  if (!der) {
    return fail(Error::invalid_input(source + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                                     "pass the province's CA certificate file from provincial IT"));
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  X509Handle cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
  if (!cert || p != reinterpret_cast<const unsigned char*>(der->data()) + der->size()) {
    return fail(Error::invalid_input("the certificate in " + source + " is damaged",
                                     "ask provincial IT for the province's CA certificate file again"));
  }
  if (X509_check_ca(cert.get()) < 1) {
    return fail(Error::invalid_input("the certificate in " + source +
                                         " is not a certificate authority's (it may be "
                                         "the hub's own certificate)",
                                     "pin the province's CA certificate, the one that signed the hub's certificate"));
  }
  return CaCertificate{der_to_pem(*der), sha256_hex(*der)};
}

Result<CaCertificate> read_ca_file(const std::string& path) {
  auto pem = read_whole_file(path);
  if (!pem) {
    return fail(Error::io("cannot read the CA certificate file " + path,
                          "check the path given to --ca (a PEM file from provincial IT)"));
  }
  return parse_ca_certificate(*pem, path);
}

Result<std::string> normalize_fingerprint(const std::string& text) {
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == ':' || std::isspace(c)) continue;
    if (!std::isxdigit(c)) {
      out.clear();
      break;
    }
    out += static_cast<char>(std::tolower(c));
  }
  if (out.size() != 64) {
    return fail(Error::invalid_input("'" + text + "' is not a SHA-256 fingerprint",
                                     "write the 64 hex digits of the CA certificate's SHA-256 fingerprint (colons "
                                     "allowed), as `openssl x509 -in ca.pem -noout -fingerprint -sha256` prints it"));
  }
  return out;
}

Result<CaCertificate> fetch_ca_by_fingerprint(const std::string& hub_url, const std::string& fingerprint) {
  MOTCUA_ASSIGN_OR_RETURN(std::string wanted, normalize_fingerprint(fingerprint));
  MOTCUA_ASSIGN_OR_RETURN(std::vector<std::string> chain, fetch_server_certificates(hub_url));
  std::string presented;
  for (const std::string& pem : chain) {
    const auto der = first_der(pem);
    if (!der) continue;
    const std::string sha = sha256_hex(*der);
    if (sha == wanted) return parse_ca_certificate(pem, "the hub's certificate chain");
    presented += (presented.empty() ? "" : ", ") + sha;
  }
  return fail(Error::unauthorized(
                  "none of the " + std::to_string(chain.size()) + " certificates the hub at " + hub_url +
                      " presented has the SHA-256 fingerprint " + wanted +
                      " (presented: " + (presented.empty() ? std::string("none") : presented) + "); nothing was saved",
                  "check the fingerprint with provincial IT; the hub's nginx must send the CA in its certificate chain "
                  "(ssl_certificate = server certificate followed by the CA); or enroll with --ca FILE")
                  .vi("Máy chủ tỉnh không có chứng chỉ nào khớp với mã vân tay đã nhập; chưa lưu gì. Hãy kiểm tra "
                      "lại mã với bộ phận CNTT của tỉnh."));
}

Result<std::optional<CaCertificate>> read_pinned_ca(const std::string& data_dir) {
  const std::string path = hub_ca_path(data_dir);
  if (!fs::exists(utf8_path(path))) return std::optional<CaCertificate>();
  MOTCUA_ASSIGN_OR_RETURN(CaCertificate ca, read_ca_file(path));
  return std::optional<CaCertificate>(std::move(ca));
}

Status write_pinned_ca(const std::string& data_dir, const CaCertificate& ca) {
  return write_private_file(hub_ca_path(data_dir), ca.pem);
}

}  // namespace motcua::agent
