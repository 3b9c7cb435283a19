#include "agent/dossiers.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "reference/reference.hpp"
#include "common/text.hpp"
#include "domain/due_date.hpp"
#include "schema/migrate.hpp"

namespace motcua::agent {

using namespace motcua::reference;

using nlohmann::json;
using domain::DossierStatus;

namespace {

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string default_actor() {
  for (const char* var : {"MOTCUA_ACTOR", "USER", "USERNAME"}) {
    const char* v = std::getenv(var);
    if (v && *v) return v;
  }
  return "unknown";
}

Result<std::string> clean_text(const std::string& raw, const char* what) {
  auto nfc = to_nfc(trim(raw));
  if (!nfc) return fail(std::move(nfc.error()).context(what));
  return *nfc;
}

json opt_instant(const std::optional<Instant>& t) { return t ? json(format_rfc3339_vn(*t)) : json(nullptr); }
json opt_instant(const std::optional<int64_t>& ms) { return ms ? json(format_rfc3339_vn(Instant{*ms})) : json(nullptr); }

const char* kDossierColumns =
    "id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, applicant_name, "
    "applicant_citizen_id, submitter_name, phone, address, channel, received_at, entered_at, due_at, due_rule, "
    "limit_kind, limit_hours, status, clock_suspect, hlc, origin_unit, actor";

Result<domain::CreationFact> creation_from_row(const sql::Stmt& st) {
  domain::CreationFact c;
  MOTCUA_ASSIGN_OR_RETURN(c.id, Id128::from_blob(st.blob(0)));
  c.code = st.text(1);
  c.receiving_unit = st.text(2);
  c.resolving_unit = st.text(3);
  c.holder_unit = st.text(4);
  c.received_at = Instant{st.int64(13)};
  if (auto d = st.opt_int64(15)) c.due_at = Instant{*d};
  c.status = static_cast<DossierStatus>(st.int64(19));
  c.hlc = Hlc{st.int64(21)};
  c.origin_unit = st.text(22);
  return c;
}

const char* kEventColumns = "id, kind, from_status, to_status, at, due_at, note, data, hlc, origin_unit, actor";

Result<domain::EventFact> event_from_row(const sql::Stmt& st) {
  domain::EventFact e;
  MOTCUA_ASSIGN_OR_RETURN(e.id, Id128::from_blob(st.blob(0)));
  MOTCUA_ASSIGN_OR_RETURN(e.kind, domain::parse_event_kind(st.text(1)));
  if (auto f = st.opt_int64(2); f && domain::is_valid_status(static_cast<int>(*f))) e.from_status = static_cast<DossierStatus>(*f);
  if (auto t = st.opt_int64(3); t && domain::is_valid_status(static_cast<int>(*t))) e.to_status = static_cast<DossierStatus>(*t);
  e.at = Instant{st.int64(4)};
  if (auto d = st.opt_int64(5)) e.due_at = Instant{*d};
  e.hlc = Hlc{st.int64(8)};
  e.note = st.text(6);
  e.origin_unit = st.text(9);
  e.actor = st.text(10);
  return e;
}

Result<std::vector<domain::EventFact>> load_events(sql::Db& db, const Id128& dossier_id) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(std::string("SELECT ") + kEventColumns +
                                                   " FROM dossier_event WHERE dossier_id = ?1"));
  st.bind(1, dossier_id.blob());
  std::vector<domain::EventFact> events;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    MOTCUA_ASSIGN_OR_RETURN(domain::EventFact e, event_from_row(st));
    events.push_back(std::move(e));
  }
  return events;
}

struct StateRow {
  Id128 dossier_id;
  std::string code;
  DossierStatus status;
  std::string holder_unit;
  std::string receiving_unit;
  std::optional<Instant> due_at;
  std::optional<Instant> paused_at;
};

Result<StateRow> find_by_code(sql::Db& db, const std::string& code) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT dossier_id, code, status, holder_unit, receiving_unit, due_at, paused_at FROM dossier_state "
      "WHERE code = ?1 LIMIT 2"));
  st.bind(1, code);
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) {
    return fail(Error::not_found("no dossier with code " + code + " in this office",
                                 "check the code on the receipt (Giấy tiếp nhận), e.g. 33.11953-260213-0001")
                    .vi("Không tìm thấy hồ sơ có mã " + code + "."));
  }
  StateRow r;
  MOTCUA_ASSIGN_OR_RETURN(r.dossier_id, Id128::from_blob(st.blob(0)));
  r.code = st.text(1);
  r.status = static_cast<DossierStatus>(st.int64(2));
  r.holder_unit = st.text(3);
  r.receiving_unit = st.text(4);
  if (auto d = st.opt_int64(5)) r.due_at = Instant{*d};
  if (auto p = st.opt_int64(6)) r.paused_at = Instant{*p};
  MOTCUA_ASSIGN_OR_RETURN(bool second, st.step());
  if (second) {
    return fail(Error::conflict("more than one dossier has code " + code,
                                "provincial IT must resolve the duplicate code; use the dossier id meanwhile"));
  }
  return r;
}

}  // namespace

Result<DocumentInput> parse_document_spec(const std::string& spec) {
  auto bad = [&](const std::string& why) {
    return fail(Error::invalid_input("document '" + spec + "': " + why,
                                     "write documents as \"Name:form:count\" with form chinh, sao or photo, e.g. \"Tờ khai:chinh:1\""));
  };
  MOTCUA_ASSIGN_OR_RETURN(std::string text, clean_text(spec, "document"));
  DocumentInput doc;
  auto last = text.rfind(':');
  if (last == std::string::npos) return bad("missing the form (chinh, sao or photo)");
  std::string tail = std::string(trim(text.substr(last + 1)));
  std::string head = text.substr(0, last);
  if (!tail.empty() && all_digits(tail)) {
    if (tail.size() > 4) return bad("count is too large");
    doc.copies = std::stoi(tail);
    if (doc.copies < 1) return bad("count must be at least 1");
    auto second = head.rfind(':');
    if (second == std::string::npos) return bad("missing the form (chinh, sao or photo)");
    tail = std::string(trim(head.substr(second + 1)));
    head = head.substr(0, second);
  }
  std::string form = fold_for_search(tail);
  if (form == "chinh" || form == "ban chinh") doc.form = "chinh";
  else if (form == "sao" || form == "ban sao") doc.form = "sao";
  else if (form == "photo" || form == "ban photo") doc.form = "photo";
  else return bad("form '" + tail + "' is not chinh, sao or photo");
  doc.name = std::string(trim(head));
  if (doc.name.empty()) return bad("the document has no name");
  return doc;
}

Status refresh_dossier_state(sql::Db& db, const Id128& dossier_id) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(std::string("SELECT ") + kDossierColumns +
                                                   " FROM dossier WHERE id = ?1"));
  st.bind(1, dossier_id.blob());
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return fail(Error::not_found("dossier " + dossier_id.hex() + " has no creation record"));
  MOTCUA_ASSIGN_OR_RETURN(domain::CreationFact creation, creation_from_row(st));
  const std::string procedure_key = st.text(5), applicant = st.text(7), citizen = st.text(8);
  MOTCUA_ASSIGN_OR_RETURN(auto events, load_events(db, dossier_id));
  domain::DossierState s = domain::fold_dossier(creation, std::move(events));

  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt up, db.prepare(
      "INSERT OR REPLACE INTO dossier_state(dossier_id, code, status, holder_unit, receiving_unit, resolving_unit, "
      "procedure_key, applicant_name, applicant_citizen_id, received_at, due_at, paused_at, resolved_at, returned_at, "
      "supplement_count, event_count, last_hlc, search_text) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"));
  auto ms = [](const std::optional<Instant>& t) { return t ? std::optional<int64_t>(t->ms) : std::nullopt; };
  up.bind(1, dossier_id.blob()).bind(2, creation.code).bind(3, static_cast<int>(s.status)).bind(4, s.holder_unit)
      .bind(5, creation.receiving_unit).bind(6, creation.resolving_unit).bind(7, procedure_key).bind(8, applicant)
      .bind(9, citizen).bind(10, creation.received_at.ms).bind(11, ms(s.due_at)).bind(12, ms(s.paused_at))
      .bind(13, ms(s.resolved_at)).bind(14, ms(s.returned_at)).bind(15, s.supplement_count).bind(16, s.event_count)
      .bind(17, s.last_hlc.value).bind(18, fold_for_search(applicant + " " + creation.code + " " + citizen));
  return up.run();
}

Result<ReceiveResult> receive(Store& store, const ReceiveRequest& req) {
  MOTCUA_ASSIGN_OR_RETURN(std::string unit_code, store.unit_code());
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(domain::Unit unit, load_unit(db, unit_code));

  MOTCUA_ASSIGN_OR_RETURN(std::string applicant, clean_text(req.applicant, "applicant"));
  if (applicant.empty()) {
    return fail(Error::invalid_input("the applicant's name is empty", "pass --applicant \"Full name\"")
                    .vi("Chưa nhập họ tên chủ hồ sơ."));
  }
  std::string citizen_id = std::string(trim(req.citizen_id));
  if (citizen_id.size() != 12 || !all_digits(citizen_id)) {
    return fail(Error::invalid_input("citizen id '" + citizen_id + "' is not 12 digits",
                                     "a CCCD number has exactly 12 digits, leading zeros included (e.g. 033198001234)")
                    .vi("Số CCCD phải gồm đúng 12 chữ số."));
  }
  std::string phone = std::string(trim(req.phone));
  if (!phone.empty() && (phone.size() != 10 || phone[0] != '0' || !all_digits(phone))) {
    return fail(Error::invalid_input("phone '" + phone + "' is not a 10-digit number starting with 0",
                                     "write the phone as 10 digits, e.g. 0912345678, or leave it out")
                    .vi("Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0."));
  }
  if (req.channel < 1 || req.channel > 3) {
    return fail(Error::invalid_input("channel " + std::to_string(req.channel) + " is not 1, 2 or 3",
                                     "1 = in person (trực tiếp), 2 = online (trực tuyến), 3 = post (bưu chính)"));
  }
  MOTCUA_ASSIGN_OR_RETURN(std::string submitter, clean_text(req.submitter, "submitter"));
  MOTCUA_ASSIGN_OR_RETURN(std::string address, clean_text(req.address, "address"));
  std::string actor = req.actor.empty() ? default_actor() : req.actor;
  MOTCUA_ASSIGN_OR_RETURN(actor, clean_text(actor, "actor"));
  std::vector<DocumentInput> documents;
  for (const auto& d : req.documents) {
    DocumentInput doc = d;
    MOTCUA_ASSIGN_OR_RETURN(doc.name, clean_text(d.name, "document name"));
    if (doc.name.empty() || doc.copies < 1 || (doc.form != "chinh" && doc.form != "sao" && doc.form != "photo")) {
      return fail(Error::invalid_input("document '" + d.name + "' needs a name, a form (chinh, sao, photo) and a count ≥ 1"));
    }
    documents.push_back(std::move(doc));
  }

  MOTCUA_ASSIGN_OR_RETURN(ProcedureRow proc, find_current_procedure(db, std::string(trim(req.procedure))));

  const Instant now = whole_second(store.clock().now());
  const Instant received_at = req.received_at.value_or(now);
  if (received_at > now) {
    return fail(Error::invalid_input("received-at " + format_rfc3339_vn(received_at) + " is in the future (now " +
                                         format_rfc3339_vn(now) + ")",
                                     "--received-at is for dossiers received earlier on paper; check the date and the PC clock")
                    .vi("Thời điểm tiếp nhận không thể ở tương lai."));
  }

  std::optional<Instant> due_at;
  std::string due_rule;
  const domain::TimeLimit& limit = proc.procedure.time_limit.main;
  if (req.due_at && req.no_due_date) {
    return fail(Error::invalid_input("--due-at and --no-due-date contradict each other", "pass only one of them"));
  }
  if (req.due_at) {
    if (*req.due_at < received_at) {
      return fail(Error::invalid_input("the appointment " + format_rfc3339_vn(*req.due_at) + " is before the receipt " +
                                       format_rfc3339_vn(received_at))
                      .vi("Ngày hẹn trả không thể trước thời điểm tiếp nhận."));
    }
    due_at = req.due_at;
    due_rule = "manual";
  } else if (req.no_due_date) {
    due_rule = "none";
  } else if (limit.kind == domain::LimitKind::kNone) {
    return fail(Error::invalid_input(
                    "procedure " + proc.procedure.key + " has no usable time limit in the catalogue (published text: \"" +
                        proc.procedure.time_limit_text + "\")",
                    "set the appointment with --due-at 2026-03-10T17:00:00+07:00, or record --no-due-date")
                    .vi("Thủ tục này không có thời hạn giải quyết xác định: hãy nhập ngày hẹn trả hoặc chọn "
                        "\"không có ngày hẹn trả\"."));
  } else {
    MOTCUA_ASSIGN_OR_RETURN(domain::Calendar calendar, load_calendar(db));
    due_at = domain::compute_due(received_at, limit, calendar);
    due_rule = "computed";
  }

  const Date day = vn_date(received_at);
  char day_text[8];
  std::snprintf(day_text, sizeof day_text, "%02d%02d%02d", day.year % 100, day.month, day.day);

  ReceiveResult result;
  result.id = Id128::random();
  result.received_at = received_at;
  result.due_at = due_at;
  result.due_rule = due_rule;

  MOTCUA_TRY(store.write_captured([&](sql::Db& tx) -> Status {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt counter, tx.prepare(
        "INSERT INTO dossier_counter(unit, day, last) VALUES (?1, ?2, 1) "
        "ON CONFLICT(unit, day) DO UPDATE SET last = last + 1 RETURNING last"));
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt exists, tx.prepare("SELECT 1 FROM dossier WHERE code = ?1"));
    while (true) {
      counter.bind(1, unit_code).bind(2, std::string(day_text));
      MOTCUA_ASSIGN_OR_RETURN(bool row, counter.step());
      if (!row) return fail(Error::internal("dossier counter returned no value"));
      int64_t n = counter.int64(0);
      MOTCUA_TRY(counter.reset());
      char number[24];
      std::snprintf(number, sizeof number, "%04lld", static_cast<long long>(n));
      result.code = unit.agency_id + "-" + day_text + "-" + number;
      exists.bind(1, result.code);
      MOTCUA_ASSIGN_OR_RETURN(bool taken, exists.step());
      MOTCUA_TRY(exists.reset());
      if (!taken) break;  // a code seen from elsewhere is skipped, never reused
    }
    MOTCUA_ASSIGN_OR_RETURN(Hlc hlc, store.next_hlc());
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, tx.prepare(std::string("INSERT INTO dossier(") + kDossierColumns +
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"));
    const char* kind = limit.kind == domain::LimitKind::kWorkingHours ? "hours"
                       : limit.kind == domain::LimitKind::kSameDay    ? "same_day"
                       : limit.kind == domain::LimitKind::kSameDay15h ? "same_day_15h"
                                                                      : "none";
    ins.bind(1, result.id.blob()).bind(2, result.code).bind(3, unit_code).bind(4, unit_code).bind(5, unit_code)
        .bind(6, proc.procedure.key).bind(7, proc.version).bind(8, applicant).bind(9, citizen_id)
        .bind(10, submitter).bind(11, phone).bind(12, address).bind(13, req.channel).bind(14, received_at.ms)
        .bind(15, now.ms).bind(16, due_at ? std::optional<int64_t>(due_at->ms) : std::nullopt).bind(17, due_rule)
        .bind(18, kind)
        .bind(19, limit.kind == domain::LimitKind::kWorkingHours ? std::optional<int64_t>(limit.hours) : std::nullopt)
        .bind(20, static_cast<int>(DossierStatus::kReceived)).bind(21, 0).bind(22, hlc.value).bind(23, unit_code)
        .bind(24, actor);
    MOTCUA_TRY(ins.run());
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt doc, tx.prepare(
        "INSERT INTO dossier_document(id, dossier_id, position, name, form, copies, hlc, origin_unit) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    for (size_t i = 0; i < documents.size(); ++i) {
      doc.bind(1, Id128::random().blob()).bind(2, result.id.blob()).bind(3, static_cast<int64_t>(i + 1))
          .bind(4, documents[i].name).bind(5, documents[i].form).bind(6, documents[i].copies).bind(7, hlc.value)
          .bind(8, unit_code);
      MOTCUA_TRY(doc.run());
    }
    return refresh_dossier_state(tx, result.id);
  }));
  return result;
}

Result<SetStatusResult> set_status(Store& store, const SetStatusRequest& req) {
  MOTCUA_ASSIGN_OR_RETURN(std::string unit_code, store.unit_code());
  if (!domain::is_valid_status(req.status)) {
    return fail(Error::invalid_input("status " + std::to_string(req.status) + " is not a dossier status",
                                     "statuses are the national codes 1-10; set-status takes 4, 5, 6, 7, 8, 9 or 10"));
  }
  MOTCUA_ASSIGN_OR_RETURN(std::string note, clean_text(req.note, "note"));
  std::string actor = req.actor.empty() ? default_actor() : req.actor;
  MOTCUA_ASSIGN_OR_RETURN(actor, clean_text(actor, "actor"));
  const DossierStatus to = static_cast<DossierStatus>(req.status);

  SetStatusResult result;
  MOTCUA_TRY(store.write_captured([&](sql::Db& tx) -> Status {
    MOTCUA_ASSIGN_OR_RETURN(StateRow cur, find_by_code(tx, std::string(trim(req.code))));
    if (!domain::is_legal_transition(cur.status, to)) return fail(domain::illegal_transition_error(cur.code, cur.status, to));
    const bool counter_action = to == DossierStatus::kWithdrawn || to == DossierStatus::kReturned;
    if (cur.holder_unit != unit_code && !(counter_action && cur.receiving_unit == unit_code)) {
      return fail(Error::conflict("dossier " + cur.code + " is held by unit " + cur.holder_unit + ", not this office",
                                  "only the holder changes a dossier's processing status")
                      .vi("Hồ sơ " + cur.code + " đang do đơn vị " + cur.holder_unit + " xử lý."));
    }
    const Instant now = whole_second(store.clock().now());
    std::optional<Instant> new_due;
    if (cur.status == DossierStatus::kSupplement && to == DossierStatus::kProcessing && cur.due_at && cur.paused_at) {
      MOTCUA_ASSIGN_OR_RETURN(domain::Calendar calendar, load_calendar(tx));
      new_due = domain::resume_due(*cur.due_at, *cur.paused_at, now, calendar);
    }
    MOTCUA_ASSIGN_OR_RETURN(Hlc hlc, store.next_hlc());
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, tx.prepare(
        "INSERT INTO dossier_event(id, dossier_id, kind, from_status, to_status, at, due_at, note, data, hlc, "
        "origin_unit, actor) VALUES (?1, ?2, 'status', ?3, ?4, ?5, ?6, ?7, '{}', ?8, ?9, ?10)"));
    ins.bind(1, Id128::random().blob()).bind(2, cur.dossier_id.blob()).bind(3, static_cast<int>(cur.status))
        .bind(4, static_cast<int>(to)).bind(5, now.ms)
        .bind(6, new_due ? std::optional<int64_t>(new_due->ms) : std::nullopt).bind(7, note).bind(8, hlc.value)
        .bind(9, unit_code).bind(10, actor);
    MOTCUA_TRY(ins.run());
    MOTCUA_TRY(refresh_dossier_state(tx, cur.dossier_id));
    result.code = cur.code;
    result.from = cur.status;
    result.to = to;
    result.due_at = new_due ? new_due : cur.due_at;
    return ok();
  }));
  return result;
}

Result<json> show_dossier(Store& store, const std::string& code) {
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(StateRow cur, find_by_code(db, std::string(trim(code))));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(std::string("SELECT ") + kDossierColumns + " FROM dossier WHERE id = ?1"));
  st.bind(1, cur.dossier_id.blob());
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return fail(Error::corruption("dossier " + code + " has state but no creation record", "rebuild the derived state"));
  MOTCUA_ASSIGN_OR_RETURN(domain::CreationFact creation, creation_from_row(st));

  json proc = {{"key", st.text(5)}, {"version", st.int64(6)}};
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt p, db.prepare("SELECT national_code, name, time_limit_text FROM procedure WHERE key = ?1 AND version = ?2"));
  p.bind(1, st.text(5)).bind(2, st.int64(6));
  MOTCUA_ASSIGN_OR_RETURN(bool has_proc, p.step());
  if (has_proc) {
    proc["national_code"] = p.is_null(0) ? json(nullptr) : json(p.text(0));
    proc["name"] = p.text(1);
    proc["time_limit_text"] = p.text(2);
  }
  json out = {
      {"id", creation.id.hex()},
      {"code", creation.code},
      {"procedure", proc},
      {"applicant", {{"name", st.text(7)}, {"citizen_id", st.text(8)}}},
      {"submitter", st.text(9)},
      {"phone", st.text(10)},
      {"address", st.text(11)},
      {"channel", st.int64(12)},
      {"received_at", format_rfc3339_vn(Instant{st.int64(13)})},
      {"entered_at", format_rfc3339_vn(Instant{st.int64(14)})},
      {"due_rule", st.text(16)},
      {"appointment_at", opt_instant(st.opt_int64(15))},
      {"receiving_unit", creation.receiving_unit},
      {"resolving_unit", creation.resolving_unit},
      {"actor", st.text(23)},
      {"clock_suspect", st.int64(20) != 0},
  };

  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt docs, db.prepare(
      "SELECT position, name, form, copies FROM dossier_document WHERE dossier_id = ?1 ORDER BY position"));
  docs.bind(1, cur.dossier_id.blob());
  json doc_list = json::array();
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool r, docs.step());
    if (!r) break;
    doc_list.push_back({{"position", docs.int64(0)}, {"name", docs.text(1)}, {"form", docs.text(2)}, {"copies", docs.int64(3)}});
  }
  out["documents"] = doc_list;

  MOTCUA_ASSIGN_OR_RETURN(auto events, load_events(db, cur.dossier_id));
  domain::DossierState state = domain::fold_dossier(creation, events);
  std::sort(events.begin(), events.end(), domain::event_before);
  json ev_list = json::array();
  for (const auto& e : events) {
    json ej = {{"id", e.id.hex()}, {"kind", domain::event_kind_name(e.kind)},
               {"from_status", e.from_status ? json(static_cast<int>(*e.from_status)) : json(nullptr)},
               {"to_status", e.to_status ? json(static_cast<int>(*e.to_status)) : json(nullptr)},
               {"at", format_rfc3339_vn(e.at)}, {"due_at", opt_instant(e.due_at)}, {"note", e.note},
               {"actor", e.actor}, {"origin_unit", e.origin_unit}, {"hlc", e.hlc.value}};
    ej["applied"] = true;
    for (const auto& rej : state.rejected) {
      if (rej.event_id == e.id) {
        ej["applied"] = false;
        ej["rejected_reason"] = rej.reason;
      }
    }
    ev_list.push_back(std::move(ej));
  }
  out["events"] = ev_list;
  out["status"] = static_cast<int>(state.status);
  out["status_name"] = domain::status_name_vi(state.status);
  out["holder_unit"] = state.holder_unit;
  out["due_at"] = opt_instant(state.due_at);
  out["paused_at"] = opt_instant(state.paused_at);
  out["resolved_at"] = opt_instant(state.resolved_at);
  out["returned_at"] = opt_instant(state.returned_at);
  out["supplement_count"] = state.supplement_count;
  return out;
}

Result<json> list_dossiers(Store& store, const ListFilter& filter) {
  sql::Db& db = store.db();
  MOTCUA_TRY(store.unit_code().map([](auto&&) {}));
  if (filter.status && !domain::is_valid_status(*filter.status)) {
    return fail(Error::invalid_input("status " + std::to_string(*filter.status) + " is not a dossier status",
                                     "statuses are the national codes 1-10"));
  }
  if (filter.limit < 1) return fail(Error::invalid_input("--limit must be at least 1"));
  std::string where = filter.status ? " WHERE status = ?1" : "";
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT code, status, applicant_name, procedure_key, received_at, due_at, holder_unit FROM dossier_state" + where +
      " ORDER BY due_at IS NULL, due_at, code LIMIT " + std::to_string(filter.limit)));
  if (filter.status) st.bind(1, *filter.status);
  json list = json::array();
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    int status = static_cast<int>(st.int64(1));
    list.push_back({{"code", st.text(0)}, {"status", status},
                    {"status_name", domain::status_name_vi(static_cast<DossierStatus>(status))},
                    {"applicant_name", st.text(2)}, {"procedure", st.text(3)},
                    {"received_at", format_rfc3339_vn(Instant{st.int64(4)})}, {"due_at", opt_instant(st.opt_int64(5))},
                    {"holder_unit", st.text(6)}});
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt count, db.prepare("SELECT count(*) FROM dossier_state" + where));
  if (filter.status) count.bind(1, *filter.status);
  MOTCUA_ASSIGN_OR_RETURN(bool crow, count.step());
  (void)crow;
  return json{{"dossiers", list}, {"total", count.int64(0)}, {"limit", filter.limit}};
}

Result<json> office_status(Store& store) {
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(std::string unit_code, store.unit_code());
  MOTCUA_ASSIGN_OR_RETURN(domain::Unit unit, load_unit(db, unit_code));
  MOTCUA_ASSIGN_OR_RETURN(auto dossiers, sql::query_int64(db, "SELECT count(*) FROM dossier_state"));
  MOTCUA_ASSIGN_OR_RETURN(auto pending, sql::query_int64(db, "SELECT count(*) FROM outbox WHERE state = 'pending'"));
  MOTCUA_ASSIGN_OR_RETURN(auto oldest, sql::query_int64(db, "SELECT min(created_at) FROM outbox WHERE state = 'pending'"));
  MOTCUA_ASSIGN_OR_RETURN(auto procedures, sql::query_int64(db,
      "SELECT count(*) FROM procedure p WHERE version = (SELECT max(version) FROM procedure q WHERE q.key = p.key) "
      "AND abolished = 0"));
  MOTCUA_ASSIGN_OR_RETURN(auto catalog_version, current_catalog_version(db));
  MOTCUA_ASSIGN_OR_RETURN(auto calendar_version, current_calendar_version(db));
  MOTCUA_ASSIGN_OR_RETURN(int schema_version, schema::current_version(db));
  MOTCUA_ASSIGN_OR_RETURN(auto dictionary, sql::query_int64(db,
      "SELECT id FROM compression_dictionary ORDER BY version DESC LIMIT 1"));
  MOTCUA_ASSIGN_OR_RETURN(auto agent_id, store.get_meta("agent_id"));
  MOTCUA_ASSIGN_OR_RETURN(auto hub_url, store.get_meta("hub_url"));
  MOTCUA_ASSIGN_OR_RETURN(auto last_sync, store.get_meta("last_sync_at"));
  MOTCUA_ASSIGN_OR_RETURN(auto offset, store.get_meta("hub_clock_offset_ms"));
  MOTCUA_ASSIGN_OR_RETURN(auto last_attempt, store.get_meta("last_attempt_at"));
  MOTCUA_ASSIGN_OR_RETURN(auto upload_ok, store.get_meta("last_upload_ok_at"));
  MOTCUA_ASSIGN_OR_RETURN(auto feed_ok, store.get_meta("last_feed_ok_at"));
  MOTCUA_ASSIGN_OR_RETURN(auto error_at, store.get_meta("last_error_at"));
  MOTCUA_ASSIGN_OR_RETURN(auto error_code, store.get_meta("last_error_code"));
  MOTCUA_ASSIGN_OR_RETURN(auto error_message, store.get_meta("last_error"));
  auto instant_of = [](const std::optional<std::string>& ms) -> std::optional<int64_t> {
    if (!ms) return std::nullopt;
    int64_t v = 0;
    const auto [p, ec] = std::from_chars(ms->data(), ms->data() + ms->size(), v);
    if (ec != std::errc() || p != ms->data() + ms->size()) return std::nullopt;
    return v;
  };
  const auto last_ok_ms = instant_of(last_sync), error_ms = instant_of(error_at);
  json last_error = nullptr;
  if (error_ms) {
    last_error = {{"code", error_code.value_or("internal")},
                  {"message", error_message.value_or("")},
                  {"at", format_rfc3339_vn(Instant{*error_ms})},
                  // true while no sync has succeeded since: the office is not in step with the hub
                  {"current", !last_ok_ms || *last_ok_ms < *error_ms}};
  }
  return json{{"unit", unit.code},
              {"enrolled", agent_id.has_value()},
              {"agent_id", agent_id ? json(*agent_id) : json(nullptr)},
              {"hub", hub_url ? json(*hub_url) : json(nullptr)},
              {"last_sync_ok_at", opt_instant(last_ok_ms)},
              {"last_attempt_at", opt_instant(instant_of(last_attempt))},
              {"last_upload_ok_at", opt_instant(instant_of(upload_ok))},
              {"last_feed_ok_at", opt_instant(instant_of(feed_ok))},
              {"last_error", last_error},
              {"clock_offset_ms", offset ? json(instant_of(offset).value_or(0)) : json(nullptr)},
              {"unit_name", unit.name},
              {"agency_id", unit.agency_id},
              {"dossiers", dossiers.value_or(0)},
              {"pending_changes", pending.value_or(0)},
              {"oldest_pending_at", opt_instant(oldest)},
              {"catalog_version", catalog_version ? json(*catalog_version) : json(nullptr)},
              {"procedures", procedures.value_or(0)},
              {"calendar_version", calendar_version ? json(*calendar_version) : json(nullptr)},
              {"schema_version", schema_version},
              // the hub's dictionary new batches are compressed with (PROTOCOL.md 4.1); null: plain zstd
              {"compression_dictionary", dictionary ? json(*dictionary) : json(nullptr)},
              {"data_dir", store.data_dir()}};
}

}  // namespace motcua::agent
