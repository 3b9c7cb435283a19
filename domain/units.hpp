// Administrative units (đơn vị): the 34 provinces and 3,321 communes since 01/07/2025, with their
// GSO codes, and the agency id that prefixes a unit's dossier codes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace motcua::domain {

struct Unit {
  std::string code;           // GSO: 5 digits (commune) or 2 digits (province)
  std::string name;           // NFC, e.g. "Phường Phố Hiến"
  std::string kind;           // "commune" | "province" | "agency"
  std::string province_code;  // 2 digits
  std::string agency_id;      // dossier code prefix
};

// The documented default agency id of a unit: "<province code>.<unit code>" for a commune
// (e.g. 33.11953) and "<province code>" for a province. Offices whose province assigns other ids
// set them with `init --agency-id`.
std::string default_agency_id(const std::string& unit_code, const std::string& province_code);

// True for 1–40 characters of [A-Za-z0-9.]: dossier codes are split on '-', so no dashes.
bool is_valid_agency_id(std::string_view id);

// Every unit of a province (the province itself first, then its communes), from the embedded
// GSO lists. Unknown province: kNotFound.
Result<std::vector<Unit>> province_units(const std::string& province_code);

// The unit with this code (commune or province) from the embedded lists. Unknown: kNotFound.
Result<Unit> find_unit(const std::string& code);

}  // namespace motcua::domain
