// A Backend over remote cache servers (cachet-server or redis-server): keys are placed on nodes
// by consistent hashing (ring.h), each worker thread keeps one connection per node (resp_client.h),
// and a health checker PINGs every node each interval. A node that fails a request or a check is
// ejected: its keys get 503 with a clear message, or, with `remap`, go to the next node on the
// ring; it rejoins after its next successful PING.
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
#include "gateway/resp_client.h"
#include "gateway/ring.h"

namespace cachet::gateway {

struct RemoteOptions {
  std::vector<std::string> nodes;                   // "host:port" (numeric IPs)
  std::chrono::milliseconds timeout{1000};          // per request and per health check
  std::chrono::milliseconds health_interval{1000};  // between health checks
  bool remap = false;  // send an ejected node's keys to the next node instead of failing
};

class RemoteBackend final : public Backend {
 public:
  // Validates the node addresses; returns null with `error` set if one is malformed.
  static std::unique_ptr<RemoteBackend> create(RemoteOptions options, std::string& error);
  ~RemoteBackend() override;

  bool run(std::span<const std::vector<std::string_view>> commands,
           std::vector<resp::Reply>& replies, std::string& error) override;
  // Every node answers its health check.
  bool ready() override;

 private:
  struct Node {
    std::string name, host;
    uint16_t port = 0;
    std::atomic<bool> up{true};
  };
  explicit RemoteBackend(RemoteOptions options);
  RespClient& client(int node);  // this thread's connection to `node`
  int route(std::string_view key) const;
  bool run_on(int node, std::span<const std::vector<std::string_view>> commands,
              std::vector<resp::Reply>& replies, std::string& error);
  void health_loop();

  RemoteOptions options_;
  Ring ring_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread health_;
};

}  // namespace cachet::gateway
