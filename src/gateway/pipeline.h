// One worker thread's connection to one cache server, driven by the worker's event loop (no
// thread ever waits on it). Requests from all of the worker's HTTP connections queue here; their
// commands are written together once per event-loop turn (Worker::defer), and replies, which a
// RESP server sends in order, complete the requests front to back as they arrive.
//
// Failure: a refused or lost connection, a malformed reply, or a request older than the timeout
// fails every queued request (their Done gets ok == false) and reports the error through
// `on_failure` (the backend ejects the node). The next send() reconnects. An idle connection the
// server closes is simply dropped. With a TLS context the connection speaks TLS (the handshake
// starts once the TCP connect finishes and runs inside the first writes and reads).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "gateway/backend.h"
#include "net/buffer.h"
#include "net/worker.h"

namespace cachet::gateway {

class Pipeline final : public net::Watcher {
 public:
  // `name` ("host:port") prefixes the errors it reports: "cache node NAME failed: ...".
  Pipeline(net::Worker& worker, std::string name, std::string host, uint16_t port,
           std::chrono::milliseconds timeout, std::shared_ptr<const net::TlsContext> tls,
           std::function<void(std::string_view error)> on_failure);
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Queues `commands` (encoded at once; they need not outlive the call); `done` gets their
  // replies. Worker thread only.
  void send(std::span<const Command> commands, Done done);
  // Fails the queue if its oldest request has waited longer than the timeout.
  void check_deadline(std::chrono::steady_clock::time_point now);
  void on_events(uint32_t events) override;

 private:
  struct Pending {
    size_t count;  // replies this request waits for
    Done done;
    std::chrono::steady_clock::time_point deadline;
    Outcome outcome;
  };
  bool connect(std::string& error);
  void schedule_flush();
  void flush();
  void read();
  // Parses complete replies at the front of the input, completing requests.
  bool deliver();
  void fail(std::string_view error);
  void disconnect();

  net::Worker& worker_;
  std::string name_;
  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<const net::TlsContext> tls_;
  std::function<void(std::string_view)> on_failure_;
  int fd_ = -1;
  std::unique_ptr<net::TlsSession> session_;  // with tls_, once connected
  bool connected_ = false;                    // the non-blocking connect finished
  bool flush_scheduled_ = false;              // a deferred flush() is pending
  std::string out_;                           // encoded commands not yet written
  size_t sent_ = 0;                           // bytes of out_ already written
  net::InputBuffer in_;                       // reply bytes not yet parsed
  uint64_t generation_ = 0;                   // counts disconnects, so a loop notices one under it
  std::deque<Pending> pending_;               // sent or queued requests, oldest first
};

}  // namespace cachet::gateway
