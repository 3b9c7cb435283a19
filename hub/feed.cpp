#include "hub/feed.hpp"

#include <algorithm>
#include <optional>

#include "sync-protocol/feed.hpp"

namespace motcua::hub {

Result<FeedQuery> parse_feed_query(const std::string& target) {
  const auto q = target.find('?');
  const std::string query = q == std::string::npos ? std::string() : target.substr(q + 1);
  const std::string hint =
      "ask GET /v1/feed?after=N&epoch=E[&agent_time=T] (N: last position applied, E: the hub epoch, 32 hex digits, "
      "T: the office clock in ms since 1970)";
  std::optional<uint64_t> after;
  std::optional<Id128> epoch;
  std::optional<int64_t> agent_time;
  size_t start = 0;
  while (!query.empty() && start <= query.size()) {
    const size_t end = std::min(query.find('&', start), query.size());
    const std::string pair = query.substr(start, end - start);
    const auto eq = pair.find('=');
    const std::string name = pair.substr(0, eq);
    const std::string value = eq == std::string::npos ? std::string() : pair.substr(eq + 1);
    if ((name == "after" && after) || (name == "epoch" && epoch) || (name == "agent_time" && agent_time)) {
      return fail(Error::invalid_input("feed query parameter '" + name + "' is repeated", hint));
    }
    if (name == "after") {
      const bool digits = !value.empty() && value.size() <= 19 &&
                          value.find_first_not_of("0123456789") == std::string::npos && (value == "0" || value[0] != '0');
      if (!digits) return fail(Error::invalid_input("feed position after='" + value + "' is not a decimal number", hint));
      after = std::stoull(value);
    } else if (name == "agent_time") {
      const bool digits = !value.empty() && value.size() <= 15 &&
                          value.find_first_not_of("0123456789") == std::string::npos && (value == "0" || value[0] != '0');
      if (!digits) return fail(Error::invalid_input("agent_time='" + value + "' is not a decimal number of ms", hint));
      agent_time = std::stoll(value);
    } else if (name == "epoch") {
      const bool hex = value.size() == 32 && value.find_first_not_of("0123456789abcdef") == std::string::npos;
      auto id = hex ? Id128::from_hex(value) : Result<Id128>(fail(Error::invalid_input("")));
      if (!id) return fail(Error::invalid_input("feed epoch '" + value + "' is not 32 lower-case hex digits", hint));
      epoch = *id;
    } else {
      return fail(Error::invalid_input("unknown feed query parameter '" + name + "'", hint));
    }
    start = end + 1;
  }
  if (!after || !epoch) return fail(Error::invalid_input("the feed request needs both after and epoch", hint));
  return FeedQuery{*after, *epoch, agent_time};
}

Result<sql::Blob> feed_page(sql::Db& db, const sync::KeyPair& hub_key, const Id128& hub_epoch,
                            const FeedPageRequest& request, Instant now) {
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt last, db.prepare("SELECT coalesce(max(position), 0) FROM feed_entry WHERE unit = ?1"));
  last.bind(1, request.unit);
  MOTCUA_ASSIGN_OR_RETURN(bool has_head, last.step());
  sync::FeedPage page;
  page.header.agent_id = request.agent_id;
  page.header.request_counter = request.request_counter;
  page.header.epoch = hub_epoch;
  page.header.after = request.after;
  page.header.last = request.after;
  page.header.head = has_head ? static_cast<uint64_t>(last.int64(0)) : 0;
  page.header.hub_time_ms = now.ms;
  if (page.header.head < request.after) {
    return fail(Error::conflict("the agent asks after position " + std::to_string(request.after) +
                                    " but unit " + request.unit + "'s feed ends at " + std::to_string(page.header.head),
                                "the office's cursor is ahead of this hub: provincial IT must look at this agent"));
  }
  MOTCUA_ASSIGN_OR_RETURN(sql::Stmt st, db.prepare(
      "SELECT f.position, f.kind, f.version, coalesce(f.body, p.payload) FROM feed_entry f "
      "LEFT JOIN publication p ON p.kind = f.kind AND p.version = f.version "
      "WHERE f.unit = ?1 AND f.position > ?2 ORDER BY f.position LIMIT ?3"));
  st.bind(1, request.unit).bind(2, static_cast<int64_t>(request.after)).bind(3, kFeedPageMaxEntries);
  size_t raw = 4;  // entry_count
  while (true) {
    MOTCUA_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    sync::FeedEntry e;
    e.position = static_cast<uint64_t>(st.int64(0));
    const std::string kind = st.text(1);
    e.kind = kind == "calendar"     ? sync::FeedKind::kCalendar
             : kind == "dictionary" ? sync::FeedKind::kDictionary
             : kind == "facts"      ? sync::FeedKind::kFacts
                                    : sync::FeedKind::kCatalog;
    e.version = static_cast<uint64_t>(st.int64(2));
    e.body = st.text(3);
    // Entries join while the payload stays within the target; a larger one travels alone (each
    // publication was checked to fit a page of its own when it was published).
    if (!page.entries.empty() && raw + sync::feed_entry_raw_size(e) > kFeedPageTargetBytes) break;
    raw += sync::feed_entry_raw_size(e);
    page.header.last = e.position;
    page.entries.push_back(std::move(e));
  }
  return sync::encode_feed_page(page, hub_key);
}

}  // namespace motcua::hub
