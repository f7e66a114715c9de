// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM
// LPOS RPOPLPUSH LMOVE LMPOP with Redis 7.0 semantics, and the pop/move cores of list_ops.h.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/args.h"
#include "server/command.h"
#include "server/key_lock.h"
#include "server/list_ops.h"
#include "server/notify.h"
#include "store/list.h"

namespace cachet::server {

using store::Entry;
using store::list::End;
namespace list = store::list;

namespace {

// `e` if it is a list or null; null after replying WRONGTYPE (setting `wrong`) otherwise.
Entry* as_list(Context& ctx, Entry* e, bool& wrong) {
  wrong = wrong_kind(ctx, e, store::Kind::kList);
  return wrong ? nullptr : e;
}

// Puts an empty list at the (absent) key.
Entry* create_list(const ListKey& k) {
  Entry* e = k.shard.put(k.key, k.hash, "", 0);
  list::init(e);
  return e;
}

// Raises `event` for the list `e` at `k` after a removal, deleting the key (and raising "del")
// when it is now empty.
void removed_from(Context& ctx, const ListKey& k, const Entry* e, std::string_view event) {
  bool emptied = list::size(e) == 0;
  if (emptied) k.shard.erase(k.key, k.hash, k.now);
  notify_write(ctx, kNotifyList, event, k.key, emptied);
}

std::string_view pop_event(End end) { return end == End::kHead ? "lpop" : "rpop"; }
std::string_view push_event(End end) { return end == End::kHead ? "lpush" : "rpush"; }

// Pops min(count, length) elements from `end` of `e` and writes them as an array.
void reply_popped(const ListKey& k, Entry*& e, End end, size_t count, resp::Writer& out) {
  size_t n = std::min(count, list::size(e));
  out.array(n);
  for (size_t i = 0; i < n; ++i) out.bulk(*list::pop(k.shard, e, end));
}

// A [start, stop] range with Redis's LRANGE/LTRIM rules over `n` elements (negative from the
// tail, clamped); nothing when empty.
std::optional<std::pair<size_t, size_t>> normalize_range(int64_t start, int64_t stop, size_t n) {
  auto len = static_cast<int64_t>(n);
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  start = std::max<int64_t>(start, 0);
  if (start > stop || start >= len) return std::nullopt;
  return std::pair<size_t, size_t>(start, std::min(stop, len - 1));
}

// Parses args[i] and args[i + 1] as integers; replies and returns nothing when either is not.
std::optional<std::pair<int64_t, int64_t>> parse_pair(Context& ctx, size_t i) {
  auto a = parse_int64(ctx.args[i]), b = parse_int64(ctx.args[i + 1]);
  if (!a || !b) {
    reply_not_integer(ctx);
    return std::nullopt;
  }
  return std::pair(*a, *b);
}

// ---- Pushes and pops

void push_command(Context& ctx, End end, bool only_existing) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_list(ctx, k.find(), wrong);
  if (wrong) return;
  if (e == nullptr) {
    if (only_existing) return ctx.out.integer(0);
    e = create_list(list_key(k));
  }
  for (size_t i = 2; i < ctx.args.size(); ++i) list::push(k.shard(), e, end, ctx.args[i]);
  ctx.out.integer(static_cast<int64_t>(list::size(e)));
  notify_keyspace_event(ctx, kNotifyList, push_event(end), k.key());
}

void cmd_lpush(Context& ctx) { push_command(ctx, End::kHead, false); }
void cmd_rpush(Context& ctx) { push_command(ctx, End::kTail, false); }
void cmd_lpushx(Context& ctx) { push_command(ctx, End::kHead, true); }
void cmd_rpushx(Context& ctx) { push_command(ctx, End::kTail, true); }

// LPOP / RPOP key [count]
void pop_command(Context& ctx, End end) {
  if (ctx.args.size() > 3) return reply_wrong_arity(ctx, ctx.spec.name);
  std::optional<int64_t> count;
  if (ctx.args.size() == 3) {
    count = parse_int64(ctx.args[2]);
    if (!count || *count < 0) return ctx.out.error("ERR value is out of range, must be positive");
  }
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_list(ctx, k.find(), wrong);
  if (wrong) return;
  if (e == nullptr) return count ? ctx.out.null_array() : ctx.out.null();
  ListKey key = list_key(k);
  if (count) {
    reply_popped(key, e, end, static_cast<size_t>(*count), ctx.out);
    if (*count == 0) return;  // nothing popped, nothing raised
  } else {
    ctx.out.bulk(*list::pop(k.shard(), e, end));
  }
  removed_from(ctx, key, e, pop_event(end));
}

void cmd_lpop(Context& ctx) { pop_command(ctx, End::kHead); }
void cmd_rpop(Context& ctx) { pop_command(ctx, End::kTail); }

// ---- Reads

void cmd_llen(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_list(ctx, k.find_read(), wrong);
  if (!wrong) ctx.out.integer(e ? static_cast<int64_t>(list::size(e)) : 0);
}

void cmd_lrange(Context& ctx) {
  auto range = parse_pair(ctx, 2);
  if (!range) return;
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_list(ctx, k.find_read(), wrong);
  if (wrong) return;
  auto span = e ? normalize_range(range->first, range->second, list::size(e)) : std::nullopt;
  if (!span) return ctx.out.array(0);
  ctx.out.array(span->second - span->first + 1);
  list::for_range(e, span->first, span->second, [&](std::string_view v) { ctx.out.bulk(v); });
}

void cmd_lindex(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_list(ctx, k.find_read(), wrong);
  if (wrong) return;
  if (e == nullptr) return ctx.out.null();
  auto index = parse_int64(ctx.args[2]);
  if (!index) return reply_not_integer(ctx);
  std::string buffer;
  auto value = list::index(e, *index, buffer);
  if (!value) return ctx.out.null();
  ctx.out.bulk(*value);
}

struct LposOptions {
  int64_t rank = 1;
  std::optional<int64_t> count;  // COUNT given (0: every match)
  int64_t maxlen = 0;            // 0: no limit
};

// Parses one LPOS option value (`name` is RANK, COUNT or MAXLEN); replies and returns false on
// an error.
bool parse_lpos_option(Context& ctx, std::string_view name, std::string_view text, LposOptions& o) {
  auto n = parse_int64(text);
  if (iequals(name, "rank")) {
    if (!n) return reply_not_integer(ctx), false;
    if (*n == 0) {
      ctx.out.error(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or "
          "use negative to start from the end of the list");
      return false;
    }
    o.rank = *n;
    return true;
  }
  bool count = iequals(name, "count");
  if (!n || *n < 0) {
    ctx.out.error(count ? "ERR COUNT can't be negative" : "ERR MAXLEN can't be negative");
    return false;
  }
  if (count) {
    o.count = *n;
  } else {
    o.maxlen = *n;
  }
  return true;
}

// Parses LPOS's options from args[3], in order; replies and returns nothing on an error.
std::optional<LposOptions> parse_lpos(Context& ctx) {
  LposOptions o;
  for (size_t i = 3; i < ctx.args.size(); i += 2) {
    std::string_view name = ctx.args[i];
    bool known = iequals(name, "rank") || iequals(name, "count") || iequals(name, "maxlen");
    if (!known || i + 1 == ctx.args.size()) return reply_syntax_error(ctx), std::nullopt;
    if (!parse_lpos_option(ctx, name, ctx.args[i + 1], o)) return std::nullopt;
  }
  return o;
}

// The positions of the matches LPOS reports: from the head for a positive rank, else from the
// tail, after skipping |rank| - 1 matches, at most `count` (0: all), within `maxlen` elements.
std::vector<int64_t> lpos_matches(const Entry* e, std::string_view value, const LposOptions& o) {
  // Redis 7.0 negates INT64_MIN to itself: every match ranks then, and COUNT never stops it.
  bool unbounded = o.rank == std::numeric_limits<int64_t>::min();
  uint64_t skip = unbounded ? 0 : (o.rank > 0 ? o.rank : -o.rank) - 1;
  uint64_t wanted = o.count.value_or(1);
  if (wanted == 0 || unbounded) wanted = std::numeric_limits<uint64_t>::max();
  End from = o.rank > 0 ? End::kHead : End::kTail;
  auto n = static_cast<int64_t>(list::size(e));
  std::vector<int64_t> found;
  int64_t seen = 0;
  list::for_each_from(e, from, [&](std::string_view v) {
    if (o.maxlen != 0 && seen >= o.maxlen) return false;
    int64_t at = from == End::kHead ? seen : n - 1 - seen;
    ++seen;
    if (v != value) return true;
    if (skip > 0) {
      --skip;
      return true;
    }
    found.push_back(at);
    return found.size() < wanted;
  });
  return found;
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void cmd_lpos(Context& ctx) {
  auto o = parse_lpos(ctx);
  if (!o) return;
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_list(ctx, k.find_read(), wrong);
  if (wrong) return;
  std::vector<int64_t> found;
  if (e != nullptr) found = lpos_matches(e, ctx.args[2], *o);
  if (!o->count) return found.empty() ? ctx.out.null() : ctx.out.integer(found[0]);
  ctx.out.array(found.size());
  for (int64_t at : found) ctx.out.integer(at);
}

// ---- In-place writes

void cmd_lset(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_list(ctx, k.find(), wrong);
  if (wrong) return;
  if (e == nullptr) return ctx.out.error("ERR no such key");
  auto index = parse_int64(ctx.args[2]);
  if (!index) return reply_not_integer(ctx);
  if (!list::set(k.shard(), e, *index, ctx.args[3])) {
    return ctx.out.error("ERR index out of range");
  }
  ctx.out.ok();
  notify_keyspace_event(ctx, kNotifyList, "lset", k.key());
}

// LINSERT key BEFORE|AFTER pivot element
void cmd_linsert(Context& ctx) {
  bool before = iequals(ctx.args[2], "before");
  if (!before && !iequals(ctx.args[2], "after")) return reply_syntax_error(ctx);
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_list(ctx, k.find(), wrong);
  if (wrong) return;
  if (e == nullptr) return ctx.out.integer(0);
  int64_t length = list::insert(k.shard(), e, before, ctx.args[3], ctx.args[4]);
  if (length > 0) notify_keyspace_event(ctx, kNotifyList, "linsert", k.key());
  ctx.out.integer(length);
}

void cmd_lrem(Context& ctx) {
  auto count = parse_int64(ctx.args[2]);
  if (!count) return reply_not_integer(ctx);
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_list(ctx, k.find(), wrong);
  if (wrong) return;
  if (e == nullptr) return ctx.out.integer(0);
  size_t removed = list::remove(k.shard(), e, *count, ctx.args[3]);
  if (removed > 0) removed_from(ctx, list_key(k), e, "lrem");
  ctx.out.integer(static_cast<int64_t>(removed));
}

void cmd_ltrim(Context& ctx) {
  auto range = parse_pair(ctx, 2);
  if (!range) return;
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_list(ctx, k.find(), wrong);
  if (wrong) return;
  if (e != nullptr) {
    auto span = normalize_range(range->first, range->second, list::size(e));
    if (span) {
      list::trim(k.shard(), e, span->first, span->second);
    } else {
      k.erase();
    }
    notify_write(ctx, kNotifyList, "ltrim", k.key(), !span);
  }
  ctx.out.ok();
}

// ---- Multi-key commands

void move_command(Context& ctx, End from, End to) {
  auto keys = ctx.args.subspan(1, 2);
  MultiKeyLock lock(ctx, keys);
  if (!move_reply(list_key(lock, 0, keys[0]), list_key(lock, 1, keys[1]), from, to, ctx)) {
    ctx.out.null();
  }
}

void cmd_rpoplpush(Context& ctx) { move_command(ctx, End::kTail, End::kHead); }

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void cmd_lmove(Context& ctx) {
  auto from = parse_end(ctx.args[3]), to = parse_end(ctx.args[4]);
  if (!from || !to) return reply_syntax_error(ctx);
  move_command(ctx, *from, *to);
}

KeyPositions lmpop_keys(std::span<const std::string_view> args) { return mpop_keys(args, 1); }

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void cmd_lmpop(Context& ctx) {
  std::optional<MpopArguments> a = parse_mpop(ctx, 1);
  if (!a) return;
  MultiKeyLock lock(ctx, a->keys);
  std::vector<ListKey> list_keys;
  list_keys.reserve(a->keys.size());
  for (size_t i = 0; i < a->keys.size(); ++i) list_keys.push_back(list_key(lock, i, a->keys[i]));
  if (!pop_first(list_keys, a->end, a->count, PopForm::kKeyElements, ctx)) {
    ctx.out.null_array();
  }
}

constexpr uint32_t kPushFlags = kWrite | kDenyOom | kFast;

const CommandSpec kCommands[] = {
    {.name = "lpush",
     .arity = -3,
     .flags = kPushFlags,
     .keys = {1, 1, 1},
     .fn = cmd_lpush,
     .doc = {"Prepends one or more elements to a list. Creates the key if it doesn't exist.",
             "1.0.0"}},
    {.name = "rpush",
     .arity = -3,
     .flags = kPushFlags,
     .keys = {1, 1, 1},
     .fn = cmd_rpush,
     .doc = {"Appends one or more elements to a list. Creates the key if it doesn't exist.",
             "1.0.0"}},
    {.name = "lpushx",
     .arity = -3,
     .flags = kPushFlags,
     .keys = {1, 1, 1},
     .fn = cmd_lpushx,
     .doc = {"Prepends one or more elements to a list only when the list exists.", "2.2.0"}},
    {.name = "rpushx",
     .arity = -3,
     .flags = kPushFlags,
     .keys = {1, 1, 1},
     .fn = cmd_rpushx,
     .doc = {"Appends one or more elements to a list only when the list exists.", "2.2.0"}},
    {.name = "lpop",
     .arity = -2,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_lpop,
     .doc = {"Returns and removes the first elements of a list. Deletes the list if the last "
             "element was popped.",
             "1.0.0"}},
    {.name = "rpop",
     .arity = -2,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_rpop,
     .doc = {"Returns and removes the last elements of a list. Deletes the list if the last "
             "element was popped.",
             "1.0.0"}},
    {.name = "llen",
     .arity = 2,
     .flags = kReadonly | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_llen,
     .doc = {"Returns the length of a list.", "1.0.0"}},
    {.name = "lrange",
     .arity = 4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_lrange,
     .doc = {"Returns a range of elements from a list.", "1.0.0"}},
    {.name = "lindex",
     .arity = 3,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_lindex,
     .doc = {"Returns an element from a list by its index.", "1.0.0"}},
    {.name = "lpos",
     .arity = -3,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_lpos,
     .doc = {"Returns the index of matching elements in a list.", "6.0.6"}},
    {.name = "lset",
     .arity = 4,
     .flags = kWrite | kDenyOom,
     .keys = {1, 1, 1},
     .fn = cmd_lset,
     .doc = {"Sets the value of an element in a list by its index.", "1.0.0"}},
    {.name = "linsert",
     .arity = 5,
     .flags = kWrite | kDenyOom,
     .keys = {1, 1, 1},
     .fn = cmd_linsert,
     .doc = {"Inserts an element before or after another element in a list.", "2.2.0"}},
    {.name = "lrem",
     .arity = 4,
     .flags = kWrite,
     .keys = {1, 1, 1},
     .fn = cmd_lrem,
     .doc = {"Removes elements from a list. Deletes the list if the last element was removed.",
             "1.0.0"}},
    {.name = "ltrim",
     .arity = 4,
     .flags = kWrite,
     .keys = {1, 1, 1},
     .fn = cmd_ltrim,
     .doc = {"Removes elements from both ends of a list. Deletes the list if all elements were "
             "trimmed.",
             "1.0.0"}},
    {.name = "rpoplpush",
     .arity = 3,
     .flags = kWrite | kDenyOom,
     .keys = {1, 2, 1},
     .fn = cmd_rpoplpush,
     .doc = {"Returns the last element of a list after removing and pushing it to another list. "
             "Deletes the list if the last element was popped.",
             "1.2.0"}},
    {.name = "lmove",
     .arity = 5,
     .flags = kWrite | kDenyOom,
     .keys = {1, 2, 1},
     .fn = cmd_lmove,
     .doc = {"Returns an element after popping it from one list and pushing it to another. "
             "Deletes the list if the last element was moved.",
             "6.2.0"}},
    {.name = "lmpop",
     .arity = -4,
     .flags = kWrite,
     .fn = cmd_lmpop,
     .doc = {"Returns multiple elements from a list after removing them. Deletes the list if the "
             "last element was popped.",
             "7.0.0"},
     .find_keys = lmpop_keys},
};

}  // namespace

// ---- list_ops.h

Entry* ListKey::find_list(bool& wrong) const {
  Entry* e = shard.lookup_write(key, hash, now);
  wrong = e != nullptr && e->kind() != store::Kind::kList;
  return wrong ? nullptr : e;
}

std::optional<End> parse_end(std::string_view word) {
  if (iequals(word, "left")) return End::kHead;
  if (iequals(word, "right")) return End::kTail;
  return std::nullopt;
}

namespace {

// The numkeys at args[at] when it is valid for the argument count, else nothing.
std::optional<size_t> mpop_numkeys(std::span<const std::string_view> args, size_t at) {
  auto n = parse_int64(args[at]);
  if (!n || *n <= 0 || static_cast<uint64_t>(*n) > args.size() - at - 2) return std::nullopt;
  return static_cast<size_t>(*n);
}

}  // namespace

KeyPositions mpop_keys(std::span<const std::string_view> args, size_t at) {
  auto n = args.size() >= at + 3 ? mpop_numkeys(args, at) : std::nullopt;
  if (!n) return {};
  return KeyPositions({static_cast<uint32_t>(at + 1), static_cast<uint32_t>(at + 1 + *n), 1});
}

std::optional<MpopArguments> parse_mpop(Context& ctx, size_t at) {
  auto numkeys = parse_int64(ctx.args[at]);
  if (!numkeys || *numkeys <= 0) {
    ctx.out.error("ERR numkeys should be greater than 0");
    return std::nullopt;
  }
  auto n = mpop_numkeys(ctx.args, at);
  if (!n) {
    reply_syntax_error(ctx);
    return std::nullopt;
  }
  MpopArguments a{ctx.args.subspan(at + 1, *n), End::kHead, 1};
  auto end = parse_end(ctx.args[at + 1 + *n]);
  if (!end) {
    reply_syntax_error(ctx);
    return std::nullopt;
  }
  a.end = *end;
  // Options in order, as Redis reads them: one COUNT (checked as soon as it is read), nothing
  // else.
  bool counted = false;
  for (size_t i = at + 2 + *n; i < ctx.args.size(); ++i) {
    if (counted || !iequals(ctx.args[i], "count") || i + 1 == ctx.args.size()) {
      reply_syntax_error(ctx);
      return std::nullopt;
    }
    auto c = parse_int64(ctx.args[++i]);
    if (!c || *c <= 0) {
      ctx.out.error("ERR count should be greater than 0");
      return std::nullopt;
    }
    a.count = static_cast<size_t>(*c);
    counted = true;
  }
  return a;
}

ListKey list_key(KeyLock& k) { return {k.shard(), k.key(), k.hash(), k.now()}; }
ListKey list_key(MultiKeyLock& k, size_t i, std::string_view key) {
  return {k.shard(i), key, k.hash(i), k.now()};
}

void pop_reply(const ListKey& key, Entry* e, End end, size_t count, PopForm form, Context& ctx) {
  ctx.out.array(2);
  ctx.out.bulk(key.key);
  if (form == PopForm::kKeyElements) {
    reply_popped(key, e, end, count, ctx.out);
  } else {
    ctx.out.bulk(*list::pop(key.shard, e, end));
  }
  removed_from(ctx, key, e, pop_event(end));
}

bool pop_first(std::span<const ListKey> keys, End end, size_t count, PopForm form, Context& ctx) {
  for (const ListKey& key : keys) {
    bool wrong;
    Entry* e = key.find_list(wrong);
    if (wrong) return ctx.out.error(kWrongTypeError), true;
    if (e != nullptr) return pop_reply(key, e, end, count, form, ctx), true;
  }
  return false;
}

bool move_reply(const ListKey& src, const ListKey& dst, End from, End to, Context& ctx) {
  bool wrong;
  Entry* s = src.find_list(wrong);
  if (!wrong && s == nullptr) return false;
  if (!wrong) dst.find_list(wrong);
  if (wrong) return ctx.out.error(kWrongTypeError), true;
  bool same = src.key == dst.key;
  std::string value = *list::pop(src.shard, s, from);
  Entry* d = same ? s : dst.find_list(wrong);
  if (d == nullptr) d = create_list(dst);
  list::push(dst.shard, d, to, value);
  if (same) s = d;  // the push may have moved the entry
  // Redis raises the push on the destination first, then replies, then raises the pop.
  notify_keyspace_event(ctx, kNotifyList, push_event(to), dst.key);
  ctx.out.bulk(value);
  removed_from(ctx, src, s, pop_event(from));
  return true;
}

CommandFamily list_commands() { return {"list", kCommands}; }

}  // namespace cachet::server
