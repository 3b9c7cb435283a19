#include "hub/alerts.hpp"

#include <condition_variable>
#include <thread>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "hub/fleet.hpp"
#include "hub/hub_store.hpp"
#include "hub/status.hpp"

namespace motcua::hub {

using nlohmann::json;

Status post_webhook(const std::string& url, const std::string& body) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return fail(Error::internal("curl_easy_init failed"));
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"), curl_slist_free_all);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t n, void*) { return size * n; });
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return fail(Error::timeout("the alert webhook " + url + " did not answer within 5 s",
                               "check the address with `motcua-hub config get alert_webhook_url`"));
  }
  if (rc != CURLE_OK) {
    return fail(Error::unavailable("the alert webhook " + url + " failed: " + curl_easy_strerror(rc),
                                   "check the address with `motcua-hub config get alert_webhook_url`"));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    return fail(Error::unavailable("the alert webhook " + url + " answered HTTP " + std::to_string(status),
                                   "check the receiving system"));
  }
  return ok();
}

struct AlertWatcher::Impl {
  std::string data_dir;
  const Clock* clock = nullptr;
  std::ostream* log = nullptr;
  Sender sender;
  std::mutex check_mutex;  // one check at a time
  std::map<std::string, json> active;  // "unit/code" → the alert as last seen

  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  int64_t interval_ms = 60 * kMsPerSecond;
  std::thread thread;

  void log_line(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex);
    *log << "motcua-hub: " << line << std::endl;
  }

  Result<int> check() {
    std::lock_guard<std::mutex> lock(check_mutex);
    MOTCUA_ASSIGN_OR_RETURN(HubStore store, HubStore::open(data_dir, *clock));
    MOTCUA_ASSIGN_OR_RETURN(FleetPolicy policy, load_fleet_policy(store));
    MOTCUA_ASSIGN_OR_RETURN(json status, hub_status(store));
    {
      std::lock_guard<std::mutex> l(mutex);
      interval_ms = policy.check_interval_ms;
    }
    std::map<std::string, json> now_active;
    std::map<std::string, std::string> state_of;
    for (const json& u : status["units"]) state_of[u["unit"].get<std::string>()] = u["state"].get<std::string>();
    for (const json& a : status["alerts"]) {
      now_active[a["unit"].get<std::string>() + "/" + a["code"].get<std::string>()] = a;
    }
    const std::string at = status["generated_at"].get<std::string>();
    int changes = 0;
    auto emit = [&](const char* event, const json& a) {
      ++changes;
      const std::string unit = a["unit"].get<std::string>();
      log_line(std::string(event == std::string("alert_raised") ? "alert raised: " : "alert cleared: ") + "unit " +
               unit + " (" + a["name"].get<std::string>() + ") " + a["code"].get<std::string>() + ": " +
               a["message"].get<std::string>());
      if (policy.webhook_url.empty()) return;
      json body = {{"event", event},
                   {"province", status["province"]},
                   {"unit", unit},
                   {"name", a["name"]},
                   {"code", a["code"]},
                   {"severity", a["severity"]},
                   {"message", a["message"]},
                   {"message_vi", a["message_vi"]},
                   {"state", state_of.count(unit) ? json(state_of[unit]) : json(nullptr)},
                   {"at", at}};
      auto sent = sender(policy.webhook_url, body.dump());
      if (!sent) log_line("alert webhook not delivered: " + sent.error().message);
    };
    for (const auto& [key, a] : now_active) {
      if (!active.count(key)) emit("alert_raised", a);
    }
    for (const auto& [key, a] : active) {
      if (!now_active.count(key)) emit("alert_cleared", a);
    }
    active = std::move(now_active);
    return changes;
  }

  // The first check runs even when stop() comes at once, so a start is never silent.
  void run() {
    while (true) {
      auto done = check();
      if (!done) log_line("fleet check failed: " + done.error().message);
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait_for(lock, std::chrono::milliseconds(interval_ms), [&] { return stopping; });
      if (stopping) return;
    }
  }
};

Result<std::unique_ptr<AlertWatcher>> AlertWatcher::start(const std::string& data_dir, const Clock& clock,
                                                          std::ostream& log, Sender sender) {
  auto impl = std::make_unique<Impl>();
  impl->data_dir = data_dir;
  impl->clock = &clock;
  impl->log = &log;
  impl->sender = std::move(sender);
  // Fail at start, not silently in the thread, when the hub cannot be read.
  MOTCUA_ASSIGN_OR_RETURN(HubStore probe, HubStore::open(data_dir, clock));
  (void)probe;
  Impl* raw = impl.get();
  std::unique_ptr<AlertWatcher> watcher(new AlertWatcher(std::move(impl)));
  raw->thread = std::thread([raw] { raw->run(); });
  return watcher;
}

AlertWatcher::AlertWatcher(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

AlertWatcher::~AlertWatcher() { stop(); }

Result<int> AlertWatcher::check_now() { return m_impl->check(); }

void AlertWatcher::stop() {
  {
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    m_impl->stopping = true;
  }
  m_impl->wake.notify_all();
  if (m_impl->thread.joinable()) m_impl->thread.join();
}

}  // namespace motcua::hub
