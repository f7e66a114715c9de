// cachet-server: flag parsing and wiring only.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "gateway/http_handler.h"
#include "gateway/local_backend.h"
#include "net/server.h"
#include "server/command.h"
#include "server/config.h"
#include "server/instance.h"
#include "server/resp_handler.h"
#include "server/scripting.h"
#include "store/clock.h"

namespace {

using cachet::server::Config;

template <typename... Args>
void log(fmt::format_string<Args...> format, Args&&... args) {
  auto now = std::chrono::system_clock::now();
  fmt::print(stderr, "{}:M {:%d %b %Y %H:%M:%S} * {}\n", getpid(),
             std::chrono::floor<std::chrono::seconds>(now),
             fmt::format(format, std::forward<Args>(args)...));
}

// Raises the open-file limit so maxclients connections fit, as Redis does at start.
void raise_file_limit(uint64_t maxclients) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  rlim_t wanted = maxclients + 32;
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < wanted) {
    log("Could not raise the open file limit to {} (now {}): maxclients may not be reachable",
        wanted, limit.rlim_cur);
  }
}

int worker_threads(const Config& c) {
  return c.threads > 0 ? c.threads : static_cast<int>(std::thread::hardware_concurrency());
}

using TlsContextPtr = std::shared_ptr<const cachet::net::TlsContext>;

// The TLS context for the configured tls-* options, or null when no TLS port is set. Logs why
// it could not be built (`ok` false).
TlsContextPtr tls_context(const Config& c, bool& ok) {
  ok = true;
  if (!cachet::server::tls_enabled(c)) return nullptr;
  std::string error;
  TlsContextPtr context = cachet::net::TlsContext::server(c.tls, error);
  if (!context) log("{}", error);
  ok = context != nullptr;
  return context;
}

cachet::net::ServerOptions network_options(const Config& c, cachet::server::Instance& instance,
                                           TlsContextPtr tls) {
  cachet::net::ServerOptions o;
  o.bind = c.bind;
  o.port = c.port;
  o.tls_port = c.tls_port;
  o.tls = std::move(tls);
  o.threads = worker_threads(c);
  o.max_connections = c.maxclients;
  o.reject_message = "-ERR max number of clients reached\r\n";
  o.on_reject = [&instance] { instance.stats().rejected_connections.fetch_add(1); };
  o.limits.max_input_buffer = c.client_query_buffer_limit;
  return o;
}

// The HTTP/JSON API on the same process and store (config `http-port`), or null when off.
std::unique_ptr<cachet::net::Server> http_server(const Config& c, const cachet::gateway::Api& api,
                                                 const cachet::http::Limits& limits,
                                                 TlsContextPtr tls) {
  if (c.http_port == 0 && c.http_tls_port == 0) return nullptr;
  cachet::net::ServerOptions o;
  o.bind = c.bind;
  o.port = c.http_port;
  o.tls_port = c.http_tls_port;
  o.tls = std::move(tls);
  o.limits.handshake_timeout = limits.header_timeout;
  o.threads = worker_threads(c);
  o.max_connections = c.maxclients;
  o.limits.idle_timeout = std::chrono::seconds(75);  // nginx's keepalive_timeout
  o.limits.pause_reading_output = cachet::http::kPauseReadingOutput;
  o.limits.max_output = cachet::http::kMaxUnreadOutput;
  return std::make_unique<cachet::net::Server>(o, [&api, &limits](auto&) {
    return std::make_unique<cachet::gateway::HttpHandler>(api, limits);
  });
}

// Warns when clients beyond loopback can reach a server whose default user has no password.
void warn_if_exposed(const Config& c, const cachet::server::Instance& instance) {
  bool beyond_loopback = std::any_of(c.bind.begin(), c.bind.end(), [](const std::string& a) {
    return a != "127.0.0.1" && a != "::1" && a != "localhost";
  });
  if (!beyond_loopback || instance.password_required()) return;
  if (c.protected_mode) {
    log("WARNING: bound beyond loopback ({}) with no password: protected mode refuses every "
        "non-loopback client (RESP -DENIED, HTTP 403). Set requirepass to serve them.",
        fmt::join(c.bind, " "));
  } else {
    log("WARNING: bound beyond loopback ({}) with no password and protected mode off: anyone "
        "who reaches these addresses can read, write and delete every key.",
        fmt::join(c.bind, " "));
  }
}

// Runs the active expiry cycle on every worker, each over its share of the shards.
void add_expiry_timers(cachet::net::Server& net, cachet::server::Instance& instance, int hz) {
  auto period = std::chrono::milliseconds(1000 / hz);
  auto budget = std::chrono::duration_cast<std::chrono::microseconds>(period) / 4;
  for (int i = 0; i < net.worker_count(); ++i) {
    net.worker(i).add_timer(period, [&instance, i, n = net.worker_count(), budget] {
      instance.active_expire(i, n, budget);
    });
  }
}

// Times out blocked clients (BLPOP...): one worker checks every waiter's deadline.
void add_blocking_timer(cachet::net::Server& net, cachet::server::Instance& instance) {
  net.worker(0).add_timer(std::chrono::milliseconds(10), [&instance] {
    if (instance.blocking().anyone_waiting()) instance.blocking().expire(instance.clock().now_ms());
  });
}

// " and TLS port N" when the server listens for TLS: the ready lines name every port.
std::string tls_suffix(const cachet::net::Server& server) {
  return server.tls_port() == 0 ? "" : fmt::format(" and TLS port {}", server.tls_port());
}

// Applies a CONFIG SET to the listeners: a new TLS context when a tls-* option changed (or TLS
// was just turned on), then new sockets for a changed port or tls-port. Returns Redis's error.
std::string apply_network_config(const Config& before, Config& after, cachet::net::Server& net,
                                 cachet::net::Server* http) {
  using cachet::server::tls_enabled;
  TlsContextPtr previous = net.tls_context();
  bool tls_changed = after.tls != before.tls || (tls_enabled(after) && !tls_enabled(before));
  if (tls_enabled(after) && tls_changed) {
    bool ok;
    TlsContextPtr context = tls_context(after, ok);
    if (!ok) {
      return fmt::format(
          "CONFIG SET failed (possibly related to argument '{}') - Unable to update TLS "
          "configuration. Check server logs.",
          cachet::server::first_changed_option(before, after, "tls-"));
    }
    net.set_tls_context(context);
    if (http) http->set_tls_context(context);
    log("TLS configuration {}", previous ? "reloaded" : "loaded");
  }
  if (after.port != before.port || after.tls_port != before.tls_port) {
    std::string err;
    if (!net.rebind(after.port, after.tls_port, err)) {
      net.set_tls_context(previous);
      if (http) http->set_tls_context(previous);
      log("{}", err);
      return after.port != before.port
                 ? "CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
                   "this port"
                 : "CONFIG SET failed (possibly related to argument 'tls-port') - Unable to listen "
                   "on this port. Check server logs.";
    }
    after.port = net.port();
    log("Now listening on port {}{}", after.port, tls_suffix(net));
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  std::string error;
  if (!cachet::server::parse_command_line(std::span<const char* const>(argv + 1, argc - 1), config,
                                          error)) {
    fmt::print(stderr, "\n*** FATAL CONFIG ERROR (cachet {}) ***\n{}\n",
               cachet::server::kCachetVersion, error);
    return 1;
  }
  raise_file_limit(config.maxclients);

  // Every thread inherits this mask; the main thread takes the signals with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  bool tls_ok;
  TlsContextPtr tls = tls_context(config, tls_ok);
  if (!tls_ok) {
    log("Failed to configure TLS. Check logs for more info.");
    return 1;
  }
  cachet::store::SystemClock clock;
  cachet::server::Instance instance(config, clock);
  if (std::string acl_error = instance.load_acl(); !acl_error.empty()) {
    log("{}", acl_error);
    return 1;
  }
  warn_if_exposed(config, instance);
  cachet::net::Server net(network_options(config, instance, tls), [&instance](auto& conn) {
    return cachet::server::make_resp_handler(instance, conn);
  });
  if (!net.listen(error)) {
    log("{}", error);
    return 1;
  }
  instance.set_listening_port(net.port());
  cachet::gateway::LocalBackend backend(instance);
  cachet::gateway::InstanceAuthenticator auth(instance);
  cachet::gateway::Api api(&backend, &auth);
  cachet::http::Limits http_limits;
  std::unique_ptr<cachet::net::Server> http = http_server(config, api, http_limits, tls);
  if (http && !http->listen(error)) {
    log("HTTP API: {}", error);
    return 1;
  }
  instance.on_config_change([&net, &http](const Config& before, Config& after) -> std::string {
    if (std::string err = apply_network_config(before, after, net, http.get()); !err.empty()) {
      return err;
    }
    net.set_max_connections(after.maxclients);
    return "";
  });
  instance.on_shutdown([] { kill(getpid(), SIGTERM); });
  add_expiry_timers(net, instance, config.hz);
  add_blocking_timer(net, instance);
  net.start();
  if (http) {
    http->start();
    log("HTTP API ready on port {}{}", http->port(), tls_suffix(*http));
  }
  log("cachet {} ready to accept connections on port {}{} ({} threads)",
      cachet::server::kCachetVersion, net.port(), tls_suffix(net), net.worker_count());

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  if (cachet::server::scripts_busy()) {
    // A busy script never returns its worker thread: exit at once, as Redis does (SHUTDOWN
    // NOSAVE is how a script that wrote is stopped).
    log("Received {} while a script is busy: exiting without waiting for it",
        strsignal(signal_number));
    std::_Exit(0);
  }
  log("Received {}, shutting down: finishing replies in flight", strsignal(signal_number));
  net.stop();
  if (http) http->stop();
  log("cachet is now ready to exit, bye bye...");
  return 0;
}
