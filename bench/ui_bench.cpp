// motcua-bench-ui [--dossiers N] [--requests R] [--keep]
// The clerk web UI's response times on an office with a long history, over real loopback HTTP.
//
//   1. Sets an office up in a temporary directory (unit 11953, the sample catalogue and the
//      calendar, as `motcua-agent init` does) and fills it with N dossiers (default 100,000)
//      received on the working days of 2026-01-05 .. 2027-03-02, each with its documents and its
//      history up to "now" (2027-03-02 09:30, a fixed clock): most returned (10), some resolved and
//      waiting for pickup (9), refused (3), withdrawn (7) or stopped (8), the recent ones received
//      (2), being processed (4), waiting for a supplement (5) or for fees (6), and a few overdue.
//      The last few hundred dossiers go through agent::receive() and agent::set_status() one by one
//      in time order (a transaction and an fsync each, as at the counter); the others are inserted
//      in ONE transaction with the same fact rows (dossier, dossier_document, dossier_event, event
//      data and resume appointments from the domain code) and folded into dossier_state by
//      facts::refresh_derived(), the office's own fold; the folded status of every dossier is
//      checked against the generated history. The generated history has no outbox rows (as if it
//      had been sent long ago): nothing is ever uploaded, there is no hub.
//   2. Adds a clerk account, starts the web UI in this process on 127.0.0.1 (any free port) and
//      signs in over HTTP.
//   3. Times each page, R times (default 200) after a warm-up, each request a full round trip on a
//      keep-alive connection (TCP_NODELAY on the client, as browsers set it): the queues, the
//      overdue queue, search by name (no diacritics), by code and by CCCD, a dossier, its Mẫu 01,
//      the receive form, the sync indicator, and saving a new dossier (POST /receive: a transaction
//      with synchronous=FULL, so an fsync each). Searches and dossiers rotate over a few hundred
//      generated citizens; every reply's HTTP status is checked.
// Prints p50 / p99 / max per page, the generation time, the database size, the machine, its load
// average around the requests and the file system of the temporary directory. The directory is
// removed at the end (also after an error) unless --keep.
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "agent/accounts.hpp"
#include "agent/dossiers.hpp"
#include "agent/setup.hpp"
#include "agent/store.hpp"
#include "agent/web/web_ui.hpp"
#include "bench/bench_support.hpp"
#include "common/text.hpp"
#include "domain/due_date.hpp"
#include "facts/dossier_store.hpp"
#include "reference/reference.hpp"

using namespace motcua;
using motcua::bench::die;
using motcua::bench::must;
namespace fs = std::filesystem;
using Clk = std::chrono::steady_clock;
using domain::DossierStatus;

namespace {

constexpr const char* kUnit = "11953";
constexpr const char* kNow = "2027-03-02T09:30:00+07:00";  // a Tuesday
constexpr Date kFirstDay{2026, 1, 5};
constexpr int64_t kMaxRunSeconds = 3 * 3600;  // the whole run, generation included
constexpr const char* kClerk = "bench.clerk";
constexpr const char* kPassword = "mat-khau-thu-nghiem";

const Clk::time_point g_start = Clk::now();
// The temporary directory, removed at exit (also when the run stops on an error) unless --keep.
std::string g_cleanup_dir;

void remove_cleanup_dir() {
  if (g_cleanup_dir.empty()) return;
  std::error_code ec;
  fs::remove_all(g_cleanup_dir, ec);
  g_cleanup_dir.clear();
}

// Every loop of this program checks this: a run that takes longer than kMaxRunSeconds stops.
void check_deadline(const char* where) {
  if (Clk::now() - g_start > std::chrono::seconds(kMaxRunSeconds)) {
    die(where, Error::unavailable("the benchmark ran over " + std::to_string(kMaxRunSeconds) + " s"));
  }
}

void check(const Status& s, const std::string& what) {
  if (!s) die(what, s.error());
}

double seconds_since(Clk::time_point t0) { return std::chrono::duration<double>(Clk::now() - t0).count(); }

// ---------------------------------------------------------------------------------------------
// Generated people and dossiers

// Family names with roughly their share of the population.
const std::vector<std::pair<const char*, int>> kFamily = {
    {"Nguyễn", 380}, {"Trần", 110}, {"Lê", 95}, {"Phạm", 70}, {"Hoàng", 50}, {"Huỳnh", 20}, {"Phan", 45},
    {"Vũ", 40},      {"Võ", 20},    {"Đặng", 21}, {"Bùi", 20}, {"Đỗ", 14},   {"Hồ", 13},    {"Ngô", 13},
    {"Dương", 10},   {"Lý", 5},     {"Đinh", 8},  {"Đào", 6},  {"Trịnh", 5}, {"Mai", 4},    {"Lương", 4}};
const char* const kMiddleMale[] = {"Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thành", "Xuân", "Ngọc", "Tiến", "Mạnh", "Duy"};
const char* const kMiddleFemale[] = {"Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Thùy", "Phương", "Kim", "Hồng", "Minh", "Bích"};
const char* const kGivenMale[] = {"An",   "Bình", "Cường", "Dũng", "Đức",  "Hải",  "Hùng",  "Huy",  "Khánh", "Long",
                                  "Minh", "Nam",  "Phong", "Quân", "Sơn",  "Thắng", "Tuấn", "Việt", "Hiếu",  "Trung",
                                  "Toàn", "Thái", "Kiên",  "Lâm",  "Nghĩa", "Phúc", "Tâm",  "Vinh", "Đạt",   "Khoa"};
const char* const kGivenFemale[] = {"Anh",  "Chi",  "Dung",  "Giang", "Hà",    "Hằng", "Hoa",  "Hương", "Lan",  "Linh",
                                    "Mai",  "Nga",  "Ngọc",  "Nhung", "Oanh",  "Phương", "Quỳnh", "Thảo", "Trang", "Yến",
                                    "Huyền", "Loan", "Thủy", "Vân",   "Xuân",  "Hạnh", "Liên", "Duyên", "Ly",   "Tuyết"};
const char* const kStreets[] = {"Nguyễn Văn Linh", "Điện Biên", "Phạm Ngũ Lão", "Bãi Sậy", "Chùa Chuông", "Tô Hiệu",
                                "Trưng Trắc", "Lê Lai", "Hải Thượng Lãn Ông", "Nguyễn Thiện Thuật", "An Vũ", "Triệu Quang Phục"};
const char* const kVillages[] = {"Thôn Cao Xá", "Thôn Phương Độ", "Tổ dân phố Mậu Dương", "Tổ dân phố Lê Lợi",
                                 "Thôn Bảo Châu", "Tổ dân phố Hoàng Lê"};
const char* const kDocuments[] = {"Tờ khai theo mẫu", "Căn cước công dân", "Giấy chứng sinh", "Giấy tờ chứng minh nơi cư trú",
                                  "Giấy ủy quyền", "Sổ hộ khẩu (bản cũ)", "Giấy xác nhận tình trạng hôn nhân",
                                  "Văn bản đề nghị", "Biên lai nộp lệ phí"};
const char* const kSupplementNotes[] = {"Thiếu bản sao giấy chứng sinh", "Tờ khai chưa có chữ ký của người yêu cầu",
                                        "Cần bổ sung giấy ủy quyền có chứng thực", "Ảnh chụp giấy tờ không rõ, nộp lại bản sao"};
const char* const kClerks[] = {"ntlan", "tvminh", "pthuong", "lequang"};

std::string nfc(const std::string& s) { return must(to_nfc(s), "NFC"); }

struct Person {
  std::string name;
  std::string citizen_id;
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : m_rng(seed) {
    for (const auto& [name, weight] : kFamily) m_family_total += weight;
  }

  std::mt19937& rng() { return m_rng; }
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }
  int64_t uniform64(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(m_rng); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(m_rng) < p; }
  template <size_t N>
  const char* pick(const char* const (&list)[N]) { return list[static_cast<size_t>(uniform(0, static_cast<int>(N) - 1))]; }

  std::string name() {
    int r = uniform(0, m_family_total - 1);
    const char* family = kFamily.front().first;
    for (const auto& [f, weight] : kFamily) {
      if (r < weight) { family = f; break; }
      r -= weight;
    }
    const bool male = chance(0.5);
    std::string n = std::string(family) + " " + (male ? pick(kMiddleMale) : pick(kMiddleFemale)) + " " +
                    (male ? pick(kGivenMale) : pick(kGivenFemale));
    return nfc(n);
  }

  // 12 digits: 0 + province (Hưng Yên 033 mostly) + century/sex digit + year of birth + 6 digits.
  std::string citizen_id() {
    static const char* const provinces[] = {"033", "033", "033", "033", "001", "030", "034", "036", "035"};
    const int year = uniform(1945, 2008);
    const int century_sex = (year >= 2000 ? 2 : 0) + uniform(0, 1);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%s%d%02d%06d", pick(provinces), century_sex, year % 100, uniform(0, 999999));
    return buf;
  }

  // A citizen: one in five files again (same name and CCCD as an earlier dossier).
  Person person() {
    if (!m_people.empty() && chance(0.2)) return m_people[static_cast<size_t>(uniform64(0, static_cast<int64_t>(m_people.size()) - 1))];
    Person p{name(), citizen_id()};
    if (m_people.size() < 200000) m_people.push_back(p);
    return p;
  }

  std::string phone() {
    static const char* const prefixes[] = {"09", "03", "08", "07"};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%s%08d", pick(prefixes), uniform(0, 99999999));
    return buf;
  }

  std::string address() {
    if (chance(0.5)) return nfc("Số " + std::to_string(uniform(1, 250)) + ", đường " + pick(kStreets) + ", phường Phố Hiến, tỉnh Hưng Yên");
    return nfc(std::string(pick(kVillages)) + ", phường Phố Hiến, tỉnh Hưng Yên");
  }

 private:
  std::mt19937 m_rng;
  int m_family_total = 0;
  std::vector<Person> m_people;
};

// One generated step of a dossier's history.
struct Step {
  Instant at;
  DossierStatus from;
  DossierStatus to;
  std::string note;
  std::string actor;
};

struct Plan {
  Instant received_at;
  size_t procedure = 0;  // index into the usable procedures
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
  DossierStatus final_status = DossierStatus::kReceived;
};

struct Catalogue {
  std::vector<reference::ProcedureRow> procedures;  // the current catalogue
  std::vector<int> weights;                         // how often each is filed
};

// The working-time duration of `hours` (fraction allowed) in ms.
int64_t hours_ms(double hours) { return static_cast<int64_t>(hours * static_cast<double>(kMsPerHour)); }

Plan plan_dossier(Generator& g, const Catalogue& cat, const domain::Calendar& cal, Instant received, Instant now) {
  Plan p;
  p.received_at = received;
  {
    int total = 0;
    for (int w : cat.weights) total += w;
    int r = g.uniform(0, total - 1);
    for (size_t i = 0; i < cat.weights.size(); ++i) {
      if (r < cat.weights[i]) { p.procedure = i; break; }
      r -= cat.weights[i];
    }
  }
  const domain::TimeLimit& limit = cat.procedures[p.procedure].procedure.time_limit.main;
  p.applicant = g.person();
  if (g.chance(0.25)) p.submitter = g.name();
  if (g.chance(0.7)) p.phone = g.phone();
  p.address = g.address();
  const int ch = g.uniform(0, 99);
  p.channel = ch < 80 ? 1 : ch < 95 ? 2 : 3;
  const int docs = g.uniform(1, 4);
  for (int d = 0; d < docs; ++d) {
    static const char* const forms[] = {"chinh", "sao", "photo"};
    p.documents.push_back({nfc(g.pick(kDocuments)), g.pick(forms), g.uniform(1, 2)});
  }
  p.actor = g.pick(kClerks);

  auto at = [&](Instant from, double min_h, double max_h) {
    const double h = min_h + (max_h - min_h) * std::uniform_real_distribution<double>(0, 1)(g.rng());
    return whole_second(domain::add_working_time(from, hours_ms(h), cal));
  };
  auto step = [&](Instant t, DossierStatus from, DossierStatus to, std::string note) {
    if (t > now) return false;
    p.steps.push_back({t, from, to, std::move(note), g.pick(kClerks)});
    p.final_status = to;
    return true;
  };

  if (g.chance(0.015)) {
    p.refusal_reason = nfc("Hồ sơ không thuộc thẩm quyền giải quyết của UBND phường");
    p.due_rule = "none";
    p.final_status = DossierStatus::kRefused;
    return p;
  }
  if (limit.kind == domain::LimitKind::kNone) {
    p.due_at = whole_second(domain::add_working_time(received, 5 * domain::kWorkingDayHours * kMsPerHour, cal));
    p.due_rule = "manual";
  } else {
    p.due_at = domain::compute_due(received, limit, cal);
    p.due_rule = "computed";
  }
  Instant due = *p.due_at;

  // What becomes of it, as far as the clock has gone.
  const int fate = g.uniform(0, 999);
  const Instant t4 = at(received, 0.1, 3);
  if (fate < 5) return p;  // still waiting for someone to take it up
  if (fate < 20) {
    step(at(received, 0.5, 24), DossierStatus::kReceived, DossierStatus::kWithdrawn, nfc("Công dân xin rút hồ sơ"));
    return p;
  }
  if (!step(t4, DossierStatus::kReceived, DossierStatus::kProcessing, "")) return p;
  Instant t = t4;
  if (g.chance(0.08)) {  // a supplement request, usually answered
    const Instant paused = at(t, 1, 12);
    if (!step(paused, DossierStatus::kProcessing, DossierStatus::kSupplement, nfc(g.pick(kSupplementNotes)))) return p;
    if (g.chance(0.04)) return p;  // never came back
    const Instant resumed = at(paused, 4, 80);
    if (resumed > now) return p;
    due = domain::resume_due(due, paused, resumed, cal);
    step(resumed, DossierStatus::kSupplement, DossierStatus::kProcessing, nfc("Công dân đã bổ sung"));
    t = resumed;
  }
  if (g.chance(0.03)) {  // fees to pay first
    const Instant f = at(t, 0.5, 4);
    if (!step(f, DossierStatus::kProcessing, DossierStatus::kFinancial, nfc("Chờ nộp lệ phí"))) return p;
    const Instant back = at(f, 1, 24);
    if (!step(back, DossierStatus::kFinancial, DossierStatus::kProcessing, "")) return p;
    t = back;
  }
  if (fate < 35) {
    step(at(t, 1, 40), DossierStatus::kProcessing, DossierStatus::kWithdrawn, nfc("Công dân xin rút hồ sơ"));
    return p;
  }
  if (fate < 45) {
    step(at(t, 1, 40), DossierStatus::kProcessing, DossierStatus::kStopped, nfc("Dừng xử lý theo đề nghị của cơ quan chuyên môn"));
    return p;
  }
  if (fate < 60) return p;  // stuck in processing: overdue once its appointment passes
  Instant t9;
  if (fate < 880) {  // on time
    const int64_t left = std::max<int64_t>(domain::working_time_between(t, due, cal), kMsPerHour / 2);
    const double frac = 0.2 + 0.75 * std::uniform_real_distribution<double>(0, 1)(g.rng());
    t9 = whole_second(domain::add_working_time(t, static_cast<int64_t>(static_cast<double>(left) * frac), cal));
  } else {  // late
    t9 = at(std::max(due, t), 1, 60);
  }
  if (!step(t9, DossierStatus::kProcessing, DossierStatus::kResolved, nfc("Đã có kết quả giải quyết"))) return p;
  if (g.chance(0.03)) return p;  // the citizen never came for the result
  step(at(t9, 0, 40), DossierStatus::kResolved, DossierStatus::kReturned, "");
  return p;
}

// Receipt instants: N dossiers spread over the working days of [kFirstDay, now's day], each day
// between 07:30 and 16:45, none after `now`, sorted.
std::vector<Instant> receipt_instants(Generator& g, const domain::Calendar& cal, int n, Instant now) {
  std::vector<int64_t> days;
  const int64_t last = days_from_date(vn_date(now));
  for (int64_t d = days_from_date(kFirstDay); d <= last; ++d) {
    if (cal.is_working_day_number(d)) days.push_back(d);
  }
  std::vector<Instant> out;
  out.reserve(static_cast<size_t>(n));
  while (static_cast<int>(out.size()) < n) {
    check_deadline("receipt instants");
    const int64_t day = days[static_cast<size_t>(g.uniform64(0, static_cast<int64_t>(days.size()) - 1))];
    int64_t ms_of_day = g.uniform64(7 * kMsPerHour + 30 * kMsPerMinute, 16 * kMsPerHour + 45 * kMsPerMinute);
    if (ms_of_day > 11 * kMsPerHour + 30 * kMsPerMinute && ms_of_day < 13 * kMsPerHour + 30 * kMsPerMinute) {
      ms_of_day -= 2 * kMsPerHour;  // nobody at the counter at lunch
    }
    const Instant t = whole_second(vn_instant(date_from_days(day), ms_of_day));
    if (t <= now) out.push_back(t);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string day_text(Instant t) {
  const Date d = vn_date(t);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d%02d%02d", d.year % 100, d.month, d.day);
  return buf;
}

const char* limit_kind_name(domain::LimitKind k) {
  switch (k) {
    case domain::LimitKind::kWorkingHours: return "hours";
    case domain::LimitKind::kSameDay: return "same_day";
    case domain::LimitKind::kSameDay15h: return "same_day_15h";
    case domain::LimitKind::kNone: return "none";
  }
  return "none";
}

struct Sample {
  std::string code;
  std::string name;
  std::string citizen_id;
};

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
};

// Inserts `plans` in one transaction, as receive() and record_status() would have written them,
// and folds each dossier with facts::refresh_derived().
void insert_bulk(agent::Store& store, const std::vector<Plan>& plans, const Catalogue& cat, const std::string& unit,
                 const std::string& agency_id, Generator& g, Generated& out) {
  sql::Db& db = store.db();
  check(db.exec("PRAGMA cache_size = -262144"), "cache size");  // this connection only: generation speed
  const auto t0 = Clk::now();
  auto tx = must(sql::Transaction::begin_immediate(db), "begin");
  auto ins = must(db.prepare(
      "INSERT INTO dossier(id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, "
      "applicant_name, applicant_citizen_id, submitter_name, phone, address, channel, received_at, entered_at, due_at, "
      "due_rule, limit_kind, limit_hours, status, clock_suspect, hlc, origin_unit, actor) VALUES (?1, ?2, ?3, ?4, ?5, "
      "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"), "prepare dossier");
  auto doc = must(db.prepare(
      "INSERT INTO dossier_document(id, dossier_id, position, name, form, copies, hlc, origin_unit) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"), "prepare document");
  auto ev = must(db.prepare(
      "INSERT INTO dossier_event(id, dossier_id, kind, from_status, to_status, at, due_at, note, data, hlc, "
      "origin_unit, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"), "prepare event");
  const domain::Calendar cal = must(reference::load_calendar(db), "calendar");
  std::map<std::string, int64_t> counter;  // day -> last number
  Hlc max_hlc;
  double fold = 0;
  for (size_t i = 0; i < plans.size(); ++i) {
    if (i % 1000 == 0) check_deadline("bulk insert");
    const Plan& p = plans[i];
    const auto& proc = cat.procedures[p.procedure];
    const domain::TimeLimit& limit = proc.procedure.time_limit.main;
    const std::string day = day_text(p.received_at);
    char number[24];
    std::snprintf(number, sizeof number, "%04lld", static_cast<long long>(++counter[day]));
    const std::string code = agency_id + "-" + day + "-" + number;
    const Id128 id = Id128::random();
    const bool refused = !p.refusal_reason.empty();
    const Hlc created = Hlc::from(p.received_at.ms, 0);
    max_hlc = std::max(max_hlc, created);
    ins.bind(1, id.blob()).bind(2, code).bind(3, unit).bind(4, unit).bind(5, unit).bind(6, proc.procedure.key)
        .bind(7, proc.version).bind(8, p.applicant.name).bind(9, p.applicant.citizen_id).bind(10, p.submitter)
        .bind(11, p.phone).bind(12, p.address).bind(13, p.channel).bind(14, p.received_at.ms).bind(15, p.received_at.ms)
        .bind(16, p.due_at ? std::optional<int64_t>(p.due_at->ms) : std::nullopt).bind(17, p.due_rule)
        .bind(18, limit_kind_name(limit.kind))
        .bind(19, limit.kind == domain::LimitKind::kWorkingHours ? std::optional<int64_t>(limit.hours) : std::nullopt)
        .bind(20, static_cast<int>(refused ? DossierStatus::kRefused : DossierStatus::kReceived)).bind(21, 0)
        .bind(22, created.value).bind(23, unit).bind(24, p.actor);
    check(ins.run(), "insert dossier " + code);
    check(ins.reset(), "reset");
    for (size_t d = 0; d < p.documents.size(); ++d) {
      doc.bind(1, Id128::random().blob()).bind(2, id.blob()).bind(3, static_cast<int64_t>(d + 1))
          .bind(4, p.documents[d].name).bind(5, p.documents[d].form).bind(6, p.documents[d].copies)
          .bind(7, created.value).bind(8, unit);
      check(doc.run(), "insert document");
      check(doc.reset(), "reset");
      ++out.documents;
    }
    // Events as facts::record_status / record_note write them: the chain's parent, the resume
    // appointment after a supplement (domain::resume_due on the appointment before the pause).
    std::vector<domain::EventFact> events;
    if (refused) {
      domain::EventFact e;
      e.id = Id128::random();
      e.kind = domain::EventKind::kNote;
      e.note = p.refusal_reason;
      e.at = p.received_at;
      e.hlc = Hlc::from(p.received_at.ms, 1);
      e.actor = p.actor;
      events.push_back(std::move(e));
    }
    Id128 head{};
    std::optional<Instant> due = p.due_at;
    std::optional<Instant> paused;
    for (const Step& s : p.steps) {
      domain::EventFact e;
      e.id = Id128::random();
      e.kind = domain::EventKind::kStatus;
      e.from_status = s.from;
      e.to_status = s.to;
      e.note = s.note;
      e.parent = head;
      e.at = s.at;
      e.hlc = Hlc::from(s.at.ms, 0);
      e.actor = s.actor;
      if (s.to == DossierStatus::kSupplement) paused = s.at;
      if (s.from == DossierStatus::kSupplement && s.to == DossierStatus::kProcessing && due && paused) {
        e.due_at = domain::resume_due(*due, *paused, s.at, cal);
        due = e.due_at;
      }
      head = e.id;
      events.push_back(std::move(e));
    }
    for (const auto& e : events) {
      max_hlc = std::max(max_hlc, e.hlc);
      ev.bind(1, e.id.blob()).bind(2, id.blob()).bind(3, domain::event_kind_name(e.kind))
          .bind(4, e.from_status ? std::optional<int64_t>(static_cast<int64_t>(*e.from_status)) : std::nullopt)
          .bind(5, e.to_status ? std::optional<int64_t>(static_cast<int64_t>(*e.to_status)) : std::nullopt)
          .bind(6, e.at.ms).bind(7, e.due_at ? std::optional<int64_t>(e.due_at->ms) : std::nullopt).bind(8, e.note)
          .bind(9, domain::event_data_json(e)).bind(10, e.hlc.value).bind(11, unit).bind(12, e.actor);
      check(ev.run(), "insert event");
      check(ev.reset(), "reset");
      ++out.events;
    }
    const auto f0 = Clk::now();
    auto state = must(facts::refresh_derived(db, id), "fold " + code);
    fold += seconds_since(f0);
    if (!state || state->status != p.final_status || !state->conflicts.empty()) {
      die("fold " + code, Error::internal("the fold gives status " +
                                          std::to_string(state ? static_cast<int>(state->status) : 0) + ", generated " +
                                          std::to_string(static_cast<int>(p.final_status))));
    }
    ++out.by_status[static_cast<int>(p.final_status)];
    if (g.chance(0.002) && out.samples.size() < 400) out.samples.push_back({code, p.applicant.name, p.applicant.citizen_id});
  }
  auto up = must(db.prepare("INSERT INTO dossier_counter(unit, day, last) VALUES (?1, ?2, ?3) "
                            "ON CONFLICT(unit, day) DO UPDATE SET last = max(last, excluded.last)"), "prepare counter");
  for (const auto& [day, last] : counter) {
    up.bind(1, unit).bind(2, day).bind(3, last);
    check(up.run(), "counter");
    check(up.reset(), "reset");
  }
  check(store.observe_hlc(max_hlc), "hlc");
  out.bulk_seconds = seconds_since(t0);
  out.fold_seconds = fold;
  const auto c0 = Clk::now();
  check(tx.commit(), "commit");
  out.commit_seconds = seconds_since(c0);
  out.bulk_seconds += out.commit_seconds;
  out.bulk = static_cast<int>(plans.size());
}

// The most recent dossiers through the library calls the counter uses, in time order, the clock
// set to each action's instant: receive() and set_status(), each its own transaction.
void through_api(agent::Store& store, ManualClock& clock, const std::vector<Plan>& plans, const Catalogue& cat,
                 Generated& out) {
  struct Action {
    Instant at;
    size_t plan;
    int step;  // -1: the receipt
  };
  std::vector<Action> actions;
  for (size_t i = 0; i < plans.size(); ++i) {
    actions.push_back({plans[i].received_at, i, -1});
    for (size_t s = 0; s < plans[i].steps.size(); ++s) actions.push_back({plans[i].steps[s].at, i, static_cast<int>(s)});
  }
  std::stable_sort(actions.begin(), actions.end(), [](const Action& a, const Action& b) { return a.at < b.at; });
  std::vector<std::string> codes(plans.size());
  const auto t0 = Clk::now();
  for (const Action& a : actions) {
    check_deadline("receive");
    const Plan& p = plans[a.plan];
    clock.set(a.at);
    if (a.step < 0) {
      agent::ReceiveRequest r;
      r.procedure = cat.procedures[p.procedure].procedure.key;
      r.applicant = p.applicant.name;
      r.citizen_id = p.applicant.citizen_id;
      r.submitter = p.submitter;
      r.phone = p.phone;
      r.address = p.address;
      r.channel = p.channel;
      r.documents = p.documents;
      r.actor = p.actor;
      r.refusal_reason = p.refusal_reason;
      if (p.due_rule == "manual") r.due_at = p.due_at;
      codes[a.plan] = must(agent::receive(store, r), "receive").code;
      continue;
    }
    const Step& s = p.steps[static_cast<size_t>(a.step)];
    agent::SetStatusRequest r{codes[a.plan], static_cast<int>(s.to), s.note, s.actor};
    must(agent::set_status(store, r), "set status " + codes[a.plan]);
    ++out.events;
  }
  auto folded = must(store.db().prepare("SELECT status FROM dossier_state WHERE code = ?1"), "prepare state");
  for (size_t i = 0; i < plans.size(); ++i) {
    folded.bind(1, codes[i]);
    const bool row = must(folded.step(), "state " + codes[i]);
    if (!row || folded.int64(0) != static_cast<int>(plans[i].final_status)) {
      die("state " + codes[i], Error::internal("status " + std::to_string(row ? folded.int64(0) : 0) + ", generated " +
                                               std::to_string(static_cast<int>(plans[i].final_status))));
    }
    check(folded.reset(), "reset");
    ++out.by_status[static_cast<int>(plans[i].final_status)];
    out.documents += static_cast<int64_t>(plans[i].documents.size());
    if (i % 10 == 0) out.samples.push_back({codes[i], plans[i].applicant.name, plans[i].applicant.citizen_id});
  }
  out.api_seconds = seconds_since(t0);
  out.through_api = static_cast<int>(plans.size());
}

// ---------------------------------------------------------------------------------------------
// HTTP

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

struct Reply {
  int status = 0;
  size_t bytes = 0;
  std::string body;
  std::string location;
  std::string set_cookie;
};

class Browser {
 public:
  explicit Browser(int port) : m_client("127.0.0.1", port) {
    m_client.set_keep_alive(true);
    // As browsers do (Chromium, Firefox): a request's headers and body leave at once, never held
    // back by Nagle's algorithm waiting for the server's delayed ACK.
    m_client.set_tcp_nodelay(true);
    m_client.set_connection_timeout(5, 0);
    m_client.set_read_timeout(60, 0);
    m_client.set_write_timeout(60, 0);
  }
  void set_cookie(std::string c) { m_cookie = std::move(c); }

  Reply get(const std::string& path) { return reply(m_client.Get(path, headers()), "GET " + path); }
  Reply post(const std::string& path, const httplib::Params& form) {
    return reply(m_client.Post(path, headers(), form), "POST " + path);
  }

 private:
  httplib::Headers headers() const {
    httplib::Headers h{{"Accept", "text/html"}, {"Accept-Language", "vi"}};
    if (!m_cookie.empty()) h.emplace("Cookie", m_cookie);
    return h;
  }
  static Reply reply(const httplib::Result& res, const std::string& what) {
    if (!res) die(what, Error::unavailable("HTTP error " + httplib::to_string(res.error())));
    Reply r;
    r.status = res->status;
    r.bytes = res->body.size();
    r.body = res->body;
    r.location = res->get_header_value("Location");
    r.set_cookie = res->get_header_value("Set-Cookie");
    return r;
  }

  httplib::Client m_client;
  std::string m_cookie;
};

struct Timing {
  std::string label;
  std::vector<double> ms;
  size_t bytes = 0;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  if (rank < 1) rank = 1;
  return v[std::min(rank, v.size()) - 1];
}

// `request(i)` returns the reply of the i-th request; `expected` its HTTP status.
template <class Request>
Timing measure(const std::string& label, int warmup, int count, int expected, Request request) {
  Timing t;
  t.label = label;
  for (int i = 0; i < warmup + count; ++i) {
    check_deadline(label.c_str());
    const auto t0 = Clk::now();
    const Reply r = request(i);
    const double ms = std::chrono::duration<double, std::milli>(Clk::now() - t0).count();
    if (r.status != expected) {
      // The page's own message when it has one (<p id="not-found">, the error list), else its start.
      size_t at = r.body.find("id=\"not-found\"");
      if (at == std::string::npos) at = r.body.find("class=\"form-errors");
      const std::string excerpt = r.body.substr(at == std::string::npos ? 0 : at, 400);
      die(label, Error::internal("HTTP " + std::to_string(r.status) + " (expected " + std::to_string(expected) +
                                 "): " + excerpt));
    }
    if (i >= warmup) {
      t.ms.push_back(ms);
      t.bytes += r.bytes;
    }
  }
  return t;
}

std::string csrf_of(const std::string& html) {
  const std::string mark = "name=\"csrf\" value=\"";
  const size_t at = html.find(mark);
  if (at == std::string::npos) die("csrf", Error::internal("no csrf field in the page"));
  const size_t end = html.find('"', at + mark.size());
  return html.substr(at + mark.size(), end - at - mark.size());
}

// ---------------------------------------------------------------------------------------------
// The machine

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return std::string(trim(line.substr(colon + 1)));
    }
  }
  return "unknown";
}

// The mount holding `path` (longest mount point that is a prefix): "device on point type fstype".
std::string storage_of(const fs::path& path) {
  std::error_code ec;
  const std::string p = fs::weakly_canonical(path, ec).string();
  std::ifstream in("/proc/mounts");
  std::string best_point, best_line;
  for (std::string dev, point, type, rest; in >> dev >> point >> type && std::getline(in, rest);) {
    const bool prefix = p == point || (p.rfind(point, 0) == 0 && (point == "/" || p[point.size()] == '/'));
    if (prefix && point.size() >= best_point.size()) {
      best_point = point;
      best_line = dev + " on " + point + " type " + type;
    }
  }
  return best_line.empty() ? "unknown" : best_line;
}

// The first three fields of /proc/loadavg: other work on the machine shows in the tail latencies.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return in ? a + " " + b + " " + c : std::string("unknown");
}

int64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

std::string db_size(const fs::path& office) {
  const int64_t main = file_size_or_zero(office / "agent.db");
  const int64_t wal = file_size_or_zero(office / "agent.db-wal");
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.1f MB (agent.db %.1f MB + WAL %.1f MB)", static_cast<double>(main + wal) / 1e6,
                static_cast<double>(main) / 1e6, static_cast<double>(wal) / 1e6);
  return buf;
}

bool parse_int(const char* text, int lo, int hi, int& out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) return false;
  out = static_cast<int>(v);
  return true;
}

int usage() {
  std::fprintf(stderr,
               "usage: motcua-bench-ui [--dossiers N (1000-2000000, default 100000)] [--requests R (10-100000, default "
               "200)] [--keep]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bench::g_program = "motcua-bench-ui";
  int dossiers = 100000;
  int requests = 200;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dossiers") == 0 && i + 1 < argc) {
      if (!parse_int(argv[++i], 1000, 2000000, dossiers)) return usage();
    } else if (std::strcmp(argv[i], "--requests") == 0 && i + 1 < argc) {
      if (!parse_int(argv[++i], 10, 100000, requests)) return usage();
    } else if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else {
      return usage();
    }
  }

  const fs::path dir = fs::temp_directory_path() / ("motcua-bench-ui-" + Id128::random().hex());
  const fs::path office = dir / "office";
  fs::create_directories(dir);
  if (!keep) {
    g_cleanup_dir = dir.string();
    std::atexit(remove_cleanup_dir);
  }
  const Instant now = must(parse_rfc3339(kNow), "now");
  ManualClock clock(now);

  // 1. The office and its history.
  const auto g0 = Clk::now();
  agent::InitRequest init;
  init.data_dir = office.string();
  init.unit_code = kUnit;
  init.catalog_path = std::string(MOTCUA_SOURCE_DIR) + "/data/tthc-commune-sample.csv";
  init.calendar_path = std::string(MOTCUA_SOURCE_DIR) + "/data/holidays-vn.csv";
  const agent::InitResult set_up = must(agent::init_office(init, clock), "init");

  Generated gen;
  {
    auto store = must(agent::Store::open(office.string(), false, clock), "open");
    Catalogue cat;
    for (auto& row : must(reference::current_procedures(store.db(), ""), "procedures")) {
      cat.procedures.push_back(std::move(row));
      // Civil status and residence matters dominate a commune's counter; the rest are rarer.
      const std::string& field = cat.procedures.back().procedure.field;
      cat.weights.push_back(field.find(nfc("Hộ tịch")) != std::string::npos ? 12
                            : field.find(nfc("Chứng thực")) != std::string::npos ? 8 : 2);
    }
    if (cat.procedures.empty()) die("catalogue", Error::internal("no procedure"));
    const domain::Calendar cal = must(reference::load_calendar(store.db()), "calendar");
    Generator g(20270302);
    const std::vector<Instant> receipts = receipt_instants(g, cal, dossiers, now);
    std::vector<Plan> plans;
    plans.reserve(receipts.size());
    for (size_t i = 0; i < receipts.size(); ++i) {
      if (i % 1000 == 0) check_deadline("plans");
      plans.push_back(plan_dossier(g, cat, cal, receipts[i], now));
    }
    const size_t api = std::min<size_t>(300, plans.size() / 10);
    std::vector<Plan> recent(std::make_move_iterator(plans.end() - static_cast<std::ptrdiff_t>(api)),
                             std::make_move_iterator(plans.end()));
    plans.resize(plans.size() - api);
    insert_bulk(store, plans, cat, set_up.unit_code, set_up.agency_id, g, gen);
    plans.clear();
    clock.set(recent.front().received_at);
    through_api(store, clock, recent, cat, gen);
    clock.set(now);
    const auto c0 = Clk::now();
    check(store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
    gen.checkpoint_seconds = seconds_since(c0);
  }
  const double generation_seconds = seconds_since(g0);
  const std::string size_after_generation = db_size(office);

  // 2. A clerk, the web UI, a signed-in browser.
  {
    auto store = must(agent::Store::open(office.string(), false, clock), "open");
    must(agent::add_account(store, kClerk, nfc("Nguyễn Thị Thu Hà"), agent::Role::kClerk, kPassword), "add account");
  }
  agent::WebUiOptions options;
  options.data_dir = office.string();
  options.host = "127.0.0.1";
  options.port = 0;
  auto ui = must(agent::WebUi::start(options, clock), "web UI");
  Browser browser(ui->port());
  {
    const Reply login = browser.post("/login", {{"username", kClerk}, {"password", kPassword}, {"next", "/"}});
    if (login.status != 303 || login.set_cookie.empty()) die("sign in", Error::internal("HTTP " + std::to_string(login.status)));
    browser.set_cookie(login.set_cookie.substr(0, login.set_cookie.find(';')));
  }

  // 3. The pages.
  std::vector<Sample> samples = gen.samples;
  if (samples.empty()) die("samples", Error::internal("no sample dossier"));
  auto sample = [&](int i) -> const Sample& { return samples[static_cast<size_t>(i) % samples.size()]; };
  const int warmup = std::min(20, requests);
  const std::string load_before = load_average();
  std::vector<Timing> timings;
  auto page = [&](const std::string& label, int expected, auto path_of) {
    timings.push_back(measure(label, warmup, requests, expected, [&](int i) { return browser.get(path_of(i)); }));
  };
  page("GET /", 200, [](int) { return std::string("/"); });
  page("GET /?queue=overdue", 200, [](int) { return std::string("/?queue=overdue"); });
  page("GET /?q=<name, no diacritics>", 200, [&](int i) { return "/?q=" + url_encode(fold_for_search(sample(i).name)); });
  page("GET /?q=<code>", 200, [&](int i) { return "/?q=" + url_encode(sample(i).code); });
  page("GET /?q=<CCCD>", 200, [&](int i) { return "/?q=" + sample(i).citizen_id; });
  page("GET /dossiers/<code>", 200, [&](int i) { return "/dossiers/" + sample(i).code; });
  page("GET /dossiers/<code>/mau-01", 200, [&](int i) { return "/dossiers/" + sample(i).code + "/mau-01"; });
  page("GET /receive", 200, [](int) { return std::string("/receive"); });
  page("GET /api/sync-state", 200, [](int) { return std::string("/api/sync-state"); });

  // Saving: the form as the browser posts it, a new citizen each time.
  const std::string csrf = csrf_of(browser.get("/receive").body);
  std::vector<std::string> keys;
  {
    auto store = must(agent::Store::open(office.string(), false, clock), "open");
    for (const auto& row : must(reference::current_procedures(store.db(), ""), "procedures")) {
      if (row.procedure.time_limit.main.kind != domain::LimitKind::kNone) keys.push_back(row.procedure.key);
    }
  }
  if (keys.empty()) die("procedures", Error::internal("no procedure with a time limit"));
  Generator sg(42);
  timings.push_back(measure("POST /receive (save)", warmup, requests, 303, [&](int i) {
    httplib::Params form{{"csrf", csrf},
                         {"procedure_search", ""},
                         {"procedure", keys[static_cast<size_t>(i) % keys.size()]},
                         {"applicant_name", sg.name()},
                         {"applicant_citizen_id", sg.citizen_id()},
                         {"submitter_name", ""},
                         {"phone", sg.phone()},
                         {"address", sg.address()},
                         {"channel", "1"},
                         {"due_at", ""},
                         {"refusal_reason", ""},
                         {"action", "receive"}};
    for (int n = 1; n <= 8; ++n) {
      const std::string k = std::to_string(n);
      const bool on = n <= 2;
      if (on) form.emplace("doc_on_" + k, "1");
      form.emplace("doc_name_" + k, on ? nfc(n == 1 ? "Tờ khai theo mẫu" : "Căn cước công dân") : "");
      form.emplace("doc_form_" + k, n == 1 ? "chinh" : "sao");
      form.emplace("doc_copies_" + k, "1");
    }
    Reply r = browser.post("/receive", form);
    if (r.status == 303 && r.location.rfind("/dossiers/", 0) != 0) r.status = 0;
    return r;
  }));
  ui.reset();
  const std::string load_after = load_average();

  // The report.
  std::printf("motcua-bench-ui: the clerk web UI over loopback HTTP (keep-alive), %d requests per page after %d "
              "warm-up\n",
              requests, warmup);
  std::printf("machine   %ld CPUs, %s\n", sysconf(_SC_NPROCESSORS_ONLN), cpu_model().c_str());
  std::printf("storage   %s (%s)\n", dir.string().c_str(), storage_of(dir).c_str());
  std::printf("load      %s before the requests, %s after (1, 5, 15 min)\n", load_before.c_str(), load_after.c_str());
  std::printf("office    unit %s (%s), %d dossiers: %d inserted in one transaction and folded, %d through "
              "receive()/set_status(); %lld documents, %lld events\n",
              set_up.unit_code.c_str(), set_up.unit_name.c_str(), gen.bulk + gen.through_api, gen.bulk, gen.through_api,
              static_cast<long long>(gen.documents), static_cast<long long>(gen.events));
  std::string statuses;
  for (const auto& [status, n] : gen.by_status) {
    statuses += (statuses.empty() ? "" : ", ") + std::to_string(status) + ": " + std::to_string(n);
  }
  std::printf("statuses  %s\n", statuses.c_str());
  std::printf("generated in %.1f s: bulk %.1f s (of which fold %.1f s, commit %.1f s), %d through the API %.1f s, "
              "checkpoint %.1f s\n",
              generation_seconds, gen.bulk_seconds, gen.fold_seconds, gen.commit_seconds, gen.through_api,
              gen.api_seconds, gen.checkpoint_seconds);
  std::printf("database  %s after generation; %s after the run\n", size_after_generation.c_str(), db_size(office).c_str());
  for (const Timing& t : timings) {
    const double max = *std::max_element(t.ms.begin(), t.ms.end());
    std::printf("page  %-32s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%zu requests, %6.1f KB each)\n",
                t.label.c_str(), percentile(t.ms, 0.50), percentile(t.ms, 0.99), max, t.ms.size(),
                static_cast<double>(t.bytes) / static_cast<double>(t.ms.size()) / 1024.0);
  }
  if (keep) {
    std::printf("kept      %s\n", dir.string().c_str());
  } else {
    remove_cleanup_dir();
  }
  return 0;
}
