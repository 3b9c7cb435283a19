// The agent's settings (DESIGN.md "Configuration"): kept in the office's data directory and changed
// with `motcua-agent config set`; installer-supplied defaults (a key = value file,
// /etc/motcua/agent.conf on Debian, or the file MOTCUA_AGENT_CONF names) apply only where the office
// has no setting of its own; built-in defaults after that.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/store.hpp"
#include "common/error.hpp"

namespace motcua::agent {

struct SettingInfo {
  std::string key;          // "hub", "feed_interval", "retention_days"
  std::string description;  // for `config get` and --help
};

// Every setting, in display order.
const std::vector<SettingInfo>& settings();

struct SettingValue {
  std::string key;
  std::optional<std::string> value;  // nullopt: not set anywhere
  std::string source;                // "office", "installer", "built-in", "unset"
};

// The installer defaults file: MOTCUA_AGENT_CONF if set, else /etc/motcua/agent.conf.
std::string installer_defaults_path();

// What the installer supplies for enrollment only (not an office setting, so not in settings()):
// "hub_ca" (path of the province's CA certificate, PEM) or "hub_ca_sha256" (its fingerprint), from
// the installer defaults file; nullopt when the file does not name it. kInvalidInput when the file
// is malformed (naming the line).
Result<std::optional<std::string>> installer_enroll_default(const std::string& key);

// The effective value of `key`. kNotFound for an unknown key (naming the known ones); kInvalidInput
// when the installer file is malformed (naming the line).
Result<SettingValue> get_setting(Store& store, const std::string& key);

// Validates and stores `value` for `key` in the office (the hub address must be https://, or
// http:// to this machine; numbers within their range). A refused value changes nothing.
Status set_setting(Store& store, const std::string& key, const std::string& value);

// The effective feed interval and retention, parsed.
Result<int64_t> feed_interval_seconds(Store& store);
Result<int64_t> retention_days(Store& store);
Result<int64_t> ui_session_minutes(Store& store);
// Where `run` serves the clerk web UI ("ADDRESS:PORT"), or nullopt when it is off.
Result<std::optional<std::string>> ui_listen(Store& store);

// Parses "ADDRESS:PORT" ("127.0.0.1:8480", "[::1]:8480", "192.168.1.10:8480"; port 0 = any free
// port). kInvalidInput otherwise.
Status parse_listen_address(const std::string& text, std::string& host, int& port);

}  // namespace motcua::agent
