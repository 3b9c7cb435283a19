#include "sync-protocol/feed.hpp"

#include <catch2/catch.hpp>
#include <array>
#include <cstddef>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/handles.hpp"
#include "tests/sync-protocol/allocation_probe.hpp"
#include "tests/sync-protocol/protocol_fixture.hpp"

using namespace motcua;
using sync::ProtocolCode;
using test::contains;
using test::error_of;

namespace {

// A catalogue delta and a calendar as the hub publishes them (Vietnamese text, NFC).
const std::string kCatalogBody =
    R"({"kind":"catalog","version":2,"published_at":"2026-02-25T09:00:00+07:00","source":"tthc-2026-02.csv",)"
    R"("full":false,"changed":[{"key":"1.001193","national_code":"1.001193","name":"Thủ tục đăng ký khai sinh",)"
    R"("field":"Hộ tịch","resolving_body":"Ủy ban nhân dân cấp xã","time_limit_text":"Ngay trong ngày làm việc",)"
    R"("fee":"Miễn lệ phí","notes":"","required_documents":"Tờ khai đăng ký khai sinh; Giấy chứng sinh",)"
    R"("online_level":"Toàn trình","source":"tthc-2026-02.csv"}],"abolished":["2.000986"]})";
const std::string kCalendarBody =
    R"({"kind":"calendar","version":1,"published_at":"2026-01-05T08:00:00+07:00","source":"holidays-vn.csv",)"
    R"("days":[{"date":"2026-02-17","kind":"holiday","name":"Tết Nguyên Đán","status":"official","working":false}]})";

sync::FeedEntry entry(uint64_t position, sync::FeedKind kind, uint64_t version, std::string body) {
  sync::FeedEntry e;
  e.position = position;
  e.kind = kind;
  e.version = version;
  e.body = std::move(body);
  return e;
}

// A page answering request 42, with entries after+1..after+3 of a feed whose head is `head`.
sync::FeedPage sample_page(uint64_t after = 40, uint64_t head = 50) {
  sync::FeedPage page;
  page.header.agent_id = Id128::random();
  page.header.request_counter = 42;
  page.header.epoch = Id128::random();
  page.header.after = after;
  page.header.hub_time_ms = 1771984800000;  // 2026-02-25T09:00:00+07:00
  page.entries.push_back(entry(after + 1, sync::FeedKind::kCatalog, 2, kCatalogBody));
  page.entries.push_back(entry(after + 2, sync::FeedKind::kCalendar, 1, kCalendarBody));
  page.entries.push_back(entry(after + 3, sync::FeedKind::kCatalog, 3, R"({"kind":"catalog","version":3})"));
  page.header.last = after + page.entries.size();
  page.header.head = head;
  return page;
}

// Two small entries, positions after+1 and after+2. After kFarAfter, with their wide version numbers,
// their payload has no run of zeros or repeat that zstd could shrink: the library sends such a page
// uncompressed.
constexpr uint64_t kFarAfter = 0x1b2c3d4e5f607181;
std::vector<test::RawFeedEntry> small_entries(uint64_t after = 0) {
  return {{after + 1, 2, 0x0e1f2a3b4c5d6e7f, R"({"days":[]})"},
          {after + 2, 1, 0x71829304a5b6c7d8, R"({"abolished":["1.001193"]})"}};
}

std::vector<test::RawFeedEntry> raw_entries_of(const sync::FeedPage& page) {
  std::vector<test::RawFeedEntry> out;
  for (const auto& e : page.entries) out.push_back({e.position, static_cast<uint8_t>(e.kind), e.version, e.body});
  return out;
}

// The library's page with the header fields of `raw` and its entries.
sync::FeedPage page_like(const test::RawFeedPage& raw, const std::vector<test::RawFeedEntry>& entries) {
  sync::FeedPage page;
  page.header.agent_id = raw.agent_id;
  page.header.request_counter = raw.request_counter;
  page.header.epoch = raw.epoch;
  page.header.after = raw.after;
  page.header.last = raw.last;
  page.header.head = raw.head;
  page.header.hub_time_ms = raw.hub_time_ms;
  for (const auto& e : entries) page.entries.push_back(entry(e.position, static_cast<sync::FeedKind>(e.kind), e.version, e.body));
  return page;
}

uint64_t be_at(const sql::Blob& bytes, size_t offset, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | bytes.at(offset + static_cast<size_t>(i));
  return v;
}

sql::Blob slice(const sql::Blob& bytes, size_t offset, size_t n) {
  REQUIRE(offset + n <= bytes.size());
  return sql::Blob(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                   bytes.begin() + static_cast<std::ptrdiff_t>(offset + n));
}

template <size_t N>
sql::Blob blob_of(const std::array<unsigned char, N>& a) {
  return sql::Blob(a.begin(), a.end());
}

// decode_feed_page must refuse `bytes` with this wire code and motcua code, naming `words`.
void check_refused(const sql::Blob& bytes, ProtocolCode protocol, ErrorCode code, const std::string& words,
                   const sync::FeedLimits& limits = {}) {
  auto decoded = sync::decode_feed_page(bytes, limits);
  REQUIRE_FALSE(decoded);
  INFO(decoded.error().message);
  CHECK(decoded.error().protocol == protocol);
  CHECK(decoded.error().code == code);
  CHECK(contains(decoded.error().message, words));
  CHECK_FALSE(decoded.error().hint.empty());
}

// 8 MiB of zeros: a few hundred bytes as a zstd frame.
sql::Blob bomb_frame() {
  auto frame = test::zstd_frame(sql::Blob(8u << 20, 0));
  REQUIRE(frame.size() < 4096);
  return frame;
}

}  // namespace

TEST_CASE("a feed page survives encode and decode with every header field and entry intact", "[feed]") {
  auto hub = test::new_key();
  auto page = sample_page();
  page.header.hub_time_ms = -5;  // signed: a hub clock before 1970 still round-trips
  auto bytes = sync::encode_feed_page(page, hub);
  REQUIRE(bytes);
  CHECK(sync::verify_feed_page(*bytes, hub.public_key()));
  auto decoded = sync::decode_feed_page(*bytes);
  REQUIRE(decoded);
  const auto& h = decoded->header;
  CHECK(h.agent_id == page.header.agent_id);
  CHECK(h.request_counter == 42);
  CHECK(h.epoch == page.header.epoch);
  CHECK(h.after == 40);
  CHECK(h.last == 43);
  CHECK(h.head == 50);
  CHECK(h.hub_time_ms == -5);
  REQUIRE(decoded->entries.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    INFO("entry " << i);
    CHECK(decoded->entries[i].position == page.entries[i].position);
    CHECK(decoded->entries[i].kind == page.entries[i].kind);
    CHECK(decoded->entries[i].version == page.entries[i].version);
    CHECK(decoded->entries[i].body == page.entries[i].body);
  }
  CHECK(contains(decoded->entries[0].body, "Thủ tục đăng ký khai sinh"));
  CHECK(contains(decoded->entries[1].body, "Tết Nguyên Đán"));
  CHECK(std::string(sync::feed_kind_name(sync::FeedKind::kCatalog)) == "catalog");
  CHECK(std::string(sync::feed_kind_name(sync::FeedKind::kCalendar)) == "calendar");
}

TEST_CASE("the library's uncompressed feed page is byte for byte the layout PROTOCOL.md specifies", "[feed]") {
  // Ed25519 signatures are deterministic, so an independent builder of the documented layout must
  // produce the same bytes as the library.
  auto hub = test::new_key();
  const auto entries = small_entries(kFarAfter);
  auto raw = test::RawFeedPage::plain(entries, kFarAfter);
  raw.request_counter = 0x0102030405060708;
  raw.head = kFarAfter + 5;
  raw.hub_time_ms = 1771984800000;
  auto bytes = sync::encode_feed_page(page_like(raw, entries), hub);
  REQUIRE(bytes);
  REQUIRE(bytes->at(80) == 0);  // zstd cannot shrink this payload: the library sends it as it is
  CHECK(*bytes == raw.build(hub));

  // The same, read back at the documented offsets.
  const size_t p = raw.payload.size();
  REQUIRE(bytes->size() == sync::kFeedPageOverhead + p);
  CHECK(bytes->size() == 187 + p);
  CHECK(std::memcmp(bytes->data(), "MCF1", 4) == 0);
  CHECK(be_at(*bytes, 4, 2) == 1);
  CHECK(be_at(*bytes, 6, 2) == 0);
  CHECK(slice(*bytes, 8, 16) == blob_of(raw.agent_id.bytes));
  CHECK(be_at(*bytes, 24, 8) == 0x0102030405060708);
  CHECK(slice(*bytes, 32, 16) == blob_of(raw.epoch.bytes));
  CHECK(be_at(*bytes, 48, 8) == kFarAfter);
  CHECK(be_at(*bytes, 56, 8) == kFarAfter + 2);
  CHECK(be_at(*bytes, 64, 8) == kFarAfter + 5);
  CHECK(be_at(*bytes, 72, 8) == 1771984800000);
  CHECK(be_at(*bytes, 81, 4) == p);
  CHECK(be_at(*bytes, 85, 4) == p);
  CHECK(slice(*bytes, 89, 32) == blob_of(sync::sha256(test::RawFeedPage::payload_of(2, entries))));
  CHECK(slice(*bytes, 121, p) == test::RawFeedPage::payload_of(2, entries));
  CHECK(be_at(*bytes, 121, 4) == 2);          // entry_count
  CHECK(be_at(*bytes, 125, 8) == kFarAfter + 1);           // first entry: position
  CHECK(be_at(*bytes, 133, 1) == 2);                       // kind: calendar
  CHECK(be_at(*bytes, 134, 8) == 0x0e1f2a3b4c5d6e7f);      // version
  CHECK(be_at(*bytes, 142, 4) == entries[0].body.size());  // body_size
  CHECK(slice(*bytes, 146, entries[0].body.size()) == sql::Blob(entries[0].body.begin(), entries[0].body.end()));
  CHECK(be_at(*bytes, 121 + p, 2) == 64);  // signature_size
  sync::Signature sig{};
  std::copy(bytes->begin() + static_cast<std::ptrdiff_t>(123 + p), bytes->end(), sig.begin());
  CHECK(sync::verify(hub.public_key(), sync::ByteView(bytes->data(), 121 + p), sig));
}

TEST_CASE("a large repetitive feed page travels as one zstd frame of the documented payload", "[feed]") {
  auto hub = test::new_key();
  auto page = sample_page(0, 200);
  page.entries.clear();
  for (uint64_t i = 1; i <= 200; ++i) page.entries.push_back(entry(i, sync::FeedKind::kCatalog, i, kCatalogBody));
  page.header.last = 200;
  auto bytes = sync::encode_feed_page(page, hub);
  REQUIRE(bytes);
  const sql::Blob documented = test::RawFeedPage::payload_of(200, raw_entries_of(page));
  CHECK(bytes->at(80) == 1);
  CHECK(bytes->size() * 5 < documented.size());
  CHECK(be_at(*bytes, 81, 4) == documented.size());  // raw_size: the uncompressed payload
  const size_t p = be_at(*bytes, 85, 4);
  REQUIRE(bytes->size() == 187 + p);
  const sql::Blob frame = slice(*bytes, 121, p);
  CHECK(ZSTD_getFrameContentSize(frame.data(), frame.size()) == documented.size());
  sql::Blob out(documented.size());
  REQUIRE(ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size()) == documented.size());
  CHECK(out == documented);

  // Every header field where the layout says, around the library's frame.
  test::RawFeedPage raw;
  raw.agent_id = page.header.agent_id;
  raw.request_counter = 42;
  raw.epoch = page.header.epoch;
  raw.after = 0;
  raw.last = 200;
  raw.head = 200;
  raw.hub_time_ms = page.header.hub_time_ms;
  raw.compression = 1;
  raw.raw_size = static_cast<uint32_t>(documented.size());
  raw.payload_size = static_cast<uint32_t>(p);
  raw.payload_hash = sync::sha256(documented);
  raw.payload = frame;
  CHECK(*bytes == raw.build(hub));

  auto decoded = sync::decode_feed_page(*bytes);
  REQUIRE(decoded);
  REQUIRE(decoded->entries.size() == 200);
  CHECK(decoded->entries[199].position == 200);
  CHECK(decoded->entries[199].version == 200);
  CHECK(decoded->entries[199].body == kCatalogBody);
}

TEST_CASE("a feed page built from the documented layout alone decodes, compressed or not", "[feed]") {
  auto hub = test::new_key();
  for (bool compressed : {false, true}) {
    INFO((compressed ? "zstd" : "uncompressed"));
    const std::vector<test::RawFeedEntry> entries = {{13, 1, 5, kCatalogBody}, {14, 2, 2, kCalendarBody}};
    auto raw = compressed ? test::RawFeedPage::zstd(entries, 12) : test::RawFeedPage::plain(entries, 12);
    raw.head = 30;
    auto bytes = raw.build(hub);
    CHECK(sync::verify_feed_page(bytes, hub.public_key()));
    auto decoded = sync::decode_feed_page(bytes);
    REQUIRE(decoded);
    CHECK(decoded->header.after == 12);
    CHECK(decoded->header.last == 14);
    CHECK(decoded->header.head == 30);
    REQUIRE(decoded->entries.size() == 2);
    CHECK(decoded->entries[0].kind == sync::FeedKind::kCatalog);
    CHECK(decoded->entries[0].body == kCatalogBody);
    CHECK(decoded->entries[1].kind == sync::FeedKind::kCalendar);
    CHECK(decoded->entries[1].version == 2);
  }
}

TEST_CASE("an empty feed page travels uncompressed in exactly 191 bytes", "[feed]") {
  auto hub = test::new_key();
  auto raw = test::RawFeedPage::plain({}, 17);
  raw.request_counter = 9;
  auto page = page_like(raw, {});
  auto bytes = sync::encode_feed_page(page, hub);
  REQUIRE(bytes);
  CHECK(bytes->size() == 187 + 4);
  CHECK(bytes->at(80) == 0);
  CHECK(be_at(*bytes, 81, 4) == 4);
  CHECK(be_at(*bytes, 85, 4) == 4);
  CHECK(be_at(*bytes, 121, 4) == 0);  // entry_count
  CHECK(*bytes == raw.build(hub));
  CHECK(sync::verify_feed_page(*bytes, hub.public_key()));
  auto decoded = sync::decode_feed_page(*bytes);
  REQUIRE(decoded);
  CHECK(decoded->entries.empty());
  CHECK(decoded->header.after == 17);
  CHECK(decoded->header.last == 17);
  CHECK(decoded->header.head == 17);
}

TEST_CASE("a feed page signed by another key is refused by verify_feed_page", "[feed]") {
  auto hub = test::new_key();
  auto impostor = test::new_key();
  auto bytes = sync::encode_feed_page(sample_page(), impostor);
  REQUIRE(bytes);
  REQUIRE(sync::decode_feed_page(*bytes));  // well formed: only the signature tells
  auto verified = error_of(sync::verify_feed_page(*bytes, hub.public_key()));
  CHECK(verified.code == ErrorCode::kUnauthorized);
  CHECK(verified.protocol == ProtocolCode::kBadSignature);
  CHECK(contains(verified.message, "41..43"));
  CHECK(contains(verified.message, "signature"));
}

TEST_CASE("a feed page with any single bit flipped is never accepted", "[feed]") {
  auto hub = test::new_key();
  for (bool compressed : {false, true}) {
    auto page = sample_page();
    if (!compressed) page = page_like(test::RawFeedPage::plain(small_entries(kFarAfter), kFarAfter), small_entries(kFarAfter));
    auto bytes = sync::encode_feed_page(page, hub);
    REQUIRE(bytes);
    REQUIRE(bytes->at(80) == (compressed ? 1 : 0));
    int refused_by_decode = 0;
    int refused_by_signature_only = 0;
    for (size_t i = 0; i < bytes->size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        auto flipped = *bytes;
        flipped[i] ^= static_cast<unsigned char>(1 << bit);
        INFO((compressed ? "zstd" : "uncompressed") << " page, byte " << i << " bit " << bit);
        auto decoded = sync::decode_feed_page(flipped);
        auto verified = sync::verify_feed_page(flipped, hub.public_key());
        // The signature covers every byte before signature_size; a flip there or in the trailer
        // itself never verifies.
        REQUIRE_FALSE(verified);
        const bool signature = verified.error().protocol == ProtocolCode::kBadSignature &&
                               verified.error().code == ErrorCode::kUnauthorized;
        const bool framing = verified.error().protocol == ProtocolCode::kBadEnvelope;
        CHECK((signature || framing));
        if (!decoded) {
          ++refused_by_decode;
          CHECK((decoded.error().protocol == ProtocolCode::kBadEnvelope ||
                 decoded.error().protocol == ProtocolCode::kPayloadTooLarge));
        } else {
          ++refused_by_signature_only;
        }
      }
    }
    CHECK(refused_by_decode > 0);
    CHECK(refused_by_signature_only > 0);
  }
}

TEST_CASE("a feed page cut at any length is refused cleanly", "[feed]") {
  auto hub = test::new_key();
  for (bool compressed : {false, true}) {
    auto page = sample_page();
    if (!compressed) page = page_like(test::RawFeedPage::plain(small_entries(kFarAfter), kFarAfter), small_entries(kFarAfter));
    auto bytes = sync::encode_feed_page(page, hub);
    REQUIRE(bytes);
    REQUIRE(bytes->at(80) == (compressed ? 1 : 0));
    for (size_t len = 0; len < bytes->size(); ++len) {
      INFO((compressed ? "zstd" : "uncompressed") << " page cut at " << len << " of " << bytes->size());
      sync::ByteView cut(bytes->data(), len);
      auto decoded = sync::decode_feed_page(cut);
      REQUIRE_FALSE(decoded);
      CHECK(decoded.error().code == ErrorCode::kCorruption);
      CHECK(decoded.error().protocol == ProtocolCode::kBadEnvelope);
      CHECK(contains(decoded.error().message, "feed page"));
      CHECK(contains(decoded.error().message, "truncated"));
      CHECK_FALSE(sync::verify_feed_page(cut, hub.public_key()));
    }
  }
}

TEST_CASE("a feed page with a wrong magic, version, flags or compression is refused naming it", "[feed]") {
  auto hub = test::new_key();
  const auto base = test::RawFeedPage::plain(small_entries());
  auto magic = base;
  magic.magic = "MCF2";
  check_refused(magic.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "magic is not \"MCF1\"");
  magic.magic = "MCK1";  // an acknowledgement where a page was expected
  check_refused(magic.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "magic");
  auto version = base;
  version.version = 2;
  check_refused(version.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kInvalidInput, "format version 2");
  version.version = 0;
  check_refused(version.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kInvalidInput, "format version 0");
  auto flags = base;
  flags.flags = 0x8000;
  check_refused(flags.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kInvalidInput, "unknown flags 32768");
  auto compression = base;
  compression.compression = 2;
  check_refused(compression.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kInvalidInput, "unknown compression 2");
  auto signature_size = base;
  signature_size.signature_size = 63;
  check_refused(signature_size.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "signature_size 63");
  CHECK_FALSE(sync::verify_feed_page(signature_size.build(hub), hub.public_key()));
}

TEST_CASE("a feed page with request_counter 0 or with after, last and head out of order is refused", "[feed]") {
  auto hub = test::new_key();
  const auto base = test::RawFeedPage::plain(small_entries(4), 4);  // after 4, last 6, head 6
  auto counter = base;
  counter.request_counter = 0;
  check_refused(counter.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "request_counter is 0");
  auto after = base;
  after.after = 7;  // after > last
  after.head = 9;
  check_refused(after.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                "after 7, last 6, head 9 do not satisfy after <= last <= head");
  auto head = base;
  head.head = 5;  // last > head
  check_refused(head.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                "after 4, last 6, head 5 do not satisfy after <= last <= head");
}

TEST_CASE("a feed page whose entries disagree with its header is refused naming the entry", "[feed]") {
  auto hub = test::new_key();
  auto with = [](uint32_t entry_count, std::vector<test::RawFeedEntry> entries, uint64_t after, uint64_t last) {
    auto raw = test::RawFeedPage::plain({}, after);
    raw.last = last;
    raw.head = last + 3;
    raw.set_payload(test::RawFeedPage::payload_of(entry_count, entries));
    return raw;
  };
  const auto two = small_entries(10);  // positions 11, 12

  SECTION("entry_count is not last - after") {
    check_refused(with(3, two, 10, 12).build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                  "entry_count 3 but the page covers positions 11..12");
    check_refused(with(2, two, 10, 13).build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                  "entry_count 2 but the page covers positions 11..13");
    check_refused(with(1, {two[0]}, 10, 10).build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                  "entry_count 1");
  }
  SECTION("positions with a gap") {
    auto gap = two;
    gap[1].position = 13;
    check_refused(with(2, gap, 10, 12).build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                  "entry 1 has position 13, expected 12");
  }
  SECTION("positions out of order") {
    auto swapped = two;
    std::swap(swapped[0].position, swapped[1].position);
    check_refused(with(2, swapped, 10, 12).build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                  "entry 0 has position 12, expected 11");
  }
  SECTION("positions that do not start right after `after`") {
    check_refused(with(2, small_entries(0), 10, 12).build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                  "entry 0 has position 1, expected 11");
  }
  SECTION("an unknown kind") {
    for (uint8_t kind : {uint8_t{0}, uint8_t{5}, uint8_t{255}}) {
      auto unknown = two;
      unknown[1].kind = kind;
      check_refused(with(2, unknown, 10, 12).build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kInvalidInput,
                    "entry at position 12 has unknown kind " + std::to_string(kind));
    }
  }
  SECTION("a body that is not UTF-8") {
    for (const std::string& body : {std::string("{\"name\":\"\xff\"}"), std::string("{\"name\":\"Ph\xc6\"}"),
                                   std::string("{\"name\":\"\xed\xa0\x80\"}")}) {  // a UTF-16 surrogate
      auto bad = two;
      bad[0].body = body;
      check_refused(with(2, bad, 10, 12).build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                    "the body of the entry at position 11 is not valid UTF-8");
    }
  }
  SECTION("bytes after the last entry") {
    auto raw = with(2, two, 10, 12);
    auto payload = test::RawFeedPage::payload_of(2, two);
    payload.push_back('}');
    raw.set_payload(payload);
    check_refused(raw.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                  "1 unexpected bytes after the entries");
  }
  SECTION("a body_size beyond the payload") {
    auto raw = with(2, two, 10, 12);
    auto payload = test::RawFeedPage::payload_of(2, two);
    payload.pop_back();
    raw.set_payload(payload);
    check_refused(raw.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "truncated in body");
  }
  SECTION("an entry at position 0") {
    auto raw = with(1, {}, 10, 11);
    auto payload = test::RawFeedPage::payload_of(1, {});
    for (int i = 0; i < 30; ++i) payload.push_back(0);  // position 0, kind 0, version 0, an empty body...
    raw.set_payload(payload);
    check_refused(raw.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                  "entry 0 has position 0, expected 11");
  }
}

TEST_CASE("a feed page with bytes after its signature is refused", "[feed]") {
  auto hub = test::new_key();
  auto bytes = sync::encode_feed_page(sample_page(), hub);
  REQUIRE(bytes);
  auto longer = *bytes;
  longer.push_back(0);
  check_refused(longer, ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "1 unexpected bytes after the signature");
  CHECK_FALSE(sync::verify_feed_page(longer, hub.public_key()));
}

TEST_CASE("a feed page whose payload does not match payload_hash is refused though its signature holds", "[feed]") {
  auto hub = test::new_key();
  for (bool compressed : {false, true}) {
    auto raw = compressed ? test::RawFeedPage::zstd(small_entries()) : test::RawFeedPage::plain(small_entries());
    raw.payload_hash[0] ^= 1;
    auto bytes = raw.build(hub);
    CHECK(sync::verify_feed_page(bytes, hub.public_key()));  // signed as sent: the hash itself is wrong
    check_refused(bytes, ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "does not match payload_hash");
  }
  auto raw = test::RawFeedPage::plain(small_entries());
  raw.raw_size += 1;  // uncompressed: raw_size must equal payload_size
  check_refused(raw.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                "uncompressed payload with raw_size");
}

TEST_CASE("a feed page over the size limits is refused as payload_too_large before decompressing", "[feed]") {
  auto hub = test::new_key();
  auto frame = bomb_frame();

  SECTION("raw_size over the 16 MiB limit") {
    auto raw = test::RawFeedPage::zstd(small_entries());
    raw.payload = frame;
    raw.payload_size = static_cast<uint32_t>(frame.size());
    raw.raw_size = 0xffffffffu;
    auto bytes = raw.build(hub);
    test::AllocationProbe probe;
    check_refused(bytes, ProtocolCode::kPayloadTooLarge, ErrorCode::kInvalidInput,
                  "raw_size 4294967295 exceeds the limit of 16777216 bytes");
    CHECK(probe.largest() < 64 * 1024);
    raw.raw_size = (16u << 20) + 1;
    check_refused(raw.build(hub), ProtocolCode::kPayloadTooLarge, ErrorCode::kInvalidInput, "raw_size 16777217");
  }
  SECTION("raw_size over a receiver's lower limit") {
    auto raw = test::RawFeedPage::zstd(small_entries());
    check_refused(raw.build(hub), ProtocolCode::kPayloadTooLarge, ErrorCode::kInvalidInput, "raw_size",
                  sync::FeedLimits{4u << 20, 16});
  }
  SECTION("payload_size over the limit") {
    auto raw = test::RawFeedPage::plain(small_entries());
    REQUIRE(raw.payload_size > 64);
    check_refused(raw.build(hub), ProtocolCode::kPayloadTooLarge, ErrorCode::kInvalidInput,
                  "payload_size " + std::to_string(raw.payload_size) + " exceeds the limit of 64 bytes",
                  sync::FeedLimits{64, 16u << 20});
    raw.payload_size = (4u << 20) + 1;  // the field alone decides, before the bytes are read
    check_refused(raw.build(hub), ProtocolCode::kPayloadTooLarge, ErrorCode::kInvalidInput, "payload_size 4194305");
  }
}

TEST_CASE("a zstd frame that expands beyond raw_size is refused without allocating it", "[feed]") {
  auto hub = test::new_key();
  auto frame = bomb_frame();

  SECTION("the frame declares more than raw_size") {
    auto raw = test::RawFeedPage::zstd(small_entries());
    raw.payload = frame;
    raw.payload_size = static_cast<uint32_t>(frame.size());
    auto bytes = raw.build(hub);
    test::AllocationProbe probe;
    check_refused(bytes, ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                  "declares 8388608 bytes but raw_size is " + std::to_string(raw.raw_size));
    CHECK(probe.largest() < 64 * 1024);
  }
  SECTION("the frame header lies about its content size") {
    // Rewrite the frame content size field to 100 bytes: zstd must stop at the 100-byte buffer.
    auto lying = frame;
    const unsigned char fhd = lying[4];
    const bool single_segment = (fhd >> 5) & 1;
    const int dict_bytes[] = {0, 1, 2, 4};
    const size_t fcs_offset = 5 + (single_segment ? 0 : 1) + static_cast<size_t>(dict_bytes[fhd & 3]);
    REQUIRE((fhd >> 6) == 2);  // 4-byte little-endian content size for 8 MiB
    lying[fcs_offset] = 100;
    lying[fcs_offset + 1] = 0;
    lying[fcs_offset + 2] = 0;
    lying[fcs_offset + 3] = 0;
    REQUIRE(ZSTD_getFrameContentSize(lying.data(), lying.size()) == 100);
    auto raw = test::RawFeedPage::zstd(small_entries());
    raw.payload = lying;
    raw.payload_size = static_cast<uint32_t>(lying.size());
    raw.raw_size = 100;
    auto bytes = raw.build(hub);
    test::AllocationProbe probe;
    check_refused(bytes, ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "payload");
    CHECK(probe.largest() < 64 * 1024);
  }
  SECTION("a frame that does not declare its content size") {
    auto raw = test::RawFeedPage::zstd(small_entries());
    raw.payload = test::zstd_frame(test::RawFeedPage::payload_of(2, small_entries()), false);
    raw.payload_size = static_cast<uint32_t>(raw.payload.size());
    check_refused(raw.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "content size");
  }
  SECTION("a zstd payload with bytes after its frame") {
    auto raw = test::RawFeedPage::zstd(small_entries());
    raw.payload.push_back(0);
    raw.payload_size += 1;
    check_refused(raw.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "after its zstd frame");
  }
  SECTION("a compressed payload that is not a zstd frame") {
    auto raw = test::RawFeedPage::plain(small_entries());
    raw.compression = 1;
    check_refused(raw.build(hub), ProtocolCode::kBadEnvelope, ErrorCode::kCorruption, "is not a zstd frame");
  }
}

TEST_CASE("an entry_count the payload cannot hold is refused before anything is allocated for it", "[feed]") {
  auto hub = test::new_key();
  for (uint32_t count : {0xffffffffu, 100000u}) {
    INFO("entry_count " << count);
    auto raw = test::RawFeedPage::plain({});
    raw.last = count;
    raw.head = count;
    // The count, then a single genuine entry: far too few bytes for `count` entries.
    raw.set_payload(test::RawFeedPage::payload_of(count, {{1, 1, 1, "{}"}}));
    auto bytes = raw.build(hub);
    test::AllocationProbe probe;
    check_refused(bytes, ProtocolCode::kBadEnvelope, ErrorCode::kCorruption,
                  "entry_count " + std::to_string(count) + " does not fit in 23 bytes");
    CHECK(probe.largest() < 64 * 1024);
  }
}

TEST_CASE("a feed page answers only the request the agent made", "[feed]") {
  auto page = sample_page();  // after 40, counter 42
  const auto& h = page.header;
  CHECK(sync::check_feed_page_answers(h, h.agent_id, 42, h.epoch, 40));

  auto other_agent = error_of(sync::check_feed_page_answers(h, Id128::random(), 42, h.epoch, 40));
  CHECK(other_agent.protocol == ProtocolCode::kBadEnvelope);
  CHECK(other_agent.code == ErrorCode::kInvalidInput);
  CHECK(contains(other_agent.message, "agent_id " + h.agent_id.hex()));

  // A page recorded for an earlier request cannot answer a later one.
  auto other_counter = error_of(sync::check_feed_page_answers(h, h.agent_id, 43, h.epoch, 40));
  CHECK(other_counter.protocol == ProtocolCode::kBadEnvelope);
  CHECK(contains(other_counter.message, "it answers request 42, the request made was 43"));

  // Under the epoch the agent asked in, the page starts exactly where the agent asked.
  for (uint64_t asked_after : {uint64_t{0}, uint64_t{39}, uint64_t{41}}) {
    auto wrong_after = error_of(sync::check_feed_page_answers(h, h.agent_id, 42, h.epoch, asked_after));
    CHECK(wrong_after.protocol == ProtocolCode::kBadEnvelope);
    CHECK(contains(wrong_after.message, "starts after position 40, expected " + std::to_string(asked_after)));
  }

  // Under a new epoch the feed starts again from the beginning: only after = 0 answers.
  const Id128 old_epoch = Id128::random();
  auto restarted = error_of(sync::check_feed_page_answers(h, h.agent_id, 42, old_epoch, 40));
  CHECK(contains(restarted.message, "expected 0 (a new hub epoch starts the feed again)"));
  auto from_start = page;
  from_start.header.after = 0;
  from_start.header.last = 3;
  CHECK(sync::check_feed_page_answers(from_start.header, h.agent_id, 42, old_epoch, 40));
  CHECK(sync::check_feed_page_answers(from_start.header, h.agent_id, 42, old_epoch, 0));
  CHECK_FALSE(sync::check_feed_page_answers(from_start.header, h.agent_id, 42, from_start.header.epoch, 40));
}

TEST_CASE("encode_feed_page refuses a page whose header and entries disagree", "[feed]") {
  auto hub = test::new_key();
  REQUIRE(sync::encode_feed_page(sample_page(), hub));
  auto refused = [&](const sync::FeedPage& page, const std::string& words, int level = sync::kDefaultCompressionLevel) {
    auto encoded = sync::encode_feed_page(page, hub, level);
    REQUIRE_FALSE(encoded);
    INFO(encoded.error().message);
    CHECK(encoded.error().code == ErrorCode::kInvalidInput);
    CHECK(contains(encoded.error().message, words));
  };

  auto counter = sample_page();
  counter.header.request_counter = 0;
  refused(counter, "request counter");

  auto after = sample_page();
  after.header.after = 44;  // > last 43
  refused(after, "after <= last <= head, got 44, 43, 50");
  auto head = sample_page();
  head.header.head = 42;  // < last 43
  refused(head, "after <= last <= head, got 40, 43, 42");

  auto too_many = sample_page();
  too_many.header.last = 42;
  too_many.header.head = 42;
  refused(too_many, "must hold 2 entries, not 3");
  auto too_few = sample_page();
  too_few.entries.pop_back();
  refused(too_few, "must hold 3 entries, not 2");

  auto gap = sample_page();
  gap.entries[2].position = 44;
  refused(gap, "entry 2 has position 44, expected 43");
  auto order = sample_page();
  std::swap(order.entries[0].position, order.entries[1].position);
  refused(order, "entry 0 has position 42, expected 41");

  auto kind = sample_page();
  kind.entries[1].kind = static_cast<sync::FeedKind>(5);
  refused(kind, "unknown feed entry kind 5");

  auto utf8 = sample_page();
  utf8.entries[0].body = "{\"name\":\"Ph\xc6\"}";
  refused(utf8, "is not UTF-8");

  refused(sample_page(), "compression level 99", 99);
}

TEST_CASE("encode_feed_page refuses a page over the size limits", "[feed]") {
  auto hub = test::new_key();
  auto page = sample_page(0, 2);
  page.entries.clear();
  page.header.last = 1;
  page.entries.push_back(entry(1, sync::FeedKind::kCatalog, 1, std::string((16u << 20) + 1, 'a')));
  auto one = error_of(sync::encode_feed_page(page, hub));
  CHECK(one.code == ErrorCode::kInvalidInput);
  CHECK(contains(one.message, "at most 16 MiB"));

  page.header.last = 2;
  page.entries[0].body.assign(9u << 20, 'a');
  page.entries.push_back(entry(2, sync::FeedKind::kCatalog, 2, std::string(9u << 20, 'b')));
  auto raw = error_of(sync::encode_feed_page(page, hub));
  CHECK(raw.code == ErrorCode::kInvalidInput);
  CHECK(contains(raw.message, "exceeds the limit of 16 MiB uncompressed"));

  // 6 MiB of random printable ASCII: under 16 MiB raw, still over 4 MiB compressed.
  std::mt19937 random(20260225);
  std::uniform_int_distribution<int> printable(0x20, 0x7e);
  std::string noise(6u << 20, ' ');
  for (auto& c : noise) c = static_cast<char>(printable(random));
  page.header.last = 1;
  page.header.head = 1;
  page.entries.resize(1);
  page.entries[0].body = std::move(noise);
  auto compressed = error_of(sync::encode_feed_page(page, hub, 1));
  CHECK(compressed.code == ErrorCode::kInvalidInput);
  CHECK(contains(compressed.message, "exceeds the limit of 4 MiB"));
}
