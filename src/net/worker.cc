#include "net/worker.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "net/address.h"
#include "net/server.h"

namespace cachet::net {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr int kMaxEvents = 256;
constexpr auto kDrainTimeout = std::chrono::seconds(5);
// epoll_event.data.u64 tags for the non-connection descriptors.
constexpr uint64_t kWakeTag = 0;
constexpr uint64_t kListenTag = 1;
constexpr uint64_t kTlsListenTag = 4;  // not a pointer: below any object's address
constexpr uint32_t kInputEvents = EPOLLIN | EPOLLRDHUP | EPOLLET;
// Set in the tag of a Watcher (connections and watchers are at least 8-byte aligned).
constexpr uint64_t kWatcherBit = 2;
static_assert(alignof(Connection) >= 8 && alignof(Watcher) >= 8);

}  // namespace

ListenSet::~ListenSet() {
  for (int fd : fds) ::close(fd);
}

Connection::Connection(Worker& worker, int fd, uint64_t id, std::string peer, std::string local)
    : worker_(worker), fd_(fd), id_(id), peer_(std::move(peer)), local_(std::move(local)) {}

Connection::~Connection() {
  tls_.reset();  // its close_notify needs the socket
  if (fd_ >= 0) ::close(fd_);
}

Worker::Worker(Server& server, int index, WorkerLimits limits)
    : server_(server), index_(index), limits_(limits) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{EPOLLIN, {.u64 = kWakeTag}};
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  add_timer(std::chrono::seconds(1), [this] { close_expired(); });
}

void Worker::close_expired() {
  auto now = std::chrono::steady_clock::now();
  bool idle_timeout = limits_.idle_timeout.count() > 0;
  std::vector<Connection*> idle;
  for (auto& [id, conn] : connections_) {
    bool replying = conn->held_ || conn->sent_ < conn->output_.size();
    bool expired =
        conn->deadline_ <= now || (idle_timeout && now - conn->last_read_ >= limits_.idle_timeout);
    if (!replying && expired) idle.push_back(conn.get());
  }
  for (Connection* conn : idle) close_connection(*conn);
}

Worker::~Worker() {
  if (thread_.joinable()) thread_.join();
  connections_.clear();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void Worker::post(std::function<void()> task) {
  bool first;
  {
    std::lock_guard lock(posted_mutex_);
    first = posted_.empty();
    posted_.push_back(std::move(task));
  }
  // Tasks already waiting have a wake-up pending (the worker takes the whole list at once after
  // it), so only the first one since the last take writes the eventfd.
  if (first) wake();
}

void Worker::wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

void Worker::add_timer(std::chrono::milliseconds interval, std::function<void()> fn) {
  timers_.push_back({interval, std::chrono::steady_clock::now() + interval, std::move(fn)});
}

namespace {
thread_local Worker* current_worker = nullptr;
}  // namespace

Worker* Worker::current() { return current_worker; }

void Worker::start(Listeners listeners) {
  set_listeners(std::move(listeners));
  thread_ = std::thread([this] {
    current_worker = this;
    run();
  });
}

void Worker::set_listeners(Listeners listeners) {
  watch_listeners(false);
  listeners_ = std::move(listeners);
  if (!draining_) watch_listeners(true);
}

void Worker::watch_listeners(bool on) {
  for (auto [set, tag] : {std::pair{listeners_.plain.get(), kListenTag},
                          std::pair{listeners_.tls.get(), kTlsListenTag}}) {
    if (set == nullptr) continue;
    for (int fd : set->fds) {
      epoll_event ev{EPOLLIN | EPOLLEXCLUSIVE, {.u64 = tag}};
      epoll_ctl(epoll_fd_, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, on ? &ev : nullptr);
    }
  }
}

void Worker::request_stop() {
  stop_requested_.store(true);
  wake();
}

// (Rounding down made an idle worker with a 10 ms timer spin ~10% of a core.)
int timer_wait_ms(std::chrono::steady_clock::duration until_due) {
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(until_due);
  return static_cast<int>(std::max<int64_t>(0, wait.count()));
}

int Worker::poll_timeout_ms() const {
  if (!deferred_.empty()) return 0;
  if (draining_) return 50;
  if (timers_.empty()) return -1;
  auto next = std::min_element(timers_.begin(), timers_.end(), [](auto& a, auto& b) {
                return a.next < b.next;
              })->next;
  return timer_wait_ms(next - std::chrono::steady_clock::now());
}

void Worker::run_timers() {
  auto now = std::chrono::steady_clock::now();
  for (size_t i = 0; i < timers_.size(); ++i) {
    Timer& t = timers_[i];
    if (now < t.next) continue;
    t.fn();
    t.next = now + t.interval;
  }
}

void Worker::run_posted() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(posted_mutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) task();
}

void Worker::defer(std::function<void()> task) { deferred_.push_back(std::move(task)); }

// Deferred tasks may defer more (a write that fails completes requests, whose handlers send
// again): run until none is left.
void Worker::run_deferred() {
  std::vector<std::function<void()>> tasks;
  while (!deferred_.empty()) {
    tasks.swap(deferred_);
    for (auto& task : tasks) task();
    tasks.clear();
  }
}

void Worker::watch(int fd, Watcher& watcher) {
  epoll_event ev{EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                 {.u64 = reinterpret_cast<uint64_t>(&watcher) | kWatcherBit}};
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
}

void Worker::run() {
  epoll_event events[kMaxEvents];
  while (true) {
    if (stop_requested_.load() && !draining_) begin_drain();
    if (draining_ && (connections_.empty() || std::chrono::steady_clock::now() > drain_deadline_)) {
      break;
    }
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, poll_timeout_ms());
    for (int i = 0; i < n; ++i) {
      uint64_t tag = events[i].data.u64;
      if (tag == kWakeTag) {
        uint64_t count;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof(count));
        run_posted();
      } else if (tag == kListenTag) {
        if (!draining_) accept_all(*listeners_.plain, nullptr);
      } else if (tag == kTlsListenTag) {
        if (!draining_) accept_all(*listeners_.tls, server_.tls_context());
      } else if (tag & kWatcherBit) {
        reinterpret_cast<Watcher*>(tag & ~kWatcherBit)->on_events(events[i].events);
      } else {
        auto* conn = reinterpret_cast<Connection*>(tag);
        if (conn->closed_) continue;
        uint32_t ready = events[i].events;
        // A TLS read may wait for the socket to take a write and a write for input (the
        // handshake, a key update): either edge retries both.
        if (conn->tls_) ready |= EPOLLIN | EPOLLOUT;
        if (ready & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(*conn);
        if (!conn->closed_ && (ready & EPOLLOUT)) flush(*conn);
      }
    }
    run_timers();
    run_deferred();
    dead_.clear();
  }
  while (!connections_.empty()) close_connection(*connections_.begin()->second);
  dead_.clear();
  listeners_ = {};
}

void Worker::begin_drain() {
  draining_ = true;
  drain_deadline_ = std::chrono::steady_clock::now() + kDrainTimeout;
  watch_listeners(false);
  std::vector<Connection*> all;
  for (auto& [id, conn] : connections_) all.push_back(conn.get());
  for (Connection* conn : all) {
    conn->closing_ = true;
    if (conn->drop_on_drain_) {
      close_connection(*conn);
    } else {
      flush(*conn);
    }
  }
}

void Worker::accept_all(const ListenSet& set, std::shared_ptr<const TlsContext> tls) {
  // (A worker still busy when stop() began must not take connections its peers refuse: a
  // client would reach a server about to close it.)
  if (server_.stopping()) return;
  for (int listen_fd : set.fds) {
    while (true) {
      sockaddr_storage addr;
      socklen_t len = sizeof(addr);
      int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;  // EAGAIN: another worker took it, or none left
      if (!server_.admit()) {
        const std::string& msg = server_.options_.reject_message;
        // A TLS client could not read it before a handshake: it just sees the close.
        if (!tls) {
          [[maybe_unused]] ssize_t r = ::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
        }
        ::close(fd);
        if (server_.options_.on_reject) server_.options_.on_reject();
        continue;
      }
      // Round robin over the workers, so a burst accepted by one worker does not all stay on
      // it (one slow command there would stall every client of the burst).
      Worker& target = server_.next_worker();
      if (&target == this) {
        adopt(fd, tls);
      } else {
        target.post([&target, fd, tls] { target.adopt(fd, tls); });
      }
    }
  }
}

void Worker::adopt(int fd, std::shared_ptr<const TlsContext> tls) {
  if (draining_) {  // handed over while this worker began to shut down
    ::close(fd);
    server_.release();
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  auto conn = std::make_unique<Connection>(*this, fd, server_.next_id(), peer_address(fd),
                                           local_address(fd));
  if (tls) {
    conn->tls_ = std::make_unique<TlsSession>(*tls, fd, TlsSession::Role::kServer);
    conn->set_deadline(std::chrono::steady_clock::now() + limits_.handshake_timeout);
  }
  conn->handler_ = server_.factory_(*conn);
  // Edge-triggered, for input only: EPOLLOUT is asked for only while a write is blocked
  // (watch_output), since an always-armed EPOLLOUT edge fires on every ACK that frees send
  // buffer, waking the worker once more per request at pipeline 1.
  Connection* c = conn.get();
  epoll_event ev{kInputEvents, {.u64 = reinterpret_cast<uint64_t>(c)}};
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  connections_.emplace(c->id(), std::move(conn));
  if (!c->output_.empty()) flush(*c);  // a handler may answer before any input
}

// Reads until the socket is drained (a short read proves it: any later arrival raises a new
// edge), handling each chunk as it comes. Stops early while reading is paused.
void Worker::on_readable(Connection& conn) {
  while (conn.reading_ && !conn.closed_) {
    size_t needed = conn.handler_->input_needed();
    size_t want =
        std::max(kReadChunk, needed > conn.input_.size() ? needed - conn.input_.size() : 0);
    char* dst = conn.input_.prepare(want);
    ssize_t n = conn.tls_ ? tls_read(conn, dst, want) : ::recv(conn.fd_, dst, want, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      close_connection(conn);
      return;
    }
    conn.input_.commit(static_cast<size_t>(n));
    conn.last_read_ = std::chrono::steady_clock::now();
    if (conn.input_.size() > limits_.max_input_buffer) {
      close_connection(conn);  // client-query-buffer-limit, as Redis closes such a client
      return;
    }
    process_input(conn);
    if (!conn.closed_) flush(conn);
    if (static_cast<size_t>(n) < want) return;
  }
}

void Worker::process_input(Connection& conn) {
  if (conn.closing_ || conn.held_ || conn.input_.size() < conn.handler_->input_needed()) return;
  size_t used = conn.handler_->on_input(conn, conn.input_.view());
  conn.input_.consume(used);
  conn.input_.shrink_if_idle(1024 * 1024);
}

void Worker::watch_output(Connection& conn, bool on) {
  if (conn.watching_output_ == on) return;
  conn.watching_output_ = on;
  epoll_event ev{kInputEvents | (on ? EPOLLOUT : 0u), {.u64 = reinterpret_cast<uint64_t>(&conn)}};
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd_, &ev);
}

void Worker::flush(Connection& conn) {
  conn.output_peak_ = std::max(conn.output_peak_, conn.output_.size() - conn.sent_);
  while (conn.sent_ < conn.output_.size()) {
    const char* src = conn.output_.data() + conn.sent_;
    size_t len = conn.output_.size() - conn.sent_;
    ssize_t n = conn.tls_ ? tls_write(conn, src, len) : ::send(conn.fd_, src, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN) {  // EPOLLOUT's next edge resumes the write
        watch_output(conn, true);
        break;
      }
      if (errno == EINTR) continue;
      close_connection(conn);
      return;
    }
    conn.sent_ += static_cast<size_t>(n);
  }
  size_t limit = conn.output_limit_ != 0 ? conn.output_limit_ : limits_.max_output;
  if (limit != 0 && conn.output_.size() - conn.sent_ > limit) {
    close_connection(conn);  // an output buffer limit, as Redis closes such a client
    return;
  }
  if (conn.sent_ == conn.output_.size()) {
    watch_output(conn, conn.tls_ && conn.tls_->wants_write());
    conn.output_.clear();
    conn.sent_ = 0;
    if (conn.output_.capacity() > 1024 * 1024) conn.output_.shrink_to_fit();
    if (conn.closing_ && !conn.held_) {
      close_connection(conn);
      return;
    }
  }
  conn.handler_->on_written(conn);
  // Backpressure: stop reading while too many replies wait to be written. Resuming must read
  // what arrived meanwhile, since its edge has passed.
  bool was_reading = conn.reading_;
  conn.reading_ = !conn.closing_ && conn.output_.size() - conn.sent_ < limits_.pause_reading_output;
  bool deferred = conn.input_deferred_ && conn.sent_ == conn.output_.size();
  if ((!was_reading || deferred) && conn.reading_) {
    conn.input_deferred_ = false;
    process_input(conn);
    if (!conn.closed_) on_readable(conn);
  }
}

ssize_t Worker::tls_read(Connection& conn, char* dst, size_t len) {
  bool handshaking = !conn.tls_->established();
  ssize_t n = conn.tls_->read(dst, len);
  if (handshaking && conn.tls_->established()) conn.clear_deadline();
  if (n < 0 && conn.tls_->wants_write()) watch_output(conn, true);
  return n;
}

ssize_t Worker::tls_write(Connection& conn, const char* src, size_t len) {
  bool handshaking = !conn.tls_->established();
  ssize_t n = conn.tls_->write(src, len);
  if (handshaking && conn.tls_->established()) conn.clear_deadline();
  return n;
}

Connection* Worker::find(uint64_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void Worker::release(Connection& conn) {
  conn.held_ = conn.drop_on_drain_ = false;
  if (conn.closed_) return;
  flush(conn);
  if (conn.closed_) return;
  process_input(conn);
  if (!conn.closed_) flush(conn);
}

void Worker::send(Connection& conn) {
  if (!conn.closed_) flush(conn);
}

void Worker::close(uint64_t id) {
  if (Connection* conn = find(id)) close_connection(*conn);
}

void Worker::close_connection(Connection& conn) {
  if (conn.closed_) return;
  conn.closed_ = true;
  conn.handler_->on_close(conn);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn.fd_, nullptr);
  auto it = connections_.find(conn.id_);
  dead_.push_back(std::move(it->second));
  connections_.erase(it);
  server_.release();
}

}  // namespace cachet::net
