#include "agent/cli/cli.hpp"

#include <iostream>

namespace motcua::agent::cli {

std::string human_time(const std::string& t) {
  if (t.size() < 16) return "không có";
  // 2026-02-25T10:00:00+07:00 -> 25/02/2026 10:00
  return t.substr(8, 2) + "/" + t.substr(5, 2) + "/" + t.substr(0, 4) + " " + t.substr(11, 5);
}

nlohmann::json feed_json(const FeedReport& feed) {
  auto version = [](const std::optional<int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  return {{"applied", feed.applied},
          {"skipped", feed.entries_skipped},
          {"position", feed.position},
          {"complete", feed.complete},
          {"catalog_version", version(feed.catalog_version)},
          {"calendar_version", version(feed.calendar_version)},
          {"requests", feed.requests},
          {"wire_bytes_up", feed.wire_bytes_up},
          {"wire_bytes_down", feed.wire_bytes_down}};
}

void print_feed_vi(const FeedReport& feed) {
  int facts = 0;
  for (const auto& name : feed.applied) {
    const auto space = name.find(' ');
    const std::string kind = name.substr(0, space), version = name.substr(space + 1);
    if (kind == "facts") {
      ++facts;
      continue;
    }
    std::cout << (kind == "catalog"      ? "Đã nhận danh mục thủ tục phiên bản "
                  : kind == "dictionary" ? "Đã nhận từ điển nén dữ liệu phiên bản "
                                         : "Đã nhận lịch làm việc phiên bản ")
              << version << " từ máy chủ tỉnh.\n";
  }
  if (facts > 0) std::cout << "Đã nhận cập nhật hồ sơ liên thông từ các đơn vị khác.\n";
}

}  // namespace motcua::agent::cli
