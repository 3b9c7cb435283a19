#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "agent/http_client.hpp"

namespace motcua::agent {

namespace {

struct CurlDeleter { void operator()(CURL* c) const { curl_easy_cleanup(c); } };
struct SlistDeleter { void operator()(curl_slist* l) const { curl_slist_free_all(l); } };
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using SlistHandle = std::unique_ptr<curl_slist, SlistDeleter>;

struct Sink {
  std::string* body;
  size_t limit;
  bool overflowed = false;
};

size_t collect(char* data, size_t size, size_t n, void* out) {
  auto* sink = static_cast<Sink*>(out);
  if (sink->body->size() + size * n > sink->limit) {
    sink->overflowed = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  sink->body->append(data, size * n);
  return size * n;
}

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  if (start == std::string::npos) return {};
  start += 3;
  if (start < url.size() && url[start] == '[') {
    auto end = url.find(']', start);
    return end == std::string::npos ? std::string() : url.substr(start, end - start + 1);
  }
  auto end = url.find_first_of(":/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

Status check_hub_url(const std::string& url) {
  if (url.rfind("https://", 0) == 0 && !host_of(url).empty()) return ok();
  if (url.rfind("http://", 0) == 0) {
    const std::string host = host_of(url);
    if (host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0) return ok();
    return fail(Error::invalid_input("hub address " + url + " uses plain http:// to a non-loopback host",
                                     "use the province's https:// hub address; plain http is only for a hub on this machine"));
  }
  return fail(Error::invalid_input("'" + url + "' is not a hub address", "write it as https://hub.example.gov.vn"));
}

namespace {

bool is_https(const std::string& url) { return url.rfind("https://", 0) == 0; }

// An https:// request needs the pinned CA; plain http:// (loopback only) has nothing to pin.
Status check_trust(const std::string& url, const HubTrust& trust) {
  MOTCUA_TRY(check_hub_url(url));
  if (is_https(url) && trust.ca_file.empty() && trust.ca_pem.empty()) {
    return fail(Error::failed_precondition(
        "this office has no pinned certificate authority for the https:// hub " + url + ", so it cannot "
        "tell the province's hub from an impostor",
        "enroll with --ca FILE or --ca-sha256 FINGERPRINT (the province's CA, from provincial IT)")
        .vi("Máy này chưa có chứng chỉ của tỉnh để nhận biết máy chủ tỉnh. Hãy nhờ bộ phận CNTT của tỉnh "
            "kết nối lại văn phòng."));
  }
  return ok();
}

void init_curl_once() {
  static std::once_flag init_once;
  std::call_once(init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Trust the pinned CA only: not the CA bundle or CA directory libcurl was built with (Debian's
// libcurl has a default CA path), with peer and host name verification on.
void pin_ca(CURL* c, const HubTrust& trust, curl_blob* blob) {
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
  curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!trust.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, trust.ca_file.c_str());
  } else {
    curl_easy_setopt(c, CURLOPT_CAINFO, static_cast<const char*>(nullptr));
    blob->data = const_cast<char*>(trust.ca_pem.data());
    blob->len = trust.ca_pem.size();
    blob->flags = CURL_BLOB_NOCOPY;
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, blob);
  }
}

// The hub's certificate did not verify against the pinned CA (or does not name the host): say so
// and what to do, instead of a bare TLS error.
Error certificate_refused(const std::string& url, const std::string& detail) {
  return Error::unauthorized(
      "the hub at " + url + " presented a certificate that is not signed by the certificate authority this "
      "office pinned, or that does not name the hub's host (" + detail + "); nothing was sent",
      "check the hub address; if the province changed its certificate authority, enroll again with the new "
      "--ca or --ca-sha256 from provincial IT; otherwise report it to provincial IT (the connection may be "
      "intercepted). Changes stay queued and are sent once the hub is trusted")
      .vi("Máy chủ tỉnh không xuất trình được chứng chỉ do cơ quan chứng thực của tỉnh cấp, nên chưa gửi gì. "
          "Hồ sơ vẫn được lưu và sẽ gửi sau. Hãy báo cho bộ phận CNTT của tỉnh.");
}

Result<HttpReply> perform(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string* content_type, const std::string* body, const HttpTimeouts& timeouts,
                          int64_t* body_bytes_sent, const HubTrust& trust) {
  MOTCUA_TRY(check_trust(url, trust));
  init_curl_once();
  CurlHandle curl(curl_easy_init());
  if (!curl) return fail(Error::unavailable("cannot start an HTTP request (out of memory)"));
  curl_slist* raw = nullptr;
  if (content_type) raw = curl_slist_append(raw, ("Content-Type: " + *content_type).c_str());
  raw = curl_slist_append(raw, "Expect:");
  for (const auto& [name, value] : headers) raw = curl_slist_append(raw, (name + ": " + value).c_str());
  SlistHandle list(raw);
  HttpReply reply;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  // The protocol is HTTP/1.1 (PROTOCOL.md section 7), also when a proxy offers HTTP/2 over TLS.
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_blob ca_blob{};
  if (is_https(url)) pin_ca(c, trust, &ca_blob);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  Sink sink{&reply.body, timeouts.max_response_bytes};
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeouts.connect_seconds);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, timeouts.low_speed_bytes_per_second);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeouts.low_speed_seconds);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeouts.total_seconds);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(c);
  if (body_bytes_sent) {
    curl_off_t sent = 0;
    curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &sent);
    *body_bytes_sent = static_cast<int64_t>(sent);
  }
  if (sink.overflowed) {
    return fail(Error::unavailable("the answer from " + url + " is larger than " +
                                       std::to_string(timeouts.max_response_bytes) + " bytes; it was cut off",
                                   "the address may not be the province's motcua hub; check it"));
  }
  if (rc == CURLE_PEER_FAILED_VERIFICATION) {
    return fail(certificate_refused(url, errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  }
  if (rc == CURLE_SSL_CACERT_BADFILE) {
    return fail(Error::io("cannot read this office's pinned certificate authority " + trust.ca_file + ": " +
                              (errbuf[0] ? errbuf : curl_easy_strerror(rc)),
                          "enroll again with --ca FILE or --ca-sha256 FINGERPRINT from provincial IT; changes stay queued"));
  }
  if (rc != CURLE_OK) {
    std::string what = "cannot reach the hub at " + url + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc));
    const char* hint = "check the office's internet link and the hub address; changes stay queued and are sent later";
    if (rc == CURLE_OPERATION_TIMEDOUT) return fail(Error::timeout(what, hint));
    return fail(Error::unavailable(what, hint));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  reply.status = static_cast<int>(status);
  char* ct = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
  if (ct) reply.content_type = ct;
  long request_size = 0, header_size = 0;
  curl_off_t uploaded = 0, downloaded = 0;
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo(c, CURLINFO_HEADER_SIZE, &header_size);
  curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &uploaded);
  curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &downloaded);
  // CURLINFO_REQUEST_SIZE counts the request line, headers and the body curl sent with them.
  reply.bytes_sent = std::max<int64_t>(request_size, static_cast<int64_t>(uploaded));
  reply.bytes_received = header_size + downloaded;
  return reply;
}

}  // namespace

namespace {
HttpTransport& replacement_transport() {
  static HttpTransport transport;
  return transport;
}
}  // namespace

void set_http_transport(HttpTransport transport) { replacement_transport() = std::move(transport); }

Result<HttpReply> http_post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& content_type, const std::string& body, const HttpTimeouts& timeouts,
                            int64_t* body_bytes_sent, const HubTrust& trust) {
  if (const HttpTransport& t = replacement_transport()) {
    MOTCUA_TRY(check_trust(url, trust));
    return t("POST", url, headers, content_type, body, body_bytes_sent);
  }
  return perform(url, headers, &content_type, &body, timeouts, body_bytes_sent, trust);
}

Result<HttpReply> http_get(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                           const HttpTimeouts& timeouts, const HubTrust& trust) {
  if (const HttpTransport& t = replacement_transport()) {
    MOTCUA_TRY(check_trust(url, trust));
    return t("GET", url, headers, "", "", nullptr);
  }
  return perform(url, headers, nullptr, nullptr, timeouts, nullptr, trust);
}

Result<std::vector<std::string>> fetch_server_certificates(const std::string& url, const HttpTimeouts& timeouts) {
  if (!is_https(url) || host_of(url).empty()) {
    return fail(Error::invalid_input("'" + url + "' is not an https:// hub address",
                                     "a certificate authority is pinned only for an https:// hub"));
  }
  init_curl_once();
  CurlHandle curl(curl_easy_init());
  if (!curl) return fail(Error::unavailable("cannot start an HTTP request (out of memory)"));
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  // The one connection made without verification: it only reads the chain the server presents,
  // which is then matched against the installer's fingerprint. No request is sent on it.
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeouts.connect_seconds);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, std::min(timeouts.total_seconds, 60L));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    std::string what = "cannot reach the hub at " + url + " to read its certificates: " +
                       (errbuf[0] ? errbuf : curl_easy_strerror(rc));
    const char* hint = "check the office's internet link and the hub address, then enroll again";
    if (rc == CURLE_OPERATION_TIMEDOUT) return fail(Error::timeout(what, hint));
    return fail(Error::unavailable(what, hint));
  }
  curl_certinfo* info = nullptr;
  std::vector<std::string> out;
  if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &info) == CURLE_OK && info) {
    for (int i = 0; i < info->num_of_certs; ++i) {
      for (curl_slist* field = info->certinfo[i]; field; field = field->next) {
        static constexpr char kCert[] = "Cert:";
        if (std::strncmp(field->data, kCert, sizeof kCert - 1) == 0) out.emplace_back(field->data + sizeof kCert - 1);
      }
    }
  }
  return out;
}

}  // namespace motcua::agent
