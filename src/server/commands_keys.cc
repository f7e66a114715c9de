// Keyspace commands: DEL EXISTS TYPE EXPIRE TTL PERSIST RENAME MOVE COPY KEYS SCAN RANDOMKEY DBSIZE
// FLUSHDB FLUSHALL.
#include <fmt/format.h>

#include "server/args.h"
#include "server/command.h"
#include "server/expire.h"
#include "server/key_lock.h"
#include "server/notify.h"
#include "store/copy.h"
#include "store/glob.h"

namespace cachet::server {
namespace {

using store::Entry;

std::string_view type_name(const Entry* e) {
  switch (e->kind()) {
    case store::Kind::kString:
      return "string";
    case store::Kind::kHash:
      return "hash";
    case store::Kind::kList:
      return "list";
    case store::Kind::kSet:
      return "set";
    case store::Kind::kZset:
      return "zset";
    case store::Kind::kStream:
      return "stream";
  }
  return "none";
}

// DEL frees values at once; UNLINK hands large ones to the lazy-free thread.
void delete_keys(Context& ctx, bool lazily) {
  auto keys = ctx.args.subspan(1);
  MultiKeyLock k(ctx, keys);
  int64_t n = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    bool deleted = lazily ? k.shard(i).erase_lazily(keys[i], k.hash(i), k.now()) : k.erase(i);
    if (deleted) notify_keyspace_event(ctx, kNotifyGeneric, "del", keys[i]);
    n += deleted;
  }
  ctx.out.integer(n);
}

void cmd_del(Context& ctx) { delete_keys(ctx, false); }
void cmd_unlink(Context& ctx) { delete_keys(ctx, true); }

void cmd_exists(Context& ctx) {
  auto keys = ctx.args.subspan(1);
  MultiKeyLock k(ctx, keys);
  int64_t n = 0;
  for (size_t i = 0; i < keys.size(); ++i) n += k.find_read(i) != nullptr;
  ctx.out.integer(n);
}

void cmd_touch(Context& ctx) {
  auto keys = ctx.args.subspan(1);
  MultiKeyLock k(ctx, keys);
  int64_t n = 0;
  for (size_t i = 0; i < keys.size(); ++i) n += k.find_read(i) != nullptr;
  ctx.out.integer(n);
}

void cmd_type(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  const Entry* e = k.find_read();
  ctx.out.simple(e == nullptr ? "none" : type_name(e));
}

struct ExpireFlags {
  bool nx = false, xx = false, gt = false, lt = false;
};

bool parse_expire_flags(Context& ctx, ExpireFlags& f) {
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    if (iequals(a, "nx")) {
      f.nx = true;
    } else if (iequals(a, "xx")) {
      f.xx = true;
    } else if (iequals(a, "gt")) {
      f.gt = true;
    } else if (iequals(a, "lt")) {
      f.lt = true;
    } else {
      ctx.out.error(fmt::format("ERR Unsupported option {}", a));
      return false;
    }
  }
  if (f.nx && (f.xx || f.gt || f.lt)) {
    ctx.out.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if (f.gt && f.lt) {
    ctx.out.error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

// Whether the flags allow replacing expiry `current` (0: none, i.e. infinite) with `when`.
bool expire_allowed(const ExpireFlags& f, int64_t current, int64_t when) {
  if (f.nx && current != 0) return false;
  if (f.xx && current == 0) return false;
  if (f.gt && (current == 0 || when <= current)) return false;
  if (f.lt && current != 0 && when >= current) return false;
  return true;
}

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT]. Redis checks the options
// before the time.
void expire_generic(Context& ctx, TimeUnit unit, bool absolute) {
  ExpireFlags flags;
  if (!parse_expire_flags(ctx, flags)) return;
  auto n = parse_int64(ctx.args[2]);
  if (!n) return reply_not_integer(ctx);
  KeyLock k(ctx, ctx.args[1]);
  auto when = expire_at_ms(*n, unit, absolute, k.now());
  if (!when) {
    return ctx.out.error(fmt::format("ERR invalid expire time in '{}' command", ctx.spec.name));
  }
  Entry* e = k.find();
  if (e == nullptr || !expire_allowed(flags, e->expire_at(), *when)) return ctx.out.integer(0);
  if (*when <= k.now()) {
    k.erase();
    notify_keyspace_event(ctx, kNotifyGeneric, "del", k.key());
    return ctx.out.integer(1);
  }
  (void)k.shard().set_expire(e, *when);
  ctx.out.integer(1);
  notify_keyspace_event(ctx, kNotifyGeneric, "expire", k.key());  // Redis replies first here
}

void cmd_expire(Context& ctx) { expire_generic(ctx, TimeUnit::kSeconds, false); }
void cmd_pexpire(Context& ctx) { expire_generic(ctx, TimeUnit::kMillis, false); }
void cmd_expireat(Context& ctx) { expire_generic(ctx, TimeUnit::kSeconds, true); }
void cmd_pexpireat(Context& ctx) { expire_generic(ctx, TimeUnit::kMillis, true); }

// TTL / PTTL / EXPIRETIME / PEXPIRETIME: -2 missing key, -1 no expiry.
void ttl_generic(Context& ctx, TimeUnit unit, bool absolute) {
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find_read();
  if (e == nullptr) return ctx.out.integer(-2);
  if (e->expire_at() == 0) return ctx.out.integer(-1);
  int64_t ms = absolute ? e->expire_at() : std::max<int64_t>(0, e->expire_at() - k.now());
  if (unit == TimeUnit::kMillis) return ctx.out.integer(ms);
  ctx.out.integer(absolute ? ms / 1000 : (ms + 500) / 1000);
}

void cmd_ttl(Context& ctx) { ttl_generic(ctx, TimeUnit::kSeconds, false); }
void cmd_pttl(Context& ctx) { ttl_generic(ctx, TimeUnit::kMillis, false); }
void cmd_expiretime(Context& ctx) { ttl_generic(ctx, TimeUnit::kSeconds, true); }
void cmd_pexpiretime(Context& ctx) { ttl_generic(ctx, TimeUnit::kMillis, true); }

void cmd_persist(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find();
  bool had_ttl = e != nullptr && e->expire_at() != 0;
  if (had_ttl) (void)k.shard().set_expire(e, 0);
  if (had_ttl) notify_keyspace_event(ctx, kNotifyGeneric, "persist", k.key());
  ctx.out.integer(had_ttl ? 1 : 0);
}

void rename_generic(Context& ctx, bool only_if_absent) {
  auto keys = ctx.args.subspan(1, 2);
  MultiKeyLock k(ctx, keys);
  Entry* src = k.find(0);
  if (src == nullptr) return ctx.out.error("ERR no such key");
  if (keys[0] == keys[1]) return only_if_absent ? ctx.out.integer(0) : ctx.out.ok();
  if (only_if_absent && k.find(1) != nullptr) return ctx.out.integer(0);
  k.erase(1);  // Redis deletes the destination and adds it anew (a "new" event)
  k.shard(1).move_here(k.shard(0), src, keys[1], k.hash(1));
  notify_keyspace_event(ctx, kNotifyGeneric, "rename_from", keys[0]);
  notify_keyspace_event(ctx, kNotifyGeneric, "rename_to", keys[1]);
  if (only_if_absent) {
    ctx.out.integer(1);
  } else {
    ctx.out.ok();
  }
}

void cmd_rename(Context& ctx) { rename_generic(ctx, false); }
void cmd_renamenx(Context& ctx) { rename_generic(ctx, true); }

// The locks of `source` in the client's database and `destination` in `db`.
store::PairLock lock_pair(Context& ctx, std::string_view source, std::string_view destination,
                          int db) {
  return store::PairLock(ctx.instance.store(), ctx.session.db, store::hash_key(source), db,
                         store::hash_key(destination));
}

// MOVE key db: 1 when moved, 0 when the key is absent here or present there.
void cmd_move(Context& ctx) {
  std::optional<int> db = parse_database(ctx, 2);
  if (!db) return;
  if (*db == ctx.session.db)
    return ctx.out.error("ERR source and destination objects are the same");
  std::string_view key = ctx.args[1];
  uint64_t hash = store::hash_key(key);
  int64_t now = ctx.instance.store().now();
  store::PairLock lock = lock_pair(ctx, key, key, *db);
  Entry* src = lock.first().lookup_write(key, hash, now);
  if (src == nullptr || lock.second().lookup_write(key, hash, now) != nullptr)
    return ctx.out.integer(0);
  lock.second().move_here(lock.first(), src, key, hash);
  notify_keyspace_event(ctx, kNotifyGeneric, "move_from", key);
  notify_keyspace_event(ctx, *db, kNotifyGeneric, "move_to", key);
  ctx.out.integer(1);
}

// COPY source destination [DB db] [REPLACE]: 1 when copied, 0 when the source is absent or the
// destination exists (without REPLACE).
void cmd_copy(Context& ctx) {
  int db = ctx.session.db;
  bool replace = false;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    if (iequals(ctx.args[i], "replace")) {
      replace = true;
    } else if (iequals(ctx.args[i], "db") && i + 1 < ctx.args.size()) {
      std::optional<int> target = parse_database(ctx, ++i);
      if (!target) return;
      db = *target;
    } else {
      return reply_syntax_error(ctx);
    }
  }
  std::string_view source = ctx.args[1], destination = ctx.args[2];
  if (db == ctx.session.db && source == destination) {
    return ctx.out.error("ERR source and destination objects are the same");
  }
  int64_t now = ctx.instance.store().now();
  store::PairLock lock = lock_pair(ctx, source, destination, db);
  const Entry* src = lock.first().lookup_write(source, store::hash_key(source), now);
  if (src == nullptr) return ctx.out.integer(0);
  uint64_t hash = store::hash_key(destination);
  if (lock.second().lookup_write(destination, hash, now) != nullptr) {
    if (!replace) return ctx.out.integer(0);
    lock.second().erase(destination, hash, now);  // and added anew, as in Redis (a "new" event)
  }
  store::copy_entry(lock.second(), destination, hash, src);
  notify_keyspace_event(ctx, db, kNotifyGeneric, "copy_to", destination);
  ctx.out.integer(1);
}

void cmd_keys(Context& ctx) {
  std::string_view pattern = ctx.args[1];
  bool all = pattern == "*";
  int64_t now = ctx.instance.store().now();
  std::vector<std::string> keys;
  ctx.instance.store().for_each_shard(ctx.session.db, [&](store::Shard& shard) {
    shard.table().for_each([&](const Entry* e) {
      if (e->expire_at() != 0 && e->expire_at() <= now) return;
      if (all || store::glob_match(pattern, e->key())) keys.emplace_back(e->key());
    });
  });
  ctx.out.array(keys.size());
  for (const std::string& key : keys) ctx.out.bulk(key);
}

void cmd_scan(Context& ctx) {
  uint64_t cursor = 0;
  ScanOptions o;
  if (!parse_scan_arguments(ctx, 1, true, cursor, o)) return;
  std::vector<std::string> keys;
  uint64_t next = ctx.instance.store().scan(ctx.session.db, cursor, o.count, [&](const Entry* e) {
    bool type_ok = o.type.empty() || iequals(o.type, type_name(e));
    if (type_ok && (o.match.empty() || store::glob_match(o.match, e->key()))) {
      keys.emplace_back(e->key());
    }
  });
  ctx.out.array(2);
  ctx.out.bulk(std::to_string(next));
  ctx.out.array(keys.size());
  for (const std::string& key : keys) ctx.out.bulk(key);
}

void cmd_randomkey(Context& ctx) {
  auto key = ctx.instance.store().random_key(ctx.session.db);
  if (key) {
    ctx.out.bulk(*key);
  } else {
    ctx.out.null();
  }
}

void cmd_dbsize(Context& ctx) {
  ctx.out.integer(static_cast<int64_t>(ctx.instance.store().dbsize(ctx.session.db)));
}

// FLUSHDB / FLUSHALL [ASYNC|SYNC]: whether to free lazily, or nothing (after replying) on a bad
// argument.
std::optional<bool> flush_lazily(Context& ctx) {
  if (ctx.args.size() == 1 || iequals(ctx.args[1], "sync")) return false;
  if (iequals(ctx.args[1], "async")) return true;
  reply_syntax_error(ctx);
  return std::nullopt;
}

void cmd_flushdb(Context& ctx) {
  std::optional<bool> lazily = flush_lazily(ctx);
  if (!lazily) return;
  ctx.instance.store().flush(ctx.session.db, *lazily);
  if (ctx.instance.blocking().anyone_waiting())
    ctx.instance.blocking().note_flushed(ctx.session.db);
  ctx.out.ok();
}

void cmd_flushall(Context& ctx) {
  std::optional<bool> lazily = flush_lazily(ctx);
  if (!lazily) return;
  ctx.instance.store().flush_all(*lazily);
  if (ctx.instance.blocking().anyone_waiting()) ctx.instance.blocking().note_flushed(-1);
  ctx.out.ok();
}

constexpr uint32_t kR = kReadonly | kFast;

const CommandSpec kCommands[] = {
    {.name = "del",
     .arity = -2,
     .flags = kWrite,
     .keys = {1, -1, 1},
     .fn = cmd_del,
     .doc = {"Deletes one or more keys.", "1.0.0"}},
    {.name = "unlink",
     .arity = -2,
     .flags = kWrite | kFast,
     .keys = {1, -1, 1},
     .fn = cmd_unlink,
     .doc = {"Asynchronously deletes one or more keys.", "4.0.0"}},
    {.name = "exists",
     .arity = -2,
     .flags = kR,
     .keys = {1, -1, 1},
     .fn = cmd_exists,
     .doc = {"Determines whether one or more keys exist.", "1.0.0"}},
    {.name = "touch",
     .arity = -2,
     .flags = kR,
     .keys = {1, -1, 1},
     .fn = cmd_touch,
     .doc = {"Returns the number of existing keys out of those specified after updating the time "
             "they were last accessed.",
             "3.2.1"}},
    {.name = "type",
     .arity = 2,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_type,
     .doc = {"Determines the type of value stored at a key.", "1.0.0"}},
    {.name = "expire",
     .arity = -3,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_expire,
     .doc = {"Sets the expiration time of a key in seconds.", "1.0.0"}},
    {.name = "pexpire",
     .arity = -3,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_pexpire,
     .doc = {"Sets the expiration time of a key in milliseconds.", "2.6.0"}},
    {.name = "expireat",
     .arity = -3,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_expireat,
     .doc = {"Sets the expiration time of a key to a Unix timestamp.", "1.2.0"}},
    {.name = "pexpireat",
     .arity = -3,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_pexpireat,
     .doc = {"Sets the expiration time of a key to a Unix milliseconds timestamp.", "2.6.0"}},
    {.name = "ttl",
     .arity = 2,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_ttl,
     .doc = {"Returns the expiration time in seconds of a key.", "1.0.0"}},
    {.name = "pttl",
     .arity = 2,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_pttl,
     .doc = {"Returns the expiration time in milliseconds of a key.", "2.6.0"}},
    {.name = "expiretime",
     .arity = 2,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_expiretime,
     .doc = {"Returns the expiration time of a key as a Unix timestamp.", "7.0.0"}},
    {.name = "pexpiretime",
     .arity = 2,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_pexpiretime,
     .doc = {"Returns the expiration time of a key as a Unix milliseconds timestamp.", "7.0.0"}},
    {.name = "persist",
     .arity = 2,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_persist,
     .doc = {"Removes the expiration time of a key.", "2.2.0"}},
    {.name = "rename",
     .arity = 3,
     .flags = kWrite,
     .keys = {1, 2, 1},
     .fn = cmd_rename,
     .doc = {"Renames a key and overwrites the destination.", "1.0.0"}},
    {.name = "renamenx",
     .arity = 3,
     .flags = kWrite | kFast,
     .keys = {1, 2, 1},
     .fn = cmd_renamenx,
     .doc = {"Renames a key only when the target key name doesn't exist.", "1.0.0"}},
    {.name = "move",
     .arity = 3,
     .flags = kWrite | kFast | kAllDatabases,
     .keys = {1, 1, 1},
     .fn = cmd_move,
     .doc = {"Moves a key to another database.", "1.0.0"}},
    {.name = "copy",
     .arity = -3,
     .flags = kWrite | kDenyOom | kAllDatabases,
     .keys = {1, 2, 1},
     .fn = cmd_copy,
     .doc = {"Copies the value of a key to a new key.", "6.2.0"}},
    {.name = "keys",
     .arity = 2,
     .flags = kReadonly,
     .fn = cmd_keys,
     .doc = {"Returns all key names that match a pattern.", "1.0.0"}},
    {.name = "scan",
     .arity = -2,
     .flags = kReadonly,
     .fn = cmd_scan,
     .doc = {"Iterates over the key names in the database.", "2.8.0"}},
    {.name = "randomkey",
     .arity = 1,
     .flags = kReadonly,
     .fn = cmd_randomkey,
     .doc = {"Returns a random key name from the database.", "1.0.0"}},
    {.name = "dbsize",
     .arity = 1,
     .flags = kR,
     .fn = cmd_dbsize,
     .doc = {"Returns the number of keys in the database.", "1.0.0"},
     .group = "server"},
    {.name = "flushdb",
     .arity = -1,
     .flags = kWrite,
     .fn = cmd_flushdb,
     .doc = {"Remove all keys from the current database.", "1.0.0"},
     .group = "server"},
    {.name = "flushall",
     .arity = -1,
     .flags = kWrite | kAllDatabases,
     .fn = cmd_flushall,
     .doc = {"Removes all keys from all databases.", "1.0.0"},
     .group = "server"},
};

}  // namespace

CommandFamily key_commands() { return {"keyspace", kCommands}; }

}  // namespace cachet::server
