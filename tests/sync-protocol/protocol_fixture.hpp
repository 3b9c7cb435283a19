// Helpers for the codec tests: real changesets captured by SQLite, and envelope/ack/feed page builders
// written independently of the library straight from PROTOCOL.md, so tests can produce any field
// value (valid or not) with a valid signature, and check the library's bytes against the spec.
#pragma once

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/id.hpp"
#include "common/sqlite.hpp"
#include "sync-protocol/bytes.hpp"
#include "sync-protocol/keys.hpp"

namespace motcua::test {

// A changeset inserting `rows` rows (id, Vietnamese text) into table t, captured by the session
// extension in an in-memory database.
sql::Blob sample_changeset(int rows);

// zstd frame of `raw` at level 3; with_content_size=false omits the content size from the header.
sql::Blob zstd_frame(const sql::Blob& raw, bool with_content_size = true);

sync::KeyPair new_key();

// The error of a result that must have failed (the test stops if it succeeded).
template <typename R>
auto error_of(const R& result) {
  REQUIRE_FALSE(result);
  return result.error();
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every field of a batch envelope, as PROTOCOL.md section 4 lays it out.
struct RawEnvelope {
  std::string magic = "MCB1";
  uint16_t version = 1;
  uint16_t flags = 0;
  Id128 agent_id;
  uint64_t first_seq = 1;
  uint64_t last_seq = 1;
  sync::Hash256 prev_batch_hash{};
  uint32_t schema_version = 1;
  uint8_t compression = 0;
  uint32_t dictionary_id = 0;
  uint32_t raw_size = 0;
  uint32_t payload_size = 0;
  sync::Hash256 payload_hash{};
  sql::Blob payload;
  uint16_t signature_size = 64;

  // Uncompressed envelope of `changeset` with matching sizes and hash.
  static RawEnvelope plain(const sql::Blob& changeset);
  // zstd envelope of `changeset` with matching sizes and hash.
  static RawEnvelope zstd(const sql::Blob& changeset);

  // Every byte before signature_size.
  sql::Blob signed_bytes() const;
  // The whole envelope, signed with `key`.
  sql::Blob build(const sync::KeyPair& key) const;
};

// Every field of an acknowledgement, as PROTOCOL.md section 5 lays it out.
struct RawAck {
  std::string magic = "MCK1";
  uint16_t version = 1;
  Id128 agent_id;
  uint64_t first_seq = 1;
  uint64_t last_seq = 1;
  sync::Hash256 batch_hash{};
  uint8_t status = 1;
  int64_t hub_time_ms = 0;
  std::string reason;
  uint16_t signature_size = 64;

  sql::Blob signed_bytes() const;
  sql::Blob build(const sync::KeyPair& key) const;
};

// One entry of a feed page's uncompressed payload, as PROTOCOL.md section 7.4.3 lays it out.
struct RawFeedEntry {
  uint64_t position = 1;
  uint8_t kind = 1;
  uint64_t version = 1;
  std::string body;
};

// Every field of a feed page, as PROTOCOL.md section 7.4.3 lays it out.
struct RawFeedPage {
  std::string magic = "MCF1";
  uint16_t version = 1;
  uint16_t flags = 0;
  Id128 agent_id;
  uint64_t request_counter = 1;
  Id128 epoch;
  uint64_t after = 0;
  uint64_t last = 0;
  uint64_t head = 0;
  int64_t hub_time_ms = 0;
  uint8_t compression = 0;
  uint32_t raw_size = 0;
  uint32_t payload_size = 0;
  sync::Hash256 payload_hash{};
  sql::Blob payload;
  uint16_t signature_size = 64;

  // An uncompressed payload: `entry_count` as given (whatever the entries), then the entries, each
  // with body_size = the size of its body.
  static sql::Blob payload_of(uint32_t entry_count, const std::vector<RawFeedEntry>& entries);
  // An uncompressed page of `entries` for a new agent id and epoch: last = head = after + the number
  // of entries, entry_count, sizes and hash matching. The entries' positions are taken as given.
  static RawFeedPage plain(const std::vector<RawFeedEntry>& entries, uint64_t after = 0);
  // The same page with its payload as one zstd frame (level 3, content size declared).
  static RawFeedPage zstd(const std::vector<RawFeedEntry>& entries, uint64_t after = 0);

  // Replaces the payload by `raw`, uncompressed (compression 0) or as one zstd frame (compression
  // 1), with matching raw_size, payload_size and payload_hash.
  void set_payload(const sql::Blob& raw, bool compressed = false);

  // Every byte before signature_size.
  sql::Blob signed_bytes() const;
  // The whole page, signed with `key`.
  sql::Blob build(const sync::KeyPair& key) const;
};

}  // namespace motcua::test
