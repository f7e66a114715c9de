// Geo commands with Redis 7.0 semantics: GEOADD GEODIST GEOHASH GEOPOS, and the searches
// GEORADIUS GEORADIUS_RO GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO GEOSEARCH GEOSEARCHSTORE.
//
// A geo index is a plain sorted set whose scores are geohashes (geohash.h), so every sorted-set
// command works on it too. A search checks its arguments in Redis's order (the source key's type
// first, then each argument left to right, a FROMMEMBER member when it is met), scans the cells
// of geo::search_area() in order, then sorts or stores what it found. Results are copied out of
// the source before anything is written, so a STORE destination may be the source itself.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/args.h"
#include "server/command.h"
#include "server/geohash.h"
#include "server/key_lock.h"
#include "server/notify.h"
#include "server/zset_ops.h"
#include "store/zset.h"

namespace cachet::server {
namespace {

using store::Entry;
namespace zset = store::zset;

constexpr std::string_view kUnitError = "ERR unsupported unit provided. please use M, KM, FT, MI";
constexpr std::string_view kMemberError = "ERR could not decode requested zset member";

// Replies `error`; returns false, for parsers that stop at their first error.
bool fail(Context& ctx, std::string_view error) {
  ctx.out.error(error);
  return false;
}

// Metres per unit, or nothing (replying the error) for an unknown unit.
std::optional<double> parse_unit(Context& ctx, std::string_view unit) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"m", 1}, {"km", 1000}, {"ft", 0.3048}, {"mi", 1609.34}};
  for (auto [name, metres] : kUnits) {
    if (iequals(unit, name)) return metres;
  }
  ctx.out.error(kUnitError);
  return std::nullopt;
}

// A float argument (strtod's rules, as parse_score); replies `error` when it is not one.
std::optional<double> parse_number(Context& ctx, std::string_view text, std::string_view error) {
  std::optional<double> v = parse_score(text);
  if (!v) ctx.out.error(error);
  return v;
}

// The longitude and latitude at args[i], args[i + 1], inside the indexable ranges.
std::optional<geo::Point> parse_point(Context& ctx, size_t i) {
  std::optional<double> lon = parse_number(ctx, ctx.args[i], kNotFloatError);
  if (!lon) return std::nullopt;
  std::optional<double> lat = parse_number(ctx, ctx.args[i + 1], kNotFloatError);
  if (!lat) return std::nullopt;
  geo::Point p{*lon, *lat};
  if (!geo::valid(p)) {
    char buf[800];  // "%f" prints up to 317 characters for a double
    std::snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", p.lon, p.lat);
    ctx.out.error(buf);
    return std::nullopt;
  }
  return p;
}

// A sorted-set member's position, if the member is present.
std::optional<geo::Point> position_of(const Entry* e, std::string_view member) {
  std::optional<double> score = zset::score(e, member);
  if (!score) return std::nullopt;
  return geo::position_of(*score);
}

// A coordinate as Redis's addReplyHumanLongDouble writes it: "%.17Lf" without trailing zeros,
// as a RESP2 bulk string or a RESP3 double.
void reply_coordinate(resp::Writer& out, double v) { out.dbl_text(format_long_double(v)); }

void reply_position(resp::Writer& out, geo::Point p) {
  out.array(2);
  reply_coordinate(out, p.lon);
  reply_coordinate(out, p.lat);
}

// Calls fn(const Entry* e) with the sorted set at args[1] (null when absent) under its lock,
// unless the key holds another type (WRONGTYPE is replied then).
template <typename Fn>
void read_geo(Context& ctx, Fn&& fn) {
  KeyLock k(ctx, ctx.args[1]);
  const Entry* e = k.find_read();
  if (!wrong_kind(ctx, e, store::Kind::kZset)) fn(e);
}

// ---- GEOADD GEODIST GEOHASH GEOPOS

struct GeoaddOptions {
  bool nx = false, xx = false, ch = false;
};

// Reads GEOADD's options from args[2] on; returns the index of the first longitude.
size_t parse_geoadd_options(std::span<const std::string_view> args, GeoaddOptions& o) {
  size_t i = 2;
  for (; i < args.size(); ++i) {
    bool* flag = iequals(args[i], "nx")   ? &o.nx
                 : iequals(args[i], "xx") ? &o.xx
                 : iequals(args[i], "ch") ? &o.ch
                                          : nullptr;
    if (flag == nullptr) break;
    *flag = true;
  }
  return i;
}

// Adds or updates `member` under `o`; returns whether it was added and whether it changed.
std::pair<bool, bool> geoadd_one(store::Shard& shard, Entry*& e, const GeoaddOptions& o,
                                 std::string_view member, double score) {
  std::optional<double> current = zset::score(e, member);
  if (!current) {
    if (o.xx) return {false, false};
    zset::add(shard, e, member, score);
    return {true, true};
  }
  if (o.nx || *current == score) return {false, false};
  zset::add(shard, e, member, score);
  return {false, true};
}

// GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]: ZADD of the
// members' geohashes. Every position is checked before the key is looked at.
void cmd_geoadd(Context& ctx) {
  GeoaddOptions o;
  size_t first = parse_geoadd_options(ctx.args, o);
  size_t words = ctx.args.size() - first;
  if (words == 0 || words % 3 != 0 || (o.nx && o.xx)) return reply_syntax_error(ctx);
  std::vector<double> scores;
  size_t longest = 0;
  for (size_t i = first; i < ctx.args.size(); i += 3) {
    std::optional<geo::Point> p = parse_point(ctx, i);
    if (!p) return;
    scores.push_back(geo::score_of(*p));
    longest = std::max(longest, ctx.args[i + 2].size());
  }
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find();
  if (wrong_kind(ctx, e, store::Kind::kZset)) return;
  if (e == nullptr) {
    if (o.xx) return ctx.out.integer(0);
    e = k.put("");
    zset::init(e);
    zset::reserve(k.shard(), e, scores.size(), longest);
  }
  int64_t added = 0, changed = 0;
  for (size_t j = 0; j < scores.size(); ++j) {
    auto [was_added, was_changed] =
        geoadd_one(k.shard(), e, o, ctx.args[first + 3 * j + 2], scores[j]);
    added += was_added;
    changed += was_changed;
  }
  ctx.out.integer(o.ch ? changed : added);
  if (changed > 0) notify_keyspace_event(ctx, kNotifyZset, "zadd", k.key());  // as ZADD does
}

// GEODIST key member1 member2 [M|KM|FT|MI]
void cmd_geodist(Context& ctx) {
  if (ctx.args.size() > 5) return reply_syntax_error(ctx);
  double to_metres = 1;
  if (ctx.args.size() == 5) {
    std::optional<double> unit = parse_unit(ctx, ctx.args[4]);
    if (!unit) return;
    to_metres = *unit;
  }
  read_geo(ctx, [&](const Entry* e) {
    std::optional<geo::Point> a, b;
    if (e != nullptr) a = position_of(e, ctx.args[2]);
    if (a) b = position_of(e, ctx.args[3]);
    if (!b) return ctx.out.null();
    ctx.out.bulk(geo::format_distance(geo::distance(*a, *b) / to_metres));
  });
}

// GEOHASH key [member ...]
void cmd_geohash(Context& ctx) {
  read_geo(ctx, [&](const Entry* e) {
    ctx.out.array(ctx.args.size() - 2);
    for (std::string_view member : ctx.args.subspan(2)) {
      std::optional<double> score = e ? zset::score(e, member) : std::nullopt;
      if (score) {
        ctx.out.bulk(geo::geohash_string(*score));
      } else {
        ctx.out.null();
      }
    }
  });
}

// GEOPOS key [member ...]
void cmd_geopos(Context& ctx) {
  read_geo(ctx, [&](const Entry* e) {
    ctx.out.array(ctx.args.size() - 2);
    for (std::string_view member : ctx.args.subspan(2)) {
      std::optional<geo::Point> p = e ? position_of(e, member) : std::nullopt;
      if (p) {
        reply_position(ctx.out, *p);
      } else {
        ctx.out.null_array();
      }
    }
  });
}

// ---- The searches

// Which command a search is: where its centre comes from and whether it may store.
struct SearchForm {
  enum class From { kCoordinates, kMember, kOptions };  // GEORADIUS, ...BYMEMBER, GEOSEARCH*
  From from = From::kCoordinates;
  bool may_store = true;      // STORE / STOREDIST options (GEORADIUS, GEORADIUSBYMEMBER)
  bool search_store = false;  // GEOSEARCHSTORE: args[1] is the destination
  bool geosearch() const { return from == From::kOptions; }
  // The index of the first option.
  size_t options() const {
    if (from == From::kCoordinates) return kRadiusOptions;
    if (from == From::kMember) return kByMemberOptions;
    return search_store ? 3 : 2;
  }
  static constexpr size_t kRadiusOptions = 6, kByMemberOptions = 5;
  size_t source() const { return search_store ? 2 : 1; }
};

struct SearchQuery {
  geo::Shape shape;
  bool with_dist = false, with_hash = false, with_coord = false, any = false;
  enum class Order { kNone, kAsc, kDesc } order = Order::kNone;
  int64_t count = 0;            // 0: all
  std::optional<size_t> store;  // the destination's argument index
  bool store_dist = false;
};

// The argument index of a GEORADIUS / GEORADIUSBYMEMBER destination: after the last STORE or
// STOREDIST among the options (from args[first] on). When the arguments parse, this is the
// destination the command writes. (Redis's COMMAND GETKEYS names the key after the first STORE
// and the first STOREDIST instead; they differ only when the options repeat.)
std::optional<size_t> radius_store_index(std::span<const std::string_view> args, size_t first) {
  std::optional<size_t> at;
  for (size_t i = first; i + 1 < args.size(); ++i) {
    if (iequals(args[i], "store") || iequals(args[i], "storedist")) at = ++i;
  }
  return at;
}

KeyPositions radius_keys(std::span<const std::string_view> args, size_t first) {
  std::optional<size_t> dest = radius_store_index(args, first);
  if (!dest) return KeyPositions({1, 2, 1});
  return KeyPositions({1, 2, 1},
                      {static_cast<uint32_t>(*dest), static_cast<uint32_t>(*dest + 1), 1});
}

KeyPositions georadius_keys(std::span<const std::string_view> args) {
  return radius_keys(args, SearchForm::kRadiusOptions);
}
KeyPositions georadiusbymember_keys(std::span<const std::string_view> args) {
  return radius_keys(args, SearchForm::kByMemberOptions);
}

// A distance and its unit at args[i], args[i + 1] (BYRADIUS, GEORADIUS's radius).
bool parse_radius(Context& ctx, size_t i, geo::Shape& s) {
  std::optional<double> r = parse_number(ctx, ctx.args[i], "ERR need numeric radius");
  if (!r) return false;
  if (*r < 0) return fail(ctx, "ERR radius cannot be negative");
  std::optional<double> unit = parse_unit(ctx, ctx.args[i + 1]);
  if (!unit) return false;
  s.kind = geo::Shape::Kind::kRadius;
  s.radius = *r;
  s.to_metres = *unit;
  return true;
}

// BYBOX's width, height and unit at args[i..i + 2].
bool parse_box(Context& ctx, size_t i, geo::Shape& s) {
  std::optional<double> w = parse_number(ctx, ctx.args[i], "ERR need numeric width");
  if (!w) return false;
  std::optional<double> h = parse_number(ctx, ctx.args[i + 1], "ERR need numeric height");
  if (!h) return false;
  if (*h < 0 || *w < 0) return fail(ctx, "ERR height or width cannot be negative");
  std::optional<double> unit = parse_unit(ctx, ctx.args[i + 2]);
  if (!unit) return false;
  s.kind = geo::Shape::Kind::kBox;
  s.width = *w;
  s.height = *h;
  s.to_metres = *unit;
  return true;
}

// A FROMMEMBER / GEORADIUSBYMEMBER centre: the member's position in the source `e` (present).
bool parse_member_centre(Context& ctx, const Entry* e, size_t i, geo::Shape& s) {
  std::optional<geo::Point> p = position_of(e, ctx.args[i]);
  if (!p) return fail(ctx, kMemberError);
  s.centre = *p;
  return true;
}

// The search options from args[at] on. FROMMEMBER's member is looked up in `e` when the source
// exists; when it does not the member is not checked, as in Redis.
class OptionParser {
 public:
  OptionParser(Context& ctx, const SearchForm& form, const Entry* e, SearchQuery& q)
      : ctx_(ctx), form_(form), e_(e), q_(q) {}

  bool parse(size_t at) {
    for (i_ = at; i_ < ctx_.args.size(); ++i_) {
      if (!parse_one()) return false;
    }
    return check();
  }

 private:
  // How many arguments follow the current one.
  size_t left() const { return ctx_.args.size() - i_ - 1; }
  bool is(std::string_view word) const { return iequals(ctx_.args[i_], word); }

  bool parse_one() {
    const std::pair<std::string_view, bool*> flags[] = {{"withdist", &q_.with_dist},
                                                        {"withhash", &q_.with_hash},
                                                        {"withcoord", &q_.with_coord},
                                                        {"any", &q_.any}};
    for (auto [word, flag] : flags) {
      if (is(word)) return *flag = true;
    }
    if (is("asc") || is("desc")) {
      q_.order = is("asc") ? SearchQuery::Order::kAsc : SearchQuery::Order::kDesc;
      return true;
    }
    bool search = form_.geosearch();
    if (is("count") && left() >= 1) return parse_count();
    if ((is("store") || is("storedist")) && left() >= 1 && form_.may_store) {
      q_.store_dist = is("storedist");
      q_.store = ++i_;
      return true;
    }
    if (is("storedist") && form_.search_store) return q_.store_dist = true;
    if (is("frommember") && left() >= 1 && search && !from_lonlat_) return parse_from_member();
    if (is("fromlonlat") && left() >= 2 && search && !from_member_) return parse_from_lonlat();
    if (is("byradius") && left() >= 2 && search && !by_box_) {
      by_radius_ = true;
      return parse_radius(ctx_, advance(2), q_.shape);
    }
    if (is("bybox") && left() >= 3 && search && !by_radius_) {
      by_box_ = true;
      return parse_box(ctx_, advance(3), q_.shape);
    }
    return fail(ctx_, "ERR syntax error");
  }

  // Skips the current word's `n` values; returns the index of the first.
  size_t advance(size_t n) {
    size_t first = i_ + 1;
    i_ += n;
    return first;
  }

  bool parse_count() {
    std::optional<int64_t> n = parse_int64(ctx_.args[advance(1)]);
    if (!n) return fail(ctx_, "ERR value is not an integer or out of range");
    if (*n <= 0) return fail(ctx_, "ERR COUNT must be > 0");
    q_.count = *n;
    return true;
  }

  bool parse_from_member() {
    from_member_ = true;
    size_t member = advance(1);
    return e_ == nullptr || parse_member_centre(ctx_, e_, member, q_.shape);
  }

  bool parse_from_lonlat() {
    std::optional<geo::Point> p = parse_point(ctx_, advance(2));
    if (!p) return false;
    from_lonlat_ = true;
    q_.shape.centre = *p;
    return true;
  }

  // The checks Redis makes once every option has been read.
  bool check() {
    if (q_.store && (q_.with_dist || q_.with_hash || q_.with_coord)) {
      return fail(ctx_, form_.search_store
                            ? "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and "
                              "WITHCOORD options"
                            : "ERR STORE option in GEORADIUS is not compatible with WITHDIST, "
                              "WITHHASH and WITHCOORD options");
    }
    std::string_view name = ctx_.args[0];
    if (form_.geosearch() && !from_member_ && !from_lonlat_) {
      return fail(ctx_, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                            std::string(name));
    }
    if (form_.geosearch() && !by_radius_ && !by_box_) {
      return fail(
          ctx_, "ERR exactly one of BYRADIUS and BYBOX can be specified for " + std::string(name));
    }
    if (q_.any && q_.count == 0) return fail(ctx_, "ERR the ANY argument requires COUNT argument");
    return true;
  }

  Context& ctx_;
  const SearchForm& form_;
  const Entry* e_;
  SearchQuery& q_;
  size_t i_ = 0;
  bool from_member_ = false, from_lonlat_ = false, by_radius_ = false, by_box_ = false;
};

// Parses a search's arguments against the source `e` (null when absent), replying the first
// error as Redis would. GEORADIUSBYMEMBER on a missing key reads neither member nor radius.
bool parse_search(Context& ctx, const SearchForm& form, const Entry* e, SearchQuery& q) {
  if (form.from == SearchForm::From::kCoordinates) {
    std::optional<geo::Point> p = parse_point(ctx, 2);
    if (!p || !parse_radius(ctx, 4, q.shape)) return false;
    q.shape.centre = *p;
  } else if (form.from == SearchForm::From::kMember && e != nullptr) {
    if (!parse_member_centre(ctx, e, 2, q.shape) || !parse_radius(ctx, 3, q.shape)) return false;
  }
  if (form.search_store) q.store = 1;
  if (!OptionParser(ctx, form, e, q).parse(form.options())) return false;
  // COUNT keeps the nearest: without an order it sorts ascending (ANY takes the first found).
  if (q.count != 0 && q.order == SearchQuery::Order::kNone && !q.any) {
    q.order = SearchQuery::Order::kAsc;
  }
  return true;
}

struct Found {
  std::string member;
  double score;
  double metres;
  geo::Point position;
};

// The members of `e` inside the query's shape, cell by cell in geo::search_area()'s order (each
// cell ascending by score); with ANY, stops at COUNT of them.
std::vector<Found> find_members(const Entry* e, const SearchQuery& q) {
  std::vector<Found> found;
  size_t limit = q.any ? static_cast<size_t>(q.count) : 0;
  auto full = [&] { return limit != 0 && found.size() >= limit; };
  geo::SearchArea area = geo::search_area(q.shape);
  for (size_t c = 0; c < area.count && !full(); ++c) {
    geo::ScoreSpan scores = geo::scores_of(area.cells[c]);
    RankSpan ranks = span_of(e, ScoreRange{scores.min, scores.end, false, true});
    if (ranks.size() == 0) continue;
    zset::for_range(e, ranks.first, ranks.end - 1, false, [&](const zset::Element& x) {
      geo::Point p = geo::position_of(x.score);
      double metres;
      if (geo::contains(q.shape, p, metres)) {
        found.push_back({std::string(x.member), x.score, metres, p});
      }
      return !full();
    });
  }
  return found;
}

// Redis's partial quicksort (its pqsort: the Bentley-McIlroy quicksort of the BSD libcs, which
// only descends into partitions holding ranks in [lo, hi]). Redis sorts a COUNT-limited search
// with it, so this is what decides the order of equal distances there. `cmp` returns <0, 0, >0.
template <typename T, typename Cmp>
class PartialQuicksort {
 public:
  PartialQuicksort(std::vector<T>& v, Cmp cmp, size_t lo, size_t hi)
      : v_(v), cmp_(cmp), lo_(lo), hi_(hi) {}

  void sort(size_t a, size_t n) {
    for (;;) {
      if (n < 7) return insertion_sort(a, n);
      std::swap(v_[a], v_[pivot(a, n)]);
      auto [pa, pb, pc, pd] = partition(a, n);
      size_t end = a + n;
      size_t r = std::min(pa - a, pb - pa);  // move the elements equal to the pivot to the middle
      swap_ranges(a, pb - r, r);
      r = std::min(pd - pc, end - pd - 1);
      swap_ranges(pb, end - r, r);
      if (size_t lower = pb - pa; lower > 1 && wanted(a, lower)) sort(a, lower);
      size_t upper = pd - pc;
      if (upper <= 1 || !wanted(end - upper, upper)) return;
      a = end - upper;
      n = upper;
    }
  }

 private:
  struct Partition {
    size_t pa, pb, pc, pd;
  };

  int cmp(size_t i, size_t j) const { return cmp_(v_[i], v_[j]); }

  size_t median_of_three(size_t i, size_t j, size_t k) const {
    if (cmp(i, j) < 0) return cmp(j, k) < 0 ? j : cmp(i, k) < 0 ? k : i;
    return cmp(j, k) > 0 ? j : cmp(i, k) < 0 ? i : k;
  }

  size_t pivot(size_t a, size_t n) const {
    size_t m = a + n / 2;
    if (n == 7) return m;
    size_t l = a, r = a + n - 1;
    if (n > 40) {  // pseudo-median of nine
      size_t d = n / 8;
      l = median_of_three(l, l + d, l + 2 * d);
      m = median_of_three(m - d, m, m + d);
      r = median_of_three(r - 2 * d, r - d, r);
    }
    return median_of_three(l, m, r);
  }

  // Splits [a, a + n) around the pivot at a: equal elements gather at both ends ([a, pa) and
  // (pd, end)), smaller ones in [pa, pb), larger ones in (pc, pd].
  Partition partition(size_t a, size_t n) {
    size_t pa = a + 1, pb = a + 1, pc = a + n - 1, pd = a + n - 1;
    for (;;) {
      for (int c; pb <= pc && (c = cmp(pb, a)) <= 0; ++pb) {
        if (c == 0) std::swap(v_[pa++], v_[pb]);
      }
      for (int c; pb <= pc && (c = cmp(pc, a)) >= 0; --pc) {
        if (c == 0) std::swap(v_[pc], v_[pd--]);
      }
      if (pb > pc) return {pa, pb, pc, pd};
      std::swap(v_[pb++], v_[pc--]);
    }
  }

  void insertion_sort(size_t a, size_t n) {
    for (size_t m = a + 1; m < a + n; ++m) {
      for (size_t l = m; l > a && cmp(l - 1, l) > 0; --l) std::swap(v_[l], v_[l - 1]);
    }
  }

  void swap_ranges(size_t i, size_t j, size_t n) {
    for (size_t k = 0; k < n; ++k) std::swap(v_[i + k], v_[j + k]);
  }

  // Whether ranks [first, first + n) hold any of [lo, hi].
  bool wanted(size_t first, size_t n) const { return hi_ >= first && lo_ < first + n; }

  std::vector<T>& v_;
  Cmp cmp_;
  size_t lo_, hi_;
};

// Orders the results by distance as Redis does and keeps COUNT of them: all of them with glibc's
// qsort (a stable merge sort), fewer with its partial quicksort.
void order_and_limit(std::vector<Found>& found, const SearchQuery& q) {
  size_t keep = found.size();
  if (q.count != 0) keep = std::min(keep, static_cast<size_t>(q.count));
  if (q.order != SearchQuery::Order::kNone && keep > 0) {
    int sign = q.order == SearchQuery::Order::kAsc ? 1 : -1;
    auto cmp = [sign](const Found& a, const Found& b) {
      return sign * (a.metres > b.metres ? 1 : a.metres == b.metres ? 0 : -1);
    };
    if (keep == found.size()) {
      std::stable_sort(found.begin(), found.end(),
                       [&](const Found& a, const Found& b) { return cmp(a, b) < 0; });
    } else {
      PartialQuicksort(found, cmp, 0, keep - 1).sort(0, found.size());
    }
  }
  found.resize(keep);
}

void reply_found(Context& ctx, const std::vector<Found>& found, const SearchQuery& q) {
  size_t extras = q.with_dist + q.with_hash + q.with_coord;
  ctx.out.array(found.size());
  for (const Found& f : found) {
    if (extras != 0) ctx.out.array(extras + 1);
    ctx.out.bulk(f.member);
    if (q.with_dist) ctx.out.bulk(geo::format_distance(f.metres / q.shape.to_metres));
    if (q.with_hash) ctx.out.integer(static_cast<int64_t>(f.score));
    if (q.with_coord) reply_position(ctx.out, f.position);
  }
}

// The index of a search's destination in its MultiKeyLock (the source is 0).
constexpr size_t kDestination = 1;

// Deletes the destination `key` (locked as kDestination in `k`) of a search that found nothing,
// raising "del" if it existed, and replies 0.
void clear_destination(Context& ctx, MultiKeyLock& k, std::string_view key) {
  if (k.erase(kDestination)) notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
  ctx.out.integer(0);
}

// Makes the destination `key` (locked as kDestination in `k`) the sorted set of the results (scored
// by geohash, or by distance with STOREDIST), or deletes it when there are none; raises `event` (or
// "del") and replies their number.
void store_found(Context& ctx, MultiKeyLock& k, std::string_view key,
                 const std::vector<Found>& found, const SearchQuery& q, std::string_view event) {
  if (found.empty()) return clear_destination(ctx, k, key);
  Entry* dst = k.put(kDestination, "");
  zset::init(dst);
  size_t longest = 0;
  for (const Found& f : found) longest = std::max(longest, f.member.size());
  zset::reserve(k.shard(kDestination), dst, found.size(), longest);
  for (const Found& f : found) {
    zset::add(k.shard(kDestination), dst, f.member,
              q.store_dist ? f.metres / q.shape.to_metres : f.score);
  }
  notify_keyspace_event(ctx, kNotifyZset, event, key);
  ctx.out.integer(static_cast<int64_t>(found.size()));
}

// The destination a search may write (locked with the source before anything is read).
std::optional<size_t> destination_of(Context& ctx, const SearchForm& form) {
  if (form.search_store) return 1;
  if (!form.may_store) return std::nullopt;
  return radius_store_index(ctx.args, form.options());
}

void search_command(Context& ctx, const SearchForm& form) {
  std::optional<size_t> dest = destination_of(ctx, form);
  std::string_view keys[2] = {ctx.args[form.source()], dest ? ctx.args[*dest] : ""};
  MultiKeyLock k(ctx, std::span(keys, dest ? 2 : 1));
  const Entry* e = k.find_read(0);
  if (wrong_kind(ctx, e, store::Kind::kZset)) return;
  SearchQuery q;
  if (!parse_search(ctx, form, e, q)) return;
  // Now q.store is set exactly when `dest` is: the parse and destination_of() agree on it.
  if (e == nullptr) {
    if (!q.store) return ctx.out.array(0);
    return clear_destination(ctx, k, keys[1]);
  }
  std::vector<Found> found = find_members(e, q);
  order_and_limit(found, q);
  if (q.store) {
    return store_found(ctx, k, keys[1], found, q,
                       form.search_store ? "geosearchstore" : "georadiusstore");
  }
  reply_found(ctx, found, q);
}

using From = SearchForm::From;

// GEORADIUS key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH]
//   [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]
void cmd_georadius(Context& ctx) { search_command(ctx, {From::kCoordinates}); }
void cmd_georadius_ro(Context& ctx) { search_command(ctx, {From::kCoordinates, false}); }
// GEORADIUSBYMEMBER key member radius unit [options as GEORADIUS]
void cmd_georadiusbymember(Context& ctx) { search_command(ctx, {From::kMember}); }
void cmd_georadiusbymember_ro(Context& ctx) { search_command(ctx, {From::kMember, false}); }
// GEOSEARCH key FROMMEMBER member|FROMLONLAT longitude latitude BYRADIUS radius unit|BYBOX width
//   height unit [ASC|DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
void cmd_geosearch(Context& ctx) { search_command(ctx, {From::kOptions, false}); }
// GEOSEARCHSTORE destination source [options as GEOSEARCH, without WITH*] [STOREDIST]
void cmd_geosearchstore(Context& ctx) { search_command(ctx, {From::kOptions, false, true}); }

constexpr uint32_t kW = kWrite | kDenyOom;

const CommandSpec kCommands[] = {
    {.name = "geoadd",
     .arity = -5,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_geoadd,
     .doc = {"Add one or more geospatial items in the geospatial index represented using a sorted "
             "set",
             "3.2.0"}},
    {.name = "geodist",
     .arity = -4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_geodist,
     .doc = {"Returns the distance between two members of a geospatial index", "3.2.0"}},
    {.name = "geohash",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_geohash,
     .doc = {"Returns members of a geospatial index as standard geohash strings", "3.2.0"}},
    {.name = "geopos",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_geopos,
     .doc = {"Returns longitude and latitude of members of a geospatial index", "3.2.0"}},
    {.name = "georadius",
     .arity = -6,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_georadius,
     .doc = {"Query a sorted set representing a geospatial index to fetch members matching a "
             "given maximum distance from a point",
             "3.2.0"},
     .find_keys = georadius_keys},
    {.name = "georadius_ro",
     .arity = -6,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_georadius_ro,
     .doc = {"A read-only variant for GEORADIUS", "3.2.10"}},
    {.name = "georadiusbymember",
     .arity = -5,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_georadiusbymember,
     .doc = {"Query a sorted set representing a geospatial index to fetch members matching a "
             "given maximum distance from a member",
             "3.2.0"},
     .find_keys = georadiusbymember_keys},
    {.name = "georadiusbymember_ro",
     .arity = -5,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_georadiusbymember_ro,
     .doc = {"A read-only variant for GEORADIUSBYMEMBER", "3.2.10"}},
    {.name = "geosearch",
     .arity = -7,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_geosearch,
     .doc = {"Query a sorted set representing a geospatial index to fetch members inside an area "
             "of a box or a circle.",
             "6.2.0"}},
    {.name = "geosearchstore",
     .arity = -8,
     .flags = kW,
     .keys = {1, 2, 1},
     .fn = cmd_geosearchstore,
     .doc = {"Query a sorted set representing a geospatial index to fetch members inside an area "
             "of a box or a circle, and store the result in another key.",
             "6.2.0"}},
};

}  // namespace

CommandFamily geo_commands() { return {"geo", kCommands}; }

}  // namespace cachet::server
