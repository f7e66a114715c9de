// Exclusive access to the keys a command touches, in the calling client's database.
//
// Holding a KeyLock (or MultiKeyLock) holds the shard locks of its keys (ascending order, see
// store.h); command code does its read-modify-write inside, writes its reply, and lets go.
// find() is a command's look-up (Shard::lookup_write: deletes an expired key, records the
// access), find_read() also counts a keyspace hit or miss, peek() does neither.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "server/command.h"
#include "server/instance.h"
#include "store/store.h"

namespace cachet::server {

class KeyLock {
 public:
  KeyLock(Context& ctx, std::string_view key)
      : key_(key),
        hash_(store::hash_key(key)),
        lock_(ctx.instance.store().lock(ctx.session.db, hash_)),
        shard_(lock_.shard(hash_)),
        now_(ctx.instance.store().now()) {}

  int64_t now() const { return now_; }
  store::Shard& shard() { return shard_; }
  std::string_view key() const { return key_; }
  uint64_t hash() const { return hash_; }
  store::Entry* find() { return shard_.lookup_write(key_, hash_, now_); }
  store::Entry* find_read() { return shard_.lookup_read(key_, hash_, now_); }
  const store::Entry* peek() const { return shard_.peek(key_, hash_, now_); }
  store::Entry* put(std::string_view value, int64_t expire_at = 0) {
    return shard_.put(key_, hash_, value, expire_at);
  }
  store::Entry* add_quietly(std::string_view value) {
    return shard_.add_quietly(key_, hash_, value);
  }
  bool erase() { return shard_.erase(key_, hash_, now_); }

 private:
  std::string_view key_;
  uint64_t hash_;
  store::Locked lock_;
  store::Shard& shard_;
  int64_t now_;
};

class MultiKeyLock {
 public:
  MultiKeyLock(Context& ctx, std::span<const std::string_view> keys)
      : keys_(keys),
        hashes_(hashes_of(keys)),
        lock_(ctx.instance.store().lock(ctx.session.db, hashes_)),
        now_(ctx.instance.store().now()) {}

  int64_t now() const { return now_; }
  store::Shard& shard(size_t i) { return lock_.shard(hashes_[i]); }
  uint64_t hash(size_t i) const { return hashes_[i]; }
  store::Entry* find(size_t i) { return shard(i).lookup_write(keys_[i], hashes_[i], now_); }
  store::Entry* find_read(size_t i) { return shard(i).lookup_read(keys_[i], hashes_[i], now_); }
  store::Entry* put(size_t i, std::string_view value, int64_t expire_at = 0) {
    return shard(i).put(keys_[i], hashes_[i], value, expire_at);
  }
  bool erase(size_t i) { return shard(i).erase(keys_[i], hashes_[i], now_); }

 private:
  static std::vector<uint64_t> hashes_of(std::span<const std::string_view> keys) {
    std::vector<uint64_t> out;
    out.reserve(keys.size());
    for (std::string_view k : keys) out.push_back(store::hash_key(k));
    return out;
  }

  std::span<const std::string_view> keys_;
  std::vector<uint64_t> hashes_;
  store::Locked lock_;
  int64_t now_;
};

}  // namespace cachet::server
