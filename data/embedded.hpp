// Reference data files compiled into the binaries (see data/CMakeLists.txt).
#pragma once

#include <string_view>

namespace motcua::data {

std::string_view communes_csv();   // data/communes-2025.csv: ma_xa, ten_xa, ma_tinh, ten_tinh, source
std::string_view provinces_csv();  // data/provinces-2025.csv: ma_tinh, ten_tinh, source

}  // namespace motcua::data
