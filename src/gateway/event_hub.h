// The EventSource both gateways use: SSE streams fed by keyspace notifications (pmessages of the
// pattern __keyevent@0__:*, kKeyeventPattern) from any number of sources. The embedded API
// feeds it this process's PubSub (LocalBackend); the standalone gateway one subscription per
// cache node (NodeEvents, node_events.h). Keys under the tag index's reserved prefix are skipped.
//
// Delivery: publish() (any thread, possibly under store shard locks: it only takes the hub's
// leaf mutex and a worker's task list) appends the event to one global EventRing and posts a
// delivery task to each worker that has streams, unless one is pending already. The task copies
// the events it has not seen and writes each stream's matching ones into its connection's
// output. A worker that falls behind the whole ring, a client asking for an id the ring no
// longer holds, and every stream open when a source reports a gap (lose(): a node's
// notifications were interrupted) get a `reset` event. A stream's connection is held
// (hold_until_event): the idle timeout leaves it open, a shutdown does not wait for it; its
// output is bounded (kStreamOutputLimit): a client that stops reading is closed. Each worker
// with streams writes a heartbeat comment every `heartbeat`.
//
// Lock order: a source's locks (PubSub's shard lock), then mutex_, then a worker's task-list
// mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/events.h"
#include "resp/reply.h"
#include "server/notify.h"

namespace cachet::net {
class Worker;
}

namespace cachet::gateway {

class EventHub final : public EventSource {
 public:
  static constexpr size_t kStreamOutputLimit = 1024 * 1024;

  static constexpr std::string_view kKeyeventPattern = "__keyevent@0__:*";
  // The notify-keyspace-events classes a source must turn on ("EA": keyevent channels, every
  // write class, expired, evicted).
  static constexpr uint32_t kNotifyNeeded = server::kNotifyKeyevent | server::kNotifyAll;

  // `start` runs at the beginning of every open(), on its thread (a source that starts lazily
  // or keeps its notifications on); may be empty. Destroy after the workers that run streams
  // have stopped.
  explicit EventHub(std::function<void()> start = {}, size_t replay = 10000,
                    std::chrono::milliseconds heartbeat = std::chrono::seconds(15));

  // A RESP pmessage of kKeyeventPattern: ["pmessage", pattern, channel, key]; anything else is
  // ignored. Thread-safe.
  void publish(const resp::Reply& pmessage);
  // Events may have been lost (`reason` says why): every stream gets a `reset`, and no id from
  // before is replayed. Thread-safe.
  void lose(std::string_view reason);

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

  // Under mutex_: posts a delivery task to each worker with streams that has none pending.
  void schedule_locked();
  // On `local`'s worker: writes the new events to its streams.
  void deliver(Local& local);
  void heartbeat(Local& local);
  // Worker thread: the calling worker's Local, created (with its heartbeat timer) on first use.
  Local& local_of(net::Worker& worker);
  // Sends what was appended to the connections of `ids` (one may close: over its output limit).
  static void send_all(net::Worker& worker, const std::vector<uint64_t>& ids);

  const std::function<void()> start_;
  const std::string boot_;
  const std::chrono::milliseconds heartbeat_;
  std::mutex mutex_;
  EventRing ring_;                              // guarded by mutex_
  uint64_t gap_ = 0;                            // guarded by mutex_: ring seq of the last lose()
  std::string gap_reason_;                      // guarded by mutex_
  std::vector<std::unique_ptr<Local>> locals_;  // guarded by mutex_ (append only)
};

}  // namespace cachet::gateway
