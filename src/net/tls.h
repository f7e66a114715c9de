// TLS for net connections (OpenSSL): a context built from Redis's tls-* options, and one
// non-blocking TLS session per connection that the worker reads and writes instead of the bare
// socket. A plain connection never touches this file: the worker branches on a null session.
//
// OpenSSL writes to the socket with write(2), so a process using TLS must ignore SIGPIPE (both
// cachet binaries do).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

struct bio_st;
struct ssl_st;
struct ssl_ctx_st;

namespace cachet::net {

// tls-auth-clients: require a client certificate, accept one if offered, or never ask for one.
enum class TlsClientAuth : uint8_t { kNo, kYes, kOptional };

// Redis 7.0's tls-* options and defaults (empty strings: not set).
struct TlsOptions {
  std::string cert_file, key_file, key_file_pass;
  std::string ca_cert_file, ca_cert_dir;
  TlsClientAuth auth_clients = TlsClientAuth::kYes;
  std::string protocols;     // "TLSv1.2 TLSv1.3" style; empty: TLSv1.2 and TLSv1.3
  std::string ciphers;       // TLSv1.2 and older (OpenSSL cipher list)
  std::string ciphersuites;  // TLSv1.3
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  int64_t session_cache_size = 20480;
  int64_t session_cache_timeout = 300;  // seconds

  bool operator==(const TlsOptions&) const = default;
};

// An immutable OpenSSL context. Sessions keep what they need alive (OpenSSL counts references),
// so a context may be replaced (certificate reload) while connections made from it live on.
// Thread-safe: any thread may start sessions from it.
class TlsContext {
 public:
  // A server-side context; null with `error` set to the reason, in Redis's log wording ("Failed
  // to load certificate: <file>: <OpenSSL error>"...), when an option or file is bad.
  static std::shared_ptr<const TlsContext> server(const TlsOptions& options, std::string& error);
  // A client-side context that verifies servers against the CA options (the system's default CA
  // paths when both are empty) and presents cert_file/key_file when given.
  static std::shared_ptr<const TlsContext> client(const TlsOptions& options, std::string& error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }

 private:
  explicit TlsContext(ssl_ctx_st* ctx) : ctx_(ctx) {}
  ssl_ctx_st* ctx_;
};

// One TLS session over a connected non-blocking socket it does not own. read() and write()
// behave like recv/send: bytes moved (> 0), 0 when the peer closed or the session failed (the
// connection is over), or -1 with errno EAGAIN when it must wait for the socket; which direction
// it waits for is wants_write() (a read can need a write: the handshake, a key update; and a
// write a read). The handshake runs inside the first reads and writes. Not thread-safe: one
// connection, one thread.
class TlsSession {
 public:
  enum class Role : uint8_t { kServer, kClient };
  TlsSession(const TlsContext& context, int fd, Role role);
  // Sends close_notify (best effort, never waits) when the session was established and did not
  // fail, then frees it. The socket must still be open.
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Reads until `len` bytes arrived or the socket has nothing more (decrypted bytes OpenSSL
  // buffered are returned first, without waiting for the socket), so a short read proves both
  // drained, as with recv on an edge-triggered socket. A short recv inside OpenSSL with nothing
  // left buffered counts as drained, which saves the recv that would only say EAGAIN.
  ssize_t read(char* buf, size_t len);
  // Writes as much of `buf` as the socket takes. After -1, the next call must pass the same
  // bytes again, possibly followed by more (OpenSSL's moving-buffer, partial-write mode).
  ssize_t write(const char* buf, size_t len);
  bool wants_write() const { return wants_write_; }
  bool established() const { return established_; }

 private:
  // Drives the handshake: 1 once established, else as read() returns.
  ssize_t handshake();
  // Maps an OpenSSL result that moved no bytes to -1/EAGAIN or 0 (over).
  ssize_t blocked_or_over(int result);
  // The socket BIO's callback: notes whether OpenSSL's last recv came back short (the socket was
  // drained then; data arriving later raises a new edge).
  static long on_socket_io(bio_st* bio, int oper, const char* argp, size_t len, int argi, long argl,
                           int ret, size_t* processed);

  ssl_st* ssl_;
  bool established_ = false;
  bool over_ = false;    // closed by the peer or failed: no more I/O
  bool failed_ = false;  // over by an error, not the peer's close_notify
  bool wants_write_ = false;
  bool socket_drained_ = false;
};

}  // namespace cachet::net
