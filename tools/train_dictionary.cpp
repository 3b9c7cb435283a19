// motcua-train-dictionary --catalog FILE --calendar FILE --out FILE [--dossiers N] [--seed S]
//                         [--size BYTES] [--unit CODE] [--json]
// Trains the zstd dictionary offices compress their batches with (PROTOCOL.md 4.1): a scratch office
// records N realistic generated dossiers through the agent's own paths (received, then moved along
// 2 → 4 → 9 → 10, interleaved as at a counter), its captured changesets are the training samples
// (alone and merged in runs of 2-20, as batches are), and the dictionary is written to FILE for
// `motcua-hub dictionary publish`. Then it measures, on dossiers generated with another seed, the
// signed batch envelopes with and without the dictionary for batches of 1, 10 and 100 changes.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "agent/setup.hpp"
#include "agent/store.hpp"
#include "common/cli_output.hpp"
#include "common/files.hpp"
#include "common/id.hpp"
#include "common/time.hpp"
#include "sync-protocol/changeset.hpp"
#include "sync-protocol/dictionary.hpp"
#include "sync-protocol/envelope.hpp"
#include "sync-protocol/keys.hpp"
#include "tools/sample_dossiers.hpp"

using namespace motcua;
namespace fs = std::filesystem;
using nlohmann::json;
using cli::print_json;
using cli::report_error;

namespace {

struct Options {
  std::string catalog;
  std::string calendar;
  std::string out;
  std::string unit = "11953";
  int dossiers = 2000;
  uint64_t seed = 1;
  size_t size = 16 * 1024;
  bool json = false;
};

// Removes the scratch office however the program ends.
struct ScratchDir {
  fs::path path;
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// The changesets a scratch office captures for `dossiers` generated dossiers, in outbox order.
Result<std::vector<sql::Blob>> generate(const Options& o, const fs::path& dir, uint64_t seed, int dossiers) {
  ManualClock clock(*parse_rfc3339("2026-03-02T07:30:00+07:00"));
  agent::InitRequest init;
  init.data_dir = dir.string();
  init.unit_code = o.unit;
  init.catalog_path = o.catalog;
  init.calendar_path = o.calendar;
  MOTCUA_TRY(agent::init_office(init, clock).map([](auto&&) {}));
  MOTCUA_ASSIGN_OR_RETURN(agent::Store store, agent::Store::open(init.data_dir, false, clock));
  // A scratch office, deleted at the end: no change in it needs to survive a power cut.
  MOTCUA_TRY(store.db().exec("PRAGMA synchronous=OFF"));
  MOTCUA_ASSIGN_OR_RETURN(tools::SampleDossiers samples, tools::SampleDossiers::open(store, seed));
  MOTCUA_TRY(samples.record_work(clock, dossiers));
  std::vector<sql::Blob> changesets;
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, store.db().prepare("SELECT changeset FROM outbox ORDER BY seq"));
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    changesets.push_back(st.blob(0));
  }
  return changesets;
}

// Consecutive runs of `size` changesets merged as a batch would merge them.
Result<std::vector<sql::Blob>> batches_of(const std::vector<sql::Blob>& changesets, size_t size) {
  std::vector<sql::Blob> out;
  for (size_t i = 0; i < changesets.size(); i += size) {
    std::vector<sql::Blob> run(changesets.begin() + static_cast<std::ptrdiff_t>(i),
                               changesets.begin() + static_cast<std::ptrdiff_t>(std::min(changesets.size(), i + size)));
    MOTCUA_ASSIGN_OR_RETURN(sql::Blob merged, sync::merge_changesets(run));
    out.push_back(std::move(merged));
  }
  return out;
}

struct Measure {
  size_t batch_changes = 0;
  size_t batches = 0;
  size_t raw = 0;
  size_t plain = 0;           // signed envelopes, zstd without dictionary
  size_t with_dictionary = 0; // signed envelopes, zstd with the dictionary
};

Result<Measure> measure(const std::vector<sql::Blob>& changesets, size_t batch_changes, const sync::Dictionary& dict,
                        const sync::KeyPair& key) {
  Measure m;
  m.batch_changes = batch_changes;
  MOTCUA_ASSIGN_OR_RETURN(auto batches, batches_of(changesets, batch_changes));
  sync::BatchHeader h;
  h.agent_id = Id128::random();
  h.schema_version = 1;
  uint64_t seq = 1;
  for (const auto& b : batches) {
    h.first_seq = seq;
    h.last_seq = seq + batch_changes - 1;
    seq = h.last_seq + 1;
    h.dictionary_id = 0;
    MOTCUA_ASSIGN_OR_RETURN(auto plain, sync::encode_batch(h, b, key));
    h.dictionary_id = dict.id;
    MOTCUA_ASSIGN_OR_RETURN(auto with, sync::encode_batch(h, b, key, sync::kDefaultCompressionLevel, &dict));
    m.raw += b.size();
    m.plain += plain.bytes.size();
    m.with_dictionary += with.bytes.size();
    ++m.batches;
  }
  return m;
}

int run(const Options& o) {
  ScratchDir scratch{fs::temp_directory_path() / ("motcua-train-" + Id128::random().hex())};
  auto training = generate(o, scratch.path / "training", o.seed, o.dossiers);
  if (!training) return report_error(training.error(), o.json);
  // Samples as offices send them: single changes (a sync soon after each) and merged runs.
  std::vector<sql::Blob> samples = *training;
  std::mt19937_64 rng(o.seed);
  for (size_t i = 0; i < training->size();) {
    const size_t n = std::uniform_int_distribution<size_t>(2, 20)(rng);
    std::vector<sql::Blob> run(training->begin() + static_cast<std::ptrdiff_t>(i),
                               training->begin() + static_cast<std::ptrdiff_t>(std::min(training->size(), i + n)));
    auto merged = sync::merge_changesets(run);
    if (!merged) return report_error(merged.error(), o.json);
    samples.push_back(std::move(*merged));
    i += n;
  }
  auto dict = sync::train_dictionary(samples, o.size);
  if (!dict) return report_error(dict.error(), o.json);
  auto written = write_private_file(o.out, std::string(dict->bytes.begin(), dict->bytes.end()));
  if (!written) return report_error(written.error(), o.json);

  // Held out: other dossiers, another seed, a quarter as many (at least 200).
  auto held_out = generate(o, scratch.path / "held-out", o.seed + 1000003, std::max(200, o.dossiers / 4));
  if (!held_out) return report_error(held_out.error(), o.json);
  auto key = sync::KeyPair::generate();
  if (!key) return report_error(key.error(), o.json);
  json rows = json::array();
  std::vector<Measure> measures;
  for (size_t size : {1, 10, 100}) {
    auto m = measure(*held_out, size, *dict, *key);
    if (!m) return report_error(m.error(), o.json);
    measures.push_back(*m);
    const size_t overhead = m->batches * sync::kBatchOverhead;
    rows.push_back({{"changes_per_batch", m->batch_changes}, {"batches", m->batches}, {"raw_bytes", m->raw},
                    {"zstd_bytes", m->plain}, {"zstd_dictionary_bytes", m->with_dictionary},
                    {"payload_ratio_without", static_cast<double>(m->raw) / static_cast<double>(m->plain - overhead)},
                    {"payload_ratio_with", static_cast<double>(m->raw) / static_cast<double>(m->with_dictionary - overhead)}});
  }
  if (o.json) {
    print_json({{"out", o.out}, {"dictionary_id", dict->id}, {"dictionary_bytes", dict->bytes.size()},
                {"training_dossiers", o.dossiers}, {"training_samples", samples.size()},
                {"held_out_changes", held_out->size()}, {"measured", rows}});
    return 0;
  }
  std::printf("Wrote dictionary %u (%zu bytes) to %s, trained on %zu samples from %d dossiers.\n", dict->id,
              dict->bytes.size(), o.out.c_str(), samples.size(), o.dossiers);
  std::printf("Held-out dossiers (another seed), %zu changes, zstd level %d. Payload: the compressed changesets;\n"
              "envelope: the signed batch as sent (payload + %zu bytes of header, hashes and signature).\n",
              held_out->size(), sync::kDefaultCompressionLevel, sync::kBatchOverhead);
  std::printf("%-14s %8s %10s | %10s %7s | %10s %7s | %10s %10s %7s\n", "changes/batch", "batches", "raw",
              "payload", "ratio", "+dict", "ratio", "envelopes", "+dict", "saved");
  for (const auto& m : measures) {
    const size_t overhead = m.batches * sync::kBatchOverhead;
    const auto ratio = [&](size_t compressed) { return static_cast<double>(m.raw) / static_cast<double>(compressed); };
    std::printf("%-14zu %8zu %10zu | %10zu %6.2fx | %10zu %6.2fx | %10zu %10zu %6.1f%%\n", m.batch_changes, m.batches,
                m.raw, m.plain - overhead, ratio(m.plain - overhead), m.with_dictionary - overhead,
                ratio(m.with_dictionary - overhead), m.plain, m.with_dictionary,
                100.0 * (1.0 - static_cast<double>(m.with_dictionary) / static_cast<double>(m.plain)));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"motcua-train-dictionary: trains the zstd dictionary offices compress their batches with"};
  Options o;
  app.add_option("--catalog", o.catalog, "the province's procedure catalogue (CSV, as published)")->required();
  app.add_option("--calendar", o.calendar, "the working calendar (CSV, as published)")->required();
  app.add_option("--out", o.out, "where to write the dictionary")->required();
  app.add_option("--unit", o.unit, "GSO code of the unit the sample office plays");
  app.add_option("--dossiers", o.dossiers, "dossiers to generate for training")->check(CLI::Range(200, 100000));
  app.add_option("--seed", o.seed, "seed of the generator (names, procedures, order of events; ids are always random)");
  app.add_option("--size", o.size, "dictionary size in bytes")->check(CLI::Range(size_t{1024}, sync::kMaxDictionarySize));
  app.add_flag("--json", o.json, "print the result as JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return cli::report_usage_error("motcua-train-dictionary", e.what(), o.json);
  }
  return run(o);
}
