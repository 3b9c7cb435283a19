// Reference publications by the province: a new catalogue version (only the procedures that changed
// travel) or a new working calendar. Each is applied to the hub's own reference tables through the
// shared apply path, kept as the JSON offices receive, and appended to every unit's feed, all in one
// transaction. Works while `serve` runs.
#pragma once

#include <string>

#include "common/error.hpp"
#include "hub/hub_store.hpp"
#include "sync-protocol/dictionary.hpp"

namespace motcua::hub {

struct PublishResult {
  std::string kind;              // "catalog" | "calendar" | "dictionary"
  bool changed = false;          // false: the file matches what is published; nothing was written
  int64_t version = 0;           // the new (or, when unchanged, the current) version
  int64_t procedures_changed = 0;
  int64_t procedures_abolished = 0;
  int64_t days = 0;
  int64_t dictionary_id = 0;     // a dictionary's zstd id
  int64_t units = 0;             // feeds it was appended to
  int64_t payload_bytes = 0;     // JSON size of the publication
};

// Records a publication (its JSON as offices receive it) and appends it to every unit's feed, inside
// the caller's transaction; returns the number of feeds. kInvalidInput, writing nothing, when the
// publication could not travel in a feed page of its own.
Result<int64_t> append_publication(sql::Db& db, const std::string& kind, int64_t version, Instant at,
                                   const std::string& source, const std::string& payload);

// A catalogue CSV (format of data/tthc-commune-sample.csv). A bad file changes nothing.
Result<PublishResult> publish_catalog(HubStore& store, const std::string& csv_path);

// A calendar CSV (format of data/holidays-vn.csv); replaces the whole calendar. A bad file changes nothing.
Result<PublishResult> publish_calendar(HubStore& store, const std::string& csv_path);

// A zstd dictionary file (made by motcua-train-dictionary) for offices to compress their batches
// with (PROTOCOL.md 4.1). Kept for good: offices may send batches made with it long after a newer
// one is published. Publishing the newest dictionary again changes nothing; publishing an older one
// again makes it the newest. A file that is not an acceptable dictionary changes nothing.
Result<PublishResult> publish_dictionary(HubStore& store, const std::string& path);

// A dictionary this hub published, by id; nullopt when it never did.
Result<std::optional<sync::Dictionary>> find_dictionary(sql::Db& db, uint32_t id);

}  // namespace motcua::hub
