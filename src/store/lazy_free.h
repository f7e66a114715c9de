// Freeing large values off the request path (UNLINK, FLUSHDB/FLUSHALL ASYNC), as Redis's lazyfree
// thread does: the caller unlinks and accounts for the value under the shard lock, then hands it
// here; one background thread frees it. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include "store/entry.h"
#include "store/table.h"

namespace cachet::store {

class LazyFreer {
 public:
  // Redis's LAZYFREE_THRESHOLD: a value with more elements than this is freed in the background.
  static constexpr size_t kThreshold = 64;

  LazyFreer();
  // Frees what is still queued, then stops the thread.
  ~LazyFreer();
  LazyFreer(const LazyFreer&) = delete;
  LazyFreer& operator=(const LazyFreer&) = delete;

  // Takes ownership of an unlinked entry (freed with free_entry) or a whole table of entries.
  void free_later(Entry* e);
  void free_later(std::unique_ptr<Table> table);
  // Objects queued and not yet freed (INFO lazyfree_pending_objects).
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  // Objects freed so far (INFO lazyfreed_objects).
  size_t freed() const { return freed_.load(std::memory_order_relaxed); }

 private:
  using Job = std::variant<Entry*, std::unique_ptr<Table>>;
  void push(Job job);
  void run();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;  // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::atomic<size_t> pending_{0};
  std::atomic<size_t> freed_{0};
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace cachet::store
