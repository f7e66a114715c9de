// Stream commands with Redis 7.0 semantics: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID, XREAD
// and XREADGROUP (with BLOCK), the consumer groups (XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM)
// and XINFO.
//
// Each command parses with Redis's rules and errors, in Redis's order (some look the key up
// before parsing the rest), then works on the stream (store/stream.h) under its key's lock. A
// blocked XREAD / XREADGROUP waits as the list pops do (blocking.h): its "$" IDs are fixed when
// it blocks, and any write to one of its keys serves it if the stream then has newer entries.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/args.h"
#include "server/block_client.h"
#include "server/blocking.h"
#include "server/command.h"
#include "server/key_lock.h"
#include "server/notify.h"
#include "store/stream.h"

namespace cachet::server {
namespace {

using store::Entry;
using store::stream::Group;
using store::stream::Id;
using store::stream::Item;
using store::stream::Stream;
namespace stream = store::stream;

constexpr std::string_view kInvalidId =
    "ERR Invalid stream ID specified as stream command argument";
constexpr std::string_view kNoKey = "ERR no such key";
constexpr int64_t kBlockedDefaultCount = 1000;  // XREAD_BLOCKED_DEFAULT_COUNT

// ---- Parsing

// An unsigned 64-bit number as Redis's string2ull reads it: a strict integer, else what strtoull
// takes whole (leading spaces, a sign).
std::optional<uint64_t> parse_u64(std::string_view s) {
  if (std::optional<int64_t> v = parse_int64(s)) {
    if (*v < 0) return std::nullopt;
    return static_cast<uint64_t>(*v);
  }
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return std::nullopt;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v)) {
      return std::nullopt;
    }
  }
  return negative ? 0 - v : v;
}

// How an ID argument may be written.
struct IdForm {
  uint64_t missing_seq = 0;   // the sequence of a bare "ms"
  bool strict = false;        // "-" and "+" refused
  bool* seq_given = nullptr;  // if set, "ms-*" is accepted and clears it
};

// A stream ID as Redis's streamGenericParseIDOrReply reads it.
std::optional<Id> parse_id(std::string_view text, IdForm form = {}) {
  if (text.size() > 127) return std::nullopt;
  if (form.seq_given != nullptr) *form.seq_given = true;
  if (text == "-" || text == "+") {
    if (form.strict) return std::nullopt;
    return text == "-" ? Id{} : stream::kMaxId;
  }
  size_t dash = text.find('-');
  std::optional<uint64_t> ms = parse_u64(text.substr(0, dash));
  if (!ms) return std::nullopt;
  if (dash == std::string_view::npos) return Id{*ms, form.missing_seq};
  std::string_view seq_text = text.substr(dash + 1);
  if (form.seq_given != nullptr && seq_text == "*") {
    *form.seq_given = false;
    return Id{*ms, 0};
  }
  std::optional<uint64_t> seq = parse_u64(seq_text);
  if (!seq) return std::nullopt;
  return Id{*ms, *seq};
}

// parse_id with the strict form, replying Redis's error when invalid.
std::optional<Id> strict_id(Context& ctx, std::string_view text) {
  std::optional<Id> id = parse_id(text, {.strict = true});
  if (!id) ctx.out.error(kInvalidId);
  return id;
}

// One end of an XRANGE / XPENDING interval: an ID, or with "(" the next (start) or previous (end)
// one. Replies the error and returns nothing when invalid.
std::optional<Id> interval_id(Context& ctx, std::string_view text, bool end) {
  bool exclusive = text.size() > 1 && text[0] == '(';
  std::optional<Id> id =
      exclusive ? parse_id(text.substr(1), {.missing_seq = end ? UINT64_MAX : 0, .strict = true})
                : parse_id(text, {.missing_seq = end ? UINT64_MAX : 0});
  if (!id) {
    ctx.out.error(kInvalidId);
    return std::nullopt;
  }
  if (!exclusive) return id;
  std::optional<Id> moved = end ? stream::previous_id(*id) : stream::next_id(*id);
  if (!moved) {
    ctx.out.error(end ? "ERR invalid end ID for the interval"
                      : "ERR invalid start ID for the interval");
  }
  return moved;
}

// An integer argument (getLongLongFromObjectOrReply), replying `error` (Redis's "not an integer"
// by default) when invalid.
std::optional<int64_t> integer_arg(Context& ctx, std::string_view text,
                                   std::string_view error = {}) {
  std::optional<int64_t> v = parse_int64(text);
  if (!v) {
    if (error.empty()) {
      reply_not_integer(ctx);
    } else {
      ctx.out.error(error);
    }
  }
  return v;
}

// ---- Replies

void write_id(resp::Writer& out, Id id) { out.bulk(stream::format_id(id)); }

// An entry as XRANGE gives it: [id, [field, value, ...]].
void write_item(resp::Writer& out, const Item& item) {
  out.array(2);
  write_id(out, item.id);
  out.array(item.fields.size());
  for (std::string_view f : item.fields) out.bulk(f);
}

// The entry `id` as XCLAIM gives it, null when it is gone.
void write_entry_or_null(resp::Writer& out, const Stream& s, Id id) {
  if (std::optional<Item> item = s.find(id)) return write_item(out, *item);
  out.null();
}

// The live entries of [start, end] (descending if `reverse`), at most `count` (0: all).
std::vector<Item> range_of(const Stream& s, Id start, Id end, bool reverse, int64_t count) {
  std::vector<Item> items;
  s.for_range(start, end, reverse, [&](Item& item) {
    items.push_back(std::move(item));
    return count == 0 || static_cast<int64_t>(items.size()) < count;
  });
  return items;
}

void write_items(resp::Writer& out, const std::vector<Item>& items) {
  out.array(items.size());
  for (const Item& item : items) write_item(out, item);
}

// ---- Key access

// Accounts the change of a stream's heap bytes to its shard when it goes out of scope.
class Accounted {
 public:
  Accounted(store::Shard& shard, const Entry* e)
      : shard_(shard), stream_(stream::of(e)), before_(stream_->bytes()) {}
  Accounted(const Accounted&) = delete;
  Accounted& operator=(const Accounted&) = delete;
  ~Accounted() {
    shard_.account(static_cast<int64_t>(stream_->bytes()) - static_cast<int64_t>(before_));
  }

 private:
  store::Shard& shard_;
  const Stream* stream_;
  size_t before_;
};

// `e` if it is a stream or null; null after replying WRONGTYPE (setting `wrong`) otherwise.
Entry* as_stream(Context& ctx, Entry* e, bool& wrong) {
  wrong = wrong_kind(ctx, e, store::Kind::kStream);
  return wrong ? nullptr : e;
}

Entry* create_stream(KeyLock& k) {
  Entry* e = k.put("");
  stream::init(k.shard(), e);
  return e;
}

Group* find_group(Stream& s, std::string_view name) {
  auto it = s.groups.find(name);
  return it == s.groups.end() ? nullptr : &it->second;
}

// The reply of a NOGROUP error for key `key` and group `group` (the trailing text differs).
void reply_no_group(Context& ctx, std::string_view key, std::string_view group,
                    std::string_view tail = {}) {
  ctx.out.error(fmt::format("NOGROUP No such key '{}' or consumer group '{}'{}", key, group, tail));
}

// The consumer `name` of `g`, created (raising xgroup-createconsumer) when absent; its seen time
// becomes `now`.
stream::Consumer& consumer_of(Context& ctx, std::string_view key, Group& g, std::string_view name,
                              int64_t now) {
  auto it = g.consumers.find(name);
  if (it == g.consumers.end()) {
    it = g.consumers.emplace(std::string(name), stream::Consumer{}).first;
    notify_keyspace_event(ctx, kNotifyStream, "xgroup-createconsumer", key);
  }
  it->second.seen_time = now;
  return it->second;
}

// Removes the pending entry `it` of `g` from the group and its consumer.
void drop_nack(Group& g, std::map<Id, stream::Nack>::iterator it) {
  auto c = g.consumers.find(it->second.consumer);
  if (c != g.consumers.end()) c->second.pending.erase(it->first);
  g.pel.erase(it);
}

// Moves the pending entry `it` of `g` to the consumer `to` (named `name`).
void reassign(Group& g, std::map<Id, stream::Nack>::iterator it, stream::Consumer& to,
              std::string_view name) {
  if (it->second.consumer == name) return;
  auto from = g.consumers.find(it->second.consumer);
  if (from != g.consumers.end()) from->second.pending.erase(it->first);
  it->second.consumer = std::string(name);
  to.pending.insert(it->first);
}

// ---- Trimming arguments (XADD, XTRIM)

struct AddArgs {
  Stream::Trim trim;
  bool no_mkstream = false;
  bool id_given = false, seq_given = true;
  Id id;
  size_t fields_at = 0;  // XADD: where the field-value pairs start
};

// Parses MAXLEN/MINID [=|~] threshold, LIMIT and (XADD) NOMKSTREAM and the ID from args[2] on, as
// Redis's streamParseAddOrTrimArgsOrReply. Replies and returns nothing when invalid.
std::optional<AddArgs> parse_add_args(Context& ctx, bool xadd, int64_t node_max_entries) {
  using By = Stream::Trim::By;
  AddArgs a;
  bool limit_given = false;
  size_t i = 2;
  const auto& args = ctx.args;
  for (; i < args.size(); ++i) {
    size_t more = args.size() - 1 - i;
    std::string_view opt = args[i];
    if (xadd && opt == "*") break;
    bool maxlen = iequals(opt, "maxlen"), minid = iequals(opt, "minid");
    if ((maxlen || minid) && more) {
      if (a.trim.by != By::kNone) {
        ctx.out.error(
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return std::nullopt;
      }
      a.trim.approximate = false;
      if (more >= 2 && (args[i + 1] == "~" || args[i + 1] == "=")) {
        a.trim.approximate = args[i + 1] == "~";
        ++i;
      }
      if (maxlen) {
        std::optional<int64_t> n = integer_arg(ctx, args[i + 1]);
        if (!n) return std::nullopt;
        if (*n < 0) {
          ctx.out.error("ERR The MAXLEN argument must be >= 0.");
          return std::nullopt;
        }
        a.trim.max_len = static_cast<uint64_t>(*n);
        a.trim.by = By::kMaxLen;
      } else {
        std::optional<Id> id = strict_id(ctx, args[i + 1]);
        if (!id) return std::nullopt;
        a.trim.min_id = *id;
        a.trim.by = By::kMinId;
      }
      ++i;
    } else if (iequals(opt, "limit") && more) {
      std::optional<int64_t> n = integer_arg(ctx, args[i + 1]);
      if (!n) return std::nullopt;
      if (*n < 0) {
        ctx.out.error("ERR The LIMIT argument must be >= 0.");
        return std::nullopt;
      }
      a.trim.limit = *n;
      limit_given = true;
      ++i;
    } else if (xadd && iequals(opt, "nomkstream")) {
      a.no_mkstream = true;
    } else if (xadd) {
      std::optional<Id> id = parse_id(opt, {.strict = true, .seq_given = &a.seq_given});
      if (!id) {
        ctx.out.error(kInvalidId);
        return std::nullopt;
      }
      a.id = *id;
      a.id_given = true;
      break;
    } else {
      reply_syntax_error(ctx);
      return std::nullopt;
    }
  }
  a.fields_at = i + 1;
  if (a.trim.limit && a.trim.by == By::kNone) {
    ctx.out.error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return std::nullopt;
  }
  if (!xadd && a.trim.by == By::kNone) {
    ctx.out.error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return std::nullopt;
  }
  if (limit_given && !a.trim.approximate) {
    ctx.out.error("ERR syntax error, LIMIT cannot be used without the special ~ option");
    return std::nullopt;
  }
  if (!limit_given && a.trim.approximate) {
    // Redis: 100 nodes' worth of entries, at most a million; 10000 when that is not positive.
    if (__builtin_mul_overflow(node_max_entries, int64_t{100}, &a.trim.limit) ||
        a.trim.limit > 1000000) {
      a.trim.limit = 1000000;
    }
    if (a.trim.limit <= 0) a.trim.limit = 10000;
  }
  return a;
}

// Trims `s` by `t`, raising xtrim when it removed anything; returns how many.
int64_t trim_stream(Context& ctx, std::string_view key, Stream& s, const Stream::Trim& t) {
  int64_t removed = s.trim(t);
  if (removed) notify_keyspace_event(ctx, kNotifyStream, "xtrim", key);
  return removed;
}

// ---- XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID

// The ID XADD gives a new entry, or the error it replies.
std::optional<Id> new_id(Context& ctx, const Stream& s, const AddArgs& a, int64_t now) {
  constexpr std::string_view kNotGreater =
      "ERR The ID specified in XADD is equal or smaller than the target stream top item";
  Id id;
  if (!a.id_given) {
    auto ms = static_cast<uint64_t>(now);
    id = ms > s.last_id.ms ? Id{ms, 0} : *stream::next_id(s.last_id);
  } else if (a.seq_given) {
    id = a.id;
  } else if (s.last_id.ms == a.id.ms) {
    if (s.last_id.seq == UINT64_MAX) {  // Redis 7.0 reports this overflow so
      ctx.out.error("ERR Elements are too large to be stored");
      return std::nullopt;
    }
    id = {a.id.ms, s.last_id.seq + 1};
  } else {
    id = a.id;
  }
  if (id <= s.last_id) {
    ctx.out.error(kNotGreater);
    return std::nullopt;
  }
  return id;
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
void cmd_xadd(Context& ctx) {
  std::optional<AddArgs> a = parse_add_args(ctx, true, stream::node_max_entries());
  if (!a) return;
  size_t words = ctx.args.size() - std::min(a->fields_at, ctx.args.size());
  if (a->fields_at > ctx.args.size() || words < 2 || words % 2 != 0) {
    return reply_wrong_arity(ctx, "xadd");
  }
  if (a->id_given && a->seq_given && a->id.zero()) {
    return ctx.out.error("ERR The ID specified in XADD must be greater than 0-0");
  }
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  Entry* e = as_stream(ctx, k.find(), wrong);
  if (wrong) return;
  if (e == nullptr) {
    if (a->no_mkstream) return ctx.out.null();
    e = create_stream(k);
  }
  Stream& s = *stream::of(e);
  if (s.last_id == stream::kMaxId) {
    return ctx.out.error(
        "ERR The stream has exhausted the last possible ID, unable to add more items");
  }
  std::optional<Id> id = new_id(ctx, s, *a, k.now());
  if (!id) return;
  Accounted accounted(k.shard(), e);
  s.append(*id, {ctx.args.begin() + static_cast<std::ptrdiff_t>(a->fields_at), ctx.args.end()});
  write_id(ctx.out, *id);
  k.shard().touch(k.key());
  // Only an XADD that added makes the key ready for blocked readers (Redis's signalKeyAsReady).
  if (ctx.instance.blocking().anyone_waiting()) {
    ctx.instance.blocking().note_ready(ctx.session.db, k.key());
  }
  notify_keyspace_event(ctx, kNotifyStream, "xadd", k.key());
  trim_stream(ctx, k.key(), s, a->trim);
}

enum class Access { kRead, kWrite };

// Calls fn(k, e, stream) for the stream at args[at] under its lock, looked up for reading or for
// writing (then its change in heap bytes is accounted); replies absent() when there is none,
// WRONGTYPE for another type.
template <typename Absent, typename Fn>
void with_stream(Context& ctx, size_t at, Access access, Absent&& absent, Fn&& fn) {
  KeyLock k(ctx, ctx.args[at]);
  bool wrong;
  Entry* e = as_stream(ctx, access == Access::kRead ? k.find_read() : k.find(), wrong);
  if (wrong) return;
  if (e == nullptr) return absent();
  std::optional<Accounted> accounted;
  if (access == Access::kWrite) accounted.emplace(k.shard(), e);
  fn(k, e, *stream::of(e));
}

void cmd_xlen(Context& ctx) {
  with_stream(
      ctx, 1, Access::kRead, [&] { ctx.out.integer(0); },
      [&](KeyLock&, Entry*, Stream& s) { ctx.out.integer(static_cast<int64_t>(s.length())); });
}

// XRANGE key start end [COUNT count], XREVRANGE key end start [COUNT count].
void range_command(Context& ctx, bool reverse) {
  std::optional<Id> start = interval_id(ctx, ctx.args[reverse ? 3 : 2], false);
  if (!start) return;
  std::optional<Id> end = interval_id(ctx, ctx.args[reverse ? 2 : 3], true);
  if (!end) return;
  int64_t count = -1;
  for (size_t j = 4; j < ctx.args.size(); ++j) {
    if (!iequals(ctx.args[j], "count") || j + 1 >= ctx.args.size()) return reply_syntax_error(ctx);
    std::optional<int64_t> n = integer_arg(ctx, ctx.args[++j]);
    if (!n) return;
    count = std::max<int64_t>(*n, 0);
  }
  with_stream(
      ctx, 1, Access::kRead, [&] { ctx.out.array(0); },
      [&](KeyLock&, Entry*, Stream& s) {
        if (count == 0) return ctx.out.null_array();
        write_items(ctx.out, range_of(s, *start, *end, reverse, count < 0 ? 0 : count));
      });
}

void cmd_xrange(Context& ctx) { range_command(ctx, false); }
void cmd_xrevrange(Context& ctx) { range_command(ctx, true); }

void cmd_xdel(Context& ctx) {
  with_stream(
      ctx, 1, Access::kWrite, [&] { ctx.out.integer(0); },
      [&](KeyLock& k, Entry*, Stream& s) {
        std::vector<Id> ids;
        for (std::string_view text : ctx.args.subspan(2)) {
          std::optional<Id> id = strict_id(ctx, text);
          if (!id) return;
          ids.push_back(*id);
        }
        int64_t deleted = 0;
        for (Id id : ids) deleted += s.remove(id);
        if (deleted) {
          k.shard().touch(k.key());
          notify_keyspace_event(ctx, kNotifyStream, "xdel", k.key());
        }
        ctx.out.integer(deleted);
      });
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void cmd_xtrim(Context& ctx) {
  std::optional<AddArgs> a = parse_add_args(ctx, false, stream::node_max_entries());
  if (!a) return;
  with_stream(
      ctx, 1, Access::kWrite, [&] { ctx.out.integer(0); },
      [&](KeyLock& k, Entry*, Stream& s) {
        int64_t removed = trim_stream(ctx, k.key(), s, a->trim);
        if (removed) k.shard().touch(k.key());
        ctx.out.integer(removed);
      });
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
void cmd_xsetid(Context& ctx) {
  std::optional<Id> id = strict_id(ctx, ctx.args[2]);
  if (!id) return;
  int64_t entries_added = -1;
  Id max_deleted;
  for (size_t i = 3; i < ctx.args.size(); i += 2) {
    bool more = i + 1 < ctx.args.size();
    if (iequals(ctx.args[i], "entriesadded") && more) {
      std::optional<int64_t> n = integer_arg(ctx, ctx.args[i + 1]);
      if (!n) return;
      if (*n < 0) return ctx.out.error("ERR entries_added must be positive");
      entries_added = *n;
    } else if (iequals(ctx.args[i], "maxdeletedid") && more) {
      std::optional<Id> m = strict_id(ctx, ctx.args[i + 1]);
      if (!m) return;
      if (*id < *m) {
        return ctx.out.error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
      max_deleted = *m;
    } else {
      return reply_syntax_error(ctx);
    }
  }
  with_stream(
      ctx, 1, Access::kWrite, [&] { ctx.out.error(kNoKey); },
      [&](KeyLock& k, Entry*, Stream& s) {
        if (s.length() > 0) {
          if (*id < *s.last_live_id()) {
            return ctx.out.error(
                "ERR The ID specified in XSETID is smaller than the target stream top item");
          }
          if (entries_added != -1 && s.length() > static_cast<uint64_t>(entries_added)) {
            return ctx.out.error(
                "ERR The entries_added specified in XSETID is smaller than the target stream "
                "length");
          }
        }
        s.last_id = *id;
        if (entries_added != -1) s.entries_added = static_cast<uint64_t>(entries_added);
        if (!max_deleted.zero()) s.max_deleted_id = max_deleted;
        ctx.out.ok();
        notify_keyspace_event(ctx, kNotifyStream, "xsetid", k.key());
      });
}

// ---- XREAD XREADGROUP

// What XREAD / XREADGROUP ask for.
struct ReadRequest {
  int64_t count = 0;         // 0: no limit
  int64_t deadline_ms = -1;  // -1: no BLOCK; 0: forever
  bool noack = false;
  std::optional<std::string_view> group, consumer;
  size_t streams_at = 0;  // index of the first key
  size_t streams = 0;     // how many keys
};

// Marks the ">" ID internally (as Redis does: the largest ID).
constexpr Id kNewEntries = stream::kMaxId;

bool is_group_read(const Context& ctx) { return ctx.spec.name == "xreadgroup"; }

// Parses the options before STREAMS, as Redis's xreadCommand; with `timed` false the BLOCK
// timeout is not read again (a blocked waiter's command). Replies and returns nothing on error.
std::optional<ReadRequest> parse_read(Context& ctx, bool timed) {
  ReadRequest r;
  bool grouped = is_group_read(ctx);
  const auto& args = ctx.args;
  for (size_t i = 1; i < args.size(); ++i) {
    size_t more = args.size() - i - 1;
    std::string_view o = args[i];
    if (iequals(o, "block") && more) {
      if (ctx.session.acl_context == AclContext::kLua) {
        ctx.out.error(
            fmt::format("ERR {} command is not allowed with BLOCK option from scripts", args[0]));
        return std::nullopt;
      }
      std::optional<int64_t> ms = parse_int64(args[++i]);
      if (!ms) {
        ctx.out.error("ERR timeout is not an integer or out of range");
        return std::nullopt;
      }
      if (*ms < 0) {
        ctx.out.error("ERR timeout is negative");
        return std::nullopt;
      }
      r.deadline_ms = 0;
      // Redis 7.0 adds the time without a check: a timeout past the end of time waits forever.
      if (timed && *ms > 0 &&
          __builtin_add_overflow(*ms, ctx.instance.store().now(), &r.deadline_ms)) {
        r.deadline_ms = 0;
      }
    } else if (iequals(o, "count") && more) {
      std::optional<int64_t> n = integer_arg(ctx, args[++i]);
      if (!n) return std::nullopt;
      r.count = std::max<int64_t>(*n, 0);
    } else if (iequals(o, "streams") && more) {
      r.streams_at = i + 1;
      size_t n = args.size() - r.streams_at;
      if (n % 2 != 0) {
        ctx.out.error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
        return std::nullopt;
      }
      r.streams = n / 2;
      break;
    } else if (iequals(o, "group") && more >= 2) {
      if (!grouped) {
        ctx.out.error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD "
            "instead.");
        return std::nullopt;
      }
      r.group = args[i + 1];
      r.consumer = args[i + 2];
      i += 2;
    } else if (iequals(o, "noack")) {
      if (!grouped) {
        ctx.out.error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD "
            "instead.");
        return std::nullopt;
      }
      r.noack = true;
    } else {
      reply_syntax_error(ctx);
      return std::nullopt;
    }
  }
  if (r.streams_at == 0) {
    reply_syntax_error(ctx);
    return std::nullopt;
  }
  if (grouped && !r.group) {
    ctx.out.error("ERR Missing GROUP option for XREADGROUP");
    return std::nullopt;
  }
  return r;
}

// One stream of a read: its key index and where reading starts (entries after `after`).
struct Source {
  Entry* e = nullptr;
  Group* group = nullptr;
  Id after;
  bool history = false;  // XREADGROUP with an ID: the consumer's own pending entries
};

// Resolves each stream's ID under the locks, with Redis's checks and errors; replies and returns
// nothing on error.
std::optional<std::vector<Source>> resolve_sources(Context& ctx, MultiKeyLock& lock,
                                                   const ReadRequest& r) {
  std::vector<Source> sources(r.streams);
  for (size_t i = 0; i < r.streams; ++i) {
    std::string_view key = ctx.args[r.streams_at + i];
    std::string_view text = ctx.args[r.streams_at + r.streams + i];
    bool wrong;
    Source& src = sources[i];
    src.e = as_stream(ctx, lock.find_read(i), wrong);
    if (wrong) return std::nullopt;
    if (r.group) {
      src.group = src.e ? find_group(*stream::of(src.e), *r.group) : nullptr;
      if (src.group == nullptr) {
        reply_no_group(ctx, key, *r.group, " in XREADGROUP with GROUP option");
        return std::nullopt;
      }
    }
    if (text == "$") {
      if (r.group) {
        ctx.out.error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
        return std::nullopt;
      }
      src.after = src.e ? stream::of(src.e)->last_id : Id{};
    } else if (text == ">") {
      if (!r.group) {
        ctx.out.error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
            "<group> <consumer> option.");
        return std::nullopt;
      }
      src.after = kNewEntries;
    } else {
      std::optional<Id> id = strict_id(ctx, text);
      if (!id) return std::nullopt;
      src.after = *id;
    }
  }
  return sources;
}

// Whether `src` is served now (Redis's serve_synchronously), judged on the stream as the sources
// before it left it; a group read of new entries then starts after the group's last ID.
bool decide(Source& src) {
  if (src.e == nullptr) return false;
  const Stream& s = *stream::of(src.e);
  if (src.group) {
    if (src.after != kNewEntries) return src.history = true;
    if (!s.length() || !(*s.last_live_id() > src.group->last_id)) return false;
    src.after = src.group->last_id;
    return true;
  }
  return s.length() && *s.last_live_id() > src.after;
}

// Serves new entries after `after` to a group's consumer: moves the group's last ID and
// entries-read on, and (unless `noack`) makes them pending for the consumer.
void write_group_entries(resp::Writer& out, Stream& s, Group& g, stream::Consumer& c,
                         std::string_view consumer, Id after, int64_t count, bool noack,
                         int64_t now) {
  std::optional<Id> start = stream::next_id(after);
  std::vector<Item> items =
      start ? range_of(s, *start, stream::kMaxId, false, count) : std::vector<Item>{};
  out.array(items.size());
  for (const Item& item : items) {
    if (item.id > g.last_id) {
      if (g.entries_read != stream::kInvalidEntriesRead && !s.has_tombstones(item.id)) {
        ++g.entries_read;
      } else if (s.entries_added) {
        g.entries_read = s.entries_before_or_at(item.id);
      }
      g.last_id = item.id;
    }
    write_item(out, item);
    if (noack) continue;
    auto [it, inserted] = g.pel.try_emplace(item.id);
    if (!inserted) {
      auto old = g.consumers.find(it->second.consumer);
      if (old != g.consumers.end()) old->second.pending.erase(item.id);
    }
    it->second = {std::string(consumer), now, 1};
    c.pending.insert(item.id);
  }
}

// Serves a consumer's own pending entries after `after` (XREADGROUP with an ID): a deleted entry
// comes as [id, nil]; each delivered one counts a delivery.
void write_history(resp::Writer& out, const Stream& s, Group& g, const stream::Consumer& c,
                   Id after, int64_t count, int64_t now) {
  std::vector<Id> ids;
  for (auto it = c.pending.upper_bound(after);
       it != c.pending.end() && (count == 0 || static_cast<int64_t>(ids.size()) < count); ++it) {
    ids.push_back(*it);
  }
  out.array(ids.size());
  for (Id id : ids) {
    std::optional<Item> item = s.find(id);
    if (!item) {
      out.array(2);
      write_id(out, id);
      out.null_array();
      continue;
    }
    write_item(out, *item);
    stream::Nack& n = g.pel[id];
    n.delivery_time = now;
    ++n.delivery_count;
  }
}

// Writes one served stream, [key, entries] (in RESP3 a map entry), to `out` for `r`; a group's
// consumer is made (raising xgroup-createconsumer) when it is first served.
void write_source(Context& ctx, resp::Writer& out, const ReadRequest& r, std::string_view key,
                  Source& src, int64_t count, int64_t now) {
  if (out.protocol() < 3) out.array(2);
  out.bulk(key);
  Stream& s = *stream::of(src.e);
  if (!src.group) {
    std::optional<Id> start = stream::next_id(src.after);
    return write_items(
        out, start ? range_of(s, *start, stream::kMaxId, false, count) : std::vector<Item>{});
  }
  stream::Consumer& c = consumer_of(ctx, key, *src.group, *r.consumer, now);
  if (src.history) return write_history(out, s, *src.group, c, src.after, count, now);
  write_group_entries(out, s, *src.group, c, *r.consumer, src.after, count, r.noack, now);
}

// The reply header of a read serving `n` streams: an array in RESP2, a map in RESP3.
void begin_streams(resp::Writer& out, size_t n) {
  if (out.protocol() >= 3) return out.map(n);
  out.array(n);
}

// Serves the sources of `r` in order, as Redis's serve loop does (a key named twice reads on
// from where the first left the group), and writes the reply; false, writing nothing, when none
// was served. Redis looks every key up a second time here, so a missing one counts (and raises
// keymiss) twice; so does this.
bool serve_sources(Context& ctx, MultiKeyLock& lock, const ReadRequest& r,
                   std::vector<Source>& sources) {
  std::string parts;
  size_t served = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    lock.find_read(i);
    if (!decide(sources[i])) continue;
    resp::Writer part(parts, ctx.out.protocol());
    Accounted accounted(lock.shard(i), sources[i].e);
    write_source(ctx, part, r, ctx.args[r.streams_at + i], sources[i], r.count, lock.now());
    ++served;
  }
  if (served == 0) return false;
  begin_streams(ctx.out, served);
  ctx.out.buffer().append(parts);
  return true;
}

std::string timeout_reply(int protocol) {
  std::string reply;
  resp::Writer out(reply, protocol);
  out.null_array();
  return reply;
}

Served serve_read_waiter(Instance& instance, const Waiter& w, std::string_view key,
                         const std::function<bool()>& claim, resp::Writer& out);

// Blocks the client of `ctx` on the streams of `r`, with "$" fixed to `sources`' IDs.
void block_read(Context& ctx, const ReadRequest& r, const std::vector<Source>& sources) {
  std::vector<std::string> args(ctx.args.begin(), ctx.args.end());
  for (size_t i = 0; i < r.streams; ++i) {
    std::string& id = args[r.streams_at + r.streams + i];
    if (id == "$") id = stream::format_id(sources[i].after);
  }
  auto keys = ctx.args.subspan(r.streams_at, r.streams);
  block_client(ctx, std::move(args), {keys.begin(), keys.end()}, r.deadline_ms, serve_read_waiter,
               timeout_reply(ctx.session.protocol));
}

std::span<const std::string_view> read_keys(const Context& ctx, const ReadRequest& r) {
  return ctx.args.subspan(r.streams_at, r.streams);
}

// XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...], and XREADGROUP GROUP group
// consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key [key ...] id [id ...].
void cmd_xread(Context& ctx) {
  std::optional<ReadRequest> r = parse_read(ctx, true);
  if (!r) return;
  MultiKeyLock lock(ctx, read_keys(ctx, *r));
  std::optional<std::vector<Source>> sources = resolve_sources(ctx, lock, *r);
  if (!sources || serve_sources(ctx, lock, *r, *sources)) return;
  if (r->deadline_ms < 0 || !may_block(ctx)) return ctx.out.null_array();
  block_read(ctx, *r, *sources);
}

// Serves a blocked read from `key` once the stream there has entries after the waiter's ID (for
// a group: after the group's last ID). A group reader whose stream is gone (deleted, replaced)
// or whose group is destroyed gets Redis's error instead.
Served serve_read_waiter(Instance& instance, const Waiter& w, std::string_view key,
                         const std::function<bool()>& claim, resp::Writer& out) {
  std::string discard;
  resp::Writer quiet(discard, 2);
  WaiterCall call(instance, w, quiet);
  Context& ctx = call.ctx;
  const auto& args = call.args;
  ReadRequest r = *parse_read(ctx, false);
  auto keys = read_keys(ctx, r);
  size_t i = std::find(keys.begin(), keys.end(), key) - keys.begin();
  KeyLock k(ctx, key);
  Source src{k.find(), nullptr, {}, false};
  auto fail = [&](std::string_view error) {
    if (!claim()) return Served::kGone;
    out.error(error);
    return Served::kServed;
  };
  if (src.e == nullptr || src.e->kind() != store::Kind::kStream) {
    // Only a group reader is told; a plain reader waits for a stream to come back.
    if (r.group) return fail("UNBLOCKED the stream key no longer exists");
    return Served::kOtherType;
  }
  Stream& s = *stream::of(src.e);
  if (r.group) {
    src.group = find_group(s, *r.group);
    if (src.group == nullptr) {
      return fail("NOGROUP the consumer group this client was blocked on no longer exists");
    }
    src.after = src.group->last_id;
  } else {
    src.after = *parse_id(args[r.streams_at + r.streams + i]);
  }
  // As Redis: a stream whose last ID moved past the waiter's serves it, even if the entries after
  // that ID have been deleted since (the reply is then empty).
  if (!(s.last_id > src.after)) return Served::kOtherType;
  if (!claim()) return Served::kGone;
  begin_streams(out, 1);
  Accounted accounted(k.shard(), src.e);
  write_source(ctx, out, r, key, src, r.count ? r.count : kBlockedDefaultCount, k.now());
  return Served::kServed;
}

KeyPositions xread_keys(std::span<const std::string_view> args) {
  size_t i = 1;
  for (; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (iequals(a, "block") || iequals(a, "count")) {
      ++i;
    } else if (iequals(a, "group")) {
      i += 2;
    } else if (!iequals(a, "noack")) {
      break;
    }
  }
  if (i >= args.size() || !iequals(args[i], "streams")) return {};
  size_t n = args.size() - i - 1;
  if (n == 0 || n % 2 != 0) return {};
  auto first = static_cast<uint32_t>(i + 1);
  return KeyPositions({first, first + static_cast<uint32_t>(n / 2), 1});
}

// ---- XGROUP

// ENTRIESREAD's value, with Redis's check; replies and returns nothing when invalid.
std::optional<int64_t> entries_read_arg(Context& ctx, std::string_view text) {
  std::optional<int64_t> n = integer_arg(ctx, text);
  if (!n) return std::nullopt;
  if (*n < 0 && *n != stream::kInvalidEntriesRead) {
    ctx.out.error("ERR value for ENTRIESREAD must be positive or -1");
    return std::nullopt;
  }
  return n;
}

// Redis's error for a missing group of an existing stream (XGROUP, XINFO CONSUMERS).
void reply_no_group_for_key(Context& ctx, std::string_view group, std::string_view key) {
  ctx.out.error(fmt::format("NOGROUP No such consumer group '{}' for key name '{}'", group, key));
}

// Common steps of the XGROUP subcommands: looks the key (args[2]) up, checks its type and that
// it exists (unless `mkstream`), and that the group args[3] exists (if `need_group`); then calls
// fn(k, e (null if absent), group (null if absent)).
template <typename Fn>
void with_group(Context& ctx, bool mkstream, bool need_group, Fn&& fn) {
  KeyLock k(ctx, ctx.args[2]);
  bool wrong;
  Entry* e = as_stream(ctx, k.find(), wrong);
  if (wrong) return;
  if (e == nullptr && !mkstream) {
    return ctx.out.error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
        "to use the MKSTREAM option to create an empty stream automatically.");
  }
  Group* g = e ? find_group(*stream::of(e), ctx.args[3]) : nullptr;
  if (g == nullptr && need_group) return reply_no_group_for_key(ctx, ctx.args[3], ctx.args[2]);
  fn(k, e, g);
}

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
// The options of XGROUP CREATE (MKSTREAM, if `mkstream` is given, and ENTRIESREAD) and SETID
// (ENTRIESREAD) from args[5] on, which Redis parses before anything else. Replies and returns
// false on error.
bool parse_group_options(Context& ctx, bool* mkstream, int64_t& entries_read) {
  for (size_t i = 5; i < ctx.args.size(); ++i) {
    if (mkstream && iequals(ctx.args[i], "mkstream")) {
      *mkstream = true;
    } else if (iequals(ctx.args[i], "entriesread") && i + 1 < ctx.args.size()) {
      std::optional<int64_t> n = entries_read_arg(ctx, ctx.args[++i]);
      if (!n) return false;
      entries_read = *n;
    } else {
      reply_subcommand_syntax_error(ctx);
      return false;
    }
  }
  return true;
}

void cmd_xgroup_create(Context& ctx) {
  bool mkstream = false;
  int64_t entries_read = stream::kInvalidEntriesRead;
  if (!parse_group_options(ctx, &mkstream, entries_read)) return;
  with_group(ctx, mkstream, false, [&](KeyLock& k, Entry* e, Group*) {
    if (ctx.args.size() > 8) return reply_subcommand_syntax_error(ctx);
    Id id;
    if (ctx.args[4] == "$") {
      id = e ? stream::of(e)->last_id : Id{};
    } else if (std::optional<Id> given = strict_id(ctx, ctx.args[4])) {
      id = *given;
    } else {
      return;
    }
    if (e == nullptr) {
      e = create_stream(k);
      k.shard().touch(k.key());
    }
    Accounted accounted(k.shard(), e);
    Stream& s = *stream::of(e);
    auto [it, created] = s.groups.try_emplace(std::string(ctx.args[3]));
    if (!created) return ctx.out.error("BUSYGROUP Consumer Group name already exists");
    it->second.last_id = id;
    it->second.entries_read = entries_read;
    ctx.out.ok();
    notify_keyspace_event(ctx, kNotifyStream, "xgroup-create", k.key());
  });
}

// XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
void cmd_xgroup_setid(Context& ctx) {
  int64_t entries_read = stream::kInvalidEntriesRead;
  if (!parse_group_options(ctx, nullptr, entries_read)) return;
  with_group(ctx, false, true, [&](KeyLock& k, Entry* e, Group* g) {
    if (ctx.args.size() != 5 && ctx.args.size() != 7) return reply_subcommand_syntax_error(ctx);
    Id id;
    if (ctx.args[4] == "$") {
      id = stream::of(e)->last_id;
    } else if (std::optional<Id> given = parse_id(ctx.args[4])) {
      id = *given;
    } else {
      return ctx.out.error(kInvalidId);
    }
    g->last_id = id;
    g->entries_read = entries_read;
    ctx.out.ok();
    notify_keyspace_event(ctx, kNotifyStream, "xgroup-setid", k.key());
  });
}

void cmd_xgroup_destroy(Context& ctx) {
  with_group(ctx, false, false, [&](KeyLock& k, Entry* e, Group* g) {
    if (g == nullptr) return ctx.out.integer(0);
    Accounted accounted(k.shard(), e);
    stream::of(e)->groups.erase(std::string(ctx.args[3]));
    ctx.out.integer(1);
    notify_keyspace_event(ctx, kNotifyStream, "xgroup-destroy", k.key());
  });
}

void cmd_xgroup_createconsumer(Context& ctx) {
  with_group(ctx, false, true, [&](KeyLock& k, Entry* e, Group* g) {
    Accounted accounted(k.shard(), e);
    bool created = !g->consumers.contains(ctx.args[4]);
    if (created) consumer_of(ctx, k.key(), *g, ctx.args[4], k.now());
    ctx.out.integer(created);
  });
}

void cmd_xgroup_delconsumer(Context& ctx) {
  with_group(ctx, false, true, [&](KeyLock& k, Entry* e, Group* g) {
    auto c = g->consumers.find(ctx.args[4]);
    if (c == g->consumers.end()) return ctx.out.integer(0);
    Accounted accounted(k.shard(), e);
    auto pending = static_cast<int64_t>(c->second.pending.size());
    for (Id id : c->second.pending) g->pel.erase(id);
    g->consumers.erase(c);
    ctx.out.integer(pending);
    notify_keyspace_event(ctx, kNotifyStream, "xgroup-delconsumer", k.key());
  });
}

void cmd_xgroup_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Prints this help.",
  };
  reply_help_lines(ctx, kLines);
}

// ---- XACK XPENDING XCLAIM XAUTOCLAIM

// Calls fn(k, e, stream, group) for the group args[2] of the stream args[1]; replies `absent`
// when either is missing, WRONGTYPE for another type.
template <typename Absent, typename Fn>
void with_stream_group(Context& ctx, Absent&& absent, Fn&& fn) {
  with_stream(ctx, 1, Access::kRead, absent, [&](KeyLock& k, Entry* e, Stream& s) {
    Group* g = find_group(s, ctx.args[2]);
    if (g == nullptr) return absent();
    Accounted accounted(k.shard(), e);
    fn(k, s, *g);
  });
}

void no_such_group(Context& ctx) { reply_no_group(ctx, ctx.args[1], ctx.args[2]); }

void cmd_xack(Context& ctx) {
  with_stream_group(
      ctx, [&] { ctx.out.integer(0); },
      [&](KeyLock&, Stream&, Group& g) {
        std::vector<Id> ids;
        for (std::string_view text : ctx.args.subspan(3)) {
          std::optional<Id> id = strict_id(ctx, text);
          if (!id) return;
          ids.push_back(*id);
        }
        int64_t acked = 0;
        for (Id id : ids) {
          auto it = g.pel.find(id);
          if (it == g.pel.end()) continue;
          drop_nack(g, it);
          ++acked;
        }
        ctx.out.integer(acked);
      });
}

// XPENDING key group: [count, first, last, [[consumer, count]...]].
void write_pending_summary(Context& ctx, const Group& g) {
  ctx.out.array(4);
  ctx.out.integer(static_cast<int64_t>(g.pel.size()));
  if (g.pel.empty()) {
    ctx.out.null();
    ctx.out.null();
    ctx.out.null_array();
    return;
  }
  write_id(ctx.out, g.pel.begin()->first);
  write_id(ctx.out, g.pel.rbegin()->first);
  size_t with_pending = std::count_if(g.consumers.begin(), g.consumers.end(),
                                      [](const auto& c) { return !c.second.pending.empty(); });
  ctx.out.array(with_pending);
  for (const auto& [name, c] : g.consumers) {
    if (c.pending.empty()) continue;
    ctx.out.array(2);
    ctx.out.bulk(name);
    ctx.out.bulk(std::to_string(c.pending.size()));
  }
}

struct PendingQuery {
  int64_t min_idle = 0, count = 0;
  Id start, end;
  std::optional<std::string_view> consumer;
};

// XPENDING's [IDLE min-idle-time] start end count [consumer]; replies and returns nothing on
// error.
std::optional<PendingQuery> parse_pending(Context& ctx) {
  PendingQuery q;
  size_t at = 3;
  if (iequals(ctx.args[3], "idle")) {
    std::optional<int64_t> idle = integer_arg(ctx, ctx.args[4]);
    if (!idle) return std::nullopt;
    if (ctx.args.size() < 8) {
      reply_syntax_error(ctx);
      return std::nullopt;
    }
    q.min_idle = *idle;
    at += 2;
  }
  std::optional<int64_t> count = integer_arg(ctx, ctx.args[at + 2]);
  if (!count) return std::nullopt;
  q.count = std::max<int64_t>(*count, 0);
  std::optional<Id> start = interval_id(ctx, ctx.args[at], false);
  if (!start) return std::nullopt;
  std::optional<Id> end = interval_id(ctx, ctx.args[at + 1], true);
  if (!end) return std::nullopt;
  q.start = *start;
  q.end = *end;
  if (at + 3 < ctx.args.size()) q.consumer = ctx.args[at + 3];
  return q;
}

void write_pending_range(Context& ctx, const Group& g, const PendingQuery& q, int64_t now) {
  const std::set<Id>* own = nullptr;
  if (q.consumer) {
    auto c = g.consumers.find(*q.consumer);
    if (c == g.consumers.end()) return ctx.out.array(0);
    own = &c->second.pending;
  }
  std::vector<std::pair<Id, const stream::Nack*>> rows;
  int64_t left = q.count;
  for (auto it = g.pel.lower_bound(q.start); left && it != g.pel.end() && it->first <= q.end;
       ++it) {
    if (own && !own->contains(it->first)) continue;
    if (q.min_idle && now - it->second.delivery_time < q.min_idle) continue;
    rows.emplace_back(it->first, &it->second);
    --left;
  }
  ctx.out.array(rows.size());
  for (const auto& [id, n] : rows) {
    ctx.out.array(4);
    write_id(ctx.out, id);
    ctx.out.bulk(n->consumer);
    ctx.out.integer(std::max<int64_t>(now - n->delivery_time, 0));
    ctx.out.integer(static_cast<int64_t>(n->delivery_count));
  }
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
void cmd_xpending(Context& ctx) {
  size_t n = ctx.args.size();
  if (n != 3 && (n < 6 || n > 9)) return reply_syntax_error(ctx);
  std::optional<PendingQuery> q;
  if (n >= 6 && !(q = parse_pending(ctx))) return;
  with_stream_group(
      ctx, [&] { no_such_group(ctx); },
      [&](KeyLock& k, Stream&, Group& g) {
        if (!q) return write_pending_summary(ctx, g);
        write_pending_range(ctx, g, *q, k.now());
      });
}

struct ClaimOptions {
  int64_t min_idle = 0;
  std::vector<Id> ids;
  int64_t retry_count = -1;
  int64_t delivery_time = -1;
  bool force = false, justid = false;
  Id last_id;
};

// XCLAIM's IDs and options from args[5] on; replies and returns nothing on error.
std::optional<ClaimOptions> parse_claim(Context& ctx, int64_t now) {
  ClaimOptions o;
  std::optional<int64_t> idle =
      integer_arg(ctx, ctx.args[4], "ERR Invalid min-idle-time argument for XCLAIM");
  if (!idle) return std::nullopt;
  o.min_idle = std::max<int64_t>(*idle, 0);
  size_t j = 5;
  for (; j < ctx.args.size(); ++j) {
    std::optional<Id> id = parse_id(ctx.args[j], {.strict = true});
    if (!id) break;
    o.ids.push_back(*id);
  }
  for (; j < ctx.args.size(); ++j) {
    std::string_view opt = ctx.args[j];
    bool more = j + 1 < ctx.args.size();
    if (iequals(opt, "force")) {
      o.force = true;
    } else if (iequals(opt, "justid")) {
      o.justid = true;
    } else if (iequals(opt, "idle") && more) {
      auto v = integer_arg(ctx, ctx.args[++j], "ERR Invalid IDLE option argument for XCLAIM");
      if (!v) return std::nullopt;
      if (__builtin_sub_overflow(now, *v, &o.delivery_time)) o.delivery_time = now;
    } else if (iequals(opt, "time") && more) {
      auto v = integer_arg(ctx, ctx.args[++j], "ERR Invalid TIME option argument for XCLAIM");
      if (!v) return std::nullopt;
      o.delivery_time = *v;
    } else if (iequals(opt, "retrycount") && more) {
      auto v = integer_arg(ctx, ctx.args[++j], "ERR Invalid RETRYCOUNT option argument for XCLAIM");
      if (!v) return std::nullopt;
      o.retry_count = *v;
    } else if (iequals(opt, "lastid") && more) {
      std::optional<Id> id = strict_id(ctx, ctx.args[++j]);
      if (!id) return std::nullopt;
      o.last_id = *id;
    } else {
      ctx.out.error(fmt::format("ERR Unrecognized XCLAIM option '{}'", opt));
      return std::nullopt;
    }
  }
  if (o.delivery_time < 0 || o.delivery_time > now) o.delivery_time = now;
  return o;
}

// Claims one pending entry (`fresh`: just made by FORCE, owned by nobody yet) for the consumer
// args[3] (created on first use into `c`): its delivery time becomes `time`, its count `retry`
// (if >= 0) or one more (unless `justid`).
void claim_one(Context& ctx, std::string_view key, Group& g,
               std::map<Id, stream::Nack>::iterator it, bool fresh, stream::Consumer*& c,
               int64_t time, int64_t retry, bool justid, int64_t now) {
  if (c == nullptr) c = &consumer_of(ctx, key, g, ctx.args[3], now);
  if (fresh) {
    it->second.consumer = std::string(ctx.args[3]);
    c->pending.insert(it->first);
  } else {
    reassign(g, it, *c, ctx.args[3]);
  }
  it->second.delivery_time = time;
  if (retry >= 0) {
    it->second.delivery_count = static_cast<uint64_t>(retry);
  } else if (!justid) {
    ++it->second.delivery_count;
  }
}

// Writes a claimed entry: its ID (JUSTID) or the entry (null when gone).
void write_claimed(resp::Writer& out, const Stream& s, Id id, bool justid) {
  if (justid) return write_id(out, id);
  write_entry_or_null(out, s, id);
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms]
// [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
void cmd_xclaim(Context& ctx) {
  with_stream_group(
      ctx, [&] { no_such_group(ctx); },
      [&](KeyLock& k, Stream& s, Group& g) {
        int64_t now = k.now();
        std::optional<ClaimOptions> o = parse_claim(ctx, now);
        if (!o) return;
        if (o->last_id > g.last_id) g.last_id = o->last_id;
        stream::Consumer* c = nullptr;
        std::vector<Id> claimed;
        for (Id id : o->ids) {
          auto it = g.pel.find(id);
          if (!s.find(id)) {
            if (it != g.pel.end()) drop_nack(g, it);
            continue;
          }
          bool fresh = o->force && it == g.pel.end();
          if (fresh) it = g.pel.emplace(id, stream::Nack{{}, now, 1}).first;
          if (it == g.pel.end()) continue;
          if (!fresh && o->min_idle && now - it->second.delivery_time < o->min_idle) continue;
          claim_one(ctx, k.key(), g, it, fresh, c, o->delivery_time, o->retry_count, o->justid,
                    now);
          claimed.push_back(id);
        }
        ctx.out.array(claimed.size());
        for (Id id : claimed) write_claimed(ctx.out, s, id, o->justid);
      });
}

// XAUTOCLAIM's scan of the group's pending entries from `start`: claims up to `count` idle ones
// for the consumer args[3], drops those whose entry is gone, and replies [cursor, claimed,
// deleted].
void autoclaim(Context& ctx, KeyLock& k, const Stream& s, Group& g, Id start, int64_t min_idle,
               int64_t count, bool justid) {
  int64_t now = k.now();
  int64_t attempts = count * 10;
  stream::Consumer* c = nullptr;
  std::vector<Id> claimed, deleted;
  auto it = g.pel.lower_bound(start);
  for (; attempts-- && count && it != g.pel.end();) {
    Id id = it->first;
    if (!s.find(id)) {
      auto next = std::next(it);
      drop_nack(g, it);
      it = next;
      deleted.push_back(id);
      --count;
      continue;
    }
    if (min_idle && now - it->second.delivery_time < min_idle) {
      ++it;
      continue;
    }
    claim_one(ctx, k.key(), g, it, false, c, now, -1, justid, now);
    claimed.push_back(id);
    --count;
    ++it;
  }
  ctx.out.array(3);
  write_id(ctx.out, it == g.pel.end() ? Id{} : it->first);
  ctx.out.array(claimed.size());
  for (Id id : claimed) write_claimed(ctx.out, s, id, justid);
  ctx.out.array(deleted.size());
  for (Id id : deleted) write_id(ctx.out, id);
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void cmd_xautoclaim(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find_read();  // Redis looks the key up before it parses the rest
  std::optional<int64_t> idle =
      integer_arg(ctx, ctx.args[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM");
  if (!idle) return;
  int64_t min_idle = std::max<int64_t>(*idle, 0);
  std::optional<Id> start = interval_id(ctx, ctx.args[5], false);
  if (!start) return;
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < ctx.args.size(); ++j) {
    if (iequals(ctx.args[j], "count") && j + 1 < ctx.args.size()) {
      std::optional<int64_t> n = parse_int64(ctx.args[++j]);
      if (!n || *n < 1 || *n > std::numeric_limits<int64_t>::max() / 16) {
        return ctx.out.error("ERR COUNT must be > 0");
      }
      count = *n;
    } else if (iequals(ctx.args[j], "justid")) {
      justid = true;
    } else {
      return reply_syntax_error(ctx);
    }
  }
  bool wrong;
  if (as_stream(ctx, e, wrong) == nullptr) {
    if (!wrong) no_such_group(ctx);
    return;
  }
  Stream& s = *stream::of(e);
  Group* group = find_group(s, ctx.args[2]);
  if (group == nullptr) return no_such_group(ctx);
  Accounted accounted(k.shard(), e);
  autoclaim(ctx, k, s, *group, *start, min_idle, count, justid);
}

// ---- XINFO

// Calls fn(k, e, stream) for the stream args[2]; replies Redis's "no such key" when absent.
template <typename Fn>
void with_info_stream(Context& ctx, Fn&& fn) {
  with_stream(
      ctx, 2, Access::kRead, [&] { ctx.out.error(kNoKey); }, fn);
}

void write_lag(resp::Writer& out, const Stream& s, const Group& g) {
  if (std::optional<int64_t> lag = s.lag(g)) return out.integer(*lag);
  out.null();
}

void write_entries_read(resp::Writer& out, const Group& g) {
  if (g.entries_read != stream::kInvalidEntriesRead) return out.integer(g.entries_read);
  out.null();
}

void cmd_xinfo_consumers(Context& ctx) {
  with_info_stream(ctx, [&](KeyLock& k, Entry*, Stream& s) {
    Group* g = find_group(s, ctx.args[3]);
    if (g == nullptr) return reply_no_group_for_key(ctx, ctx.args[3], ctx.args[2]);
    ctx.out.array(g->consumers.size());
    for (const auto& [name, c] : g->consumers) {
      ctx.out.map(3);
      ctx.out.bulk("name");
      ctx.out.bulk(name);
      ctx.out.bulk("pending");
      ctx.out.integer(static_cast<int64_t>(c.pending.size()));
      ctx.out.bulk("idle");
      ctx.out.integer(std::max<int64_t>(k.now() - c.seen_time, 0));
    }
  });
}

void cmd_xinfo_groups(Context& ctx) {
  with_info_stream(ctx, [&](KeyLock&, Entry*, Stream& s) {
    ctx.out.array(s.groups.size());
    for (const auto& [name, g] : s.groups) {
      ctx.out.map(6);
      ctx.out.bulk("name");
      ctx.out.bulk(name);
      ctx.out.bulk("consumers");
      ctx.out.integer(static_cast<int64_t>(g.consumers.size()));
      ctx.out.bulk("pending");
      ctx.out.integer(static_cast<int64_t>(g.pel.size()));
      ctx.out.bulk("last-delivered-id");
      write_id(ctx.out, g.last_id);
      ctx.out.bulk("entries-read");
      write_entries_read(ctx.out, g);
      ctx.out.bulk("lag");
      write_lag(ctx.out, s, g);
    }
  });
}

// The fields XINFO STREAM gives in both forms, first.
void write_stream_header(resp::Writer& out, const Stream& s) {
  out.bulk("length");
  out.integer(static_cast<int64_t>(s.length()));
  out.bulk("radix-tree-keys");
  out.integer(static_cast<int64_t>(s.node_count()));
  out.bulk("radix-tree-nodes");
  out.integer(static_cast<int64_t>(s.node_count() + 1));
  out.bulk("last-generated-id");
  write_id(out, s.last_id);
  out.bulk("max-deleted-entry-id");
  write_id(out, s.max_deleted_id);
  out.bulk("entries-added");
  out.integer(static_cast<int64_t>(s.entries_added));
  out.bulk("recorded-first-entry-id");
  write_id(out, s.first_id);
}

// Up to `count` (0: all) of `ids`, each written by fn(id).
template <typename Ids, typename Fn>
void write_some(resp::Writer& out, const Ids& ids, int64_t count, Fn&& fn) {
  size_t n = count == 0 ? ids.size() : std::min(ids.size(), static_cast<size_t>(count));
  out.array(n);
  auto it = ids.begin();
  for (size_t i = 0; i < n; ++i, ++it) fn(*it);
}

void write_full_group(resp::Writer& out, const Stream& s, const std::string& name, const Group& g,
                      int64_t count) {
  out.map(7);
  out.bulk("name");
  out.bulk(name);
  out.bulk("last-delivered-id");
  write_id(out, g.last_id);
  out.bulk("entries-read");
  write_entries_read(out, g);
  out.bulk("lag");
  write_lag(out, s, g);
  out.bulk("pel-count");
  out.integer(static_cast<int64_t>(g.pel.size()));
  out.bulk("pending");
  write_some(out, g.pel, count, [&](const auto& p) {
    out.array(4);
    write_id(out, p.first);
    out.bulk(p.second.consumer);
    out.integer(p.second.delivery_time);
    out.integer(static_cast<int64_t>(p.second.delivery_count));
  });
  out.bulk("consumers");
  out.array(g.consumers.size());
  for (const auto& [consumer, c] : g.consumers) {
    out.map(4);
    out.bulk("name");
    out.bulk(consumer);
    out.bulk("seen-time");
    out.integer(c.seen_time);
    out.bulk("pel-count");
    out.integer(static_cast<int64_t>(c.pending.size()));
    out.bulk("pending");
    write_some(out, c.pending, count, [&](Id id) {
      const stream::Nack& n = g.pel.at(id);
      out.array(3);
      write_id(out, id);
      out.integer(n.delivery_time);
      out.integer(static_cast<int64_t>(n.delivery_count));
    });
  }
}

// XINFO STREAM key [FULL [COUNT count]]
void cmd_xinfo_stream(Context& ctx) {
  with_info_stream(ctx, [&](KeyLock&, Entry*, Stream& s) {
    bool full = ctx.args.size() > 3;
    int64_t count = 10;
    if (full && !iequals(ctx.args[3], "full")) return reply_subcommand_syntax_error(ctx);
    if (ctx.args.size() > 4) {
      if (ctx.args.size() != 6 || !iequals(ctx.args[4], "count")) {
        return reply_subcommand_syntax_error(ctx);
      }
      std::optional<int64_t> n = integer_arg(ctx, ctx.args[5]);
      if (!n) return;
      count = *n < 0 ? 10 : *n;
    }
    ctx.out.map(full ? 9 : 10);
    write_stream_header(ctx.out, s);
    if (full) {
      ctx.out.bulk("entries");
      write_items(ctx.out, range_of(s, Id{}, stream::kMaxId, false, count));
      ctx.out.bulk("groups");
      ctx.out.array(s.groups.size());
      for (const auto& [name, g] : s.groups) write_full_group(ctx.out, s, name, g, count);
      return;
    }
    ctx.out.bulk("groups");
    ctx.out.integer(static_cast<int64_t>(s.groups.size()));
    for (bool last : {false, true}) {
      ctx.out.bulk(last ? "last-entry" : "first-entry");
      if (std::optional<Item> item = s.edge(last)) {
        write_item(ctx.out, *item);
      } else {
        ctx.out.null();
      }
    }
  });
}

void cmd_xinfo_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Prints this help.",
  };
  reply_help_lines(ctx, kLines);
}

// ---- The table

constexpr uint32_t kW = kWrite | kDenyOom | kFast;

const CommandSpec kGroupCommands[] = {
    {.name = "create",
     .arity = -5,
     .flags = kWrite | kDenyOom | kNoWake,
     .keys = {2, 2, 1},
     .fn = cmd_xgroup_create,
     .doc = {"Create a consumer group.", "5.0.0"}},
    {.name = "setid",
     .arity = -5,
     .flags = kWrite | kNoWake,
     .keys = {2, 2, 1},
     .fn = cmd_xgroup_setid,
     .doc = {"Set a consumer group to an arbitrary last delivered ID value.", "5.0.0"}},
    {.name = "destroy",
     .arity = 4,
     .flags = kWrite,
     .keys = {2, 2, 1},
     .fn = cmd_xgroup_destroy,
     .doc = {"Destroy a consumer group.", "5.0.0"}},
    {.name = "createconsumer",
     .arity = 5,
     .flags = kWrite | kDenyOom | kNoWake,
     .keys = {2, 2, 1},
     .fn = cmd_xgroup_createconsumer,
     .doc = {"Create a consumer in a consumer group.", "6.2.0"}},
    {.name = "delconsumer",
     .arity = 5,
     .flags = kWrite | kNoWake,
     .keys = {2, 2, 1},
     .fn = cmd_xgroup_delconsumer,
     .doc = {"Delete a consumer from a consumer group.", "5.0.0"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = cmd_xgroup_help,
     .doc = {"Show helpful text about the different subcommands", "5.0.0"}},
};

const CommandSpec kInfoCommands[] = {
    {.name = "consumers",
     .arity = 4,
     .flags = kReadonly,
     .keys = {2, 2, 1},
     .fn = cmd_xinfo_consumers,
     .doc = {"List the consumers in a consumer group", "5.0.0"}},
    {.name = "groups",
     .arity = 3,
     .flags = kReadonly,
     .keys = {2, 2, 1},
     .fn = cmd_xinfo_groups,
     .doc = {"List the consumer groups of a stream", "5.0.0"}},
    {.name = "stream",
     .arity = -3,
     .flags = kReadonly,
     .keys = {2, 2, 1},
     .fn = cmd_xinfo_stream,
     .doc = {"Get information about a stream", "5.0.0"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = cmd_xinfo_help,
     .doc = {"Show helpful text about the different subcommands", "5.0.0"}},
};

const CommandSpec kCommands[] = {
    {.name = "xadd",
     .arity = -5,
     .flags = kW | kNoWake,
     .keys = {1, 1, 1},
     .fn = cmd_xadd,
     .doc = {"Appends a new entry to a stream", "5.0.0"}},
    {.name = "xlen",
     .arity = 2,
     .flags = kReadonly | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_xlen,
     .doc = {"Return the number of entries in a stream", "5.0.0"}},
    {.name = "xrange",
     .arity = -4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_xrange,
     .doc = {"Return a range of elements in a stream, with IDs matching the specified IDs "
             "interval",
             "5.0.0"}},
    {.name = "xrevrange",
     .arity = -4,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_xrevrange,
     .doc = {"Return a range of elements in a stream, with IDs matching the specified IDs "
             "interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
             "5.0.0"}},
    {.name = "xdel",
     .arity = -3,
     .flags = kWrite | kFast | kNoWake,
     .keys = {1, 1, 1},
     .fn = cmd_xdel,
     .doc = {"Removes the specified entries from the stream. Returns the number of items "
             "actually deleted, that may be different from the number of IDs passed in case "
             "certain IDs do not exist.",
             "5.0.0"}},
    {.name = "xtrim",
     .arity = -4,
     .flags = kWrite | kNoWake,
     .keys = {1, 1, 1},
     .fn = cmd_xtrim,
     .doc = {"Trims the stream to (approximately if '~' is passed) a certain size", "5.0.0"}},
    {.name = "xsetid",
     .arity = -3,
     .flags = kWrite | kDenyOom | kFast | kNoWake,
     .keys = {1, 1, 1},
     .fn = cmd_xsetid,
     .doc = {"An internal command for replicating stream values", "5.0.0"}},
    {.name = "xread",
     .arity = -4,
     .flags = kReadonly | kBlocking,
     .fn = cmd_xread,
     .doc = {"Return never seen elements in multiple streams, with IDs greater than the ones "
             "reported by the caller for each stream. Can block.",
             "5.0.0"},
     .find_keys = xread_keys},
    {.name = "xreadgroup",
     .arity = -7,
     .flags = kWrite | kBlocking | kNoWake,
     .fn = cmd_xread,
     .doc = {"Return new entries from a stream using a consumer group, or access the history of "
             "the pending entries for a given consumer. Can block.",
             "5.0.0"},
     .find_keys = xread_keys},
    {.name = "xgroup",
     .arity = -2,
     .doc = {"A container for consumer groups commands", "5.0.0"},
     .subcommands = kGroupCommands},
    {.name = "xack",
     .arity = -4,
     .flags = kWrite | kFast | kNoWake,
     .keys = {1, 1, 1},
     .fn = cmd_xack,
     .doc = {"Marks a pending message as correctly processed, effectively removing it from the "
             "pending entries list of the consumer group. Return value of the command is the "
             "number of messages successfully acknowledged, that is, the IDs we were actually "
             "able to resolve in the PEL.",
             "5.0.0"}},
    {.name = "xpending",
     .arity = -3,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_xpending,
     .doc = {"Return information and entries from a stream consumer group pending entries list, "
             "that are messages fetched but never acknowledged.",
             "5.0.0"}},
    {.name = "xclaim",
     .arity = -6,
     .flags = kWrite | kFast | kNoWake,
     .keys = {1, 1, 1},
     .fn = cmd_xclaim,
     .doc = {"Changes (or acquires) ownership of a message in a consumer group, as if the message "
             "was delivered to the specified consumer.",
             "5.0.0"}},
    {.name = "xautoclaim",
     .arity = -6,
     .flags = kWrite | kFast | kNoWake,
     .keys = {1, 1, 1},
     .fn = cmd_xautoclaim,
     .doc = {"Changes (or acquires) ownership of messages in a consumer group, as if the messages "
             "were delivered to the specified consumer.",
             "6.2.0"}},
    {.name = "xinfo",
     .arity = -2,
     .doc = {"A container for stream introspection commands", "5.0.0"},
     .subcommands = kInfoCommands},
};

}  // namespace

CommandFamily stream_commands() { return {"stream", kCommands}; }

}  // namespace cachet::server
