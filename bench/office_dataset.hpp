// The generated office shared by motcua-bench-ui and motcua-bench-office: a commune office (unit
// 11953, the sample catalogue and the calendar, as `motcua-agent init` sets it up) with a long
// history of dossiers, and the description of the machine a benchmark prints beside its figures.
//
// The history: N dossiers received on the working days of 2026-01-05 .. 2027-03-02, each with its
// documents and its history up to "now" (2027-03-02 09:30, a fixed clock): most returned (10), some
// resolved and waiting for pickup (9), refused (3), withdrawn (7) or stopped (8), the recent ones
// received (2), being processed (4), waiting for a supplement (5) or for fees (6), and a few
// overdue. The last few hundred go through agent::receive() and agent::set_status() one by one in
// time order (a transaction and an fsync each, as at the counter; their outbox rows stay pending);
// the others are inserted with the same fact rows (dossier, dossier_document, dossier_event, event
// data and resume appointments from the domain code) and folded into dossier_state by
// facts::refresh_derived(), the office's own fold; the folded status of every dossier is checked
// against the generated history. The inserted history has no outbox rows (as if it had been sent
// long ago): nothing is ever uploaded, there is no hub.
//
// Generation is deterministic for a given size and chunking (names, citizens, dates, histories),
// except the random 128-bit ids. Every function here stops the program with bench::die() on an
// error or once the run's deadline (set_run_limit) has passed: a benchmark has nothing to recover.
// Not thread-safe: one generating thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "agent/dossiers.hpp"
#include "agent/setup.hpp"
#include "agent/store.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "domain/calendar.hpp"
#include "domain/dossier.hpp"
#include "reference/reference.hpp"

namespace motcua::bench {

using Clk = std::chrono::steady_clock;

inline constexpr const char* kOfficeUnit = "11953";
inline constexpr const char* kOfficeNow = "2027-03-02T09:30:00+07:00";  // a Tuesday
inline constexpr Date kOfficeFirstDay{2026, 1, 5};

// The whole run may take `seconds` from now; every loop of the generation (and of the benchmarks,
// through check_deadline) stops the program past it. Until called: 3 hours from the program's start.
void set_run_limit(int64_t seconds);
// Stops the program (bench::die, naming `where`) when the run's deadline has passed.
void check_deadline(const char* where);
// Stops the program when `s` failed.
void check(const Status& s, const std::string& what);
double seconds_since(Clk::time_point t0);
// `s` in NFC (the sources hold literal Vietnamese text).
std::string nfc(const std::string& s);

struct Person {
  std::string name;
  std::string citizen_id;
};

// Names, citizen ids (CCCD), phones and addresses of a commune in Hưng Yên, drawn from one seeded
// generator. One person in five files again (same name and CCCD as an earlier dossier).
class Generator {
 public:
  explicit Generator(uint32_t seed);

  std::mt19937& rng() { return m_rng; }
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }
  int64_t uniform64(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(m_rng); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(m_rng) < p; }
  template <size_t N>
  const char* pick(const char* const (&list)[N]) { return list[static_cast<size_t>(uniform(0, static_cast<int>(N) - 1))]; }

  std::string name();        // "Nguyễn Thị Hoa", NFC
  std::string citizen_id();  // 12 digits
  Person person();
  std::string phone();       // 10 digits starting with 0
  std::string address();     // NFC

 private:
  std::mt19937 m_rng;
  int m_family_total = 0;
  std::vector<Person> m_people;
};

// One generated step of a dossier's history.
struct Step {
  Instant at;
  domain::DossierStatus from;
  domain::DossierStatus to;
  std::string note;
  std::string actor;
};

// A dossier to record: its receipt and the steps of its history at or before "now".
struct Plan {
  Instant received_at;
  size_t procedure = 0;  // index into Catalogue::procedures
  Person applicant;
  std::string submitter;
  std::string phone;
  std::string address;
  int channel = 1;
  std::vector<agent::DocumentInput> documents;
  std::optional<Instant> due_at;
  std::string due_rule;        // computed | manual | none
  std::string refusal_reason;  // non-empty: refused at the counter (status 3)
  std::string actor;
  std::vector<Step> steps;  // only those at or before "now"
  domain::DossierStatus final_status = domain::DossierStatus::kReceived;
};

struct Catalogue {
  std::vector<reference::ProcedureRow> procedures;  // the current catalogue
  std::vector<int> weights;                         // how often each is filed
};

// The office's current catalogue, civil status (Hộ tịch) and certification (Chứng thực) weighted
// as a commune's counter sees them. Dies when the catalogue is empty.
Catalogue load_catalogue(agent::Store& store);

// The dossier received at `received`, its procedure drawn by weight, its history generated up to
// `now` with the domain code's appointments (compute_due, resume_due, working time).
Plan plan_dossier(Generator& g, const Catalogue& cat, const domain::Calendar& cal, Instant received, Instant now);

// `n` receipt instants spread over the working days of [kOfficeFirstDay, now's day], each day
// between 07:30 and 16:45 (none at lunch), none after `now`, sorted.
std::vector<Instant> receipt_instants(Generator& g, const domain::Calendar& cal, int n, Instant now);

// A dossier a benchmark can look for.
struct Sample {
  std::string code;
  std::string name;
  std::string citizen_id;
};

// What the generation did, accumulated over calls of insert_bulk and through_api.
struct Generated {
  int bulk = 0;
  int through_api = 0;
  double bulk_seconds = 0;
  double fold_seconds = 0;  // of bulk_seconds
  double commit_seconds = 0;
  double api_seconds = 0;
  double checkpoint_seconds = 0;
  int64_t events = 0;
  int64_t documents = 0;
  std::map<int, int64_t> by_status;
  std::vector<Sample> samples;
  std::map<std::string, int64_t> day_counter;  // YYMMDD -> last dossier number given by insert_bulk
};

// Inserts `plans` (in receipt order, after those of earlier calls) in ONE transaction, as
// receive() and record_status() would have written them, folds each dossier with
// facts::refresh_derived() and checks its folded status; numbers the dossiers per receipt day
// continuing `out.day_counter`, so consecutive calls give the codes one call would. Sets the
// connection's page cache to 256 MiB (generation speed). Draws a few samples from `g`.
void insert_bulk(agent::Store& store, const std::vector<Plan>& plans, const Catalogue& cat, const std::string& unit,
                 const std::string& agency_id, Generator& g, Generated& out);

// Records `plans` through the library calls the counter uses, in time order, `clock` set to each
// action's instant: receive() and set_status(), each its own transaction (synchronous=FULL, outbox
// row pending). Checks every folded status; one dossier in ten becomes a sample.
void through_api(agent::Store& store, ManualClock& clock, const std::vector<Plan>& plans, const Catalogue& cat,
                 Generated& out);

struct OfficeOptions {
  std::string data_dir;   // created by agent::init_office; must not hold an office yet
  int dossiers = 100000;  // in all; the last min(300, dossiers / 10) through the API
  // 0: the inserted history in one transaction, all plans drawn first (motcua-bench-ui). Otherwise
  // a transaction every `chunk` dossiers, each chunk drawn just before it is inserted, so memory
  // stays bounded for a million dossiers (the same kind of office, not the same draws).
  int chunk = 0;
  uint32_t seed = 20270302;
};

struct GeneratedOffice {
  agent::InitResult set_up;
  Generated gen;
  double seconds = 0;  // the whole generation, set-up and final checkpoint included
};

// Sets up the office in options.data_dir and records its history (see the top of this file);
// `clock` ends at kOfficeNow. Ends with a WAL checkpoint (TRUNCATE); no connection stays open.
GeneratedOffice generate_office(const OfficeOptions& options, ManualClock& clock);

// The machine, for the report.
std::string cpu_model();
// The mount holding `path` (longest mount point that is a prefix): "device on point type fstype".
std::string storage_of(const std::filesystem::path& path);
// The file system type alone ("ext4", "tmpfs"), or "unknown".
std::string fs_type_of(const std::filesystem::path& path);
// The first three fields of /proc/loadavg: other work on the machine shows in the tail latencies.
std::string load_average();
int64_t file_size_or_zero(const std::filesystem::path& p);
// "171.2 MB (agent.db 171.0 MB + WAL 0.2 MB)" for the office directory `office`.
std::string db_size(const std::filesystem::path& office);

// The p-quantile (0 < p ≤ 1, nearest rank) of `v`, which must not be empty.
double percentile(std::vector<double> v, double p);
// Parses a whole decimal number in [lo, hi]; false when `text` is not one.
bool parse_int(const char* text, int lo, int hi, int& out);

}  // namespace motcua::bench
