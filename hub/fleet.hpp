// How each office stands, for provincial IT: a state (green / amber / red / grey) and the alerts
// that need someone's attention, from what the hub observed and what the office last reported.
//
// Rules (README "Fleet dashboard" gives the operator's view):
// - grey: the unit has no active agent (never enrolled, or its agent was revoked or retired).
// - red: no successful sync for longer than `red_after` (default 4 working hours: time the offices
//   are open, per the province's calendar, so a night or a holiday does not turn a commune red).
// - amber: no successful sync for longer than `amber_after` (default 1 working hour), or the office's
//   last error is newer than its last success, or the hub holds a quarantined batch of it.
// - green: everything else.
// "Last successful sync" is the later of the office's own last_success_at converted to the hub's
// clock with the offset measured when its report arrived (hub time − office time), so a wrong office
// clock does not make it look fresh or stale, and the hub's record of the office's last feed request
// (a sync's last step; an idle office reports at most hourly). Before either, the time of
// enrollment stands in.
// Alerts: silent (red), errors_rising (current errors in ≥ errors_rising_min reports during the last
// hour, more than the hour before), clock_off (|offset| > clock_alert), old_version (agent older
// than min_agent_version), quarantined (the hub holds a quarantined batch of the office).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"
#include "domain/calendar.hpp"

namespace motcua::hub {

class HubStore;

enum class OfficeState { kRed = 0, kAmber = 1, kGreen = 2, kGrey = 3 };  // worst first
const char* office_state_name(OfficeState s);  // "red", "amber", "green", "grey"
const char* office_state_vi(OfficeState s);    // "Mất đồng bộ", "Cần chú ý", "Đồng bộ tốt", "Chưa kết nối"

// A silence threshold: working time per the province's calendar ("4wh") or elapsed time ("30m",
// "90s", "2h") for units open around the clock and for tests.
struct Threshold {
  int64_t ms = 0;
  bool working = true;
  bool operator==(const Threshold& o) const { return ms == o.ms && working == o.working; }
};
// "<N>wh" (working hours), "<N>h", "<N>m" or "<N>s", N a positive integer. kInvalidInput otherwise.
Result<Threshold> parse_threshold(std::string_view text);
std::string format_threshold(const Threshold& t);

struct FleetPolicy {
  Threshold amber_after{kMsPerHour, true};
  Threshold red_after{4 * kMsPerHour, true};
  int64_t clock_alert_ms = 10 * kMsPerMinute;
  std::string min_agent_version;  // older agents raise old_version; empty: no check
  int errors_rising_min = 3;
  std::string webhook_url;        // empty: alerts go to the log only
  int64_t check_interval_ms = 60 * kMsPerSecond;
};

// The hub's operator settings, kept in the hub database's meta table and changed with
// `motcua-hub config set KEY VALUE` (a running hub picks them up at its next check).
struct HubSetting {
  const char* key;
  const char* default_value;  // "" where the default is computed (min_agent_version: this hub's version)
  const char* help;
};
const std::vector<HubSetting>& hub_settings();
const HubSetting* find_hub_setting(std::string_view key);
// kInvalidInput when the key is unknown or the value does not parse for it.
Status validate_hub_setting(std::string_view key, std::string_view value);
// The policy from the stored settings, defaults where unset.
Result<FleetPolicy> load_fleet_policy(HubStore& store);

// "0.10.2" > "0.9.7": dotted numeric comparison; a non-numeric part compares as 0.
int compare_versions(std::string_view a, std::string_view b);

// What the hub knows about one office, as read from its tables.
struct OfficeFacts {
  bool enrolled = false;
  std::optional<Instant> last_success_at;  // hub clock
  Instant silent_since;                    // last success, else enrollment
  bool error_current = false;              // the office's last error is newer than its last success
  int64_t quarantined = 0;                 // batches the hub holds in quarantine
  std::optional<int64_t> clock_offset_ms;  // hub − office
  std::string agent_version;               // from its last report; empty before any
  int errors_last_hour = 0;                // reports carrying a current error, last hour
  int errors_previous_hour = 0;            // and the hour before
};

struct Alert {
  std::string code;      // silent, errors_rising, clock_off, old_version, quarantined
  std::string severity;  // "red" or "amber"
  std::string message;   // English, for logs
  std::string message_vi;
};

struct OfficeAssessment {
  OfficeState state = OfficeState::kGrey;
  int64_t silent_ms = 0;          // elapsed since silent_since (0 when grey)
  int64_t silent_working_ms = 0;  // working time since silent_since
  std::vector<Alert> alerts;
};

OfficeAssessment assess_office(const OfficeFacts& facts, const FleetPolicy& policy, Instant now,
                               const domain::Calendar& calendar);

// "4,5 giờ làm việc" / "3 phút": a duration as IT staff read it (Vietnamese decimal comma).
std::string format_duration_vi(int64_t ms, bool working);

}  // namespace motcua::hub
