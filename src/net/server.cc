#include "net/server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cachet::net {
namespace {

constexpr int kBacklog = 511;  // Redis's tcp-backlog default

// Creates a non-blocking listening socket on host:port; -1 with `error` set on failure.
int listen_on(const std::string& host, uint16_t port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    error = "invalid bind address '" + host + "': " + gai_strerror(rc);
    return -1;
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (res->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, kBacklog) != 0) {
    error = "could not listen on " + host + ":" + service + ": " + std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace

Server::Server(ServerOptions options, HandlerFactory factory)
    : options_(std::move(options)),
      factory_(std::move(factory)),
      tls_(options_.tls),
      max_connections_(options_.max_connections) {
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    workers_.push_back(std::make_unique<Worker>(*this, i, options_.limits));
  }
}

Server::~Server() { stop(); }

std::shared_ptr<const ListenSet> Server::open_listeners(uint16_t port, std::string& error) const {
  auto set = std::make_shared<ListenSet>();
  for (const std::string& host : options_.bind) {
    int fd = listen_on(host, port, error);
    if (fd < 0) return nullptr;  // the set closes what it already opened
    set->fds.push_back(fd);
    port = bound_port(fd);  // with port 0, every address gets the port the first one got
  }
  return set;
}

bool Server::open_all(uint16_t port, uint16_t tls_port, Listeners& out, std::string& error) const {
  out = {};
  if (port != 0 || tls_port == 0) {
    bool same = listeners_.plain && port != 0 && port == bound_port_.load();
    out.plain = same ? listeners_.plain : open_listeners(port, error);
    if (!out.plain) return false;
  }
  if (tls_port != 0) {
    if (!tls_) {
      error = "a TLS port needs a TLS context";
      return false;
    }
    bool same = listeners_.tls && tls_port == bound_tls_port_.load();
    out.tls = same ? listeners_.tls : open_listeners(tls_port, error);
    if (!out.tls) return false;
  }
  return true;
}

void Server::publish(Listeners listeners) {
  listeners_ = std::move(listeners);
  bound_port_ = listeners_.plain ? bound_port(listeners_.plain->fds.front()) : 0;
  bound_tls_port_ = listeners_.tls ? bound_port(listeners_.tls->fds.front()) : 0;
}

bool Server::listen(std::string& error) {
  std::lock_guard lock(listeners_mutex_);
  Listeners set;
  if (!open_all(options_.port, options_.tls_port, set, error)) return false;
  publish(std::move(set));
  return true;
}

bool Server::rebind(uint16_t port, uint16_t tls_port, std::string& error) {
  std::lock_guard lock(listeners_mutex_);
  Listeners set;
  if (!open_all(port, tls_port, set, error)) return false;
  for (auto& worker : workers_) {
    worker->post([w = worker.get(), set] { w->set_listeners(set); });
  }
  publish(std::move(set));
  return true;
}

void Server::set_tls_context(std::shared_ptr<const TlsContext> tls) {
  std::lock_guard lock(listeners_mutex_);
  tls_ = std::move(tls);
}

std::shared_ptr<const TlsContext> Server::tls_context() const {
  std::lock_guard lock(listeners_mutex_);
  return tls_;
}

void Server::start() {
  std::lock_guard lock(listeners_mutex_);
  for (auto& worker : workers_) worker->start(listeners_);
}

void Server::stop() {
  if (stopped_.exchange(true)) return;
  for (auto& worker : workers_) worker->request_stop();
  for (auto& worker : workers_) {
    if (worker->thread_.joinable()) worker->thread_.join();
  }
}

bool Server::admit() {
  size_t n = connections_.fetch_add(1, std::memory_order_relaxed);
  if (n < max_connections_.load(std::memory_order_relaxed)) return true;
  connections_.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

}  // namespace cachet::net
