#include "bench/office_dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "bench/bench_support.hpp"
#include "common/hlc.hpp"
#include "common/id.hpp"
#include "common/text.hpp"
#include "domain/due_date.hpp"
#include "facts/dossier_store.hpp"

namespace motcua::bench {

namespace fs = std::filesystem;
using domain::DossierStatus;

namespace {

Clk::time_point g_deadline = Clk::now() + std::chrono::hours(3);
int64_t g_limit_seconds = 3 * 3600;

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

// The working-time duration of `hours` (fraction allowed) in ms.
int64_t hours_ms(double hours) { return static_cast<int64_t>(hours * static_cast<double>(kMsPerHour)); }

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

}  // namespace

void set_run_limit(int64_t seconds) {
  g_limit_seconds = seconds;
  g_deadline = Clk::now() + std::chrono::seconds(seconds);
}

void check_deadline(const char* where) {
  if (Clk::now() > g_deadline) {
    die(where, Error::unavailable("the benchmark ran over " + std::to_string(g_limit_seconds) + " s"));
  }
}

void check(const Status& s, const std::string& what) {
  if (!s) die(what, s.error());
}

double seconds_since(Clk::time_point t0) { return std::chrono::duration<double>(Clk::now() - t0).count(); }

std::string nfc(const std::string& s) { return must(to_nfc(s), "NFC"); }

Generator::Generator(uint32_t seed) : m_rng(seed) {
  for (const auto& [name, weight] : kFamily) m_family_total += weight;
}

std::string Generator::name() {
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
std::string Generator::citizen_id() {
  static const char* const provinces[] = {"033", "033", "033", "033", "001", "030", "034", "036", "035"};
  const int year = uniform(1945, 2008);
  const int century_sex = (year >= 2000 ? 2 : 0) + uniform(0, 1);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%d%02d%06d", pick(provinces), century_sex, year % 100, uniform(0, 999999));
  return buf;
}

Person Generator::person() {
  if (!m_people.empty() && chance(0.2)) return m_people[static_cast<size_t>(uniform64(0, static_cast<int64_t>(m_people.size()) - 1))];
  Person p{name(), citizen_id()};
  if (m_people.size() < 200000) m_people.push_back(p);
  return p;
}

std::string Generator::phone() {
  static const char* const prefixes[] = {"09", "03", "08", "07"};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%08d", pick(prefixes), uniform(0, 99999999));
  return buf;
}

std::string Generator::address() {
  if (chance(0.5)) return nfc("Số " + std::to_string(uniform(1, 250)) + ", đường " + pick(kStreets) + ", phường Phố Hiến, tỉnh Hưng Yên");
  return nfc(std::string(pick(kVillages)) + ", phường Phố Hiến, tỉnh Hưng Yên");
}

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

std::vector<Instant> receipt_instants(Generator& g, const domain::Calendar& cal, int n, Instant now) {
  std::vector<int64_t> days;
  const int64_t last = days_from_date(vn_date(now));
  for (int64_t d = days_from_date(kOfficeFirstDay); d <= last; ++d) {
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
  std::map<std::string, int64_t>& counter = out.day_counter;  // day -> last number, across calls
  std::map<std::string, int64_t> touched;                       // the days this call numbered
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
    touched[day] = counter[day];
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
  for (const auto& [day, last] : touched) {
    up.bind(1, unit).bind(2, day).bind(3, last);
    check(up.run(), "counter");
    check(up.reset(), "reset");
  }
  check(store.observe_hlc(max_hlc), "hlc");
  const double before_commit = seconds_since(t0);
  const auto c0 = Clk::now();
  check(tx.commit(), "commit");
  const double commit = seconds_since(c0);
  out.bulk_seconds += before_commit + commit;
  out.fold_seconds += fold;
  out.commit_seconds += commit;
  out.bulk += static_cast<int>(plans.size());
}

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
  out.api_seconds += seconds_since(t0);
  out.through_api += static_cast<int>(plans.size());
}

Catalogue load_catalogue(agent::Store& store) {
  Catalogue cat;
  for (auto& row : must(reference::current_procedures(store.db(), ""), "procedures")) {
    cat.procedures.push_back(std::move(row));
    // Civil status and residence matters dominate a commune's counter; the rest are rarer.
    const std::string& field = cat.procedures.back().procedure.field;
    cat.weights.push_back(field.find(nfc("Hộ tịch")) != std::string::npos ? 12
                          : field.find(nfc("Chứng thực")) != std::string::npos ? 8 : 2);
  }
  if (cat.procedures.empty()) die("catalogue", Error::internal("no procedure"));
  return cat;
}

GeneratedOffice generate_office(const OfficeOptions& options, ManualClock& clock) {
  GeneratedOffice out;
  const Instant now = must(parse_rfc3339(kOfficeNow), "now");
  clock.set(now);
  const auto g0 = Clk::now();
  agent::InitRequest init;
  init.data_dir = options.data_dir;
  init.unit_code = kOfficeUnit;
  init.catalog_path = std::string(MOTCUA_SOURCE_DIR) + "/data/tthc-commune-sample.csv";
  init.calendar_path = std::string(MOTCUA_SOURCE_DIR) + "/data/holidays-vn.csv";
  out.set_up = must(agent::init_office(init, clock), "init");
  Generated& gen = out.gen;
  {
    auto store = must(agent::Store::open(options.data_dir, false, clock), "open");
    const Catalogue cat = load_catalogue(store);
    const domain::Calendar cal = must(reference::load_calendar(store.db()), "calendar");
    Generator g(options.seed);
    const std::vector<Instant> receipts = receipt_instants(g, cal, options.dossiers, now);
    const size_t api = std::min<size_t>(300, receipts.size() / 10);
    const size_t bulk = receipts.size() - api;
    std::vector<Plan> recent;
    if (options.chunk <= 0) {
      std::vector<Plan> plans;
      plans.reserve(receipts.size());
      for (size_t i = 0; i < receipts.size(); ++i) {
        if (i % 1000 == 0) check_deadline("plans");
        plans.push_back(plan_dossier(g, cat, cal, receipts[i], now));
      }
      recent.assign(std::make_move_iterator(plans.begin() + static_cast<std::ptrdiff_t>(bulk)),
                    std::make_move_iterator(plans.end()));
      plans.resize(bulk);
      insert_bulk(store, plans, cat, out.set_up.unit_code, out.set_up.agency_id, g, gen);
    } else {
      const size_t chunk = static_cast<size_t>(options.chunk);
      std::vector<Plan> plans;
      for (size_t first = 0; first < bulk; first += chunk) {
        const size_t last = std::min(bulk, first + chunk);
        plans.clear();
        for (size_t i = first; i < last; ++i) {
          if (i % 1000 == 0) check_deadline("plans");
          plans.push_back(plan_dossier(g, cat, cal, receipts[i], now));
        }
        insert_bulk(store, plans, cat, out.set_up.unit_code, out.set_up.agency_id, g, gen);
        std::fprintf(stderr, "%s: %zu of %zu dossiers inserted, %.0f s\n", g_program, last, receipts.size(),
                     seconds_since(g0));
      }
      for (size_t i = bulk; i < receipts.size(); ++i) recent.push_back(plan_dossier(g, cat, cal, receipts[i], now));
    }
    if (!recent.empty()) {
      clock.set(recent.front().received_at);
      through_api(store, clock, recent, cat, gen);
    }
    clock.set(now);
    const auto c0 = Clk::now();
    check(store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
    gen.checkpoint_seconds = seconds_since(c0);
  }
  out.seconds = seconds_since(g0);
  return out;
}

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

namespace {

// The /proc/mounts line of the mount holding `path`: {device, point, type}.
struct Mount {
  std::string device, point, type;
};
std::optional<Mount> mount_of(const fs::path& path) {
  std::error_code ec;
  const std::string p = fs::weakly_canonical(path, ec).string();
  std::ifstream in("/proc/mounts");
  std::optional<Mount> best;
  for (std::string dev, point, type, rest; in >> dev >> point >> type && std::getline(in, rest);) {
    const bool prefix = p == point || (p.rfind(point, 0) == 0 && (point == "/" || p[point.size()] == '/'));
    if (prefix && (!best || point.size() >= best->point.size())) best = Mount{dev, point, type};
  }
  return best;
}

}  // namespace

std::string storage_of(const fs::path& path) {
  const auto m = mount_of(path);
  return m ? m->device + " on " + m->point + " type " + m->type : std::string("unknown");
}

std::string fs_type_of(const fs::path& path) {
  const auto m = mount_of(path);
  return m ? m->type : std::string("unknown");
}

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

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  if (rank < 1) rank = 1;
  return v[std::min(rank, v.size()) - 1];
}

bool parse_int(const char* text, int lo, int hi, int& out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) return false;
  out = static_cast<int>(v);
  return true;
}

}  // namespace motcua::bench
