#include "tests/integration/convergence_harness.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "agent/dossiers.hpp"
#include "agent/http_client.hpp"
#include "agent/setup.hpp"
#include "agent/store.hpp"
#include "agent/sync.hpp"
#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"
#include "domain/dossier.hpp"
#include "domain/units.hpp"
#include "facts/dossier_store.hpp"
#include "hub/dossier_actions.hpp"
#include "hub/enrollment.hpp"
#include "hub/http.hpp"
#include "hub/hub_store.hpp"
#include "hub/intake.hpp"
#include "hub/publish.hpp"
#include "sync-protocol/ack.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace motcua::test {

using domain::DossierStatus;

int64_t ConvergenceStats::conflict_total() const {
  int64_t n = 0;
  for (const auto& [rule, count] : conflicts) n += count;
  return n;
}

ConvergenceStats& ConvergenceStats::operator+=(const ConvergenceStats& o) {
  operations += o.operations;
  refused += o.refused;
  receipts += o.receipts;
  holder_steps += o.holder_steps;
  counter_steps += o.counter_steps;
  transfers += o.transfers;
  corrections += o.corrections;
  hub_actions += o.hub_actions;
  clock_moves += o.clock_moves;
  syncs += o.syncs;
  syncs_failed += o.syncs_failed;
  quiet_rounds += o.quiet_rounds;
  requests += o.requests;
  dropped_requests += o.dropped_requests;
  dropped_responses += o.dropped_responses;
  duplicated += o.duplicated;
  dossiers += o.dossiers;
  events += o.events;
  transfers_applied += o.transfers_applied;
  for (const auto& [rule, count] : o.conflicts) conflicts[rule] += count;
  seconds += o.seconds;
  return *this;
}

namespace {

constexpr const char* kHubUrl = "http://127.0.0.1:8440";
constexpr const char* kStart = "2026-03-02T08:00:00+07:00";
constexpr const char* kProvince = "33";
constexpr const char* kProcedure = "2.001019";

// A property violation or a harness failure: stops the run, which reports it.
struct Abort : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r) throw Abort(what + ": " + r.error().message);
  return std::move(*r);
}

Instant start_instant() { return *parse_rfc3339(kStart); }

// Units with an office: Phố Hiến, Như Quỳnh, Hồng Châu, Tân Hưng, then other communes of province 33.
std::vector<std::string> office_units() {
  std::vector<std::string> out = {"11953", "12004", "11980", "11977"};
  auto all = must(domain::province_units(kProvince), "units of province 33");
  std::vector<std::string> communes;
  for (const auto& u : all) {
    if (u.kind == "commune" && std::find(out.begin(), out.end(), u.code) == out.end()) communes.push_back(u.code);
  }
  std::sort(communes.begin(), communes.end());
  for (size_t i = 0; i < communes.size() && out.size() < 8; ++i) out.push_back(communes[i]);
  return out;
}

// Set up once per process and copied for every seed: a hub of province 33 with the sample
// catalogue and calendar published, and one office per unit set up from the same files.
class Templates {
 public:
  static const Templates& get() {
    static Templates t;
    return t;
  }
  std::string hub_dir() const { return m_root.file("hub"); }
  std::string office_dir(const std::string& unit) const { return m_root.file("office-" + unit); }
  const std::vector<std::string>& units() const { return m_units; }

 private:
  Templates() : m_root(memory_temp_base()), m_units(office_units()) {
    ManualClock clock(start_instant());
    must(hub::init_hub(hub_dir(), kProvince, clock), "hub init");
    {
      auto store = must(hub::HubStore::open(hub_dir(), clock), "hub open");
      must(hub::publish_catalog(store, source_path("data/tthc-commune-sample.csv")), "catalogue publication");
      must(hub::publish_calendar(store, source_path("data/holidays-vn.csv")), "calendar publication");
    }
    for (const auto& unit : m_units) {
      agent::InitRequest req;
      req.data_dir = office_dir(unit);
      req.unit_code = unit;
      req.catalog_path = source_path("data/tthc-commune-sample.csv");
      req.calendar_path = source_path("data/holidays-vn.csv");
      must(agent::init_office(req, clock), "office " + unit + " init");
    }
  }
  TempDir m_root;
  std::vector<std::string> m_units;
};

// One cell as text that tells types apart: NULL, integers, text (quoted) and blobs (hex).
std::string cell(const sql::Stmt& st, int col) {
  switch (sqlite3_column_type(st.get(), col)) {
    case SQLITE_NULL: return "NULL";
    case SQLITE_INTEGER: return std::to_string(st.int64(col));
    case SQLITE_FLOAT: return std::to_string(st.real(col));
    case SQLITE_BLOB: {
      const sql::Blob b = st.blob(col);
      return "x'" + to_hex(b.data(), b.size()) + "'";
    }
    default: return "'" + st.text(col) + "'";
  }
}

// Every row `sql` returns (bound to `key` when given), each as "column=value|...".
std::vector<std::string> rows(sql::Db& db, const std::string& sql, const std::optional<sql::Blob>& key = std::nullopt) {
  auto st = must(db.prepare(sql), "query " + sql);
  if (key) st.bind(1, *key);
  std::vector<std::string> out;
  const int n = sqlite3_column_count(st.get());
  while (must(st.step(), "query " + sql)) {
    std::string row;
    for (int i = 0; i < n; ++i) {
      if (i) row += '|';
      row += sqlite3_column_name(st.get(), i);
      row += '=';
      row += cell(st, i);
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::set<std::string> hex_ids(sql::Db& db, const std::string& sql, const std::optional<std::string>& text_key = std::nullopt) {
  auto st = must(db.prepare(sql), "query " + sql);
  if (text_key) st.bind(1, *text_key);
  std::set<std::string> out;
  while (must(st.step(), "query " + sql)) {
    const sql::Blob b = st.blob(0);
    out.insert(to_hex(b.data(), b.size()));
  }
  return out;
}

bool has_row(sql::Db& db, const std::string& table, const std::string& id_hex) {
  auto id = must(Id128::from_hex(id_hex), "id " + id_hex);
  auto st = must(db.prepare("SELECT 1 FROM " + table + " WHERE id = ?1"), "query " + table);
  st.bind(1, id.blob());
  return must(st.step(), "query " + table);
}

struct DossierView {
  std::string code;
  DossierStatus status = DossierStatus::kReceived;
  std::string holder;
  std::string receiving;
};

std::vector<DossierView> dossiers_of(sql::Db& db) {
  auto st = must(db.prepare("SELECT code, status, holder_unit, receiving_unit FROM dossier_state ORDER BY code"),
                 "dossier list");
  std::vector<DossierView> out;
  while (must(st.step(), "dossier list")) {
    out.push_back({st.text(0), static_cast<DossierStatus>(st.int64(1)), st.text(2), st.text(3)});
  }
  return out;
}

bool expected_refusal(const Error& e) {
  return e.code == ErrorCode::kConflict || e.code == ErrorCode::kNotFound || e.code == ErrorCode::kInvalidInput;
}

bool transient(const Error& e) { return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kTimeout; }

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

const std::vector<std::string> kPhones = {"0912345678", "0987654321", "0901234567"};
const std::vector<std::string> kAddresses = {"Số 1 phố Hiến, phường Hồng Châu", "Thôn Đông, xã Tân Hưng",
                                             "Số 5 đường Nguyễn Văn Linh"};
const std::vector<std::string> kApplicants = {"Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Minh Châu", "Phạm Thu Hằng",
                                              "Đỗ Quang Dũng"};

struct OfficeNode {
  std::string unit;
  std::string dir;
  std::unique_ptr<ManualClock> clock;
  std::unique_ptr<agent::Store> store;
};

// The properties of a quiet run, checked on open databases: (i) every dossier an office holds has
// the hub's facts and (ii) the hub's derived rows; (iii) an office holds exactly the dossiers the
// hub involves its unit with; (iv) no recorded fact is lost and nothing waits in an outbox; (v) at
// every replica, every fact folds, nothing waits for a parent, and every step the fold did not
// apply has its conflict record. Each violation is a line of `failures`, starting with `label`.
class ReplicaCheck {
 public:
  ReplicaCheck(sql::Db& hub, std::vector<std::pair<std::string, sql::Db*>> offices,
               const std::vector<RecordedFact>& recorded, std::string label, std::vector<std::string>& failures,
               ConvergenceStats& stats)
      : m_hub(hub), m_offices(std::move(offices)), m_recorded(recorded), m_label(std::move(label)),
        m_failures(failures), m_stats(stats) {}

  void run() {
    sql::Db& hub = m_hub;
    const std::string& seed = m_label;
    std::map<std::string, sql::Db*> office_of;
    for (const auto& [unit, db] : m_offices) office_of[unit] = db;

    // (i), (ii) Every dossier an office holds: the same facts and the same derived rows as the hub.
    for (const auto& [unit, office_db] : m_offices) {
      sql::Db& db = *office_db;
      for (const std::string& id_hex : hex_ids(db, "SELECT id FROM dossier ORDER BY id")) {
        const sql::Blob key = must(Id128::from_hex(id_hex), "id").blob();
        const std::vector<std::pair<std::string, std::string>> queries = {
            {"dossier", "SELECT * FROM dossier WHERE id = ?1"},
            {"dossier_document", "SELECT * FROM dossier_document WHERE dossier_id = ?1 ORDER BY id"},
            {"dossier_event", "SELECT * FROM dossier_event WHERE dossier_id = ?1 ORDER BY id"},
            {"dossier_state", "SELECT * FROM dossier_state WHERE dossier_id = ?1"},
            {"dossier_conflict", "SELECT * FROM dossier_conflict WHERE dossier_id = ?1 ORDER BY event_id"},
        };
        for (const auto& [table, sql] : queries) {
          compare(seed + "office " + unit + ", dossier " + id_hex + ", " + table, rows(db, sql, key), rows(hub, sql, key));
        }
      }
    }

    // (iii) Every dossier the hub lists for a unit is at that unit's office, and an office holds
    // only dossiers the hub lists for its unit.
    {
      auto st = must(hub.prepare("SELECT dossier_id, unit FROM dossier_unit ORDER BY unit, dossier_id"), "dossier_unit");
      std::map<std::string, std::set<std::string>> listed;
      while (must(st.step(), "dossier_unit")) {
        const sql::Blob b = st.blob(0);
        listed[st.text(1)].insert(to_hex(b.data(), b.size()));
      }
      for (const auto& [unit, office_db] : m_offices) {
        const auto held = hex_ids(*office_db, "SELECT id FROM dossier");
        for (const auto& id : listed[unit]) {
          if (!held.count(id)) fail(seed + "the hub involves unit " + unit + " with dossier " + id + ", which its office lacks");
        }
        for (const auto& id : held) {
          if (!listed[unit].count(id)) fail(seed + "office " + unit + " holds dossier " + id + ", which the hub does not list for it");
        }
      }
    }

    // (iv) No fact lost: everything recorded is at the hub (and still where it was recorded), every
    // office's facts are at the hub, and nothing waits in an outbox.
    for (const auto& r : m_recorded) {
      if (!has_row(hub, r.table, r.id)) fail(seed + r.table + " " + r.id + " recorded by " + r.by + " is not at the hub");
      if (r.by != "hub" && !has_row(*office_of.at(r.by), r.table, r.id)) {
        fail(seed + r.table + " " + r.id + " recorded by office " + r.by + " is no longer there");
      }
    }
    for (const auto& [unit, office_db] : m_offices) {
      for (const char* table : {"dossier", "dossier_document", "dossier_event"}) {
        for (const auto& id : hex_ids(*office_db, std::string("SELECT id FROM ") + table)) {
          if (!has_row(hub, table, id)) fail(seed + table + " " + id + " of office " + unit + " is not at the hub");
        }
      }
      auto pending = must(sql::query_int64(*office_db, "SELECT count(*) FROM outbox WHERE state <> 'acknowledged'"),
                          "outbox");
      if (pending.value_or(0) != 0) {
        fail(seed + "office " + unit + " has " + std::to_string(*pending) + " outbox rows not acknowledged after quiet");
      }
    }

    // (v) At every replica, every dossier folds without a waiting event, and every step or
    // correction the fold did not apply has its conflict record in dossier_conflict.
    check_fold(hub, "hub", true);
    for (const auto& [unit, office_db] : m_offices) check_fold(*office_db, "office " + unit, false);

    // Totals.
    m_stats.dossiers += must(sql::query_int64(hub, "SELECT count(*) FROM dossier"), "count").value_or(0);
    m_stats.events += must(sql::query_int64(hub, "SELECT count(*) FROM dossier_event"), "count").value_or(0);
    auto rules = must(hub.prepare("SELECT rule, count(*) FROM dossier_conflict GROUP BY rule"), "rules");
    while (must(rules.step(), "rules")) m_stats.conflicts[rules.text(0)] += rules.int64(1);
  }

  void compare(const std::string& what, const std::vector<std::string>& office, const std::vector<std::string>& hub) {
    if (office == hub) return;
    std::string msg = what + " differs: office has " + std::to_string(office.size()) + " rows, the hub " +
                      std::to_string(hub.size());
    for (size_t i = 0; i < std::max(office.size(), hub.size()); ++i) {
      const std::string a = i < office.size() ? office[i] : "(none)";
      const std::string b = i < hub.size() ? hub[i] : "(none)";
      if (a != b) {
        msg += "; first difference, row " + std::to_string(i + 1) + ": office [" + a + "] hub [" + b + "]";
        break;
      }
    }
    fail(msg);
  }

  void check_fold(sql::Db& db, const std::string& replica, bool at_hub) {
    const std::string& seed = m_label;
    for (const std::string& id_hex : hex_ids(db, "SELECT id FROM dossier ORDER BY id")) {
      const Id128 id = must(Id128::from_hex(id_hex), "id");
      auto loaded = must(facts::load_dossier(db, id), "load dossier");
      if (!loaded) {
        fail(seed + replica + ": dossier " + id_hex + " cannot be loaded");
        continue;
      }
      const domain::DossierState st = domain::fold_dossier(loaded->creation, loaded->events);
      const std::string where = seed + replica + ", dossier " + loaded->creation.code + ": ";
      if (!st.waiting.empty()) fail(where + std::to_string(st.waiting.size()) + " events still wait for their parent after quiet");
      auto recorded = hex_ids(db, "SELECT event_id FROM dossier_conflict WHERE dossier_id = "
                                  "(SELECT id FROM dossier WHERE code = ?1)", loaded->creation.code);
      for (const auto& e : loaded->events) {
        if (e.kind == domain::EventKind::kNote || st.is_applied(e.id)) {
          if (recorded.count(e.id.hex())) fail(where + "event " + e.id.hex() + " is applied and has a conflict record");
          continue;
        }
        if (!st.conflict_of(e.id)) fail(where + "event " + e.id.hex() + " is neither applied nor a conflict");
        if (!recorded.count(e.id.hex())) fail(where + "event " + e.id.hex() + " lost without a dossier_conflict row");
      }
      if (recorded.size() != st.conflicts.size()) {
        fail(where + std::to_string(recorded.size()) + " dossier_conflict rows for " + std::to_string(st.conflicts.size()) +
             " conflicts of the fold");
      }
      // The derived state is the fold of the facts the replica holds.
      auto state = must(db.prepare("SELECT status, holder_unit FROM dossier_state WHERE dossier_id = ?1"), "state");
      state.bind(1, id.blob());
      if (!must(state.step(), "state")) {
        fail(where + "no dossier_state row");
      } else if (state.int64(0) != static_cast<int>(st.status) || state.text(1) != st.holder_unit) {
        fail(where + "dossier_state says status " + std::to_string(state.int64(0)) + " held by " + state.text(1) +
             ", the fold status " + std::to_string(static_cast<int>(st.status)) + " held by " + st.holder_unit);
      }
      if (!at_hub) continue;
      for (const auto& e : loaded->events) {
        if (e.kind == domain::EventKind::kTransfer && st.is_applied(e.id)) ++m_stats.transfers_applied;
      }
      // The hub involves every unit that held or acted on the dossier (docs/CONFLICTS.md).
      std::set<std::string> involved;
      {
        auto u = must(db.prepare("SELECT unit FROM dossier_unit WHERE dossier_id = ?1"), "dossier_unit");
        u.bind(1, id.blob());
        while (must(u.step(), "dossier_unit")) involved.insert(u.text(0));
      }
      std::set<std::string> should(st.holders.begin(), st.holders.end());
      should.insert(loaded->creation.origin_unit);
      for (const auto& e : loaded->events) should.insert(e.origin_unit);
      for (const auto& unit : should) {
        if (!involved.count(unit)) fail(where + "unit " + unit + " held or acted on it but is not involved at the hub");
      }
    }
  }


 private:
  void fail(const std::string& what) { m_failures.push_back(what); }

  sql::Db& m_hub;
  std::vector<std::pair<std::string, sql::Db*>> m_offices;
  const std::vector<RecordedFact>& m_recorded;
  std::string m_label;
  std::vector<std::string>& m_failures;
  ConvergenceStats& m_stats;
};

class World {
 public:
  World(const std::string& dir, const ConvergenceOptions& options, ConvergenceRun& run)
      : m_dir(dir), m_options(options), m_run(run), m_stats(run.stats), m_rng(options.seed),
        m_hub_clock(start_instant()) {}

  ~World() { agent::set_http_transport({}); }

  void run() {
    set_up();
    m_lossy = true;
    for (int i = 0; i < m_options.operations; ++i) {
      ++m_stats.operations;
      operation(i);
    }
    m_lossy = false;
    sync_until_quiet();
    check();
  }

 private:
  // --- randomness -------------------------------------------------------------------------------
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(m_rng); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(m_rng) < p; }
  int64_t between(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(m_rng); }
  template <typename T>
  const T& any_of(const std::vector<T>& v) { return v[pick(v.size())]; }

  void fail(const std::string& what) { m_run.failures.push_back(what); }

  // --- setting up -------------------------------------------------------------------------------
  void set_up() {
    const Templates& templates = Templates::get();
    if (m_options.offices < 1 || static_cast<size_t>(m_options.offices) > templates.units().size()) {
      throw Abort("offices must be 1.." + std::to_string(templates.units().size()));
    }
    fs::copy(templates.hub_dir(), hub_dir(), fs::copy_options::recursive);
    m_hub = std::make_unique<hub::HubStore>(must(hub::HubStore::open(hub_dir(), m_hub_clock), "hub open"));
    m_intake = must(hub::Intake::create(hub_dir(), m_hub_clock), "hub intake");
    agent::set_http_transport([this](const std::string& method, const std::string& url,
                                     const std::vector<std::pair<std::string, std::string>>& headers,
                                     const std::string& content_type, const std::string& body,
                                     int64_t* body_bytes_sent) {
      return transport(method, url, headers, content_type, body, body_bytes_sent);
    });
    for (int i = 0; i < m_options.offices; ++i) {
      OfficeNode o;
      o.unit = templates.units()[static_cast<size_t>(i)];
      o.dir = m_dir + "/office-" + o.unit;
      fs::copy(templates.office_dir(o.unit), o.dir, fs::copy_options::recursive);
      // Office clocks are often wrong: most within half an hour of the hub's, some a day off.
      int64_t skew = between(-30, 30) * kMsPerMinute;
      if (chance(0.15)) skew += (chance(0.5) ? 1 : -1) * kMsPerDay;
      o.clock = std::make_unique<ManualClock>(Instant{m_hub_clock.now().ms + skew});
      auto code = must(hub::create_enrollment_code(m_hub->db(), o.unit, 72, m_hub_clock.now()), "enrollment code");
      agent::EnrollRequest req;
      req.data_dir = o.dir;
      req.hub_url = kHubUrl;
      req.code = code.display;
      auto enrolled = must(agent::enroll(req, *o.clock), "enrollment of office " + o.unit);
      if (enrolled.feed_error) throw Abort("office " + o.unit + " enrolled without its feed: " + enrolled.feed_error->message);
      o.store = std::make_unique<agent::Store>(must(agent::Store::open(o.dir, false, *o.clock), "office open"));
      m_offices.push_back(std::move(o));
    }
  }

  std::string hub_dir() const { return m_dir + "/hub"; }

  // --- the lossy link ---------------------------------------------------------------------------
  Result<agent::HttpReply> transport(const std::string& method, const std::string& url,
                                     const std::vector<std::pair<std::string, std::string>>& headers,
                                     const std::string& content_type, const std::string& body,
                                     int64_t* body_bytes_sent) {
    ++m_stats.requests;
    const std::string prefix = kHubUrl;
    if (url.compare(0, prefix.size(), prefix) != 0) throw Abort("a request to another address: " + url);
    hub::HttpRequest req;
    req.method = method;
    req.target = url.substr(prefix.size());
    for (const auto& [name, value] : headers) req.headers[lower(name)] = value;
    if (method == "POST") req.headers["content-type"] = content_type;
    req.body = body;
    // The office's status report carries no facts; losing it only prints a warning.
    const bool lossy = m_lossy && req.target != "/v1/report";
    const double roll = std::uniform_real_distribution<double>(0.0, 1.0)(m_rng);
    const double p_req = m_options.drop_request, p_resp = m_options.drop_response, p_dup = m_options.duplicate;
    if (lossy && roll < p_req) {
      ++m_stats.dropped_requests;
      if (body_bytes_sent) *body_bytes_sent = 0;
      return fail_link("the request never reached the hub");
    }
    hub::HttpResponse resp = m_intake->handle(req);
    if (lossy && roll < p_req + p_resp) {
      ++m_stats.dropped_responses;
      if (body_bytes_sent) *body_bytes_sent = static_cast<int64_t>(body.size());
      return fail_link("the hub's answer was lost");
    }
    if (lossy && roll < p_req + p_resp + p_dup) {
      ++m_stats.duplicated;
      check_replay(req, m_intake->handle(req));
    }
    if (body_bytes_sent) *body_bytes_sent = static_cast<int64_t>(body.size());
    agent::HttpReply reply;
    reply.status = resp.status;
    reply.content_type = resp.content_type;
    reply.body = std::move(resp.body);
    reply.bytes_sent = static_cast<int64_t>(method.size() + req.target.size() + body.size() + 64);
    reply.bytes_received = static_cast<int64_t>(reply.body.size() + 64);
    return reply;
  }

  // The same signed request again (same counter): the hub must refuse it, or, for a batch, answer
  // it as a duplicate without applying it twice.
  void check_replay(const hub::HttpRequest& req, const hub::HttpResponse& again) {
    if (again.status != 200 || req.header("x-motcua-counter").empty()) return;
    if (req.target == "/v1/batches") {
      auto ack = sync::decode_ack(sync::ByteView(again.body));
      if (ack && ack->status == sync::AckStatus::kDuplicate) return;
    }
    fail("seed " + std::to_string(m_options.seed) + ": the hub accepted a replay of " + req.method + " " + req.target);
  }

  static Result<agent::HttpReply> fail_link(const std::string& what) {
    return motcua::fail(Error::unavailable(std::string("simulated link: ") + what));
  }

  // --- operations -------------------------------------------------------------------------------
  enum class Op { kReceive, kHolderStep, kCounterStep, kTransfer, kCorrectAtCounter, kCorrectByHolder, kCorrectBoth,
                  kHubStep, kHubTransfer, kHubCorrect, kSync, kClock };

  Op choose_op(int index) {
    if (index < 2) return Op::kReceive;
    static const std::vector<std::pair<Op, int>> weights = {
        {Op::kReceive, 9},           {Op::kHolderStep, 18},       {Op::kCounterStep, 9}, {Op::kTransfer, 9},
        {Op::kCorrectAtCounter, 5},  {Op::kCorrectByHolder, 5},  {Op::kCorrectBoth, 6}, {Op::kHubStep, 7},
        {Op::kHubTransfer, 3},       {Op::kHubCorrect, 3},       {Op::kSync, 22},       {Op::kClock, 5}};
    int total = 0;
    for (const auto& w : weights) total += w.second;
    int r = static_cast<int>(pick(static_cast<size_t>(total)));
    for (const auto& w : weights) {
      if (r < w.second) return w.first;
      r -= w.second;
    }
    return Op::kSync;
  }

  void operation(int index) {
    OfficeNode& office = m_offices[pick(m_offices.size())];
    // Time passes at the office between clerk actions, and at the hub.
    office.clock->advance_ms(between(5, 900) * kMsPerSecond);
    m_hub_clock.advance_ms(between(5, 300) * kMsPerSecond);
    switch (choose_op(index)) {
      case Op::kReceive: return receive(office);
      case Op::kHolderStep: return holder_step(office);
      case Op::kCounterStep: return counter_step(office);
      case Op::kTransfer: return transfer(office);
      case Op::kCorrectAtCounter: return correct(office, true);
      case Op::kCorrectByHolder: return correct(office, false);
      case Op::kCorrectBoth: return correct_both(office);
      case Op::kHubStep: return hub_step();
      case Op::kHubTransfer: return hub_transfer();
      case Op::kHubCorrect: return hub_correct();
      case Op::kSync: return random_sync(office);
      case Op::kClock: return move_clock();
    }
  }

  // The outcome of a clerk's or province user's action: recorded, refused by the rules (fine), or
  // anything else (a failure).
  template <typename T>
  bool outcome(const Result<T>& r, const std::string& what) {
    if (r) return true;
    if (expected_refusal(r.error())) {
      ++m_stats.refused;
      return false;
    }
    fail("seed " + std::to_string(m_options.seed) + ": " + what + " failed with " + error_code_name(r.error().code) +
         ": " + r.error().message);
    return false;
  }

  // The events of dossier `code` at a replica, to learn which one an action recorded.
  static std::set<std::string> events_of(sql::Db& db, const std::string& code) {
    return hex_ids(db, "SELECT e.id FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id WHERE d.code = ?1", code);
  }

  void remember_new_events(sql::Db& db, const std::string& code, const std::set<std::string>& before,
                           const std::string& by) {
    for (const auto& id : events_of(db, code)) {
      if (!before.count(id)) m_recorded.push_back({"dossier_event", id, by});
    }
  }

  DossierStatus step_target(DossierStatus from) {
    std::vector<DossierStatus> targets = domain::legal_targets(from);
    std::vector<DossierStatus> weighted;
    for (DossierStatus t : targets) {
      // Withdrawal and stop end a dossier's life: rarer, so dossiers live long enough to conflict.
      const int w = (t == DossierStatus::kWithdrawn || t == DossierStatus::kStopped) ? 1 : 6;
      for (int i = 0; i < w; ++i) weighted.push_back(t);
    }
    return any_of(weighted);
  }

  void receive(OfficeNode& o) {
    agent::ReceiveRequest req;
    req.procedure = kProcedure;
    req.applicant = any_of(kApplicants);
    req.citizen_id = "0331980" + std::to_string(between(10000, 99999));
    if (chance(0.7)) req.phone = any_of(kPhones);
    if (chance(0.7)) req.address = any_of(kAddresses);
    req.documents = {{"Tờ khai", "chinh", 1}, {"CCCD", "photo", 1}};
    req.actor = "clerk-" + o.unit;
    auto r = agent::receive(*o.store, req);
    if (!outcome(r, "receipt at office " + o.unit)) return;
    ++m_stats.receipts;
    m_recorded.push_back({"dossier", r->id.hex(), o.unit});
    auto docs = hex_ids(o.store->db(), "SELECT d.id FROM dossier_document d JOIN dossier x ON x.id = d.dossier_id "
                                       "WHERE x.code = ?1", r->code);
    for (const auto& id : docs) m_recorded.push_back({"dossier_document", id, o.unit});
  }

  void holder_step(OfficeNode& o) {
    std::vector<DossierView> held;
    for (auto& d : dossiers_of(o.store->db())) {
      if (d.holder == o.unit && !domain::legal_targets(d.status).empty()) held.push_back(d);
    }
    if (held.empty()) return receive(o);
    const DossierView& d = any_of(held);
    const DossierStatus to = step_target(d.status);
    const auto before = events_of(o.store->db(), d.code);
    auto r = agent::set_status(*o.store, {d.code, static_cast<int>(to), "", "clerk-" + o.unit});
    if (!outcome(r, "status step of " + d.code + " at office " + o.unit)) return;
    ++m_stats.holder_steps;
    remember_new_events(o.store->db(), d.code, before, o.unit);
  }

  void counter_step(OfficeNode& o) {
    std::vector<std::pair<DossierView, DossierStatus>> options;
    for (auto& d : dossiers_of(o.store->db())) {
      if (d.receiving != o.unit) continue;
      if (d.status == DossierStatus::kSupplement) options.emplace_back(d, DossierStatus::kProcessing);
      if (d.status == DossierStatus::kResolved) options.emplace_back(d, DossierStatus::kReturned);
      if (domain::is_legal_transition(d.status, DossierStatus::kWithdrawn) && chance(0.2)) {
        options.emplace_back(d, DossierStatus::kWithdrawn);
      }
    }
    if (options.empty()) return holder_step(o);
    const auto& [d, to] = options[pick(options.size())];
    const auto before = events_of(o.store->db(), d.code);
    auto r = agent::set_status(*o.store, {d.code, static_cast<int>(to), "", "counter-" + o.unit});
    if (!outcome(r, "counter step of " + d.code + " at office " + o.unit)) return;
    ++m_stats.counter_steps;
    remember_new_events(o.store->db(), d.code, before, o.unit);
  }

  std::string transfer_target(const DossierView& d, const std::string& from) {
    if (d.status == DossierStatus::kResolved && d.receiving != from && chance(0.7)) return d.receiving;
    if (chance(0.1)) return kProvince;
    std::vector<std::string> others;
    for (const auto& o : m_offices) {
      if (o.unit != from) others.push_back(o.unit);
    }
    return any_of(others);
  }

  void transfer(OfficeNode& o) {
    std::vector<DossierView> held;
    for (auto& d : dossiers_of(o.store->db())) {
      if (d.holder == o.unit && domain::is_transferable(d.status)) held.push_back(d);
    }
    if (held.empty()) return holder_step(o);
    const DossierView& d = any_of(held);
    const std::string to = transfer_target(d, o.unit);
    const auto before = events_of(o.store->db(), d.code);
    auto r = agent::transfer(*o.store, {d.code, to, "liên thông", "clerk-" + o.unit});
    if (!outcome(r, "transfer of " + d.code + " from office " + o.unit + " to " + to)) return;
    ++m_stats.transfers;
    remember_new_events(o.store->db(), d.code, before, o.unit);
  }

  void correct(OfficeNode& o, bool at_counter) {
    std::vector<DossierView> mine;
    for (auto& d : dossiers_of(o.store->db())) {
      if ((at_counter ? d.receiving : d.holder) == o.unit) mine.push_back(d);
    }
    if (mine.empty()) return receive(o);
    const DossierView& d = any_of(mine);
    const bool phone = chance(0.5);
    correct_at(o, d.code, phone ? "phone" : "address", phone ? any_of(kPhones) : any_of(kAddresses));
  }

  void correct_at(OfficeNode& o, const std::string& code, const std::string& field, const std::string& value) {
    const auto before = events_of(o.store->db(), code);
    auto r = agent::correct(*o.store, {code, field, value, "", "clerk-" + o.unit});
    if (!outcome(r, "correction of " + code + " at office " + o.unit)) return;
    if (r->changed) ++m_stats.corrections;
    remember_new_events(o.store->db(), code, before, o.unit);
  }

  // The receiving unit (the citizen at its counter) and the unit holding the dossier correct the
  // same field to different values, each from what its own replica shows.
  void correct_both(OfficeNode& fallback) {
    // Dossiers an office holds (as far as it knows) that another office received.
    std::vector<std::tuple<DossierView, OfficeNode*, OfficeNode*>> shared;
    for (auto& h : m_offices) {
      for (auto& d : dossiers_of(h.store->db())) {
        if (d.holder != h.unit || d.receiving == h.unit) continue;
        for (auto& r : m_offices) {
          if (r.unit == d.receiving) shared.emplace_back(d, &r, &h);
        }
      }
    }
    if (shared.empty()) return correct(fallback, false);
    const auto& [d, receiving, holder] = shared[pick(shared.size())];
    OfficeNode& o = *receiving;
    const bool phone = chance(0.5);
    const std::string field = phone ? "phone" : "address";
    // Two values, both new to the receiving unit's replica.
    const nlohmann::json shown = must(agent::show_dossier(*o.store, d.code), "show " + d.code);
    std::vector<std::string> values;
    for (const auto& v : phone ? kPhones : kAddresses) {
      if (shown.value(field, std::string()) != v) values.push_back(v);
    }
    std::shuffle(values.begin(), values.end(), m_rng);
    correct_at(o, d.code, field, values[0]);
    correct_at(*holder, d.code, field, values[1]);
  }

  // Province users act at the hub for the unit the hub believes holds the dossier, whatever that
  // unit's office did since its last sync.
  void hub_step() {
    std::vector<DossierView> live;
    for (auto& d : dossiers_of(m_hub->db())) {
      if (!domain::legal_targets(d.status).empty()) live.push_back(d);
    }
    if (live.empty()) return;
    const DossierView& d = any_of(live);
    const DossierStatus to = step_target(d.status);
    const auto before = events_of(m_hub->db(), d.code);
    auto r = hub::hub_set_status(*m_hub, {d.holder, "province-user"}, d.code, to, "");
    if (!outcome(r, "hub step of " + d.code + " as " + d.holder)) return;
    ++m_stats.hub_actions;
    remember_new_events(m_hub->db(), d.code, before, "hub");
  }

  void hub_transfer() {
    std::vector<DossierView> live;
    for (auto& d : dossiers_of(m_hub->db())) {
      if (domain::is_transferable(d.status)) live.push_back(d);
    }
    if (live.empty()) return;
    const DossierView& d = any_of(live);
    const std::string to = transfer_target(d, d.holder);
    const auto before = events_of(m_hub->db(), d.code);
    auto r = hub::hub_transfer(*m_hub, {d.holder, "province-user"}, d.code, to, "liên thông");
    if (!outcome(r, "hub transfer of " + d.code + " as " + d.holder + " to " + to)) return;
    ++m_stats.hub_actions;
    ++m_stats.transfers;
    remember_new_events(m_hub->db(), d.code, before, "hub");
  }

  void hub_correct() {
    auto all = dossiers_of(m_hub->db());
    if (all.empty()) return;
    const DossierView& d = any_of(all);
    const bool phone = chance(0.5);
    const auto before = events_of(m_hub->db(), d.code);
    auto r = hub::hub_correct(*m_hub, {d.holder, "province-user"}, d.code, phone ? "phone" : "address",
                              phone ? any_of(kPhones) : any_of(kAddresses), "");
    if (!outcome(r, "hub correction of " + d.code + " as " + d.holder)) return;
    if (*r) {
      ++m_stats.hub_actions;
      ++m_stats.corrections;
    }
    remember_new_events(m_hub->db(), d.code, before, "hub");
  }

  void random_sync(OfficeNode& o) {
    ++m_stats.syncs;
    auto r = agent::sync_outbox(*o.store);
    if (r) return refused_batches(o, *r);
    if (transient(r.error())) {
      ++m_stats.syncs_failed;
      return;
    }
    fail("seed " + std::to_string(m_options.seed) + ": a sync of office " + o.unit + " through the lossy link failed with " +
         error_code_name(r.error().code) + ": " + r.error().message);
  }

  // The hub never refuses nor quarantines what an honest office sends.
  void refused_batches(const OfficeNode& o, const agent::SyncReport& r) {
    if (r.quarantined == 0 && r.refused == 0) return;
    fail("seed " + std::to_string(m_options.seed) + ": the hub quarantined " + std::to_string(r.quarantined) +
         " and refused " + std::to_string(r.refused) + " batches of office " + o.unit + ": " + r.last_reason);
  }

  void move_clock() {
    ++m_stats.clock_moves;
    const int64_t ms = between(1, 180) * kMsPerMinute;
    if (chance(0.3)) {
      m_hub_clock.advance_ms(ms);
    } else if (chance(0.15)) {
      // A PC whose clock jumps back (a dead CMOS battery, a clerk setting it by hand): hours.
      m_offices[pick(m_offices.size())].clock->advance_ms(-between(1, 30) * kMsPerHour);
    } else {
      m_offices[pick(m_offices.size())].clock->advance_ms(ms);
    }
  }

  // --- quiet ------------------------------------------------------------------------------------
  void sync_until_quiet() {
    for (int round = 1; round <= m_options.max_quiet_rounds; ++round) {
      ++m_stats.quiet_rounds;
      bool changed = false;
      for (OfficeNode& o : m_offices) {
        o.clock->advance_ms(kMsPerSecond);
        ++m_stats.syncs;
        auto r = agent::sync_outbox(*o.store);
        if (!r) {
          fail("seed " + std::to_string(m_options.seed) + ": round " + std::to_string(round) + " of the final syncs: office " +
               o.unit + " failed with " + error_code_name(r.error().code) + ": " + r.error().message);
          return;
        }
        refused_batches(o, *r);
        if (r->batches > 0 || r->feed.entries_applied > 0 || r->pending_left > 0 || !r->feed.complete) changed = true;
      }
      if (!changed) return;
    }
    fail("seed " + std::to_string(m_options.seed) + ": not quiet after " + std::to_string(m_options.max_quiet_rounds) +
         " rounds of syncs without loss");
  }

  // --- checks -----------------------------------------------------------------------------------
  void check() {
    std::vector<std::pair<std::string, sql::Db*>> offices;
    for (auto& o : m_offices) offices.emplace_back(o.unit, &o.store->db());
    ReplicaCheck(m_hub->db(), offices, m_recorded, "seed " + std::to_string(m_options.seed) + ": ", m_run.failures,
                 m_stats)
        .run();
  }

  std::string m_dir;
  const ConvergenceOptions& m_options;
  ConvergenceRun& m_run;
  ConvergenceStats& m_stats;
  std::mt19937_64 m_rng;
  ManualClock m_hub_clock;
  std::unique_ptr<hub::HubStore> m_hub;
  std::unique_ptr<hub::Intake> m_intake;
  std::vector<OfficeNode> m_offices;
  std::vector<RecordedFact> m_recorded;
  bool m_lossy = false;
};

}  // namespace

void check_replicas(const std::string& hub_db, const std::vector<std::pair<std::string, std::string>>& offices,
                    const std::vector<RecordedFact>& recorded, const std::string& label,
                    std::vector<std::string>& failures, ConvergenceStats& stats) {
  try {
    const sql::Db::Options read_only{false, true, 5000};
    sql::Db hub = must(sql::Db::open(hub_db, read_only), "open " + hub_db);
    std::vector<sql::Db> dbs;
    dbs.reserve(offices.size());
    std::vector<std::pair<std::string, sql::Db*>> views;
    for (const auto& [unit, path] : offices) {
      dbs.push_back(must(sql::Db::open(path, read_only), "open " + path));
      views.emplace_back(unit, &dbs.back());
    }
    ReplicaCheck(hub, views, recorded, label, failures, stats).run();
  } catch (const std::exception& e) {
    failures.push_back(label + "stopped: " + e.what());
  }
}

ConvergenceRun run_convergence(const std::string& dir, const ConvergenceOptions& options) {
  ConvergenceRun run;
  run.seed = options.seed;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    World world(dir, options, run);
    world.run();
  } catch (const std::exception& e) {
    run.failures.push_back("seed " + std::to_string(options.seed) + ": stopped: " + e.what());
  }
  run.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

std::string describe(const ConvergenceRun& run, size_t max_lines) {
  std::ostringstream out;
  out << "seed " << run.seed << ": " << run.failures.size() << " failure" << (run.failures.size() == 1 ? "" : "s");
  for (size_t i = 0; i < run.failures.size() && i < max_lines; ++i) out << "\n  " << run.failures[i];
  if (run.failures.size() > max_lines) out << "\n  ... " << run.failures.size() - max_lines << " more";
  return out.str();
}

std::string describe_totals(const ConvergenceStats& t, int64_t seeds) {
  std::ostringstream out;
  out << seeds << " seeds: " << t.operations << " operations (" << t.refused << " refused by the rules), " << t.receipts
      << " receipts, " << t.holder_steps << " holder steps, " << t.counter_steps << " counter steps, " << t.transfers
      << " transfers (" << t.transfers_applied << " applied), " << t.corrections << " corrections, " << t.hub_actions
      << " hub actions; " << t.dossiers << " dossiers, " << t.events << " events; conflicts " << t.conflict_total()
      << " (";
  bool first = true;
  for (const auto& [rule, n] : t.conflicts) {
    out << (first ? "" : ", ") << rule << " " << n;
    first = false;
  }
  out << "); " << t.syncs << " syncs (" << t.syncs_failed << " cut by the link, " << t.quiet_rounds
      << " final rounds), " << t.requests << " requests, " << t.dropped_requests << " requests dropped, "
      << t.dropped_responses << " answers dropped, " << t.duplicated << " delivered twice; ";
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", t.seconds);
  out << secs << " s";
  return out.str();
}

}  // namespace motcua::test
