#include "gateway/node_events.h"

#include <cstdio>
#include <optional>
#include <utility>

#include "gateway/resp_client.h"
#include "server/notify.h"

namespace cachet::gateway {
namespace {

bool is_error(const resp::Reply& reply) { return reply.type == resp::Reply::Type::kError; }

// A subscribed connection's answer to PING: ["pong", ""].
bool is_pong(const resp::Reply& reply) {
  return reply.elements.size() == 2 && reply.elements[0].text == "pong";
}

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

bool NodeEvents::enable_notifications(RespClient& client, bool& changed, std::string& error) {
  std::vector<resp::Reply> replies;
  const std::vector<std::string_view> get = {"CONFIG", "GET", "notify-keyspace-events"};
  if (!client.run(std::span(&get, 1), replies, error)) return false;
  std::string value = missing_flags(replies[0]);
  changed = false;
  if (value.empty()) return true;
  const std::vector<std::string_view> set = {"CONFIG", "SET", "notify-keyspace-events", value};
  if (!client.run(std::span(&set, 1), replies, error)) return false;
  changed = !is_error(replies[0]);  // (a node that refuses is left as its operator set it)
  return true;
}

bool NodeEvents::subscribe(RespClient& client, std::string& error) {
  bool changed = false;
  if (!enable_notifications(client, changed, error)) return false;
  std::vector<resp::Reply> replies;
  const std::vector<std::string_view> sub = {"PSUBSCRIBE", EventHub::kKeyeventPattern};
  if (!client.run(std::span(&sub, 1), replies, error)) return false;
  if (is_error(replies[0]) || replies[0].elements.empty() ||
      replies[0].elements[0].text != "psubscribe") {
    error = "PSUBSCRIBE refused: " + replies[0].text;
    return false;
  }
  return true;
}

void NodeEvents::listen(const NodeAddress& a, RespClient& client, RespClient& control,
                        std::string& error) {
  using Clock = std::chrono::steady_clock;
  const std::vector<std::string_view> ping = {"PING"};
  auto next_check = Clock::now() + retry_;
  std::optional<Clock::time_point> pong_due;  // a PING is unanswered
  resp::Reply message;
  while (!stop_.load()) {
    RespClient::Next next = client.next_message(message, kPoll, error);
    if (next == RespClient::Next::kFailed) return;
    if (next == RespClient::Next::kMessage) {
      if (is_pong(message)) {
        pong_due.reset();
      } else {
        hub_.publish(message);
      }
    }
    auto now = Clock::now();
    if (pong_due && now > *pong_due) {
      error = "no reply to PING";
      return client.disconnect();
    }
    if (now < next_check) continue;
    next_check = now + retry_;
    if (!pong_due) {
      if (!client.send(std::span(&ping, 1), error)) return;
      pong_due = now + timeout_;
    }
    std::string ignored;  // a failing node fails the PING too
    if (bool changed = false; enable_notifications(control, changed, ignored) && changed) {
      hub_.lose("notify-keyspace-events of cache node " + a.name +
                " no longer had what the gateway needs (set again): its events were lost");
    }
  }
}

void NodeEvents::loop(Node& node) {
  const NodeAddress& a = node.address;
  RespClient client(a.host, a.port, timeout_, tls_), control(a.host, a.port, timeout_, tls_);
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
    listen(a, client, control, error);
    node.subscribed.store(false, std::memory_order_relaxed);
    if (stop_.load()) return;
    std::fprintf(stderr, "cachet-gateway: events of cache node %s: subscription lost: %s\n",
                 a.name.c_str(), error.c_str());
    lost = true;
  }
}

}  // namespace cachet::gateway
