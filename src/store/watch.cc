// WATCH bookkeeping of a shard: which flags watch which keys, and setting them on a change.
#include "store/store.h"

namespace cachet::store {

void Shard::watch(std::string_view key, std::shared_ptr<WatchFlag> flag) {
  auto it = watchers_.find(key);
  if (it == watchers_.end()) it = watchers_.emplace(std::string(key), 0).first;
  it->second.push_back(std::move(flag));
}

void Shard::unwatch(std::string_view key, const WatchFlag* flag) {
  auto it = watchers_.find(key);
  if (it == watchers_.end()) return;
  auto& flags = it->second;
  std::erase_if(flags, [&](const auto& f) { return f.get() == flag; });
  if (flags.empty()) watchers_.erase(it);
}

void Shard::touch_watchers(std::string_view key) {
  auto it = watchers_.find(key);
  if (it == watchers_.end()) return;
  for (const auto& flag : it->second) flag->dirty.store(true, std::memory_order_relaxed);
}

}  // namespace cachet::store
