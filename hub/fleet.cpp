#include "hub/fleet.hpp"

#include <cstdio>
#include <cstdlib>

#include "common/version.hpp"
#include "domain/due_date.hpp"
#include "hub/hub_store.hpp"

namespace motcua::hub {

const char* office_state_name(OfficeState s) {
  switch (s) {
    case OfficeState::kRed: return "red";
    case OfficeState::kAmber: return "amber";
    case OfficeState::kGreen: return "green";
    case OfficeState::kGrey: return "grey";
  }
  return "grey";
}

const char* office_state_vi(OfficeState s) {
  switch (s) {
    case OfficeState::kRed: return "Mất đồng bộ";
    case OfficeState::kAmber: return "Cần chú ý";
    case OfficeState::kGreen: return "Đồng bộ tốt";
    case OfficeState::kGrey: return "Chưa kết nối";
  }
  return "Chưa kết nối";
}

Result<Threshold> parse_threshold(std::string_view text) {
  auto bad = [&] {
    return fail(Error::invalid_input("'" + std::string(text) + "' is not a threshold",
                                     "write a positive whole number with a unit: 4wh (working hours), 2h, 30m or 90s"));
  };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 6) return bad();
  const int64_t n = std::stoll(std::string(text.substr(0, digits)));
  const std::string_view unit = text.substr(digits);
  if (n <= 0) return bad();
  if (unit == "wh") return Threshold{n * kMsPerHour, true};
  if (unit == "h") return Threshold{n * kMsPerHour, false};
  if (unit == "m") return Threshold{n * kMsPerMinute, false};
  if (unit == "s") return Threshold{n * kMsPerSecond, false};
  return bad();
}

std::string format_threshold(const Threshold& t) {
  if (t.working) return std::to_string(t.ms / kMsPerHour) + "wh";
  if (t.ms % kMsPerHour == 0) return std::to_string(t.ms / kMsPerHour) + "h";
  if (t.ms % kMsPerMinute == 0) return std::to_string(t.ms / kMsPerMinute) + "m";
  return std::to_string(t.ms / kMsPerSecond) + "s";
}

namespace {

bool positive_int(std::string_view v, int64_t max) {
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string_view::npos) return false;
  const int64_t n = std::stoll(std::string(v));
  return n > 0 && n <= max;
}

bool version_text(std::string_view v) {
  return !v.empty() && v.size() <= 32 && v.find_first_not_of("0123456789.") == std::string_view::npos;
}

}  // namespace

const std::vector<HubSetting>& hub_settings() {
  static const std::vector<HubSetting> settings = {
      {"alert_amber_after", "1wh", "an office turns amber after this long without a successful sync"},
      {"alert_red_after", "4wh", "an office turns red (alert) after this long without a successful sync"},
      {"alert_clock_minutes", "10", "alert when an office clock is off the hub's by more than this many minutes"},
      {"alert_min_agent_version", "", "alert for agents older than this version (default: this hub's version)"},
      {"alert_errors_rising", "3", "alert when this many reports in the last hour carry an error, more than the hour before"},
      {"alert_webhook_url", "", "POST every alert raised or cleared as JSON to this URL (empty: log only)"},
      {"alert_check_seconds", "60", "how often `serve` checks the fleet for alerts"},
      {"metrics_access", "local", "who may read /metrics: local (direct loopback requests only) or proxy (also through nginx's allow-list)"},
  };
  return settings;
}

const HubSetting* find_hub_setting(std::string_view key) {
  for (const auto& s : hub_settings()) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

Status validate_hub_setting(std::string_view key, std::string_view value) {
  const HubSetting* s = find_hub_setting(key);
  if (!s) {
    std::string keys;
    for (const auto& k : hub_settings()) keys += (keys.empty() ? "" : ", ") + std::string(k.key);
    return fail(Error::invalid_input("unknown setting '" + std::string(key) + "'", "settings: " + keys));
  }
  const std::string k(key);
  auto bad = [&](const std::string& what) {
    return fail(Error::invalid_input("'" + std::string(value) + "' is not a valid " + k, what));
  };
  if (k == "alert_amber_after" || k == "alert_red_after") {
    auto t = parse_threshold(value);
    if (!t) return fail(std::move(t.error()));
  } else if (k == "alert_clock_minutes") {
    if (!positive_int(value, 24 * 60)) return bad("give whole minutes between 1 and 1440");
  } else if (k == "alert_errors_rising") {
    if (!positive_int(value, 1000)) return bad("give a whole number between 1 and 1000");
  } else if (k == "alert_check_seconds") {
    if (!positive_int(value, 3600)) return bad("give whole seconds between 1 and 3600");
  } else if (k == "alert_min_agent_version") {
    if (!value.empty() && !version_text(value)) return bad("give a dotted version such as 0.1.0, or nothing");
  } else if (k == "metrics_access") {
    if (value != "local" && value != "proxy") return bad("give local or proxy");
  } else if (k == "alert_webhook_url") {
    if (!value.empty() && value.rfind("https://", 0) != 0 && value.rfind("http://", 0) != 0) {
      return bad("give an http:// or https:// URL, or nothing to turn the webhook off");
    }
    if (value.find_first_of(" \t\r\n") != std::string_view::npos) return bad("a URL has no spaces");
  }
  return ok();
}

Result<FleetPolicy> load_fleet_policy(HubStore& store) {
  FleetPolicy p;
  p.min_agent_version = kVersion;
  auto get = [&](const char* key) -> Result<std::optional<std::string>> {
    auto v = store.get_meta(key);
    if (!v) {
      if (v.error().code == ErrorCode::kFailedPrecondition) return std::optional<std::string>();
      return fail(std::move(v.error()));
    }
    // A value stored by an older or hand-edited database that no longer parses is ignored, with
    // the default standing, rather than stopping the dashboard.
    if (!validate_hub_setting(key, *v)) return std::optional<std::string>();
    return std::optional<std::string>(*v);
  };
  MOTCUA_ASSIGN_OR_RETURN(auto amber, get("alert_amber_after"));
  if (amber) p.amber_after = *parse_threshold(*amber);
  MOTCUA_ASSIGN_OR_RETURN(auto red, get("alert_red_after"));
  if (red) p.red_after = *parse_threshold(*red);
  MOTCUA_ASSIGN_OR_RETURN(auto clock, get("alert_clock_minutes"));
  if (clock) p.clock_alert_ms = std::stoll(*clock) * kMsPerMinute;
  MOTCUA_ASSIGN_OR_RETURN(auto version, get("alert_min_agent_version"));
  if (version) p.min_agent_version = *version;
  MOTCUA_ASSIGN_OR_RETURN(auto rising, get("alert_errors_rising"));
  if (rising) p.errors_rising_min = std::stoi(*rising);
  MOTCUA_ASSIGN_OR_RETURN(auto webhook, get("alert_webhook_url"));
  if (webhook) p.webhook_url = *webhook;
  MOTCUA_ASSIGN_OR_RETURN(auto check, get("alert_check_seconds"));
  if (check) p.check_interval_ms = std::stoll(*check) * kMsPerSecond;
  return p;
}

int compare_versions(std::string_view a, std::string_view b) {
  auto next = [](std::string_view& s) -> int64_t {
    const size_t dot = s.find('.');
    const std::string_view part = s.substr(0, dot);
    s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    int64_t n = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return 0;
      n = n * 10 + (c - '0');
      if (n > 1000000000) return n;
    }
    return n;
  };
  while (!a.empty() || !b.empty()) {
    const int64_t x = next(a), y = next(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

std::string format_duration_vi(int64_t ms, bool working) {
  if (ms < 0) ms = 0;
  char buf[64];
  if (ms < kMsPerMinute) {
    std::snprintf(buf, sizeof buf, "%lld giây", static_cast<long long>(ms / kMsPerSecond));
  } else if (ms < kMsPerHour) {
    std::snprintf(buf, sizeof buf, "%lld phút", static_cast<long long>(ms / kMsPerMinute));
  } else {
    const int64_t tenths = ms * 10 / kMsPerHour;
    if (tenths % 10 == 0) {
      std::snprintf(buf, sizeof buf, "%lld giờ", static_cast<long long>(tenths / 10));
    } else {
      std::snprintf(buf, sizeof buf, "%lld,%lld giờ", static_cast<long long>(tenths / 10),
                    static_cast<long long>(tenths % 10));
    }
  }
  return std::string(buf) + (working ? " làm việc" : "");
}

namespace {

std::string format_duration_en(int64_t ms, bool working) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f %shours", static_cast<double>(ms) / kMsPerHour, working ? "working " : "");
  return buf;
}

}  // namespace

OfficeAssessment assess_office(const OfficeFacts& f, const FleetPolicy& policy, Instant now,
                               const domain::Calendar& calendar) {
  OfficeAssessment a;
  if (!f.enrolled) return a;
  a.silent_ms = now.ms > f.silent_since.ms ? now.ms - f.silent_since.ms : 0;
  a.silent_working_ms = domain::working_time_between(f.silent_since, now, calendar);
  auto silence = [&](const Threshold& t) { return t.working ? a.silent_working_ms : a.silent_ms; };
  if (silence(policy.red_after) > policy.red_after.ms) {
    a.state = OfficeState::kRed;
    const bool w = policy.red_after.working;
    a.alerts.push_back({"silent", "red",
                        "no successful sync for " + format_duration_en(silence(policy.red_after), w) +
                            " (threshold " + format_threshold(policy.red_after) + ")",
                        "Không đồng bộ được đã " + format_duration_vi(silence(policy.red_after), w) +
                            " (ngưỡng cảnh báo " + format_duration_vi(policy.red_after.ms, w) + ")"});
  } else if (silence(policy.amber_after) > policy.amber_after.ms || f.error_current || f.quarantined > 0) {
    a.state = OfficeState::kAmber;
  } else {
    a.state = OfficeState::kGreen;
  }
  if (f.quarantined > 0) {
    a.alerts.push_back({"quarantined", "amber",
                        std::to_string(f.quarantined) + " batch(es) quarantined at the hub",
                        std::to_string(f.quarantined) + " gói thay đổi đang bị cách ly tại máy chủ tỉnh"});
  }
  if (f.errors_last_hour >= policy.errors_rising_min && f.errors_last_hour > f.errors_previous_hour) {
    a.alerts.push_back({"errors_rising", "amber",
                        std::to_string(f.errors_last_hour) + " failed syncs in the last hour (" +
                            std::to_string(f.errors_previous_hour) + " the hour before)",
                        "Lỗi đồng bộ tăng: " + std::to_string(f.errors_last_hour) + " lần trong giờ qua (giờ trước: " +
                            std::to_string(f.errors_previous_hour) + ")"});
  }
  if (f.clock_offset_ms && std::llabs(*f.clock_offset_ms) > policy.clock_alert_ms) {
    const int64_t minutes = std::llabs(*f.clock_offset_ms) / kMsPerMinute;
    const bool behind = *f.clock_offset_ms > 0;  // hub − office > 0: the office clock is behind
    a.alerts.push_back({"clock_off", "amber",
                        "office clock " + std::to_string(minutes) + " min " + (behind ? "behind" : "ahead of") +
                            " the hub",
                        std::string("Đồng hồ máy tại đơn vị ") + (behind ? "chậm " : "nhanh ") +
                            std::to_string(minutes) + " phút so với máy chủ tỉnh"});
  }
  if (!policy.min_agent_version.empty() && !f.agent_version.empty() &&
      compare_versions(f.agent_version, policy.min_agent_version) < 0) {
    a.alerts.push_back({"old_version", "amber",
                        "agent " + f.agent_version + " is older than " + policy.min_agent_version,
                        "Phần mềm tại đơn vị đã cũ (phiên bản " + f.agent_version + ", cần " +
                            policy.min_agent_version + ")"});
  }
  return a;
}

}  // namespace motcua::hub
