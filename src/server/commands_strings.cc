// String commands: GET SET MGET MSET INCR APPEND GETRANGE ... with Redis 7 semantics.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>

#include "server/args.h"
#include "server/command.h"
#include "server/expire.h"
#include "server/key_lock.h"
#include "server/notify.h"
#include "store/strings.h"

namespace cachet::server {
namespace {

using store::Entry;

// Options shared by SET and GETEX.
struct SetOptions {
  bool nx = false, xx = false, get = false, keepttl = false, persist = false;
  bool has_expire = false;       // EX / PX / EXAT / PXAT given
  std::string_view expire_text;  // its number, parsed by resolve_expire()
  TimeUnit unit = TimeUnit::kSeconds;
  bool absolute = false;
  int64_t expire_at = 0;  // set by resolve_expire()
};

enum class OptionsFor { kSet, kGetEx };

// Parses the syntax of SET / GETEX options from args[first..] (the expire number is parsed later,
// by resolve_expire, as Redis does). Writes the error reply and returns false on error.
bool parse_set_options(Context& ctx, size_t first, OptionsFor mode, SetOptions& o) {
  for (size_t i = first; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    bool is_set = mode == OptionsFor::kSet;
    bool timed = iequals(a, "ex") || iequals(a, "px") || iequals(a, "exat") || iequals(a, "pxat");
    if (is_set && iequals(a, "nx") && !o.xx) {
      o.nx = true;
    } else if (is_set && iequals(a, "xx") && !o.nx) {
      o.xx = true;
    } else if (is_set && iequals(a, "get")) {
      o.get = true;
    } else if (is_set && iequals(a, "keepttl") && !o.has_expire) {
      o.keepttl = true;
    } else if (!is_set && iequals(a, "persist") && !o.has_expire) {
      o.persist = true;
    } else if (timed && !o.has_expire && !o.keepttl && !o.persist && i + 1 < ctx.args.size()) {
      o.has_expire = true;
      o.expire_text = ctx.args[++i];
      o.unit = (a[0] | 0x20) == 'e' ? TimeUnit::kSeconds : TimeUnit::kMillis;
      o.absolute = a.size() == 4;
    } else {
      reply_syntax_error(ctx);
      return false;
    }
  }
  return true;
}

// Parses the expire number of `o` (when given) into o.expire_at. Writes the error reply and
// returns false when it is not an integer or not a valid time.
bool resolve_expire(Context& ctx, SetOptions& o, int64_t now) {
  if (!o.has_expire) return true;
  auto n = parse_int64(o.expire_text);
  if (!n) {
    reply_not_integer(ctx);
    return false;
  }
  auto at = expire_at_ms(*n, o.unit, o.absolute, now);
  if (*n <= 0 || !at) {
    ctx.out.error(fmt::format("ERR invalid expire time in '{}' command", ctx.spec.name));
    return false;
  }
  o.expire_at = *at;
  return true;
}

// Replies with a string value, null when absent, or WRONGTYPE. Returns false on WRONGTYPE.
bool reply_value(Context& ctx, const Entry* e) {
  if (e == nullptr) {
    ctx.out.null();
  } else if (!e->is_string()) {
    reply_wrong_type(ctx);
    return false;
  } else {
    ctx.out.bulk(e->value());
  }
  return true;
}

bool is_other_type(const Entry* e) { return e != nullptr && !e->is_string(); }

// The events of a string write that may set a TTL: `event`, then "expire" when it set one.
void notify_set(Context& ctx, std::string_view key, bool expires, std::string_view event = "set") {
  notify_keyspace_event(ctx, kNotifyString, event, key);
  if (expires) notify_keyspace_event(ctx, kNotifyGeneric, "expire", key);
}

// SET's core once options are parsed: replies OK / null, or the old value with GET.
void do_set(Context& ctx, std::string_view key, std::string_view value, const SetOptions& o) {
  KeyLock k(ctx, key);
  // With GET, Redis reads the key first (a keyspace hit or miss, and "keymiss").
  Entry* old = o.get ? k.find_read() : k.find();
  if (o.get && !reply_value(ctx, old)) return;
  if ((o.nx && old != nullptr) || (o.xx && old == nullptr)) {
    if (!o.get) ctx.out.null();
    return;
  }
  int64_t expire_at = o.has_expire ? o.expire_at : (o.keepttl && old ? old->expire_at() : 0);
  k.put(value, expire_at);  // (an EXAT/PXAT in the past: set, and expired from then on)
  notify_set(ctx, key, o.has_expire);
  if (!o.get) ctx.out.ok();
}

void cmd_get(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  reply_value(ctx, k.find_read());
}

void cmd_set(Context& ctx) {
  SetOptions o;
  if (parse_set_options(ctx, 3, OptionsFor::kSet, o) &&
      resolve_expire(ctx, o, ctx.instance.store().now())) {
    do_set(ctx, ctx.args[1], ctx.args[2], o);
  }
}

void cmd_setnx(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool absent = k.find() == nullptr;
  if (absent) k.put(ctx.args[2]);
  if (absent) notify_set(ctx, k.key(), false);
  ctx.out.integer(absent ? 1 : 0);
}

// SETEX key seconds value / PSETEX key milliseconds value.
void setex_generic(Context& ctx, TimeUnit unit) {
  SetOptions o{.has_expire = true, .expire_text = ctx.args[2], .unit = unit};
  if (!resolve_expire(ctx, o, ctx.instance.store().now())) return;
  KeyLock k(ctx, ctx.args[1]);
  k.put(ctx.args[3], o.expire_at);
  notify_set(ctx, k.key(), true);
  ctx.out.ok();
}

void cmd_setex(Context& ctx) { setex_generic(ctx, TimeUnit::kSeconds); }
void cmd_psetex(Context& ctx) { setex_generic(ctx, TimeUnit::kMillis); }

void cmd_getset(Context& ctx) {
  SetOptions o;
  o.get = true;
  do_set(ctx, ctx.args[1], ctx.args[2], o);
}

void cmd_getdel(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find_read();
  if (!reply_value(ctx, e) || e == nullptr) return;
  k.erase();
  notify_keyspace_event(ctx, kNotifyGeneric, "del", k.key());
}

void cmd_getex(Context& ctx) {
  SetOptions o;
  if (!parse_set_options(ctx, 2, OptionsFor::kGetEx, o)) return;
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find_read();
  // Redis looks the key up before it parses the time: a missing key is nil, another type
  // WRONGTYPE, whatever the number.
  if (e == nullptr) return ctx.out.null();
  if (!e->is_string()) return reply_wrong_type(ctx);
  if (!resolve_expire(ctx, o, k.now())) return;
  ctx.out.bulk(e->value());
  if (o.has_expire && o.expire_at <= k.now()) {
    k.erase();
    notify_keyspace_event(ctx, kNotifyGeneric, "del", k.key());
  } else if (o.has_expire || (o.persist && e->expire_at() != 0)) {
    // PERSIST of a key without a TTL changes nothing (a WATCH on it stays clean, as in Redis).
    (void)k.shard().set_expire(e, o.has_expire ? o.expire_at : 0);
    notify_keyspace_event(ctx, kNotifyGeneric, o.has_expire ? "expire" : "persist", k.key());
  }
}

void cmd_mget(Context& ctx) {
  auto keys = ctx.args.subspan(1);
  MultiKeyLock k(ctx, keys);
  ctx.out.array(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    Entry* e = k.find_read(i);
    reply_value(ctx, is_other_type(e) ? nullptr : e);  // MGET answers nil for other types
  }
}

// Keys of MSET/MSETNX are args[1], args[3], ...; values follow each key.
std::vector<std::string_view> mset_keys(Context& ctx) {
  std::vector<std::string_view> keys;
  for (size_t i = 1; i < ctx.args.size(); i += 2) keys.push_back(ctx.args[i]);
  return keys;
}

void mset_generic(Context& ctx, bool only_if_none_exist) {
  if (ctx.args.size() % 2 == 0) return reply_wrong_arity(ctx, ctx.spec.name);
  std::vector<std::string_view> keys = mset_keys(ctx);
  MultiKeyLock k(ctx, keys);
  if (only_if_none_exist) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (k.find(i) != nullptr) return ctx.out.integer(0);
    }
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    k.put(i, ctx.args[2 * i + 2]);
    notify_set(ctx, keys[i], false);
  }
  if (only_if_none_exist) {
    ctx.out.integer(1);
  } else {
    ctx.out.ok();
  }
}

void cmd_mset(Context& ctx) { mset_generic(ctx, false); }
void cmd_msetnx(Context& ctx) { mset_generic(ctx, true); }

// Replaces the value of `key` (keeping its TTL) or creates it.
void store_keep_ttl(KeyLock& k, Entry* e, std::string_view value,
                    store::str::Form form = store::str::Form::kAsWritten) {
  if (e == nullptr) {
    store::str::set_form(k.put(value), form);
  } else {
    store::str::assign(k.shard(), e, value, form);
  }
}

std::optional<std::string_view> value_of(const Entry* e) {
  if (e == nullptr) return std::nullopt;
  return e->value();
}

void incr_by(Context& ctx, std::string_view key, int64_t delta) {
  KeyLock k(ctx, key);
  Entry* e = k.find();
  if (is_other_type(e)) return reply_wrong_type(ctx);
  auto result =
      increment_int(ctx, value_of(e), delta, "ERR value is not an integer or out of range");
  if (!result) return;
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof(buf), *result).ptr;
  store_keep_ttl(k, e, std::string_view(buf, end - buf));
  notify_set(ctx, key, false, "incrby");
  ctx.out.integer(*result);
}

void cmd_incr(Context& ctx) { incr_by(ctx, ctx.args[1], 1); }
void cmd_decr(Context& ctx) { incr_by(ctx, ctx.args[1], -1); }

void cmd_incrby(Context& ctx) {
  auto delta = parse_int64(ctx.args[2]);
  if (!delta) return reply_not_integer(ctx);
  incr_by(ctx, ctx.args[1], *delta);
}

void cmd_decrby(Context& ctx) {
  auto delta = parse_int64(ctx.args[2]);
  if (!delta) return reply_not_integer(ctx);
  if (*delta == INT64_MIN) return ctx.out.error("ERR decrement would overflow");
  incr_by(ctx, ctx.args[1], -*delta);
}

void cmd_incrbyfloat(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find();
  if (is_other_type(e)) return reply_wrong_type(ctx);  // Redis checks the type first here
  auto delta = parse_long_double(ctx.args[2]);
  if (!delta) return ctx.out.error("ERR value is not a valid float");
  auto text = increment_float(ctx, value_of(e), *delta, "ERR value is not a valid float");
  if (!text) return;
  store_keep_ttl(k, e, *text, store::str::Form::kText);  // never "int", as in Redis
  notify_set(ctx, k.key(), false, "incrbyfloat");
  ctx.out.bulk(*text);
}

bool within_max_size(Context& ctx, uint64_t size) {
  if (size <= ctx.instance.proto_max_bulk_len()) return true;
  ctx.out.error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  return false;
}

void cmd_append(Context& ctx) {
  std::string_view add = ctx.args[2];
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find();
  if (is_other_type(e)) return reply_wrong_type(ctx);
  if (e == nullptr) {
    k.put(add);
    notify_set(ctx, k.key(), false, "append");
    return ctx.out.integer(static_cast<int64_t>(add.size()));
  }
  if (!within_max_size(ctx, e->value_len() + add.size())) return;
  size_t length = store::str::append(k.shard(), e, add);
  notify_set(ctx, k.key(), false, "append");
  ctx.out.integer(static_cast<int64_t>(length));
}

void cmd_strlen(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find_read();
  if (is_other_type(e)) return reply_wrong_type(ctx);
  ctx.out.integer(e ? e->value_len() : 0);
}

void cmd_getrange(Context& ctx) {
  auto start = parse_int64(ctx.args[2]);
  auto end = parse_int64(ctx.args[3]);
  if (!start || !end) return reply_not_integer(ctx);
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find_read();
  if (is_other_type(e)) return reply_wrong_type(ctx);
  std::string_view v = e ? e->value() : std::string_view();
  if (*start < 0 && *end < 0 && *start > *end) return ctx.out.bulk("");
  auto range = clamp_range(*start, *end, v.size());
  if (!range) return ctx.out.bulk("");
  ctx.out.bulk(v.substr(range->first, range->second - range->first + 1));
}

void cmd_setrange(Context& ctx) {
  auto offset = parse_int64(ctx.args[2]);
  if (!offset) return reply_not_integer(ctx);
  if (*offset < 0) return ctx.out.error("ERR offset is out of range");
  std::string_view value = ctx.args[3];
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find();
  if (is_other_type(e)) return reply_wrong_type(ctx);
  size_t old_len = e ? e->value_len() : 0;
  if (value.empty()) return ctx.out.integer(static_cast<int64_t>(old_len));
  uint64_t end = static_cast<uint64_t>(*offset) + value.size();
  if (!within_max_size(ctx, end)) return;
  if (e == nullptr) e = k.put("");
  size_t new_len = store::str::write_at(k.shard(), e, static_cast<size_t>(*offset), value);
  notify_set(ctx, k.key(), false, "setrange");
  ctx.out.integer(static_cast<int64_t>(new_len));
}

constexpr uint32_t kW = kWrite | kDenyOom;
constexpr uint32_t kR = kReadonly | kFast;

const CommandSpec kCommands[] = {
    {.name = "get",
     .arity = 2,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_get,
     .doc = {"Returns the string value of a key.", "1.0.0"}},
    {.name = "set",
     .arity = -3,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_set,
     .doc = {"Sets the string value of a key.", "1.0.0"}},
    {.name = "setnx",
     .arity = 3,
     .flags = kW | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_setnx,
     .doc = {"Set the string value of a key only when the key doesn't exist.", "1.0.0"}},
    {.name = "setex",
     .arity = 4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_setex,
     .doc = {"Sets the string value and expiration time of a key.", "2.0.0"}},
    {.name = "psetex",
     .arity = 4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_psetex,
     .doc = {"Sets the string value and expiration time in milliseconds of a key.", "2.6.0"}},
    {.name = "getset",
     .arity = 3,
     .flags = kW | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_getset,
     .doc = {"Returns the previous string value of a key after setting it to a new value.",
             "1.0.0"}},
    {.name = "getdel",
     .arity = 2,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_getdel,
     .doc = {"Returns the string value of a key after deleting the key.", "6.2.0"}},
    {.name = "getex",
     .arity = -2,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_getex,
     .doc = {"Returns the string value of a key after setting its expiration time.", "6.2.0"}},
    {.name = "mget",
     .arity = -2,
     .flags = kR,
     .keys = {1, -1, 1},
     .fn = cmd_mget,
     .doc = {"Atomically returns the string values of one or more keys.", "1.0.0"}},
    {.name = "mset",
     .arity = -3,
     .flags = kW,
     .keys = {1, -1, 2},
     .fn = cmd_mset,
     .doc = {"Atomically creates or modifies the string values of one or more keys.", "1.0.1"}},
    {.name = "msetnx",
     .arity = -3,
     .flags = kW,
     .keys = {1, -1, 2},
     .fn = cmd_msetnx,
     .doc = {"Atomically modifies the string values of one or more keys only when all keys don't "
             "exist.",
             "1.0.1"}},
    {.name = "incr",
     .arity = 2,
     .flags = kW | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_incr,
     .doc = {"Increments the integer value of a key by one.", "1.0.0"}},
    {.name = "decr",
     .arity = 2,
     .flags = kW | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_decr,
     .doc = {"Decrements the integer value of a key by one.", "1.0.0"}},
    {.name = "incrby",
     .arity = 3,
     .flags = kW | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_incrby,
     .doc = {"Increments the integer value of a key by a number.", "1.0.0"}},
    {.name = "decrby",
     .arity = 3,
     .flags = kW | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_decrby,
     .doc = {"Decrements a number from the integer value of a key.", "1.0.0"}},
    {.name = "incrbyfloat",
     .arity = 3,
     .flags = kW | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_incrbyfloat,
     .doc = {"Increment the floating point value of a key by a number.", "2.6.0"}},
    {.name = "append",
     .arity = 3,
     .flags = kW | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_append,
     .doc = {"Appends a string to the value of a key. Creates the key if it doesn't exist.",
             "2.0.0"}},
    {.name = "strlen",
     .arity = 2,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_strlen,
     .doc = {"Returns the length of a string value.", "2.2.0"}},
    {.name = "getrange",
     .arity = 4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_getrange,
     .doc = {"Returns a substring of the string stored at a key.", "2.4.0"}},
    {.name = "setrange",
     .arity = 4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_setrange,
     .doc = {"Overwrites a part of a string value with another by an offset.", "2.2.0"}},
};

}  // namespace

CommandFamily string_commands() { return {"string", kCommands}; }

}  // namespace cachet::server
