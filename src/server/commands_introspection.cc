// Introspection of keys and memory: OBJECT (ENCODING FREQ IDLETIME REFCOUNT HELP) and MEMORY
// (USAGE STATS DOCTOR MALLOC-STATS PURGE HELP), with Redis 7 replies. Looking a key up here
// records no access, so OBJECT IDLETIME does not reset what it reports.
// And of commands (server/command_stats.h): SLOWLOG (GET LEN RESET HELP) and LATENCY (LATEST
// HISTORY RESET DOCTOR GRAPH HISTOGRAM HELP).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/args.h"
#include "server/command.h"
#include "server/instance.h"
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
    case store::Kind::kStream:
      return "stream";
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

SlowLog& slow_log(Context& ctx) { return ctx.instance.command_stats().slow_log(); }

// SLOWLOG GET [count]: the newest `count` entries (10 by default, -1 all).
void cmd_slowlog_get(Context& ctx) {
  if (ctx.args.size() > 3) return reply_subcommand_syntax_error(ctx);
  size_t count = 10;
  if (ctx.args.size() == 3) {
    std::optional<int64_t> n = parse_int64(ctx.args[2]);
    if (!n || *n < -1) return ctx.out.error("ERR count should be greater than or equal to -1");
    count = *n == -1 ? std::numeric_limits<size_t>::max() : static_cast<size_t>(*n);
  }
  std::vector<SlowLogEntry> entries = slow_log(ctx).newest(count);
  ctx.out.array(entries.size());
  for (const SlowLogEntry& e : entries) {
    ctx.out.array(6);
    ctx.out.integer(e.id);
    ctx.out.integer(e.unix_seconds);
    ctx.out.integer(e.duration_us);
    ctx.out.array(e.args.size());
    for (const std::string& arg : e.args) ctx.out.bulk(arg);
    ctx.out.bulk(e.peer);
    ctx.out.bulk(e.client_name);
  }
}

void cmd_slowlog_len(Context& ctx) { ctx.out.integer(static_cast<int64_t>(slow_log(ctx).size())); }

void cmd_slowlog_reset(Context& ctx) {
  slow_log(ctx).reset();
  ctx.out.ok();
}

void cmd_slowlog_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help.",
  };
  reply_help_lines(ctx, kLines);
}

LatencyMonitor& latency_monitor(Context& ctx) {
  return ctx.instance.command_stats().latency_monitor();
}

int64_t now_seconds(Context& ctx) { return ctx.instance.clock().now_ms() / 1000; }

// LATENCY LATEST: for each event, its name, the time and latency of its latest sample, and its
// all-time maximum.
void cmd_latency_latest(Context& ctx) {
  auto events = latency_monitor(ctx).snapshot();
  ctx.out.array(events.size());
  for (const auto& [name, series] : events) {
    ctx.out.array(4);
    ctx.out.bulk(name);
    ctx.out.integer(series.latest().unix_seconds);
    ctx.out.integer(series.latest().latency_ms);
    ctx.out.integer(series.max_ms);
  }
}

// LATENCY HISTORY event: the event's (time, latency) samples, oldest first.
void cmd_latency_history(Context& ctx) {
  auto events = latency_monitor(ctx).snapshot();
  auto it = events.find(ctx.args[2]);
  if (it == events.end()) return ctx.out.array(0);
  std::vector<LatencySample> samples = it->second.history();
  ctx.out.array(samples.size());
  for (const LatencySample& s : samples) {
    ctx.out.array(2);
    ctx.out.integer(s.unix_seconds);
    ctx.out.integer(s.latency_ms);
  }
}

void cmd_latency_reset(Context& ctx) {
  std::vector<std::string_view> events(ctx.args.begin() + 2, ctx.args.end());
  ctx.out.integer(static_cast<int64_t>(latency_monitor(ctx).reset(events)));
}

void cmd_latency_doctor(Context& ctx) {
  const HotConfig& hot = ctx.instance.hot();
  constexpr auto kRelaxed = std::memory_order_relaxed;
  DoctorSettings settings{.slowlog_log_slower_than = hot.slowlog_log_slower_than.load(kRelaxed),
                          .slowlog_max_len = hot.slowlog_max_len.load(kRelaxed),
                          .latency_monitor_threshold = hot.latency_monitor_threshold.load(kRelaxed),
                          .hz = ctx.instance.config().hz};
  ctx.out.verbatim(latency_report(latency_monitor(ctx).snapshot(), now_seconds(ctx), settings));
}

void cmd_latency_graph(Context& ctx) {
  auto events = latency_monitor(ctx).snapshot();
  auto it = events.find(ctx.args[2]);
  if (it == events.end()) {
    return ctx.out.error(fmt::format("ERR No samples available for event '{}'", ctx.args[2]));
  }
  ctx.out.verbatim(latency_graph(it->first, it->second, now_seconds(ctx)));
}

// One command's LATENCY HISTOGRAM entry: its name, then {calls, histogram_usec: {bucket:
// cumulative count}}.
void write_histogram(Context& ctx, std::string_view name, const std::vector<uint64_t>& counts) {
  uint64_t calls = 0;
  for (uint64_t c : counts) calls += c;
  auto buckets = histogram::cumulative_usec(counts);
  ctx.out.bulk(name);
  ctx.out.map(2);
  ctx.out.bulk("calls");
  ctx.out.integer(static_cast<int64_t>(calls));
  ctx.out.bulk("histogram_usec");
  ctx.out.map(buckets.size());
  for (auto [usec, count] : buckets) {
    ctx.out.integer(usec);
    ctx.out.integer(static_cast<int64_t>(count));
  }
}

// LATENCY HISTOGRAM [command ...]: the latency distribution of the named commands ("get",
// "client|list"; a container brings its subcommands), or of every command with samples.
void cmd_latency_histogram(Context& ctx) {
  std::vector<std::pair<const CommandSpec*, std::string>> wanted;
  if (ctx.args.size() == 2) {
    auto all = CommandStats::commands();
    wanted.assign(all.begin(), all.end());
  }
  for (std::string_view name : ctx.args.subspan(2)) {
    size_t bar = name.find('|');
    const CommandSpec* spec = find_command(name.substr(0, bar));
    const CommandSpec* parent = nullptr;
    if (spec != nullptr && bar != std::string_view::npos) {
      parent = std::exchange(spec, find_subcommand(*spec, name.substr(bar + 1)));
    }
    if (spec == nullptr) continue;
    wanted.emplace_back(spec, full_name(*spec, parent));
    for (const CommandSpec& sub : spec->subcommands)
      wanted.emplace_back(&sub, full_name(sub, spec));
  }
  std::vector<std::pair<std::string, std::vector<uint64_t>>> found;
  for (auto& [spec, name] : wanted) {
    std::vector<uint64_t> counts = ctx.instance.command_stats().latency(*spec);
    if (!counts.empty()) found.emplace_back(std::move(name), std::move(counts));
  }
  ctx.out.map(found.size());
  for (const auto& [name, counts] : found) write_histogram(ctx, name, counts);
}

void cmd_latency_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the "
      "specified command names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP",
      "    Prints this help.",
  };
  reply_help_lines(ctx, kLines);
}

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

constexpr uint32_t kAdm = kAdmin | kLoading | kStale;

const CommandSpec kSlowlogCommands[] = {
    {.name = "get",
     .arity = -2,
     .flags = kAdm,
     .fn = cmd_slowlog_get,
     .doc = {"Returns the slow log's entries.", "2.2.12"}},
    {.name = "len",
     .arity = 2,
     .flags = kAdm,
     .fn = cmd_slowlog_len,
     .doc = {"Returns the number of entries in the slow log.", "2.2.12"}},
    {.name = "reset",
     .arity = 2,
     .flags = kAdm,
     .fn = cmd_slowlog_reset,
     .doc = {"Clears all entries from the slow log.", "2.2.12"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = cmd_slowlog_help,
     .doc = {"Show helpful text about the different subcommands", "6.2.0"}},
};

const CommandSpec kLatencyCommands[] = {
    {.name = "latest",
     .arity = 2,
     .flags = kAdm,
     .fn = cmd_latency_latest,
     .doc = {"Returns the latest latency samples for all events.", "2.8.13"}},
    {.name = "history",
     .arity = 3,
     .flags = kAdm,
     .fn = cmd_latency_history,
     .doc = {"Returns timestamp-latency samples for an event.", "2.8.13"}},
    {.name = "reset",
     .arity = -2,
     .flags = kAdm,
     .fn = cmd_latency_reset,
     .doc = {"Resets the latency data for one or more events.", "2.8.13"}},
    {.name = "doctor",
     .arity = 2,
     .flags = kAdm,
     .fn = cmd_latency_doctor,
     .doc = {"Returns a human-readable latency analysis report.", "2.8.13"}},
    {.name = "graph",
     .arity = 3,
     .flags = kAdm,
     .fn = cmd_latency_graph,
     .doc = {"Returns a latency graph for an event.", "2.8.13"}},
    {.name = "histogram",
     .arity = -2,
     .flags = kAdm,
     .fn = cmd_latency_histogram,
     .doc = {"Returns the cumulative distribution of latencies of a subset or all commands.",
             "7.0.0"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = cmd_latency_help,
     .doc = {"Returns helpful text about the different subcommands.", "2.8.13"}},
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
    {.name = "slowlog",
     .arity = -2,
     .doc = {"A container for slow log commands.", "2.2.12"},
     .subcommands = kSlowlogCommands,
     .group = "server"},
    {.name = "latency",
     .arity = -2,
     .doc = {"A container for latency diagnostics commands.", "2.8.13"},
     .subcommands = kLatencyCommands,
     .group = "server"},
};

}  // namespace

CommandFamily introspection_commands() { return {"keyspace", kCommands}; }

}  // namespace cachet::server
