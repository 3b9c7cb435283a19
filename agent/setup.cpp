#include "agent/setup.hpp"

#include <filesystem>

#include "reference/reference.hpp"
#include "common/sqlite.hpp"
#include "common/files.hpp"

namespace motcua::agent {

using namespace motcua::reference;

Result<InitResult> init_office(const InitRequest& request, const Clock& clock) {
  // Validate everything before touching the disk.
  auto unit = domain::find_unit(request.unit_code);
  if (!unit) return fail(std::move(unit.error()));
  if (!request.agency_id.empty()) {
    if (!domain::is_valid_agency_id(request.agency_id)) {
      return fail(Error::invalid_input("agency id '" + request.agency_id + "' is not valid",
                                       "use 1-40 letters, digits and dots (no dashes), e.g. 000.33.11953"));
    }
    unit->agency_id = request.agency_id;
  }
  auto catalog_table = domain::read_csv_file(request.catalog_path);
  if (!catalog_table) return fail(std::move(catalog_table.error()).context("reading catalogue " + request.catalog_path));
  auto procedures = domain::parse_catalog_csv(*catalog_table);
  if (!procedures) return fail(std::move(procedures.error()).context("catalogue " + request.catalog_path));
  if (procedures->empty()) {
    return fail(Error::invalid_input("catalogue " + request.catalog_path + " has no procedures",
                                     "pass the province's published catalogue file"));
  }
  auto calendar_table = domain::read_csv_file(request.calendar_path);
  if (!calendar_table) return fail(std::move(calendar_table.error()).context("reading calendar " + request.calendar_path));
  auto days = domain::parse_calendar_csv(*calendar_table);
  if (!days) return fail(std::move(days.error()).context("calendar " + request.calendar_path));
  auto units = domain::province_units(unit->province_code);
  if (!units) return fail(std::move(units.error()));
  for (auto& u : *units) {
    if (u.code == unit->code) u.agency_id = unit->agency_id;
  }

  if (std::filesystem::exists(utf8_path(Store::database_path(request.data_dir)))) {
    MOTCUA_ASSIGN_OR_RETURN(Store existing, Store::open(request.data_dir, false, clock));
    MOTCUA_ASSIGN_OR_RETURN(auto set_up, existing.get_meta("unit"));
    if (set_up) {
      return fail(Error::failed_precondition("the office in " + request.data_dir + " is already set up for unit " + *set_up,
                                             "init runs once per data directory; use a new --data directory for another office"));
    }
  }
  MOTCUA_ASSIGN_OR_RETURN(Store store, Store::open(request.data_dir, true, clock));
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));

  ReferenceUpdate update;
  update.units = *units;
  // Files loaded before the office enrolls are version 0: the hub's first publication supersedes them.
  MOTCUA_ASSIGN_OR_RETURN(auto catalog_version, current_catalog_version(db));
  MOTCUA_ASSIGN_OR_RETURN(CatalogPublication catalog, catalog_delta(db, *procedures, next_version(catalog_version, 0)));
  catalog.published_at = clock.now();
  catalog.source = path_utf8(utf8_path(request.catalog_path).filename());
  update.catalog = std::move(catalog);
  CalendarPublication calendar;
  MOTCUA_ASSIGN_OR_RETURN(auto cal_version, current_calendar_version(db));
  calendar.version = next_version(cal_version, 0);
  calendar.published_at = clock.now();
  calendar.source = path_utf8(utf8_path(request.calendar_path).filename());
  calendar.days = std::move(*days);
  update.calendar = std::move(calendar);
  MOTCUA_TRY(apply_reference_update(db, update));
  MOTCUA_TRY(store.set_meta("unit", unit->code));

  MOTCUA_TRY(tx.commit());

  InitResult result;
  result.unit_code = unit->code;
  result.unit_name = unit->name;
  result.agency_id = unit->agency_id;
  result.catalog_version = update.catalog->version;
  result.procedures = static_cast<int64_t>(procedures->size());
  result.calendar_version = update.calendar->version;
  result.calendar_days = static_cast<int64_t>(update.calendar->days.size());
  result.units = static_cast<int64_t>(units->size());
  return result;
}

}  // namespace motcua::agent
