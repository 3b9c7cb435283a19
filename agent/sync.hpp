// Enrollment with the provincial hub and upload of the outbox (sync-protocol/PROTOCOL.md).
//
// Upload is exactly-once: outbox rows are grouped into a batch whose exact bytes are stored
// (outbox_batch) before the first attempt and re-sent unchanged until the hub acknowledges them;
// the hub answers a re-sent batch "duplicate" without applying it again. Every request carries a new
// per-agent counter, persisted before the request leaves. Acknowledgements are verified with the
// hub's public key received at enrollment. Acknowledged rows stay in the outbox (state
// 'acknowledged') for the retention period (prune_sent_changes).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "agent/feed.hpp"
#include "agent/http_client.hpp"
#include "agent/store.hpp"
#include "common/error.hpp"

namespace motcua::agent {

struct EnrollRequest {
  std::string data_dir;  // created if missing: no init needed
  std::string hub_url;   // https://..., or http:// to a loopback hub
  std::string code;      // the one-time code from provincial IT
  // The province's CA to pin for an https:// hub (agent/hub_ca.hpp), at most one of the two: a PEM
  // file, or the SHA-256 fingerprint of a certificate in the chain the hub presents. When neither is
  // given: the installer defaults (hub_ca, hub_ca_sha256), else the CA the office already pinned.
  std::string ca_file;
  std::string ca_sha256;
};

struct EnrollResult {
  std::string agent_id;
  std::string unit;
  std::string unit_name;
  std::string agency_id;
  std::string hub_ca_sha256;  // the pinned CA's fingerprint ("" for a plain http:// loopback hub)
  int64_t counter_last = 0;  // today's last dossier number the hub knew for the unit
  FeedReport feed;                 // the first feed pull (catalogue and calendar)
  std::optional<Error> feed_error;  // set when that pull failed: enrolled, but the next sync must fetch them
};

// Generates the agent's Ed25519 key (DIR/agent-key.pem), registers it with the hub and stores the
// agent id, the hub's address, public key and epoch, and the unit. Nothing is written before the
// hub accepts; an office already set up sends its unit, and a code for another unit is refused.
// Ends with a first feed pull; if only that fails, the enrollment stands and feed_error says why.
// For an https:// hub the CA is resolved (and, by fingerprint, fetched) first; the enroll request
// already trusts only it, and DIR/hub-ca.pem is written with the key once the hub accepts. Without a
// CA to pin, a fingerprint no presented certificate matches, or a hub certificate the CA did not
// sign, enrollment fails and writes nothing.
Result<EnrollResult> enroll(const EnrollRequest& request, const Clock& clock);

// Largest uncompressed change set one batch carries; a batch is retried whole, so it stays small
// enough for a slow link. A single outbox row larger than this travels alone. The entry limit
// adapts to the link (PROTOCOL.md 7.2 "Batch size"): halved when a batch the hub never applied
// keeps failing, doubled back (up to kMaxBatchRows) only after kBatchAcksToGrow batches in a row
// were acknowledged at the current limit, so it does not swing back over what the link carries.
constexpr size_t kMaxBatchRawBytes = 256 * 1024;
constexpr int kMaxBatchRows = 500;
constexpr int kBatchAcksToGrow = 8;

struct SyncReport {
  int batches = 0;
  int applied = 0;
  int duplicate = 0;
  int quarantined = 0;
  int refused = 0;
  int64_t pending_left = 0;
  int64_t pruned = 0;           // sent changes forgotten after their retention (prune_sent_changes)
  int requests = 0;
  int64_t bytes_sent = 0;       // request bodies (envelopes)
  int64_t wire_bytes_up = 0;    // whole requests: request line, headers, body
  int64_t wire_bytes_down = 0;  // whole responses
  std::string last_reason;  // the hub's reason for a quarantined or refused batch
  FeedReport feed;          // what the hub had for the office (after the upload)
  std::optional<int64_t> expected_first_seq;  // the hub answered sequence_gap and asks to continue here
};

// Uploads every pending outbox row, then pulls the unit's feed (agent/feed.hpp), so success always
// means the hub was reached. Succeeds when the hub acknowledged everything (pending_left 0) and the
// feed was applied; a transport or hub error stops the run and is returned (kUnavailable/kTimeout:
// try later; kUnauthorized: enrollment problem or a page not signed by the hub; kConflict: the hub
// disagrees about the sequence). kFailedPrecondition when the office is not enrolled.
Result<SyncReport> sync_outbox(Store& store);

// Forgets sent changes older than `retention_days`: outbox rows the hub answered (acknowledged,
// quarantined or refused) more than that long ago, and the batches made only of them. Only a
// prefix of the outbox goes, never a row after one that stays (an office re-sends to a restored hub
// from a sequence number on, PROTOCOL.md 7.4.5), and the last batch the hub answered and its rows
// always stay (the next batch chains to it). Returns the number of outbox rows deleted. Called
// after every successful sync with the configured retention (config retention_days, default 30).
Result<int64_t> prune_sent_changes(Store& store, int64_t retention_days);

// The last outbox entry the hub has answered (0: none). It only grows (the last answered batch is
// never pruned), so a sync that moved it made progress even if it then failed: the run loop's
// backoff starts again from its first delay (agent/schedule.hpp).
Result<int64_t> acknowledged_through(Store& store);

}  // namespace motcua::agent
