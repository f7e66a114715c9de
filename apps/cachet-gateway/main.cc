// cachet-gateway: the HTTP/1.1 JSON API in front of cache servers. Flags: --port N (8080),
// --bind ADDR (127.0.0.1; may repeat), --threads N (cores),
// --max-body BYTES (1 MB),
// --idle-timeout SECONDS (75, as nginx's keepalive_timeout; 0 never), --header-timeout SECONDS
// (10: a request head must arrive whole within it, however slowly its bytes come),
// --body-timeout SECONDS (20) and --min-body-rate BYTES (500: a body must arrive within the
// timeout plus a second per that many bytes), --backend
// HOST:PORT (may repeat; keys spread by consistent hashing), --backend-timeout MS (1000), --remap
// (send an ejected node's keys to the next node instead of answering 503), --backend-tls (speak
// TLS to the backends, verifying them against --backend-tls-cacert FILE, or the system's CAs;
// --backend-tls-cert FILE and --backend-tls-key FILE present a client certificate),
// --no-events (no keyevent subscription on the nodes, no CONFIG SET of their
// notify-keyspace-events: GET /v1/events answers 501).
// SIGTERM/SIGINT drain, exit 0.
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/http_handler.h"
#include "gateway/remote_backend.h"
#include "net/server.h"

namespace {

bool parse_number(std::string_view text, size_t& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

// Fills options from argv; returns an error message or "".
std::string parse_flags(int argc, char** argv, cachet::net::ServerOptions& server,
                        cachet::http::Limits& limits, cachet::gateway::RemoteOptions& remote,
                        bool& backend_tls, cachet::net::TlsOptions& tls) {
  bool bind_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--remap" || flag == "--backend-tls") {
      (flag == "--remap" ? remote.remap : backend_tls) = true;
      continue;
    }
    if (flag == "--no-events") {
      remote.events = false;
      continue;
    }
    if (i + 1 == argc) return "missing value for " + std::string(flag);
    std::string_view value = argv[++i];
    size_t n = 0;
    if (flag == "--port" && parse_number(value, n) && n <= 65535) {
      server.port = static_cast<uint16_t>(n);
    } else if (flag == "--threads" && parse_number(value, n) && n >= 1 && n <= 1024) {
      server.threads = static_cast<int>(n);
    } else if (flag == "--max-body" && parse_number(value, n)) {
      limits.max_body = n;
    } else if (flag == "--idle-timeout" && parse_number(value, n)) {
      server.limits.idle_timeout = std::chrono::seconds(n);
    } else if (flag == "--header-timeout" && parse_number(value, n) && n > 0) {
      limits.header_timeout = std::chrono::seconds(n);
    } else if (flag == "--body-timeout" && parse_number(value, n) && n > 0) {
      limits.body_timeout = std::chrono::seconds(n);
    } else if (flag == "--min-body-rate" && parse_number(value, n) && n > 0) {
      limits.min_body_rate = n;
    } else if (flag == "--backend") {
      remote.nodes.emplace_back(value);
    } else if (flag == "--backend-timeout" && parse_number(value, n) && n > 0) {
      remote.timeout = std::chrono::milliseconds(n);
    } else if (flag == "--backend-tls-cacert") {
      tls.ca_cert_file = value;
    } else if (flag == "--backend-tls-cert") {
      tls.cert_file = value;
    } else if (flag == "--backend-tls-key") {
      tls.key_file = value;
    } else if (flag == "--bind") {
      if (!bind_given) server.bind.clear();
      bind_given = true;
      server.bind.emplace_back(value);
    } else {
      return "bad option " + std::string(flag) + " " + std::string(value);
    }
  }
  remote.workers = server.threads;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  cachet::net::ServerOptions options;
  options.port = 8080;
  options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.limits.idle_timeout = std::chrono::seconds(75);
  options.limits.pause_reading_output = cachet::http::kPauseReadingOutput;
  options.limits.max_output = cachet::http::kMaxUnreadOutput;
  cachet::http::Limits limits;
  cachet::gateway::RemoteOptions remote;
  bool backend_tls = false;
  cachet::net::TlsOptions tls;
  if (std::string error = parse_flags(argc, argv, options, limits, remote, backend_tls, tls);
      !error.empty()) {
    std::fprintf(stderr,
                 "cachet-gateway: %s\nusage: cachet-gateway [--port N] [--bind ADDR]... "
                 "[--threads N] [--max-body BYTES] [--idle-timeout SECONDS]\n"
                 "       [--header-timeout SECONDS] [--body-timeout SECONDS]\n"
                 "       [--min-body-rate BYTES_PER_SECOND]\n"
                 "       [--backend HOST:PORT]... [--backend-timeout MS] [--remap] [--no-events]\n"
                 "       [--backend-tls [--backend-tls-cacert FILE] [--backend-tls-cert FILE "
                 "--backend-tls-key FILE]]\n",
                 error.c_str());
    return 1;
  }
  sigset_t signals;  // every thread inherits the mask; main takes the signals with sigwait
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<cachet::gateway::RemoteBackend> backend;
  if (!remote.nodes.empty()) {
    std::string error;
    if (backend_tls && !(remote.tls = cachet::net::TlsContext::client(tls, error))) {
      std::fprintf(stderr, "cachet-gateway: backend TLS: %s\n", error.c_str());
      return 1;
    }
    backend = cachet::gateway::RemoteBackend::create(remote, error);
    if (!backend) {
      std::fprintf(stderr, "cachet-gateway: %s\n", error.c_str());
      return 1;
    }
  }
  cachet::gateway::Api api(backend.get());
  cachet::net::Server server(options, [&](cachet::net::Connection&) {
    return std::make_unique<cachet::gateway::HttpHandler>(api, limits);
  });
  std::string error;
  if (!server.listen(error)) {
    std::fprintf(stderr, "cachet-gateway: %s\n", error.c_str());
    return 1;
  }
  server.start();
  std::fprintf(stderr, "cachet-gateway ready to accept connections on port %u (%d threads)\n",
               server.port(), options.threads);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server.stop();
  std::fprintf(stderr, "cachet-gateway stopped\n");
  return 0;
}
