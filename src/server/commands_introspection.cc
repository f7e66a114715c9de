// Introspection of keys and memory: OBJECT (ENCODING FREQ IDLETIME REFCOUNT HELP) and MEMORY
// (USAGE STATS DOCTOR MALLOC-STATS PURGE HELP), with Redis 7 replies. Looking a key up here
// records no access, so OBJECT IDLETIME does not reset what it reports.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "server/args.h"
#include "server/command.h"
#include "server/key_lock.h"
#include "store/allocator.h"
#include "store/eviction.h"
#include "store/list.h"
#include "store/set.h"
#include "store/strings.h"
#include "store/zset.h"

namespace cachet::server {
namespace {

using store::Entry;

std::string_view encoding_name(const Entry* e) {
  switch (e->kind()) {
    case store::Kind::kString:
      return store::str::encoding_name(e);
    case store::Kind::kHash:
      return e->type() == store::ValueType::kHashPacked ? "listpack" : "hashtable";
    case store::Kind::kList:
      return store::list::encoding_name(e);
    case store::Kind::kSet:
      return store::set::encoding_name(e);
    case store::Kind::kZset:
      return store::zset::encoding_name(e);
  }
  return "unknown";
}

// Runs `reply(e)` for the key args[2], or replies null when it is absent.
template <typename Fn>
void with_key(Context& ctx, Fn&& reply) {
  KeyLock k(ctx, ctx.args[2]);
  const Entry* e = k.peek();
  if (e == nullptr) return ctx.out.null();
  reply(e, k.now());
}

void cmd_object_encoding(Context& ctx) {
  with_key(ctx, [&](const Entry* e, int64_t) { ctx.out.bulk(encoding_name(e)); });
}

void cmd_object_refcount(Context& ctx) {
  with_key(ctx, [&](const Entry*, int64_t) { ctx.out.integer(1); });
}

void cmd_object_idletime(Context& ctx) {
  with_key(ctx, [&](const Entry* e, int64_t now) {
    if (store::is_lfu(ctx.instance.store().eviction_policy())) {
      return ctx.out.error(
          "ERR An LRU maxmemory policy is not selected, access time not tracked. Please note "
          "that when switching between policies at runtime LRU and LFU data will take some time "
          "to adjust.");
    }
    ctx.out.integer(static_cast<int64_t>(store::idle_seconds(e, now)));
  });
}

void cmd_object_freq(Context& ctx) {
  with_key(ctx, [&](const Entry* e, int64_t now) {
    if (!store::is_lfu(ctx.instance.store().eviction_policy())) {
      return ctx.out.error(
          "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
          "note that when switching between policies at runtime LRU and LFU data will take some "
          "time to adjust.");
    }
    ctx.out.integer(store::lfu_counter(e, now));
  });
}

// MEMORY USAGE key [SAMPLES count]: the bytes the entry and its value hold, plus its bucket
// link. cachet counts every element exactly, so SAMPLES is validated and otherwise unused.
void cmd_memory_usage(Context& ctx) {
  if (ctx.args.size() != 3) {
    if (ctx.args.size() != 5 || !iequals(ctx.args[3], "samples")) return reply_syntax_error(ctx);
    auto samples = parse_int64(ctx.args[4]);
    if (!samples) return reply_not_integer(ctx);
    if (*samples < 0) return reply_syntax_error(ctx);
  }
  with_key(ctx, [&](const Entry* e, int64_t) {
    ctx.out.integer(static_cast<int64_t>(store::entry_bytes(e) + sizeof(store::Link)));
  });
}

void cmd_memory_stats(Context& ctx) {
  store::Store& st = ctx.instance.store();
  int64_t dataset = std::max<int64_t>(0, st.used_bytes());
  uint64_t allocated = store::allocator_allocated_bytes();
  size_t keys = 0;
  for (int db = 0; db < st.databases(); ++db) keys += st.dbsize(db);
  ctx.out.map(6);
  ctx.out.bulk("total.allocated");
  ctx.out.integer(static_cast<int64_t>(allocated));
  ctx.out.bulk("dataset.bytes");
  ctx.out.integer(dataset);
  ctx.out.bulk("keys.count");
  ctx.out.integer(static_cast<int64_t>(keys));
  ctx.out.bulk("keys.bytes-per-key");
  ctx.out.integer(keys ? dataset / static_cast<int64_t>(keys) : 0);
  ctx.out.bulk("clients.normal");
  ctx.out.integer(static_cast<int64_t>(ctx.instance.clients().size()));
  ctx.out.bulk("allocator");
  ctx.out.bulk(store::allocator_name());
}

void cmd_memory_doctor(Context& ctx) {
  store::Store& st = ctx.instance.store();
  int64_t dataset = std::max<int64_t>(0, st.used_bytes());
  uint64_t allocated = store::allocator_allocated_bytes();
  double overhead = dataset ? static_cast<double>(allocated) / static_cast<double>(dataset) : 0;
  ctx.out.verbatim(fmt::format(
      "cachet memory report: {} bytes allocated, {} bytes in keys and values ({:.2f}x). "
      "Values are counted exactly, so no sampling error applies.",
      allocated, dataset, overhead));
}

void cmd_memory_malloc_stats(Context& ctx) {
  ctx.out.verbatim(fmt::format("allocator {}: {} bytes allocated", store::allocator_name(),
                               store::allocator_allocated_bytes()));
}

void cmd_memory_purge(Context& ctx) { ctx.out.ok(); }

constexpr uint32_t kIntro = kReadonly;

const CommandSpec kObjectCommands[] = {
    {.name = "encoding",
     .arity = 3,
     .flags = kIntro,
     .keys = {2, 2, 1},
     .fn = cmd_object_encoding,
     .doc = {"Returns the internal encoding of a Redis object.", "2.2.3"}},
    {.name = "freq",
     .arity = 3,
     .flags = kIntro,
     .keys = {2, 2, 1},
     .fn = cmd_object_freq,
     .doc = {"Returns the logarithmic access frequency counter of a Redis object.", "4.0.0"}},
    {.name = "idletime",
     .arity = 3,
     .flags = kIntro,
     .keys = {2, 2, 1},
     .fn = cmd_object_idletime,
     .doc = {"Returns the time since the last access to a Redis object.", "2.2.3"}},
    {.name = "refcount",
     .arity = 3,
     .flags = kIntro,
     .keys = {2, 2, 1},
     .fn = cmd_object_refcount,
     .doc = {"Returns the reference count of a value of a key.", "2.2.3"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = reply_help,
     .doc = {"Returns helpful text about the different subcommands.", "6.2.0"}},
};

const CommandSpec kMemoryCommands[] = {
    {.name = "usage",
     .arity = -3,
     .flags = kReadonly,
     .keys = {2, 2, 1},
     .fn = cmd_memory_usage,
     .doc = {"Estimates the memory usage of a key.", "4.0.0"}},
    {.name = "stats",
     .arity = 2,
     .fn = cmd_memory_stats,
     .doc = {"Returns details about memory usage.", "4.0.0"}},
    {.name = "doctor",
     .arity = 2,
     .fn = cmd_memory_doctor,
     .doc = {"Outputs a memory problems report.", "4.0.0"}},
    {.name = "malloc-stats",
     .arity = 2,
     .fn = cmd_memory_malloc_stats,
     .doc = {"Returns the allocator statistics.", "4.0.0"}},
    {.name = "purge",
     .arity = 2,
     .fn = cmd_memory_purge,
     .doc = {"Asks the allocator to release memory.", "4.0.0"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = reply_help,
     .doc = {"Returns helpful text about the different subcommands.", "4.0.0"}},
};

const CommandSpec kCommands[] = {
    {.name = "object",
     .arity = -2,
     .doc = {"A container for object introspection commands.", "2.2.3"},
     .subcommands = kObjectCommands},
    {.name = "memory",
     .arity = -2,
     .doc = {"A container for memory diagnostics commands.", "4.0.0"},
     .subcommands = kMemoryCommands,
     .group = "server"},
};

}  // namespace

CommandFamily introspection_commands() { return {"keyspace", kCommands}; }

}  // namespace cachet::server
