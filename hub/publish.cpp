#include "hub/publish.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "reference/reference.hpp"
#include "sync-protocol/dictionary.hpp"
#include "sync-protocol/feed.hpp"

namespace motcua::hub {

using nlohmann::json;

namespace {

// The version of the next publication of a kind whose current version is `current`.
// Rule after a restore from a backup (hub/backup.hpp restore_hub): offices may hold versions this
// hub published after the backup was taken and no longer knows of. The restore sets meta
// 'publication_version_floor' to the highest version in the backup + 1000 (and republishes the
// current catalogue and calendar at that version); every publication is numbered
// max(current + 1, floor), so offices always find it newer than what they hold. Without a floor
// (never restored) this is current + 1, or 1 for the first publication.
Result<int64_t> next_publication_version(sql::Db& db, const std::optional<int64_t>& current) {
  MOTCUA_ASSIGN_OR_RETURN(auto floor, sql::query_int64(db,
      "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'publication_version_floor'"));
  return std::max(reference::next_version(current, 1), floor.value_or(0));
}

}  // namespace

Result<int64_t> append_publication(sql::Db& db, const std::string& kind, int64_t version, Instant at,
                                   const std::string& source, const std::string& payload) {
  // A publication travels whole in one feed page: refuse one that cannot (PROTOCOL.md section 9).
  sync::FeedEntry entry;
  entry.position = 1;
  entry.kind = kind == "calendar"     ? sync::FeedKind::kCalendar
               : kind == "dictionary" ? sync::FeedKind::kDictionary
                                      : sync::FeedKind::kCatalog;
  entry.version = static_cast<uint64_t>(version);
  entry.body = payload;
  auto fits = sync::check_feed_entry_fits(entry);
  if (!fits) {
    return fail(Error::invalid_input("the " + kind + " publication cannot travel to offices: " + fits.error().message,
                                     "no province publishes this much at once; check the file (is it the whole "
                                     "country, or the same rows many times?)"));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt pub, db.prepare(
      "INSERT INTO publication(kind, version, published_at, source, payload) VALUES (?1, ?2, ?3, ?4, ?5)"));
  pub.bind(1, kind).bind(2, version).bind(3, at.ms).bind(4, source).bind(5, payload);
  MOTCUA_TRY(pub.run());
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt feed, db.prepare(
      "INSERT INTO feed_entry(unit, position, kind, version, created_at) "
      "SELECT u.code, coalesce((SELECT max(position) FROM feed_entry f WHERE f.unit = u.code), 0) + 1, ?1, ?2, ?3 "
      "FROM unit u"));
  feed.bind(1, kind).bind(2, version).bind(3, at.ms);
  MOTCUA_TRY(feed.run());
  return static_cast<int64_t>(db.changes());
}

Result<PublishResult> publish_catalog(HubStore& store, const std::string& csv_path) {
  auto table = domain::read_csv_file(csv_path);
  if (!table) return fail(std::move(table.error()).context("reading catalogue " + csv_path));
  auto procedures = domain::parse_catalog_csv(*table);
  if (!procedures) return fail(std::move(procedures.error()).context("catalogue " + csv_path));
  if (procedures->empty()) {
    return fail(Error::invalid_input("catalogue " + csv_path + " has no procedures", "publish the province's whole catalogue"));
  }
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(auto current, reference::current_catalog_version(db));
  MOTCUA_ASSIGN_OR_RETURN(const int64_t version, next_publication_version(db, current));
  MOTCUA_ASSIGN_OR_RETURN(reference::CatalogPublication pub, reference::catalog_delta(db, *procedures, version));
  PublishResult result;
  result.kind = "catalog";
  if (pub.changed.empty() && pub.abolished.empty()) {
    result.version = current.value_or(0);
    return result;  // the transaction rolls back: nothing written
  }
  pub.published_at = whole_second(store.clock().now());
  pub.source = std::filesystem::path(csv_path).filename().string();
  reference::ReferenceUpdate update;
  update.catalog = pub;
  MOTCUA_TRY(reference::apply_reference_update(db, update));
  const std::string payload = reference::catalog_publication_json(pub).dump();
  MOTCUA_ASSIGN_OR_RETURN(result.units, append_publication(db, "catalog", pub.version, pub.published_at, pub.source, payload));
  MOTCUA_TRY(tx.commit());
  result.changed = true;
  result.version = pub.version;
  result.procedures_changed = static_cast<int64_t>(pub.changed.size());
  result.procedures_abolished = static_cast<int64_t>(pub.abolished.size());
  result.payload_bytes = static_cast<int64_t>(payload.size());
  return result;
}

Result<PublishResult> publish_calendar(HubStore& store, const std::string& csv_path) {
  auto table = domain::read_csv_file(csv_path);
  if (!table) return fail(std::move(table.error()).context("reading calendar " + csv_path));
  auto days = domain::parse_calendar_csv(*table);
  if (!days) return fail(std::move(days.error()).context("calendar " + csv_path));
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  MOTCUA_ASSIGN_OR_RETURN(auto current, reference::current_calendar_version(db));
  reference::CalendarPublication pub;
  MOTCUA_ASSIGN_OR_RETURN(pub.version, next_publication_version(db, current));
  pub.days = *days;
  PublishResult result;
  result.kind = "calendar";
  result.days = static_cast<int64_t>(days->size());
  if (current) {
    MOTCUA_ASSIGN_OR_RETURN(domain::Calendar existing, reference::load_calendar(db));
    reference::CalendarPublication now_published;
    now_published.days = existing.days();
    if (reference::calendar_publication_json(now_published)["days"] == reference::calendar_publication_json(pub)["days"]) {
      result.version = *current;
      return result;
    }
  }
  pub.published_at = whole_second(store.clock().now());
  pub.source = std::filesystem::path(csv_path).filename().string();
  reference::ReferenceUpdate update;
  update.calendar = pub;
  MOTCUA_TRY(reference::apply_reference_update(db, update));
  const std::string payload = reference::calendar_publication_json(pub).dump();
  MOTCUA_ASSIGN_OR_RETURN(result.units, append_publication(db, "calendar", pub.version, pub.published_at, pub.source, payload));
  MOTCUA_TRY(tx.commit());
  result.changed = true;
  result.version = pub.version;
  result.payload_bytes = static_cast<int64_t>(payload.size());
  return result;
}

Result<PublishResult> publish_dictionary(HubStore& store, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Error::not_found("cannot read dictionary file " + path, "check the path"));
  std::string bytes;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (bytes.size() > sync::kMaxDictionarySize) bytes.resize(sync::kMaxDictionarySize + 1);  // refused below
  auto dictionary = sync::load_dictionary(sync::ByteView(bytes));
  if (!dictionary) return fail(std::move(dictionary.error()).context("dictionary " + path));
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
  PublishResult result;
  result.kind = "dictionary";
  result.dictionary_id = dictionary->id;
  result.payload_bytes = static_cast<int64_t>(dictionary->bytes.size());
  MOTCUA_ASSIGN_OR_RETURN(auto newest, sql::query_int64(db,
      "SELECT id FROM dictionary ORDER BY version DESC LIMIT 1"));
  MOTCUA_ASSIGN_OR_RETURN(auto current, sql::query_int64(db, "SELECT max(version) FROM publication WHERE kind = 'dictionary'"));
  if (newest && *newest == static_cast<int64_t>(dictionary->id)) {
    result.version = current.value_or(0);
    return result;  // already the one offices use: nothing written
  }
  MOTCUA_ASSIGN_OR_RETURN(result.version, next_publication_version(db, current));
  const Instant at = whole_second(store.clock().now());
  const std::string source = std::filesystem::path(path).filename().string();
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt put, db.prepare(
      "INSERT INTO dictionary(id, bytes, version, published_at, source) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT(id) DO UPDATE SET version = excluded.version, published_at = excluded.published_at"));
  put.bind(1, static_cast<int64_t>(dictionary->id)).bind(2, dictionary->bytes).bind(3, result.version).bind(4, at.ms)
      .bind(5, source);
  MOTCUA_TRY(put.run());
  const std::string payload = sync::dictionary_publication_json(*dictionary, result.version, format_rfc3339_vn(at), source);
  MOTCUA_ASSIGN_OR_RETURN(result.units, append_publication(db, "dictionary", result.version, at, source, payload));
  MOTCUA_TRY(tx.commit());
  result.changed = true;
  return result;
}

Result<std::optional<sync::Dictionary>> find_dictionary(sql::Db& db, uint32_t id) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare("SELECT bytes FROM dictionary WHERE id = ?1"));
  st.bind(1, static_cast<int64_t>(id));
  MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<sync::Dictionary>();
  sql::Blob bytes = st.blob(0);
  auto loaded = sync::load_dictionary(bytes);
  if (!loaded) return fail(Error::corruption("stored dictionary " + std::to_string(id) + " is damaged: " + loaded.error().message));
  return std::optional<sync::Dictionary>(std::move(*loaded));
}

}  // namespace motcua::hub
