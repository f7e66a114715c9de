#include "gateway/pipeline.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gateway/resp_client.h"

namespace cachet::gateway {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

}  // namespace

Pipeline::Pipeline(net::Worker& worker, std::string name, std::string host, uint16_t port,
                   std::chrono::milliseconds timeout, std::shared_ptr<const net::TlsContext> tls,
                   std::function<void(std::string_view)> on_failure)
    : worker_(worker),
      name_(std::move(name)),
      host_(std::move(host)),
      port_(port),
      timeout_(timeout),
      tls_(std::move(tls)),
      on_failure_(std::move(on_failure)) {}

Pipeline::~Pipeline() { disconnect(); }

void Pipeline::disconnect() {
  session_.reset();            // its close_notify needs the socket
  if (fd_ >= 0) ::close(fd_);  // closing also ends the epoll registration
  fd_ = -1;
  connected_ = false;
  out_.clear();
  sent_ = 0;
  in_.consume(in_.size());
  ++generation_;
}

bool Pipeline::connect(std::string& error) {
  fd_ = connect_nonblocking(host_, port_, error);
  if (fd_ < 0) return false;
  worker_.watch(fd_, *this);  // the first EPOLLOUT edge says the connect finished
  return true;
}

void Pipeline::send(std::span<const Command> commands, Done done) {
  if (std::string error; fd_ < 0 && !connect(error)) {
    on_failure_(error);
    Outcome failed{false, {}, "cache node " + name_ + " failed: " + error};
    done(failed);
    return;
  }
  encode_commands(commands, out_);
  pending_.push_back(
      {commands.size(), std::move(done), std::chrono::steady_clock::now() + timeout_, {}});
  schedule_flush();
}

void Pipeline::schedule_flush() {
  if (flush_scheduled_ || !connected_) return;  // connecting: the EPOLLOUT edge flushes
  flush_scheduled_ = true;
  worker_.defer([this] {
    flush_scheduled_ = false;
    flush();
  });
}

void Pipeline::flush() {
  while (fd_ >= 0 && connected_ && sent_ < out_.size()) {
    ssize_t n = stream_send(fd_, session_.get(), out_.data() + sent_, out_.size() - sent_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;  // the next EPOLLOUT edge resumes
    if (n < 0) return fail(std::strerror(errno));
    sent_ += static_cast<size_t>(n);
  }
  if (sent_ == out_.size()) {
    out_.clear();
    sent_ = 0;
  }
}

void Pipeline::on_events(uint32_t events) {
  if (fd_ < 0) return;
  if (!connected_ && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    int so_error = 0;
    socklen_t len = sizeof so_error;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) return fail(std::strerror(so_error));
    connected_ = true;
    if (tls_) {
      session_ = std::make_unique<net::TlsSession>(*tls_, fd_, net::TlsSession::Role::kClient);
    }
  }
  // A TLS read may wait for a write and a write for input: either edge retries both.
  if (session_) events |= EPOLLIN | EPOLLOUT;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read();
  if (fd_ >= 0 && (events & EPOLLOUT)) flush();
}

void Pipeline::read() {
  while (fd_ >= 0) {
    ssize_t n = stream_recv(fd_, session_.get(), in_.prepare(kReadChunk), kReadChunk);
    if (n > 0) in_.commit(static_cast<size_t>(n));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      // Closed by the server: harmless when nothing is owed, a failure otherwise.
      if (pending_.empty()) return disconnect();
      return fail(n == 0 ? "connection closed by the cache server" : std::strerror(errno));
    }
    if (!deliver() || static_cast<size_t>(n) < kReadChunk) return;  // short read: drained
  }
}

bool Pipeline::deliver() {
  uint64_t generation = generation_;
  while (generation_ == generation && in_.size() > 0) {
    if (pending_.empty()) {
      fail("unexpected reply from the cache server");
      return false;
    }
    size_t used = 0;
    resp::Reply reply;
    resp::ReplyStatus s = resp::parse_reply(in_.view(), reply, used);
    if (s == resp::ReplyStatus::kIncomplete) break;
    if (s == resp::ReplyStatus::kError) {
      fail("malformed reply from the cache server");
      return false;
    }
    in_.consume(used);
    Pending& front = pending_.front();
    front.outcome.replies.push_back(std::move(reply));
    if (front.outcome.replies.size() < front.count) continue;
    // Taken off the queue before the call: `done` may queue more requests here.
    Pending finished = std::move(front);
    pending_.pop_front();
    finished.done(finished.outcome);
  }
  return generation_ == generation;  // false: a callback's request failed the connection
}

void Pipeline::check_deadline(std::chrono::steady_clock::time_point now) {
  if (!pending_.empty() && pending_.front().deadline <= now) fail("reply timed out");
}

void Pipeline::fail(std::string_view error) {
  disconnect();
  std::deque<Pending> failed;
  failed.swap(pending_);
  on_failure_(error);
  std::string message = "cache node " + name_ + " failed: " + std::string(error);
  for (Pending& p : failed) {
    p.outcome = {false, {}, message};
    p.done(p.outcome);
  }
}

}  // namespace cachet::gateway
