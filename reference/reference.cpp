#include "reference/reference.hpp"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "common/text.hpp"

namespace motcua::reference {

using nlohmann::json;

namespace {

const char* limit_kind_text(domain::LimitKind k) {
  switch (k) {
    case domain::LimitKind::kNone: return "none";
    case domain::LimitKind::kWorkingHours: return "hours";
    case domain::LimitKind::kSameDay: return "same_day";
    case domain::LimitKind::kSameDay15h: return "same_day_15h";
  }
  return "none";
}

domain::LimitKind limit_kind_from_text(const std::string& s) {
  if (s == "hours") return domain::LimitKind::kWorkingHours;
  if (s == "same_day") return domain::LimitKind::kSameDay;
  if (s == "same_day_15h") return domain::LimitKind::kSameDay15h;
  return domain::LimitKind::kNone;
}

domain::ParseOutcome outcome_from_text(const std::string& s) {
  if (s == "parsed") return domain::ParseOutcome::kParsed;
  if (s == "parsed_with_variants") return domain::ParseOutcome::kParsedWithVariants;
  if (s == "text") return domain::ParseOutcome::kText;
  return domain::ParseOutcome::kEmpty;
}

json variants_json(const std::vector<domain::LimitVariant>& variants) {
  json arr = json::array();
  for (const auto& v : variants) {
    json o = {{"label", v.label}, {"extends", v.extends}};
    if (v.limit) {
      o["kind"] = limit_kind_text(v.limit->kind);
      if (v.limit->kind == domain::LimitKind::kWorkingHours) o["hours"] = v.limit->hours;
    }
    arr.push_back(std::move(o));
  }
  return arr;
}

std::vector<domain::LimitVariant> variants_from_json(const std::string& text) {
  std::vector<domain::LimitVariant> out;
  json arr = json::parse(text, nullptr, false);
  if (!arr.is_array()) return out;
  for (const auto& o : arr) {
    domain::LimitVariant v;
    v.label = o.value("label", "");
    v.extends = o.value("extends", false);
    if (o.contains("kind")) v.limit = domain::TimeLimit{limit_kind_from_text(o.value("kind", "none")), o.value("hours", int64_t{0})};
    out.push_back(std::move(v));
  }
  return out;
}

// The published fields that make two versions of a procedure different.
std::string procedure_fingerprint(const domain::Procedure& p) {
  json j = {p.national_code, p.name, p.field, p.resolving_body, p.time_limit_text, p.fee_text,
            p.notes, p.required_documents, p.online_level, p.source};
  return j.dump();
}

const char* kProcedureColumns =
    "key, version, national_code, name, field, resolving_body, time_limit_text, limit_outcome, limit_kind, "
    "limit_hours, limit_label, limit_variants, limit_notes, fee_text, notes, required_documents, online_level, "
    "source, abolished";

domain::Procedure procedure_from_row(const sql::Stmt& st) {
  domain::Procedure p;
  p.key = st.text(0);
  p.national_code = st.opt_text(2).value_or("");
  p.name = st.text(3);
  p.field = st.text(4);
  p.resolving_body = st.text(5);
  p.time_limit_text = st.text(6);
  p.time_limit.outcome = outcome_from_text(st.text(7));
  p.time_limit.main.kind = limit_kind_from_text(st.text(8));
  p.time_limit.main.hours = st.opt_int64(9).value_or(0);
  p.time_limit.main_label = st.text(10);
  p.time_limit.variants = variants_from_json(st.text(11));
  json notes = json::parse(st.text(12), nullptr, false);
  if (notes.is_array()) {
    for (const auto& n : notes) {
      if (n.is_string()) p.time_limit.notes.push_back(n.get<std::string>());
    }
  }
  p.fee_text = st.text(13);
  p.notes = st.text(14);
  p.required_documents = st.text(15);
  p.online_level = st.text(16);
  p.source = st.text(17);
  return p;
}

Status insert_procedure(sql::Stmt& st, const domain::Procedure& p, int64_t version, bool abolished) {
  st.bind(1, p.key).bind(2, version);
  if (p.national_code.empty()) st.bind_null(3); else st.bind(3, p.national_code);
  st.bind(4, p.name).bind(5, p.field).bind(6, p.resolving_body).bind(7, p.time_limit_text);
  st.bind(8, domain::parse_outcome_name(p.time_limit.outcome));
  st.bind(9, limit_kind_text(p.time_limit.main.kind));
  if (p.time_limit.main.kind == domain::LimitKind::kWorkingHours) st.bind(10, p.time_limit.main.hours); else st.bind_null(10);
  st.bind(11, p.time_limit.main_label);
  st.bind(12, variants_json(p.time_limit.variants).dump());
  st.bind(13, json(p.time_limit.notes).dump());
  st.bind(14, p.fee_text).bind(15, p.notes).bind(16, p.required_documents).bind(17, p.online_level);
  st.bind(18, p.source).bind(19, abolished ? 1 : 0);
  return st.run();
}

Status apply_in_transaction(sql::Db& db, const ReferenceUpdate& update) {
  if (!update.units.empty()) {
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
        "INSERT INTO unit(code, name, kind, province_code, agency_id) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT(code) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
        "province_code = excluded.province_code, agency_id = excluded.agency_id"));
    for (const auto& u : update.units) {
      st.bind(1, u.code).bind(2, u.name).bind(3, u.kind).bind(4, u.province_code).bind(5, u.agency_id);
      MOTCUA_TRY(st.run());
    }
  }
  if (update.catalog) {
    const CatalogPublication& pub = *update.catalog;
    MOTCUA_ASSIGN_OR_RETURN(auto current, current_catalog_version(db));
    if (current && pub.version <= *current) {
      return fail(Error::conflict("catalogue version " + std::to_string(pub.version) +
                                  " is not newer than the office's version " + std::to_string(*current)));
    }
    std::vector<std::string> abolished = pub.abolished;
    if (pub.full) {
      // The whole catalogue: whatever is current and not listed is no longer offered.
      std::set<std::string> listed;
      for (const auto& p : pub.changed) listed.insert(p.key);
      MOTCUA_ASSIGN_OR_RETURN(auto rows, current_procedures(db, ""));
      for (const auto& r : rows) {
        if (!listed.count(r.procedure.key)) abolished.push_back(r.procedure.key);
      }
    }
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt header, db.prepare(
        "INSERT INTO catalog_publication(version, published_at, source, procedure_count) VALUES (?1, ?2, ?3, ?4)"));
    header.bind(1, pub.version).bind(2, pub.published_at.ms).bind(3, pub.source)
        .bind(4, static_cast<int64_t>(pub.changed.size() + abolished.size()));
    MOTCUA_TRY(header.run());
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(std::string("INSERT INTO procedure(") + kProcedureColumns +
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"));
    for (const auto& p : pub.changed) MOTCUA_TRY(insert_procedure(ins, p, pub.version, false));
    for (const auto& key : abolished) {
      auto prev = find_current_procedure(db, key);
      if (!prev) continue;  // already gone: nothing to abolish
      MOTCUA_TRY(insert_procedure(ins, prev->procedure, pub.version, true));
    }
  }
  if (update.calendar) {
    const CalendarPublication& pub = *update.calendar;
    MOTCUA_ASSIGN_OR_RETURN(auto current, current_calendar_version(db));
    if (current && pub.version <= *current) {
      return fail(Error::conflict("calendar version " + std::to_string(pub.version) +
                                  " is not newer than the office's version " + std::to_string(*current)));
    }
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt header, db.prepare(
        "INSERT INTO calendar_publication(version, published_at, source, day_count) VALUES (?1, ?2, ?3, ?4)"));
    header.bind(1, pub.version).bind(2, pub.published_at.ms).bind(3, pub.source)
        .bind(4, static_cast<int64_t>(pub.days.size()));
    MOTCUA_TRY(header.run());
    MOTCUA_TRY(db.exec("DELETE FROM calendar_day"));
    MOTCUA_ASSIGN_OR_RETURN(sql::Stmt ins, db.prepare(
        "INSERT INTO calendar_day(date, kind, name, status, working) VALUES (?1, ?2, ?3, ?4, ?5)"));
    for (const auto& d : pub.days) {
      ins.bind(1, format_date(d.date)).bind(2, d.kind).bind(3, d.name).bind(4, d.status).bind(5, d.working ? 1 : 0);
      MOTCUA_TRY(ins.run());
    }
  }
  return ok();
}

}  // namespace

Status apply_reference_update(sql::Db& db, const ReferenceUpdate& update) {
  if (!sqlite3_get_autocommit(db.get())) return apply_in_transaction(db, update);
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_TRY(apply_in_transaction(db, update));
  return tx.commit();
}

Result<std::optional<int64_t>> current_catalog_version(sql::Db& db) {
  return sql::query_int64(db, "SELECT max(version) FROM catalog_publication");
}

Result<std::optional<int64_t>> current_calendar_version(sql::Db& db) {
  return sql::query_int64(db, "SELECT max(version) FROM calendar_publication");
}

Result<CatalogPublication> catalog_delta(sql::Db& db, const std::vector<domain::Procedure>& full_catalog,
                                         int64_t version) {
  CatalogPublication pub;
  MOTCUA_ASSIGN_OR_RETURN(auto current, current_catalog_version(db));
  pub.version = version;
  pub.full = !current.has_value();
  std::map<std::string, std::string> existing;  // key -> fingerprint of the current version
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(std::string("SELECT ") + kProcedureColumns +
      " FROM procedure p WHERE version = (SELECT max(version) FROM procedure q WHERE q.key = p.key) AND abolished = 0"));
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    domain::Procedure p = procedure_from_row(st);
    existing[p.key] = procedure_fingerprint(p);
  }
  std::set<std::string> seen;
  for (const auto& p : full_catalog) {
    seen.insert(p.key);
    auto it = existing.find(p.key);
    if (it == existing.end() || it->second != procedure_fingerprint(p)) pub.changed.push_back(p);
  }
  for (const auto& [key, fp] : existing) {
    if (!seen.count(key)) pub.abolished.push_back(key);
  }
  return pub;
}

Result<domain::Calendar> load_calendar(sql::Db& db) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT date, kind, name, status, working FROM calendar_day ORDER BY date"));
  std::vector<domain::CalendarDay> days;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    MOTCUA_ASSIGN_OR_RETURN(Date d, parse_date(st.text(0)));
    days.push_back({d, st.text(1), st.text(2), st.text(3), st.int64(4) != 0});
  }
  return domain::Calendar(std::move(days));
}

Result<ProcedureRow> find_current_procedure(sql::Db& db, const std::string& key) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(std::string("SELECT ") + kProcedureColumns +
      " FROM procedure WHERE key = ?1 ORDER BY version DESC LIMIT 1"));
  st.bind(1, key);
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row || st.int64(18) != 0) {
    return fail(Error::not_found("no procedure '" + key + "' in the office's current catalogue",
                                 "use the national code (e.g. 1.001193) or the NB- id shown by the catalogue")
                    .vi("Không tìm thấy thủ tục '" + key + "' trong danh mục hiện hành."));
  }
  ProcedureRow out;
  out.procedure = procedure_from_row(st);
  out.version = st.int64(1);
  return out;
}

Result<std::vector<ProcedureRow>> current_procedures(sql::Db& db, const std::string& search) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(std::string("SELECT ") + kProcedureColumns +
      " FROM procedure p WHERE version = (SELECT max(version) FROM procedure q WHERE q.key = p.key) AND abolished = 0 "
      "ORDER BY key"));
  const std::string needle = fold_for_search(search);
  std::vector<ProcedureRow> out;
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    ProcedureRow r{procedure_from_row(st), st.int64(1)};
    if (!needle.empty() && fold_for_search(r.procedure.key + " " + r.procedure.name).find(needle) == std::string::npos) {
      continue;
    }
    out.push_back(std::move(r));
  }
  return out;
}

json procedure_json(const ProcedureRow& row) {
  const domain::Procedure& p = row.procedure;
  const domain::ParsedTimeLimit& t = p.time_limit;
  json limit = {{"outcome", domain::parse_outcome_name(t.outcome)},
                {"kind", limit_kind_text(t.main.kind)},
                {"hours", t.main.kind == domain::LimitKind::kWorkingHours ? json(t.main.hours) : json(nullptr)},
                {"label", t.main_label},
                {"variants", variants_json(t.variants)},
                {"notes", t.notes}};
  return {{"key", p.key},
          {"national_code", p.national_code.empty() ? json(nullptr) : json(p.national_code)},
          {"name", p.name},
          {"field", p.field},
          {"version", row.version},
          {"time_limit_text", p.time_limit_text},
          {"time_limit", limit},
          {"fee", p.fee_text}};
}

namespace {

Result<std::string> text_field(const json& o, const char* name, bool required) {
  if (!o.contains(name) || o[name].is_null()) {
    if (required) return fail(Error::invalid_input(std::string("publication field '") + name + "' is missing"));
    return std::string();
  }
  if (!o[name].is_string()) return fail(Error::invalid_input(std::string("publication field '") + name + "' is not text"));
  auto nfc = to_nfc(o[name].get<std::string>());
  if (!nfc) return fail(std::move(nfc.error()).context(name));
  return *nfc;
}

// A publication names its kind; one of another kind is refused (a calendar is never a catalogue).
Status kind_field(const json& doc, const char* kind) {
  if (doc.is_object() && doc.contains("kind") && doc["kind"] != kind) {
    return fail(Error::invalid_input(std::string("the publication is not a ") + kind + " (kind " + doc["kind"].dump() + ")"));
  }
  return ok();
}

Result<int64_t> version_field(const json& doc) {
  if (!doc.is_object() || !doc.contains("version") || !doc["version"].is_number_integer() ||
      doc["version"].get<int64_t>() < 1) {
    return fail(Error::invalid_input("a publication needs an integer version >= 1"));
  }
  return doc["version"].get<int64_t>();
}

Result<Instant> instant_field(const json& doc) {
  if (!doc.contains("published_at") || !doc["published_at"].is_string()) {
    return fail(Error::invalid_input("a publication needs published_at (RFC 3339)"));
  }
  return parse_rfc3339(doc["published_at"].get<std::string>());
}

}  // namespace

json catalog_publication_json(const CatalogPublication& pub) {
  json changed = json::array();
  for (const auto& p : pub.changed) {
    changed.push_back({{"key", p.key}, {"national_code", p.national_code}, {"name", p.name}, {"field", p.field},
                       {"resolving_body", p.resolving_body}, {"time_limit_text", p.time_limit_text},
                       {"fee", p.fee_text}, {"notes", p.notes}, {"required_documents", p.required_documents},
                       {"online_level", p.online_level}, {"source", p.source}});
  }
  return {{"kind", "catalog"}, {"version", pub.version}, {"published_at", format_rfc3339_vn(pub.published_at)},
          {"source", pub.source}, {"full", pub.full}, {"changed", changed}, {"abolished", pub.abolished}};
}

Result<CatalogPublication> catalog_publication_from_json(const json& doc) {
  MOTCUA_TRY(kind_field(doc, "catalog"));
  CatalogPublication pub;
  MOTCUA_ASSIGN_OR_RETURN(pub.version, version_field(doc));
  MOTCUA_ASSIGN_OR_RETURN(pub.published_at, instant_field(doc));
  MOTCUA_ASSIGN_OR_RETURN(pub.source, text_field(doc, "source", false));
  if (!doc.contains("changed") || !doc["changed"].is_array() || !doc.contains("abolished") || !doc["abolished"].is_array()) {
    return fail(Error::invalid_input("a catalogue publication needs the arrays changed and abolished"));
  }
  if (doc.contains("full")) {
    if (!doc["full"].is_boolean()) return fail(Error::invalid_input("a catalogue publication's full is true or false"));
    pub.full = doc["full"].get<bool>();
  }
  for (const auto& o : doc["changed"]) {
    if (!o.is_object()) return fail(Error::invalid_input("a changed procedure is not an object"));
    domain::Procedure p;
    MOTCUA_ASSIGN_OR_RETURN(p.key, text_field(o, "key", true));
    MOTCUA_ASSIGN_OR_RETURN(p.national_code, text_field(o, "national_code", false));
    MOTCUA_ASSIGN_OR_RETURN(p.name, text_field(o, "name", true));
    MOTCUA_ASSIGN_OR_RETURN(p.field, text_field(o, "field", false));
    MOTCUA_ASSIGN_OR_RETURN(p.resolving_body, text_field(o, "resolving_body", false));
    MOTCUA_ASSIGN_OR_RETURN(p.time_limit_text, text_field(o, "time_limit_text", false));
    MOTCUA_ASSIGN_OR_RETURN(p.fee_text, text_field(o, "fee", false));
    MOTCUA_ASSIGN_OR_RETURN(p.notes, text_field(o, "notes", false));
    MOTCUA_ASSIGN_OR_RETURN(p.required_documents, text_field(o, "required_documents", false));
    MOTCUA_ASSIGN_OR_RETURN(p.online_level, text_field(o, "online_level", false));
    MOTCUA_ASSIGN_OR_RETURN(p.source, text_field(o, "source", false));
    if (p.key.empty() || p.name.empty()) return fail(Error::invalid_input("a changed procedure needs a key and a name"));
    p.time_limit = domain::parse_time_limit(p.time_limit_text);
    pub.changed.push_back(std::move(p));
  }
  for (const auto& k : doc["abolished"]) {
    if (!k.is_string() || k.get<std::string>().empty()) return fail(Error::invalid_input("an abolished key is not text"));
    pub.abolished.push_back(k.get<std::string>());
  }
  return pub;
}

json calendar_publication_json(const CalendarPublication& pub) {
  json days = json::array();
  for (const auto& d : pub.days) {
    days.push_back({{"date", format_date(d.date)}, {"kind", d.kind}, {"name", d.name}, {"status", d.status},
                    {"working", d.working}});
  }
  return {{"kind", "calendar"}, {"version", pub.version}, {"published_at", format_rfc3339_vn(pub.published_at)},
          {"source", pub.source}, {"days", days}};
}

Result<CalendarPublication> calendar_publication_from_json(const json& doc) {
  MOTCUA_TRY(kind_field(doc, "calendar"));
  CalendarPublication pub;
  MOTCUA_ASSIGN_OR_RETURN(pub.version, version_field(doc));
  MOTCUA_ASSIGN_OR_RETURN(pub.published_at, instant_field(doc));
  MOTCUA_ASSIGN_OR_RETURN(pub.source, text_field(doc, "source", false));
  if (!doc.contains("days") || !doc["days"].is_array()) return fail(Error::invalid_input("a calendar needs the array days"));
  for (const auto& o : doc["days"]) {
    if (!o.is_object() || !o.contains("working") || !o["working"].is_boolean()) {
      return fail(Error::invalid_input("a calendar day needs date, kind, name, status and working"));
    }
    domain::CalendarDay d;
    MOTCUA_ASSIGN_OR_RETURN(std::string date, text_field(o, "date", true));
    MOTCUA_ASSIGN_OR_RETURN(d.date, parse_date(date));
    MOTCUA_ASSIGN_OR_RETURN(d.kind, text_field(o, "kind", true));
    MOTCUA_ASSIGN_OR_RETURN(d.name, text_field(o, "name", false));
    MOTCUA_ASSIGN_OR_RETURN(d.status, text_field(o, "status", false));
    d.working = o["working"].get<bool>();
    pub.days.push_back(std::move(d));
  }
  return pub;
}

Result<domain::Unit> load_unit(sql::Db& db, const std::string& code) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT code, name, kind, province_code, agency_id FROM unit WHERE code = ?1"));
  st.bind(1, code);
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return fail(Error::not_found("unit " + code + " is not in the office database"));
  return domain::Unit{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4)};
}

}  // namespace motcua::reference
