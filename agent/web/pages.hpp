// HTML of the clerk's screens: pure functions from data to markup, no I/O. Every text that comes
// from data goes through esc(). Pages reference only /static/app.css and /static/app.js (no inline
// script: the Content-Security-Policy forbids it).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/accounts.hpp"
#include "agent/counter.hpp"
#include "domain/units.hpp"
#include "reference/reference.hpp"

namespace motcua::agent::web {

std::string esc(std::string_view text);

// The lines of `text` (LF or CRLF), trimmed, without the empty ones: what a clerk typed one item a line.
std::vector<std::string> non_empty_lines(const std::string& text);

using FormValues = std::map<std::string, std::string>;

struct Frame {
  const Session* session = nullptr;  // null: signed out (the login page)
  nlohmann::json indicator;          // sync_indicator()
  std::string office_name;
  std::string nav;                   // "queues" | "receive" | "accounts" | ""
  std::string flash;                 // success message
  std::vector<std::string> errors;   // Vietnamese messages
};

// A whole page: header (office, nav, sync indicator, user), messages, `body`.
std::string layout(const Frame& frame, const std::string& title, const std::string& body);

std::string login_page(const std::string& next, const std::string& username, const std::string& error);

// The receive form. `values` keeps what the clerk typed after a refused submit.
std::string receive_body(const std::vector<reference::ProcedureRow>& procedures, const FormValues& values,
                         const std::string& csrf);

// "Hồ sơ của tôi": queue tabs with counts, the search box, the table of `list` (list_queue or
// search_dossiers JSON).
std::string queues_body(const std::vector<int64_t>& counts, const std::string& active_queue, const std::string& query,
                        const nlohmann::json& list, int offset, int limit);

// The dossier page from show_dossier JSON.
struct DossierView {
  nlohmann::json dossier;
  std::string own_unit;
  std::map<std::string, std::string> unit_names;   // code -> name, for history and holder
  std::map<std::string, std::string> actor_names;  // this office's usernames -> full names
  std::vector<UnitChoice> transfer_targets;
  std::string csrf;
  bool is_new = false;
};
std::string dossier_body(const DossierView& view);

// The printable forms (whole pages, A5). `office` is the receiving unit.
std::string mau01_page(const nlohmann::json& dossier, const domain::Unit& office, const std::string& clerk_name);
std::string mau02_page(const nlohmann::json& dossier, const domain::Unit& office, const std::string& clerk_name);
std::string mau03_page(const nlohmann::json& dossier, const domain::Unit& office, const std::string& clerk_name);

std::string accounts_body(const std::vector<Account>& accounts, const Session& me, const std::string& csrf);

std::string not_found_body(const std::string& what);

// The stylesheet and the script every page loads.
extern const char* const kAppCss;
extern const char* const kAppJs;

}  // namespace motcua::agent::web
