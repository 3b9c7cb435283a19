// The reference the upload benchmarks compare motcua's wire bytes with: an office's
// dossiers as JSON lines, one line per dossier (its documents nested) followed by one line per event,
// compressed with `zstd -19` in batches of 100 dossiers, as a plain JSON-over-HTTP design would
// upload them. Read back from the office's database, so it holds exactly the dossiers the office
// recorded. Fields: those a clerk typed or the office computed (ids, code, units, procedure,
// applicant, citizen id, phone, address, channel, receipt and due instants as RFC 3339, actor,
// documents; events with their statuses, instant, actor and unit); the submitter and an event's note
// only when not empty. Bookkeeping columns (hlc, entered_at, due rule, document ids) are left out,
// which favours the reference. JsonColumns::kEvery keeps every column of the fact tables instead
// (ids as hex), the content the changesets carry, to tell the format's cost from the content's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <zstd.h>

#include "common/error.hpp"
#include "common/sqlite.hpp"
#include "common/time.hpp"

namespace motcua::bench {

inline constexpr int kJsonLinesLevel = 19;
inline constexpr int kJsonLinesDossiersPerBatch = 100;

// Size of `text` compressed as one zstd frame at `level`.
inline Result<size_t> zstd_size(const std::string& text, int level) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), level);
  if (ZSTD_isError(n)) return fail(Error::internal(std::string("zstd: ") + ZSTD_getErrorName(n)));
  return n;
}

enum class JsonColumns { kReference, kEvery };

struct JsonLinesReference {
  int64_t dossiers = 0;
  int64_t documents = 0;
  int64_t events = 0;
  int64_t batches = 0;
  int64_t raw_bytes = 0;   // the JSON lines
  int64_t zstd_bytes = 0;  // the batches compressed, summed
};

// One row, every column by its name (blobs as lower-case hex).
inline nlohmann::json json_row(const sql::Stmt& st) {
  nlohmann::json row = nlohmann::json::object();
  for (int c = 0; c < sqlite3_column_count(st.get()); ++c) {
    const char* name = sqlite3_column_name(st.get(), c);
    switch (sqlite3_column_type(st.get(), c)) {
      case SQLITE_INTEGER: row[name] = st.int64(c); break;
      case SQLITE_TEXT: row[name] = st.text(c); break;
      case SQLITE_BLOB: {
        std::string hex;
        for (uint8_t b : st.blob(c)) {
          hex += "0123456789abcdef"[b >> 4];
          hex += "0123456789abcdef"[b & 15];
        }
        row[name] = hex;
        break;
      }
      default: row[name] = nullptr;
    }
  }
  return row;
}

// The office's dossiers (in the order they were recorded) as JSON lines, compressed in batches.
inline Result<JsonLinesReference> json_lines_reference(sql::Db& db, int dossiers_per_batch = kJsonLinesDossiersPerBatch,
                                                       int level = kJsonLinesLevel,
                                                       JsonColumns columns = JsonColumns::kReference) {
  using nlohmann::json;
  const bool every = columns == JsonColumns::kEvery;
  auto instant = [](const sql::Stmt& st, int col) {
    return st.is_null(col) ? std::string() : format_rfc3339_vn(Instant{st.int64(col)});
  };
  // The dossier's id comes first (binary, then hex) in both forms, so rows are found the same way.
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt dossiers, db.prepare(
      every ? "SELECT id AS id_blob_, lower(hex(id)) AS id_hex_, * FROM dossier ORDER BY rowid"
            : "SELECT id, lower(hex(id)), code, receiving_unit, procedure_key, applicant_name, applicant_citizen_id, "
              "phone, address, channel, received_at, due_at, actor, submitter_name FROM dossier ORDER BY rowid"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt documents, db.prepare(
      every ? "SELECT * FROM dossier_document WHERE dossier_id = ?1 ORDER BY position"
            : "SELECT name, form, copies FROM dossier_document WHERE dossier_id = ?1 ORDER BY position"));
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt events, db.prepare(
      every ? "SELECT * FROM dossier_event WHERE dossier_id = ?1 ORDER BY hlc"
            : "SELECT lower(hex(id)), from_status, to_status, at, actor, origin_unit, note FROM dossier_event "
              "WHERE dossier_id = ?1 ORDER BY hlc"));
  JsonLinesReference ref;
  std::string batch;
  int in_batch = 0;
  auto flush = [&]() -> Status {
    if (in_batch == 0) return ok();
    MOTCUA_ASSIGN_OR_RETURN(size_t compressed, zstd_size(batch, level));
    ref.raw_bytes += static_cast<int64_t>(batch.size());
    ref.zstd_bytes += static_cast<int64_t>(compressed);
    ++ref.batches;
    batch.clear();
    in_batch = 0;
    return ok();
  };
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, dossiers.step());
    if (!row) break;
    const std::string id = dossiers.text(1);
    json d;
    if (every) {
      d = json_row(dossiers);
      d.erase("id_blob_");
      d.erase("id_hex_");
    } else {
      d = {{"id", id}, {"code", dossiers.text(2)}, {"receiving_unit", dossiers.text(3)},
           {"procedure", dossiers.text(4)}, {"applicant", dossiers.text(5)}, {"citizen_id", dossiers.text(6)},
           {"phone", dossiers.text(7)}, {"address", dossiers.text(8)}, {"channel", dossiers.int64(9)},
           {"received_at", instant(dossiers, 10)}, {"due_at", instant(dossiers, 11)}, {"actor", dossiers.text(12)}};
      if (!dossiers.text(13).empty()) d["submitter"] = dossiers.text(13);
    }
    json docs = json::array();
    MOTCUA_TRY(documents.reset());
    documents.bind(1, dossiers.blob(0));
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool doc, documents.step());
      if (!doc) break;
      if (every) {
        docs.push_back(json_row(documents));
      } else {
        docs.push_back({{"name", documents.text(0)}, {"form", documents.text(1)}, {"copies", documents.int64(2)}});
      }
      ++ref.documents;
    }
    d["documents"] = std::move(docs);
    batch += d.dump() + "\n";
    MOTCUA_TRY(events.reset());
    events.bind(1, dossiers.blob(0));
    while (true) {
      MOTCUA_ASSIGN_OR_RETURN(bool ev, events.step());
      if (!ev) break;
      json e;
      if (every) {
        e = json_row(events);
      } else {
        e = {{"id", events.text(0)}, {"dossier_id", id},
             {"from", events.is_null(1) ? json() : json(events.int64(1))},
             {"to", events.is_null(2) ? json() : json(events.int64(2))},
             {"at", instant(events, 3)}, {"actor", events.text(4)}, {"unit", events.text(5)}};
        if (!events.text(6).empty()) e["note"] = events.text(6);
      }
      batch += e.dump() + "\n";
      ++ref.events;
    }
    ++ref.dossiers;
    if (++in_batch == dossiers_per_batch) MOTCUA_TRY(flush());
  }
  MOTCUA_TRY(flush());
  return ref;
}

}  // namespace motcua::bench
