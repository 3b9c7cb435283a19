// Fuzz target "feed_page": what an agent does with the hub's answer to GET /v1/feed (agent/feed.cpp).
#include "fuzz/fuzz_support.hpp"
#include "fuzz/fuzz_targets.hpp"
#include "sync-protocol/feed.hpp"

namespace motcua::fuzz {

namespace {

bool documented_failure(const sync::ProtocolError& e) {
  return e.code == ErrorCode::kCorruption || e.code == ErrorCode::kInvalidInput || e.code == ErrorCode::kUnauthorized;
}

bool same_page(const sync::FeedPage& a, const sync::FeedPage& b) {
  const auto& x = a.header;
  const auto& y = b.header;
  if (x.agent_id != y.agent_id || x.request_counter != y.request_counter || x.epoch != y.epoch || x.after != y.after ||
      x.last != y.last || x.head != y.head || x.hub_time_ms != y.hub_time_ms || a.entries.size() != b.entries.size()) {
    return false;
  }
  for (size_t i = 0; i < a.entries.size(); ++i) {
    const auto& e = a.entries[i];
    const auto& f = b.entries[i];
    if (e.position != f.position || e.kind != f.kind || e.version != f.version || e.body != f.body) return false;
  }
  return true;
}

}  // namespace

int fuzz_feed_page(const uint8_t* data, size_t size) {
  const sync::ByteView bytes(data, size);
  auto verified = sync::verify_feed_page(bytes, hub_key().public_key());
  if (!verified)
    check_invariant(documented_failure(verified.error()), "verify_feed_page failed with an undocumented error");
  auto page = sync::decode_feed_page(bytes);
  if (!page) {
    check_invariant(documented_failure(page.error()), "decode_feed_page failed with an undocumented error");
    return 0;
  }
  const auto& h = page->header;
  check_invariant(h.after <= h.last && h.last - h.after == page->entries.size(), "entries do not cover after+1..last");
  for (size_t i = 0; i < page->entries.size(); ++i) {
    check_invariant(page->entries[i].position == h.after + 1 + i, "entry positions are not after+1..last in order");
    if (page->entries[i].kind == sync::FeedKind::kDictionary) {
      (void)sync::dictionary_publication_from_json(page->entries[i].body);  // may refuse; must not crash
    }
    (void)sync::feed_kind_name(page->entries[i].kind);
  }
  check_invariant(static_cast<bool>(sync::check_feed_page_answers(h, h.agent_id, h.request_counter, h.epoch, h.after)),
                  "a page does not answer the request it names");
  // What the decoder accepts, the encoder must be able to produce, and it must read back the same.
  auto again = sync::encode_feed_page(*page, hub_key(), 1);
  if (!again) invariant_broken("encode_feed_page refuses a page decode_feed_page accepted: " + again.error().message);
  auto reread = sync::decode_feed_page(*again);
  check_invariant(reread && same_page(*page, *reread), "a re-encoded page does not decode to the same page");
  return 1;
}

}  // namespace motcua::fuzz
