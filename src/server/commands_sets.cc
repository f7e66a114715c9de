// Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
// SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN, with Redis 7.0 semantics.
//
// Results of SINTER / SUNION / SDIFF are built before anything is written, so a destination may
// be one of the sources. Redis builds those results as intsets when it can, so a result of only
// integers comes out ascending; order_like_redis() does the same.
#include <algorithm>
#include <array>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/args.h"
#include "server/command.h"
#include "server/key_lock.h"
#include "server/notify.h"
#include "store/glob.h"
#include "store/set.h"

namespace cachet::server {
namespace {

using store::Entry;
namespace set = store::set;

std::mt19937_64& random_source() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return random;
}

// The set at the locked key, or null when absent (`wrong` says whether WRONGTYPE was replied).
Entry* find_set(Context& ctx, KeyLock& k, bool& wrong, bool for_write = false) {
  Entry* e = for_write ? k.find() : k.find_read();
  wrong = wrong_kind(ctx, e, store::Kind::kSet);
  return wrong ? nullptr : e;
}

// Makes the key `i` of `k` a new empty set (replacing whatever it held).
template <typename Lock, typename... Key>
Entry* create_set(Lock& k, Key... i) {
  Entry* e = k.put(i..., "");
  set::init(e);
  return e;
}

// After SREM or SMOVE removed a member from the set `e` at `key` (locked as `i` of `k`): deletes
// the key if the set has become empty, as Redis does, and raises "srem", then "del" if deleted.
template <typename Lock, typename... Key>
void removed_from(Context& ctx, std::string_view key, const Entry* e, Lock& k, Key... i) {
  bool emptied = set::size(e) == 0;
  if (emptied) k.erase(i...);
  notify_write(ctx, kNotifySet, "srem", key, emptied);
}

void reply_members(Context& ctx, const Entry* e) {
  ctx.out.set(e ? set::size(e) : 0);
  if (e != nullptr) set::for_each(e, [&](std::string_view m) { ctx.out.bulk(m); });
}

void reply_members(Context& ctx, const std::vector<std::string>& members) {
  ctx.out.set(members.size());
  for (const std::string& m : members) ctx.out.bulk(m);
}

void cmd_sadd(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_set(ctx, k, wrong, true);
  if (wrong) return;
  if (e == nullptr) e = create_set(k);
  int64_t added = 0;
  for (std::string_view m : ctx.args.subspan(2)) added += set::add(k.shard(), e, m);
  if (added > 0) notify_keyspace_event(ctx, kNotifySet, "sadd", k.key());
  ctx.out.integer(added);
}

void cmd_srem(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_set(ctx, k, wrong, true);
  if (wrong) return;
  int64_t removed = 0;
  for (size_t i = 2; e != nullptr && i < ctx.args.size(); ++i) {
    removed += set::remove(k.shard(), e, ctx.args[i]);
  }
  if (removed > 0) removed_from(ctx, k.key(), e, k);
  ctx.out.integer(removed);
}

void cmd_smembers(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_set(ctx, k, wrong);
  if (!wrong) reply_members(ctx, e);
}

void cmd_sismember(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_set(ctx, k, wrong);
  if (!wrong) ctx.out.integer(e != nullptr && set::contains(e, ctx.args[2]));
}

void cmd_smismember(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_set(ctx, k, wrong);
  if (wrong) return;
  ctx.out.array(ctx.args.size() - 2);
  for (std::string_view m : ctx.args.subspan(2)) {
    ctx.out.integer(e != nullptr && set::contains(e, m));
  }
}

void cmd_scard(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_set(ctx, k, wrong);
  if (!wrong) ctx.out.integer(e ? static_cast<int64_t>(set::size(e)) : 0);
}

// SPOP key count: the whole set when count covers it (in its order, as Redis), else `count`
// random members, each written as it is popped.
void pop_count(Context& ctx, KeyLock& k, Entry* e, size_t count) {
  if (count == 0) return ctx.out.set(0);
  notify_keyspace_event(ctx, kNotifySet, "spop", k.key());
  if (count >= set::size(e)) {
    reply_members(ctx, e);
    k.erase();
    notify_keyspace_event(ctx, kNotifyGeneric, "del", k.key());
    return;
  }
  ctx.out.set(count);
  for (size_t i = 0; i < count; ++i) ctx.out.bulk(set::pop_random(k.shard(), e, random_source()));
}

// SPOP key [count]
void cmd_spop(Context& ctx) {
  if (ctx.args.size() > 3) return reply_syntax_error(ctx);
  std::optional<int64_t> count;
  if (ctx.args.size() == 3) {
    count = parse_int64(ctx.args[2]);
    if (!count || *count < 0) return ctx.out.error("ERR value is out of range, must be positive");
  }
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_set(ctx, k, wrong, true);
  if (wrong) return;
  if (count) {
    if (e == nullptr) return ctx.out.set(0);
    return pop_count(ctx, k, e, static_cast<size_t>(*count));
  }
  if (e == nullptr) return ctx.out.null();
  std::string member = set::pop_random(k.shard(), e, random_source());
  notify_keyspace_event(ctx, kNotifySet, "spop", k.key());
  ctx.out.bulk(member);
  bool emptied = set::size(e) == 0;  // deleted after the reply, as in Redis
  if (emptied) k.erase();
  if (emptied) notify_keyspace_event(ctx, kNotifyGeneric, "del", k.key());
}

// SRANDMEMBER with a positive count below the set's size: `count` distinct random members, with
// memory O(count). Close to the size, shuffles a copy of the set; else draws until distinct.
void reply_distinct_random(Context& ctx, const Entry* e, size_t count) {
  auto& random = random_source();
  std::vector<std::string> picked;
  if (count * 3 > set::size(e)) {
    set::for_each(e, [&](std::string_view m) { picked.emplace_back(m); });
    for (size_t i = 0; i < count; ++i) {
      std::swap(picked[i], picked[i + random() % (picked.size() - i)]);
    }
    picked.resize(count);
  } else {
    std::unordered_set<std::string> seen;
    while (picked.size() < count) {
      std::string m(set::random_member(e, random).view());
      if (seen.insert(m).second) picked.push_back(std::move(m));
    }
  }
  ctx.out.array(picked.size());
  for (const std::string& m : picked) ctx.out.bulk(m);
}

void reply_random(Context& ctx, const Entry* e, int64_t count) {
  if (count < 0) {  // repeats allowed: streamed, nothing held but the reply itself
    ctx.out.array(static_cast<size_t>(-count));
    for (int64_t i = 0; i < -count; ++i)
      ctx.out.bulk(set::random_member(e, random_source()).view());
  } else if (static_cast<size_t>(count) >= set::size(e)) {
    ctx.out.array(set::size(e));
    set::for_each(e, [&](std::string_view m) { ctx.out.bulk(m); });
  } else {
    reply_distinct_random(ctx, e, static_cast<size_t>(count));
  }
}

// SRANDMEMBER key [count]
void cmd_srandmember(Context& ctx) {
  if (ctx.args.size() > 3) return reply_syntax_error(ctx);
  std::optional<int64_t> count;
  if (ctx.args.size() == 3) {
    count = parse_int64(ctx.args[2]);
    if (!count) return reply_not_integer(ctx);
    if (*count == INT64_MIN) {
      return ctx.out.error(
          "ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
    }
  }
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_set(ctx, k, wrong);
  if (wrong) return;
  if (!count) {
    if (e == nullptr) return ctx.out.null();
    return ctx.out.bulk(set::random_member(e, random_source()).view());
  }
  if (e == nullptr || *count == 0) return ctx.out.array(0);
  reply_random(ctx, e, *count);
}

// SMOVE source destination member
void cmd_smove(Context& ctx) {
  auto keys = ctx.args.subspan(1, 2);
  std::string_view member = ctx.args[3];
  MultiKeyLock k(ctx, keys);
  Entry* src = k.find(0);
  if (src == nullptr) return ctx.out.integer(0);
  if (wrong_kind(ctx, src, store::Kind::kSet)) return;
  Entry* dst = k.find(1);
  if (wrong_kind(ctx, dst, store::Kind::kSet)) return;
  if (keys[0] == keys[1]) return ctx.out.integer(set::contains(src, member));
  if (!set::remove(k.shard(0), src, member)) return ctx.out.integer(0);
  removed_from(ctx, keys[0], src, k, size_t{0});
  if (dst == nullptr) dst = create_set(k, size_t{1});
  if (set::add(k.shard(1), dst, member)) notify_keyspace_event(ctx, kNotifySet, "sadd", keys[1]);
  ctx.out.integer(1);
}

// ---- SINTER / SUNION / SDIFF and their STORE and CARD forms

// The sets at keys [from, keys) of `k` (null for a missing key); false after replying WRONGTYPE
// (Redis checks every key's type, missing keys notwithstanding).
bool find_sets(Context& ctx, MultiKeyLock& k, size_t from, size_t keys,
               std::vector<const Entry*>& sets) {
  for (size_t i = from; i < keys; ++i) {
    Entry* e = k.find_read(i);
    if (wrong_kind(ctx, e, store::Kind::kSet)) return false;
    sets.push_back(e);
  }
  return true;
}

// Calls fn(member) -> bool (false: stop) for members common to all `sets` (none null),
// iterating the smallest.
template <typename Fn>
void for_each_common(std::vector<const Entry*> sets, Fn&& fn) {
  std::sort(sets.begin(), sets.end(),
            [](const Entry* a, const Entry* b) { return set::size(a) < set::size(b); });
  set::for_each_while(sets[0], [&](std::string_view m) {
    for (size_t i = 1; i < sets.size(); ++i) {
      if (!set::contains(sets[i], m)) return true;
    }
    return fn(m);  // false stops (SINTERCARD's LIMIT)
  });
}

bool any_contains(std::span<const Entry* const> sets, std::string_view m) {
  return std::any_of(sets.begin(), sets.end(),
                     [&](const Entry* e) { return e != nullptr && set::contains(e, m); });
}

enum class SetOp { kInter, kUnion, kDiff };
// The keyspace event of SINTERSTORE, SUNIONSTORE and SDIFFSTORE, by SetOp.
constexpr std::array<std::string_view, 3> kStoreEvents = {"sinterstore", "sunionstore",
                                                          "sdiffstore"};

// The members of `op` over `sets` (null: an empty set), each once.
std::vector<std::string> combine(SetOp op, std::span<const Entry* const> sets) {
  std::vector<std::string> out;
  auto keep = [&](std::string_view m) { out.emplace_back(m); };
  if (op == SetOp::kInter) {
    if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return out;
    for_each_common({sets.begin(), sets.end()}, [&](std::string_view m) {
      keep(m);
      return true;
    });
  } else if (op == SetOp::kUnion) {
    for (size_t j = 0; j < sets.size(); ++j) {
      if (sets[j] == nullptr) continue;
      set::for_each(sets[j], [&](std::string_view m) {
        if (!any_contains(sets.first(j), m)) keep(m);  // first seen in set j
      });
    }
  } else if (sets[0] != nullptr) {
    set::for_each(sets[0], [&](std::string_view m) {
      if (!any_contains(sets.subspan(1), m)) keep(m);
    });
  }
  return out;
}

// Orders a result as Redis replies it: Redis builds results as intsets while they hold only
// integers (up to set-max-intset-entries), so those come out ascending.
void order_like_redis(std::vector<std::string>& members) {
  if (members.size() > set::max_intset_entries()) return;
  std::vector<int64_t> ints(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    if (!set::parse_int(members[i], ints[i])) return;
  }
  std::sort(ints.begin(), ints.end());
  for (size_t i = 0; i < ints.size(); ++i) members[i] = std::to_string(ints[i]);
}

// SINTER / SUNION / SDIFF key [key ...]
void combine_reply(Context& ctx, SetOp op) {
  auto keys = ctx.args.subspan(1);
  MultiKeyLock k(ctx, keys);
  std::vector<const Entry*> sets;
  if (!find_sets(ctx, k, 0, keys.size(), sets)) return;
  std::vector<std::string> result = combine(op, sets);
  order_like_redis(result);
  reply_members(ctx, result);
}

// SINTERSTORE / SUNIONSTORE / SDIFFSTORE destination key [key ...]: the destination (whatever
// it held) becomes the result, or is deleted when the result is empty; replies the size.
void combine_store(Context& ctx, SetOp op) {
  auto keys = ctx.args.subspan(1);
  MultiKeyLock k(ctx, keys);
  std::vector<const Entry*> sets;
  if (!find_sets(ctx, k, 1, keys.size(), sets)) return;
  std::vector<std::string> result = combine(op, sets);
  if (result.empty()) {
    bool deleted = k.erase(0);
    ctx.out.integer(0);
    if (deleted) notify_keyspace_event(ctx, kNotifyGeneric, "del", keys[0]);
    return;
  }
  order_like_redis(result);  // an intset grows fastest in order
  Entry* dst = create_set(k, size_t{0});
  for (const std::string& m : result) set::add(k.shard(0), dst, m);
  ctx.out.integer(static_cast<int64_t>(result.size()));
  notify_keyspace_event(ctx, kNotifySet, kStoreEvents[static_cast<size_t>(op)], keys[0]);
}

void cmd_sinter(Context& ctx) { combine_reply(ctx, SetOp::kInter); }
void cmd_sunion(Context& ctx) { combine_reply(ctx, SetOp::kUnion); }
void cmd_sdiff(Context& ctx) { combine_reply(ctx, SetOp::kDiff); }
void cmd_sinterstore(Context& ctx) { combine_store(ctx, SetOp::kInter); }
void cmd_sunionstore(Context& ctx) { combine_store(ctx, SetOp::kUnion); }
void cmd_sdiffstore(Context& ctx) { combine_store(ctx, SetOp::kDiff); }

// SINTERCARD's numkeys (args[1]): the key count, or the error Redis 7.0 replies.
struct NumKeys {
  size_t count = 0;
  std::string_view error;
};

NumKeys parse_numkeys(std::span<const std::string_view> args) {
  auto n = parse_int64(args[1]);
  if (!n || *n < 1) return {0, "ERR numkeys should be greater than 0"};
  if (static_cast<uint64_t>(*n) > args.size() - 2) {
    return {0, "ERR Number of keys can't be greater than number of args"};
  }
  return {static_cast<size_t>(*n), {}};
}

KeyPositions sintercard_keys(std::span<const std::string_view> args) {
  if (args.size() < 2) return {};
  NumKeys n = parse_numkeys(args);
  if (!n.error.empty()) return {};
  return KeyPositions({2, static_cast<uint32_t>(2 + n.count), 1});
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void cmd_sintercard(Context& ctx) {
  NumKeys n = parse_numkeys(ctx.args);
  if (!n.error.empty()) return ctx.out.error(n.error);
  size_t limit = 0;  // 0: none
  for (size_t i = 2 + n.count; i < ctx.args.size(); i += 2) {
    if (!iequals(ctx.args[i], "limit") || i + 1 == ctx.args.size()) return reply_syntax_error(ctx);
    auto value = parse_int64(ctx.args[i + 1]);
    if (!value || *value < 0) return ctx.out.error("ERR LIMIT can't be negative");
    limit = static_cast<size_t>(*value);
  }
  auto keys = ctx.args.subspan(2, n.count);
  MultiKeyLock k(ctx, keys);
  std::vector<const Entry*> sets;
  if (!find_sets(ctx, k, 0, keys.size(), sets)) return;
  int64_t count = 0;
  if (std::find(sets.begin(), sets.end(), nullptr) == sets.end()) {
    for_each_common(sets, [&](std::string_view) { return ++count != static_cast<int64_t>(limit); });
  }
  ctx.out.integer(count);
}

// SSCAN key cursor [MATCH pattern] [COUNT count]. Redis checks the cursor, then the key, then
// the options.
void cmd_sscan(Context& ctx) {
  if (!parse_scan_cursor(ctx.args[2])) return ctx.out.error("ERR invalid cursor");
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = find_set(ctx, k, wrong);
  if (wrong) return;
  uint64_t cursor = 0;
  ScanOptions o;
  if (e != nullptr && !parse_scan_arguments(ctx, 2, false, cursor, o)) return;
  std::vector<std::string> members;
  size_t visited = 0;
  uint64_t next = 0;
  for (size_t steps = 0; e != nullptr && visited < o.count && steps < o.count * 10; ++steps) {
    next = set::scan(e, cursor, [&](std::string_view m) {
      ++visited;
      if (o.match.empty() || store::glob_match(o.match, m)) members.emplace_back(m);
    });
    if (next == 0) break;
    cursor = next;
  }
  ctx.out.array(2);
  ctx.out.bulk(std::to_string(next));
  ctx.out.array(members.size());
  for (const std::string& m : members) ctx.out.bulk(m);
}

constexpr uint32_t kW = kWrite | kDenyOom | kFast;
constexpr uint32_t kR = kReadonly | kFast;

const CommandSpec kCommands[] = {
    {.name = "sadd",
     .arity = -3,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_sadd,
     .doc = {"Adds one or more members to a set. Creates the key if it doesn't exist.", "1.0.0"}},
    {.name = "srem",
     .arity = -3,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_srem,
     .doc = {"Removes one or more members from a set. Deletes the set if the last member was "
             "removed.",
             "1.0.0"}},
    {.name = "smembers",
     .arity = 2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_smembers,
     .doc = {"Returns all members of a set.", "1.0.0"}},
    {.name = "sismember",
     .arity = 3,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_sismember,
     .doc = {"Determines whether a member belongs to a set.", "1.0.0"}},
    {.name = "smismember",
     .arity = -3,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_smismember,
     .doc = {"Determines whether multiple members belong to a set.", "6.2.0"}},
    {.name = "scard",
     .arity = 2,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_scard,
     .doc = {"Returns the number of members in a set.", "1.0.0"}},
    {.name = "spop",
     .arity = -2,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_spop,
     .doc = {"Returns one or more random members from a set after removing them. Deletes the "
             "set if the last member was popped.",
             "1.0.0"}},
    {.name = "srandmember",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_srandmember,
     .doc = {"Get one or multiple random members from a set", "1.0.0"}},
    {.name = "smove",
     .arity = 4,
     .flags = kWrite | kFast,
     .keys = {1, 2, 1},
     .fn = cmd_smove,
     .doc = {"Moves a member from one set to another.", "1.0.0"}},
    {.name = "sinter",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, -1, 1},
     .fn = cmd_sinter,
     .doc = {"Returns the intersect of multiple sets.", "1.0.0"}},
    {.name = "sintercard",
     .arity = -3,
     .flags = kReadonly,
     .fn = cmd_sintercard,
     .doc = {"Returns the number of members of the intersect of multiple sets.", "7.0.0"},
     .find_keys = sintercard_keys},
    {.name = "sinterstore",
     .arity = -3,
     .flags = kWrite | kDenyOom,
     .keys = {1, -1, 1},
     .fn = cmd_sinterstore,
     .doc = {"Stores the intersect of multiple sets in a key.", "1.0.0"}},
    {.name = "sunion",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, -1, 1},
     .fn = cmd_sunion,
     .doc = {"Returns the union of multiple sets.", "1.0.0"}},
    {.name = "sunionstore",
     .arity = -3,
     .flags = kWrite | kDenyOom,
     .keys = {1, -1, 1},
     .fn = cmd_sunionstore,
     .doc = {"Stores the union of multiple sets in a key.", "1.0.0"}},
    {.name = "sdiff",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, -1, 1},
     .fn = cmd_sdiff,
     .doc = {"Returns the difference of multiple sets.", "1.0.0"}},
    {.name = "sdiffstore",
     .arity = -3,
     .flags = kWrite | kDenyOom,
     .keys = {1, -1, 1},
     .fn = cmd_sdiffstore,
     .doc = {"Stores the difference of multiple sets in a key.", "1.0.0"}},
    {.name = "sscan",
     .arity = -3,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_sscan,
     .doc = {"Iterates over members of a set.", "2.8.0"}},
};

}  // namespace

CommandFamily set_commands() { return {"set", kCommands}; }

}  // namespace cachet::server
