// A multi-threaded TCP server: one listening socket per bind address and port (plain TCP, and TLS
// when a TLS port is set) shared by N workers.
//
// Each worker waits on the listening sockets with EPOLLEXCLUSIVE, so an idle worker accepts the
// next connection, and hands it to the workers in turn (round robin) so a burst spreads evenly. The
// server knows no protocol: a HandlerFactory gives each connection its Handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/worker.h"

namespace cachet::net {

struct ServerOptions {
  std::vector<std::string> bind = {"127.0.0.1"};
  // Plain TCP. 0: off when tls_port is set (Redis's `port 0`), else any free port.
  uint16_t port = 6379;
  uint16_t tls_port = 0;  // 0: no TLS listener
  // Connections accepted on tls_port speak TLS with it; required when tls_port is set.
  std::shared_ptr<const TlsContext> tls;
  int threads = 1;
  size_t max_connections = 10000;
  // Written (best effort) to a connection refused because max_connections is reached.
  std::string reject_message;
  // Called (on a worker thread) for each connection refused because max_connections is reached.
  std::function<void()> on_reject;
  WorkerLimits limits;
};

using HandlerFactory = std::function<std::unique_ptr<Handler>(Connection&)>;

class Server {
 public:
  Server(ServerOptions options, HandlerFactory factory);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on every address; on failure returns false and sets `error`.
  [[nodiscard]] bool listen(std::string& error);
  // Listens on `port` instead of the current port (0: any free port), on every bind address. The
  // new sockets are opened first, so on failure nothing changes. Thread-safe, never blocks a
  // worker: each switches on its next loop turn and the old sockets close after the last one.
  // `tls_port` replaces the TLS port the same way (0: stop listening for TLS); a side whose port
  // does not change keeps its sockets.
  [[nodiscard]] bool rebind(uint16_t port, uint16_t tls_port, std::string& error);
  // The plain port actually bound (useful with port 0); 0 when plain TCP is off.
  uint16_t port() const { return bound_port_.load(); }
  uint16_t tls_port() const { return bound_tls_port_.load(); }
  // Connections accepted on the TLS port from now on use `tls`; existing ones keep theirs.
  // Thread-safe.
  void set_tls_context(std::shared_ptr<const TlsContext> tls);
  std::shared_ptr<const TlsContext> tls_context() const;
  // Starts the worker threads. Timers must be added to workers before this.
  void start();
  // Stops accepting, writes pending replies (up to a short deadline), closes every connection and
  // joins the workers. Thread-safe; idempotent.
  void stop();
  // stop() has begun: no worker accepts from then on, even one that has not begun to drain.
  bool stopping() const { return stopped_.load(std::memory_order_relaxed); }
  Worker& worker(int i) { return *workers_[i]; }
  int worker_count() const { return static_cast<int>(workers_.size()); }
  void set_max_connections(size_t n) { max_connections_.store(n, std::memory_order_relaxed); }

 private:
  friend class Worker;
  bool admit();  // counts a new connection; false when full
  void release() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  uint64_t next_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  // The worker that takes the next accepted connection (round robin).
  Worker& next_worker() {
    return *workers_[next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
  }

  ServerOptions options_;
  HandlerFactory factory_;
  std::shared_ptr<const ListenSet> open_listeners(uint16_t port, std::string& error) const;
  // The listeners for `port` and `tls_port`, reusing the current sockets of a side whose port
  // stays; false with `error` set when a socket cannot be opened. Caller holds listeners_mutex_.
  bool open_all(uint16_t port, uint16_t tls_port, Listeners& out, std::string& error) const;
  void publish(Listeners listeners);  // caller holds listeners_mutex_

  mutable std::mutex listeners_mutex_;
  Listeners listeners_;                    // guarded by listeners_mutex_
  std::shared_ptr<const TlsContext> tls_;  // guarded by listeners_mutex_
  std::atomic<uint16_t> bound_port_{0};
  std::atomic<uint16_t> bound_tls_port_{0};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<size_t> connections_{0};
  std::atomic<size_t> max_connections_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> next_worker_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace cachet::net
