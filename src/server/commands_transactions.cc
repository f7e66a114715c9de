// Transactions: MULTI EXEC DISCARD WATCH UNWATCH with Redis 7 semantics.
//
// EXEC runs the queued commands while holding every shard of every database they can touch (see
// store::TransactionLock), so no other client sees a half-applied transaction. WATCH registers a
// flag on each key's shard; any change to the key (including expiry) sets it, and EXEC then
// answers null without running anything.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "server/args.h"
#include "server/command.h"
#include "server/key_lock.h"

namespace cachet::server {
namespace {

// The databases the queued commands can touch, starting from the session's.
std::vector<bool> databases_touched(Context& ctx,
                                    const std::vector<std::vector<std::string>>& queued) {
  int count = ctx.instance.store().databases();
  std::vector<bool> touched(count, false);
  touched[ctx.session.db] = true;
  for (const auto& [db, key] : ctx.session.watched) touched[db] = true;
  for (const auto& args : queued) {
    const CommandSpec* spec = find_command(args[0]);
    if (spec == nullptr) continue;
    if (!spec->subcommands.empty() && args.size() >= 2) {
      if (const CommandSpec* sub = find_subcommand(*spec, args[1])) spec = sub;
    }
    if (spec->flags & kAllDatabases) std::fill(touched.begin(), touched.end(), true);
    if (spec->name == "select" && args.size() == 2) {
      auto db = parse_int64(args[1]);
      if (db && *db >= 0 && *db < count) touched[*db] = true;
    }
  }
  return touched;
}

// Whether a watched key changed or expired since WATCH. Requires the keys' shards to be held.
bool watch_broken(Context& ctx) {
  Session& s = ctx.session;
  if (!s.watch_flag) return false;
  store::Store& store = ctx.instance.store();
  for (const auto& [db, key] : s.watched) {
    uint64_t hash = store::hash_key(key);
    auto lock = store.lock(db, hash);
    lock.shard(hash).lookup_write(key, hash, store.now());  // deletes it if expired, which flags it
  }
  return s.watch_flag->dirty.load(std::memory_order_relaxed);
}

void cmd_multi(Context& ctx) {
  if (ctx.session.in_multi) return ctx.out.error("ERR MULTI calls can not be nested");
  ctx.session.in_multi = true;
  ctx.out.ok();
}

void cmd_exec(Context& ctx) {
  Session& s = ctx.session;
  if (!s.in_multi) return ctx.out.error("ERR EXEC without MULTI");
  std::vector<std::vector<std::string>> queued = std::move(s.queued);
  bool failed = s.multi_failed;
  discard_transaction(s);
  if (failed) {
    unwatch_all(ctx.instance, s);
    return ctx.out.error("EXECABORT Transaction discarded because of previous errors.");
  }
  store::TransactionLock lock(ctx.instance.store(), databases_touched(ctx, queued));
  bool broken = watch_broken(ctx);
  unwatch_all(ctx.instance, s);
  if (broken) return ctx.out.null_array();
  ctx.out.array(queued.size());
  std::vector<std::string_view> args;
  s.acl_context = AclContext::kMulti;  // ACLs are checked again: they may have changed
  for (const auto& command : queued) {
    args.assign(command.begin(), command.end());
    ctx.instance.execute(s, args, ctx.out);
  }
  s.acl_context = AclContext::kTopLevel;
}

void cmd_discard(Context& ctx) {
  if (!ctx.session.in_multi) return ctx.out.error("ERR DISCARD without MULTI");
  discard_transaction(ctx.session);
  unwatch_all(ctx.instance, ctx.session);
  ctx.out.ok();
}

void cmd_watch(Context& ctx) {
  Session& s = ctx.session;
  if (s.in_multi) return ctx.out.error("ERR WATCH inside MULTI is not allowed");
  if (!s.watch_flag) s.watch_flag = std::make_shared<store::WatchFlag>();
  for (std::string_view key : ctx.args.subspan(1)) {
    auto same = [&](const auto& w) { return w.first == s.db && w.second == key; };
    if (std::any_of(s.watched.begin(), s.watched.end(), same)) continue;
    KeyLock k(ctx, key);
    k.shard().watch(key, s.watch_flag);
    s.watched.emplace_back(s.db, std::string(key));
  }
  ctx.out.ok();
}

void cmd_unwatch(Context& ctx) {
  unwatch_all(ctx.instance, ctx.session);
  ctx.out.ok();
}

constexpr uint32_t kTx = kNoQueue | kFast | kLoading | kStale;

const CommandSpec kCommands[] = {
    {.name = "multi",
     .arity = 1,
     .flags = kTx,
     .fn = cmd_multi,
     .doc = {"Starts a transaction.", "1.2.0"}},
    {.name = "exec",
     .arity = 1,
     .flags = kNoQueue | kLoading | kStale,
     .fn = cmd_exec,
     .doc = {"Executes all commands in a transaction.", "1.2.0"}},
    {.name = "discard",
     .arity = 1,
     .flags = kTx,
     .fn = cmd_discard,
     .doc = {"Discards a transaction.", "2.0.0"}},
    {.name = "watch",
     .arity = -2,
     .flags = kTx,
     .keys = {1, -1, 1},
     .fn = cmd_watch,
     .doc = {"Monitors changes to keys to determine the execution of a transaction.", "2.2.0"}},
    {.name = "unwatch",
     .arity = 1,
     .flags = kFast | kLoading | kStale,
     .fn = cmd_unwatch,
     .doc = {"Forgets about watched keys of a transaction.", "2.2.0"}},
};

}  // namespace

void unwatch_all(Instance& instance, Session& s) {
  for (const auto& [db, key] : s.watched) {
    uint64_t hash = store::hash_key(key);
    auto lock = instance.store().lock(db, hash);
    lock.shard(hash).unwatch(key, s.watch_flag.get());
  }
  s.watched.clear();
  s.watch_flag.reset();
}

void discard_transaction(Session& s) {
  s.in_multi = false;
  s.multi_failed = false;
  s.queued.clear();
  if (s.info) s.info->multi_bytes.store(0, std::memory_order_relaxed);
}

CommandFamily transaction_commands() { return {"transactions", kCommands}; }

}  // namespace cachet::server
