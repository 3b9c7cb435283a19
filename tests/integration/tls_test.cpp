// The production TLS path, end to end: a real nginx running the shipped site file
// (packaging/nginx/motcua-hub.conf) in front of a real hub, throwaway certificate authorities made
// with the openssl CLI, and real agents that pin the province's CA (agent/hub_ca.hpp). Loopback
// only; every loop is bounded in count and time. nginx missing is a failure, not a skip.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/hub_fixture.hpp"

using namespace motcua;
using namespace motcua::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr int kHeaderTimeoutSeconds = 10;  // client_header_timeout in packaging/nginx/motcua-hub.conf

constexpr const char* kOpenssl = "/usr/bin/openssl";

ProcessResult openssl(std::vector<std::string> args) {
  if (!fs::exists(kOpenssl)) FAIL("the openssl CLI is not installed (" << kOpenssl << "): run scripts/install-deps.sh");
  args.insert(args.begin(), kOpenssl);
  auto r = run_process(args, {}, 60000);
  INFO("openssl " << args[1] << ": " << describe(r));
  REQUIRE(r.exit_code == 0);
  return r;
}

// A throwaway certificate authority in DIR/<name>-ca.pem (+ .key).
struct Ca {
  std::string cert;
  std::string key;
  std::string sha256_colons;  // as `openssl x509 -fingerprint -sha256` prints it: "AB:CD:..."
  std::string sha256_hex;     // 64 lower-case hex digits
};

Ca make_ca(const TempDir& dir, const std::string& name) {
  Ca ca{dir.file(name + "-ca.pem"), dir.file(name + "-ca.key"), "", ""};
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca.key, "-out",
           ca.cert, "-days", "3", "-subj", "/CN=motcua test CA " + name, "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
  auto fp = openssl({"x509", "-in", ca.cert, "-noout", "-fingerprint", "-sha256"});
  const auto eq = fp.out.find('=');
  REQUIRE(eq != std::string::npos);
  for (size_t i = eq + 1; i < fp.out.size() && fp.out[i] != '\n'; ++i) {
    ca.sha256_colons += fp.out[i];
    if (fp.out[i] != ':') ca.sha256_hex += static_cast<char>(std::tolower(static_cast<unsigned char>(fp.out[i])));
  }
  REQUIRE(ca.sha256_hex.size() == 64);
  return ca;
}

// The hub's certificate for 127.0.0.1 and localhost, signed by `ca`; returns the chain file nginx
// serves (server certificate followed by the CA, as packaging/nginx/README.md requires) and the key.
struct ServerCert {
  std::string chain;
  std::string key;
};

ServerCert make_server_cert(const TempDir& dir, const Ca& ca) {
  const std::string key = dir.file("hub-tls.key"), csr = dir.file("hub-tls.csr"), cert = dir.file("hub-tls.pem");
  const std::string ext = dir.file("hub-tls.ext");
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
           "-subj", "/CN=localhost"});
  write_file(ext,
             "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
             "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
  openssl({"x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-out", cert, "-days", "3",
           "-extfile", ext});
  const std::string chain = dir.file("hub-tls-chain.pem");
  write_file(chain, read_file(cert) + read_file(ca.cert));
  return {chain, key};
}

// A connected TCP socket to 127.0.0.1:port, or -1.
int tcp_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  INFO("packaging/nginx/motcua-hub.conf no longer contains '" << from << "'; update tls_test.cpp with it");
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// nginx (-p DIR) running a copy of the shipped site file with only the listen address, certificate
// paths, access log and hub port substituted. Stopped with SIGTERM (its workers exit with it).
class Nginx {
 public:
  Nginx(const TempDir& dir, int hub_port, const ServerCert& cert)
      : m_dir(dir.file("nginx")), m_port(free_loopback_port()) {
    if (!fs::exists(kNginx)) {
      FAIL("nginx is not installed (" << kNginx
                                      << "): run scripts/install-deps.sh, which installs the test "
                                         "dependencies listed in packaging/debian-build-deps.txt");
    }
    fs::create_directories(m_dir);
    std::string site = read_file(source_path("packaging/nginx/motcua-hub.conf"));
    site = replace_once(site, "listen 443 ssl;", "listen 127.0.0.1:" + std::to_string(m_port) + " ssl;");
    // A second loopback address the certificate does not name, for host name verification.
    site = replace_once(site, "listen [::]:443 ssl;", "listen 127.0.0.2:" + std::to_string(m_port) + " ssl;");
    site = replace_once(site, "ssl_certificate /etc/motcua/tls/hub-chain.pem;", "ssl_certificate " + cert.chain + ";");
    site = replace_once(site, "ssl_certificate_key /etc/motcua/tls/hub.key;", "ssl_certificate_key " + cert.key + ";");
    site =
        replace_once(site, "access_log /var/log/nginx/motcua-hub.access.log;", "access_log " + m_dir + "/access.log;");
    const std::string upstream = "proxy_pass http://127.0.0.1:8440;";
    for (int i = 0; site.find(upstream) != std::string::npos && i < 10; ++i) {
      site = replace_once(site, upstream, "proxy_pass http://127.0.0.1:" + std::to_string(hub_port) + ";");
    }
    write_file(m_dir + "/motcua-hub.conf", site);
    std::string conf;
    // As root the workers would otherwise run as nobody, who cannot write the test's temp dir.
    if (geteuid() == 0) conf += "user root;\n";
    conf += "worker_processes 1;\npid " + m_dir + "/nginx.pid;\nerror_log " + m_dir + "/error.log info;\n" +
            "events { worker_connections 512; }\nhttp {\n" + "  client_body_temp_path " + m_dir + "/client_body;\n" +
            "  proxy_temp_path " + m_dir + "/proxy;\n  fastcgi_temp_path " + m_dir + "/fastcgi;\n" +
            "  uwsgi_temp_path " + m_dir + "/uwsgi;\n  scgi_temp_path " + m_dir + "/scgi;\n" + "  include " + m_dir +
            "/motcua-hub.conf;\n}\n";
    write_file(m_dir + "/nginx.conf", conf);
    auto check = run_process({kNginx, "-p", m_dir, "-c", m_dir + "/nginx.conf", "-e", m_dir + "/error.log", "-t"});
    INFO(describe(check));
    REQUIRE(check.exit_code == 0);
    m_process =
        std::make_unique<BackgroundProcess>(std::vector<std::string>{kNginx, "-p", m_dir, "-c", m_dir + "/nginx.conf",
                                                                     "-e", m_dir + "/error.log", "-g", "daemon off;"},
                                            std::map<std::string, std::string>{}, m_dir + "/nginx.out");
    for (int i = 0; i < 200; ++i) {
      const int fd = tcp_connect(m_port);
      if (fd >= 0) {
        close(fd);
        return;
      }
      if (!m_process->running()) FAIL("nginx exited: " << m_process->output() << read_file(m_dir + "/error.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL("nginx did not start listening: " << m_process->output());
  }
  ~Nginx() {
    if (m_process && m_process->running()) m_process->stop(SIGTERM, 10000);
  }
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  int port() const { return m_port; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(m_port); }

 private:
  std::string m_dir;
  int m_port;
  std::unique_ptr<BackgroundProcess> m_process;
};

// A CA, the hub's certificate, a hub and nginx in front of it.
struct TlsHub {
  explicit TlsHub(const TempDir& dir)
      : ca(make_ca(dir, "province")), hub(dir), nginx(dir, hub.port(), make_server_cert(dir, ca)) {}
  Ca ca;
  Hub hub;
  Nginx nginx;
};

ProcessResult enroll(const Office& office, const TlsHub& tls, const std::string& code, std::vector<std::string> extra) {
  std::vector<std::string> args = {"enroll", "--hub", tls.nginx.url(), "--code", code, "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return office.cmd(args);
}

// The {"error": ...} object a --json command printed on stderr (empty when there is none).
json error_of(const ProcessResult& r) {
  size_t start = 0;
  for (int i = 0; i < 1000 && start < r.err.size(); ++i) {
    const size_t end = r.err.find('\n', start);
    auto j =
        json::parse(r.err.substr(start, end == std::string::npos ? std::string::npos : end - start), nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_object()) return j["error"];
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return json::object();
}

int64_t pending(const Office& office) {
  return count_rows(office.db_path(), "SELECT count(*) FROM outbox WHERE state = 'pending'");
}

void require_synced(Office& office, const Hub& hub) {
  auto synced = office.sync();
  INFO(describe(synced));
  REQUIRE(synced.exit_code == 0);
  CHECK(json::parse(synced.out)["pending_changes"] == 0);
  for (const char* table : {"dossier", "dossier_event", "dossier_document"}) {
    INFO(table);
    CHECK(fact_ids(hub.db_path(), table) == fact_ids(office.db_path(), table));
  }
}

size_t open_fds(int pid) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

// A slowloris client: a TLS connection that sends a request header one byte every 500 ms and never
// finishes it. Runs on its own thread; no Catch assertions here (not thread-safe), only results.
struct Slowloris {
  std::atomic<bool> handshake_done{false};
  std::atomic<bool> finished{false};
  bool handshake_ok = false;
  int bytes_sent = 0;
  double seconds_open = 0;  // from the TCP connect until nginx closed the connection
  bool closed_by_server = false;

  void run(int port) {
    const auto start = std::chrono::steady_clock::now();
    const int fd = tcp_connect(port);
    std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
    std::unique_ptr<SSL, SslFree> ssl(ctx ? SSL_new(ctx.get()) : nullptr);
    if (fd >= 0 && ssl) {
      SSL_set_fd(ssl.get(), fd);
      handshake_ok = SSL_connect(ssl.get()) == 1;
    }
    handshake_done = true;
    if (handshake_ok) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    const std::string header =
        "POST /v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-motcua-batch\r\n"
        "X-Padding: " +
        std::string(200, 'a');
    // At most 2.5 × the header timeout: nginx must close well before this bound.
    for (int i = 0; handshake_ok && i < kHeaderTimeoutSeconds * 5 && i < static_cast<int>(header.size()); ++i) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 500) > 0) {
        // Either TLS 1.3 session tickets (nothing for the application: keep going) or nginx
        // closing the connection (EOF, reset, or an answer).
        char buf[512];
        const int n = SSL_read(ssl.get(), buf, sizeof buf);
        if (n > 0 || SSL_get_error(ssl.get(), n) != SSL_ERROR_WANT_READ) {
          closed_by_server = true;
          break;
        }
      }
      if (SSL_write(ssl.get(), header.data() + i, 1) != 1) {
        closed_by_server = true;
        break;
      }
      ++bytes_sent;
    }
    seconds_open = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ERR_clear_error();
    if (fd >= 0) close(fd);
    finished = true;
  }
};

}  // namespace

TEST_CASE("an office enrolled with the province's CA file syncs its dossiers through nginx over https", "[tls][e2e]") {
  TempDir dir;
  TlsHub tls(dir);
  Office office(dir, "office", "11953");
  for (int i = 0; i < 3; ++i) office.receive("Trần Thị " + std::to_string(i));

  auto enrolled = enroll(office, tls, tls.hub.enroll_code("11953"), {"--ca", tls.ca.cert});
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
  CHECK(json::parse(enrolled.out)["hub_ca_sha256"] == tls.ca.sha256_hex);
  const std::string pinned = office.data() + "/hub-ca.pem";
  REQUIRE(fs::exists(pinned));
  const bool owner_only =
      (fs::status(pinned).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none;
  CHECK(owner_only);

  require_synced(office, tls.hub);
  CHECK(count_rows(tls.hub.db_path(), "SELECT count(*) FROM dossier") == 3);

  auto status = office.cmd({"status", "--json"});
  INFO(describe(status));
  REQUIRE(status.exit_code == 0);
  CHECK(json::parse(status.out)["hub_ca_sha256"] == tls.ca.sha256_hex);

  // Host name verification is on: the certificate names 127.0.0.1 and localhost, nothing else.
  office.receive("Lê Văn Tâm");
  const int64_t queued = pending(office);
  REQUIRE(queued > 0);
  auto renamed = office.cmd({"config", "set", "hub", "https://127.0.0.2:" + std::to_string(tls.nginx.port())});
  REQUIRE(renamed.exit_code == 0);
  auto wrong_name = office.sync();
  INFO(describe(wrong_name));
  CHECK(wrong_name.exit_code == 10);
  CHECK(error_of(wrong_name).value("message", "").find("does not name the hub's host") != std::string::npos);
  CHECK(pending(office) == queued);
  CHECK(count_rows(tls.hub.db_path(), "SELECT count(*) FROM dossier") == 3);
}

TEST_CASE("an office enrolled with the CA's SHA-256 fingerprint takes the CA from the hub's chain and syncs",
          "[tls][e2e]") {
  TempDir dir;
  TlsHub tls(dir);
  const Ca other = make_ca(dir, "other");
  Office office(dir, "office", "11953");
  office.receive("Phạm Văn Bình");
  const std::string code = tls.hub.enroll_code("11953");

  // A fingerprint nothing in the chain has: a clear refusal, nothing written, the code unused.
  auto mismatch = enroll(office, tls, code, {"--ca-sha256", other.sha256_colons});
  INFO(describe(mismatch));
  CHECK(mismatch.exit_code == 10);
  CHECK(error_of(mismatch).value("message", "").find("fingerprint " + other.sha256_hex) != std::string::npos);
  CHECK(error_of(mismatch).value("hint", "").find("chain") != std::string::npos);
  CHECK_FALSE(fs::exists(office.data() + "/hub-ca.pem"));
  CHECK_FALSE(fs::exists(office.data() + "/agent-key.pem"));
  CHECK(read_meta(office.db_path(), "agent_id").empty());
  CHECK(count_rows(tls.hub.db_path(), "SELECT count(*) FROM agent") == 0);

  // The CA's fingerprint as openssl prints it (upper case, colons): pinned, then full verification.
  auto enrolled = enroll(office, tls, code, {"--ca-sha256", tls.ca.sha256_colons});
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
  CHECK(json::parse(enrolled.out)["hub_ca_sha256"] == tls.ca.sha256_hex);
  // What was pinned is the CA itself, byte for byte the certificate openssl made.
  auto pinned_fp = openssl({"x509", "-in", office.data() + "/hub-ca.pem", "-noout", "-fingerprint", "-sha256"});
  CHECK(pinned_fp.out.find(tls.ca.sha256_colons) != std::string::npos);
  require_synced(office, tls.hub);
}

TEST_CASE("the installer defaults file supplies the CA fingerprint when enroll is given none", "[tls][e2e]") {
  TempDir dir;
  TlsHub tls(dir);
  Office office(dir, "office", "11953");
  const std::string conf = dir.file("agent.conf");
  write_file(conf, "# written by the installer\nhub_ca_sha256 = " + tls.ca.sha256_colons + "\n");
  auto env = child_env();
  env["MOTCUA_AGENT_CONF"] = conf;
  auto enrolled = run_process({agent_exe(), "enroll", "--hub", tls.nginx.url(), "--code", tls.hub.enroll_code("11953"),
                               "--json", "--data", office.data()},
                              env);
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
  CHECK(json::parse(enrolled.out)["hub_ca_sha256"] == tls.ca.sha256_hex);
}

TEST_CASE(
    "an office pinned to another CA refuses the hub's tls certificate: nothing reaches the hub, changes stay queued",
    "[tls][e2e]") {
  TempDir dir;
  TlsHub tls(dir);
  const Ca other = make_ca(dir, "other");
  Office office(dir, "office", "11953");
  office.receive("Hoàng Thị Lan");
  const std::string code = tls.hub.enroll_code("11953");

  auto refused = enroll(office, tls, code, {"--ca", other.cert});
  INFO(describe(refused));
  CHECK(refused.exit_code == 10);
  CHECK(error_of(refused).value("message", "").find("not signed by the certificate authority this office pinned") !=
        std::string::npos);
  CHECK(error_of(refused).value("hint", "").find("--ca") != std::string::npos);
  CHECK_FALSE(error_of(refused).value("message_vi", "").empty());
  CHECK_FALSE(fs::exists(office.data() + "/hub-ca.pem"));
  CHECK(read_meta(office.db_path(), "agent_id").empty());
  CHECK(count_rows(tls.hub.db_path(), "SELECT count(*) FROM agent") == 0);
  CHECK(pending(office) > 0);

  // The same code still works with the right CA: the refused attempt never reached the hub.
  auto enrolled = enroll(office, tls, code, {"--ca", tls.ca.cert});
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
  require_synced(office, tls.hub);
  const int64_t hub_dossiers = count_rows(tls.hub.db_path(), "SELECT count(*) FROM dossier");

  // Later the hub presents a certificate the pinned CA did not sign (here: the office's pin changes).
  fs::copy_file(other.cert, office.data() + "/hub-ca.pem", fs::copy_options::overwrite_existing);
  office.receive("Đỗ Văn Hùng");
  const int64_t queued = pending(office);
  REQUIRE(queued > 0);
  auto failed = office.sync();
  INFO(describe(failed));
  CHECK(failed.exit_code == 10);
  CHECK(error_of(failed).value("message", "").find("not signed by the certificate authority this office pinned") !=
        std::string::npos);
  CHECK(pending(office) == queued);
  CHECK(count_rows(tls.hub.db_path(), "SELECT count(*) FROM dossier") == hub_dossiers);

  // No pinned CA at all: refused before any connection, with what to do.
  fs::remove(office.data() + "/hub-ca.pem");
  auto unpinned = office.sync();
  INFO(describe(unpinned));
  CHECK(unpinned.exit_code == 6);
  CHECK(error_of(unpinned).value("hint", "").find("enroll with --ca FILE or --ca-sha256") != std::string::npos);
  CHECK(pending(office) == queued);

  // The right CA again: the queued changes go.
  fs::copy_file(tls.ca.cert, office.data() + "/hub-ca.pem");
  require_synced(office, tls.hub);
  CHECK(count_rows(tls.hub.db_path(), "SELECT count(*) FROM dossier") == hub_dossiers + 1);
}

TEST_CASE("an https hub address without a CA to pin is refused at enrollment and nothing is written", "[tls]") {
  TempDir dir;
  Office office(dir, "office", "11953");
  auto r = office.cmd({"enroll", "--hub", "https://127.0.0.1:9", "--code", "7K3QD-M9X2A", "--json"});
  INFO(describe(r));
  CHECK(r.exit_code == 6);
  CHECK(error_of(r).value("hint", "").find("enroll with --ca FILE or --ca-sha256") != std::string::npos);
  CHECK(read_meta(office.db_path(), "agent_id").empty());
  CHECK_FALSE(fs::exists(office.data() + "/agent-key.pem"));

  auto bad_fp =
      office.cmd({"enroll", "--hub", "https://127.0.0.1:9", "--code", "7K3QD-M9X2A", "--ca-sha256", "12:34", "--json"});
  CHECK(bad_fp.exit_code == 3);
  auto not_a_cert = office.cmd({"enroll", "--hub", "https://127.0.0.1:9", "--code", "7K3QD-M9X2A", "--ca",
                                source_path("data/holidays-vn.csv"), "--json"});
  CHECK(not_a_cert.exit_code == 3);
  // Plain http:// stays for a hub on this machine only, and pins nothing.
  auto with_ca = office.cmd({"enroll", "--hub", "http://127.0.0.1:9", "--code", "7K3QD-M9X2A", "--ca",
                             source_path("data/holidays-vn.csv"), "--json"});
  CHECK(with_ca.exit_code == 3);
}

TEST_CASE("nginx cuts a slowloris client at its header timeout while a real office still syncs", "[tls][e2e]") {
  TempDir dir;
  TlsHub tls(dir);
  Office office(dir, "office", "11953");
  office.receive("Vũ Thị Mai");
  office.receive("Vũ Văn Nam");
  // SSL_write on a connection nginx reset must fail, not kill the test process.
  auto* previous = std::signal(SIGPIPE, SIG_IGN);

  constexpr int kClients = 4;
  std::vector<std::unique_ptr<Slowloris>> clients;
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Slowloris>());
    threads.emplace_back([c = clients.back().get(), port = tls.nginx.port()] { c->run(port); });
  }
  for (int i = 0; i < 200; ++i) {
    bool all = true;
    for (auto& c : clients) all = all && c->handshake_done;
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }

  // While they hold their connections open, an office enrolls and syncs.
  auto enrolled = enroll(office, tls, tls.hub.enroll_code("11953"), {"--ca", tls.ca.cert});
  auto synced = office.sync();
  bool any_finished_before_sync = false;
  for (auto& c : clients) any_finished_before_sync = any_finished_before_sync || c->finished;

  for (auto& t : threads) t.join();
  std::signal(SIGPIPE, previous);
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
  INFO(describe(synced));
  REQUIRE(synced.exit_code == 0);
  CHECK_FALSE(any_finished_before_sync);
  CHECK(count_rows(tls.hub.db_path(), "SELECT count(*) FROM dossier") == 2);
  for (auto& c : clients) {
    CHECK(c->handshake_ok);
    CHECK(c->closed_by_server);
    INFO("bytes sent " << c->bytes_sent << ", open " << c->seconds_open << " s");
    CHECK(c->bytes_sent >= 5);  // it was alive, trickling its header
    CHECK(c->seconds_open >= 5);
    CHECK(c->seconds_open < kHeaderTimeoutSeconds + 5);
  }
}

TEST_CASE("bare TCP connects to the tls proxy and to the hub leave the hub's open file count unchanged", "[tls][e2e]") {
  TempDir dir;
  TlsHub tls(dir);
  const int hub_pid = tls.hub.process().pid();
  // One real request through both first, so lazily opened files are already open.
  Office office(dir, "office", "11953");
  auto enrolled = enroll(office, tls, tls.hub.enroll_code("11953"), {"--ca", tls.ca.cert});
  INFO(describe(enrolled));
  REQUIRE(enrolled.exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const size_t before = open_fds(hub_pid);
  REQUIRE(before > 0);

  int failed_connects = 0;
  for (int port : {tls.nginx.port(), tls.hub.port()}) {
    for (int i = 0; i < 200; ++i) {
      const int fd = tcp_connect(port);
      if (fd < 0) {
        ++failed_connects;
        continue;
      }
      close(fd);
    }
  }
  CHECK(failed_connects == 0);
  // Let the hub notice the closed connections: poll (at most 15 s) until the count is back.
  size_t after = open_fds(hub_pid);
  for (int i = 0; i < 150 && after != before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = open_fds(hub_pid);
  }
  CHECK(after == before);
  // And the hub still answers through nginx.
  require_synced(office, tls.hub);
}
