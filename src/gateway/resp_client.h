// A blocking connection to one cache server, speaking RESP, for the health checker's and the
// node event subscribers' threads:
// pipelines a batch of commands in one write and reads their replies, every wait bounded by a
// timeout. Reconnects on the next call after any failure. One thread at a time. (Requests use
// the event-driven Pipeline instead.) Also the socket helpers both share. With a TLS context,
// both speak TLS to the server (verifying it against the context's CA; no host name check).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/tls.h"
#include "resp/reply.h"

namespace cachet::gateway {

class RespClient {
 public:
  // `tls`: speak TLS (null: plain TCP).
  RespClient(std::string host, uint16_t port, std::chrono::milliseconds timeout,
             std::shared_ptr<const net::TlsContext> tls = nullptr)
      : host_(std::move(host)), port_(port), timeout_(timeout), tls_(std::move(tls)) {}
  ~RespClient() { disconnect(); }
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  // Sends `commands` and reads one reply each. On a connection error or timeout returns false
  // with `error` set, and drops the connection.
  bool run(std::span<const std::vector<std::string_view>> commands,
           std::vector<resp::Reply>& replies, std::string& error);
  // For a subscribed connection (after run() sent the SUBSCRIBE): the next message the server
  // pushes, waiting at most `wait`. kIdle when none came (the connection stays); kFailed with
  // `error` set on a connection error or a malformed message (the connection is dropped).
  enum class Next { kMessage, kIdle, kFailed };
  Next next_message(resp::Reply& message, std::chrono::milliseconds wait, std::string& error);
  // For a subscribed connection: sends `commands` (PING) without reading their replies, which
  // arrive among the messages. False with `error` set (the connection dropped) on failure.
  bool send(std::span<const std::vector<std::string_view>> commands, std::string& error);
  // Drops the connection (the next run() connects again).
  void disconnect();

 private:
  using deadline = std::chrono::steady_clock::time_point;
  bool connect(deadline until, std::string& error);
  bool send_all(std::string_view data, deadline until, std::string& error);
  bool read_replies(size_t n, std::vector<resp::Reply>& replies, deadline until,
                    std::string& error);
  bool wait(short events, deadline until);
  // Waits for what the last blocked read or write needs (TLS may need the other direction).
  bool wait_blocked(short events, deadline until);
  bool stale();

  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<const net::TlsContext> tls_;
  int fd_ = -1;
  std::unique_ptr<net::TlsSession> session_;  // with tls_, while connected
  std::string input_;
};

// Starts a non-blocking TCP connection (TCP_NODELAY) to a numeric IPv4/IPv6 `host`; returns the
// socket (the connect may still be in progress: wait for writability, then check SO_ERROR), or -1
// with `error` set.
int connect_nonblocking(const std::string& host, uint16_t port, std::string& error);

// recv and send on a connection to a cache server, through `session` when it is not null (then
// as net::TlsSession reads and writes).
ssize_t stream_recv(int fd, net::TlsSession* session, char* buf, size_t len);
ssize_t stream_send(int fd, net::TlsSession* session, const char* buf, size_t len);

// Appends the RESP multibulk encoding of each command to `out`, as clients send them.
void encode_commands(std::span<const std::vector<std::string_view>> commands, std::string& out);

// Splits "host:port" ("[v6]:port" too); false if malformed.
bool parse_host_port(std::string_view text, std::string& host, uint16_t& port);

}  // namespace cachet::gateway
