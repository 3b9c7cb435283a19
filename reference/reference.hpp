// Reference data the province owns — units, the procedure catalogue, the working calendar — and the
// one path that applies it, to an office database or to the hub's (the tables are the same:
// schema/reference). An office's `init` from files, the hub's publications and the feed all build a
// ReferenceUpdate and call apply_reference_update(); it writes without change capture, so reference
// data never echoes back to the hub.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"
#include "domain/calendar.hpp"
#include "domain/catalog.hpp"
#include "domain/units.hpp"

namespace motcua::reference {

// Versions are numbered per kind. The hub numbers its publications from 1; an office set up from
// files before it enrolled holds version 0, which the hub's first publication supersedes.
struct CatalogPublication {
  int64_t version = 0;  // must be greater than the office's current catalogue version
  Instant published_at;
  std::string source;
  // true: `changed` is the whole catalogue, and current procedures not in it are abolished (the
  // first publication, which may land on an office that was set up from files); false: a delta.
  bool full = false;
  std::vector<domain::Procedure> changed;  // new or amended procedures
  std::vector<std::string> abolished;      // keys of procedures no longer offered
};

struct CalendarPublication {
  int64_t version = 0;
  Instant published_at;
  std::string source;
  std::vector<domain::CalendarDay> days;  // the whole calendar: replaces the previous one
};

struct ReferenceUpdate {
  std::vector<domain::Unit> units;  // upserted
  std::optional<CatalogPublication> catalog;
  std::optional<CalendarPublication> calendar;
};

// Applies `update` inside the caller's transaction (or its own when none is open). A catalogue or
// calendar version not greater than the current one is kConflict and nothing is applied.
Status apply_reference_update(sql::Db& db, const ReferenceUpdate& update);

// The current versions; nullopt when the database holds no catalogue (calendar) yet.
Result<std::optional<int64_t>> current_catalog_version(sql::Db& db);
Result<std::optional<int64_t>> current_calendar_version(sql::Db& db);

// The version the next publication gets: current + 1, or `first` when there is none yet (0 for an
// office set up from files, 1 for the hub).
inline int64_t next_version(const std::optional<int64_t>& current, int64_t first) {
  return current ? *current + 1 : first;
}

// The delta between the database's current catalogue and a full catalogue file, as publication
// `version`: procedures that are new or whose published fields changed, and keys missing from the
// file (abolished). `full` is set when the database holds no catalogue yet.
Result<CatalogPublication> catalog_delta(sql::Db& db, const std::vector<domain::Procedure>& full_catalog,
                                         int64_t version);

// The calendar currently in force.
Result<domain::Calendar> load_calendar(sql::Db& db);

// The current (newest, not abolished) version of a procedure, by national code or internal key.
struct ProcedureRow {
  domain::Procedure procedure;
  int64_t version = 0;
};
Result<ProcedureRow> find_current_procedure(sql::Db& db, const std::string& key);

// The current catalogue (newest version of each procedure, abolished ones left out), ordered by key.
// A non-empty `search` keeps procedures whose code or name contains it, compared without diacritics
// or case ("khai sinh" finds "Thủ tục đăng ký khai sinh", "dang ky" finds "đăng ký").
Result<std::vector<ProcedureRow>> current_procedures(sql::Db& db, const std::string& search);

// A procedure as JSON: key, national_code (null = "chưa có mã"), name, field, version, the verbatim
// time-limit text and its parsed form {outcome, kind, hours, label, variants, notes}.
nlohmann::json procedure_json(const ProcedureRow& row);

// Publications as they travel to offices (the feed) and as the hub keeps them: JSON with the
// published fields only; the receiver parses the time-limit text with the same domain parser.
// from_json validates every field (kInvalidInput naming it) and normalises text to NFC.
nlohmann::json catalog_publication_json(const CatalogPublication& publication);
Result<CatalogPublication> catalog_publication_from_json(const nlohmann::json& doc);
nlohmann::json calendar_publication_json(const CalendarPublication& publication);
Result<CalendarPublication> calendar_publication_from_json(const nlohmann::json& doc);

// The unit's row from the office database. kNotFound if absent.
Result<domain::Unit> load_unit(sql::Db& db, const std::string& code);

}  // namespace motcua::reference
