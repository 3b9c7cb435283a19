// What the weak-link benchmarks (motcua-bench-weak-link, motcua-bench-big-history) share: reading
// motcua-flaky-proxy's per-connection report, the big-endian fields of a stored batch envelope,
// and a compact list of batch sizes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/sqlite.hpp"

namespace motcua::bench {

// What the proxy printed: one line per connection, and the totals when it stopped.
struct ProxyCount {
  int64_t connections = 0;
  int64_t cut = 0;  // connections ended by --cut-after
  int64_t up = 0;   // forwarded client->upstream
  int64_t down = 0;
  std::optional<std::pair<int64_t, int64_t>> totals;  // the summary line's (up, down)
};

inline ProxyCount parse_proxy_output(const std::string& output) {
  ProxyCount p;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    unsigned long long id = 0, up = 0, down = 0;
    long long ms = 0;
    if (std::sscanf(line.c_str(), "connection %llu: client->upstream %llu bytes, upstream->client %llu bytes, %lld ms",
                    &id, &up, &down, &ms) == 4) {
      ++p.connections;
      p.up += static_cast<int64_t>(up);
      p.down += static_cast<int64_t>(down);
      if (line.find("cut-after") != std::string::npos) ++p.cut;
      continue;
    }
    const auto at = line.find("; in all client->upstream ");
    if (at != std::string::npos &&
        std::sscanf(line.c_str() + at, "; in all client->upstream %llu bytes, upstream->client %llu bytes", &up,
                    &down) == 2) {
      p.totals = std::make_pair(static_cast<int64_t>(up), static_cast<int64_t>(down));
    }
  }
  return p;
}

// The big-endian u32 at `at` of an envelope (sync-protocol/PROTOCOL.md section 4).
inline uint32_t be32(const sql::Blob& b, size_t at) {
  return static_cast<uint32_t>(b[at]) << 24 | static_cast<uint32_t>(b[at + 1]) << 16 |
         static_cast<uint32_t>(b[at + 2]) << 8 | static_cast<uint32_t>(b[at + 3]);
}

// "500×7, 337" for a list of counts, consecutive equal ones run-length encoded.
inline std::string runs_text(const std::vector<int64_t>& values) {
  std::string out;
  for (size_t i = 0; i < values.size();) {
    size_t j = i;
    while (j < values.size() && values[j] == values[i]) ++j;
    out += (out.empty() ? "" : ", ") + std::to_string(values[i]) + (j - i > 1 ? "×" + std::to_string(j - i) : "");
    i = j;
  }
  return out;
}

}  // namespace motcua::bench
