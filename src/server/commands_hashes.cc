// Hash commands: HSET HGET HMGET HGETALL HDEL HINCRBY HSCAN HRANDFIELD ... with Redis 7 semantics.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "server/args.h"
#include "server/command.h"
#include "server/key_lock.h"
#include "server/notify.h"
#include "store/glob.h"
#include "store/hash.h"

namespace cachet::server {
namespace {

using store::Entry;
namespace hash = store::hash;

// The hash at the locked key, or null when absent. Replies WRONGTYPE and sets `wrong` when the
// key holds another type.
Entry* find_hash(Context& ctx, KeyLock& k, bool& wrong) {
  Entry* e = k.find_read();
  wrong = wrong_kind(ctx, e, store::Kind::kHash);
  return wrong ? nullptr : e;
}

// The value of field args[2] of the hash at the locked key. Sets `wrong` (after replying) on
// WRONGTYPE.
std::optional<std::string_view> field_value(Context& ctx, KeyLock& k, bool& wrong) {
  Entry* e = find_hash(ctx, k, wrong);
  if (e == nullptr) return std::nullopt;
  return hash::get(e, ctx.args[2]);
}

// The hash at the locked key, created empty when absent; null (after replying) on WRONGTYPE.
Entry* hash_for_write(Context& ctx, KeyLock& k) {
  Entry* e = k.find();
  if (e == nullptr) {
    e = k.put("");
    hash::init(e);
  } else if (!e->is_hash()) {
    reply_wrong_type(ctx);
    return nullptr;
  }
  return e;
}

// HSET / HMSET key field value [field value ...]: returns the number of new fields, or -1 after
// replying with an error.
int64_t set_fields(Context& ctx) {
  if (ctx.args.size() % 2 != 0) {
    reply_wrong_arity(ctx, ctx.spec.name);
    return -1;
  }
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = hash_for_write(ctx, k);
  if (e == nullptr) return -1;
  int64_t added = 0;
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    added += hash::set(k.shard(), e, ctx.args[i], ctx.args[i + 1]);
  }
  return added;
}

// HSET and HMSET reply, then raise "hset", as Redis orders them.
void cmd_hset(Context& ctx) {
  int64_t added = set_fields(ctx);
  if (added < 0) return;
  ctx.out.integer(added);
  notify_keyspace_event(ctx, kNotifyHash, "hset", ctx.args[1]);
}

void cmd_hmset(Context& ctx) {
  if (set_fields(ctx) < 0) return;
  ctx.out.ok();
  notify_keyspace_event(ctx, kNotifyHash, "hset", ctx.args[1]);
}

void cmd_hsetnx(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = hash_for_write(ctx, k);
  if (e == nullptr) return;
  if (hash::get(e, ctx.args[2])) return ctx.out.integer(0);
  hash::set(k.shard(), e, ctx.args[2], ctx.args[3]);
  ctx.out.integer(1);
  notify_keyspace_event(ctx, kNotifyHash, "hset", k.key());
}

void cmd_hget(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  auto value = field_value(ctx, k, wrong);
  if (wrong) return;
  if (value) return ctx.out.bulk(*value);
  ctx.out.null();
}

void cmd_hmget(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_hash(ctx, k, wrong);
  if (wrong) return;
  ctx.out.array(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    auto value = e ? hash::get(e, ctx.args[i]) : std::nullopt;
    if (value) {
      ctx.out.bulk(*value);
    } else {
      ctx.out.null();
    }
  }
}

enum class Part { kFields, kValues, kBoth };

void reply_all(Context& ctx, Part part) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_hash(ctx, k, wrong);
  if (wrong) return;
  size_t n = e ? hash::size(e) : 0;
  if (part == Part::kBoth) {
    ctx.out.map(n);
  } else {
    ctx.out.array(n);
  }
  if (e == nullptr) return;
  hash::for_each(e, [&](std::string_view field, std::string_view value) {
    if (part != Part::kValues) ctx.out.bulk(field);
    if (part != Part::kFields) ctx.out.bulk(value);
  });
}

void cmd_hgetall(Context& ctx) { reply_all(ctx, Part::kBoth); }
void cmd_hkeys(Context& ctx) { reply_all(ctx, Part::kFields); }
void cmd_hvals(Context& ctx) { reply_all(ctx, Part::kValues); }

void cmd_hdel(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find();  // a write's look-up, as Redis's: no keyspace miss
  if (wrong_kind(ctx, e, store::Kind::kHash)) return;
  int64_t removed = 0;
  for (size_t i = 2; e != nullptr && i < ctx.args.size(); ++i) {
    removed += hash::remove(k.shard(), e, ctx.args[i]);
  }
  bool emptied = e != nullptr && hash::size(e) == 0;
  if (emptied) k.erase();  // Redis deletes an emptied hash
  if (removed > 0) notify_write(ctx, kNotifyHash, "hdel", k.key(), emptied);
  ctx.out.integer(removed);
}

void cmd_hexists(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  auto value = field_value(ctx, k, wrong);
  if (!wrong) ctx.out.integer(value ? 1 : 0);
}

void cmd_hlen(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_hash(ctx, k, wrong);
  if (wrong) return;
  ctx.out.integer(e ? static_cast<int64_t>(hash::size(e)) : 0);
}

void cmd_hstrlen(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  auto value = field_value(ctx, k, wrong);
  if (!wrong) ctx.out.integer(value ? static_cast<int64_t>(value->size()) : 0);
}

void cmd_hincrby(Context& ctx) {
  auto delta = parse_int64(ctx.args[3]);
  if (!delta) return reply_not_integer(ctx);
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = hash_for_write(ctx, k);
  if (e == nullptr) return;
  auto result =
      increment_int(ctx, hash::get(e, ctx.args[2]), *delta, "ERR hash value is not an integer");
  if (!result) return;
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof(buf), *result).ptr;
  hash::set(k.shard(), e, ctx.args[2], std::string_view(buf, end - buf));
  ctx.out.integer(*result);
  notify_keyspace_event(ctx, kNotifyHash, "hincrby", k.key());
}

void cmd_hincrbyfloat(Context& ctx) {
  auto delta = parse_long_double(ctx.args[3]);
  if (!delta) return ctx.out.error("ERR value is not a valid float");
  if (std::isinf(*delta)) return ctx.out.error("ERR value is NaN or Infinity");
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = hash_for_write(ctx, k);
  if (e == nullptr) return;
  auto text =
      increment_float(ctx, hash::get(e, ctx.args[2]), *delta, "ERR hash value is not a float");
  if (!text) return;
  hash::set(k.shard(), e, ctx.args[2], *text);
  ctx.out.bulk(*text);
  notify_keyspace_event(ctx, kNotifyHash, "hincrbyfloat", k.key());
}

void cmd_hscan(Context& ctx) {
  uint64_t cursor = 0;
  ScanOptions o;
  if (!parse_scan_arguments(ctx, 2, false, cursor, o)) return;
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_hash(ctx, k, wrong);
  if (wrong) return;
  std::vector<std::string_view> items;
  uint64_t next = 0;
  for (size_t steps = 0; e != nullptr && items.size() < 2 * o.count && steps < o.count * 10;
       ++steps) {
    next = hash::scan(e, cursor, [&](std::string_view field, std::string_view value) {
      if (o.match.empty() || store::glob_match(o.match, field)) {
        items.push_back(field);
        items.push_back(value);
      }
    });
    if (next == 0) break;
    cursor = next;
  }
  ctx.out.array(2);
  ctx.out.bulk(std::to_string(next));
  ctx.out.array(items.size());
  for (std::string_view item : items) ctx.out.bulk(item);
}

// HRANDFIELD key [count [WITHVALUES]]
void cmd_hrandfield(Context& ctx) {
  if (ctx.args.size() > 4 || (ctx.args.size() == 4 && !iequals(ctx.args[3], "withvalues"))) {
    return reply_syntax_error(ctx);
  }
  std::optional<int64_t> count;
  if (ctx.args.size() >= 3) {
    count = parse_int64(ctx.args[2]);
    if (!count) return reply_not_integer(ctx);
    if (*count < -INT64_MAX / 2 || *count > INT64_MAX / 2) {
      return ctx.out.error("ERR value is out of range");
    }
  }
  bool with_values = ctx.args.size() == 4;
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_hash(ctx, k, wrong);
  if (wrong) return;
  std::vector<std::pair<std::string_view, std::string_view>> all;
  if (e != nullptr) hash::for_each(e, [&](auto f, auto v) { all.emplace_back(f, v); });
  thread_local std::mt19937_64 random{std::random_device{}()};
  if (!count) {
    if (all.empty()) return ctx.out.null();
    return ctx.out.bulk(all[random() % all.size()].first);
  }
  std::vector<std::pair<std::string_view, std::string_view>> picked;
  if (*count >= 0) {  // distinct fields
    std::shuffle(all.begin(), all.end(), random);
    all.resize(std::min<size_t>(all.size(), static_cast<size_t>(*count)));
    picked = std::move(all);
  } else {  // repeats allowed
    for (int64_t i = 0; !all.empty() && i < -*count; ++i)
      picked.push_back(all[random() % all.size()]);
  }
  bool pairs = with_values && ctx.out.protocol() >= 3;
  ctx.out.array(with_values && !pairs ? picked.size() * 2 : picked.size());
  for (auto [field, value] : picked) {
    if (pairs) ctx.out.array(2);
    ctx.out.bulk(field);
    if (with_values) ctx.out.bulk(value);
  }
}

constexpr uint32_t kW = kWrite | kDenyOom | kFast;
constexpr uint32_t kR = kReadonly | kFast;

const CommandSpec kCommands[] = {
    {.name = "hset",
     .arity = -4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_hset,
     .doc = {"Creates or modifies the value of a field in a hash.", "2.0.0"}},
    {.name = "hmset",
     .arity = -4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_hmset,
     .doc = {"Sets the values of multiple fields.", "2.0.0"}},
    {.name = "hsetnx",
     .arity = 4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_hsetnx,
     .doc = {"Sets the value of a field in a hash only when the field doesn't exist.", "2.0.0"}},
    {.name = "hget",
     .arity = 3,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_hget,
     .doc = {"Returns the value of a field in a hash.", "2.0.0"}},
    {.name = "hmget",
     .arity = -3,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_hmget,
     .doc = {"Returns the values of all fields in a hash.", "2.0.0"}},
    {.name = "hgetall",
     .arity = 2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_hgetall,
     .doc = {"Returns all fields and values in a hash.", "2.0.0"}},
    {.name = "hkeys",
     .arity = 2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_hkeys,
     .doc = {"Returns all fields in a hash.", "2.0.0"}},
    {.name = "hvals",
     .arity = 2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_hvals,
     .doc = {"Returns all values in a hash.", "2.0.0"}},
    {.name = "hdel",
     .arity = -3,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_hdel,
     .doc = {"Deletes one or more fields and their values from a hash. Deletes the hash if no "
             "fields remain.",
             "2.0.0"}},
    {.name = "hexists",
     .arity = 3,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_hexists,
     .doc = {"Determines whether a field exists in a hash.", "2.0.0"}},
    {.name = "hlen",
     .arity = 2,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_hlen,
     .doc = {"Returns the number of fields in a hash.", "2.0.0"}},
    {.name = "hstrlen",
     .arity = 3,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_hstrlen,
     .doc = {"Returns the length of the value of a field.", "3.2.0"}},
    {.name = "hincrby",
     .arity = 4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_hincrby,
     .doc = {"Increments the integer value of a field in a hash by a number.", "2.0.0"}},
    {.name = "hincrbyfloat",
     .arity = 4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_hincrbyfloat,
     .doc = {"Increments the floating point value of a field by a number.", "2.6.0"}},
    {.name = "hscan",
     .arity = -3,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_hscan,
     .doc = {"Iterates over fields and values of a hash.", "2.8.0"}},
    {.name = "hrandfield",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_hrandfield,
     .doc = {"Returns one or more random fields from a hash.", "6.2.0"}},
};

}  // namespace

CommandFamily hash_commands() { return {"hash", kCommands}; }

}  // namespace cachet::server
