// One event-loop thread (epoll) and the connections it owns.
//
// A connection lives on one worker for its whole life; everything about it runs on that worker's
// thread. Other threads talk to a worker only through post(), which is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/buffer.h"
#include "net/tls.h"

namespace cachet::net {

class Connection;
class Server;

// Protocol logic for one connection; called on the connection's worker thread only.
class Handler {
 public:
  virtual ~Handler() = default;
  // Consumes complete requests at the front of `input` and appends their replies to
  // conn.output(); returns the number of bytes consumed. `input` is valid during the call only.
  virtual size_t on_input(Connection& conn, std::string_view input) = 0;
  // Input size from which on_input can make progress again (0: any new byte may help).
  virtual size_t input_needed() const { return 0; }
  virtual void on_close(Connection& /*conn*/) {}
  // The worker has written what the socket took of conn.output() (and consumed the input before):
  // the buffers' sizes are settled until the next event (CLIENT LIST's view of them).
  virtual void on_written(Connection& /*conn*/) {}
};

// The epoll_wait timeout for a timer due in `until_due`: whole milliseconds rounded up (a
// timer due in under a millisecond waits one, instead of a timeout of 0 spinning until it is
// due), 0 when it is due already.
int timer_wait_ms(std::chrono::steady_clock::duration until_due);

class Worker;

// Something other than a client connection that a worker's event loop watches: an outgoing
// socket (a gateway's connection to a cache server). Called on the worker's thread only.
class Watcher {
 public:
  virtual ~Watcher() = default;
  // `events` is the epoll event mask that became ready (edge-triggered).
  virtual void on_events(uint32_t events) = 0;
};

// The listening sockets of one port (one per bind address), closed when the last worker using
// them lets go.
struct ListenSet {
  std::vector<int> fds;
  ListenSet() = default;
  ListenSet(const ListenSet&) = delete;
  ListenSet& operator=(const ListenSet&) = delete;
  ~ListenSet();
};

// What a worker accepts on: plain TCP and TLS sockets (either may be null: not listening).
struct Listeners {
  std::shared_ptr<const ListenSet> plain, tls;
};

class Connection {
 public:
  Connection(Worker& worker, int fd, uint64_t id, std::string peer, std::string local);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uint64_t id() const { return id_; }
  int fd() const { return fd_; }
  const std::string& peer_address() const { return peer_; }
  const std::string& local_address() const { return local_; }
  Worker& worker() { return worker_; }
  std::string& output() { return output_; }
  // Input received and not yet consumed by the handler, and the input buffer's allocation.
  size_t input_size() const { return input_.size(); }
  size_t input_capacity() const { return input_.capacity(); }
  // The most unwritten output the connection has had at once (measured when writing).
  size_t output_peak() const { return output_peak_; }
  // Stop reading; close once the pending output has been written.
  void close_after_reply() { closing_ = true; }
  bool closing() const { return closing_; }
  // The handler's reply to the current request is being prepared elsewhere (a backend call):
  // on_input is not called and the connection is not closed for draining or idleness until
  // Worker::release(). Input that arrives meanwhile is buffered (within max_input_buffer).
  void hold() { held_ = true; }
  // A hold() for a reply that may never come (a client blocked on a key): idleness does not close
  // the connection, but a shutdown does not wait for it either.
  void hold_until_event() { held_ = drop_on_drain_ = true; }
  Handler& handler() { return *handler_; }
  // Accepted on a TLS listener: its bytes go through a TLS session.
  bool tls() const { return tls_ != nullptr; }
  // Closes the connection at `when` unless it is replying or clear_deadline() comes first; unlike
  // the idle timeout, arriving bytes do not move it (a request-head deadline). Checked once a
  // second.
  void set_deadline(std::chrono::steady_clock::time_point when) { deadline_ = when; }
  void clear_deadline() { deadline_ = std::chrono::steady_clock::time_point::max(); }
  bool has_deadline() const { return deadline_ != std::chrono::steady_clock::time_point::max(); }
  // Closes the connection when more than `bytes` of output wait to be written (0: the worker's
  // WorkerLimits::max_output applies), e.g. Redis's tight limit before a client authenticates.
  void set_output_limit(size_t bytes) { output_limit_ = bytes; }
  // Output appended but not yet written to the socket.
  size_t pending_output() const { return output_.size() - sent_; }
  // The handler left complete requests in the input because enough output is pending: it is fed
  // again once that output has been written (or reading resumes).
  void defer_input() { input_deferred_ = true; }

 private:
  friend class Worker;
  Worker& worker_;
  int fd_;
  uint64_t id_;
  std::string peer_, local_;
  InputBuffer input_;
  std::string output_;
  size_t sent_ = 0;  // bytes of output_ already written
  size_t output_peak_ = 0;
  std::unique_ptr<Handler> handler_;
  // Null on plain TCP: the worker's one branch per read and write. While the handshake runs the
  // connection has the handshake deadline.
  std::unique_ptr<TlsSession> tls_;
  bool closing_ = false;
  bool closed_ = false;
  bool reading_ = true;
  bool held_ = false;
  bool drop_on_drain_ = false;
  std::chrono::steady_clock::time_point last_read_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  size_t output_limit_ = 0;
  bool input_deferred_ = false;
  bool watching_output_ = false;  // registered for EPOLLOUT (a write is blocked)
};

struct WorkerLimits {
  size_t max_input_buffer = 1024ull * 1024 * 1024;  // client-query-buffer-limit
  size_t pause_reading_output = 64 * 1024 * 1024;   // backpressure: stop reading past this
  // Close a connection with more than this many bytes of output waiting (0: never).
  size_t max_output = 0;
  // Close a connection that has sent nothing for this long and has no reply pending (0: never);
  // checked once a second, like Redis's `timeout` and nginx's keepalive_timeout.
  std::chrono::seconds idle_timeout{0};
  // A TLS handshake not finished within this closes the connection (a deadline(), so arriving
  // bytes do not extend it).
  std::chrono::seconds handshake_timeout{10};
};

class Worker {
 public:
  Worker(Server& server, int index, WorkerLimits limits);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  int index() const { return index_; }
  // The worker whose thread this is; null on any other thread.
  static Worker* current();
  // Runs `task` on this worker's thread soon. Thread-safe.
  void post(std::function<void()> task);
  // Calls `fn` on this worker's thread every `interval`. Before start(), or on the worker thread.
  void add_timer(std::chrono::milliseconds interval, std::function<void()> fn);
  // Closes connection `id` if this worker owns it. Worker thread only.
  void close(uint64_t id);
  // Connection `id` if this worker still owns it, else null. Worker thread only.
  Connection* find(uint64_t id);
  // Ends a hold(): writes what the handler appended to conn.output(), then feeds it the input
  // that waited. Worker thread only; not from inside the connection's own on_input.
  void release(Connection& conn);
  // Writes what was appended to conn.output() outside the connection's on_input (a message
  // pushed to it), as far as the socket takes it now; the rest goes out as it drains. Worker
  // thread only.
  void send(Connection& conn);
  // Watches `fd` (edge-triggered, EPOLLIN | EPOLLOUT | EPOLLRDHUP) for `watcher`, which must
  // outlive the registration; closing the fd ends it. Worker thread only.
  void watch(int fd, Watcher& watcher);
  // Runs `task` on this thread once the current batch of events has been handled (before the
  // next wait): lets a watcher gather many requests into one write. Worker thread only.
  void defer(std::function<void()> task);

 private:
  friend class Server;
  struct Timer {
    std::chrono::milliseconds interval;
    std::chrono::steady_clock::time_point next;
    std::function<void()> fn;
  };

  void start(Listeners listeners);
  // Stops accepting on the current sockets and accepts on `listeners` instead. Worker thread only.
  void set_listeners(Listeners listeners);
  void watch_listeners(bool on);
  void run();
  void request_stop();
  void wake();
  int poll_timeout_ms() const;
  void run_timers();
  void run_posted();
  void run_deferred();
  // Accepts every waiting connection on `set`; those from TLS sockets speak TLS with `tls`.
  void accept_all(const ListenSet& set, std::shared_ptr<const TlsContext> tls);
  // Takes the accepted socket `fd` as a new connection of this worker (a TLS one when `tls` is
  // set). Worker thread only.
  void adopt(int fd, std::shared_ptr<const TlsContext> tls);
  void on_readable(Connection& conn);
  // recv/send through the connection's TLS session, keeping the worker's view of it current
  // (handshake deadline, EPOLLOUT for a read that must write).
  ssize_t tls_read(Connection& conn, char* dst, size_t len);
  ssize_t tls_write(Connection& conn, const char* src, size_t len);
  void process_input(Connection& conn);
  void flush(Connection& conn);
  // Asks epoll for (or stops asking for) the connection's EPOLLOUT edges.
  void watch_output(Connection& conn, bool on);
  void close_connection(Connection& conn);
  // Closes connections that are idle past the idle timeout or past their deadline.
  void close_expired();
  void begin_drain();

  Server& server_;
  int index_;
  WorkerLimits limits_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  Listeners listeners_;
  std::thread thread_;
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;  // guarded by posted_mutex_
  std::atomic<bool> stop_requested_{false};
  bool draining_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::deque<Timer> timers_;  // a deque: timers added from a timer keep the others in place
  std::vector<std::function<void()>> deferred_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::vector<std::unique_ptr<Connection>> dead_;  // freed after the current event batch
};

}  // namespace cachet::net
