#include "server/blocking.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace cachet::server {
namespace {

// Keys noted on this thread by write commands, served when the outermost command ends.
thread_local std::vector<std::pair<int, std::string>> ready_keys;

}  // namespace

std::string BlockingRegistry::queue_name(int db, std::string_view key) {
  return fmt::format("{}:{}", db, key);
}

void BlockingRegistry::add(std::shared_ptr<Waiter> w) {
  std::lock_guard lock(mutex_);
  for (const std::string& key : w->keys) queues_[queue_name(w->db, key)].push_back(w);
  if (w->deadline_ms != 0) w->deadline_it = deadlines_.emplace(w->deadline_ms, w);
  by_client_[w->client_id] = w;
  waiting_.fetch_add(1, std::memory_order_relaxed);
}

void BlockingRegistry::unlink(const Waiter& w) {
  for (const std::string& key : w.keys) {
    auto it = queues_.find(queue_name(w.db, key));
    if (it == queues_.end()) continue;
    auto& queue = it->second;
    queue.erase(std::remove_if(queue.begin(), queue.end(),
                               [&](const auto& other) { return other.get() == &w; }),
                queue.end());
    if (queue.empty()) queues_.erase(it);
  }
  if (w.deadline_ms != 0) deadlines_.erase(w.deadline_it);
  by_client_.erase(w.client_id);
  waiting_.fetch_sub(1, std::memory_order_relaxed);
}

bool BlockingRegistry::cancel(const Waiter& w) {
  std::lock_guard lock(mutex_);
  if (w.done) return false;
  w.done = true;
  unlink(w);
  return true;
}

std::shared_ptr<Waiter> BlockingRegistry::find_client(uint64_t id) {
  std::lock_guard lock(mutex_);
  auto it = by_client_.find(id);
  return it == by_client_.end() ? nullptr : it->second;
}

void BlockingRegistry::note_ready(int db, std::string_view key) {
  ready_keys.emplace_back(db, std::string(key));
}

void BlockingRegistry::note_flushed(int db) {
  std::vector<std::pair<int, std::string>> keys;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, queue] : queues_) {
      if (queue.empty()) continue;
      int waiter_db = queue.front()->db;  // every waiter of a queue is in the queue's database
      if (db != -1 && waiter_db != db) continue;
      keys.emplace_back(waiter_db, name.substr(name.find(':') + 1));
    }
  }
  for (auto& [d, key] : keys) note_ready(d, key);
}

bool BlockingRegistry::has_ready() { return !ready_keys.empty(); }

std::shared_ptr<Waiter> BlockingRegistry::waiter_at(const std::string& name, size_t index) {
  std::lock_guard lock(mutex_);
  auto it = queues_.find(name);
  return it == queues_.end() || index >= it->second.size() ? nullptr : it->second[index];
}

void BlockingRegistry::serve_ready(Instance& instance) {
  // Serving a move can note its destination: take the list as it grows.
  for (size_t i = 0; i < ready_keys.size(); ++i) {
    auto [db, key] = ready_keys[i];
    std::string name = queue_name(db, key);
    size_t passed = 0;  // waiters at the front that pop another type than the key holds
    while (std::shared_ptr<Waiter> w = waiter_at(name, passed)) {
      std::string reply;
      resp::Writer out(reply, w->protocol);
      Served result = w->serve(
          instance, *w, key, [&] { return cancel(*w); }, out);
      if (result == Served::kEmpty) break;
      if (result == Served::kOtherType) ++passed;
      if (result == Served::kServed) w->deliver(std::move(reply));
    }
  }
  ready_keys.clear();
}

void BlockingRegistry::expire(int64_t now_ms) {
  std::vector<std::shared_ptr<Waiter>> due;
  {
    std::lock_guard lock(mutex_);
    while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
      std::shared_ptr<Waiter> w = deadlines_.begin()->second;
      w->done = true;
      unlink(*w);
      due.push_back(std::move(w));
    }
  }
  for (auto& w : due) w->deliver(w->timeout_reply);
}

}  // namespace cachet::server
