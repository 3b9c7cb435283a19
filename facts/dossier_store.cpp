#include "facts/dossier_store.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common/text.hpp"
#include "domain/due_date.hpp"
#include "domain/units.hpp"
#include "reference/reference.hpp"

namespace motcua::facts {

using domain::DossierStatus;
using nlohmann::json;

namespace {

const char* kDossierColumns =
    "id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, received_at, due_at, status, hlc, "
    "origin_unit, applicant_name, applicant_citizen_id, submitter_name, phone, address";

Result<LoadedDossier> creation_from_row(const sql::Stmt& st) {
  LoadedDossier d;
  domain::CreationFact& c = d.creation;
  MOTCUA_ASSIGN_OR_RETURN(c.id, Id128::from_blob(st.blob(0)));
  c.code = st.text(1);
  c.receiving_unit = st.text(2);
  c.resolving_unit = st.text(3);
  c.holder_unit = st.text(4);
  d.procedure_key = st.text(5);
  c.received_at = Instant{st.int64(6)};
  if (auto due = st.opt_int64(7)) c.due_at = Instant{*due};
  c.status = static_cast<DossierStatus>(st.int64(8));
  c.hlc = Hlc{st.int64(9)};
  c.origin_unit = st.text(10);
  c.applicant_name = st.text(11);
  c.applicant_citizen_id = st.text(12);
  c.submitter_name = st.text(13);
  c.phone = st.text(14);
  c.address = st.text(15);
  return d;
}

const char* kEventColumns = "id, kind, from_status, to_status, at, due_at, note, data, hlc, origin_unit, actor";

Result<domain::EventFact> event_from_row(const sql::Stmt& st) {
  domain::EventFact e;
  MOTCUA_ASSIGN_OR_RETURN(e.id, Id128::from_blob(st.blob(0)));
  MOTCUA_ASSIGN_OR_RETURN(e.kind, domain::parse_event_kind(st.text(1)));
  if (auto f = st.opt_int64(2); f && domain::is_valid_status(static_cast<int>(*f)))
    e.from_status = static_cast<DossierStatus>(*f);
  if (auto t = st.opt_int64(3); t && domain::is_valid_status(static_cast<int>(*t)))
    e.to_status = static_cast<DossierStatus>(*t);
  e.at = Instant{st.int64(4)};
  if (auto due = st.opt_int64(5)) e.due_at = Instant{*due};
  e.note = st.text(6);
  auto parsed = domain::parse_event_data(st.text(7), e);
  if (!parsed) return fail(Error::corruption(parsed.error().message));
  e.hlc = Hlc{st.int64(8)};
  e.origin_unit = st.text(9);
  e.actor = st.text(10);
  return e;
}

std::optional<int64_t> ms_of(const std::optional<Instant>& t) {
  return t ? std::optional<int64_t>(t->ms) : std::nullopt;
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

struct Current {
  LoadedDossier dossier;
  domain::DossierState state;
};

Result<Current> load_current(sql::Db& db, const std::string& code) {
  MOTCUA_ASSIGN_OR_RETURN(Id128 id, find_dossier_by_code(db, code));
  MOTCUA_ASSIGN_OR_RETURN(auto loaded, load_dossier(db, id));
  if (!loaded) return fail(Error::corruption("dossier " + code + " has state but no creation record"));
  Current c{std::move(*loaded), {}};
  c.state = domain::fold_dossier(c.dossier.creation, c.dossier.events);
  return c;
}

Error not_holder(const std::string& code, const std::string& holder) {
  return Error::conflict("dossier " + code + " is held by unit " + holder + ", not this unit",
                         "only the holder changes a dossier's processing; the receiving unit may record a "
                         "supplement received (5→4), the result returned (9→10) or a withdrawal (→7)")
      .vi("Hồ sơ " + code + " đang do đơn vị " + holder + " xử lý.");
}

Status insert_event(sql::Db& tx, const Actor& actor, const Id128& dossier_id, const domain::EventFact& e) {
  MOTCUA_ASSIGN_OR_RETURN(
      sql::Stmt ins,
      tx.prepare("INSERT INTO dossier_event(id, dossier_id, kind, from_status, to_status, at, due_at, note, data, hlc, "
                 "origin_unit, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  auto status_of = [](const std::optional<DossierStatus>& s) {
    return s ? std::optional<int64_t>(static_cast<int64_t>(*s)) : std::nullopt;
  };
  ins.bind(1, e.id.blob())
      .bind(2, dossier_id.blob())
      .bind(3, domain::event_kind_name(e.kind))
      .bind(4, status_of(e.from_status))
      .bind(5, status_of(e.to_status))
      .bind(6, actor.at.ms)
      .bind(7, ms_of(e.due_at))
      .bind(8, e.note)
      .bind(9, domain::event_data_json(e))
      .bind(10, actor.hlc.value)
      .bind(11, actor.unit)
      .bind(12, actor.name);
  return ins.run();
}

Result<std::string> clean_actor(const Actor& actor) {
  MOTCUA_ASSIGN_OR_RETURN(std::string name, clean_text(actor.name, "actor"));
  if (name.empty()) return fail(Error::invalid_input("the action has no actor", "say who acts (--actor NAME)"));
  return name;
}

}  // namespace

size_t max_text_bytes(std::string_view table, std::string_view column) {
  if (table == "dossier_event" && column == "data") return kMaxEventDataBytes;
  if (column == "note") return kMaxNoteBytes;
  return kMaxTextBytes;
}

Result<std::string> clean_text(const std::string& raw, const char* what, size_t max_bytes) {
  auto nfc = to_nfc(trim(raw));
  if (!nfc) return fail(std::move(nfc.error()).context(what).vi("Nội dung nhập có ký tự không hợp lệ: hãy gõ lại."));
  if (nfc->find('\0') != std::string::npos) {
    return fail(Error::invalid_input(std::string(what) + " contains a NUL character", "type the text again")
                    .vi("Nội dung nhập có ký tự không hợp lệ: hãy gõ lại."));
  }
  if (nfc->size() > max_bytes) {
    return fail(Error::invalid_input(std::string(what) + " is " + std::to_string(nfc->size()) + " bytes long, over the " +
                                         std::to_string(max_bytes) + "-byte limit",
                                     "shorten it")
                    .vi("Nội dung nhập quá dài (tối đa " + std::to_string(max_bytes) + " byte): hãy rút gọn."));
  }
  return *nfc;
}

Result<std::optional<LoadedDossier>> load_dossier(sql::Db& db, const Id128& dossier_id) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st,
                          db.prepare(std::string("SELECT ") + kDossierColumns + " FROM dossier WHERE id = ?1"));
  st.bind(1, dossier_id.blob());
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<LoadedDossier>();
  MOTCUA_ASSIGN_OR_RETURN(LoadedDossier d, creation_from_row(st));
  MOTCUA_ASSIGN_OR_RETURN(
      sql::Stmt ev, db.prepare(std::string("SELECT ") + kEventColumns + " FROM dossier_event WHERE dossier_id = ?1"));
  ev.bind(1, dossier_id.blob());
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool r, ev.step());
    if (!r) break;
    MOTCUA_ASSIGN_OR_RETURN(domain::EventFact e, event_from_row(ev));
    d.events.push_back(std::move(e));
  }
  return std::optional<LoadedDossier>(std::move(d));
}

Result<std::optional<domain::DossierState>> refresh_derived(sql::Db& db, const Id128& dossier_id) {
  MOTCUA_ASSIGN_OR_RETURN(auto loaded, load_dossier(db, dossier_id));
  if (!loaded) return std::optional<domain::DossierState>();
  const domain::CreationFact& c = loaded->creation;
  domain::DossierState s = domain::fold_dossier(c, loaded->events);

  MOTCUA_ASSIGN_OR_RETURN(
      sql::Stmt up,
      db.prepare(
          "INSERT OR REPLACE INTO dossier_state(dossier_id, code, status, holder_unit, receiving_unit, resolving_unit, "
          "procedure_key, applicant_name, applicant_citizen_id, received_at, due_at, paused_at, resolved_at, "
          "returned_at, "
          "supplement_count, event_count, last_hlc, search_text) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"));
  up.bind(1, dossier_id.blob())
      .bind(2, c.code)
      .bind(3, static_cast<int>(s.status))
      .bind(4, s.holder_unit)
      .bind(5, c.receiving_unit)
      .bind(6, c.resolving_unit)
      .bind(7, loaded->procedure_key)
      .bind(8, s.applicant_name)
      .bind(9, s.applicant_citizen_id)
      .bind(10, c.received_at.ms)
      .bind(11, ms_of(s.due_at))
      .bind(12, ms_of(s.paused_at))
      .bind(13, ms_of(s.resolved_at))
      .bind(14, ms_of(s.returned_at))
      .bind(15, s.supplement_count)
      .bind(16, s.event_count)
      .bind(17, s.last_hlc.value)
      .bind(18, fold_for_search(s.applicant_name + " " + c.code + " " + s.applicant_citizen_id));
  MOTCUA_TRY(up.run());

  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt del, db.prepare("DELETE FROM dossier_conflict WHERE dossier_id = ?1"));
  del.bind(1, dossier_id.blob());
  MOTCUA_TRY(del.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare("INSERT INTO dossier_conflict(event_id, dossier_id, "
                                                    "winner_event_id, rule, detail) VALUES (?1, ?2, ?3, ?4, ?5)"));
  for (const auto& k : s.conflicts) {
    ins.bind(1, k.event_id.blob()).bind(2, dossier_id.blob());
    if (k.winner_id)
      ins.bind(3, k.winner_id->blob());
    else
      ins.bind_null(3);
    ins.bind(4, domain::conflict_rule_name(k.rule)).bind(5, k.detail);
    MOTCUA_TRY(ins.run());
  }
  return std::optional<domain::DossierState>(std::move(s));
}

Result<int64_t> refresh_all_derived(sql::Db& db) {
  std::vector<Id128> ids;
  {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT id FROM dossier"));
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      MOTCUA_ASSIGN_OR_RETURN(Id128 id, Id128::from_blob(st.blob(0)));
      ids.push_back(id);
    }
  }
  for (const Id128& id : ids) MOTCUA_TRY(refresh_derived(db, id).map([](auto&&) {}));
  return static_cast<int64_t>(ids.size());
}

Result<Id128> find_dossier_by_code(sql::Db& db, const std::string& raw_code) {
  const std::string code(trim(raw_code));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT id FROM dossier WHERE code = ?1 LIMIT 2"));
  st.bind(1, code);
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) {
    return fail(Error::not_found("no dossier with code " + code + " here",
                                 "check the code on the receipt (Giấy tiếp nhận), e.g. 33.11953-260213-0001")
                    .vi("Không tìm thấy hồ sơ có mã " + code + "."));
  }
  MOTCUA_ASSIGN_OR_RETURN(Id128 id, Id128::from_blob(st.blob(0)));
  MOTCUA_ASSIGN_OR_RETURN(bool second, st.step());
  if (second) {
    return fail(Error::conflict("more than one dossier has code " + code,
                                "provincial IT must resolve the duplicate code; use the dossier id meanwhile"));
  }
  return id;
}

Result<StepResult> record_status(sql::Db& tx, const Actor& actor, const std::string& code, DossierStatus to,
                                 const std::string& raw_note) {
  MOTCUA_ASSIGN_OR_RETURN(std::string name, clean_actor(actor));
  MOTCUA_ASSIGN_OR_RETURN(std::string note, clean_text(raw_note, "note", kMaxNoteBytes));
  MOTCUA_ASSIGN_OR_RETURN(Current cur, load_current(tx, code));
  const domain::DossierState& st = cur.state;
  const domain::CreationFact& c = cur.dossier.creation;
  if (!domain::is_legal_transition(st.status, to)) return fail(domain::illegal_transition_error(c.code, st.status, to));
  const bool counter = actor.unit == c.receiving_unit && domain::is_counter_step(st.status, to);
  if (st.holder_unit != actor.unit && !counter) return fail(not_holder(c.code, st.holder_unit));

  domain::EventFact e;
  e.id = Id128::random();
  e.kind = domain::EventKind::kStatus;
  e.from_status = st.status;
  e.to_status = to;
  e.note = note;
  e.parent = st.head.value_or(Id128{});
  e.clock_suspect = actor.clock_suspect;
  if (st.status == DossierStatus::kSupplement && to == DossierStatus::kProcessing && st.due_at && st.paused_at) {
    MOTCUA_ASSIGN_OR_RETURN(domain::Calendar calendar, reference::load_calendar(tx));
    e.due_at = domain::resume_due(*st.due_at, *st.paused_at, actor.at, calendar);
  }
  Actor named = actor;
  named.name = name;
  MOTCUA_TRY(insert_event(tx, named, c.id, e));
  MOTCUA_ASSIGN_OR_RETURN(auto after, refresh_derived(tx, c.id));
  StepResult r{c.id,
               e.id,
               c.code,
               st.status,
               to,
               after ? after->due_at : std::nullopt,
               after ? after->holder_unit : st.holder_unit};
  return r;
}

Result<Id128> record_note(sql::Db& tx, const Actor& actor, const Id128& dossier_id, const std::string& raw_note) {
  MOTCUA_ASSIGN_OR_RETURN(std::string name, clean_actor(actor));
  MOTCUA_ASSIGN_OR_RETURN(std::string note, clean_text(raw_note, "note", kMaxNoteBytes));
  domain::EventFact e;
  e.id = Id128::random();
  e.kind = domain::EventKind::kNote;
  e.note = note;
  e.clock_suspect = actor.clock_suspect;
  Actor named = actor;
  named.name = name;
  MOTCUA_TRY(insert_event(tx, named, dossier_id, e));
  return e.id;
}

Result<StepResult> record_transfer(sql::Db& tx, const Actor& actor, const std::string& code, const std::string& raw_to,
                                   const std::string& raw_note) {
  MOTCUA_ASSIGN_OR_RETURN(std::string name, clean_actor(actor));
  MOTCUA_ASSIGN_OR_RETURN(std::string note, clean_text(raw_note, "note", kMaxNoteBytes));
  const std::string to_unit(trim(raw_to));
  MOTCUA_ASSIGN_OR_RETURN(Current cur, load_current(tx, code));
  const domain::DossierState& st = cur.state;
  const domain::CreationFact& c = cur.dossier.creation;
  if (st.holder_unit != actor.unit) return fail(not_holder(c.code, st.holder_unit));
  if (!domain::is_transferable(st.status)) {
    return fail(
        Error::conflict("dossier " + c.code + " is in status " + std::to_string(static_cast<int>(st.status)) + " (" +
                            domain::status_name_en(st.status) + ") and cannot be handed over",
                        "a dossier is transferred while received (2) or being processed (4), or resolved (9) to "
                        "hand the result back")
            .vi("Chỉ chuyển liên thông hồ sơ ở trạng thái \"Được tiếp nhận\", \"Đang xử lý\" hoặc \"Đã xử lý xong\"; "
                "hồ sơ " +
                c.code + " đang ở trạng thái \"" + domain::status_name_vi(st.status) + "\"."));
  }
  if (to_unit == st.holder_unit) {
    return fail(Error::invalid_input("dossier " + c.code + " is already held by unit " + to_unit,
                                     "name the unit that continues the processing with --to")
                    .vi("Hồ sơ " + c.code + " đang do chính đơn vị này xử lý."));
  }
  // An office's reference data lists its own unit only; the embedded GSO lists know every unit of
  // its province. The hub checks the target against its own list again (hub/authorize.hpp).
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt unit, tx.prepare("SELECT province_code FROM unit WHERE code = ?1"));
  unit.bind(1, to_unit);
  MOTCUA_ASSIGN_OR_RETURN(bool known, unit.step());
  if (!known) {
    MOTCUA_TRY(unit.reset());
    unit.bind(1, actor.unit);
    MOTCUA_ASSIGN_OR_RETURN(bool own, unit.step());
    auto target = domain::find_unit(to_unit);
    known = own && target && target->province_code == unit.text(0);
  }
  if (!known) {
    return fail(
        Error::not_found("unit '" + to_unit + "' is not in the province's list of units",
                         "use the GSO code of a unit of this province, e.g. 11956 for a commune or 33 for the province")
            .vi("Không có đơn vị có mã " + to_unit + "."));
  }
  domain::EventFact e;
  e.id = Id128::random();
  e.kind = domain::EventKind::kTransfer;
  e.from_status = st.status;
  e.to_status = st.status;
  e.note = note;
  e.parent = st.head.value_or(Id128{});
  e.transfer_to = to_unit;
  e.clock_suspect = actor.clock_suspect;
  Actor named = actor;
  named.name = name;
  MOTCUA_TRY(insert_event(tx, named, c.id, e));
  MOTCUA_ASSIGN_OR_RETURN(auto after, refresh_derived(tx, c.id));
  StepResult r{c.id, e.id, c.code, st.status, st.status, st.due_at, after ? after->holder_unit : to_unit};
  return r;
}

Result<bool> record_correction(sql::Db& tx, const Actor& actor, const std::string& code, const std::string& field,
                               const std::string& raw_value, const std::string& raw_note) {
  MOTCUA_ASSIGN_OR_RETURN(std::string name, clean_actor(actor));
  MOTCUA_ASSIGN_OR_RETURN(std::string note, clean_text(raw_note, "note", kMaxNoteBytes));
  if (!domain::is_correctable_field(field)) {
    return fail(Error::invalid_input("'" + field + "' is not a field a correction may change",
                                     "correct applicant_name, applicant_citizen_id, submitter_name, phone or address"));
  }
  MOTCUA_ASSIGN_OR_RETURN(std::string value, clean_text(raw_value, field.c_str()));
  if (field == "applicant_citizen_id" && (value.size() != 12 || !all_digits(value))) {
    return fail(
        Error::invalid_input("citizen id '" + value + "' is not 12 digits", "a CCCD number has exactly 12 digits")
            .vi("Số CCCD phải gồm đúng 12 chữ số."));
  }
  if (field == "phone" && !value.empty() && (value.size() != 10 || value[0] != '0' || !all_digits(value))) {
    return fail(Error::invalid_input("phone '" + value + "' is not a 10-digit number starting with 0")
                    .vi("Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0."));
  }
  if (field == "applicant_name" && value.empty()) {
    return fail(
        Error::invalid_input("the applicant's name cannot be empty").vi("Họ tên chủ hồ sơ không được để trống."));
  }
  MOTCUA_ASSIGN_OR_RETURN(Current cur, load_current(tx, code));
  const domain::DossierState& st = cur.state;
  const domain::CreationFact& c = cur.dossier.creation;
  if (std::find(st.holders.begin(), st.holders.end(), actor.unit) == st.holders.end()) {
    return fail(Error::conflict("unit " + actor.unit + " never received or held dossier " + c.code,
                                "the receiving unit or a unit that held the dossier corrects its data")
                    .vi("Đơn vị không tiếp nhận hay xử lý hồ sơ " + c.code + " nên không thể sửa thông tin."));
  }
  const std::string current = field == "applicant_name"         ? st.applicant_name
                              : field == "applicant_citizen_id" ? st.applicant_citizen_id
                              : field == "submitter_name"       ? st.submitter_name
                              : field == "phone"                ? st.phone
                                                                : st.address;
  if (current == value) return false;  // compared in NFC: a decomposed retyping is no change
  domain::EventFact e;
  e.id = Id128::random();
  e.kind = domain::EventKind::kCorrection;
  e.note = note;
  auto head = st.correction_heads.find(field);
  e.parent = head == st.correction_heads.end() ? Id128{} : head->second;
  e.field = field;
  e.value = value;
  e.clock_suspect = actor.clock_suspect;
  Actor named = actor;
  named.name = name;
  MOTCUA_TRY(insert_event(tx, named, c.id, e));
  MOTCUA_TRY(refresh_derived(tx, c.id).map([](auto&&) {}));
  return true;
}

namespace {

json opt_instant(const std::optional<Instant>& t) { return t ? json(format_rfc3339_vn(*t)) : json(nullptr); }

json event_json(const domain::EventFact& e) {
  json ej = {{"id", e.id.hex()},
             {"kind", domain::event_kind_name(e.kind)},
             {"from_status", e.from_status ? json(static_cast<int>(*e.from_status)) : json(nullptr)},
             {"to_status", e.to_status ? json(static_cast<int>(*e.to_status)) : json(nullptr)},
             {"at", format_rfc3339_vn(e.at)},
             {"due_at", opt_instant(e.due_at)},
             {"note", e.note},
             {"actor", e.actor},
             {"origin_unit", e.origin_unit},
             {"hlc", e.hlc.value},
             {"clock_suspect", e.clock_suspect}};
  if (e.parent) ej["parent"] = e.parent->hex();
  if (e.kind == domain::EventKind::kTransfer) ej["to_unit"] = e.transfer_to;
  if (e.kind == domain::EventKind::kCorrection) {
    ej["field"] = e.field;
    ej["value"] = e.value;
  }
  return ej;
}

}  // namespace

Result<json> dossier_json(sql::Db& db, const Id128& dossier_id) {
  MOTCUA_ASSIGN_OR_RETURN(auto loaded, load_dossier(db, dossier_id));
  if (!loaded) return fail(Error::not_found("dossier " + dossier_id.hex() + " has no creation record here"));
  const domain::CreationFact& creation = loaded->creation;
  MOTCUA_ASSIGN_OR_RETURN(
      sql::Stmt st,
      db.prepare("SELECT procedure_key, procedure_version, channel, received_at, entered_at, due_rule, due_at, actor, "
                 "clock_suspect FROM dossier WHERE id = ?1"));
  st.bind(1, dossier_id.blob());
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return fail(Error::not_found("dossier " + dossier_id.hex() + " has no creation record here"));

  json proc = {{"key", st.text(0)}, {"version", st.int64(1)}};
  MOTCUA_ASSIGN_OR_RETURN(
      sql::Stmt p,
      db.prepare("SELECT national_code, name, time_limit_text FROM procedure WHERE key = ?1 AND version = ?2"));
  p.bind(1, st.text(0)).bind(2, st.int64(1));
  MOTCUA_ASSIGN_OR_RETURN(bool has_proc, p.step());
  if (has_proc) {
    proc["national_code"] = p.is_null(0) ? json(nullptr) : json(p.text(0));
    proc["name"] = p.text(1);
    proc["time_limit_text"] = p.text(2);
  }
  std::vector<domain::EventFact> events = loaded->events;
  domain::DossierState state = domain::fold_dossier(creation, events);
  std::sort(events.begin(), events.end(), domain::event_before);

  json out = {
      {"id", creation.id.hex()},
      {"code", creation.code},
      {"procedure", proc},
      {"applicant", {{"name", state.applicant_name}, {"citizen_id", state.applicant_citizen_id}}},
      {"submitter", state.submitter_name},
      {"phone", state.phone},
      {"address", state.address},
      {"channel", st.int64(2)},
      {"received_at", format_rfc3339_vn(Instant{st.int64(3)})},
      {"entered_at", format_rfc3339_vn(Instant{st.int64(4)})},
      {"due_rule", st.text(5)},
      {"appointment_at", opt_instant(st.is_null(6) ? std::nullopt : std::optional<Instant>(Instant{st.int64(6)}))},
      {"receiving_unit", creation.receiving_unit},
      {"resolving_unit", creation.resolving_unit},
      {"actor", st.text(7)},
      {"clock_suspect", st.int64(8) != 0},
  };

  MOTCUA_ASSIGN_OR_RETURN(
      sql::Stmt docs,
      db.prepare("SELECT position, name, form, copies FROM dossier_document WHERE dossier_id = ?1 ORDER BY position"));
  docs.bind(1, dossier_id.blob());
  json doc_list = json::array();
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool r, docs.step());
    if (!r) break;
    doc_list.push_back(
        {{"position", docs.int64(0)}, {"name", docs.text(1)}, {"form", docs.text(2)}, {"copies", docs.int64(3)}});
  }
  out["documents"] = doc_list;

  std::map<Id128, const domain::EventFact*> by_id;
  for (const auto& e : events) by_id[e.id] = &e;
  json ev_list = json::array();
  for (const auto& e : events) {
    json ej = event_json(e);
    const bool waiting = std::find(state.waiting.begin(), state.waiting.end(), e.id) != state.waiting.end();
    const domain::ConflictRecord* lost = state.conflict_of(e.id);
    ej["outcome"] = e.kind == domain::EventKind::kNote ? "recorded" : lost ? "lost" : waiting ? "waiting" : "applied";
    ej["applied"] = !lost && !waiting;
    if (lost) {
      ej["conflict_rule"] = domain::conflict_rule_name(lost->rule);
      ej["conflict_detail"] = lost->detail;
    }
    ev_list.push_back(std::move(ej));
  }
  out["events"] = ev_list;
  json conflicts = json::array();
  for (const auto& c : state.conflicts) {
    json cj = {{"rule", domain::conflict_rule_name(c.rule)},
               {"detail", c.detail},
               {"lost", event_json(*by_id.at(c.event_id))},
               {"applied", nullptr}};
    if (c.winner_id) cj["applied"] = event_json(*by_id.at(*c.winner_id));
    conflicts.push_back(std::move(cj));
  }
  out["conflicts"] = conflicts;
  out["status"] = static_cast<int>(state.status);
  out["status_name"] = domain::status_name_vi(state.status);
  out["holder_unit"] = state.holder_unit;
  out["holders"] = state.holders;
  out["due_at"] = opt_instant(state.due_at);
  out["paused_at"] = opt_instant(state.paused_at);
  out["resolved_at"] = opt_instant(state.resolved_at);
  out["returned_at"] = opt_instant(state.returned_at);
  out["supplement_count"] = state.supplement_count;
  return out;
}

// --- fact rows as JSON -----------------------------------------------------------------------

namespace {

struct TableShape {
  std::vector<std::string> columns;
  std::map<std::string, std::string> type;  // column -> declared type (STRICT: INTEGER, TEXT, BLOB)
};

Result<TableShape> table_shape(sql::Db& db, const std::string& table) {
  TableShape t;
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid"));
  st.bind(1, table);
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    t.columns.push_back(st.text(0));
    t.type[st.text(0)] = st.text(1);
  }
  return t;
}

const std::vector<std::string>& fact_tables() {
  // Creation first, so a replica never holds documents or events of a dossier it cannot fold.
  static const std::vector<std::string> tables = {"dossier", "dossier_document", "dossier_event"};
  return tables;
}

}  // namespace

Result<std::vector<FactRef>> dossier_fact_refs(sql::Db& db, const Id128& dossier_id) {
  std::vector<FactRef> out{{"dossier", dossier_id}};
  for (const char* table : {"dossier_document", "dossier_event"}) {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st,
                            db.prepare(std::string("SELECT id FROM ") + table + " WHERE dossier_id = ?1"));
    st.bind(1, dossier_id.blob());
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      MOTCUA_ASSIGN_OR_RETURN(Id128 id, Id128::from_blob(st.blob(0)));
      out.push_back({table, id});
    }
  }
  return out;
}

Result<json> facts_json(sql::Db& db, const std::vector<FactRef>& rows) {
  json out = json::object();
  for (const std::string& table : fact_tables()) {
    MOTCUA_ASSIGN_OR_RETURN(TableShape shape, table_shape(db, table));
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT * FROM " + table + " WHERE id = ?1"));
    json list = json::array();
    for (const FactRef& ref : rows) {
      if (ref.table != table) continue;
      st.bind(1, ref.id.blob());
      MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
      if (row) {
        json obj = json::object();
        for (size_t i = 0; i < shape.columns.size(); ++i) {
          const int col = static_cast<int>(i);
          switch (sqlite3_column_type(st.get(), col)) {
            case SQLITE_NULL:
              obj[shape.columns[i]] = nullptr;
              break;
            case SQLITE_INTEGER:
              obj[shape.columns[i]] = st.int64(col);
              break;
            case SQLITE_BLOB: {
              const sql::Blob b = st.blob(col);
              obj[shape.columns[i]] = to_hex(b.data(), b.size());
              break;
            }
            default:
              obj[shape.columns[i]] = st.text(col);
              break;
          }
        }
        list.push_back(std::move(obj));
      }
      MOTCUA_TRY(st.reset());
    }
    if (!list.empty()) out[table] = std::move(list);
  }
  return out;
}

Result<AppliedFacts> apply_facts_json(sql::Db& tx, const json& body) {
  if (!body.is_object()) return fail(Error::invalid_input("a facts entry is not a JSON object"));
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (std::find(fact_tables().begin(), fact_tables().end(), it.key()) == fact_tables().end()) {
      return fail(Error::invalid_input("a facts entry names table '" + it.key() + "', which is not a fact table"));
    }
    if (!it.value().is_array()) return fail(Error::invalid_input("facts of " + it.key() + " are not a list"));
  }
  AppliedFacts out;
  for (const std::string& table : fact_tables()) {
    auto rows = body.find(table);
    if (rows == body.end()) continue;
    MOTCUA_ASSIGN_OR_RETURN(TableShape shape, table_shape(tx, table));
    std::string sql = "INSERT OR IGNORE INTO " + table + "(";
    std::string values;
    for (size_t i = 0; i < shape.columns.size(); ++i) {
      sql += (i ? ", " : "") + shape.columns[i];
      values += (i ? ", ?" : "?") + std::to_string(i + 1);
    }
    sql += ") VALUES (" + values + ")";
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, tx.prepare(sql));
    for (const json& row : *rows) {
      if (!row.is_object() || row.size() != shape.columns.size()) {
        return fail(Error::invalid_input("a " + table + " row does not have this replica's " +
                                         std::to_string(shape.columns.size()) + " columns"));
      }
      for (size_t i = 0; i < shape.columns.size(); ++i) {
        const std::string& name = shape.columns[i];
        auto v = row.find(name);
        if (v == row.end()) return fail(Error::invalid_input("a " + table + " row lacks column " + name));
        const int at = static_cast<int>(i + 1);
        const std::string& type = shape.type[name];
        if (v->is_null()) {
          ins.bind_null(at);
        } else if (type == "BLOB" && v->is_string()) {
          // Every BLOB of the fact tables is a 128-bit id.
          auto id = Id128::from_hex(v->get<std::string>());
          if (!id) return fail(Error::invalid_input(table + "." + name + " is not a 32-hex-digit id"));
          ins.bind(at, id->blob());
        } else if (type == "INTEGER" && v->is_number_integer()) {
          ins.bind(at, v->get<int64_t>());
        } else if (type == "TEXT" && v->is_string()) {
          ins.bind(at, v->get<std::string>());
        } else {
          return fail(Error::invalid_input(table + "." + name + " has a value of the wrong type"));
        }
      }
      MOTCUA_TRY(ins.run());
      const bool fresh = tx.changes() > 0;
      MOTCUA_TRY(ins.reset());
      auto hlc = row.find("hlc");
      if (hlc != row.end() && hlc->is_number_integer() && out.max_hlc < Hlc{hlc->get<int64_t>()}) {
        out.max_hlc = Hlc{hlc->get<int64_t>()};
      }
      if (!fresh) {
        ++out.rows_known;
        continue;
      }
      ++out.rows_new;
      const json& dossier = table == "dossier" ? row.at("id") : row.at("dossier_id");
      auto id = Id128::from_hex(dossier.get<std::string>());
      if (!id) return fail(Error::invalid_input("a " + table + " row names no dossier"));
      out.dossiers.insert(*id);
    }
  }
  for (const Id128& id : out.dossiers) MOTCUA_TRY(refresh_derived(tx, id).map([](auto&&) {}));
  return out;
}

}  // namespace motcua::facts
