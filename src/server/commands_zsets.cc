// Sorted-set commands with Redis 7.0 semantics: ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE
// ZMSCORE ZRANK ZREVRANK; the ZRANGE family (ZRANGE ZRANGESTORE ZRANGEBYSCORE ZREVRANGEBYSCORE
// ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE) and ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX;
// ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER; ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD; ZSCAN.
// Also the helpers of zset_ops.h.
//
// Every range (of ranks, scores or members) is reduced to a span of ranks, then walked with
// zset::for_range. Stored results (ZRANGESTORE, Z*STORE) are copied out before anything is
// written, so a destination may be one of the sources.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/args.h"
#include "server/command.h"
#include "server/key_lock.h"
#include "server/list_ops.h"
#include "server/notify.h"
#include "server/zset_ops.h"
#include "store/glob.h"
#include "store/set.h"
#include "store/zset.h"

namespace cachet::server {

using store::Entry;
using store::zset::Element;
namespace zset = store::zset;

// ---- zset_ops.h: parsing

std::optional<double> parse_score(std::string_view text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  std::string s(text);  // strtod needs a terminated string
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || std::isnan(v)) return std::nullopt;
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return std::nullopt;
  return v;
}

namespace {

// One bound of a score range, as Redis reads it: strtod over the text as a C string (leading
// space skipped, overflow to infinity accepted), after an optional "(" (exclusive).
std::optional<double> parse_score_bound(std::string_view text, bool& exclusive) {
  exclusive = !text.empty() && text[0] == '(';
  std::string s(text.substr(exclusive ? 1 : 0));
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return std::nullopt;
  return v;
}

std::optional<LexBound> parse_lex_bound(std::string_view text) {
  using Kind = LexBound::Kind;
  if (text == "-") return LexBound{Kind::kMinusInfinity, {}};
  if (text == "+") return LexBound{Kind::kPlusInfinity, {}};
  if (text.empty() || (text[0] != '[' && text[0] != '(')) return std::nullopt;
  return LexBound{text[0] == '[' ? Kind::kInclusive : Kind::kExclusive, text.substr(1)};
}

// How many leading elements of `e` lie below the lower bound `b` or, if `upper`, at or below the
// upper bound `b`.
size_t lex_count(const Entry* e, const LexBound& b, bool upper) {
  switch (b.kind) {
    case LexBound::Kind::kMinusInfinity:
      return 0;
    case LexBound::Kind::kPlusInfinity:
      return zset::size(e);
    default:
      break;
  }
  bool take_equal = (b.kind == LexBound::Kind::kInclusive) == upper;
  return zset::count_before(e, [&](const Element& x) {
    int c = x.member.compare(b.value);
    return c < 0 || (c == 0 && take_equal);
  });
}

}  // namespace

std::optional<ScoreRange> parse_score_range(std::string_view min, std::string_view max) {
  ScoreRange r;
  std::optional<double> lo = parse_score_bound(min, r.min_exclusive);
  std::optional<double> hi = parse_score_bound(max, r.max_exclusive);
  if (!lo || !hi) return std::nullopt;
  r.min = *lo;
  r.max = *hi;
  return r;
}

std::optional<LexRange> parse_lex_range(std::string_view min, std::string_view max) {
  std::optional<LexBound> lo = parse_lex_bound(min), hi = parse_lex_bound(max);
  if (!lo || !hi) return std::nullopt;
  return LexRange{*lo, *hi};
}

RankSpan span_of(const Entry* e, const ScoreRange& r) {
  size_t first = zset::count_before(e, [&](const Element& x) {
    return x.score < r.min || (r.min_exclusive && x.score == r.min);
  });
  size_t end = zset::count_before(e, [&](const Element& x) {
    return x.score < r.max || (!r.max_exclusive && x.score == r.max);
  });
  return {std::min(first, end), end};
}

RankSpan span_of(const Entry* e, const LexRange& r) {
  size_t first = lex_count(e, r.min, false), end = lex_count(e, r.max, true);
  return {std::min(first, end), end};
}

namespace {

std::optional<ZsetEnd> parse_zset_end(std::string_view word) {
  if (iequals(word, "min")) return ZsetEnd::kMin;
  if (iequals(word, "max")) return ZsetEnd::kMax;
  return std::nullopt;
}

std::nullopt_t fail(Context& ctx, std::string_view error) {
  ctx.out.error(error);
  return std::nullopt;
}

constexpr std::string_view kSyntaxError = "ERR syntax error";

std::nullopt_t fail_syntax(Context& ctx) { return fail(ctx, kSyntaxError); }

bool refuse(Context& ctx, std::string_view error) {
  ctx.out.error(error);
  return false;
}

}  // namespace

std::optional<ZmpopArguments> parse_zmpop(Context& ctx, size_t at) {
  auto numkeys = parse_int64(ctx.args[at]);
  if (!numkeys || *numkeys <= 0) return fail(ctx, "ERR numkeys should be greater than 0");
  if (mpop_keys(ctx.args, at).empty()) return fail_syntax(ctx);  // past the arguments
  auto n = static_cast<size_t>(*numkeys);
  std::optional<ZsetEnd> end = parse_zset_end(ctx.args[at + 1 + n]);
  if (!end) return fail_syntax(ctx);
  ZmpopArguments a{ctx.args.subspan(at + 1, n), *end, 1};
  // One COUNT, checked as soon as it is read, as Redis reads its options.
  auto options = ctx.args.subspan(at + 2 + n);
  if (options.empty()) return a;
  if (options.size() < 2 || !iequals(options[0], "count")) return fail_syntax(ctx);
  auto count = parse_int64(options[1]);
  if (!count || *count <= 0) return fail(ctx, "ERR count should be greater than 0");
  if (options.size() > 2) return fail_syntax(ctx);
  a.count = static_cast<size_t>(*count);
  return a;
}

// ---- zset_ops.h: the pop core

namespace {

// The header of a reply of `n` elements laid out as `layout`.
void begin_elements(resp::Writer& out, size_t n, Layout layout) {
  out.array(layout == Layout::kFlat ? 2 * n : n);
}

void write_element(resp::Writer& out, const Element& x, Layout layout) {
  if (layout == Layout::kPairs) out.array(2);
  out.bulk(x.member);
  if (layout != Layout::kMembers) out.dbl(x.score);
}

}  // namespace

void zpop_reply(const ListKey& key, Entry* e, ZsetEnd end, size_t count, ZpopForm form,
                Context& ctx) {
  resp::Writer& out = ctx.out;
  size_t size = zset::size(e);
  size_t n = std::min(count, size);
  if (!form.with_key) {
    begin_elements(out, n, form.layout);
  } else if (form.layout == Layout::kPairs) {
    out.array(2);
    out.bulk(key.key);
    out.array(n);
  } else {
    out.array(2 * n + 1);
    out.bulk(key.key);
  }
  size_t first = end == ZsetEnd::kMin ? 0 : size - n;
  // Redis raises the pop between the reply's header and its elements.
  notify_keyspace_event(ctx, kNotifyZset, end == ZsetEnd::kMin ? "zpopmin" : "zpopmax", key.key);
  zset::for_range(e, first, first + n - 1, end == ZsetEnd::kMax, [&](const Element& x) {
    write_element(out, x, form.layout);
    return true;
  });
  zset::remove_range(key.shard, e, first, first + n - 1);
  if (zset::size(e) != 0) return;
  key.shard.erase(key.key, key.hash, key.now);
  notify_keyspace_event(ctx, kNotifyGeneric, "del", key.key);
}

bool zpop_first(std::span<const ListKey> keys, ZsetEnd end, size_t count, ZpopForm form,
                Context& ctx) {
  for (const ListKey& key : keys) {
    Entry* e = key.shard.lookup_write(key.key, key.hash, key.now);
    if (e == nullptr) continue;
    if (e->kind() != store::Kind::kZset) {
      ctx.out.error(kWrongTypeError);
    } else {
      zpop_reply(key, e, end, count, form, ctx);
    }
    return true;
  }
  return false;
}

namespace {

std::mt19937_64& random_source() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return random;
}

// `e` if it is a sorted set or null; null after replying WRONGTYPE (setting `wrong`) otherwise.
Entry* as_zset(Context& ctx, Entry* e, bool& wrong) {
  wrong = wrong_kind(ctx, e, store::Kind::kZset);
  return wrong ? nullptr : e;
}

// Makes the key `i` of `k` a new empty sorted set (replacing whatever it held).
template <typename Lock, typename... Key>
Entry* create_zset(Lock& k, Key... i) {
  Entry* e = k.put(i..., "");
  zset::init(e);
  return e;
}

// After a removal from the sorted set `e` at args[1]: deletes the key if `e` has become empty
// (none is empty at rest) and raises `event`, then "del" if it deleted it.
void removed_from(Context& ctx, KeyLock& k, const Entry* e, std::string_view event) {
  bool emptied = zset::size(e) == 0;
  if (emptied) k.erase();
  notify_write(ctx, kNotifyZset, event, k.key(), emptied);
}

// Calls fn(const Entry* e) with the sorted set at args[1] (null when absent) under its lock,
// unless the key holds another type (WRONGTYPE is replied then).
template <typename Fn>
void read_zset(Context& ctx, Fn&& fn) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  const Entry* e = as_zset(ctx, k.find_read(), wrong);
  if (!wrong) fn(e);
}

// Like read_zset, for writing: fn(KeyLock&, Entry*& e).
template <typename Fn>
void write_zset(Context& ctx, Fn&& fn) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_zset(ctx, k.find(), wrong);
  if (!wrong) fn(k, e);
}

// A member and its score, owned: a result built before it is replied or stored.
struct Scored {
  std::string member;
  double score;
};
using Scores = std::vector<Scored>;

// How a STORE destination starts, as Redis 7.0 creates it: ZUNIONSTORE and friends size it for
// the whole result; ZRANGESTORE always starts packed (so a -0 turns 0 until it converts).
enum class Start { kSized, kPacked };

// Makes the key `i` of `k` (args[1]) the sorted set `result` (deleting the key when it is
// empty), replies its size and raises `event` (or "del" when it deleted the key).
void store_result(Context& ctx, MultiKeyLock& k, size_t i, const Scores& result, Start start,
                  std::string_view event) {
  if (result.empty()) {
    bool deleted = k.erase(i);
    ctx.out.integer(0);
    if (deleted) notify_keyspace_event(ctx, kNotifyGeneric, "del", ctx.args[1]);
  } else {
    Entry* dst = create_zset(k, i);
    if (start == Start::kSized) {
      size_t longest = 0;
      for (const Scored& x : result) longest = std::max(longest, x.member.size());
      zset::reserve(k.shard(i), dst, result.size(), longest);
    }
    for (const Scored& x : result) zset::add(k.shard(i), dst, x.member, x.score);
    ctx.out.integer(static_cast<int64_t>(result.size()));
    notify_keyspace_event(ctx, kNotifyZset, event, ctx.args[1]);
  }
}

// ---- ZADD ZINCRBY ZREM

struct ZaddOptions {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
};

// Reads ZADD's options from args[2] on; returns the index of the first score.
size_t parse_zadd_options(std::span<const std::string_view> args, ZaddOptions& o) {
  static constexpr std::pair<std::string_view, bool ZaddOptions::*> kOptions[] = {
      {"nx", &ZaddOptions::nx}, {"xx", &ZaddOptions::xx}, {"gt", &ZaddOptions::gt},
      {"lt", &ZaddOptions::lt}, {"ch", &ZaddOptions::ch}, {"incr", &ZaddOptions::incr}};
  size_t i = 2;
  for (; i < args.size(); ++i) {
    auto it = std::find_if(std::begin(kOptions), std::end(kOptions),
                           [&](const auto& option) { return iequals(args[i], option.first); });
    if (it == std::end(kOptions)) break;
    o.*(it->second) = true;
  }
  return i;
}

// Redis's error for options that exclude each other, or empty.
std::string_view zadd_conflict(const ZaddOptions& o) {
  if (o.nx && o.xx) return "ERR XX and NX options at the same time are not compatible";
  if ((o.nx && (o.gt || o.lt)) || (o.gt && o.lt)) {
    return "ERR GT, LT, and/or NX options at the same time are not compatible";
  }
  return {};
}

enum class Change { kAdded, kUpdated, kUnchanged, kSkipped, kNan };

// Applies one score-member pair under `o`; `score` becomes the member's resulting score.
Change zadd_one(store::Shard& shard, Entry*& e, const ZaddOptions& o, std::string_view member,
                double& score) {
  std::optional<double> current = zset::score(e, member);
  if (!current) {
    if (o.xx) return Change::kSkipped;
    zset::add(shard, e, member, score);
    return Change::kAdded;
  }
  if (o.nx) return Change::kSkipped;
  if (o.incr) {
    score += *current;
    if (std::isnan(score)) return Change::kNan;  // inf + -inf
  }
  if ((o.lt && score >= *current) || (o.gt && score <= *current)) return Change::kSkipped;
  if (score == *current) return Change::kUnchanged;
  zset::add(shard, e, member, score);
  return Change::kUpdated;
}

// ZADD's core over the score-member pairs from args[first] on. Replies the number added (or,
// with CH, changed) or, with INCR, the resulting score (null when the pair was skipped).
void zadd_command(Context& ctx, const ZaddOptions& o, size_t first) {
  size_t words = ctx.args.size() - first;
  if (words == 0 || words % 2 != 0) return reply_syntax_error(ctx);
  if (std::string_view conflict = zadd_conflict(o); !conflict.empty()) {
    return ctx.out.error(conflict);
  }
  if (o.incr && words > 2) {
    return ctx.out.error("ERR INCR option supports a single increment-element pair");
  }
  std::vector<double> scores;
  for (size_t i = first; i < ctx.args.size(); i += 2) {
    std::optional<double> s = parse_score(ctx.args[i]);
    if (!s) return ctx.out.error(kNotFloatError);
    scores.push_back(*s);
  }
  write_zset(ctx, [&](KeyLock& k, Entry*& e) {
    if (e == nullptr && !o.xx) {
      e = create_zset(k);
      // Redis sizes a new key by the pair count and its first member only.
      zset::reserve(k.shard(), e, scores.size(), ctx.args[first + 1].size());
    }
    int64_t added = 0, changed = 0;
    std::optional<double> result;
    for (size_t j = 0; e != nullptr && j < scores.size(); ++j) {
      Change c = zadd_one(k.shard(), e, o, ctx.args[first + 2 * j + 1], scores[j]);
      if (c == Change::kNan) return ctx.out.error("ERR resulting score is not a number (NaN)");
      added += c == Change::kAdded;
      changed += c == Change::kAdded || c == Change::kUpdated;
      if (c != Change::kSkipped) result = scores[j];
    }
    if (!o.incr) {
      ctx.out.integer(o.ch ? changed : added);
    } else if (result) {
      ctx.out.dbl(*result);
    } else {
      ctx.out.null();
    }
    if (changed > 0) notify_keyspace_event(ctx, kNotifyZset, o.incr ? "zincr" : "zadd", k.key());
  });
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
void cmd_zadd(Context& ctx) {
  ZaddOptions o;
  size_t first = parse_zadd_options(ctx.args, o);
  zadd_command(ctx, o, first);
}

// ZINCRBY key increment member
void cmd_zincrby(Context& ctx) { zadd_command(ctx, {.incr = true}, 2); }

void cmd_zrem(Context& ctx) {
  write_zset(ctx, [&](KeyLock& k, Entry*& e) {
    int64_t removed = 0;
    for (size_t i = 2; e != nullptr && i < ctx.args.size(); ++i) {
      removed += zset::remove(k.shard(), e, ctx.args[i]);
    }
    if (removed > 0) removed_from(ctx, k, e, "zrem");
    ctx.out.integer(removed);
  });
}

// ---- Reads of single members

void cmd_zcard(Context& ctx) {
  read_zset(ctx,
            [&](const Entry* e) { ctx.out.integer(e ? static_cast<int64_t>(zset::size(e)) : 0); });
}

void reply_score(Context& ctx, const Entry* e, std::string_view member) {
  std::optional<double> s = e ? zset::score(e, member) : std::nullopt;
  if (s) return ctx.out.dbl(*s);
  ctx.out.null();
}

void cmd_zscore(Context& ctx) {
  read_zset(ctx, [&](const Entry* e) { reply_score(ctx, e, ctx.args[2]); });
}

void cmd_zmscore(Context& ctx) {
  read_zset(ctx, [&](const Entry* e) {
    ctx.out.array(ctx.args.size() - 2);
    for (std::string_view m : ctx.args.subspan(2)) reply_score(ctx, e, m);
  });
}

// ZRANK / ZREVRANK key member
void rank_command(Context& ctx, bool reverse) {
  read_zset(ctx, [&](const Entry* e) {
    std::optional<size_t> r = e ? zset::rank(e, ctx.args[2]) : std::nullopt;
    if (!r) return ctx.out.null();
    ctx.out.integer(static_cast<int64_t>(reverse ? zset::size(e) - 1 - *r : *r));
  });
}

void cmd_zrank(Context& ctx) { rank_command(ctx, false); }
void cmd_zrevrank(Context& ctx) { rank_command(ctx, true); }

// ---- Ranges

enum class By { kRank, kScore, kLex };
// The keyspace event of ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX, by By.
constexpr std::array<std::string_view, 3> kRemoveRangeEvents = {
    "zremrangebyrank", "zremrangebyscore", "zremrangebylex"};

// A parsed range of one kind.
struct Bounds {
  By by = By::kRank;
  int64_t start = 0, stop = 0;  // kRank
  ScoreRange score;             // kScore
  LexRange lex;                 // kLex
};

// Parses `min` and `max` as a range of kind `by`; replies with Redis's error and returns nothing
// when invalid.
std::optional<Bounds> parse_bounds(Context& ctx, By by, std::string_view min,
                                   std::string_view max) {
  Bounds b{by};
  if (by == By::kRank) {
    auto start = parse_int64(min), stop = parse_int64(max);
    if (!start || !stop) {
      reply_not_integer(ctx);
      return std::nullopt;
    }
    b.start = *start;
    b.stop = *stop;
  } else if (by == By::kScore) {
    std::optional<ScoreRange> r = parse_score_range(min, max);
    if (!r) return fail(ctx, kScoreRangeError);
    b.score = *r;
  } else {
    std::optional<LexRange> r = parse_lex_range(min, max);
    if (!r) return fail(ctx, kLexRangeError);
    b.lex = *r;
  }
  return b;
}

// Redis's rank range over `n` elements: negative ranks count from the end, then clamped.
RankSpan rank_span(int64_t start, int64_t stop, size_t n) {
  auto len = static_cast<int64_t>(n);
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  start = std::max<int64_t>(start, 0);
  if (start > stop || start >= len) return {};
  return {static_cast<size_t>(start), static_cast<size_t>(std::min(stop, len - 1)) + 1};
}

RankSpan span_of(const Entry* e, const Bounds& b) {
  switch (b.by) {
    case By::kRank:
      return rank_span(b.start, b.stop, zset::size(e));
    case By::kScore:
      return span_of(e, b.score);
    case By::kLex:
      return span_of(e, b.lex);
  }
  return {};
}

// ZCOUNT / ZLEXCOUNT key min max
void count_command(Context& ctx, By by) {
  std::optional<Bounds> b = parse_bounds(ctx, by, ctx.args[2], ctx.args[3]);
  if (!b) return;
  read_zset(ctx, [&](const Entry* e) {
    ctx.out.integer(e ? static_cast<int64_t>(span_of(e, *b).size()) : 0);
  });
}

void cmd_zcount(Context& ctx) { count_command(ctx, By::kScore); }
void cmd_zlexcount(Context& ctx) { count_command(ctx, By::kLex); }

// ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX key min max
void remove_range_command(Context& ctx, By by) {
  std::optional<Bounds> b = parse_bounds(ctx, by, ctx.args[2], ctx.args[3]);
  if (!b) return;
  write_zset(ctx, [&](KeyLock& k, Entry*& e) {
    RankSpan s = e ? span_of(e, *b) : RankSpan{};
    if (s.size() > 0) {
      zset::remove_range(k.shard(), e, s.first, s.end - 1);
      removed_from(ctx, k, e, kRemoveRangeEvents[static_cast<size_t>(by)]);
    }
    ctx.out.integer(static_cast<int64_t>(s.size()));
  });
}

void cmd_zremrangebyrank(Context& ctx) { remove_range_command(ctx, By::kRank); }
void cmd_zremrangebyscore(Context& ctx) { remove_range_command(ctx, By::kScore); }
void cmd_zremrangebylex(Context& ctx) { remove_range_command(ctx, By::kLex); }

// A ZRANGE-family request.
struct RangeQuery {
  Bounds bounds;
  bool reverse = false;
  bool withscores = false;
  int64_t offset = 0, limit = -1;  // LIMIT, for scores and members; limit < 0: no limit
};

// What a ZRANGE-family command fixes (the kind of range, the direction; unset: chosen by
// BYSCORE / BYLEX / REV) and whether it stores its result.
struct RangeForm {
  std::optional<By> by;
  std::optional<bool> reverse;
  bool store = false;
};

// Reads the options after the range (args[at + 3] on) into `q`, `by` and `reverse`; replies and
// returns false when one is invalid.
bool parse_range_options(Context& ctx, size_t at, bool store, RangeQuery& q, std::optional<By>& by,
                         std::optional<bool>& reverse) {
  for (size_t i = at + 3; i < ctx.args.size(); ++i) {
    std::string_view w = ctx.args[i];
    if (!store && iequals(w, "withscores")) {
      q.withscores = true;
    } else if (iequals(w, "limit") && ctx.args.size() - i > 2) {
      auto offset = parse_int64(ctx.args[i + 1]), limit = parse_int64(ctx.args[i + 2]);
      if (!offset || !limit) {
        reply_not_integer(ctx);
        return false;
      }
      q.offset = *offset;
      q.limit = *limit;
      i += 2;
    } else if (!reverse && iequals(w, "rev")) {
      reverse = true;
    } else if (!by && iequals(w, "byscore")) {
      by = By::kScore;
    } else if (!by && iequals(w, "bylex")) {
      by = By::kLex;
    } else {
      return refuse(ctx, kSyntaxError);
    }
  }
  return true;
}

// Parses a ZRANGE-family command whose source key is args[at] (the range follows it, then the
// options), with Redis's errors in Redis's order; replies and returns nothing when invalid.
std::optional<RangeQuery> parse_range_query(Context& ctx, size_t at, RangeForm form) {
  RangeQuery q;
  if (!parse_range_options(ctx, at, form.store, q, form.by, form.reverse)) return std::nullopt;
  By by = form.by.value_or(By::kRank);
  q.reverse = form.reverse.value_or(false);
  if (q.limit != -1 && by == By::kRank) {
    return fail(ctx,
                "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
                "BYLEX");
  }
  if (q.withscores && by == By::kLex) {
    return fail(ctx, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  std::string_view min = ctx.args[at + 1], max = ctx.args[at + 2];
  if (q.reverse && by != By::kRank) std::swap(min, max);  // given as max min
  std::optional<Bounds> b = parse_bounds(ctx, by, min, max);
  if (!b) return std::nullopt;
  q.bounds = *b;
  return q;
}

// The elements a query selects: `count` ranks from `first`, walked downward if `reverse`.
struct Selection {
  size_t first = 0, count = 0;
  bool reverse = false;
};

Selection select(const Entry* e, const RangeQuery& q) {
  RankSpan s = span_of(e, q.bounds);
  if (q.bounds.by == By::kRank) {
    size_t n = zset::size(e);
    if (q.reverse) s = {n - s.end, n - s.first};  // the ranks counted from the end
    return {s.first, s.size(), q.reverse};
  }
  if (q.offset < 0 || static_cast<uint64_t>(q.offset) >= s.size()) return {0, 0, q.reverse};
  auto offset = static_cast<size_t>(q.offset);
  size_t count = s.size() - offset;
  if (q.limit >= 0) count = std::min(count, static_cast<size_t>(q.limit));
  return {q.reverse ? s.end - offset - count : s.first + offset, count, q.reverse};
}

// Calls fn(element) for the selection, in its order.
template <typename Fn>
void walk(const Entry* e, const Selection& s, Fn&& fn) {
  if (s.count == 0) return;
  zset::for_range(e, s.first, s.first + s.count - 1, s.reverse, [&](const Element& x) {
    fn(x);
    return true;
  });
}

// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES], and the forms
// that fix BYSCORE / BYLEX / REV.
void range_command(Context& ctx, RangeForm form) {
  std::optional<RangeQuery> q = parse_range_query(ctx, 1, form);
  if (!q) return;
  read_zset(ctx, [&](const Entry* e) {
    Layout layout = q->withscores ? with_scores(ctx.out) : Layout::kMembers;
    Selection s = e ? select(e, *q) : Selection{};
    begin_elements(ctx.out, s.count, layout);
    walk(e, s, [&](const Element& x) { write_element(ctx.out, x, layout); });
  });
}

void cmd_zrange(Context& ctx) { range_command(ctx, {}); }
void cmd_zrevrange(Context& ctx) { range_command(ctx, {By::kRank, true}); }
void cmd_zrangebyscore(Context& ctx) { range_command(ctx, {By::kScore, false}); }
void cmd_zrevrangebyscore(Context& ctx) { range_command(ctx, {By::kScore, true}); }
void cmd_zrangebylex(Context& ctx) { range_command(ctx, {By::kLex, false}); }
void cmd_zrevrangebylex(Context& ctx) { range_command(ctx, {By::kLex, true}); }

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
void cmd_zrangestore(Context& ctx) {
  std::optional<RangeQuery> q = parse_range_query(ctx, 2, {.store = true});
  if (!q) return;
  MultiKeyLock k(ctx, ctx.args.subspan(1, 2));
  bool wrong;
  const Entry* src = as_zset(ctx, k.find_read(1), wrong);
  if (wrong) return;
  Scores result;
  if (src != nullptr) {
    walk(src, select(src, *q), [&](const Element& x) {
      result.push_back({std::string(x.member), x.score});
    });
  }
  store_result(ctx, k, 0, result, Start::kPacked, "zrangestore");
}

// ---- Pops and random members

// ZPOPMIN / ZPOPMAX key [count]
void pop_command(Context& ctx, ZsetEnd end) {
  if (ctx.args.size() > 3) return reply_syntax_error(ctx);
  std::optional<int64_t> count;
  if (ctx.args.size() == 3) {
    count = parse_int64(ctx.args[2]);
    if (!count || *count < 0) return ctx.out.error("ERR value is out of range, must be positive");
  }
  KeyLock k(ctx, ctx.args[1]);
  if (count == 0) {
    bool wrong;
    as_zset(ctx, k.find(), wrong);
    if (!wrong) ctx.out.array(0);
    return;
  }
  ListKey key = list_key(k);
  ZpopForm form{false, count ? with_scores(ctx.out) : Layout::kFlat};
  if (!zpop_first({&key, 1}, end, static_cast<size_t>(count.value_or(1)), form, ctx)) {
    ctx.out.array(0);
  }
}

void cmd_zpopmin(Context& ctx) { pop_command(ctx, ZsetEnd::kMin); }
void cmd_zpopmax(Context& ctx) { pop_command(ctx, ZsetEnd::kMax); }

KeyPositions zmpop_keys(std::span<const std::string_view> args) { return mpop_keys(args, 1); }

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void cmd_zmpop(Context& ctx) {
  std::optional<ZmpopArguments> a = parse_zmpop(ctx, 1);
  if (!a) return;
  MultiKeyLock lock(ctx, a->keys);
  std::vector<ListKey> keys;
  keys.reserve(a->keys.size());
  for (size_t i = 0; i < a->keys.size(); ++i) keys.push_back(list_key(lock, i, a->keys[i]));
  if (!zpop_first(keys, a->end, a->count, {true, Layout::kPairs}, ctx)) {
    ctx.out.null_array();
  }
}

// `count` distinct ranks below `n` (count < n) in random order, with memory O(count) unless
// count is close to n: then a partial shuffle of every rank.
std::vector<size_t> distinct_ranks(size_t n, size_t count) {
  auto& random = random_source();
  std::vector<size_t> ranks;
  if (count * 3 > n) {
    ranks.resize(n);
    std::iota(ranks.begin(), ranks.end(), size_t{0});
    for (size_t i = 0; i < count; ++i) std::swap(ranks[i], ranks[i + random() % (n - i)]);
    ranks.resize(count);
    return ranks;
  }
  std::unordered_set<size_t> seen;
  while (ranks.size() < count) {
    size_t r = random() % n;
    if (seen.insert(r).second) ranks.push_back(r);
  }
  return ranks;
}

// ZRANDMEMBER with a count: repeats when negative (streamed), else distinct members; a count
// covering the set replies all of it, from the highest score down as Redis walks it.
void reply_random(Context& ctx, const Entry* e, int64_t count, Layout layout) {
  if (e == nullptr || count == 0) return ctx.out.array(0);
  size_t n = zset::size(e);
  if (count < 0 || count == 1) {
    size_t picks = count < 0 ? static_cast<size_t>(-count) : 1;
    begin_elements(ctx.out, picks, layout);
    for (size_t i = 0; i < picks; ++i) {
      write_element(ctx.out, zset::at(e, random_source()() % n), layout);
    }
  } else if (static_cast<size_t>(count) >= n) {
    begin_elements(ctx.out, n, layout);
    walk(e, {0, n, true}, [&](const Element& x) { write_element(ctx.out, x, layout); });
  } else {
    std::vector<size_t> ranks = distinct_ranks(n, static_cast<size_t>(count));
    begin_elements(ctx.out, ranks.size(), layout);
    for (size_t r : ranks) write_element(ctx.out, zset::at(e, r), layout);
  }
}

// ZRANDMEMBER key [count [WITHSCORES]]
void cmd_zrandmember(Context& ctx) {
  if (ctx.args.size() == 2) {
    return read_zset(ctx, [&](const Entry* e) {
      if (e == nullptr) return ctx.out.null();
      ctx.out.bulk(zset::at(e, random_source()() % zset::size(e)).member);
    });
  }
  auto count = parse_int64(ctx.args[2]);
  if (!count) return reply_not_integer(ctx);
  if (*count == INT64_MIN) {
    return ctx.out.error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  }
  bool withscores = ctx.args.size() == 4;
  if (ctx.args.size() > 4 || (withscores && !iequals(ctx.args[3], "withscores"))) {
    return reply_syntax_error(ctx);
  }
  // The reply holds twice as many items: Redis bounds the count so that cannot overflow.
  if (withscores && (*count < -INT64_MAX / 2 || *count > INT64_MAX / 2)) {
    return ctx.out.error("ERR value is out of range");
  }
  read_zset(ctx, [&](const Entry* e) {
    reply_random(ctx, e, *count, withscores ? with_scores(ctx.out) : Layout::kMembers);
  });
}

// ---- ZUNION ZINTER ZDIFF, their STORE forms, ZINTERCARD

enum class ZsetOp { kUnion, kInter, kDiff };
// The keyspace event of ZUNIONSTORE, ZINTERSTORE and ZDIFFSTORE, by ZsetOp.
constexpr std::array<std::string_view, 3> kStoreEvents = {"zunionstore", "zinterstore",
                                                          "zdiffstore"};
enum class Aggregate { kSum, kMin, kMax };
// What a combining command does with its result: reply it, store it, or count it (ZINTERCARD).
enum class Output { kReply, kStore, kCard };

// One input: a sorted set, a set (each member scoring 1) or nothing (a missing key).
struct Source {
  const Entry* e = nullptr;
  double weight = 1;

  bool is_set() const { return e->kind() == store::Kind::kSet; }
  size_t size() const {
    if (e == nullptr) return 0;
    return is_set() ? store::set::size(e) : zset::size(e);
  }
  std::optional<double> score(std::string_view member) const {
    if (!is_set()) return zset::score(e, member);
    return store::set::contains(e, member) ? std::optional<double>(1) : std::nullopt;
  }
  // Calls fn(member, score) for every element; requires e.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    if (is_set()) return store::set::for_each(e, [&](std::string_view m) { fn(m, 1.0); });
    zset::for_each(e, [&](const Element& x) { fn(x.member, x.score); });
  }
};

// A score times its input's weight; inf * 0 (NaN) counts as 0, as Redis has it.
double weighted(double score, double weight) {
  double v = score * weight;
  return std::isnan(v) ? 0 : v;
}

void aggregate(double& target, double value, Aggregate a) {
  switch (a) {
    case Aggregate::kSum:
      target += value;
      if (std::isnan(target)) target = 0;  // inf + -inf
      return;
    case Aggregate::kMin:
      target = value < target ? value : target;
      return;
    case Aggregate::kMax:
      target = value > target ? value : target;
      return;
  }
}

// Calls fn(member, score) -> bool (false: stop) for the members of every one of `sources`
// (ordered smallest first), scores aggregated in that order. A weighted score met after the
// first input is aggregated as it is (NaN included), as Redis does.
template <typename Fn>
void for_each_common(std::span<const Source> sources, Aggregate a, Fn&& fn) {
  if (sources[0].size() == 0) return;
  bool go = true;
  sources[0].for_each([&](std::string_view m, double s) {
    if (!go) return;
    double score = weighted(s, sources[0].weight);
    for (const Source& other : sources.subspan(1)) {
      std::optional<double> v = other.score(m);
      if (!v) return;
      aggregate(score, *v * other.weight, a);
    }
    go = fn(m, score);
  });
}

Scores unite(std::span<const Source> sources, Aggregate a) {
  std::unordered_map<std::string, double> scores;
  for (const Source& src : sources) {
    if (src.size() == 0) continue;
    src.for_each([&](std::string_view m, double s) {
      double v = weighted(s, src.weight);
      auto [it, fresh] = scores.try_emplace(std::string(m), v);
      if (!fresh) aggregate(it->second, v, a);
    });
  }
  Scores out;
  out.reserve(scores.size());
  for (auto& [m, s] : scores) out.push_back({m, s});
  return out;
}

// The elements of the first input found in no other, with their own (unweighted) scores.
Scores subtract(std::span<const Source> sources) {
  Scores out;
  if (sources[0].size() == 0) return out;
  sources[0].for_each([&](std::string_view m, double s) {
    bool elsewhere = std::any_of(sources.begin() + 1, sources.end(), [&](const Source& other) {
      return other.size() > 0 && other.score(m).has_value();
    });
    if (!elsewhere) out.push_back({std::string(m), s});
  });
  return out;
}

// Inputs ordered smallest first (stable, so equal sizes keep their order, which fixes the order
// scores are summed in: floating-point sums depend on it).
void order_by_size(std::vector<Source>& sources) {
  std::stable_sort(sources.begin(), sources.end(),
                   [](const Source& a, const Source& b) { return a.size() < b.size(); });
}

// The result of `op`, in sorted-set order.
Scores combine(ZsetOp op, std::vector<Source> sources, Aggregate a) {
  Scores out;
  if (op == ZsetOp::kDiff) {
    out = subtract(sources);
  } else {
    order_by_size(sources);
    if (op == ZsetOp::kUnion) {
      out = unite(sources, a);
    } else {
      for_each_common(sources, a, [&](std::string_view m, double s) {
        out.push_back({std::string(m), s});
        return true;
      });
    }
  }
  std::sort(out.begin(), out.end(), [](const Scored& x, const Scored& y) {
    return x.score < y.score || (x.score == y.score && x.member < y.member);
  });
  return out;
}

// The key count at args[at], if it is valid for the arguments.
std::optional<size_t> combine_numkeys(std::span<const std::string_view> args, size_t at) {
  auto n = parse_int64(args[at]);
  if (!n || *n < 1 || static_cast<uint64_t>(*n) > args.size() - at - 1) return std::nullopt;
  return static_cast<size_t>(*n);
}

// The key count at args[at] with Redis's errors; replies and returns nothing when invalid.
std::optional<size_t> parse_combine_numkeys(Context& ctx, size_t at) {
  auto n = parse_int64(ctx.args[at]);
  if (!n) {
    reply_not_integer(ctx);
    return std::nullopt;
  }
  if (*n < 1) {
    return fail(ctx,
                fmt::format("ERR at least 1 input key is needed for '{}' command", ctx.spec.name));
  }
  if (!combine_numkeys(ctx.args, at)) return fail_syntax(ctx);
  return static_cast<size_t>(*n);
}

// ZUNION / ZINTER / ZDIFF / ZINTERCARD numkeys key [key ...] ...
KeyPositions combine_keys(std::span<const std::string_view> args) {
  std::optional<size_t> n = args.size() > 1 ? combine_numkeys(args, 1) : std::nullopt;
  if (!n) return {};
  return KeyPositions({2, static_cast<uint32_t>(2 + *n), 1});
}

// Z*STORE destination numkeys key [key ...] ...
KeyPositions combine_store_keys(std::span<const std::string_view> args) {
  std::optional<size_t> n = args.size() > 2 ? combine_numkeys(args, 2) : std::nullopt;
  if (!n) return {};
  return KeyPositions({1, 2, 1}, {3, static_cast<uint32_t>(3 + *n), 1});
}

struct CombineOptions {
  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  size_t limit = 0;  // ZINTERCARD; 0: none
};

std::optional<Aggregate> parse_aggregate(std::string_view word) {
  if (iequals(word, "sum")) return Aggregate::kSum;
  if (iequals(word, "min")) return Aggregate::kMin;
  if (iequals(word, "max")) return Aggregate::kMax;
  return std::nullopt;
}

// Reads WEIGHTS / AGGREGATE / WITHSCORES / LIMIT (those `op` and `output` allow) from
// `options`, in Redis's way: weights go to `sources`. Replies and returns false when invalid.
bool parse_combine_options(Context& ctx, ZsetOp op, Output output,
                           std::span<const std::string_view> options, std::vector<Source>& sources,
                           CombineOptions& o) {
  bool weighable = op != ZsetOp::kDiff && output != Output::kCard;
  for (size_t i = 0; i < options.size();) {
    std::string_view w = options[i];
    size_t left = options.size() - i;
    if (weighable && left > sources.size() && iequals(w, "weights")) {
      for (Source& src : sources) {
        std::optional<double> weight = parse_score(options[++i]);
        if (!weight) return refuse(ctx, "ERR weight value is not a float");
        src.weight = *weight;
      }
      ++i;
    } else if (weighable && left >= 2 && iequals(w, "aggregate")) {
      std::optional<Aggregate> a = parse_aggregate(options[i + 1]);
      if (!a) return refuse(ctx, kSyntaxError);
      o.aggregate = *a;
      i += 2;
    } else if (output == Output::kReply && iequals(w, "withscores")) {
      o.withscores = true;
      ++i;
    } else if (output == Output::kCard && left >= 2 && iequals(w, "limit")) {
      auto limit = parse_int64(options[i + 1]);
      if (!limit || *limit < 0) return refuse(ctx, "ERR LIMIT can't be negative");
      o.limit = static_cast<size_t>(*limit);
      i += 2;
    } else {
      return refuse(ctx, kSyntaxError);
    }
  }
  return true;
}

// The inputs at keys [from, end) of `k`; false after replying WRONGTYPE for a key that is
// neither a sorted set nor a set (Redis checks every key before reading any option).
bool find_sources(Context& ctx, MultiKeyLock& k, size_t from, size_t end,
                  std::vector<Source>& sources) {
  for (size_t i = from; i < end; ++i) {
    const Entry* e = k.find_read(i);
    if (e != nullptr && e->kind() != store::Kind::kZset && e->kind() != store::Kind::kSet) {
      reply_wrong_type(ctx);
      return false;
    }
    sources.push_back({e});
  }
  return true;
}

void reply_scores(Context& ctx, const Scores& result, Layout layout) {
  begin_elements(ctx.out, result.size(), layout);
  for (const Scored& x : result) write_element(ctx.out, {x.member, x.score}, layout);
}

// ZINTERCARD's count: the size of the intersection, or `limit` if it is smaller (0: none).
int64_t count_common(std::vector<Source> sources, size_t limit) {
  order_by_size(sources);
  int64_t count = 0;
  for_each_common(sources, Aggregate::kSum,
                  [&](std::string_view, double) { return ++count != static_cast<int64_t>(limit); });
  return count;
}

// ZUNION / ZINTER / ZDIFF / ZINTERCARD numkeys key [key ...] [options], or a STORE form with its
// destination before numkeys.
void combine_command(Context& ctx, ZsetOp op, Output output) {
  bool store = output == Output::kStore;
  size_t at = store ? 2 : 1;  // numkeys
  std::optional<size_t> n = parse_combine_numkeys(ctx, at);
  if (!n) return;
  std::vector<std::string_view> keys;
  if (store) keys.push_back(ctx.args[1]);
  keys.insert(keys.end(), ctx.args.begin() + at + 1, ctx.args.begin() + at + 1 + *n);
  MultiKeyLock k(ctx, keys);
  std::vector<Source> sources;
  if (!find_sources(ctx, k, store ? 1 : 0, keys.size(), sources)) return;
  CombineOptions o;
  if (!parse_combine_options(ctx, op, output, ctx.args.subspan(at + 1 + *n), sources, o)) return;
  if (output == Output::kCard) return ctx.out.integer(count_common(std::move(sources), o.limit));
  Scores result = combine(op, std::move(sources), o.aggregate);
  if (store)
    return store_result(ctx, k, 0, result, Start::kSized, kStoreEvents[static_cast<size_t>(op)]);
  reply_scores(ctx, result, o.withscores ? with_scores(ctx.out) : Layout::kMembers);
}

void cmd_zunion(Context& ctx) { combine_command(ctx, ZsetOp::kUnion, Output::kReply); }
void cmd_zinter(Context& ctx) { combine_command(ctx, ZsetOp::kInter, Output::kReply); }
void cmd_zdiff(Context& ctx) { combine_command(ctx, ZsetOp::kDiff, Output::kReply); }
void cmd_zunionstore(Context& ctx) { combine_command(ctx, ZsetOp::kUnion, Output::kStore); }
void cmd_zinterstore(Context& ctx) { combine_command(ctx, ZsetOp::kInter, Output::kStore); }
void cmd_zdiffstore(Context& ctx) { combine_command(ctx, ZsetOp::kDiff, Output::kStore); }
void cmd_zintercard(Context& ctx) { combine_command(ctx, ZsetOp::kInter, Output::kCard); }

// ---- ZSCAN

// A score as ZSCAN replies it (a bulk string in either protocol).
std::string format_score(double score) {
  char digits[32];
  return {digits, resp::format_double(score, digits)};
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]. Redis checks the cursor, then the key, then
// the options.
void cmd_zscan(Context& ctx) {
  if (!parse_scan_cursor(ctx.args[2])) return ctx.out.error("ERR invalid cursor");
  read_zset(ctx, [&](const Entry* e) {
    uint64_t cursor = 0;
    ScanOptions o;
    if (e != nullptr && !parse_scan_arguments(ctx, 2, false, cursor, o)) return;
    Scores found;
    size_t visited = 0;
    uint64_t next = 0;
    for (size_t steps = 0; e != nullptr && visited < o.count && steps < o.count * 10; ++steps) {
      next = zset::scan(e, cursor, [&](const Element& x) {
        ++visited;
        if (o.match.empty() || store::glob_match(o.match, x.member)) {
          found.push_back({std::string(x.member), x.score});
        }
      });
      if (next == 0) break;
      cursor = next;
    }
    ctx.out.array(2);
    ctx.out.bulk(std::to_string(next));
    ctx.out.array(2 * found.size());
    for (const Scored& x : found) {
      ctx.out.bulk(x.member);
      ctx.out.bulk(format_score(x.score));
    }
  });
}

constexpr uint32_t kW = kWrite | kDenyOom | kFast;
constexpr uint32_t kR = kReadonly | kFast;

const CommandSpec kCommands[] = {
    {.name = "zadd",
     .arity = -4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_zadd,
     .doc = {"Add one or more members to a sorted set, or update its score if it already exists",
             "1.2.0"}},
    {.name = "zincrby",
     .arity = 4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_zincrby,
     .doc = {"Increment the score of a member in a sorted set", "1.2.0"}},
    {.name = "zrem",
     .arity = -3,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_zrem,
     .doc = {"Remove one or more members from a sorted set", "1.2.0"}},
    {.name = "zcard",
     .arity = 2,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_zcard,
     .doc = {"Get the number of members in a sorted set", "1.2.0"}},
    {.name = "zcount",
     .arity = 4,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_zcount,
     .doc = {"Count the members in a sorted set with scores within the given values", "2.0.0"}},
    {.name = "zlexcount",
     .arity = 4,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_zlexcount,
     .doc = {"Count the number of members in a sorted set between a given lexicographical range",
             "2.8.9"}},
    {.name = "zscore",
     .arity = 3,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_zscore,
     .doc = {"Get the score associated with the given member in a sorted set", "1.2.0"}},
    {.name = "zmscore",
     .arity = -3,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_zmscore,
     .doc = {"Get the score associated with the given members in a sorted set", "6.2.0"}},
    {.name = "zrank",
     .arity = 3,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_zrank,
     .doc = {"Determine the index of a member in a sorted set", "2.0.0"}},
    {.name = "zrevrank",
     .arity = 3,
     .flags = kR,
     .keys = {1, 1, 1},
     .fn = cmd_zrevrank,
     .doc = {"Determine the index of a member in a sorted set, with scores ordered from high to "
             "low",
             "2.0.0"}},
    {.name = "zrange",
     .arity = -4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_zrange,
     .doc = {"Return a range of members in a sorted set", "1.2.0"}},
    {.name = "zrangestore",
     .arity = -5,
     .flags = kWrite | kDenyOom,
     .keys = {1, 2, 1},
     .fn = cmd_zrangestore,
     .doc = {"Store a range of members from sorted set into another key", "6.2.0"}},
    {.name = "zrangebyscore",
     .arity = -4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_zrangebyscore,
     .doc = {"Return a range of members in a sorted set, by score", "1.0.5"}},
    {.name = "zrevrangebyscore",
     .arity = -4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_zrevrangebyscore,
     .doc = {"Return a range of members in a sorted set, by score, with scores ordered from high "
             "to low",
             "2.2.0"}},
    {.name = "zrangebylex",
     .arity = -4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_zrangebylex,
     .doc = {"Return a range of members in a sorted set, by lexicographical range", "2.8.9"}},
    {.name = "zrevrangebylex",
     .arity = -4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_zrevrangebylex,
     .doc = {"Return a range of members in a sorted set, by lexicographical range, ordered from "
             "higher to lower strings.",
             "2.8.9"}},
    {.name = "zrevrange",
     .arity = -4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_zrevrange,
     .doc = {"Return a range of members in a sorted set, by index, with scores ordered from high "
             "to low",
             "1.2.0"}},
    {.name = "zremrangebyrank",
     .arity = 4,
     .flags = kWrite,
     .keys = {1, 1, 1},
     .fn = cmd_zremrangebyrank,
     .doc = {"Remove all members in a sorted set within the given indexes", "2.0.0"}},
    {.name = "zremrangebyscore",
     .arity = 4,
     .flags = kWrite,
     .keys = {1, 1, 1},
     .fn = cmd_zremrangebyscore,
     .doc = {"Remove all members in a sorted set within the given scores", "1.2.0"}},
    {.name = "zremrangebylex",
     .arity = 4,
     .flags = kWrite,
     .keys = {1, 1, 1},
     .fn = cmd_zremrangebylex,
     .doc = {"Remove all members in a sorted set between the given lexicographical range",
             "2.8.9"}},
    {.name = "zpopmin",
     .arity = -2,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_zpopmin,
     .doc = {"Remove and return members with the lowest scores in a sorted set", "5.0.0"}},
    {.name = "zpopmax",
     .arity = -2,
     .flags = kWrite | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_zpopmax,
     .doc = {"Remove and return members with the highest scores in a sorted set", "5.0.0"}},
    {.name = "zmpop",
     .arity = -4,
     .flags = kWrite,
     .fn = cmd_zmpop,
     .doc = {"Remove and return members with scores in a sorted set", "7.0.0"},
     .find_keys = zmpop_keys},
    {.name = "zrandmember",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_zrandmember,
     .doc = {"Get one or multiple random elements from a sorted set", "6.2.0"}},
    {.name = "zunion",
     .arity = -3,
     .flags = kReadonly,
     .fn = cmd_zunion,
     .doc = {"Add multiple sorted sets", "6.2.0"},
     .find_keys = combine_keys},
    {.name = "zinter",
     .arity = -3,
     .flags = kReadonly,
     .fn = cmd_zinter,
     .doc = {"Intersect multiple sorted sets", "6.2.0"},
     .find_keys = combine_keys},
    {.name = "zdiff",
     .arity = -3,
     .flags = kReadonly,
     .fn = cmd_zdiff,
     .doc = {"Subtract multiple sorted sets", "6.2.0"},
     .find_keys = combine_keys},
    {.name = "zunionstore",
     .arity = -4,
     .flags = kWrite | kDenyOom,
     .keys = {1, 1, 1},
     .fn = cmd_zunionstore,
     .doc = {"Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0"},
     .find_keys = combine_store_keys},
    {.name = "zinterstore",
     .arity = -4,
     .flags = kWrite | kDenyOom,
     .keys = {1, 1, 1},
     .fn = cmd_zinterstore,
     .doc = {"Intersect multiple sorted sets and store the resulting sorted set in a new key",
             "2.0.0"},
     .find_keys = combine_store_keys},
    {.name = "zdiffstore",
     .arity = -4,
     .flags = kWrite | kDenyOom,
     .keys = {1, 1, 1},
     .fn = cmd_zdiffstore,
     .doc = {"Subtract multiple sorted sets and store the resulting sorted set in a new key",
             "6.2.0"},
     .find_keys = combine_store_keys},
    {.name = "zintercard",
     .arity = -3,
     .flags = kReadonly,
     .fn = cmd_zintercard,
     .doc = {"Intersect multiple sorted sets and return the cardinality of the result", "7.0.0"},
     .find_keys = combine_keys},
    {.name = "zscan",
     .arity = -3,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_zscan,
     .doc = {"Incrementally iterate sorted sets elements and associated scores", "2.8.0"}},
};

}  // namespace

CommandFamily zset_commands() { return {"sorted_set", kCommands}; }

}  // namespace cachet::server
