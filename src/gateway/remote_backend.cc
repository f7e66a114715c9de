#include "gateway/remote_backend.h"

#include <unordered_map>

namespace cachet::gateway {

std::unique_ptr<RemoteBackend> RemoteBackend::create(RemoteOptions options, std::string& error) {
  for (const std::string& n : options.nodes) {
    std::string host;
    uint16_t port = 0;
    if (!parse_host_port(n, host, port)) {
      error = "bad backend address '" + n + "' (expected host:port)";
      return nullptr;
    }
  }
  if (options.nodes.empty()) {
    error = "no backend nodes";
    return nullptr;
  }
  return std::unique_ptr<RemoteBackend>(new RemoteBackend(std::move(options)));
}

RemoteBackend::RemoteBackend(RemoteOptions options) : options_(std::move(options)) {
  for (const std::string& n : options_.nodes) {
    auto node = std::make_unique<Node>();
    node->name = n;
    parse_host_port(n, node->host, node->port);
    nodes_.push_back(std::move(node));
    ring_.add(n);
  }
  health_ = std::thread([this] { health_loop(); });
}

RemoteBackend::~RemoteBackend() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  health_.join();
}

RespClient& RemoteBackend::client(int node) {
  thread_local std::unordered_map<const RemoteBackend*, std::vector<std::unique_ptr<RespClient>>>
      clients;
  auto& mine = clients[this];
  if (mine.empty()) {
    for (const auto& n : nodes_) {
      mine.push_back(std::make_unique<RespClient>(n->host, n->port, options_.timeout));
    }
  }
  return *mine[node];
}

// The node for `key`: its owner on the ring, or with remapping the first usable one after it.
int RemoteBackend::route(std::string_view key) const {
  int owner = ring_.owner(key);
  if (nodes_[owner]->up.load(std::memory_order_relaxed) || !options_.remap) return owner;
  return ring_.owner_if(key, [&](int n) { return nodes_[n]->up.load(std::memory_order_relaxed); });
}

bool RemoteBackend::run_on(int node, std::span<const std::vector<std::string_view>> commands,
                           std::vector<resp::Reply>& replies, std::string& error) {
  Node& n = *nodes_[node];
  if (!n.up.load(std::memory_order_relaxed)) {
    error = "cache node " + n.name +
            " is unavailable (ejected; it rejoins when it answers a "
            "health check)";
    return false;
  }
  if (client(node).run(commands, replies, error)) return true;
  n.up.store(false, std::memory_order_relaxed);  // eject until the next successful check
  error = "cache node " + n.name + " failed: " + error;
  return false;
}

bool RemoteBackend::run(std::span<const std::vector<std::string_view>> commands,
                        std::vector<resp::Reply>& replies, std::string& error) {
  // Group the commands by node (the key is each command's first argument), keeping their order
  // within a node, then put the replies back in the caller's order.
  std::vector<std::vector<size_t>> by_node(nodes_.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    int node = route(commands[i].size() > 1 ? commands[i][1] : std::string_view());
    if (node < 0) {
      error = "no cache node is available";
      return false;
    }
    by_node[node].push_back(i);
  }
  replies.assign(commands.size(), resp::Reply());
  std::vector<std::vector<std::string_view>> batch;
  std::vector<resp::Reply> got;
  for (size_t node = 0; node < by_node.size(); ++node) {
    if (by_node[node].empty()) continue;
    batch.clear();
    for (size_t i : by_node[node]) batch.push_back(commands[i]);
    if (!run_on(static_cast<int>(node), batch, got, error)) return false;
    for (size_t k = 0; k < got.size(); ++k) replies[by_node[node][k]] = std::move(got[k]);
  }
  return true;
}

bool RemoteBackend::ready() {
  for (const auto& n : nodes_) {
    if (!n->up.load(std::memory_order_relaxed)) return false;
  }
  return true;
}

void RemoteBackend::health_loop() {
  std::vector<std::unique_ptr<RespClient>> checkers;
  for (const auto& n : nodes_) {
    checkers.push_back(std::make_unique<RespClient>(n->host, n->port, options_.timeout));
  }
  const std::vector<std::string_view> ping = {"PING"};
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      std::vector<resp::Reply> replies;
      std::string error;
      bool ok = checkers[i]->run(std::span(&ping, 1), replies, error) &&
                replies[0].type == resp::Reply::Type::kSimple;
      nodes_[i]->up.store(ok, std::memory_order_relaxed);
    }
    lock.lock();
    stop_cv_.wait_for(lock, options_.health_interval, [this] { return stopping_; });
  }
}

}  // namespace cachet::gateway
