#include "server/tracking.h"

#include <algorithm>
#include <optional>

#include "net/worker.h"
#include "server/resp_handler.h"
#include "store/store.h"

namespace cachet::server {
namespace {

// The keys the current command on this thread has modified so far (null: not in a command).
thread_local std::vector<std::string>* command_keys = nullptr;

size_t shard_of(std::string_view key) { return std::hash<std::string_view>()(key) % 64; }

std::string bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

}  // namespace

std::shared_ptr<const Message> invalidation_message(
    std::optional<std::span<const std::string_view>> keys) {
  std::string list = keys ? "*" + std::to_string(keys->size()) + "\r\n" : std::string();
  if (keys) {
    for (std::string_view k : *keys) list += bulk(k);
  }
  auto m = std::make_shared<Message>();
  m->push = ">2\r\n" + bulk("invalidate") + (keys ? list : "_\r\n");
  m->resp2 = "*3\r\n" + bulk("message") + bulk("__redis__:invalidate") + (keys ? list : "$-1\r\n");
  return m;
}

Tracking::Tracking(store::ModifiedHook& hook) : hook_(hook) {
  hook_.fn = [this](int, std::string_view key) {
    if (command_keys == nullptr) return modified(key, 0);
    // One command may touch a key several times (a write, then its expiry).
    if (std::find(command_keys->begin(), command_keys->end(), key) == command_keys->end()) {
      command_keys->emplace_back(key);
    }
  };
}

bool Tracking::active() const { return hook_.active.load(std::memory_order_relaxed); }

Tracking::CommandScope::CommandScope(Tracking& tracking, uint64_t writer)
    : tracking_(tracking), writer_(writer), outer_(command_keys) {
  command_keys = &keys_;
}

Tracking::CommandScope::~CommandScope() {
  command_keys = outer_;
  if (keys_.empty()) return;
  std::vector<std::string_view> keys(keys_.begin(), keys_.end());
  for (std::string_view key : keys) tracking_.forget(key, writer_);
  // A BCAST client gets the command's matching keys in one message.
  if (tracking_.bcast_count_.load(std::memory_order_relaxed) != 0) {
    tracking_.broadcast(keys, writer_);
  }
}

void Tracking::enable(std::shared_ptr<Subscriber> endpoint, const TrackingOptions& options,
                      std::shared_ptr<Subscriber> target) {
  std::unique_lock lock(clients_mutex_);
  auto [it, inserted] = clients_.try_emplace(endpoint->id);
  if (!inserted && it->second.bcast) bcast_count_.fetch_sub(1, std::memory_order_relaxed);
  it->second = Client{target ? std::move(target) : std::move(endpoint), options.bcast,
                      options.noloop, options.prefixes};
  if (options.bcast) bcast_count_.fetch_add(1, std::memory_order_relaxed);
  if (inserted) client_count_.fetch_add(1, std::memory_order_relaxed);
  hook_.active.store(true, std::memory_order_relaxed);
}

void Tracking::disable(uint64_t client) {
  std::unique_lock lock(clients_mutex_);
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  if (it->second.bcast) bcast_count_.fetch_sub(1, std::memory_order_relaxed);
  clients_.erase(it);
  client_count_.fetch_sub(1, std::memory_order_relaxed);
  // Remembered keys stay until they change (an invalidation then finds no client), as Redis.
  hook_.active.store(!clients_.empty() || key_count_.load() != 0, std::memory_order_relaxed);
}

void Tracking::remember(uint64_t client, std::string_view key) {
  Shard& s = shards_[shard_of(key)];
  {
    std::lock_guard lock(s.mutex);
    auto it = s.keys.find(key);
    if (it == s.keys.end()) {
      it = s.keys.try_emplace(std::string(key)).first;
      key_count_.fetch_add(1, std::memory_order_relaxed);
    }
    std::vector<uint64_t>& ids = it->second;
    if (std::find(ids.begin(), ids.end(), client) == ids.end()) {
      ids.push_back(client);
      item_count_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  size_t max = max_keys_.load(std::memory_order_relaxed);
  while (max != 0 && key_count_.load(std::memory_order_relaxed) > max) make_room();
}

void Tracking::modified(std::string_view key, uint64_t writer) {
  forget(key, writer);
  if (bcast_count_.load(std::memory_order_relaxed) != 0) broadcast(std::span(&key, 1), writer);
}

void Tracking::forget(std::string_view key, uint64_t writer) {
  if (key_count_.load(std::memory_order_relaxed) == 0) return;
  std::vector<uint64_t> ids;
  Shard& s = shards_[shard_of(key)];
  {
    std::lock_guard lock(s.mutex);
    auto it = s.keys.find(key);
    if (it == s.keys.end()) return;
    ids = std::move(it->second);
    s.keys.erase(it);
    key_count_.fetch_sub(1, std::memory_order_relaxed);
    item_count_.fetch_sub(ids.size(), std::memory_order_relaxed);
  }
  send(ids, &key, writer);
}

void Tracking::send(std::span<const uint64_t> clients, const std::string_view* key,
                    uint64_t writer) {
  auto message = key ? invalidation_message(std::span(key, 1)) : invalidation_message(std::nullopt);
  std::shared_lock lock(clients_mutex_);
  for (uint64_t id : clients) {
    auto it = clients_.find(id);
    if (it == clients_.end() || it->second.bcast) continue;  // no longer tracking this way
    if (it->second.noloop && id == writer) continue;
    deliver_push(*it->second.target, message);
  }
}

void Tracking::broadcast(std::span<const std::string_view> keys, uint64_t writer) {
  std::shared_lock lock(clients_mutex_);
  for (const auto& [id, c] : clients_) {
    if (!c.bcast || (c.noloop && id == writer)) continue;
    std::vector<std::string_view> matched;
    for (std::string_view key : keys) {
      bool match = c.prefixes.empty() ||
                   std::any_of(c.prefixes.begin(), c.prefixes.end(),
                               [&](const std::string& p) { return key.starts_with(p); });
      if (match) matched.push_back(key);
    }
    if (!matched.empty()) deliver_push(*c.target, invalidation_message(matched));
  }
}

void Tracking::flushed() {
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    key_count_.fetch_sub(s.keys.size(), std::memory_order_relaxed);
    for (const auto& [key, ids] : s.keys)
      item_count_.fetch_sub(ids.size(), std::memory_order_relaxed);
    s.keys.clear();
  }
  auto message = invalidation_message(std::nullopt);
  std::shared_lock lock(clients_mutex_);
  for (const auto& [id, c] : clients_) deliver_push(*c.target, message);
}

void Tracking::make_room() {
  for (size_t tries = 0; tries < kShards; ++tries) {
    Shard& s = shards_[evict_cursor_.fetch_add(1, std::memory_order_relaxed) % kShards];
    std::string key;
    std::vector<uint64_t> ids;
    {
      std::lock_guard lock(s.mutex);
      if (s.keys.empty()) continue;
      auto it = s.keys.begin();
      key = it->first;
      ids = std::move(it->second);
      s.keys.erase(it);
      key_count_.fetch_sub(1, std::memory_order_relaxed);
      item_count_.fetch_sub(ids.size(), std::memory_order_relaxed);
    }
    std::string_view k = key;
    send(ids, &k, 0);
    return;
  }
}

size_t Tracking::prefixes() const {
  std::shared_lock lock(clients_mutex_);
  size_t n = 0;
  for (const auto& [id, c] : clients_) n += c.prefixes.size();
  return n;
}

}  // namespace cachet::server
