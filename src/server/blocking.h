// Clients blocked on keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP): who waits for which key, in
// the order they blocked, and how they are served when a write makes a key ready.
//
// Flow: a blocking command that finds every key empty registers a Waiter while it still holds
// the keys' shard locks, and sends no reply. Any write command notes its keys (note_ready, on the
// writer's thread); when the outermost command ends (no lock held, EXEC's included) the writer's
// thread serves the noted keys: for each key, the first waiter is served from it while the key
// has elements. Serving takes the waiter's key locks, then claims the waiter; a claimed waiter is
// gone from every queue, so a client blocked on several keys is served once. The reply is handed
// to the client through Waiter::deliver (thread-safe: a post to its worker).
//
// Lock order: shard locks, then mutex_ (registration and claims happen under shard locks); the
// registry never takes a shard lock while holding mutex_. A key noted before a waiter registered
// is still seen by it: registration checks the keys under the same shard locks the write held.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "resp/writer.h"

namespace cachet::server {

class Instance;
struct Waiter;

// What serving a waiter from one key came to. kOtherType: the key holds a type this waiter does
// not pop (a list for BZPOPMIN, a sorted set for BLPOP); the waiters behind it may take it.
enum class Served { kServed, kEmpty, kGone, kOtherType };

// Serves `w` from the key `key`: takes the locks the command needs, returns kEmpty if the key
// holds nothing, kOtherType if it holds another type than `w` pops, else calls claim() — false
// means the waiter was served or cancelled elsewhere (return kGone) — then pops (or moves) and
// writes the reply to `out`.
using ServeFn = Served (*)(Instance& instance, const Waiter& w, std::string_view key,
                           const std::function<bool()>& claim, resp::Writer& out);

struct Waiter {
  uint64_t client_id = 0;
  int db = 0;
  int protocol = 2;
  std::vector<std::string> args;  // the blocking command as sent
  std::vector<std::string> keys;  // the keys waited on, in the order given
  int64_t deadline_ms = 0;        // 0: forever
  ServeFn serve = nullptr;
  // Writes the command's reply when served, timed out or unblocked. Thread-safe.
  std::function<void(std::string reply)> deliver;
  // The reply on timeout (a null of the command's type, in the client's protocol).
  std::string timeout_reply;

  mutable bool done = false;  // guarded by the registry's mutex
  std::multimap<int64_t, std::shared_ptr<Waiter>>::iterator deadline_it;  // valid with a deadline
};

class BlockingRegistry {
 public:
  // Queues `w` on each of its keys. Call holding the shard locks of those keys.
  void add(std::shared_ptr<Waiter> w);
  // Takes `w` off every queue if it still waits; returns whether it did (the caller then owns
  // the reply). Used by claims, timeouts, disconnects and CLIENT UNBLOCK.
  bool cancel(const Waiter& w);
  // The waiter of client `id` if it is blocked, else null.
  std::shared_ptr<Waiter> find_client(uint64_t id);

  // Whether any client is blocked (a relaxed read: cheap enough for every write command).
  bool anyone_waiting() const { return waiting_.load(std::memory_order_relaxed) > 0; }
  size_t blocked_clients() const { return waiting_.load(std::memory_order_relaxed); }
  // The count of blocked clients itself (the store's KeyEventListener::deletion_gate).
  const std::atomic<size_t>* waiting_counter() const { return &waiting_; }

  // Notes that `key` of `db` may have gained elements, for serve_ready on this thread.
  void note_ready(int db, std::string_view key);
  // Notes every key a client waits on in database `db` (in every database if `db` is -1): after
  // a flush, so that waiters that must learn their key is gone (a stream's group readers) do.
  void note_flushed(int db);
  // Serves the waiters of every key noted on this thread. Call holding no lock.
  void serve_ready(Instance& instance);
  // Delivers the timeout reply to every waiter whose deadline is at or before `now_ms`.
  void expire(int64_t now_ms);
  // Whether keys were noted on this thread and not yet served.
  static bool has_ready();

 private:
  static std::string queue_name(int db, std::string_view key);
  // The waiter at `index` in the queue of `name`, or null.
  std::shared_ptr<Waiter> waiter_at(const std::string& name, size_t index);
  void unlink(const Waiter& w);  // requires mutex_

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::deque<std::shared_ptr<Waiter>>> queues_;  // by mutex_
  std::unordered_map<uint64_t, std::shared_ptr<Waiter>> by_client_;              // by mutex_
  std::multimap<int64_t, std::shared_ptr<Waiter>> deadlines_;                    // by mutex_
  std::atomic<size_t> waiting_{0};
};

}  // namespace cachet::server
