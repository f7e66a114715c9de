#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <strings.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace cachet::net {
namespace {

constexpr int kTlsV1 = 1 << 0, kTlsV11 = 1 << 1, kTlsV12 = 1 << 2, kTlsV13 = 1 << 3;

// The protocol bits of a tls-protocols value, or -1 when it names an unknown protocol.
int parse_protocols(const std::string& text) {
  if (text.empty()) return kTlsV12 | kTlsV13;
  struct Name {
    const char* name;
    int bit;
  };
  static constexpr Name kNames[] = {
      {"tlsv1", kTlsV1}, {"tlsv1.1", kTlsV11}, {"tlsv1.2", kTlsV12}, {"tlsv1.3", kTlsV13}};
  int protocols = 0;
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    int bit = 0;
    for (const Name& n : kNames) {
      if (strcasecmp(word.c_str(), n.name) == 0) bit = n.bit;
    }
    if (bit == 0) return -1;
    protocols |= bit;
  }
  return protocols;
}

// The oldest OpenSSL error on this thread as text; clears the thread's error queue.
std::string openssl_error() {
  char text[256] = "";
  ERR_error_string_n(ERR_get_error(), text, sizeof(text));
  ERR_clear_error();
  return text;
}

// Hands OpenSSL the key file's passphrase (userdata: the std::string) while the key loads.
int key_password(char* buf, int size, int /*rwflag*/, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  if (pass == nullptr || pass->size() > static_cast<size_t>(size)) return -1;
  std::memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

void restrict_protocols(SSL_CTX* ctx, int protocols) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                               SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS);
  if (!(protocols & kTlsV1)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1);
  if (!(protocols & kTlsV11)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_1);
  if (!(protocols & kTlsV12)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
  if (!(protocols & kTlsV13)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
}

// Loads the certificate chain and key; "" or Redis's message for the failure.
std::string load_identity(SSL_CTX* ctx, const TlsOptions& o) {
  SSL_CTX_set_default_passwd_cb(ctx, key_password);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&o.key_file_pass));
  std::string error;
  if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) <= 0) {
    error = "Failed to load certificate: " + o.cert_file + ": " + openssl_error();
  } else if (SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) <= 0) {
    error = "Failed to load private key: " + o.key_file + ": " + openssl_error();
  }
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);  // `o` does not outlive this call
  return error;
}

const char* or_null(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

// What server and client contexts share (Redis's createSSLContext); "" or the failure.
std::string configure_common(SSL_CTX* ctx, const TlsOptions& o, int protocols) {
  restrict_protocols(ctx, protocols);
  // Partial writes and a buffer that may move between retries: a retried write passes the
  // connection's output from the first unsent byte, which grows and reallocates.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Read ahead: one recv takes several records (pipelined requests) instead of two per record.
  SSL_CTX_set_read_ahead(ctx, 1);
  if (!o.cert_file.empty() || !o.key_file.empty()) {
    if (std::string error = load_identity(ctx, o); !error.empty()) return error;
  }
  bool have_ca = !o.ca_cert_file.empty() || !o.ca_cert_dir.empty();
  if (have_ca &&
      SSL_CTX_load_verify_locations(ctx, or_null(o.ca_cert_file), or_null(o.ca_cert_dir)) <= 0) {
    return "Failed to configure CA certificate(s) file/directory: " + openssl_error();
  }
  if (!o.ciphers.empty() && !SSL_CTX_set_cipher_list(ctx, o.ciphers.c_str())) {
    ERR_clear_error();
    return "Failed to configure ciphers: " + o.ciphers;
  }
  if (!o.ciphersuites.empty() && !SSL_CTX_set_ciphersuites(ctx, o.ciphersuites.c_str())) {
    ERR_clear_error();
    return "Failed to configure ciphersuites: " + o.ciphersuites;
  }
  return "";
}

void configure_server(SSL_CTX* ctx, const TlsOptions& o) {
  if (o.session_caching) {
    static constexpr unsigned char kSessionContext[] = "cachet";
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, o.session_cache_size);
    SSL_CTX_set_timeout(ctx, o.session_cache_timeout);
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_SINGLE_DH_USE);
  if (o.prefer_server_ciphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_dh_auto(ctx, 1);
  int verify = SSL_VERIFY_NONE;
  if (o.auth_clients == TlsClientAuth::kYes) {
    verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  } else if (o.auth_clients == TlsClientAuth::kOptional) {
    verify = SSL_VERIFY_PEER;
  }
  SSL_CTX_set_verify(ctx, verify, nullptr);
}

// The checks Redis makes before it builds a server context; "" when they pass.
std::string check_server_options(const TlsOptions& o) {
  if (o.cert_file.empty()) return "No tls-cert-file configured!";
  if (o.key_file.empty()) return "No tls-key-file configured!";
  if (o.auth_clients != TlsClientAuth::kNo && o.ca_cert_file.empty() && o.ca_cert_dir.empty()) {
    return "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
           "tls-replication or tls-auth-clients are enabled!";
  }
  return "";
}

constexpr const char* kBadProtocols =
    "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and "
    "'TLSv1.3'.";

}  // namespace

std::shared_ptr<const TlsContext> TlsContext::server(const TlsOptions& options,
                                                     std::string& error) {
  error = check_server_options(options);
  int protocols = parse_protocols(options.protocols);
  if (error.empty() && protocols < 0) error = kBadProtocols;
  if (!error.empty()) return nullptr;
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  std::shared_ptr<const TlsContext> context(new TlsContext(ctx));
  error = configure_common(ctx, options, protocols);
  if (!error.empty()) return nullptr;
  configure_server(ctx, options);
  return context;
}

std::shared_ptr<const TlsContext> TlsContext::client(const TlsOptions& options,
                                                     std::string& error) {
  int protocols = parse_protocols(options.protocols);
  if (protocols < 0) {
    error = kBadProtocols;
    return nullptr;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  std::shared_ptr<const TlsContext> context(new TlsContext(ctx));
  error = configure_common(ctx, options, protocols);
  if (!error.empty()) return nullptr;
  if (options.ca_cert_file.empty() && options.ca_cert_dir.empty()) {
    SSL_CTX_set_default_verify_paths(ctx);
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsSession::TlsSession(const TlsContext& context, int fd, Role role)
    : ssl_(SSL_new(context.native())) {
  SSL_set_fd(ssl_, fd);
  BIO* socket = SSL_get_rbio(ssl_);
  BIO_set_callback_ex(socket, on_socket_io);
  BIO_set_callback_arg(socket, reinterpret_cast<char*>(this));
  if (role == Role::kServer) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
}

TlsSession::~TlsSession() {
  if (established_ && !failed_) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // close_notify; the reply to it is not awaited
  }
  SSL_free(ssl_);
  ERR_clear_error();
}

long TlsSession::on_socket_io(BIO* bio, int oper, const char* /*argp*/, size_t len, int /*argi*/,
                              long /*argl*/, int ret, size_t* processed) {
  if (oper == (BIO_CB_READ | BIO_CB_RETURN)) {
    auto* self = reinterpret_cast<TlsSession*>(BIO_get_callback_arg(bio));
    self->socket_drained_ = ret <= 0 || *processed < len;
  }
  return (oper & BIO_CB_RETURN) ? ret : 1;
}

ssize_t TlsSession::blocked_or_over(int result) {
  int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    wants_write_ = error == SSL_ERROR_WANT_WRITE;
    errno = EAGAIN;
    return -1;
  }
  // The peer's close_notify ends the session cleanly; anything else (a plain-text client on a TLS
  // port, a refused certificate, a reset) fails it, and OpenSSL forbids a shutdown after that.
  over_ = true;
  failed_ = error != SSL_ERROR_ZERO_RETURN;
  ERR_clear_error();
  return 0;
}

ssize_t TlsSession::handshake() {
  ERR_clear_error();
  int result = SSL_do_handshake(ssl_);
  if (result != 1) return blocked_or_over(result);
  established_ = true;
  wants_write_ = false;
  return 1;
}

ssize_t TlsSession::read(char* buf, size_t len) {
  if (over_) return 0;
  if (!established_) {
    if (ssize_t s = handshake(); s <= 0) return s;
  }
  size_t got = 0;
  while (got < len) {
    size_t n = 0;
    ERR_clear_error();
    int result = SSL_read_ex(ssl_, buf + got, len - got, &n);
    if (result != 1) {
      ssize_t s = blocked_or_over(result);
      return got > 0 ? static_cast<ssize_t>(got) : s;
    }
    got += n;
    if (socket_drained_ && !SSL_has_pending(ssl_)) break;
  }
  wants_write_ = false;
  return static_cast<ssize_t>(got);
}

ssize_t TlsSession::write(const char* buf, size_t len) {
  ssize_t s = over_ ? 0 : 1;
  if (s > 0 && !established_) s = handshake();
  size_t n = 0;
  if (s > 0) {
    ERR_clear_error();
    int result = SSL_write_ex(ssl_, buf, len, &n);
    s = result == 1 ? 1 : blocked_or_over(result);
  }
  if (s == 0) errno = EPIPE;  // a write cannot report "over" as 0 bytes, as send never does
  if (s <= 0) return -1;
  wants_write_ = false;
  return static_cast<ssize_t>(n);
}

}  // namespace cachet::net
