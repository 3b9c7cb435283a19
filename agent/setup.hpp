// Setting an office up from files (`motcua-agent init`): the unit, the province's units, the
// procedure catalogue and the calendar, through the same apply path the hub's feed uses.
#pragma once

#include <string>

#include "agent/store.hpp"
#include "common/error.hpp"

namespace motcua::agent {

struct InitRequest {
  std::string data_dir;
  std::string unit_code;     // GSO code of this office's unit
  std::string agency_id;     // dossier code prefix; empty = documented default
  std::string catalog_path;  // CSV in the format of data/tthc-commune-sample.csv
  std::string calendar_path; // CSV in the format of data/holidays-vn.csv
};

struct InitResult {
  std::string unit_code;
  std::string unit_name;
  std::string agency_id;
  int64_t catalog_version = 0;
  int64_t procedures = 0;
  int64_t calendar_version = 0;
  int64_t calendar_days = 0;
  int64_t units = 0;
};

// Creates DIR (if needed) and its database, and loads the reference data, all in one transaction.
// Every input is validated before anything is written: a bad file, an unknown unit or an invalid
// agency id changes nothing. An office already set up is kFailedPrecondition.
Result<InitResult> init_office(const InitRequest& request, const Clock& clock);

}  // namespace motcua::agent
