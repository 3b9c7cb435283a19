#include "agent/dossiers.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "agent/hub_ca.hpp"
#include "common/cli_output.hpp"
#include "reference/reference.hpp"
#include "common/text.hpp"
#include "domain/due_date.hpp"
#include "facts/dossier_store.hpp"
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

using facts::clean_text;

json opt_instant(const std::optional<int64_t>& ms) { return ms ? json(format_rfc3339_vn(Instant{*ms})) : json(nullptr); }

const char* kDossierColumns =
    "id, code, receiving_unit, resolving_unit, holder_unit, procedure_key, procedure_version, applicant_name, "
    "applicant_citizen_id, submitter_name, phone, address, channel, received_at, entered_at, due_at, due_rule, "
    "limit_kind, limit_hours, status, clock_suspect, hlc, origin_unit, actor";

// Who acts for this office now: its unit, the person, the clock, a fresh HLC, and whether the
// office clock is off the hub's by more than the threshold.
Result<facts::Actor> office_actor(Store& store, const std::string& unit, const std::string& raw_actor) {
  facts::Actor a;
  a.unit = unit;
  a.name = raw_actor.empty() ? cli::default_actor() : raw_actor;
  a.at = whole_second(store.clock().now());
  MOTCUA_ASSIGN_OR_RETURN(a.hlc, store.next_hlc());
  MOTCUA_ASSIGN_OR_RETURN(auto offset, store.get_meta_int("hub_clock_offset_ms"));
  a.clock_suspect = offset && (*offset > facts::kClockSuspectMs || -*offset > facts::kClockSuspectMs);
  return a;
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
  MOTCUA_ASSIGN_OR_RETURN(auto state, facts::refresh_derived(db, dossier_id));
  if (!state) return fail(Error::not_found("dossier " + dossier_id.hex() + " has no creation record"));
  return ok();
}

std::vector<Error> receive_input_problems(const ReceiveRequest& req) {
  std::vector<Error> out;
  if (trim(req.procedure).empty()) {
    out.push_back(Error::invalid_input("no procedure was chosen", "pass --procedure CODE (see `motcua-agent procedures`)")
                      .vi("Chưa chọn thủ tục hành chính."));
  }
  auto applicant = clean_text(req.applicant, "applicant");
  if (!applicant) {
    out.push_back(applicant.error());
  } else if (applicant->empty()) {
    out.push_back(Error::invalid_input("the applicant's name is empty", "pass --applicant \"Full name\"")
                      .vi("Chưa nhập họ tên chủ hồ sơ."));
  }
  const std::string citizen_id = std::string(trim(req.citizen_id));
  if (citizen_id.size() != 12 || !all_digits(citizen_id)) {
    out.push_back(Error::invalid_input("citizen id '" + citizen_id + "' is not 12 digits",
                                       "a CCCD number has exactly 12 digits, leading zeros included (e.g. 033198001234)")
                      .vi("Số CCCD phải gồm đúng 12 chữ số."));
  }
  const std::string phone = std::string(trim(req.phone));
  if (!phone.empty() && (phone.size() != 10 || phone[0] != '0' || !all_digits(phone))) {
    out.push_back(Error::invalid_input("phone '" + phone + "' is not a 10-digit number starting with 0",
                                       "write the phone as 10 digits, e.g. 0912345678, or leave it out")
                      .vi("Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0."));
  }
  if (req.channel < 1 || req.channel > 3) {
    out.push_back(Error::invalid_input("channel " + std::to_string(req.channel) + " is not 1, 2 or 3",
                                       "1 = in person (trực tiếp), 2 = online (trực tuyến), 3 = post (bưu chính)")
                      .vi("Kênh nộp hồ sơ không hợp lệ."));
  }
  for (const char* what : {"submitter", "address"}) {
    auto cleaned = clean_text(std::string(what) == "submitter" ? req.submitter : req.address, what);
    if (!cleaned) out.push_back(cleaned.error());
  }
  return out;
}

Result<ReceiveResult> receive(Store& store, const ReceiveRequest& req) {
  MOTCUA_ASSIGN_OR_RETURN(std::string unit_code, store.unit_code());
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(domain::Unit unit, load_unit(db, unit_code));

  if (auto problems = receive_input_problems(req); !problems.empty()) return fail(std::move(problems.front()));
  MOTCUA_ASSIGN_OR_RETURN(std::string applicant, clean_text(req.applicant, "applicant"));
  const std::string citizen_id = std::string(trim(req.citizen_id));
  const std::string phone = std::string(trim(req.phone));
  MOTCUA_ASSIGN_OR_RETURN(std::string submitter, clean_text(req.submitter, "submitter"));
  MOTCUA_ASSIGN_OR_RETURN(std::string address, clean_text(req.address, "address"));
  std::string actor = req.actor.empty() ? cli::default_actor() : req.actor;
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
  MOTCUA_ASSIGN_OR_RETURN(std::string refusal_reason, clean_text(req.refusal_reason, "refusal reason", facts::kMaxNoteBytes));
  const bool refused = !refusal_reason.empty();
  if (req.due_at && req.no_due_date) {
    return fail(Error::invalid_input("--due-at and --no-due-date contradict each other", "pass only one of them"));
  }
  if (refused) {
    due_rule = "none";  // a refused dossier is not processed: no appointment
  } else if (req.due_at) {
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
    MOTCUA_ASSIGN_OR_RETURN(facts::Actor who, office_actor(store, unit_code, actor));
    const Hlc hlc = who.hlc;
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
        .bind(20, static_cast<int>(refused ? DossierStatus::kRefused : DossierStatus::kReceived)).bind(21, who.clock_suspect ? 1 : 0).bind(22, hlc.value).bind(23, unit_code)
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
    if (refused) {
      facts::Actor note_actor = who;
      MOTCUA_ASSIGN_OR_RETURN(note_actor.hlc, store.next_hlc());
      MOTCUA_TRY(facts::record_note(tx, note_actor, result.id, refusal_reason).map([](auto&&) {}));
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
  SetStatusResult result;
  MOTCUA_TRY(store.write_captured([&](sql::Db& tx) -> Status {
    MOTCUA_ASSIGN_OR_RETURN(facts::Actor actor, office_actor(store, unit_code, req.actor));
    MOTCUA_ASSIGN_OR_RETURN(facts::StepResult step,
                            facts::record_status(tx, actor, req.code, static_cast<DossierStatus>(req.status), req.note));
    result.code = step.code;
    result.from = step.from;
    result.to = step.to;
    result.due_at = step.due_at;
    return ok();
  }));
  return result;
}

Result<TransferResult> transfer(Store& store, const TransferRequest& req) {
  MOTCUA_ASSIGN_OR_RETURN(std::string unit_code, store.unit_code());
  TransferResult result;
  MOTCUA_TRY(store.write_captured([&](sql::Db& tx) -> Status {
    MOTCUA_ASSIGN_OR_RETURN(facts::Actor actor, office_actor(store, unit_code, req.actor));
    MOTCUA_ASSIGN_OR_RETURN(facts::StepResult step, facts::record_transfer(tx, actor, req.code, req.to_unit, req.note));
    result.code = step.code;
    result.status = step.to;
    result.to_unit = step.holder_unit;
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt name, tx.prepare("SELECT name FROM unit WHERE code = ?1"));
    name.bind(1, step.holder_unit);
    MOTCUA_ASSIGN_OR_RETURN(bool row, name.step());
    if (row) result.to_unit_name = name.text(0);
    return ok();
  }));
  return result;
}

Result<CorrectResult> correct(Store& store, const CorrectRequest& req) {
  MOTCUA_ASSIGN_OR_RETURN(std::string unit_code, store.unit_code());
  CorrectResult result;
  MOTCUA_TRY(store.write_captured([&](sql::Db& tx) -> Status {
    MOTCUA_ASSIGN_OR_RETURN(facts::Actor actor, office_actor(store, unit_code, req.actor));
    MOTCUA_ASSIGN_OR_RETURN(result.changed, facts::record_correction(tx, actor, req.code, req.field, req.value, req.note));
    result.code = std::string(trim(req.code));
    return ok();
  }));
  return result;
}

Result<json> show_dossier(Store& store, const std::string& code) {
  MOTCUA_ASSIGN_OR_RETURN(Id128 id, facts::find_dossier_by_code(store.db(), code));
  return facts::dossier_json(store.db(), id);
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
  MOTCUA_ASSIGN_OR_RETURN(auto conflicts, sql::query_int64(db, "SELECT count(*) FROM dossier_conflict"));
  // "< or >" rather than "<>": SQLite reads two ranges of the holder index (agent schema 6), the few
  // dossiers handed over, instead of every entry.
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt elsewhere, db.prepare(
      "SELECT count(*) FROM dossier_state WHERE holder_unit < ?1 OR holder_unit > ?1"));
  elsewhere.bind(1, unit_code);
  MOTCUA_ASSIGN_OR_RETURN(bool elsewhere_row, elsewhere.step());
  const int64_t held_elsewhere = elsewhere_row ? elsewhere.int64(0) : 0;
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
  // The pinned CA's fingerprint; a damaged file shows as null here and fails the next sync loudly.
  auto pinned_ca = read_pinned_ca(store.data_dir());
  const json hub_ca_sha256 = pinned_ca && *pinned_ca ? json((*pinned_ca)->sha256) : json(nullptr);
  MOTCUA_ASSIGN_OR_RETURN(auto last_ok_ms, store.get_meta_int("last_sync_at"));
  MOTCUA_ASSIGN_OR_RETURN(auto offset, store.get_meta_int("hub_clock_offset_ms"));
  MOTCUA_ASSIGN_OR_RETURN(auto last_attempt, store.get_meta_int("last_attempt_at"));
  MOTCUA_ASSIGN_OR_RETURN(auto upload_ok, store.get_meta_int("last_upload_ok_at"));
  MOTCUA_ASSIGN_OR_RETURN(auto feed_ok, store.get_meta_int("last_feed_ok_at"));
  MOTCUA_ASSIGN_OR_RETURN(auto error_ms, store.get_meta_int("last_error_at"));
  MOTCUA_ASSIGN_OR_RETURN(auto error_code, store.get_meta("last_error_code"));
  MOTCUA_ASSIGN_OR_RETURN(auto error_message, store.get_meta("last_error"));
  MOTCUA_ASSIGN_OR_RETURN(auto revoked_id, store.get_meta("revoked_agent_id"));
  // Only this agent's revocation counts: an office enrolled again since has a new agent id.
  const bool revoked = revoked_id && agent_id && *revoked_id == *agent_id;
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
              {"hub_ca_sha256", hub_ca_sha256},
              {"last_sync_ok_at", opt_instant(last_ok_ms)},
              {"last_attempt_at", opt_instant(last_attempt)},
              {"last_upload_ok_at", opt_instant(upload_ok)},
              {"last_feed_ok_at", opt_instant(feed_ok)},
              {"last_error", last_error},
              {"revoked", revoked},
              {"hub_access", revoked ? json("revoked — contact provincial IT") : json(nullptr)},
              {"clock_offset_ms", offset ? json(*offset) : json(nullptr)},
              {"unit_name", unit.name},
              {"agency_id", unit.agency_id},
              {"dossiers", dossiers.value_or(0)},
              {"pending_changes", pending.value_or(0)},
              // facts of this office's dossiers that lost inside the fold (docs/CONFLICTS.md)
              {"conflicts", conflicts.value_or(0)},
              {"dossiers_held_elsewhere", held_elsewhere},
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
