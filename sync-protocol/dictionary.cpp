#include "sync-protocol/dictionary.hpp"

#include <memory>

#include <nlohmann/json.hpp>
#include <zdict.h>
#include <zstd.h>

#include "sync-protocol/base64.hpp"

namespace motcua::sync {

using nlohmann::json;

namespace {

struct CDictFree {
  void operator()(ZSTD_CDict* d) const { ZSTD_freeCDict(d); }
};
struct DDictFree {
  void operator()(ZSTD_DDict* d) const { ZSTD_freeDDict(d); }
};

constexpr const char* kHint = "use a dictionary made by motcua-train-dictionary";

}  // namespace

Result<Dictionary> load_dictionary(ByteView bytes) {
  if (bytes.size > kMaxDictionarySize) {
    return fail(Error::invalid_input("the dictionary has " + std::to_string(bytes.size) + " bytes; at most " +
                                         std::to_string(kMaxDictionarySize) + " are accepted",
                                     kHint));
  }
  const uint32_t magic = bytes.size >= 4 ? static_cast<uint32_t>(bytes.data[0]) | static_cast<uint32_t>(bytes.data[1]) << 8 |
                                               static_cast<uint32_t>(bytes.data[2]) << 16 |
                                               static_cast<uint32_t>(bytes.data[3]) << 24
                                         : 0;
  if (magic != ZSTD_MAGIC_DICTIONARY) return fail(Error::invalid_input("the file is not a zstd dictionary", kHint));
  const unsigned id = ZDICT_getDictID(bytes.data, bytes.size);
  if (id < kMinDictionaryId || id > 0x7FFFFFFFu) {
    return fail(Error::invalid_input("the dictionary's id " + std::to_string(id) + " is outside 32768..2147483647", kHint));
  }
  // Both directions must be able to use it: a dictionary only one side can load would strand batches.
  std::unique_ptr<ZSTD_CDict, CDictFree> cdict(ZSTD_createCDict(bytes.data, bytes.size, 3));
  std::unique_ptr<ZSTD_DDict, DDictFree> ddict(ZSTD_createDDict(bytes.data, bytes.size));
  if (!cdict || !ddict || ZSTD_getDictID_fromDDict(ddict.get()) != id) {
    return fail(Error::invalid_input("the zstd dictionary is damaged: zstd cannot load it", kHint));
  }
  Dictionary d;
  d.id = id;
  d.bytes.assign(bytes.data, bytes.data + bytes.size);
  return d;
}

Result<Dictionary> train_dictionary(const std::vector<sql::Blob>& samples, size_t max_size) {
  if (max_size < 1024 || max_size > kMaxDictionarySize) {
    return fail(Error::invalid_input("a dictionary size of " + std::to_string(max_size) + " bytes is outside 1 KiB..64 KiB"));
  }
  std::string all;
  std::vector<size_t> sizes;
  for (const auto& s : samples) {
    all.append(reinterpret_cast<const char*>(s.data()), s.size());
    sizes.push_back(s.size());
  }
  sql::Blob out(max_size);
  const size_t n = ZDICT_trainFromBuffer(out.data(), out.size(), all.data(), sizes.data(), static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) {
    return fail(Error::invalid_input(std::string("zstd could not train a dictionary: ") + ZDICT_getErrorName(n),
                                     "give more samples (hundreds of changesets, ~100x the dictionary size in all)"));
  }
  out.resize(n);
  return load_dictionary(out);
}

std::string dictionary_publication_json(const Dictionary& dictionary, int64_t version, const std::string& published_at,
                                        const std::string& source) {
  return json{{"kind", "dictionary"},
              {"version", version},
              {"dictionary_id", dictionary.id},
              {"published_at", published_at},
              {"source", source},
              {"zstd_dictionary", base64_encode(dictionary.bytes)}}
      .dump();
}

Result<DictionaryPublication> dictionary_publication_from_json(std::string_view json_text) {
  json doc = json::parse(json_text, nullptr, false);
  auto bad = [](const std::string& what) {
    return fail(Error::invalid_input("dictionary publication: " + what, "the hub published it wrongly; report it"));
  };
  if (!doc.is_object() || doc.value("kind", json()) != "dictionary") return bad("not a JSON object of kind \"dictionary\"");
  if (!doc.contains("version") || !doc["version"].is_number_unsigned() || doc["version"].get<int64_t>() < 1) {
    return bad("version is not a positive integer");
  }
  if (!doc.contains("dictionary_id") || !doc["dictionary_id"].is_number_unsigned()) return bad("dictionary_id is missing");
  if (!doc.contains("zstd_dictionary") || !doc["zstd_dictionary"].is_string()) return bad("zstd_dictionary is missing");
  auto bytes = base64_decode(doc["zstd_dictionary"].get<std::string>());
  if (!bytes) return bad("zstd_dictionary is not base64: " + bytes.error().message);
  auto loaded = load_dictionary(ByteView(bytes->data(), bytes->size()));
  if (!loaded) return bad(loaded.error().message);
  if (doc["dictionary_id"].get<uint64_t>() != loaded->id) {
    return bad("dictionary_id " + doc["dictionary_id"].dump() + " does not match the dictionary's own id " +
               std::to_string(loaded->id));
  }
  DictionaryPublication p;
  p.dictionary = std::move(*loaded);
  p.version = doc["version"].get<int64_t>();
  return p;
}

}  // namespace motcua::sync
