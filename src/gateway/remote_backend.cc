#include "gateway/remote_backend.h"

#include <algorithm>

#include "gateway/resp_client.h"

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

RemoteBackend::RemoteBackend(RemoteOptions options)
    : options_(std::move(options)), links_(static_cast<size_t>(options_.workers)) {
  std::vector<NodeAddress> addresses;
  for (const std::string& n : options_.nodes) {
    auto node = std::make_unique<Node>();
    node->address.name = n;
    parse_host_port(n, node->address.host, node->address.port);
    addresses.push_back(node->address);
    nodes_.push_back(std::move(node));
    ring_.add(n);
  }
  if (options_.events) {
    node_events_ = std::make_unique<NodeEvents>(hub_, addresses, options_.timeout,
                                                options_.health_interval, options_.tls);
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

// Created on the worker's first request, on its thread; a timer there enforces the timeout.
RemoteBackend::Links& RemoteBackend::links(net::Worker& worker) {
  Links& mine = links_.at(static_cast<size_t>(worker.index()));
  if (!mine.empty()) return mine;
  for (const auto& n : nodes_) {
    Node* node = n.get();
    const NodeAddress& a = node->address;
    mine.push_back(std::make_unique<Pipeline>(
        worker, a.name, a.host, a.port, options_.timeout, options_.tls,
        [node](std::string_view) { node->up.store(false, std::memory_order_relaxed); }));
  }
  auto interval = std::clamp(options_.timeout / 4, std::chrono::milliseconds(10),
                             std::chrono::milliseconds(250));
  worker.add_timer(interval, [&mine] {
    auto now = std::chrono::steady_clock::now();
    for (auto& p : mine) p->check_deadline(now);
  });
  return mine;
}

// The node for `key`: its owner on the ring, or with remapping the first usable one after it.
int RemoteBackend::route(std::string_view key) const {
  int owner = ring_.owner(key);
  if (nodes_[owner]->up.load(std::memory_order_relaxed) || !options_.remap) return owner;
  return ring_.owner_if(key, [&](int n) { return nodes_[n]->up.load(std::memory_order_relaxed); });
}

void RemoteBackend::run_on(net::Worker& worker, int node, std::span<const Command> commands,
                           Done done) {
  const Node& n = *nodes_[node];
  if (!n.up.load(std::memory_order_relaxed)) {
    Outcome ejected{false,
                    {},
                    "cache node " + n.address.name +
                        " is unavailable (ejected; it rejoins when it answers a health check)"};
    return done(ejected);
  }
  links(worker)[node]->send(commands, std::move(done));
}

// -1 when no node is available.
int RemoteBackend::route(const Command& command) const {
  bool script = command[0] == "EVAL" || command[0] == "EVALSHA";
  size_t key = script ? 3 : 1;  // EVAL script numkeys key...
  return route(command.size() > key ? command[key] : std::string_view());
}

void RemoteBackend::run(net::Worker& worker, std::string_view /*user*/,
                        std::span<const Command> commands, Done done) {
  int first = route(commands[0]);
  bool one_node = first >= 0 && std::all_of(commands.begin() + 1, commands.end(),
                                            [&](const Command& c) { return route(c) == first; });
  if (one_node) return run_on(worker, first, commands, std::move(done));
  run_split(worker, commands, std::move(done));
}

// Sends each node its commands (in their order) and puts the replies back in the caller's order
// once every node has answered; any node's failure fails the whole call.
void RemoteBackend::run_split(net::Worker& worker, std::span<const Command> commands, Done done) {
  std::vector<std::vector<size_t>> by_node(nodes_.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    int node = route(commands[i]);
    if (node < 0) {
      Outcome none{false, {}, "no cache node is available"};
      return done(none);
    }
    by_node[node].push_back(i);
  }
  struct Gather {
    Outcome outcome;
    size_t waiting = 0;
    Done done;
  };
  auto gather = std::make_shared<Gather>();
  gather->outcome.replies.resize(commands.size());
  gather->done = std::move(done);
  for (const auto& indices : by_node) gather->waiting += indices.empty() ? 0 : 1;
  std::vector<Command> batch;
  for (size_t node = 0; node < by_node.size(); ++node) {
    if (by_node[node].empty()) continue;
    batch.clear();
    for (size_t i : by_node[node]) batch.push_back(commands[i]);
    run_on(worker, static_cast<int>(node), batch,
           [gather, indices = std::move(by_node[node])](Outcome& part) {
             Outcome& all = gather->outcome;
             if (!part.ok && all.ok) all = {false, {}, part.error};
             for (size_t k = 0; all.ok && k < part.replies.size(); ++k) {
               all.replies[indices[k]] = std::move(part.replies[k]);
             }
             if (--gather->waiting == 0) gather->done(all);
           });
  }
}

bool RemoteBackend::ready() {
  for (const auto& n : nodes_) {
    if (!n->up.load(std::memory_order_relaxed)) return false;
  }
  return !node_events_ || node_events_->subscribed();
}

void RemoteBackend::health_loop() {
  std::vector<std::unique_ptr<RespClient>> checkers;
  for (const auto& n : nodes_) {
    checkers.push_back(std::make_unique<RespClient>(n->address.host, n->address.port,
                                                    options_.timeout, options_.tls));
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
