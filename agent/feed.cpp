#include "agent/feed.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/fault.hpp"
#include "facts/dossier_store.hpp"
#include "reference/reference.hpp"
#include "sync-protocol/dictionary.hpp"
#include "sync-protocol/feed.hpp"

namespace motcua::agent {

using nlohmann::json;

namespace {

struct Cursor {
  Id128 epoch;
  uint64_t position = 0;
};

// Where the office's feed stands: set at the first pull from the epoch learnt at enrollment.
Result<Cursor> load_cursor(Store& store) {
  Cursor c;
  MOTCUA_ASSIGN_OR_RETURN(auto epoch, store.get_meta("feed_epoch"));
  if (!epoch) {
    MOTCUA_ASSIGN_OR_RETURN(epoch, store.get_meta("hub_epoch"));
  }
  if (!epoch) return c;  // an epoch of zeros is never the hub's: the feed starts from the beginning
  auto id = Id128::from_hex(*epoch);
  if (id) c.epoch = *id;
  MOTCUA_ASSIGN_OR_RETURN(auto position, store.get_meta("feed_position"));
  if (position && id) {
    MOTCUA_ASSIGN_OR_RETURN(c.position, parse_meta_number(*position, "feed_position"));
  }
  return c;
}

Error bad_page(const std::string& what) {
  return Error::corruption("the hub's feed page was refused: " + what,
                           "nothing in it was applied; the next sync asks again. If this repeats, tell provincial IT");
}

// A dictionary publication: kept (its id is derived from its bytes, so an id the office holds is
// the same dictionary) and, being the newest version, used for the next batches. false: the office
// already holds this version or a newer one.
Result<bool> apply_dictionary(sql::Db& db, const sync::FeedEntry& entry, Instant now) {
  auto pub = sync::dictionary_publication_from_json(entry.body);
  if (!pub) return fail(bad_page("dictionary entry " + std::to_string(entry.position) + ": " + pub.error().message));
  if (static_cast<uint64_t>(pub->version) != entry.version) {
    return fail(bad_page("entry " + std::to_string(entry.position) + " says version " + std::to_string(entry.version) +
                         " but its publication is version " + std::to_string(pub->version)));
  }
  MOTCUA_ASSIGN_OR_RETURN(auto current, sql::query_int64(db, "SELECT max(version) FROM compression_dictionary"));
  if (current && pub->version <= *current) return false;
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt put, db.prepare(
      "INSERT INTO compression_dictionary(id, bytes, version, received_at) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(id) DO UPDATE SET version = excluded.version"));
  put.bind(1, static_cast<int64_t>(pub->dictionary.id)).bind(2, pub->dictionary.bytes).bind(3, pub->version).bind(4, now.ms);
  MOTCUA_TRY(put.run());
  return true;
}

// Dossier facts from other units: rows this office does not hold yet are inserted without capture
// (never echoed to the hub), their dossiers refolded, and the office clock moved past them.
// false: the office held every row already.
Result<bool> apply_facts(Store& store, const sync::FeedEntry& entry) {
  json doc = json::parse(entry.body, nullptr, false);
  if (!doc.is_object()) return fail(bad_page("facts entry " + std::to_string(entry.position) + " is not a JSON object"));
  auto applied = facts::apply_facts_json(store.db(), doc);
  if (!applied) return fail(bad_page("facts entry " + std::to_string(entry.position) + ": " + applied.error().message));
  MOTCUA_TRY(store.observe_hlc(applied->max_hlc));
  return applied->rows_new > 0;
}

// Applies one entry inside the page's transaction. false: the office already holds this version.
Result<bool> apply_entry(Store& store, const sync::FeedEntry& entry, Instant now) {
  sql::Db& db = store.db();
  if (entry.kind == sync::FeedKind::kFacts) return apply_facts(store, entry);
  if (entry.kind == sync::FeedKind::kDictionary) return apply_dictionary(db, entry, now);
  json doc = json::parse(entry.body, nullptr, false);
  if (!doc.is_object()) return fail(bad_page("entry " + std::to_string(entry.position) + " is not a JSON object"));
  reference::ReferenceUpdate update;
  std::optional<int64_t> current;
  int64_t version = 0;
  if (entry.kind == sync::FeedKind::kCatalog) {
    auto pub = reference::catalog_publication_from_json(doc);
    if (!pub) return fail(bad_page("catalogue entry " + std::to_string(entry.position) + ": " + pub.error().message));
    version = pub->version;
    MOTCUA_ASSIGN_OR_RETURN(current, reference::current_catalog_version(db));
    update.catalog = std::move(*pub);
  } else {
    auto pub = reference::calendar_publication_from_json(doc);
    if (!pub) return fail(bad_page("calendar entry " + std::to_string(entry.position) + ": " + pub.error().message));
    version = pub->version;
    MOTCUA_ASSIGN_OR_RETURN(current, reference::current_calendar_version(db));
    update.calendar = std::move(*pub);
  }
  if (static_cast<uint64_t>(version) != entry.version) {
    return fail(bad_page("entry " + std::to_string(entry.position) + " says version " + std::to_string(entry.version) +
                         " but its publication is version " + std::to_string(version)));
  }
  if (current && version <= *current) return false;
  MOTCUA_TRY(reference::apply_reference_update(db, update));
  return true;
}

}  // namespace

Result<FeedReport> pull_feed(Store& store, const HubLink& link) {
  FeedReport report;
  sql::Db& db = store.db();
  MOTCUA_ASSIGN_OR_RETURN(Cursor cursor, load_cursor(store));
  for (int page_no = 0; page_no < kMaxFeedPagesPerPull; ++page_no) {
    const Instant sent_at = store.clock().now();
    const std::string target = "/v1/feed?after=" + std::to_string(cursor.position) + "&epoch=" + cursor.epoch.hex() +
                               "&agent_time=" + std::to_string(std::max<int64_t>(0, sent_at.ms));
    MOTCUA_ASSIGN_OR_RETURN(SignedReply sent, send_signed(store, link, "GET", target, "", ""));
    ++report.requests;
    report.wire_bytes_up += sent.reply.bytes_sent;
    report.wire_bytes_down += sent.reply.bytes_received;
    if (sent.reply.status != 200) return fail(hub_error(sent.reply));
    const sync::ByteView bytes(sent.reply.body);
    auto verified = sync::verify_feed_page(bytes, link.hub_key);
    if (!verified) {
      return fail(Error::unauthorized("a feed page is not signed by the enrolled hub: " + verified.error().message,
                                      "nothing in it was applied; check the hub address"));
    }
    auto page = sync::decode_feed_page(bytes);
    if (!page) return fail(bad_page(page.error().message));
    auto answers = sync::check_feed_page_answers(page->header, link.agent_id, sent.counter, cursor.epoch,
                                                 cursor.position);
    if (!answers) return fail(bad_page(answers.error().message));

    const Instant now = store.clock().now();
    {
      MOTCUA_ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin_immediate(db));
      int applied = 0, skipped = 0;
      std::vector<std::string> names;
      for (const auto& entry : page->entries) {
        MOTCUA_ASSIGN_OR_RETURN(bool fresh, apply_entry(store, entry, now));
        if (fresh) {
          ++applied;
          names.push_back(entry.kind == sync::FeedKind::kFacts
                              ? std::string("facts ") + std::to_string(entry.position)
                              : std::string(sync::feed_kind_name(entry.kind)) + " " + std::to_string(entry.version));
        } else {
          ++skipped;
        }
      }
      MOTCUA_TRY(store.set_meta("feed_epoch", page->header.epoch.hex()));
      MOTCUA_TRY(store.set_meta("feed_position", std::to_string(page->header.last)));
      MOTCUA_TRY(store.set_meta("hub_clock_offset_ms",
                                std::to_string(clock_offset_ms(page->header.hub_time_ms, sent_at, now))));
      MOTCUA_FAULT_POINT("agent.feed.before_commit");  // applied in the transaction, not yet durable
      MOTCUA_TRY(tx.commit());
      report.entries_applied += applied;
      report.entries_skipped += skipped;
      report.applied.insert(report.applied.end(), names.begin(), names.end());
    }
    cursor.epoch = page->header.epoch;
    cursor.position = page->header.last;
    if (page->header.last >= page->header.head) {
      report.complete = true;
      break;
    }
  }
  report.position = cursor.position;
  MOTCUA_ASSIGN_OR_RETURN(report.catalog_version, reference::current_catalog_version(db));
  MOTCUA_ASSIGN_OR_RETURN(report.calendar_version, reference::current_calendar_version(db));
  return report;
}

}  // namespace motcua::agent
