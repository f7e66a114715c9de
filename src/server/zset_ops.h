// Sorted-set argument parsing and the pop core, shared by the sorted-set commands
// (commands_zsets.cc: ZADD, ZRANGE..., ZPOPMIN, ZMPOP), the blocking pops (commands_blocking.cc:
// BZPOPMIN, BZPOPMAX, BZMPOP) and any other family reading sorted sets. Defined in
// commands_zsets.cc.
//
// Parsers are pure and follow Redis 7.0's rules; the caller replies with the matching error
// (kNotFloatError, kScoreRangeError, kLexRangeError) when one returns nothing. The pop core
// requires the shard locks of the keys it gets; a sorted set at rest is never empty: a pop that
// takes the last member deletes the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "resp/writer.h"
#include "server/command.h"
#include "server/list_ops.h"
#include "store/entry.h"
#include "store/zset.h"

namespace cachet::server {

inline constexpr std::string_view kNotFloatError = "ERR value is not a valid float";
inline constexpr std::string_view kScoreRangeError = "ERR min or max is not a float";
inline constexpr std::string_view kLexRangeError = "ERR min or max not valid string range item";

// A score as ZADD / ZINCRBY / WEIGHTS read it (Redis's getDoubleFromObject): strtod over the
// whole text, no leading space, "inf" / "-inf" / "+inf" accepted, NaN and out-of-range values
// (overflow, underflow to zero) rejected.
std::optional<double> parse_score(std::string_view text);

// A score interval (ZRANGEBYSCORE's min and max): each bound a float as strtod reads it, or with a
// leading "(" exclusive; "-inf" and "+inf" are the open ends. min > max is a valid, empty range.
struct ScoreRange {
  double min = 0, max = 0;
  bool min_exclusive = false, max_exclusive = false;
};
std::optional<ScoreRange> parse_score_range(std::string_view min, std::string_view max);

// A member interval (ZRANGEBYLEX's min and max): "[value" inclusive, "(value" exclusive, "-" and
// "+" the smallest and largest possible member.
struct LexBound {
  enum class Kind { kMinusInfinity, kPlusInfinity, kInclusive, kExclusive };
  Kind kind = Kind::kMinusInfinity;
  std::string_view value;  // for kInclusive and kExclusive; views the argument
};
struct LexRange {
  LexBound min, max;
};
std::optional<LexRange> parse_lex_range(std::string_view min, std::string_view max);

// The ranks [first, end) of a sorted set's elements inside a range (first == end: none). A lex
// range assumes, as Redis does, that every member has the same score.
struct RankSpan {
  size_t first = 0, end = 0;
  size_t size() const { return end - first; }
};
RankSpan span_of(const store::Entry* e, const ScoreRange& range);
RankSpan span_of(const store::Entry* e, const LexRange& range);

// Which end of a sorted set a pop takes: the lowest scores or the highest.
enum class ZsetEnd { kMin, kMax };

// The arguments of ZMPOP / BZMPOP from the numkeys at args[at]: numkeys key [key ...] MIN|MAX
// [COUNT count]. Their key positions are mpop_keys(args, at) (list_ops.h).
struct ZmpopArguments {
  std::span<const std::string_view> keys;
  ZsetEnd end = ZsetEnd::kMin;
  size_t count = 1;
};
// Parses them with Redis's errors; replies and returns nothing when invalid.
std::optional<ZmpopArguments> parse_zmpop(Context& ctx, size_t at);

// How the elements of a reply are laid out: members only, [member, score, ...] flat, or
// [[member, score], ...] pairs.
enum class Layout { kMembers, kFlat, kPairs };
// WITHSCORES's layout in the writer's protocol: flat in RESP2, pairs in RESP3.
inline Layout with_scores(const resp::Writer& out) {
  return out.protocol() >= 3 ? Layout::kPairs : Layout::kFlat;
}

// How a pop replies: ZPOPMIN's elements (in `layout`), BZPOPMIN's [key, member, score]
// (with_key, kFlat) or ZMPOP's [key, [[member, score], ...]] (with_key, kPairs).
struct ZpopForm {
  bool with_key = false;
  Layout layout = Layout::kFlat;
};

// The pop core works on locked keys as the list pops do: a ListKey (list_ops.h) names any one
// locked key, whatever it holds.
//
// Pops min(count, size) elements (count >= 1) from `end` of the sorted set `e` at `key` and writes
// the reply in `form` to ctx.out; deletes the key when emptied. Raises the keyspace events.
void zpop_reply(const ListKey& key, store::Entry* e, ZsetEnd end, size_t count, ZpopForm form,
                Context& ctx);

// ZMPOP's search: pops as zpop_reply from the first of `keys`, in order, that holds a sorted set,
// and returns true. A key of another type met first gets WRONGTYPE written (true as well).
// Returns false, writing nothing, when every key is absent.
bool zpop_first(std::span<const ListKey> keys, ZsetEnd end, size_t count, ZpopForm form,
                Context& ctx);

}  // namespace cachet::server
