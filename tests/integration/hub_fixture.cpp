#include "tests/integration/hub_fixture.hpp"

#include <csignal>
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "agent/http_client.hpp"

namespace motcua::test {

const char* const kTestNow = "2026-03-02T09:00:00+07:00";

std::map<std::string, std::string> child_env(const std::string& fault, const std::string& now) {
  return {{"MOTCUA_NOW", now}, {"MOTCUA_FAULT", fault}, {"MOTCUA_ACTOR", "test-clerk"}};
}

std::string hub_exe() { return MOTCUA_HUB_EXE; }

ProcessResult hub_cmd(std::vector<std::string> args) {
  args.insert(args.begin(), hub_exe());
  return run_process(args, child_env(), 30000);
}

ProcessResult agent_cmd(std::vector<std::string> args, const std::string& fault, const std::string& now) {
  args.insert(args.begin(), agent_exe());
  return run_process(args, child_env(fault, now), 60000);
}

bool eventually(const std::function<bool()>& done, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

int64_t count_rows(const std::string& db_path, const std::string& sql) {
  auto db = sql::Db::open(db_path, sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  auto n = sql::query_int64(*db, sql);
  REQUIRE(n);
  return n->value_or(0);
}

std::set<std::string> fact_ids(const std::string& db_path, const std::string& table) {
  auto db = sql::Db::open(db_path, sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  auto st = db->prepare("SELECT hex(id) FROM " + table);
  REQUIRE(st);
  std::set<std::string> out;
  while (*st->step()) out.insert(st->text(0));
  return out;
}

std::string read_meta(const std::string& db_path, const std::string& key) {
  auto db = sql::Db::open(db_path, sql::Db::Options{false, true, 5000});
  REQUIRE(db);
  auto st = db->prepare("SELECT value FROM meta WHERE key = ?1");
  REQUIRE(st);
  st->bind(1, key);
  auto row = st->step();
  REQUIRE(row);
  return *row ? st->text(0) : std::string();
}

Hub::Hub(const TempDir& dir, const std::string& fault, std::vector<std::string> serve_args)
    : m_data(dir.file("hub")), m_log(dir.file("hub.log")), m_fault(fault), m_serve_args(std::move(serve_args)) {
  auto init = hub_cmd({"init", "--data", m_data, "--province", "33", "--json"});
  INFO(describe(init));
  REQUIRE(init.exit_code == 0);
  m_url = "http://127.0.0.1:" + std::to_string(free_loopback_port());
  start();
}

void Hub::start() {
  std::vector<std::string> args{hub_exe(), "serve", "--data", m_data, "--listen", "127.0.0.1:" + std::to_string(port())};
  args.insert(args.end(), m_serve_args.begin(), m_serve_args.end());
  m_process = std::make_unique<BackgroundProcess>(std::move(args), child_env(m_fault), m_log);
  // Readiness: poll the health endpoint (bounded), never a fixed sleep.
  for (int i = 0; i < 200; ++i) {
    auto r = agent::http_get(m_url + "/v1/health", {}, agent::HttpTimeouts{2, 1, 2, 2});
    if (r && r->status == 200) return;
    if (!m_process->running()) FAIL("hub exited: " << m_process->output());
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  FAIL("hub did not become ready: " << m_process->output());
}

void Hub::restart() {
  stop();
  start();
}

Hub::~Hub() { stop(); }

int Hub::port() const { return std::stoi(m_url.substr(m_url.rfind(':') + 1)); }

nlohmann::json Hub::publish_catalog(const std::string& csv_path) {
  auto r = hub_cmd({"catalog", "publish", "--data", m_data, csv_path, "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

nlohmann::json Hub::publish_calendar(const std::string& csv_path) {
  auto r = hub_cmd({"calendar", "publish", "--data", m_data, csv_path, "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

std::string catalog_variant(const TempDir& dir, const std::string& name, const std::vector<CatalogEdit>& edits) {
  std::string text = read_file(source_path("data/tthc-commune-sample.csv"));
  for (const auto& e : edits) {
    const auto line = text.find("\n" + e.code + ",");
    INFO("procedure " << e.code);
    REQUIRE(line != std::string::npos);
    const auto end = text.find('\n', line + 1);
    if (e.from.empty() && e.to.empty()) {
      text.erase(line, end - line);
      continue;
    }
    const auto at = text.find(e.from, line);
    REQUIRE((at != std::string::npos && at < end));
    text.replace(at, e.from.size(), e.to);
  }
  const std::string path = dir.file(name);
  write_file(path, text);
  return path;
}

void Hub::stop() {
  if (m_process) m_process->stop(SIGTERM);
}

void Hub::kill() {
  if (m_process) m_process->stop(SIGKILL);
}

std::string Hub::enroll_code(const std::string& unit) {
  auto r = hub_cmd({"enroll-code", "--data", m_data, "--unit", unit, "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out)["code"].get<std::string>();
}

Office::Office(const TempDir& dir, const std::string& name, const std::string& unit, const std::string& now)
    : m_data(dir.file(name)), m_now(now) {
  auto r = cmd({"init", "--unit", unit, "--catalog", source_path("data/tthc-commune-sample.csv"), "--calendar",
                source_path("data/holidays-vn.csv")});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
}

ProcessResult Office::cmd(std::vector<std::string> args) const {
  args.insert(args.end(), {"--data", m_data});
  return agent_cmd(std::move(args), "", m_now);
}

std::string Office::receive(const std::string& applicant, const std::string& citizen_id) {
  auto r = cmd({"receive", "--procedure", "2.001019", "--applicant", applicant, "--citizen-id", citizen_id, "--document",
                "Tờ khai:chinh:1", "--document", "CCCD:photo:1", "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out)["code"].get<std::string>();
}

void Office::set_status(const std::string& code, int status) {
  auto r = cmd({"set-status", code, "--status", std::to_string(status)});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
}

ProcessResult Office::enroll(const Hub& hub, const std::string& code) { return enroll_at(hub.url(), code); }

ProcessResult Office::enroll_at(const std::string& hub_url, const std::string& code) {
  return cmd({"enroll", "--hub", hub_url, "--code", code, "--json"});
}

ProcessResult Office::sync(const std::string& fault) {
  return agent_cmd({"sync", "--data", m_data, "--json"}, fault, m_now);
}

}  // namespace motcua::test
