#include "agent/config.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>

#include "agent/http_client.hpp"
#include "agent/platform.hpp"
#include "common/text.hpp"
#include "common/files.hpp"

namespace motcua::agent {

namespace {

struct Spec {
  const char* key;
  const char* meta_key;  // where the office keeps it
  const char* built_in;  // nullptr: no built-in value
  int64_t min = 0, max = 0;  // for numbers (max 0: not a number)
  const char* description;
};

const Spec kSpecs[] = {
    {"hub", "hub_url", nullptr, 0, 0,
     "the provincial hub's address (https://..., or http:// to this machine); set at enrollment"},
    {"feed_interval", "config.feed_interval", "300", 5, 86400,
     "seconds between feed polls when nothing is pending (run)"},
    {"retention_days", "config.retention_days", "30", 1, 3650,
     "days acknowledged changes are kept, to re-send them if the hub is restored from a backup"},
    {"ui_listen", "config.ui_listen", "127.0.0.1:8480", 0, 0,
     "where run serves the clerk web UI: ADDRESS:PORT (127.0.0.1: this PC only; the office LAN address: "
     "every counter's PC), or off"},
    {"ui_session_minutes", "config.ui_session_minutes", "60", 5, 720,
     "minutes without a request after which a clerk signed in to the web UI must sign in again"},
};

const Spec* find_spec(const std::string& key) {
  for (const auto& s : kSpecs) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

Error unknown_key(const std::string& key) {
  std::string known;
  for (const auto& s : kSpecs) known += std::string(known.empty() ? "" : ", ") + s.key;
  return Error::not_found("no setting '" + key + "'", "settings are: " + known);
}

// The value of `key` in the installer defaults: what the system keeps for the installer (the MSI's
// registry values on Windows) unless MOTCUA_AGENT_CONF names a file, else the file if it exists
// and names it.
Result<std::optional<std::string>> installer_value(const std::string& key) {
  const char* env = std::getenv("MOTCUA_AGENT_CONF");
  if (!(env && *env)) {
    if (auto value = system_installer_value(key)) return value;
  }
  const std::string path = installer_defaults_path();
  std::ifstream in(utf8_path(path));
  if (!in) return std::optional<std::string>();  // no installer file: nothing to apply
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string t(trim(line));
    if (t.empty() || t[0] == '#') continue;
    const auto eq = t.find('=');
    if (eq == std::string::npos) {
      return fail(Error::invalid_input(path + " line " + std::to_string(number) + " is not 'key = value'",
                                       "fix the installer's settings file"));
    }
    if (trim(std::string_view(t).substr(0, eq)) == key) {
      return std::optional<std::string>(std::string(trim(std::string_view(t).substr(eq + 1))));
    }
  }
  return std::optional<std::string>();
}

Status validate(const Spec& spec, const std::string& value) {
  if (std::string(spec.key) == "hub") return check_hub_url(value);
  if (std::string(spec.key) == "ui_listen") {
    if (value == "off") return ok();
    std::string host;
    int port = 0;
    return parse_listen_address(value, host, port);
  }
  int64_t n = 0;
  const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || p != value.data() + value.size() || n < spec.min || n > spec.max) {
    return fail(Error::invalid_input("setting " + std::string(spec.key) + " must be a whole number from " +
                                     std::to_string(spec.min) + " to " + std::to_string(spec.max) + ", not '" +
                                     value + "'"));
  }
  return ok();
}

Result<int64_t> number_setting(Store& store, const std::string& key) {
  MOTCUA_ASSIGN_OR_RETURN(SettingValue v, get_setting(store, key));
  const Spec* spec = find_spec(key);
  if (!v.value || !validate(*spec, *v.value)) {
    // A bad installer value must not stop the office: the built-in value applies.
    return std::stoll(spec->built_in);
  }
  return std::stoll(*v.value);
}

}  // namespace

const std::vector<SettingInfo>& settings() {
  static const std::vector<SettingInfo> all = [] {
    std::vector<SettingInfo> out;
    for (const auto& s : kSpecs) out.push_back({s.key, s.description});
    return out;
  }();
  return all;
}

std::string installer_defaults_path() {
  const char* env = std::getenv("MOTCUA_AGENT_CONF");
  return env && *env ? std::string(env) : std::string("/etc/motcua/agent.conf");
}

Result<std::optional<std::string>> installer_enroll_default(const std::string& key) {
  MOTCUA_ASSIGN_OR_RETURN(auto value, installer_value(key));
  if (value && value->empty()) return std::optional<std::string>();
  return value;
}

Result<SettingValue> get_setting(Store& store, const std::string& key) {
  const Spec* spec = find_spec(key);
  if (!spec) return fail(unknown_key(key));
  SettingValue out{key, std::nullopt, "unset"};
  MOTCUA_ASSIGN_OR_RETURN(auto own, store.get_meta(spec->meta_key));
  if (own) {
    out.value = *own;
    out.source = "office";
    return out;
  }
  MOTCUA_ASSIGN_OR_RETURN(auto installer, installer_value(key));
  if (installer) {
    out.value = *installer;
    out.source = "installer";
    return out;
  }
  if (spec->built_in) {
    out.value = spec->built_in;
    out.source = "built-in";
  }
  return out;
}

Status set_setting(Store& store, const std::string& key, const std::string& raw) {
  const Spec* spec = find_spec(key);
  if (!spec) return fail(unknown_key(key));
  std::string value(trim(raw));
  if (key == "hub") {
    while (!value.empty() && value.back() == '/') value.pop_back();
  }
  MOTCUA_TRY(validate(*spec, value));
  return store.set_meta(spec->meta_key, value);
}

Result<int64_t> feed_interval_seconds(Store& store) { return number_setting(store, "feed_interval"); }
Result<int64_t> ui_session_minutes(Store& store) { return number_setting(store, "ui_session_minutes"); }

Result<std::optional<std::string>> ui_listen(Store& store) {
  MOTCUA_ASSIGN_OR_RETURN(SettingValue v, get_setting(store, "ui_listen"));
  const std::string value = v.value.value_or("127.0.0.1:8480");
  if (value == "off") return std::optional<std::string>();
  std::string host;
  int port = 0;
  if (!parse_listen_address(value, host, port)) {
    return fail(Error::invalid_input("the ui_listen setting '" + value + "' (" + v.source + ") is not ADDRESS:PORT or off",
                                     "fix it with `motcua-agent config set ui_listen 127.0.0.1:8480`"));
  }
  return std::optional<std::string>(value);
}

Status parse_listen_address(const std::string& text, std::string& host, int& port) {
  auto bad = [&] {
    return fail(Error::invalid_input("'" + text + "' is not ADDRESS:PORT",
                                     "write e.g. 127.0.0.1:8480 (this PC only) or 192.168.1.10:8480 (the office LAN)"));
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad();
  std::string h = text.substr(0, colon);
  if (h.front() == '[') {
    if (h.size() < 2 || h.back() != ']') return bad();
    h = h.substr(1, h.size() - 2);
  }
  const std::string p = text.substr(colon + 1);
  int n = -1;
  const auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
  if (h.empty() || ec != std::errc() || ptr != p.data() + p.size() || n < 0 || n > 65535) return bad();
  for (char c : h) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == ':' || c == '-')) {
      return bad();
    }
  }
  host = h;
  port = n;
  return ok();
}
Result<int64_t> retention_days(Store& store) { return number_setting(store, "retention_days"); }

}  // namespace motcua::agent
