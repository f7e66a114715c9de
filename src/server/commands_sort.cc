// SORT and SORT_RO with Redis 7.0 semantics: the elements of a list, set or sorted set, ordered
// numerically or (ALPHA) by bytes, by themselves or by the values a BY pattern names, replied
// (or, for SORT ... STORE, saved as a list) as themselves or as the values GET patterns name.
//
// Locking: BY and GET patterns read keys named after the elements, which (as in Redis) are not
// declared key arguments. A sort runs under the shard locks of its source and destination plus
// those of every pattern key it needs: it names them all before it reads any, and when one is in
// a shard not held, starts over holding that shard too (sort_locked). The shards held only grow,
// so this ends (at worst holding all of them), and every result comes from one consistent view.
// So each pattern key is read once, as Redis reads it (a keyspace hit or miss, and "keymiss");
// only the source's look-up repeats on a retry, counting its keyspace hit again.
//
// Where Redis's order is its hash tables' iteration order, cachet's differs: SORT ... BY nosort
// of a set (without STORE) replies the set in cachet's iteration order (the same as Redis's only
// for an intset, ascending), and elements of a set or sorted set that tie under ALPHA with BY
// (equal or missing BY values) keep cachet's load order. Redis sorts with a stable merge sort
// (glibc's qsort) except for BY with LIMIT (its partial quicksort), where such ties may come out
// in another order than here.
#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/args.h"
#include "server/command.h"
#include "server/instance.h"
#include "server/notify.h"
#include "store/hash.h"
#include "store/list.h"
#include "store/set.h"
#include "store/store.h"
#include "store/zset.h"

namespace cachet::server {
namespace {

using store::Entry;
namespace list = store::list;
namespace zset = store::zset;

// ---- Arguments

// A BY or GET pattern as Redis reads it: "#" is the element itself; otherwise the first '*' is
// replaced by the element to name a key, whose string value the pattern gives, or with "->field"
// after the '*', that hash field's value. A pattern without '*' gives nothing. Redis looks for
// "#", '*' and "->" as C strings do (up to a NUL byte) but keeps the bytes around them whole.
struct Pattern {
  enum class Kind { kElement, kNothing, kString, kHashField };
  Kind kind = Kind::kNothing;
  std::string_view prefix, suffix, field;  // key name: prefix, element, suffix
};

Pattern parse_pattern(std::string_view text) {
  std::string_view c_string = text.substr(0, text.find('\0'));
  if (c_string == "#") return {Pattern::Kind::kElement};
  size_t star = c_string.find('*');
  if (star == std::string_view::npos) return {};
  size_t arrow = c_string.find("->", star + 1);
  if (arrow == std::string_view::npos || arrow + 2 == c_string.size()) {
    return {Pattern::Kind::kString, text.substr(0, star), text.substr(star + 1)};
  }
  return {Pattern::Kind::kHashField, text.substr(0, star), text.substr(star + 1, arrow - star - 1),
          text.substr(arrow + 2)};
}

bool names_keys(const Pattern& p) {
  return p.kind == Pattern::Kind::kString || p.kind == Pattern::Kind::kHashField;
}

// How the elements are ordered.
struct Order {
  bool sort = true;           // false after any BY pattern without '*' ("BY nosort")
  std::optional<Pattern> by;  // sort by the values it names, else by the elements
  bool alpha = false;         // by bytes, else as doubles
  bool desc = false;
  bool whole_strings = false;  // ALPHA compares whole byte strings (STORE), else C strings
};

struct SortArgs {
  std::string_view key;
  Order order;
  std::vector<Pattern> gets;
  int64_t offset = 0, count = -1;  // LIMIT; a negative count: all
  std::optional<std::string_view> store;
};

// Parses the options after the key as Redis does (later options override earlier ones); replies
// the error and returns nothing when invalid. SORT_RO (`readonly`) knows no STORE.
std::optional<SortArgs> parse_sort(Context& ctx, bool readonly) {
  SortArgs a{.key = ctx.args[1]};
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    std::string_view word = ctx.args[i];
    size_t left = ctx.args.size() - i - 1;
    if (iequals(word, "asc") || iequals(word, "desc")) {
      a.order.desc = iequals(word, "desc");
    } else if (iequals(word, "alpha")) {
      a.order.alpha = true;
    } else if (iequals(word, "limit") && left >= 2) {
      auto offset = parse_int64(ctx.args[i + 1]), count = parse_int64(ctx.args[i + 2]);
      if (!offset || !count) {
        reply_not_integer(ctx);
        return std::nullopt;
      }
      a.offset = *offset;
      a.count = *count;
      i += 2;
    } else if (!readonly && iequals(word, "store") && left >= 1) {
      a.store = ctx.args[++i];
    } else if (iequals(word, "by") && left >= 1) {
      Pattern p = parse_pattern(ctx.args[++i]);
      if (names_keys(p)) {
        a.order.by = p;
      } else {
        a.order.sort = false;
      }
    } else if (iequals(word, "get") && left >= 1) {
      a.gets.push_back(parse_pattern(ctx.args[++i]));
    } else {
      reply_syntax_error(ctx);
      return std::nullopt;
    }
  }
  a.order.whole_strings = a.store.has_value();
  return a;
}

// SORT's keys as Redis's COMMAND GETKEYS finds them: the source, then the last STORE's
// destination; LIMIT's and BY's and GET's values are skipped, not read as options.
KeyPositions sort_keys(std::span<const std::string_view> args) {
  uint32_t store = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    if (iequals(args[i], "limit")) {
      i += 2;
    } else if (iequals(args[i], "get") || iequals(args[i], "by")) {
      i += 1;
    } else if (iequals(args[i], "store") && i + 1 < args.size()) {
      store = static_cast<uint32_t>(i + 1);
    }
  }
  KeyPositions::Run source{1, 2, 1};
  return store != 0 ? KeyPositions(source, {store, store + 1, 1}) : KeyPositions(source);
}

KeyPositions sort_ro_keys(std::span<const std::string_view>) { return KeyPositions({1, 2, 1}); }

// ---- Reading under the locks

// The part of the sorted elements LIMIT keeps, clamped as Redis clamps it.
struct Window {
  size_t start = 0, count = 0;
};

Window limit_window(int64_t offset, int64_t count, size_t size) {
  auto start = static_cast<size_t>(std::max<int64_t>(offset, 0));
  if (start >= size) return {};
  size_t left = size - start;
  return {start, count < 0 ? left : std::min(static_cast<size_t>(count), left)};
}

// One element to sort and the key it sorts by.
struct Item {
  std::string element;
  double score = 0;                // numeric sort: the element's or BY value's number
  std::optional<std::string> key;  // ALPHA BY: the BY value (nothing when it is missing)
};

// Looks up the keys patterns name, in shards the caller holds: `held` is their mask. need()
// records the shard of a key not held, for the caller to lock it and start over; value() reads a
// key, which must be held. A sort calls need() for every key before it reads any, so that each key
// is read once, as Redis reads it (a read counts a keyspace hit or miss and may raise "keymiss").
class PatternReader {
 public:
  PatternReader(store::Locked& lock, uint64_t held, int64_t now)
      : lock_(lock), held_(held), now_(now) {}

  // Records the shard of the key `p` names for `element` unless it is held (or names none).
  void need(const Pattern& p, std::string_view element) {
    if (p.kind == Pattern::Kind::kElement || p.kind == Pattern::Kind::kNothing) return;
    uint64_t hash = store::hash_key(key_of(p, element));
    uint64_t bit = uint64_t{1} << store::shard_of(hash);
    if ((held_ | wanted_) & bit) return;
    missing_.push_back(hash);
    wanted_ |= bit;
  }

  // The value `p` gives for `element`; nothing when it names a missing key or field, or a key of
  // another type.
  std::optional<std::string> value(const Pattern& p, std::string_view element) {
    if (p.kind == Pattern::Kind::kElement) return std::string(element);
    if (p.kind == Pattern::Kind::kNothing) return std::nullopt;
    std::string key = key_of(p, element);
    uint64_t hash = store::hash_key(key);
    assert(held_ & (uint64_t{1} << store::shard_of(hash)));
    const Entry* e = lock_.shard(hash).lookup_read(key, hash, now_);
    if (e == nullptr) return std::nullopt;
    if (p.kind == Pattern::Kind::kString) {
      if (!e->is_string()) return std::nullopt;
      return std::string(e->value());
    }
    if (!e->is_hash()) return std::nullopt;
    std::optional<std::string_view> v = store::hash::get(e, p.field);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  }

  bool complete() const { return missing_.empty(); }
  // Hashes of keys not read, one per shard not held.
  const std::vector<uint64_t>& missing() const { return missing_; }

 private:
  static std::string key_of(const Pattern& p, std::string_view element) {
    return std::string(p.prefix).append(element).append(p.suffix);
  }

  store::Locked& lock_;
  uint64_t held_;
  int64_t now_;
  uint64_t wanted_ = 0;
  std::vector<uint64_t> missing_;
};

// Every element of the list, set or sorted set `e` (null: none): a list's in order, a set's in
// iteration order, a sorted set's ascending.
std::vector<Item> load_all(const Entry* e) {
  std::vector<Item> items;
  if (e == nullptr) return items;
  auto keep = [&](std::string_view m) { items.push_back({std::string(m)}); };
  switch (e->kind()) {
    case store::Kind::kList:
      items.reserve(list::size(e));
      list::for_each_from(e, list::End::kHead, [&](std::string_view m) {
        keep(m);
        return true;
      });
      break;
    case store::Kind::kSet:
      items.reserve(store::set::size(e));
      store::set::for_each(e, keep);
      break;
    default:
      items.reserve(zset::size(e));
      zset::for_each(e, [&](const zset::Element& x) { keep(x.member); });
  }
  return items;
}

// The elements in window `w` of the list or sorted set `e` in its own order (DESC: from the
// end), as Redis loads them when there is nothing to sort.
std::vector<Item> load_window(const Entry* e, Window w, bool desc) {
  std::vector<Item> items;
  if (w.count == 0) return items;
  items.reserve(w.count);
  auto keep = [&](std::string_view m) { items.push_back({std::string(m)}); };
  if (e->kind() == store::Kind::kList) {
    size_t first = desc ? list::size(e) - 1 - w.start : w.start;
    list::Cursor c(e, first, desc ? list::End::kHead : list::End::kTail);
    for (size_t i = 0; i < w.count; ++i, c.next()) keep(c.value());
  } else {
    size_t size = zset::size(e);
    size_t first = desc ? size - w.start - w.count : w.start;
    zset::for_range(e, first, first + w.count - 1, desc, [&](const zset::Element& x) {
      keep(x.member);
      return true;
    });
  }
  return items;
}

// Redis's numeric reading of a sort key: strtod over the bytes up to a NUL, which must all be
// consumed, without overflow or underflow, and not NaN.
std::optional<double> parse_score(const std::string& text) {
  char* end;
  errno = 0;
  double d = std::strtod(text.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || std::isnan(d)) return std::nullopt;
  return d;
}

// Fills in what each item sorts by. False when a numeric sort key is not a number (a missing BY
// value sorts as 0); as Redis, it still reads every item's BY key.
bool fill_sort_keys(std::vector<Item>& items, const Order& order, PatternReader& reader) {
  if (order.alpha && !order.by) return true;  // the elements themselves
  bool numbers = true;
  for (Item& item : items) {
    std::optional<std::string> by = order.by ? reader.value(*order.by, item.element) : std::nullopt;
    if (order.alpha) {
      item.key = std::move(by);
      continue;
    }
    if (order.by && !by) continue;
    std::optional<double> score = parse_score(order.by ? *by : item.element);
    numbers = numbers && score.has_value();
    item.score = score.value_or(0);
  }
  return numbers;
}

// Records the shards of every key the BY and GET patterns name for `items` (GET's for all of
// them: the window is known only after sorting); true when the caller holds them all.
bool holds_pattern_keys(const std::vector<Item>& items, const Order& order,
                        const std::vector<Pattern>& gets, PatternReader& reader) {
  for (const Item& item : items) {
    if (order.sort && order.by) reader.need(*order.by, item.element);
    for (const Pattern& p : gets) reader.need(p, item.element);
  }
  return reader.complete();
}

int compare_bytes(std::string_view a, std::string_view b) { return a.compare(b); }

// strcoll() in the C (and C.UTF-8) locale: byte order up to the first NUL.
int compare_c_strings(std::string_view a, std::string_view b) {
  return compare_bytes(a.substr(0, a.find('\0')), b.substr(0, b.find('\0')));
}

// Redis's sort comparison (ascending): numbers, with ties broken by the elements' bytes; or
// ALPHA, by the BY values (missing ones first) or the elements.
int compare_items(const Item& x, const Item& y, const Order& order) {
  if (!order.alpha) {
    if (x.score != y.score) return x.score < y.score ? -1 : 1;
    return compare_bytes(x.element, y.element);
  }
  auto strings = order.whole_strings ? compare_bytes : compare_c_strings;
  if (!order.by) return strings(x.element, y.element);
  if (!x.key || !y.key) return static_cast<int>(x.key.has_value()) - y.key.has_value();
  return strings(*x.key, *y.key);
}

void sort_items(std::vector<Item>& items, const Order& order) {
  std::stable_sort(items.begin(), items.end(), [&](const Item& x, const Item& y) {
    int c = compare_items(x, y, order);
    return order.desc ? c > 0 : c < 0;
  });
}

using Values = std::vector<std::optional<std::string>>;

// The result: the elements in `w`, or for each the values of the GET patterns.
Values collect_values(std::vector<Item>& items, Window w, const std::vector<Pattern>& gets,
                      PatternReader& reader) {
  Values out;
  out.reserve(w.count * std::max<size_t>(gets.size(), 1));
  for (size_t i = w.start; i < w.start + w.count; ++i) {
    if (gets.empty()) out.emplace_back(std::move(items[i].element));
    for (const Pattern& p : gets) out.push_back(reader.value(p, items[i].element));
  }
  return out;
}

enum class Status { kDone, kRetry, kWrongType, kNotNumber };

struct Outcome {
  Status status = Status::kDone;
  Values values;
};

size_t source_size(const Entry* e) {
  if (e == nullptr) return 0;
  if (e->kind() == store::Kind::kList) return list::size(e);
  return e->kind() == store::Kind::kSet ? store::set::size(e) : zset::size(e);
}

// The order for the source's type: Redis sorts a set by bytes rather than store its unordered
// iteration.
Order order_for(const Order& order, const Entry* source, bool storing) {
  Order o = order;
  if (!o.sort && storing && source != nullptr && source->kind() == store::Kind::kSet) {
    o = {.sort = true, .alpha = true, .desc = order.desc, .whole_strings = true};
  }
  return o;
}

// The sorted result of the source `e` (null: an empty list); kRetry, before reading any pattern
// key, when a pattern names a key in a shard not held.
Outcome sort_source(const Entry* e, const SortArgs& a, PatternReader& reader) {
  Order order = order_for(a.order, e, a.store.has_value());
  Window w = limit_window(a.offset, a.count, source_size(e));
  std::vector<Item> items;
  if (!order.sort && e != nullptr && e->kind() != store::Kind::kSet) {
    items = load_window(e, w, order.desc);
    w.start = 0;
  } else {
    items = load_all(e);
  }
  if (!holds_pattern_keys(items, order, a.gets, reader)) return {Status::kRetry};
  if (order.sort) {
    if (!fill_sort_keys(items, order, reader)) return {Status::kNotNumber};
    sort_items(items, order);
  }
  return {Status::kDone, collect_values(items, w, a.gets, reader)};
}

// STORE: the destination becomes a list of the values (a missing one as ""), replacing what it
// held and its TTL ("sortstore"); an empty result deletes it ("del").
void store_values(Context& ctx, store::Shard& shard, std::string_view key, uint64_t hash,
                  int64_t now, const Values& values) {
  if (values.empty()) {
    if (shard.erase(key, hash, now)) notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
    return;
  }
  Entry* e = shard.put(key, hash, "", 0);
  list::init(e);
  for (const auto& v : values) list::push(shard, e, list::End::kTail, v ? *v : "");
  notify_keyspace_event(ctx, kNotifyList, "sortstore", key);
}

// One attempt under the locks of the shards of `hashes` (the source's and destination's first).
// On kRetry, adds the hashes of the pattern keys it could not read.
Outcome sort_locked(Context& ctx, const SortArgs& a, std::vector<uint64_t>& hashes) {
  store::Store& s = ctx.instance.store();
  int db = ctx.session.db;
  store::Locked lock = s.lock(db, hashes);
  uint64_t held = store::held_shards(db);
  for (uint64_t h : hashes) held |= uint64_t{1} << store::shard_of(h);
  int64_t now = s.now();
  Entry* source = lock.shard(hashes[0]).lookup_read(a.key, hashes[0], now);
  if (source != nullptr && source->kind() != store::Kind::kList &&
      source->kind() != store::Kind::kSet && source->kind() != store::Kind::kZset) {
    return {Status::kWrongType};
  }
  // Redis converts a sorted set it sorts to its skiplist for good (OBJECT ENCODING shows it).
  if (source != nullptr && source->kind() == store::Kind::kZset) {
    zset::convert_to_tree(lock.shard(hashes[0]), source);
  }
  PatternReader reader(lock, held, now);
  Outcome o = sort_source(source, a, reader);
  if (o.status == Status::kRetry) {
    hashes.insert(hashes.end(), reader.missing().begin(), reader.missing().end());
  } else if (o.status == Status::kDone && a.store) {
    store_values(ctx, lock.shard(hashes[1]), *a.store, hashes[1], now, o.values);
  }
  return o;
}

void reply(Context& ctx, const SortArgs& a, const Outcome& o) {
  if (o.status == Status::kWrongType) return reply_wrong_type(ctx);
  if (o.status == Status::kNotNumber) {
    return ctx.out.error("ERR One or more scores can't be converted into double");
  }
  if (a.store) return ctx.out.integer(static_cast<int64_t>(o.values.size()));
  ctx.out.array(o.values.size());
  for (const auto& v : o.values) {
    if (v) {
      ctx.out.bulk(*v);
    } else {
      ctx.out.null();
    }
  }
}

// SORT / SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
// [STORE destination]
void sort_command(Context& ctx, bool readonly) {
  std::optional<SortArgs> a = parse_sort(ctx, readonly);
  if (!a) return;
  std::vector<uint64_t> hashes{store::hash_key(a->key)};
  if (a->store) hashes.push_back(store::hash_key(*a->store));
  Outcome o;
  do {
    o = sort_locked(ctx, *a, hashes);
  } while (o.status == Status::kRetry);
  reply(ctx, *a, o);
}

void cmd_sort(Context& ctx) { sort_command(ctx, false); }
void cmd_sort_ro(Context& ctx) { sort_command(ctx, true); }

const CommandSpec kCommands[] = {
    {.name = "sort",
     .arity = -2,
     .flags = kWrite | kDenyOom,
     .keys = {1, 1, 1},
     .fn = cmd_sort,
     .doc = {"Sort the elements in a list, set or sorted set", "1.0.0"},
     .find_keys = sort_keys},
    {.name = "sort_ro",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_sort_ro,
     .doc = {"Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0"},
     .find_keys = sort_ro_keys},
};

}  // namespace

CommandFamily sort_commands() { return {"keyspace", kCommands}; }

}  // namespace cachet::server
