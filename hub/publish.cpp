#include "hub/publish.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "reference/reference.hpp"
#include "sync-protocol/feed.hpp"

namespace motcua::hub {

using nlohmann::json;

namespace {

// A publication travels whole in one feed page: refuse one that cannot (PROTOCOL.md section 9).
Status check_size(const std::string& kind, int64_t version, const std::string& payload) {
  sync::FeedEntry entry;
  entry.position = 1;
  entry.kind = kind == "calendar" ? sync::FeedKind::kCalendar : sync::FeedKind::kCatalog;
  entry.version = static_cast<uint64_t>(version);
  entry.body = payload;
  auto fits = sync::check_feed_entry_fits(entry);
  if (fits) return ok();
  return fail(Error::invalid_input("the " + kind + " publication cannot travel to offices: " + fits.error().message,
                                   "no province publishes this much at once; check the file (is it the whole country, "
                                   "or the same rows many times?)"));
}

// Records the publication and appends it to every unit's feed (inside the caller's transaction).
Result<int64_t> append_to_feeds(sql::Db& db, const std::string& kind, int64_t version, Instant at,
                                 const std::string& source, const std::string& payload) {
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

}  // namespace

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
  MOTCUA_ASSIGN_OR_RETURN(reference::CatalogPublication pub,
                          reference::catalog_delta(db, *procedures, reference::next_version(current, 1)));
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
  MOTCUA_TRY(check_size("catalog", pub.version, payload));
  MOTCUA_ASSIGN_OR_RETURN(result.units, append_to_feeds(db, "catalog", pub.version, pub.published_at, pub.source, payload));
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
  pub.version = reference::next_version(current, 1);
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
  MOTCUA_TRY(check_size("calendar", pub.version, payload));
  MOTCUA_ASSIGN_OR_RETURN(result.units, append_to_feeds(db, "calendar", pub.version, pub.published_at, pub.source, payload));
  MOTCUA_TRY(tx.commit());
  result.changed = true;
  result.version = pub.version;
  result.payload_bytes = static_cast<int64_t>(payload.size());
  return result;
}

}  // namespace motcua::hub
