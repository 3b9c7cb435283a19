// motcua-bench-ui [--dossiers N] [--requests R] [--keep]
// The clerk web UI's response times on an office with a long history, over real loopback HTTP.
//
//   1. Sets an office up in a temporary directory (unit 11953, the sample catalogue and the
//      calendar, as `motcua-agent init` does) and fills it with N dossiers (default 100,000)
//      received on the working days of 2026-01-05 .. 2027-03-02, each with its documents and its
//      history up to "now" (2027-03-02 09:30, a fixed clock): most returned (10), some resolved and
//      waiting for pickup (9), refused (3), withdrawn (7) or stopped (8), the recent ones received
//      (2), being processed (4), waiting for a supplement (5) or for fees (6), and a few overdue.
//      The last few hundred dossiers go through agent::receive() and agent::set_status() one by one
//      in time order (a transaction and an fsync each, as at the counter); the others are inserted
//      in ONE transaction with the same fact rows (dossier, dossier_document, dossier_event, event
//      data and resume appointments from the domain code) and folded into dossier_state by
//      facts::refresh_derived(), the office's own fold; the folded status of every dossier is
//      checked against the generated history. The generated history has no outbox rows (as if it
//      had been sent long ago): nothing is ever uploaded, there is no hub. The generator is
//      bench/office_dataset.hpp, shared with motcua-bench-office.
//   2. Adds a clerk account, starts the web UI in this process on 127.0.0.1 (any free port) and
//      signs in over HTTP.
//   3. Times each page, R times (default 200) after a warm-up, each request a full round trip on a
//      keep-alive connection (TCP_NODELAY on the client, as browsers set it): the queues, the
//      overdue queue, search by name (no diacritics), by code and by CCCD, a dossier, its Mẫu 01,
//      the receive form, the sync indicator, and saving a new dossier (POST /receive: a transaction
//      with synchronous=FULL, so an fsync each). Searches and dossiers rotate over a few hundred
//      generated citizens; every reply's HTTP status is checked.
// Prints p50 / p99 / max per page, the generation time, the database size, the machine, its load
// average around the requests and the file system of the temporary directory. The directory is
// removed at the end (also after an error) unless --keep.
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/accounts.hpp"
#include "agent/dossiers.hpp"
#include "agent/setup.hpp"
#include "agent/store.hpp"
#include "agent/web/web_ui.hpp"
#include "bench/bench_support.hpp"
#include "bench/office_dataset.hpp"
#include "common/text.hpp"
#include "reference/reference.hpp"

using namespace motcua;
using motcua::bench::check_deadline;
using motcua::bench::cpu_model;
using motcua::bench::db_size;
using motcua::bench::die;
using motcua::bench::load_average;
using motcua::bench::must;
using motcua::bench::nfc;
using motcua::bench::parse_int;
using motcua::bench::percentile;
using motcua::bench::storage_of;
namespace fs = std::filesystem;
using Clk = std::chrono::steady_clock;

namespace {

constexpr int64_t kMaxRunSeconds = 3 * 3600;  // the whole run, generation included
constexpr const char* kClerk = "bench.clerk";
constexpr const char* kPassword = "mat-khau-thu-nghiem";

// The temporary directory, removed at exit (also when the run stops on an error) unless --keep.
std::string g_cleanup_dir;

void remove_cleanup_dir() {
  if (g_cleanup_dir.empty()) return;
  std::error_code ec;
  fs::remove_all(g_cleanup_dir, ec);
  g_cleanup_dir.clear();
}

// ---------------------------------------------------------------------------------------------
// HTTP

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

struct Reply {
  int status = 0;
  size_t bytes = 0;
  std::string body;
  std::string location;
  std::string set_cookie;
};

class Browser {
 public:
  explicit Browser(int port) : m_client("127.0.0.1", port) {
    m_client.set_keep_alive(true);
    // As browsers do (Chromium, Firefox): a request's headers and body leave at once, never held
    // back by Nagle's algorithm waiting for the server's delayed ACK.
    m_client.set_tcp_nodelay(true);
    m_client.set_connection_timeout(5, 0);
    m_client.set_read_timeout(60, 0);
    m_client.set_write_timeout(60, 0);
  }
  void set_cookie(std::string c) { m_cookie = std::move(c); }

  Reply get(const std::string& path) { return reply(m_client.Get(path, headers()), "GET " + path); }
  Reply post(const std::string& path, const httplib::Params& form) {
    return reply(m_client.Post(path, headers(), form), "POST " + path);
  }

 private:
  httplib::Headers headers() const {
    httplib::Headers h{{"Accept", "text/html"}, {"Accept-Language", "vi"}};
    if (!m_cookie.empty()) h.emplace("Cookie", m_cookie);
    return h;
  }
  static Reply reply(const httplib::Result& res, const std::string& what) {
    if (!res) die(what, Error::unavailable("HTTP error " + httplib::to_string(res.error())));
    Reply r;
    r.status = res->status;
    r.bytes = res->body.size();
    r.body = res->body;
    r.location = res->get_header_value("Location");
    r.set_cookie = res->get_header_value("Set-Cookie");
    return r;
  }

  httplib::Client m_client;
  std::string m_cookie;
};

struct Timing {
  std::string label;
  std::vector<double> ms;
  size_t bytes = 0;
};

// `request(i)` returns the reply of the i-th request; `expected` its HTTP status.
template <class Request>
Timing measure(const std::string& label, int warmup, int count, int expected, Request request) {
  Timing t;
  t.label = label;
  for (int i = 0; i < warmup + count; ++i) {
    check_deadline(label.c_str());
    const auto t0 = Clk::now();
    const Reply r = request(i);
    const double ms = std::chrono::duration<double, std::milli>(Clk::now() - t0).count();
    if (r.status != expected) {
      // The page's own message when it has one (<p id="not-found">, the error list), else its start.
      size_t at = r.body.find("id=\"not-found\"");
      if (at == std::string::npos) at = r.body.find("class=\"form-errors");
      const std::string excerpt = r.body.substr(at == std::string::npos ? 0 : at, 400);
      die(label, Error::internal("HTTP " + std::to_string(r.status) + " (expected " + std::to_string(expected) +
                                 "): " + excerpt));
    }
    if (i >= warmup) {
      t.ms.push_back(ms);
      t.bytes += r.bytes;
    }
  }
  return t;
}

std::string csrf_of(const std::string& html) {
  const std::string mark = "name=\"csrf\" value=\"";
  const size_t at = html.find(mark);
  if (at == std::string::npos) die("csrf", Error::internal("no csrf field in the page"));
  const size_t end = html.find('"', at + mark.size());
  return html.substr(at + mark.size(), end - at - mark.size());
}

int usage() {
  std::fprintf(stderr,
               "usage: motcua-bench-ui [--dossiers N (1000-2000000, default 100000)] [--requests R (10-100000, default "
               "200)] [--keep]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bench::g_program = "motcua-bench-ui";
  bench::set_run_limit(kMaxRunSeconds);
  int dossiers = 100000;
  int requests = 200;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dossiers") == 0 && i + 1 < argc) {
      if (!parse_int(argv[++i], 1000, 2000000, dossiers)) return usage();
    } else if (std::strcmp(argv[i], "--requests") == 0 && i + 1 < argc) {
      if (!parse_int(argv[++i], 10, 100000, requests)) return usage();
    } else if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else {
      return usage();
    }
  }

  const fs::path dir = fs::temp_directory_path() / ("motcua-bench-ui-" + Id128::random().hex());
  const fs::path office = dir / "office";
  fs::create_directories(dir);
  if (!keep) {
    g_cleanup_dir = dir.string();
    std::atexit(remove_cleanup_dir);
  }
  ManualClock clock(must(parse_rfc3339(bench::kOfficeNow), "now"));

  // 1. The office and its history (bench/office_dataset.hpp), the inserted part in one transaction.
  bench::OfficeOptions generation;
  generation.data_dir = office.string();
  generation.dossiers = dossiers;
  const bench::GeneratedOffice generated = bench::generate_office(generation, clock);
  const agent::InitResult& set_up = generated.set_up;
  const bench::Generated& gen = generated.gen;
  const double generation_seconds = generated.seconds;
  const std::string size_after_generation = db_size(office);

  // 2. A clerk, the web UI, a signed-in browser.
  {
    auto store = must(agent::Store::open(office.string(), false, clock), "open");
    must(agent::add_account(store, kClerk, nfc("Nguyễn Thị Thu Hà"), agent::Role::kClerk, kPassword), "add account");
  }
  agent::WebUiOptions options;
  options.data_dir = office.string();
  options.host = "127.0.0.1";
  options.port = 0;
  auto ui = must(agent::WebUi::start(options, clock), "web UI");
  Browser browser(ui->port());
  {
    const Reply login = browser.post("/login", {{"username", kClerk}, {"password", kPassword}, {"next", "/"}});
    if (login.status != 303 || login.set_cookie.empty()) die("sign in", Error::internal("HTTP " + std::to_string(login.status)));
    browser.set_cookie(login.set_cookie.substr(0, login.set_cookie.find(';')));
  }

  // 3. The pages.
  std::vector<bench::Sample> samples = gen.samples;
  if (samples.empty()) die("samples", Error::internal("no sample dossier"));
  auto sample = [&](int i) -> const bench::Sample& { return samples[static_cast<size_t>(i) % samples.size()]; };
  const int warmup = std::min(20, requests);
  const std::string load_before = load_average();
  std::vector<Timing> timings;
  auto page = [&](const std::string& label, int expected, auto path_of) {
    timings.push_back(measure(label, warmup, requests, expected, [&](int i) { return browser.get(path_of(i)); }));
  };
  page("GET /", 200, [](int) { return std::string("/"); });
  page("GET /?queue=overdue", 200, [](int) { return std::string("/?queue=overdue"); });
  page("GET /?q=<name, no diacritics>", 200, [&](int i) { return "/?q=" + url_encode(fold_for_search(sample(i).name)); });
  page("GET /?q=<code>", 200, [&](int i) { return "/?q=" + url_encode(sample(i).code); });
  page("GET /?q=<CCCD>", 200, [&](int i) { return "/?q=" + sample(i).citizen_id; });
  page("GET /dossiers/<code>", 200, [&](int i) { return "/dossiers/" + sample(i).code; });
  page("GET /dossiers/<code>/mau-01", 200, [&](int i) { return "/dossiers/" + sample(i).code + "/mau-01"; });
  page("GET /receive", 200, [](int) { return std::string("/receive"); });
  page("GET /api/sync-state", 200, [](int) { return std::string("/api/sync-state"); });

  // Saving: the form as the browser posts it, a new citizen each time.
  const std::string csrf = csrf_of(browser.get("/receive").body);
  std::vector<std::string> keys;
  {
    auto store = must(agent::Store::open(office.string(), false, clock), "open");
    for (const auto& row : must(reference::current_procedures(store.db(), ""), "procedures")) {
      if (row.procedure.time_limit.main.kind != domain::LimitKind::kNone) keys.push_back(row.procedure.key);
    }
  }
  if (keys.empty()) die("procedures", Error::internal("no procedure with a time limit"));
  bench::Generator sg(42);
  timings.push_back(measure("POST /receive (save)", warmup, requests, 303, [&](int i) {
    httplib::Params form{{"csrf", csrf},
                         {"procedure_search", ""},
                         {"procedure", keys[static_cast<size_t>(i) % keys.size()]},
                         {"applicant_name", sg.name()},
                         {"applicant_citizen_id", sg.citizen_id()},
                         {"submitter_name", ""},
                         {"phone", sg.phone()},
                         {"address", sg.address()},
                         {"channel", "1"},
                         {"due_at", ""},
                         {"refusal_reason", ""},
                         {"action", "receive"}};
    for (int n = 1; n <= 8; ++n) {
      const std::string k = std::to_string(n);
      const bool on = n <= 2;
      if (on) form.emplace("doc_on_" + k, "1");
      form.emplace("doc_name_" + k, on ? nfc(n == 1 ? "Tờ khai theo mẫu" : "Căn cước công dân") : "");
      form.emplace("doc_form_" + k, n == 1 ? "chinh" : "sao");
      form.emplace("doc_copies_" + k, "1");
    }
    Reply r = browser.post("/receive", form);
    if (r.status == 303 && r.location.rfind("/dossiers/", 0) != 0) r.status = 0;
    return r;
  }));
  ui.reset();
  const std::string load_after = load_average();

  // The report.
  std::printf("motcua-bench-ui: the clerk web UI over loopback HTTP (keep-alive), %d requests per page after %d "
              "warm-up\n",
              requests, warmup);
  std::printf("machine   %ld CPUs, %s\n", sysconf(_SC_NPROCESSORS_ONLN), cpu_model().c_str());
  std::printf("storage   %s (%s)\n", dir.string().c_str(), storage_of(dir).c_str());
  std::printf("load      %s before the requests, %s after (1, 5, 15 min)\n", load_before.c_str(), load_after.c_str());
  std::printf("office    unit %s (%s), %d dossiers: %d inserted in one transaction and folded, %d through "
              "receive()/set_status(); %lld documents, %lld events\n",
              set_up.unit_code.c_str(), set_up.unit_name.c_str(), gen.bulk + gen.through_api, gen.bulk, gen.through_api,
              static_cast<long long>(gen.documents), static_cast<long long>(gen.events));
  std::string statuses;
  for (const auto& [status, n] : gen.by_status) {
    statuses += (statuses.empty() ? "" : ", ") + std::to_string(status) + ": " + std::to_string(n);
  }
  std::printf("statuses  %s\n", statuses.c_str());
  std::printf("generated in %.1f s: bulk %.1f s (of which fold %.1f s, commit %.1f s), %d through the API %.1f s, "
              "checkpoint %.1f s\n",
              generation_seconds, gen.bulk_seconds, gen.fold_seconds, gen.commit_seconds, gen.through_api,
              gen.api_seconds, gen.checkpoint_seconds);
  std::printf("database  %s after generation; %s after the run\n", size_after_generation.c_str(), db_size(office).c_str());
  for (const Timing& t : timings) {
    const double max = *std::max_element(t.ms.begin(), t.ms.end());
    std::printf("page  %-32s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%zu requests, %6.1f KB each)\n",
                t.label.c_str(), percentile(t.ms, 0.50), percentile(t.ms, 0.99), max, t.ms.size(),
                static_cast<double>(t.bytes) / static_cast<double>(t.ms.size()) / 1024.0);
  }
  if (keep) {
    std::printf("kept      %s\n", dir.string().c_str());
  } else {
    remove_cleanup_dir();
  }
  return 0;
}
