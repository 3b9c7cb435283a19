// The clerk's web app (issue "the clerk's counter"): Vietnamese pages served by the agent, usable
// with no internet at all — every byte a page needs (HTML, CSS, script) comes from this server.
//
// Screens: sign-in; Tiếp nhận hồ sơ (receive, or refuse with Mẫu 03); Hồ sơ của tôi (queues with
// counts, search); the dossier (history, legal status changes, supplement request with Mẫu 02,
// transfer); the printable Mẫu 01/02/03; the Đồng bộ indicator with "Đồng bộ ngay" on every page;
// accounts for the office lead. Every action goes through the same library calls as the CLI
// (agent/dossiers.hpp) with the signed-in clerk's username as the actor.
//
// Security: every page but /login and /static/ needs a session cookie (HttpOnly, SameSite=Strict);
// every POST must carry the session's CSRF token and, when the browser sends one, an Origin equal
// to this server's; request bodies are capped; responses forbid framing and foreign scripts.
// Thread-safety: start/stop from one thread; requests are served on the server's own threads and
// take turns on one database connection (sign-ins on a second one, so that the deliberate cost of
// checking a password never holds up the pages).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/accounts.hpp"
#include "agent/counter.hpp"
#include "common/error.hpp"
#include "common/time.hpp"

namespace motcua::agent {

struct WebUiOptions {
  std::string data_dir;
  std::string host = "127.0.0.1";  // the address to bind: loopback by default, the office LAN address when set
  int port = 8480;                 // 0: any free port (tests)
  SessionPolicy sessions;
  IndicatorPolicy indicator;
  // Called when a clerk presses "Đồng bộ ngay" (wakes the sync loop); may be empty.
  std::function<void()> on_sync_now;
};

class WebUi {
 public:
  // Opens the office database, binds host:port and starts serving on background threads.
  // Errors: the Store::open errors; kUnavailable when the address cannot be bound (in use, not an
  // address of this machine), naming it.
  static Result<std::unique_ptr<WebUi>> start(const WebUiOptions& options, const Clock& clock);
  ~WebUi();  // stops

  // "http://HOST:PORT/" with the port actually bound.
  std::string url() const;
  int port() const;
  void stop();

  struct Impl;

 private:
  explicit WebUi(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace motcua::agent
