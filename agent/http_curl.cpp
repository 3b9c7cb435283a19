#include <curl/curl.h>

#include <algorithm>
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

Result<HttpReply> perform(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string* content_type, const std::string* body, const HttpTimeouts& timeouts,
                          int64_t* body_bytes_sent) {
  MOTCUA_TRY(check_hub_url(url));
  static std::once_flag init_once;
  std::call_once(init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
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
                            int64_t* body_bytes_sent) {
  if (const HttpTransport& t = replacement_transport()) {
    MOTCUA_TRY(check_hub_url(url));
    return t("POST", url, headers, content_type, body, body_bytes_sent);
  }
  return perform(url, headers, &content_type, &body, timeouts, body_bytes_sent);
}

Result<HttpReply> http_get(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                           const HttpTimeouts& timeouts) {
  if (const HttpTransport& t = replacement_transport()) {
    MOTCUA_TRY(check_hub_url(url));
    return t("GET", url, headers, "", "", nullptr);
  }
  return perform(url, headers, nullptr, nullptr, timeouts, nullptr);
}

}  // namespace motcua::agent
