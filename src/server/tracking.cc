#include "server/tracking.h"

#include <algorithm>
#include <optional>

#include "net/worker.h"
#include "server/clients.h"
#include "server/resp_handler.h"
#include "store/store.h"

namespace cachet::server {
namespace {

// The keys the current command on this thread has modified so far (null: not in a command).
thread_local std::vector<std::string>* command_keys = nullptr;

// The BCAST keys this worker thread's commands modified in its current event-loop turn, and
// whether the turn's end is to send them (Redis keeps them per prefix until beforeSleep).
thread_local std::map<std::string, uint64_t, std::less<>> turn_keys;
thread_local bool turn_flush_scheduled = false;

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

// The push telling a RESP3 tracking client that its REDIRECT client `redirect` is gone.
std::shared_ptr<const Message> redirect_broken_message(uint64_t redirect) {
  auto m = std::make_shared<Message>();
  m->push = ">2\r\n" + bulk("tracking-redir-broken") + ":" + std::to_string(redirect) + "\r\n";
  m->resp3_only = true;
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
  if (tracking_.bcast_count_.load(std::memory_order_relaxed) != 0) {
    tracking_.broadcast_later(keys, writer_);
  }
}

void Tracking::enable(TrackingRoute route, const TrackingOptions& options) {
  if (route.client) route.client->tracking_redirect_broken.store(false, std::memory_order_relaxed);
  std::unique_lock lock(clients_mutex_);
  auto [it, inserted] = clients_.try_emplace(route.endpoint->id);
  if (!inserted && it->second.bcast) bcast_count_.fetch_sub(1, std::memory_order_relaxed);
  it->second = Client{std::move(route), options.bcast, options.noloop, options.prefixes};
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
  if (bcast_count_.load(std::memory_order_relaxed) != 0)
    broadcast_later(std::span(&key, 1), writer);
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
    deliver(it->second, message);
  }
}

void Tracking::deliver(const Client& c, std::shared_ptr<const Message> message) {
  const TrackingRoute& r = c.route;
  if (!r.target) return deliver_push(*r.endpoint, std::move(message));
  if (!r.target_client || !r.target_client->closed.load(std::memory_order_acquire)) {
    return deliver_push(*r.target, std::move(message));
  }
  // The flag shows before the push can arrive (a client reading it may ask at once).
  if (r.client) r.client->tracking_redirect_broken.store(true, std::memory_order_relaxed);
  deliver_push(*r.endpoint, redirect_broken_message(r.target->id));
}

std::vector<std::string_view> Tracking::keys_in(KeyWriters::const_iterator first,
                                                KeyWriters::const_iterator last, uint64_t but) {
  std::vector<std::string_view> keys;
  for (; first != last; ++first) {
    if (but == 0 || first->second != but) keys.push_back(first->first);
  }
  return keys;
}

void Tracking::send_others(const Client& c, uint64_t id, KeyWriters::const_iterator first,
                           KeyWriters::const_iterator last) {
  std::vector<std::string_view> keys = keys_in(first, last, id);
  if (!keys.empty()) deliver(c, invalidation_message(keys));
}

void Tracking::broadcast_later(std::span<const std::string_view> keys, uint64_t writer) {
  net::Worker* worker = net::Worker::current();
  if (worker == nullptr) {  // no event loop to wait for
    KeyWriters now;
    for (std::string_view key : keys) now[std::string(key)] = writer;
    return broadcast(now);
  }
  for (std::string_view key : keys) {
    auto it = turn_keys.find(key);
    if (it == turn_keys.end()) {
      turn_keys.emplace(std::string(key), writer);
    } else {
      it->second = writer;
    }
  }
  if (turn_flush_scheduled) return;
  turn_flush_scheduled = true;
  worker->defer([this] {
    turn_flush_scheduled = false;
    KeyWriters keys = std::move(turn_keys);
    turn_keys.clear();
    broadcast(keys);
  });
}

void Tracking::broadcast(const KeyWriters& keys) {
  std::shared_lock lock(clients_mutex_);
  // The registered prefixes in byte order (Redis's prefix table), each with its clients.
  std::map<std::string_view, std::vector<std::pair<uint64_t, const Client*>>> by_prefix;
  for (const auto& [id, c] : clients_) {
    if (!c.bcast) continue;
    if (c.prefixes.empty()) by_prefix[""].emplace_back(id, &c);
    for (const std::string& p : c.prefixes) by_prefix[p].emplace_back(id, &c);
  }
  for (const auto& [prefix, clients] : by_prefix) {
    auto first = keys.lower_bound(prefix), last = first;
    while (last != keys.end() && last->first.starts_with(prefix)) ++last;
    if (first == last) continue;
    std::shared_ptr<const Message> common;
    for (const auto& [id, c] : clients) {
      if (c->noloop) {
        send_others(*c, id, first, last);
        continue;
      }
      if (!common) common = invalidation_message(keys_in(first, last, 0));
      deliver(*c, common);
    }
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
  for (const auto& [id, c] : clients_) deliver(c, message);
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
