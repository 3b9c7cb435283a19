#include "domain/units.hpp"

#include "common/text.hpp"
#include "data/embedded.hpp"
#include "domain/csv.hpp"

namespace motcua::domain {

std::string default_agency_id(const std::string& unit_code, const std::string& province_code) {
  if (unit_code == province_code) return province_code;
  return province_code + "." + unit_code;
}

bool is_valid_agency_id(std::string_view id) {
  if (id.empty() || id.size() > 40) return false;
  for (char c : id) {
    bool okc = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.';
    if (!okc) return false;
  }
  return true;
}

namespace {

Result<std::vector<Unit>> parse_all_units() {
  std::vector<Unit> units;
  MOTCUA_ASSIGN_OR_RETURN(CsvTable provinces, parse_csv(data::provinces_csv()));
  int pc = provinces.column("ma_tinh"), pn = provinces.column("ten_tinh");
  if (pc < 0 || pn < 0) return fail(Error::internal("embedded province list has no ma_tinh/ten_tinh column"));
  for (const auto& row : provinces.rows) {
    MOTCUA_ASSIGN_OR_RETURN(std::string name, to_nfc(row[pn]));
    units.push_back({row[pc], name, "province", row[pc], default_agency_id(row[pc], row[pc])});
  }
  MOTCUA_ASSIGN_OR_RETURN(CsvTable communes, parse_csv(data::communes_csv()));
  int cc = communes.column("ma_xa"), cn = communes.column("ten_xa"), cp = communes.column("ma_tinh");
  if (cc < 0 || cn < 0 || cp < 0) return fail(Error::internal("embedded commune list lacks ma_xa/ten_xa/ma_tinh"));
  for (const auto& row : communes.rows) {
    MOTCUA_ASSIGN_OR_RETURN(std::string name, to_nfc(row[cn]));
    units.push_back({row[cc], name, "commune", row[cp], default_agency_id(row[cc], row[cp])});
  }
  return units;
}

// The embedded lists never change while the process runs: parse them once (thread-safe static).
const Result<std::vector<Unit>>& all_units() {
  static const Result<std::vector<Unit>> units = parse_all_units();
  return units;
}

}  // namespace

Result<std::vector<Unit>> province_units(const std::string& province_code) {
  const auto& all = all_units();
  if (!all) return fail(all.error());
  std::vector<Unit> out;
  for (const auto& u : *all) {
    if (u.province_code == province_code) out.push_back(u);
  }
  if (out.empty()) {
    return fail(Error::not_found("no province with GSO code '" + province_code + "'",
                                 "province codes are 2 digits, e.g. 33 for Hưng Yên (see data/provinces-2025.csv)"));
  }
  return out;
}

Result<Unit> find_unit(const std::string& code) {
  const auto& all = all_units();
  if (!all) return fail(all.error());
  for (const auto& u : *all) {
    if (u.code == code) return u;
  }
  return fail(Error::not_found("no unit with GSO code '" + code + "'",
                               "commune codes are 5 digits, e.g. 11953 for Phường Phố Hiến (see data/communes-2025.csv)"));
}

}  // namespace motcua::domain
