#include "gateway/resp_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "resp/writer.h"

namespace cachet::gateway {

void encode_commands(std::span<const std::vector<std::string_view>> commands, std::string& out) {
  resp::Writer w(out);
  for (const auto& args : commands) {
    w.array(args.size());
    for (std::string_view a : args) w.bulk(a);
  }
}

int connect_nonblocking(const std::string& host, uint16_t port, std::string& error) {
  sockaddr_storage addr{};
  socklen_t len;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    error = "backend address must be a numeric IP: " + host;
    return -1;
  }
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 && errno != EINPROGRESS) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

bool parse_host_port(std::string_view text, std::string& host, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = text.substr(0, colon), p = text.substr(colon + 1);
  if (h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || ptr != p.data() + p.size() || value == 0 || value > 65535) return false;
  host.assign(h);
  port = static_cast<uint16_t>(value);
  return true;
}

void RespClient::disconnect() {
  session_.reset();  // its close_notify needs the socket
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  input_.clear();
}

bool RespClient::wait(short events, deadline until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, events, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(left.count()));
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

// An idle connection has nothing to read; if it is readable, the server closed it (or sent
// something unasked): either way it cannot be trusted with the next request.
bool RespClient::stale() {
  pollfd p{fd_, POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, 0) != 0;
}

ssize_t stream_recv(int fd, net::TlsSession* session, char* buf, size_t len) {
  return session ? session->read(buf, len) : ::recv(fd, buf, len, 0);
}

ssize_t stream_send(int fd, net::TlsSession* session, const char* buf, size_t len) {
  return session ? session->write(buf, len) : ::send(fd, buf, len, MSG_NOSIGNAL);
}

bool RespClient::wait_blocked(short events, deadline until) {
  if (session_) events = session_->wants_write() ? POLLOUT : POLLIN;
  return wait(events, until);
}

bool RespClient::connect(deadline until, std::string& error) {
  fd_ = connect_nonblocking(host_, port_, error);
  if (fd_ < 0) return false;
  int so_error = 0;
  socklen_t so_len = sizeof so_error;
  if (!wait(POLLOUT, until) || getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0 ||
      so_error != 0) {
    error = so_error ? std::strerror(so_error) : "connect timed out";
    disconnect();
    return false;
  }
  if (tls_)
    session_ = std::make_unique<net::TlsSession>(*tls_, fd_, net::TlsSession::Role::kClient);
  return true;
}

bool RespClient::send_all(std::string_view data, deadline until, std::string& error) {
  while (!data.empty()) {
    ssize_t n = stream_send(fd_, session_.get(), data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_blocked(POLLOUT, until)) {
        error = "write timed out";
        return false;
      }
    } else {
      error = std::strerror(errno);
      return false;
    }
  }
  return true;
}

bool RespClient::read_replies(size_t n, std::vector<resp::Reply>& replies, deadline until,
                              std::string& error) {
  replies.clear();
  size_t pos = 0;
  while (replies.size() < n) {
    size_t used = 0;
    resp::Reply r;
    resp::ReplyStatus s = resp::parse_reply(std::string_view(input_).substr(pos), r, used);
    if (s == resp::ReplyStatus::kOk) {
      replies.push_back(std::move(r));
      pos += used;
      continue;
    }
    if (s == resp::ReplyStatus::kError) {
      error = "malformed reply";
      return false;
    }
    char buf[16384];
    ssize_t got = stream_recv(fd_, session_.get(), buf, sizeof buf);
    if (got > 0) {
      input_.append(buf, static_cast<size_t>(got));
    } else if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_blocked(POLLIN, until)) {
        error = "reply timed out";
        return false;
      }
    } else {
      error = got == 0 ? "connection closed" : std::strerror(errno);
      return false;
    }
  }
  input_.erase(0, pos);
  return true;
}

RespClient::Next RespClient::next_message(resp::Reply& message, std::chrono::milliseconds wait,
                                          std::string& error) {
  std::vector<resp::Reply> replies;
  if (fd_ >= 0 && read_replies(1, replies, std::chrono::steady_clock::now() + wait, error)) {
    message = std::move(replies[0]);
    return Next::kMessage;
  }
  if (fd_ >= 0 && error == "reply timed out") return Next::kIdle;
  if (fd_ < 0) error = "not connected";
  disconnect();
  return Next::kFailed;
}

bool RespClient::send(std::span<const std::vector<std::string_view>> commands, std::string& error) {
  std::string out;
  encode_commands(commands, out);
  if (fd_ >= 0 && send_all(out, std::chrono::steady_clock::now() + timeout_, error)) return true;
  if (fd_ < 0) error = "not connected";
  disconnect();
  return false;
}

bool RespClient::run(std::span<const std::vector<std::string_view>> commands,
                     std::vector<resp::Reply>& replies, std::string& error) {
  deadline until = std::chrono::steady_clock::now() + timeout_;
  std::string out;
  encode_commands(commands, out);
  // A kept connection may have died since its last use (the server restarted): when it fails
  // before any reply byte arrived, nothing was executed twice by trying once more on a new one.
  if (fd_ >= 0 && stale()) disconnect();
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = fd_ >= 0;
    if (!reused && !connect(until, error)) return false;
    if (send_all(out, until, error) && read_replies(commands.size(), replies, until, error)) {
      return true;
    }
    bool nothing_read = input_.empty() && error != "reply timed out";
    disconnect();
    if (!reused || !nothing_read) return false;
  }
  return false;
}

}  // namespace cachet::gateway
