#include "gateway/node_events.h"

#include <cstdio>
#include <utility>

#include "gateway/resp_client.h"
#include "server/notify.h"

namespace cachet::gateway {
namespace {

bool is_error(const resp::Reply& reply) { return reply.type == resp::Reply::Type::kError; }

// The notify-keyspace-events value to set so that the node publishes what the hub needs, or ""
// when it does already (or its CONFIG GET answer is unusable: then it is left alone).
std::string missing_flags(const resp::Reply& config_get) {
  uint32_t flags = 0;
  if (is_error(config_get) || config_get.elements.size() != 2 ||
      !server::parse_keyspace_events(config_get.elements[1].text, flags) ||
      (flags & EventHub::kNotifyNeeded) == EventHub::kNotifyNeeded) {
    return "";
  }
  return server::format_keyspace_events(flags | EventHub::kNotifyNeeded);
}

}  // namespace

NodeEvents::NodeEvents(EventHub& hub, const std::vector<NodeAddress>& nodes,
                       std::chrono::milliseconds timeout, std::chrono::milliseconds retry,
                       std::shared_ptr<const net::TlsContext> tls)
    : hub_(hub), timeout_(timeout), retry_(retry), tls_(std::move(tls)) {
  for (const NodeAddress& address : nodes) {
    nodes_.push_back(std::make_unique<Node>());
    nodes_.back()->address = address;
  }
  for (auto& node : nodes_) node->thread = std::thread([this, n = node.get()] { loop(*n); });
}

NodeEvents::~NodeEvents() {
  {
    std::lock_guard lock(mutex_);
    stop_.store(true);
  }
  stop_cv_.notify_all();
  for (auto& node : nodes_) node->thread.join();
}

bool NodeEvents::subscribed() const {
  for (const auto& node : nodes_) {
    if (!node->subscribed.load(std::memory_order_relaxed)) return false;
  }
  return true;
}

bool NodeEvents::pause(std::chrono::milliseconds for_) {
  std::unique_lock lock(mutex_);
  return !stop_cv_.wait_for(lock, for_, [this] { return stop_.load(); });
}

bool NodeEvents::subscribe(RespClient& client, std::string& error) {
  std::vector<resp::Reply> replies;
  const std::vector<std::string_view> get = {"CONFIG", "GET", "notify-keyspace-events"};
  if (!client.run(std::span(&get, 1), replies, error)) return false;
  if (std::string value = missing_flags(replies[0]); !value.empty()) {
    const std::vector<std::string_view> set = {"CONFIG", "SET", "notify-keyspace-events", value};
    if (!client.run(std::span(&set, 1), replies, error)) return false;
  }
  const std::vector<std::string_view> sub = {"PSUBSCRIBE", EventHub::kKeyeventPattern};
  if (!client.run(std::span(&sub, 1), replies, error)) return false;
  if (is_error(replies[0]) || replies[0].elements.empty() ||
      replies[0].elements[0].text != "psubscribe") {
    error = "PSUBSCRIBE refused: " + replies[0].text;
    return false;
  }
  return true;
}

void NodeEvents::loop(Node& node) {
  const NodeAddress& a = node.address;
  RespClient client(a.host, a.port, timeout_, tls_);
  bool lost = false;      // a subscription of this node was lost: events may be missing since
  bool reported = false;  // this outage is on stderr already
  std::string error;
  while (!stop_.load()) {
    if (!subscribe(client, error)) {
      if (!std::exchange(reported, true)) {
        std::fprintf(stderr, "cachet-gateway: events of cache node %s: %s (retrying)\n",
                     a.name.c_str(), error.c_str());
      }
      if (!pause(retry_)) return;
      continue;
    }
    reported = false;
    if (lost) hub_.lose("cache node " + a.name + " was unreachable: its events were lost");
    node.subscribed.store(true, std::memory_order_relaxed);
    resp::Reply message;
    RespClient::Next next;
    while ((next = client.next_message(message, kPoll, error)) != RespClient::Next::kFailed) {
      if (next == RespClient::Next::kMessage) hub_.publish(message);
      if (stop_.load()) return;
    }
    node.subscribed.store(false, std::memory_order_relaxed);
    lost = true;
  }
}

}  // namespace cachet::gateway
