// The embedded API's EventSource: SSE streams fed by this process's keyspace notifications.
//
// Source: on the first stream the hub turns on the notification classes it needs (keyevent
// channels, every write class, expired, evicted: "EA", merged into notify-keyspace-events, which
// CONFIG GET then shows; a later CONFIG SET that drops them is undone by the next stream) and
// subscribes one connection-less PubSub subscriber (id kSubscriberId, a `sink`) to the pattern
// __keyevent@0__:*. So every change of a database-0 key reaches it: the API's own writes, RESP
// clients', active and lazy expiry, eviction. Keys under the tag index's reserved prefix are
// skipped.
//
// Delivery: the sink (any thread, possibly under store shard locks: it only takes the hub's leaf
// mutex and a worker's task list) appends the event to one global EventRing and posts a
// delivery task to each worker that has streams, unless one is pending already. The task copies
// the events it has not seen and writes each stream's matching ones into its connection's
// output. A worker that falls behind the whole ring, or a client asking for an id the ring no
// longer holds, gets a `reset` event. A stream's connection is held (hold_until_event): the idle
// timeout leaves it open, a shutdown does not wait for it; its output is bounded
// (kStreamOutputLimit): a client that stops reading is closed. Each worker with streams writes
// a heartbeat comment every `heartbeat`.
//
// Lock order: PubSub's shard lock, then mutex_, then a worker's task-list mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/events.h"
#include "server/instance.h"

namespace cachet::net {
class Worker;
}

namespace cachet::gateway {

class EventHub final : public EventSource {
 public:
  static constexpr uint64_t kSubscriberId = UINT64_MAX;  // never a client's id
  static constexpr size_t kStreamOutputLimit = 1024 * 1024;

  explicit EventHub(server::Instance& instance, size_t replay = 10000,
                    std::chrono::milliseconds heartbeat = std::chrono::seconds(15));
  // After the workers that run streams have stopped.
  ~EventHub() override;

  void open(net::Connection& conn, std::string_view prefix,
            std::string_view last_event_id) override;
  void close(net::Connection& conn) override;

 private:
  struct Stream {
    uint64_t conn;
    std::string prefix;
    uint64_t sent;  // seq up to which this stream is served
  };
  // One worker's streams. `worker` never changes; `streams` and `cursor` are touched on the
  // worker's thread only (cursor also under mutex_).
  struct Local {
    net::Worker* worker;
    std::atomic<size_t> streams_count{0};
    std::atomic<bool> scheduled{false};  // a delivery task is posted and has not started
    uint64_t cursor = 0;                 // seq up to which the worker has taken events
    std::vector<Stream> streams;
  };

  // Turns the notifications on if they are off, and subscribes once.
  void ensure_source();
  // The PubSub sink: one RESP2 pmessage.
  void on_message(std::string_view message);
  // On `local`'s worker: writes the new events to its streams.
  void deliver(Local& local);
  void heartbeat(Local& local);
  // Worker thread: the calling worker's Local, created (with its heartbeat timer) on first use.
  Local& local_of(net::Worker& worker);
  // Sends what was appended to the connections of `ids` (one may close: over its output limit).
  static void send_all(net::Worker& worker, const std::vector<uint64_t>& ids);

  server::Instance& instance_;
  const std::string boot_;
  const std::chrono::milliseconds heartbeat_;
  std::once_flag subscribed_;
  server::Subscriptions subs_;  // the hub's own subscription (set once, in ensure_source)
  std::mutex mutex_;
  EventRing ring_;                              // guarded by mutex_
  std::vector<std::unique_ptr<Local>> locals_;  // guarded by mutex_ (append only)
};

}  // namespace cachet::gateway
