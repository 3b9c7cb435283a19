// What the fuzz targets and their seeds share, built once per process: fixed keys, a dictionary,
// changesets of the real fact tables, and (with the hub) an in-memory hub database. Deterministic:
// the seed maker and every fuzzer process build the same keys, dictionary and rows.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "common/sqlite.hpp"
#include "sync-protocol/dictionary.hpp"
#include "sync-protocol/keys.hpp"

namespace motcua::fuzz {

// The unit the changeset target authorises for, a second unit the hub knows (a transfer target),
// and a dossier the hub database records as received by kFuzzUnit.
inline constexpr const char* kFuzzUnit = "11953";
inline constexpr const char* kOtherUnit = "11956";
inline constexpr const char* kKnownDossierHex = "0123456789abcdef0123456789abcdef";

// A fixed Ed25519 key (not secret: it signs fuzz inputs only), as the agent's and as the hub's.
const sync::KeyPair& agent_key();
const sync::KeyPair& hub_key();

// A dictionary trained on office-like changesets, and the lookup that knows only it.
const sync::Dictionary& dictionary();
sync::DictionaryLookup dictionary_lookup();

// Changesets of the replicated fact tables (schema/facts) as an office captures them, for kFuzzUnit:
// a new dossier with its documents, events on the known dossier, a transfer to kOtherUnit, and
// (refused by the hub) a row of another unit and an update.
std::vector<sql::Blob> fact_changesets();

// Stops the process with `what` when an invariant does not hold: the fuzzer reports it as a crash.
[[noreturn]] void invariant_broken(const std::string& what);
inline void check_invariant(bool holds, const char* what) {
  if (!holds) invariant_broken(what);
}

}  // namespace motcua::fuzz
