// zstd dictionaries for small batches (PROTOCOL.md 4.1). A dictionary is trained on changesets like
// the ones offices send; the hub publishes it to every office through the feed, and an office that
// holds one compresses its batches with it (the envelope's dictionary_id, and the zstd frame's own
// dictionary id, name it). Without one, batches are plain zstd. A dictionary's id is derived from its
// content by zstd's trainer, so two hubs never give one id to different bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/sqlite.hpp"
#include "sync-protocol/bytes.hpp"

namespace motcua::sync {

struct Dictionary {
  uint32_t id = 0;  // zstd dictionary id: 32768 .. 2^31-1 (zstd reserves lower ids)
  sql::Blob bytes;  // a zstd dictionary (magic 0xEC30A437, entropy tables, content)
};

inline constexpr size_t kMaxDictionarySize = 64 * 1024;
inline constexpr uint32_t kMinDictionaryId = 32768;

// Checks that `bytes` are a zstd dictionary this protocol accepts: at most kMaxDictionarySize, the
// dictionary magic, an id in range, and zstd can load it for both compression and decompression.
// kInvalidInput naming what is wrong.
Result<Dictionary> load_dictionary(ByteView bytes);

// Trains a dictionary of at most `max_size` bytes on `samples` (zstd's trainer; it wants many
// samples, a few hundred at least, totalling ~100x the dictionary size). The id comes from the
// content. kInvalidInput when the samples are too few or too small to train on.
Result<Dictionary> train_dictionary(const std::vector<sql::Blob>& samples, size_t max_size = 16 * 1024);

// The dictionary with this id, or nullptr when this side does not hold it.
using DictionaryLookup = std::function<const Dictionary*(uint32_t id)>;

// The body of a feed entry of kind "dictionary": {"kind":"dictionary","version":V,
// "dictionary_id":N,"published_at":"...","source":"...","zstd_dictionary":"<base64>"}.
std::string dictionary_publication_json(const Dictionary& dictionary, int64_t version,
                                        const std::string& published_at, const std::string& source);

struct DictionaryPublication {
  Dictionary dictionary;
  int64_t version = 0;
};

// Parses and checks such a body (the id must match the dictionary's bytes). kInvalidInput naming
// the field.
Result<DictionaryPublication> dictionary_publication_from_json(std::string_view json_text);

}  // namespace motcua::sync
