// The standalone gateway's event source: one subscription per cache node feeding one EventHub,
// so GET /v1/events streams the changes of every node merged into one id space (the hub's).
//
// Each node has a thread with a blocking RespClient that (1) makes sure the node publishes what
// the hub needs: CONFIG GET notify-keyspace-events and, when the keyevent channels or a class
// of "A" plus expired and evicted are missing, CONFIG SET of the merged value (user-visible on
// the node, as in the embedded API; a node that refuses CONFIG is subscribed anyway: its
// operator must have set "EA" or more); (2) PSUBSCRIBEs EventHub::kKeyeventPattern; (3) hands
// every pmessage to the hub; (4) every `retry`, PINGs the subscription and checks the node's
// notify-keyspace-events again (listen()). A lost connection is retried every `retry`; when the
// subscription is back after one was lost, the events in between are unknown, so the hub gets
// lose() (every stream sees a `reset`). A node that restarted comes back with its configuration
// reset: step (1) turns the notifications on again. The first failure of each outage is written to
// stderr.
//
// Thread safety: subscribed() from any thread; the node threads only call EventHub::publish and
// lose, which are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/event_hub.h"
#include "net/tls.h"

namespace cachet::gateway {

class RespClient;

struct NodeAddress {
  std::string name, host;  // name: "host:port", for messages
  uint16_t port = 0;
};

class NodeEvents {
 public:
  // Starts one subscriber thread per node. `timeout` bounds each command and connect.
  NodeEvents(EventHub& hub, const std::vector<NodeAddress>& nodes,
             std::chrono::milliseconds timeout, std::chrono::milliseconds retry,
             std::shared_ptr<const net::TlsContext> tls);
  // Stops and joins the threads (within about kPoll).
  ~NodeEvents();
  NodeEvents(const NodeEvents&) = delete;
  NodeEvents& operator=(const NodeEvents&) = delete;

  // Every node's subscription is established.
  bool subscribed() const;

  static constexpr std::chrono::milliseconds kPoll{200};  // how often a thread checks for stop

 private:
  struct Node {
    NodeAddress address;
    std::atomic<bool> subscribed{false};
    std::thread thread;
  };
  void loop(Node& node);
  // CONFIG GET notify-keyspace-events and, when it lacks what the hub needs, CONFIG SET of the
  // merged value (`changed` when it was accepted). False with `error` set when the node could
  // not be asked.
  bool enable_notifications(RespClient& client, bool& changed, std::string& error);
  // Connects, turns the notifications on and subscribes; false with `error` set on failure.
  bool subscribe(RespClient& client, std::string& error);
  // Hands the subscription's messages to the hub until it fails (`error` says why) or the
  // threads stop. Every `retry_` it PINGs the subscription (the node must answer within
  // `timeout_`, else the connection is dropped: a half-open connection would wait forever) and
  // checks the node's notify-keyspace-events on `control`, setting it again (and telling the
  // hub events were lost) when someone removed the flags the hub needs.
  void listen(const NodeAddress& a, RespClient& client, RespClient& control, std::string& error);
  // Waits `for_` unless stopped first; false when stopping.
  bool pause(std::chrono::milliseconds for_);

  EventHub& hub_;
  const std::chrono::milliseconds timeout_, retry_;
  const std::shared_ptr<const net::TlsContext> tls_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stop_{false};  // set under mutex_, so a pause() cannot miss it
};

}  // namespace cachet::gateway
