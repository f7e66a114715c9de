// A Backend over remote cache servers (cachet-server or redis-server): keys are placed on nodes
// by consistent hashing (ring.h); each worker thread has one event-driven, pipelined connection
// per node (pipeline.h), so no thread waits on a cache server; a health checker thread PINGs
// every node each interval. A node that fails a request or a check is ejected: its keys get 503
// with a clear message, or, with `remap`, go to the next node on the ring; it rejoins after its
// next successful PING. Key change events (GET /v1/events) come from one keyspace-notification
// subscription per node (node_events.h), merged by one EventHub.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/backend.h"
#include "gateway/event_hub.h"
#include "gateway/node_events.h"
#include "gateway/pipeline.h"
#include "gateway/ring.h"

namespace cachet::gateway {

struct RemoteOptions {
  std::vector<std::string> nodes;                   // "host:port" (numeric IPs)
  std::chrono::milliseconds timeout{1000};          // per request and per health check
  std::chrono::milliseconds health_interval{1000};  // between health checks
  bool remap = false;  // send an ejected node's keys to the next node instead of failing
  bool events = true;  // subscribe to every node's keyevents for GET /v1/events (--no-events)
  int workers = 1;     // worker threads that will call run() (net::Worker::index() < workers)
  std::shared_ptr<const net::TlsContext> tls;  // speak TLS to the nodes (null: plain TCP)
};

class RemoteBackend final : public Backend {
 public:
  // Validates the node addresses; returns null with `error` set if one is malformed.
  static std::unique_ptr<RemoteBackend> create(RemoteOptions options, std::string& error);
  // Destroy after the server whose workers call run() has stopped.
  ~RemoteBackend() override;

  void run(net::Worker& worker, std::string_view user, std::span<const Command> commands,
           Done done) override;
  // Every node answers its health check and its event subscription (if any) is established.
  bool ready() override;
  EventSource* events() override { return node_events_ ? &hub_ : nullptr; }
  int nodes() const override { return static_cast<int>(nodes_.size()); }
  void run_on_node(net::Worker& worker, std::string_view /*user*/, int node,
                   std::span<const Command> commands, Done done) override {
    run_on(worker, node, commands, std::move(done));
  }

 private:
  struct Node {
    NodeAddress address;
    std::atomic<bool> up{true};
  };
  // One worker's connections, one per node; touched only by that worker's thread.
  using Links = std::vector<std::unique_ptr<Pipeline>>;
  explicit RemoteBackend(RemoteOptions options);
  Links& links(net::Worker& worker);
  int route(std::string_view key) const;
  // The node of a command's key: its first argument, or for EVAL/EVALSHA its first key.
  int route(const Command& command) const;
  // Sends `commands` to `node`, or fails `done` at once if the node is ejected.
  void run_on(net::Worker& worker, int node, std::span<const Command> commands, Done done);
  // Commands on several nodes (or none available): one send per node, replies gathered.
  void run_split(net::Worker& worker, std::span<const Command> commands, Done done);
  void health_loop();

  RemoteOptions options_;
  Ring ring_;
  std::vector<std::unique_ptr<Node>> nodes_;
  EventHub hub_;
  std::unique_ptr<NodeEvents> node_events_;  // feeds hub_ (destroyed first); null: no events
  std::vector<Links> links_;                 // by worker index
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread health_;
};

}  // namespace cachet::gateway
