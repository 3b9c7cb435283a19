// A real hub (`motcua-hub serve` on a free loopback port, its own data dir) and real offices
// (`motcua-agent` commands) for end-to-end tests. Every child runs with the same pinned clock,
// unless an office is given a clock of its own (a PC whose clock is wrong).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/sqlite.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace motcua::test {

extern const char* const kTestNow;  // 2026-03-02T09:00:00+07:00

// `now` is the child's MOTCUA_NOW (RFC 3339).
std::map<std::string, std::string> child_env(const std::string& fault = "", const std::string& now = kTestNow);
std::string hub_exe();
ProcessResult hub_cmd(std::vector<std::string> args);
ProcessResult agent_cmd(std::vector<std::string> args, const std::string& fault = "",
                        const std::string& now = kTestNow);
int64_t count_rows(const std::string& db_path, const std::string& sql);
// The ids (upper-case hex) of every row of a fact table (dossier, dossier_event, dossier_document).
std::set<std::string> fact_ids(const std::string& db_path, const std::string& table);

// A value of the meta table of an agent or hub database ("" when absent), read without writing.
std::string read_meta(const std::string& db_path, const std::string& key);

// Polls `done` every 50 ms for at most `timeout_ms`; true when it held (bounded: never a fixed sleep).
bool eventually(const std::function<bool()>& done, int timeout_ms);

// The sample catalogue (data/tthc-commune-sample.csv) written to DIR/<name> with `edits` applied:
// in the line of each procedure code, `from` replaced by `to` (the test stops if `from` is absent);
// an empty `to` with an empty `from` drops the line.
struct CatalogEdit {
  std::string code;
  std::string from;
  std::string to;
};
std::string catalog_variant(const TempDir& dir, const std::string& name, const std::vector<CatalogEdit>& edits);

class Hub {
 public:
  // `serve_args` are added to every `serve` start, e.g. {"--threads", "1"}.
  explicit Hub(const TempDir& dir, const std::string& fault = "", std::vector<std::string> serve_args = {});
  ~Hub();
  const std::string& url() const { return m_url; }
  const std::string& data() const { return m_data; }
  std::string db_path() const { return m_data + "/hub.db"; }
  std::string enroll_code(const std::string& unit);
  int port() const;
  // `motcua-hub catalog publish` / `calendar publish` with --json; the test stops if it fails.
  nlohmann::json publish_catalog(const std::string& csv_path);
  nlohmann::json publish_calendar(const std::string& csv_path);
  BackgroundProcess& process() { return *m_process; }
  void stop();
  // SIGKILLs `serve` (a power cut: no shutdown code runs) and reaps it; restart() brings it back.
  void kill();
  // The MOTCUA_FAULT of the next start ("" for none), e.g. to restart without the fault point.
  void set_fault(const std::string& fault) { m_fault = fault; }
  // Starts `serve` again on the same port and data (after stop()), waiting until it answers.
  void restart();

 private:
  std::string m_data;
  std::string m_url;
  std::unique_ptr<BackgroundProcess> m_process;
  std::string m_log;
  std::string m_fault;
  std::vector<std::string> m_serve_args;
  void start();
};

// An office set up from the sample files in DIR/<name> (not enrolled). Its commands run with
// MOTCUA_NOW = `now` (kTestNow unless the office's clock is meant to be wrong).
class Office {
 public:
  Office(const TempDir& dir, const std::string& name, const std::string& unit, const std::string& now = kTestNow);
  const std::string& data() const { return m_data; }
  // `motcua-agent ARGS... --data DIR` with this office's clock.
  ProcessResult cmd(std::vector<std::string> args) const;
  std::string db_path() const { return m_data + "/agent.db"; }
  std::string receive(const std::string& applicant, const std::string& citizen_id = "033198001234");
  void set_status(const std::string& code, int status);
  ProcessResult enroll(const Hub& hub, const std::string& code);
  ProcessResult enroll_at(const std::string& hub_url, const std::string& code);
  ProcessResult sync(const std::string& fault = "");

 private:
  std::string m_data;
  std::string m_now;
};

}  // namespace motcua::test
