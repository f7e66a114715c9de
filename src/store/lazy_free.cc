#include "store/lazy_free.h"

#include <utility>

namespace cachet::store {

LazyFreer::LazyFreer() : thread_([this] { run(); }) {}

LazyFreer::~LazyFreer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  thread_.join();
}

void LazyFreer::free_later(Entry* e) { push(e); }
void LazyFreer::free_later(std::unique_ptr<Table> table) { push(std::move(table)); }

void LazyFreer::push(Job job) {
  pending_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
}

void LazyFreer::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is freed
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (Entry** e = std::get_if<Entry*>(&job)) free_entry(*e);
    job = {};  // a table frees its entries here
    pending_.fetch_sub(1, std::memory_order_relaxed);
    freed_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
  }
}

}  // namespace cachet::store
