// Blocking pops with Redis 7 semantics: the list commands BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP
// and the sorted-set commands BZPOPMIN BZPOPMAX BZMPOP.
//
// Each first tries to serve at once, under the locks of all its keys. If every source is empty it
// blocks (see blocking.h): it registers a Waiter while still holding those locks and sends no
// reply; a later write to one of the keys serves it on the writer's thread, and a timeout,
// CLIENT UNBLOCK or a disconnect ends the wait. Inside EXEC a blocking command never blocks: it
// answers as if it had timed out, as Redis does.
#include <fmt/format.h>

#include <cmath>
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
#include "server/list_ops.h"
#include "server/zset_ops.h"
#include "store/list.h"

namespace cachet::server {
namespace {

using store::Entry;
using store::list::End;

// What a blocking command asks for, parsed from its arguments.
struct Request {
  // Lists: [key, element] | [key, [elements]] | element (a move). Sorted sets:
  // [key, member, score] | [key, [[member, score]...]].
  enum class Form { kPair, kMulti, kMove, kZsetPair, kZsetMulti };
  Form form = Form::kPair;
  std::vector<std::string_view> keys;  // the sources, then (kMove) the destination
  size_t sources = 0;
  End from = End::kHead, to = End::kHead;  // lists
  ZsetEnd zset_end = ZsetEnd::kMin;        // sorted sets
  size_t count = 1;
  int64_t deadline_ms = 0;  // 0: forever
};

bool pops_zset(const Request& r) {
  return r.form == Request::Form::kZsetPair || r.form == Request::Form::kZsetMulti;
}

// The type whose keys can serve `r`.
store::Kind source_kind(const Request& r) {
  return pops_zset(r) ? store::Kind::kZset : store::Kind::kList;
}

// Parses a timeout in (fractional) seconds into a deadline, 0 meaning forever, with Redis's
// errors; replies and returns nothing when invalid.
std::optional<int64_t> parse_deadline(Context& ctx, std::string_view text) {
  auto seconds = parse_long_double(text);
  if (!seconds) {
    ctx.out.error("ERR timeout is not a float or out of range");
    return std::nullopt;
  }
  long double ms = std::ceil(*seconds * 1000);
  // Redis converts to a 64-bit integer first: what overflows it reads as negative.
  if (*seconds < 0 || ms >= static_cast<long double>(std::numeric_limits<int64_t>::max())) {
    ctx.out.error("ERR timeout is negative");
    return std::nullopt;
  }
  if (ms == 0) return 0;
  int64_t deadline;
  if (__builtin_add_overflow(static_cast<int64_t>(ms), ctx.instance.store().now(), &deadline)) {
    ctx.out.error("ERR timeout is out of range");
    return std::nullopt;
  }
  return deadline;
}

// The reply a timed-out (or, inside EXEC, empty-handed) request gets.
void reply_timeout(resp::Writer& out, const Request& r) {
  if (r.form == Request::Form::kMove) {
    out.null();
  } else {
    out.null_array();
  }
}

std::string timeout_reply(const Request& r, int protocol) {
  std::string reply;
  resp::Writer out(reply, protocol);
  reply_timeout(out, r);
  return reply;
}

// The locked keys of `r`, sources first, then (kMove) the destination.
std::vector<ListKey> list_keys(MultiKeyLock& lock, const Request& r) {
  std::vector<ListKey> keys;
  keys.reserve(r.keys.size());
  for (size_t i = 0; i < r.keys.size(); ++i) keys.push_back(list_key(lock, i, r.keys[i]));
  return keys;
}

PopForm pop_form(const Request& r) {
  return r.form == Request::Form::kPair ? PopForm::kKeyElement : PopForm::kKeyElements;
}

// Serves `r` from the first of `sources` (indices into `keys`) that holds a list (a sorted set
// for BZ*): pops (or moves) and replies. A key of another type met first gets WRONGTYPE (and
// counts as served). Returns false, replying nothing, when every one is absent.
bool serve_from(std::span<const ListKey> keys, std::span<const ListKey> sources, const Request& r,
                Context& ctx) {
  switch (r.form) {
    case Request::Form::kMove:
      return move_reply(sources[0], keys[r.sources], r.from, r.to, ctx);
    case Request::Form::kZsetPair:
      return zpop_first(sources, r.zset_end, 1, {true, Layout::kFlat}, ctx);
    case Request::Form::kZsetMulti:
      return zpop_first(sources, r.zset_end, r.count, {true, Layout::kPairs}, ctx);
    default:
      return pop_first(sources, r.from, r.count, pop_form(r), ctx);
  }
}

Request parse_waiter_request(Context& ctx);

// ServeFn for every blocking command: re-parses the waiter's command and serves it from `key`.
Served serve_waiter(Instance& instance, const Waiter& w, std::string_view key,
                    const std::function<bool()>& claim, resp::Writer& out) {
  WaiterCall call(instance, w, out);
  Context& ctx = call.ctx;
  Request r = parse_waiter_request(ctx);
  MultiKeyLock lock(ctx, r.keys);
  std::vector<ListKey> keys = list_keys(lock, r);
  for (size_t i = 0; i < r.sources; ++i) {
    if (r.keys[i] != key) continue;
    // Only a value of the type popped wakes a waiter (as in Redis, another leaves it blocked).
    const Entry* e = lock.find(i);
    if (e == nullptr) return Served::kEmpty;
    if (e->kind() != source_kind(r)) return Served::kOtherType;
    if (!claim()) return Served::kGone;
    serve_from(keys, std::span(keys).subspan(i, 1), r, ctx);
    // A move fills its destination: clients blocked on that key are served next.
    if (r.form == Request::Form::kMove) instance.blocking().note_ready(w.db, r.keys[r.sources]);
    return Served::kServed;
  }
  return Served::kEmpty;
}

// Serves `r` at once or blocks the client on its sources.
void serve_or_block(Context& ctx, const Request& r) {
  MultiKeyLock lock(ctx, r.keys);
  std::vector<ListKey> keys = list_keys(lock, r);
  if (serve_from(keys, std::span(keys).first(r.sources), r, ctx)) return;
  if (!may_block(ctx)) return reply_timeout(ctx.out, r);
  block_client(ctx, {ctx.args.begin(), ctx.args.end()},
               {r.keys.begin(), r.keys.begin() + static_cast<std::ptrdiff_t>(r.sources)},
               r.deadline_ms, serve_waiter, timeout_reply(r, ctx.session.protocol));
}

// Sets r.deadline_ms from `text`, unless `timed` is false: a waiter's command parsed again, whose
// timeout was valid when it blocked (and would now read later, possibly out of range). Returns
// false after replying with the error.
bool read_deadline(Context& ctx, std::string_view text, bool timed, Request& r) {
  if (!timed) return true;
  std::optional<int64_t> deadline = parse_deadline(ctx, text);
  if (deadline) r.deadline_ms = *deadline;
  return deadline.has_value();
}

// BLPOP / BRPOP / BZPOPMIN / BZPOPMAX key [key ...] timeout, `r` saying which.
std::optional<Request> parse_pop(Context& ctx, Request r, bool timed) {
  if (!read_deadline(ctx, ctx.args.back(), timed, r)) return std::nullopt;
  r.keys.assign(ctx.args.begin() + 1, ctx.args.end() - 1);
  r.sources = r.keys.size();
  return r;
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout, or BRPOPLPUSH source destination
// timeout (RIGHT LEFT).
std::optional<Request> parse_move(Context& ctx, bool timed) {
  Request r;
  r.form = Request::Form::kMove;
  bool brpoplpush = ctx.args.size() == 4;
  r.from = End::kTail;
  r.to = End::kHead;
  if (!brpoplpush) {
    auto from = parse_end(ctx.args[3]);
    auto to = parse_end(ctx.args[4]);
    if (!from || !to) {
      reply_syntax_error(ctx);
      return std::nullopt;
    }
    r.from = *from;
    r.to = *to;
  }
  if (!read_deadline(ctx, ctx.args.back(), timed, r)) return std::nullopt;
  r.keys = {ctx.args[1], ctx.args[2]};
  r.sources = 1;
  return r;
}

// Completes `r` of BLMPOP / BZMPOP timeout numkeys key [key ...] ... with its sources, then its
// timeout: Redis reads the timeout after the other arguments.
std::optional<Request> finish_multi_pop(Context& ctx, Request r,
                                        std::span<const std::string_view> sources, bool timed) {
  r.keys.assign(sources.begin(), sources.end());
  r.sources = r.keys.size();
  if (!read_deadline(ctx, ctx.args[1], timed, r)) return std::nullopt;
  return r;
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count].
std::optional<Request> parse_blmpop(Context& ctx, bool timed) {
  std::optional<MpopArguments> a = parse_mpop(ctx, 2);
  if (!a) return std::nullopt;
  return finish_multi_pop(ctx, {.form = Request::Form::kMulti, .from = a->end, .count = a->count},
                          a->keys, timed);
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count].
std::optional<Request> parse_bzmpop(Context& ctx, bool timed) {
  std::optional<ZmpopArguments> a = parse_zmpop(ctx, 2);
  if (!a) return std::nullopt;
  return finish_multi_pop(
      ctx, {.form = Request::Form::kZsetMulti, .zset_end = a->end, .count = a->count}, a->keys,
      timed);
}

std::optional<Request> parse_request(Context& ctx, bool timed) {
  using Form = Request::Form;
  std::string_view name = ctx.spec.name;
  if (name == "blpop") return parse_pop(ctx, {.from = End::kHead}, timed);
  if (name == "brpop") return parse_pop(ctx, {.from = End::kTail}, timed);
  if (name == "bzpopmin") return parse_pop(ctx, {.form = Form::kZsetPair}, timed);
  if (name == "bzpopmax") {
    return parse_pop(ctx, {.form = Form::kZsetPair, .zset_end = ZsetEnd::kMax}, timed);
  }
  if (name == "blmpop") return parse_blmpop(ctx, timed);
  if (name == "bzmpop") return parse_bzmpop(ctx, timed);
  return parse_move(ctx, timed);
}

// A waiter's command parsed again: it was valid when it blocked, and only the deadline could read
// differently now, so it is not read (and the parse cannot fail; any reply would be discarded).
Request parse_waiter_request(Context& ctx) {
  std::string discard;
  resp::Writer quiet(discard, 2);
  Context silent{ctx.instance, ctx.session, ctx.args, quiet, ctx.spec, nullptr};
  return *parse_request(silent, false);
}

void cmd_blocking(Context& ctx) {
  if (std::optional<Request> r = parse_request(ctx, true)) serve_or_block(ctx, *r);
}

KeyPositions blmpop_keys(std::span<const std::string_view> args) { return mpop_keys(args, 2); }

constexpr uint32_t kBlock = kWrite | kBlocking;

const CommandSpec kCommands[] = {
    {.name = "blpop",
     .arity = -3,
     .flags = kBlock,
     .keys = {1, -2, 1},
     .fn = cmd_blocking,
     .doc = {"Removes and returns the first element in a list. Blocks until an element is "
             "available otherwise. Deletes the list if the last element was popped.",
             "2.0.0"}},
    {.name = "brpop",
     .arity = -3,
     .flags = kBlock,
     .keys = {1, -2, 1},
     .fn = cmd_blocking,
     .doc = {"Removes and returns the last element in a list. Blocks until an element is "
             "available otherwise. Deletes the list if the last element was popped.",
             "2.0.0"}},
    {.name = "brpoplpush",
     .arity = 4,
     .flags = kBlock | kDenyOom,
     .keys = {1, 2, 1},
     .fn = cmd_blocking,
     .doc = {"Pops an element from a list, pushes it to another list and returns it. Block until "
             "an element is available otherwise. Deletes the list if the last element was popped.",
             "2.2.0"}},
    {.name = "blmove",
     .arity = 6,
     .flags = kBlock | kDenyOom,
     .keys = {1, 2, 1},
     .fn = cmd_blocking,
     .doc = {"Pops an element from a list, pushes it to another list and returns it. Blocks until "
             "an element is available otherwise. Deletes the list if the last element was moved.",
             "6.2.0"}},
    {.name = "blmpop",
     .arity = -5,
     .flags = kBlock,
     .fn = cmd_blocking,
     .doc = {"Pops the first element from one of multiple lists. Blocks until an element is "
             "available otherwise. Deletes the list if the last element was popped.",
             "7.0.0"},
     .find_keys = blmpop_keys},
    {.name = "bzpopmin",
     .arity = -3,
     .flags = kBlock | kFast,
     .keys = {1, -2, 1},
     .fn = cmd_blocking,
     .doc = {"Remove and return the member with the lowest score from one or more sorted sets, or "
             "block until one is available",
             "5.0.0"},
     .group = "sorted_set"},
    {.name = "bzpopmax",
     .arity = -3,
     .flags = kBlock | kFast,
     .keys = {1, -2, 1},
     .fn = cmd_blocking,
     .doc = {"Remove and return the member with the highest score from one or more sorted sets, "
             "or block until one is available",
             "5.0.0"},
     .group = "sorted_set"},
    {.name = "bzmpop",
     .arity = -5,
     .flags = kBlock,
     .fn = cmd_blocking,
     .doc = {"Remove and return members with scores in a sorted set or block until one is "
             "available",
             "7.0.0"},
     .group = "sorted_set",
     .find_keys = blmpop_keys},
};

}  // namespace

bool may_block(const Context& ctx) { return !store::in_transaction() && ctx.session.deliver; }

void block_client(Context& ctx, std::vector<std::string> args, std::vector<std::string> keys,
                  int64_t deadline_ms, ServeFn serve, std::string timeout_reply) {
  auto w = std::make_shared<Waiter>();
  w->client_id = ctx.session.info ? ctx.session.info->id : 0;
  w->db = ctx.session.db;
  w->protocol = ctx.session.protocol;
  w->args = std::move(args);
  w->keys = std::move(keys);
  w->deadline_ms = deadline_ms;
  w->serve = serve;
  w->deliver = ctx.session.deliver;
  w->timeout_reply = std::move(timeout_reply);
  ctx.session.waiter = w;
  if (ctx.session.info) ctx.session.info->blocked.store(true, std::memory_order_relaxed);
  ctx.instance.blocking().add(std::move(w));
}

WaiterCall::WaiterCall(Instance& instance, const Waiter& w, resp::Writer& out)
    : args(w.args.begin(), w.args.end()), ctx{instance, session, args, out, *find_command(args[0]),
                                              nullptr} {
  session.db = w.db;
  session.protocol = w.protocol;
  session.authenticated = true;
}

CommandFamily blocking_commands() { return {"list", kCommands}; }

}  // namespace cachet::server
