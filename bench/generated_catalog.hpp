// A province-size procedure catalogue for the feed benchmarks (motcua-bench-feed,
// motcua-bench-fanout), generated from the sample catalogue so that compression is not flattered.
#pragma once

#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "domain/csv.hpp"

namespace motcua::bench {

struct CatalogVocabulary {
  std::vector<std::vector<std::string>> rows;  // the sample's procedures (8 columns or more)
  std::vector<std::string> words;              // every word of their names, fields, bodies, fees, notes
};

// Reads the sample catalogue (data/tthc-commune-sample.csv). Errors as domain::read_csv_file.
inline Result<CatalogVocabulary> read_catalog_vocabulary(const std::string& sample_csv) {
  MOTCUA_ASSIGN_OR_RETURN(auto table, domain::read_csv_file(sample_csv));
  CatalogVocabulary v;
  for (const auto& row : table.rows) {
    if (row.size() < 8) continue;
    v.rows.push_back(row);
    for (int c : {1, 2, 3, 5, 6}) {
      std::istringstream in(row[static_cast<size_t>(c)]);
      for (std::string w; in >> w;) v.words.push_back(w);
    }
  }
  if (v.rows.empty() || v.words.empty()) return fail(Error::invalid_input(sample_csv + " holds no procedures"));
  return v;
}

// N procedures in the sample's CSV format, keys 9.NNNNNN. Names, fields and bodies come from the
// sample catalogue; the notes are 60 words drawn (fixed seed) from the sample's own vocabulary, so
// entries differ from each other about as much as real ones and compression is not flattered. The
// procedures whose index is a multiple of `every` (when every > 0) get a longer time limit.
inline std::string generated_catalog(const CatalogVocabulary& v, int n, int every) {
  std::mt19937 rng(20260302);
  auto quoted = [](const std::string& cell) {
    std::string q = "\"";
    for (char c : cell) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  const auto& words = v.words;
  std::string csv = "ma_tthc,ten_tthc,linh_vuc,co_quan_thuc_hien,thoi_han_giai_quyet,phi_le_phi,ghi_chu,source\n";
  for (int i = 0; i < n; ++i) {
    const auto& t = v.rows[static_cast<size_t>(i) % v.rows.size()];
    char code[16];
    std::snprintf(code, sizeof code, "9.%06d", i);
    std::string notes;
    for (int w = 0; w < 60; ++w) notes += (w ? " " : "") + words[rng() % words.size()];
    const bool changed = every > 0 && i % every == 0;
    csv += std::string(code) + "," + quoted(t[1] + " (" + words[rng() % words.size()] + " " + std::to_string(i) + ")") +
           "," + quoted(t[2]) + "," + quoted(t[3]) + "," +
           (changed ? "Không quá 07 ngày làm việc" : "Không quá 05 ngày làm việc") + "," + quoted(t[5]) + "," +
           quoted(notes) + ",bench\n";
  }
  return csv;
}

}  // namespace motcua::bench
