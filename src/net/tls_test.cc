// TLS listeners end to end: a line-echo server on a TLS port, clients driving TlsSession over
// non-blocking sockets, with a CA and certificates made in-process for each test run.
#include "net/tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "net/server.h"
#include "net/test_server.h"

namespace cachet::net {
namespace {

// A key and certificate written as PEM files.
struct Identity {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::string key_file, cert_file;
};

// Issues a certificate for `cn` signed by `issuer` (self-signed when null); a CA when `ca`.
Identity issue(const std::string& dir, const std::string& cn, const Identity* issuer, bool ca) {
  Identity id;
  id.key = EVP_EC_gen("P-256");
  id.cert = X509_new();
  X509_set_version(id.cert, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(id.cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(id.cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(id.cert), 3600);
  X509_set_pubkey(id.cert, id.key);
  X509_NAME* name = X509_get_subject_name(id.cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(id.cert, issuer ? X509_get_subject_name(issuer->cert) : name);
  if (ca) {
    X509_EXTENSION* ext =
        X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE");
    X509_add_ext(id.cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(id.cert, issuer ? issuer->key : id.key, EVP_sha256());
  id.key_file = dir + "/" + cn + ".key";
  id.cert_file = dir + "/" + cn + ".crt";
  FILE* f = std::fopen(id.key_file.c_str(), "w");
  PEM_write_PrivateKey(f, id.key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  f = std::fopen(id.cert_file.c_str(), "w");
  PEM_write_X509(f, id.cert);
  std::fclose(f);
  return id;
}

// A TLS client on a non-blocking socket, waiting with poll where the session says.
class Client {
 public:
  Client(const TlsContext& context, uint16_t port) : fd_(connect_to(port)) {
    fcntl(fd_, F_SETFL, O_NONBLOCK);
    session_ = std::make_unique<TlsSession>(context, fd_, TlsSession::Role::kClient);
  }
  ~Client() {
    session_.reset();
    ::close(fd_);
  }
  bool send_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = session_->write(data.data(), data.size());
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
      } else if (errno != EAGAIN || !wait()) {
        return false;
      }
    }
    return true;
  }
  // Reads until `n` bytes arrived or the session ended.
  std::string read_n(size_t n) {
    std::string out;
    char buf[65536];
    while (out.size() < n) {
      ssize_t r = session_->read(buf, std::min(sizeof(buf), n - out.size()));
      if (r > 0) {
        out.append(buf, static_cast<size_t>(r));
      } else if (r == 0 || !wait()) {
        break;
      }
    }
    return out;
  }
  // Sends `data` in records of `record` bytes, reading what comes back only while the socket
  // takes no more, until `n` bytes arrived or nothing moves for a while; what arrived.
  std::string exchange(std::string_view data, size_t record, size_t n) {
    std::string out;
    char buf[65536];
    while (out.size() < n) {
      if (!data.empty()) {
        ssize_t w = session_->write(data.data(), std::min(data.size(), record));
        if (w > 0) {
          data.remove_prefix(static_cast<size_t>(w));
          continue;
        }
        if (errno != EAGAIN) break;
      }
      ssize_t r = session_->read(buf, sizeof(buf));
      if (r == 0) break;
      if (r > 0) out.append(buf, static_cast<size_t>(r));
      if (r > 0) continue;
      bool out_wanted = !data.empty() || session_->wants_write();
      pollfd p{fd_, static_cast<short>(POLLIN | (out_wanted ? POLLOUT : 0)), 0};
      if (poll(&p, 1, 10000) != 1) break;
    }
    return out;
  }
  // Whether a line goes to the echo server and back (false: either side refused the handshake;
  // with TLSv1.3 a refused client certificate shows only as the alert that ends the session).
  bool works() { return send_all("ping\n") && read_n(5) == "ping\n"; }

 private:
  bool wait() {
    pollfd p{fd_, static_cast<short>(session_->wants_write() ? POLLOUT : POLLIN), 0};
    return poll(&p, 1, 10000) == 1;
  }
  int fd_;
  std::unique_ptr<TlsSession> session_;
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    char tmpl[] = "/tmp/cachet-tls-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ca_ = issue(dir_, "ca", nullptr, true);
    server_id_ = issue(dir_, "server", &ca_, false);
    client_id_ = issue(dir_, "client", &ca_, false);
    other_ca_ = issue(dir_, "other-ca", nullptr, true);
    stranger_ = issue(dir_, "stranger", &other_ca_, false);
  }
  void TearDown() override {
    for (Identity* id : {&ca_, &server_id_, &client_id_, &other_ca_, &stranger_}) {
      std::remove(id->key_file.c_str());
      std::remove(id->cert_file.c_str());
      EVP_PKEY_free(id->key);
      X509_free(id->cert);
    }
    rmdir(dir_.c_str());
  }

  TlsOptions server_options(TlsClientAuth auth) const {
    TlsOptions o;
    o.cert_file = server_id_.cert_file;
    o.key_file = server_id_.key_file;
    o.ca_cert_file = ca_.cert_file;
    o.auth_clients = auth;
    return o;
  }
  // A client trusting `ca`, presenting `id` when given.
  std::shared_ptr<const TlsContext> client_context(const Identity& ca, const Identity* id) const {
    TlsOptions o;
    o.ca_cert_file = ca.cert_file;
    if (id) {
      o.cert_file = id->cert_file;
      o.key_file = id->key_file;
    }
    std::string error;
    auto context = TlsContext::client(o, error);
    EXPECT_TRUE(context) << error;
    return context;
  }
  std::unique_ptr<Server> start(TlsClientAuth auth, WorkerLimits limits = {}) {
    std::string error;
    ServerOptions o;
    o.port = 0;
    o.tls_port = 0;
    o.threads = 2;
    o.limits = limits;
    o.tls = TlsContext::server(server_options(auth), error);
    EXPECT_TRUE(o.tls) << error;
    // A TLS port of its own choosing: bind a plain one first, then move TLS onto a free port.
    auto server =
        std::make_unique<Server>(o, [](Connection&) { return std::make_unique<LineEcho>(); });
    EXPECT_TRUE(server->listen(error)) << error;
    EXPECT_TRUE(server->rebind(server->port(), free_port(), error)) << error;
    server->start();
    return server;
  }
  static uint16_t free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
  }

  std::string dir_;
  Identity ca_, server_id_, client_id_, other_ca_, stranger_;
};

TEST_F(TlsTest, ContextErrorsUseRedisWording) {
  std::string error;
  TlsOptions o = server_options(TlsClientAuth::kYes);
  o.cert_file.clear();
  EXPECT_FALSE(TlsContext::server(o, error));
  EXPECT_EQ(error, "No tls-cert-file configured!");
  o = server_options(TlsClientAuth::kYes);
  o.ca_cert_file.clear();
  EXPECT_FALSE(TlsContext::server(o, error));
  EXPECT_EQ(error,
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
            "tls-replication or tls-auth-clients are enabled!");
  o.auth_clients = TlsClientAuth::kNo;
  EXPECT_TRUE(TlsContext::server(o, error)) << error;
  o.cert_file = dir_ + "/missing.crt";
  EXPECT_FALSE(TlsContext::server(o, error));
  EXPECT_TRUE(error.starts_with("Failed to load certificate: " + o.cert_file + ": error:"))
      << error;
  o = server_options(TlsClientAuth::kYes);
  o.key_file = client_id_.key_file;  // not the certificate's key
  EXPECT_FALSE(TlsContext::server(o, error));
  EXPECT_TRUE(error.starts_with("Failed to load private key: ")) << error;
  o = server_options(TlsClientAuth::kYes);
  o.protocols = "TLSv1.2 SSLv3";
  EXPECT_FALSE(TlsContext::server(o, error));
  EXPECT_EQ(error,
            "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', "
            "'TLSv1.2' and 'TLSv1.3'.");
  o.protocols = "tlsv1.3";
  o.ciphers = "NO-SUCH-CIPHER";
  EXPECT_FALSE(TlsContext::server(o, error));
  EXPECT_EQ(error, "Failed to configure ciphers: NO-SUCH-CIPHER");
}

TEST_F(TlsTest, EchoesPipelinedAndLargeInputOverTls) {
  auto server = start(TlsClientAuth::kYes);
  Client client(*client_context(ca_, &client_id_), server->tls_port());
  ASSERT_TRUE(client.send_all("one\ntwo\nthree\n"));
  EXPECT_EQ(client.read_n(14), "one\ntwo\nthree\n");
  // 4 MB in one line: many records each way, both sides blocking on full sockets.
  std::string big(4 * 1024 * 1024, 'x');
  big.back() = '\n';
  ASSERT_TRUE(client.send_all(big));
  std::string echoed = client.read_n(big.size());
  EXPECT_EQ(echoed.size(), big.size());
  EXPECT_TRUE(echoed == big);
}

// The client sends everything before it reads, in small records: the server stops reading while
// 64 KB of echoes wait (backpressure), with requests left in OpenSSL's buffers and the socket;
// once the client reads, those must be served although no new byte (no epoll edge) comes.
TEST_F(TlsTest, InputBufferedWhilePausedIsServedWithoutNewEdges) {
  auto server = start(TlsClientAuth::kNo, {.pause_reading_output = 64 * 1024});
  Client client(*client_context(ca_, nullptr), server->tls_port());
  std::string lines;
  for (int i = 0; lines.size() < 1024 * 1024; ++i) lines += std::to_string(i) + " line\n";
  std::string echoed = client.exchange(lines, 1000, lines.size());
  EXPECT_EQ(echoed.size(), lines.size());
  EXPECT_TRUE(echoed == lines);
}

TEST_F(TlsTest, ClientCertificatesAreCheckedAsConfigured) {
  auto required = start(TlsClientAuth::kYes);
  EXPECT_TRUE(Client(*client_context(ca_, &client_id_), required->tls_port()).works());
  EXPECT_FALSE(Client(*client_context(ca_, nullptr), required->tls_port()).works());
  EXPECT_FALSE(Client(*client_context(ca_, &stranger_), required->tls_port()).works());
  auto optional = start(TlsClientAuth::kOptional);
  EXPECT_TRUE(Client(*client_context(ca_, nullptr), optional->tls_port()).works());
  EXPECT_TRUE(Client(*client_context(ca_, &client_id_), optional->tls_port()).works());
  EXPECT_FALSE(Client(*client_context(ca_, &stranger_), optional->tls_port()).works());
  // A client that trusts another CA refuses the server.
  EXPECT_FALSE(Client(*client_context(other_ca_, &client_id_), required->tls_port()).works());
}

TEST_F(TlsTest, PlainClientOnTlsPortIsDroppedAndOthersAreServed) {
  auto server = start(TlsClientAuth::kNo);
  int plain = connect_to(server->tls_port());
  const char request[] = "*1\r\n$4\r\nPING\r\n";
  ASSERT_EQ(send(plain, request, sizeof(request) - 1, 0), ssize_t(sizeof(request) - 1));
  char buf[256];
  ssize_t n;
  while ((n = recv(plain, buf, sizeof(buf), 0)) > 0) {
  }
  EXPECT_LE(n, 0);  // closed (a TLS alert may come first)
  ::close(plain);
  Client client(*client_context(ca_, nullptr), server->tls_port());
  ASSERT_TRUE(client.send_all("still\n"));
  EXPECT_EQ(client.read_n(6), "still\n");
  // The plain port serves plain TCP alongside.
  int fd = connect_to(server->port());
  ASSERT_EQ(send(fd, "plain\n", 6, 0), 6);
  EXPECT_EQ(recv(fd, buf, 6, MSG_WAITALL), 6);
  ::close(fd);
}

TEST_F(TlsTest, UnfinishedHandshakeIsClosedAtItsDeadline) {
  auto server = start(TlsClientAuth::kNo, {.handshake_timeout = std::chrono::seconds(1)});
  // A finished handshake clears the deadline: this connection, older than the silent one below,
  // would have expired no later than it.
  Client client(*client_context(ca_, nullptr), server->tls_port());
  ASSERT_TRUE(client.works());
  int fd = connect_to(server->tls_port());
  char buf[16];
  EXPECT_EQ(recv(fd, buf, sizeof(buf), 0), 0);  // the server closes; no bytes ever came
  ::close(fd);
  ASSERT_TRUE(client.send_all("alive\n"));
  EXPECT_EQ(client.read_n(6), "alive\n");
}

TEST_F(TlsTest, NewContextServesNewConnections) {
  auto server = start(TlsClientAuth::kNo);
  Client before(*client_context(ca_, nullptr), server->tls_port());
  ASSERT_TRUE(before.works());
  TlsOptions o = server_options(TlsClientAuth::kNo);
  o.cert_file = stranger_.cert_file;
  o.key_file = stranger_.key_file;
  std::string error;
  server->set_tls_context(TlsContext::server(o, error));
  EXPECT_FALSE(Client(*client_context(ca_, nullptr), server->tls_port()).works());
  EXPECT_TRUE(Client(*client_context(other_ca_, nullptr), server->tls_port()).works());
  ASSERT_TRUE(before.send_all("old\n"));  // the existing session is untouched
  EXPECT_EQ(before.read_n(4), "old\n");
}

}  // namespace
}  // namespace cachet::net
