// The target table and the seed corpus: valid inputs made by the project's own encoders.
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "fuzz/fuzz_targets.hpp"
#include "sync-protocol/ack.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/feed.hpp"

namespace motcua::fuzz {

namespace {

template <typename T>
T must(Result<T> r, const char* what) {
  if (!r) invariant_broken(std::string("making seeds: ") + what + ": " + r.error().message);
  return std::move(*r);
}

std::vector<uint8_t> bytes_of(const sql::Blob& b) { return std::vector<uint8_t>(b.begin(), b.end()); }

std::vector<Seed> envelope_seeds() {
  std::vector<Seed> out;
  std::vector<sql::Blob> changesets = fact_changesets();
  changesets.push_back(must(sync::merge_changesets({changesets[0], changesets[1], changesets[2]}), "merge"));
  changesets.push_back({});
  uint64_t seq = 1;
  sync::Hash256 prev{};
  for (size_t i = 0; i < changesets.size(); ++i) {
    for (int mode = 0; mode < 3; ++mode) {
      sync::BatchHeader h;
      h.agent_id = must(Id128::from_hex("00112233445566778899aabbccddeeff"), "agent id");
      h.first_seq = seq;
      h.last_seq = seq + i % 3;
      h.prev_batch_hash = prev;
      h.schema_version = 1;
      h.compression = mode == 0 ? sync::Compression::kNone : sync::Compression::kZstd;
      h.dictionary_id = mode == 2 ? dictionary().id : 0;
      auto batch = must(sync::encode_batch(h, changesets[i], agent_key(), 3, mode == 2 ? &dictionary() : nullptr),
                        "encode batch");
      seq = h.last_seq + 1;
      prev = batch.signed_hash;
      const char* how[] = {"plain", "zstd", "zstd-dictionary"};
      out.push_back({"batch-" + std::to_string(i) + "-" + how[mode], bytes_of(batch.bytes)});
    }
  }
  return out;
}

std::vector<Seed> changeset_seeds() {
  std::vector<Seed> out;
  std::vector<sql::Blob> changesets = fact_changesets();
  changesets.push_back(must(sync::merge_changesets({changesets[0], changesets[1], changesets[2]}), "merge"));
  for (size_t i = 0; i < changesets.size(); ++i) {
    // fact_changesets() lists the rows the hub refuses (another unit's, an unknown dossier, an
    // unknown transfer target, an update and a delete) from index 3 on; the merge is of allowed ones.
#ifdef MOTCUA_FUZZ_HUB
    const bool allowed = i < 3 || i + 1 == changesets.size();
#else
    const bool allowed = true;
#endif
    out.push_back({std::string("changeset-") + std::to_string(i) + (allowed ? "" : "-hub-refuses"),
                   bytes_of(changesets[i]), allowed});
  }
  return out;
}

std::vector<Seed> feed_page_seeds() {
  const std::string catalog =
      R"({"kind":"catalog","version":2,"published_at":"2026-03-01T08:00:00+07:00","procedures":[{"key":"1.004227",)"
      R"("version":2,"name":"Thủ tục đăng ký khai sinh","resolving_level":"commune","limit":{"kind":"same_day"}}]})";
  const std::string calendar =
      R"({"kind":"calendar","version":1,"year":2026,"days":[{"date":"2026-04-30","kind":"holiday"},)"
      R"({"date":"2026-05-01","kind":"holiday"},{"date":"2026-05-09","kind":"workday"}]})";
  const std::string facts =
      R"({"kind":"facts","dossier":[{"id":"0123456789abcdef0123456789abcdef","code":"H33.11953-260302-1000"}],"events":[]})";
  const std::string dict =
      sync::dictionary_publication_json(dictionary(), 1, "2026-03-01T08:00:00+07:00", "office.zdict");
  struct Shape {
    const char* name;
    std::vector<std::pair<sync::FeedKind, std::string>> entries;
    uint64_t after;
    uint64_t head_extra;
  };
  const std::vector<Shape> shapes = {
      {"empty", {}, 0, 0},
      {"empty-behind", {}, 7, 3},
      {"catalog-calendar", {{sync::FeedKind::kCatalog, catalog}, {sync::FeedKind::kCalendar, calendar}}, 0, 0},
      {"dictionary", {{sync::FeedKind::kDictionary, dict}}, 2, 1},
      {"facts",
       {{sync::FeedKind::kFacts, facts}, {sync::FeedKind::kFacts, facts}, {sync::FeedKind::kCatalog, catalog}},
       3,
       0},
      {"all-kinds",
       {{sync::FeedKind::kCatalog, catalog},
        {sync::FeedKind::kCalendar, calendar},
        {sync::FeedKind::kDictionary, dict},
        {sync::FeedKind::kFacts, facts}},
       10,
       5},
  };
  std::vector<Seed> out;
  for (const auto& shape : shapes) {
    sync::FeedPage page;
    page.header.agent_id = must(Id128::from_hex("00112233445566778899aabbccddeeff"), "agent id");
    page.header.request_counter = 42;
    page.header.epoch = must(Id128::from_hex("fedcba98765432100123456789abcdef"), "epoch");
    page.header.after = shape.after;
    page.header.last = shape.after + shape.entries.size();
    page.header.head = page.header.last + shape.head_extra;
    page.header.hub_time_ms = 1772409600000;
    uint64_t position = shape.after;
    for (const auto& [kind, body] : shape.entries) page.entries.push_back({++position, kind, 1 + position % 4, body});
    out.push_back(
        {std::string("page-") + shape.name, bytes_of(must(sync::encode_feed_page(page, hub_key(), 3), "encode page"))});
  }
  return out;
}

std::vector<Seed> ack_seeds() {
  std::vector<Seed> out;
  const char* reasons[] = {"", "", "the hub's database is busy; IT staff may retry the batch",
                           "dossier row claims origin unit 11956, not 11953"};
  for (int status = 1; status <= 4; ++status) {
    sync::Ack ack;
    ack.agent_id = must(Id128::from_hex("00112233445566778899aabbccddeeff"), "agent id");
    ack.first_seq = 5;
    ack.last_seq = 4 + static_cast<uint64_t>(status);
    ack.batch_hash = sync::sha256(std::string("batch ") + std::to_string(status));
    ack.status = static_cast<sync::AckStatus>(status);
    ack.hub_time_ms = 1772409600000 + status;
    ack.reason = reasons[status - 1];
    out.push_back({std::string("ack-") + sync::ack_status_name(ack.status),
                   bytes_of(must(sync::encode_ack(ack, hub_key()), "encode ack"))});
  }
  return out;
}

}  // namespace

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"envelope", &fuzz_envelope},
      {"changeset", &fuzz_changeset},
      {"feed_page", &fuzz_feed_page},
      {"ack", &fuzz_ack},
  };
  return all;
}

const Target* find_target(std::string_view name) {
  for (const auto& t : targets()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

std::vector<Seed> make_seeds(std::string_view target) {
  if (target == "envelope") return envelope_seeds();
  if (target == "changeset") return changeset_seeds();
  if (target == "feed_page") return feed_page_seeds();
  if (target == "ack") return ack_seeds();
  return {};
}

}  // namespace motcua::fuzz
