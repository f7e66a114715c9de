// Server commands: INFO CONFIG TIME SHUTDOWN COMMAND. INFO's sections follow Redis 7.0's names,
// order and fields (those cachet has); commandstats, errorstats and latencystats come from
// server/command_stats.h.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "server/acl.h"
#include "server/args.h"
#include "server/command.h"
#include "server/instance.h"
#include "server/scripting.h"
#include "store/allocator.h"
#include "store/glob.h"

namespace cachet::server {
namespace {

std::string human_bytes(uint64_t n) {
  constexpr const char* kUnits[] = {"B", "K", "M", "G", "T"};
  double v = static_cast<double>(n);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{}B", n) : fmt::format("{:.2f}{}", v, kUnits[unit]);
}

uint64_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string info_server(Instance& in, const Config& c) {
  utsname u{};
  uname(&u);
  int64_t uptime = (in.clock().now_ms() - in.start_ms()) / 1000;
  return fmt::format(
      "# Server\r\nredis_version:{}\r\ncachet_version:{}\r\nredis_mode:standalone\r\n"
      "os:{} {} {}\r\narch_bits:64\r\nmultiplexing_api:epoll\r\nprocess_id:{}\r\n"
      "tcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\n"
      "hz:{}\r\nio_threads_active:{}\r\nconfig_file:{}\r\n",
      kRedisVersion, kCachetVersion, u.sysname, u.release, u.machine, getpid(), c.port,
      in.clock().now_ms() * 1000, uptime, uptime / 86400, c.hz, c.threads, c.config_file);
}

std::string info_clients(Instance& in, const Config& c) {
  return fmt::format(
      "# Clients\r\nconnected_clients:{}\r\nmaxclients:{}\r\nblocked_clients:{}\r\n"
      "tracking_clients:{}\r\n",
      in.clients().size(), c.maxclients, in.blocking().blocked_clients(), in.tracking().clients());
}

std::string info_memory(Instance& in, const Config& c) {
  uint64_t used = store::allocator_allocated_bytes(), rss = rss_bytes();
  uint64_t dataset = static_cast<uint64_t>(std::max<int64_t>(0, in.store().used_bytes()));
  ScriptMemory scripts = script_memory();
  FunctionCounts functions = function_counts();
  size_t vm_total = scripts.vm_bytes + scripts.function_vm_bytes;
  size_t scripts_total = scripts.cache_bytes + functions.bytes;
  return fmt::format(
      "# Memory\r\nused_memory:{}\r\nused_memory_human:{}\r\nused_memory_rss:{}\r\n"
      "used_memory_rss_human:{}\r\nused_memory_dataset:{}\r\nmaxmemory:{}\r\n"
      "maxmemory_human:{}\r\nmaxmemory_policy:{}\r\nmem_fragmentation_ratio:{:.2f}\r\n"
      "mem_allocator:{}\r\nlazyfree_pending_objects:{}\r\nlazyfreed_objects:{}\r\n"
      "used_memory_lua:{}\r\nused_memory_vm_eval:{}\r\nused_memory_lua_human:{}\r\n"
      "used_memory_scripts_eval:{}\r\nnumber_of_cached_scripts:{}\r\nnumber_of_functions:{}\r\n"
      "number_of_libraries:{}\r\nused_memory_vm_functions:{}\r\nused_memory_vm_total:{}\r\n"
      "used_memory_vm_total_human:{}\r\nused_memory_functions:{}\r\nused_memory_scripts:{}\r\n"
      "used_memory_scripts_human:{}\r\n",
      used, human_bytes(used), rss, human_bytes(rss), dataset, c.maxmemory,
      human_bytes(c.maxmemory), c.maxmemory_policy,
      used ? static_cast<double>(rss) / static_cast<double>(used) : 0.0, store::allocator_name(),
      in.store().lazy_freer().pending(), in.store().lazy_freer().freed(), scripts.vm_bytes,
      scripts.vm_bytes, human_bytes(scripts.vm_bytes), scripts.cache_bytes, scripts.cached_scripts,
      functions.functions, functions.libraries, scripts.function_vm_bytes, vm_total,
      human_bytes(vm_total), functions.bytes, scripts_total, human_bytes(scripts_total));
}

std::string info_persistence(Instance&, const Config&) {
  return "# Persistence\r\nloading:0\r\nasync_loading:0\r\nrdb_changes_since_last_save:0\r\n"
         "rdb_bgsave_in_progress:0\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\n";
}

std::string info_stats(Instance& in, const Config&) {
  store::ShardStats s = in.store().stats();
  CommandStats::Totals totals = in.stats().sampled_totals();
  CommandStats::Rates rates = in.command_stats().instantaneous(totals);
  return fmt::format(
      "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\n"
      "instantaneous_ops_per_sec:{}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\n"
      "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n"
      "instantaneous_input_kbps:{:.2f}\r\ninstantaneous_output_kbps:{:.2f}\r\n"
      "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n"
      "rejected_connections:{}\r\nexpired_keys:{}\r\n"
      "evicted_keys:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\n"
      "pubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\n"
      "tracking_total_keys:{}\r\ntracking_total_items:{}\r\ntracking_total_prefixes:{}\r\n"
      "unexpected_error_replies:0\r\ntotal_error_replies:{}\r\n",
      in.stats().connections_received.load(), totals.commands, rates.ops_per_sec,
      totals.input_bytes, totals.output_bytes,
      static_cast<double>(rates.input_bytes_per_sec) / 1024,
      static_cast<double>(rates.output_bytes_per_sec) / 1024,
      in.stats().rejected_connections.load(), s.expired, s.evicted, s.hits, s.misses,
      in.pubsub().channel_count(Space::kChannel), in.pubsub().pattern_count(),
      in.pubsub().channel_count(Space::kShard), in.tracking().keys(), in.tracking().items(),
      in.tracking().prefixes(), in.command_stats().error_replies());
}

std::string info_replication(Instance&, const Config&) {
  return "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n";
}

std::string info_cpu(Instance&, const Config&) {
  rusage self{};
  getrusage(RUSAGE_SELF, &self);
  auto seconds = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return fmt::format("# CPU\r\nused_cpu_sys:{:.6f}\r\nused_cpu_user:{:.6f}\r\n",
                     seconds(self.ru_stime), seconds(self.ru_utime));
}

std::string info_modules(Instance&, const Config&) { return "# Modules\r\n"; }

std::string info_commandstats(Instance& in, const Config&) {
  std::string out = "# Commandstats\r\n";
  for (const CommandStats::Counts& c : in.command_stats().counts()) {
    // Redis divides in single precision.
    float per_call = c.calls ? static_cast<float>(c.usec) / static_cast<float>(c.calls) : 0;
    out += fmt::format(
        "cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},failed_calls={}\r\n",
        c.name, c.calls, c.usec, per_call, c.rejected, c.failed);
  }
  return out;
}

std::string info_errorstats(Instance& in, const Config&) {
  std::string out = "# Errorstats\r\n";
  for (const auto& [code, count] : in.command_stats().errors()) {
    out += fmt::format("errorstat_{}:count={}\r\n", code, count);
  }
  return out;
}

// A percentile as Redis labels it: "%f" without trailing zeros ("50", "99.9").
std::string percentile_label(double p) {
  std::string text = fmt::format("{:f}", p);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

std::string info_latencystats(Instance& in, const Config& c) {
  std::string out = "# Latencystats\r\n";
  for (const auto& [spec, name] : CommandStats::commands()) {
    std::vector<uint64_t> counts = in.command_stats().latency(*spec);
    if (counts.empty()) continue;
    out += fmt::format("latency_percentiles_usec_{}:", name);
    for (size_t i = 0; i < c.latency_tracking_info_percentiles.size(); ++i) {
      double p = c.latency_tracking_info_percentiles[i];
      double usec = static_cast<double>(histogram::value_at_percentile(counts, p)) / 1000.0;
      out += fmt::format("{}p{}={:.3f}", i ? "," : "", percentile_label(p), usec);
    }
    out += "\r\n";
  }
  return out;
}

std::string info_cluster(Instance&, const Config&) { return "# Cluster\r\ncluster_enabled:0\r\n"; }

std::string info_keyspace(Instance& in, const Config&) {
  std::string out = "# Keyspace\r\n";
  for (int db = 0; db < in.store().databases(); ++db) {
    size_t keys = in.store().dbsize(db);
    if (keys == 0) continue;
    out += fmt::format("db{}:keys={},expires={},avg_ttl=0\r\n", db, keys,
                       in.store().volatile_count(db));
  }
  return out;
}

struct InfoSection {
  std::string_view name;
  std::string (*render)(Instance&, const Config&);
  bool in_default;  // part of INFO without arguments (and "default"), not only of "all"
};

// Redis 7.0's sections, in its order.
constexpr InfoSection kSections[] = {
    {"server", info_server, true},
    {"clients", info_clients, true},
    {"memory", info_memory, true},
    {"persistence", info_persistence, true},
    {"stats", info_stats, true},
    {"replication", info_replication, true},
    {"cpu", info_cpu, true},
    {"modules", info_modules, true},
    {"commandstats", info_commandstats, false},
    {"errorstats", info_errorstats, true},
    {"latencystats", info_latencystats, false},
    {"cluster", info_cluster, true},
    {"keyspace", info_keyspace, true},
};

bool section_wanted(std::span<const std::string_view> asked, const InfoSection& section) {
  if (asked.empty()) return section.in_default;
  return std::any_of(asked.begin(), asked.end(), [&](std::string_view a) {
    return iequals(a, section.name) || iequals(a, "all") || iequals(a, "everything") ||
           (section.in_default && iequals(a, "default"));
  });
}

void cmd_info(Context& ctx) {
  Config config = ctx.instance.config();
  std::string text;
  for (const InfoSection& section : kSections) {
    if (!section_wanted(ctx.args.subspan(1), section)) continue;
    if (!text.empty()) text += "\r\n";
    text += section.render(ctx.instance, config);
  }
  ctx.out.verbatim(text);
}

void cmd_config_get(Context& ctx) {
  Config config = ctx.instance.config();
  std::vector<std::pair<std::string_view, std::string>> found;
  for (const OptionSpec& option : config_options()) {
    for (std::string_view pattern : ctx.args.subspan(2)) {
      if (store::glob_match(pattern, option.name, true)) {
        found.emplace_back(option.name, option.get(config));
        break;
      }
    }
  }
  ctx.out.map(found.size());
  for (const auto& [name, value] : found) {
    ctx.out.bulk(name);
    ctx.out.bulk(value);
  }
}

void cmd_config_set(Context& ctx) {
  auto pairs = ctx.args.subspan(2);
  if (pairs.size() % 2 != 0) return reply_wrong_arity(ctx, "config|set");
  std::string err = ctx.instance.set_config(pairs);
  if (!err.empty()) return ctx.out.error("ERR " + err);
  ctx.out.ok();
}

void cmd_config_resetstat(Context& ctx) {
  ctx.instance.reset_stats();
  ctx.instance.command_stats().reset();
  ctx.out.ok();
}

void cmd_time(Context& ctx) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  ctx.out.array(2);
  ctx.out.bulk(std::to_string(us / 1'000'000));
  ctx.out.bulk(std::to_string(us % 1'000'000));
}

void cmd_shutdown(Context& ctx) {
  bool abort = false, nosave = false;
  for (std::string_view a : ctx.args.subspan(1)) {
    if (iequals(a, "abort")) {
      abort = true;
    } else if (iequals(a, "nosave")) {
      nosave = true;
    } else if (!iequals(a, "save") && !iequals(a, "now") && !iequals(a, "force")) {
      return reply_syntax_error(ctx);
    }
  }
  if (abort) return ctx.out.error("ERR No shutdown in progress.");
  // While a script is busy only SHUTDOWN NOSAVE goes ahead (Redis's check).
  if (!nosave && scripts_busy()) {
    return ctx.out.error(busy_script_is_eval() ? kBusyEvalError : kBusyFunctionError);
  }
  // Like Redis, a successful SHUTDOWN sends no reply: the connection just closes.
  ctx.session.close_after_reply = true;
  ctx.instance.request_shutdown();
}

// The ACL categories COMMAND INFO lists ("@write", "@string"...), in Redis's order.
std::vector<std::string> category_names(const CommandSpec& spec, const CommandSpec* parent) {
  uint32_t cats = acl_categories(spec, parent);
  std::vector<std::string> out;
  std::span<const std::string_view> names = acl_category_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (cats & (1u << i)) out.push_back(fmt::format("@{}", names[i]));
  }
  return out;
}

// One COMMAND INFO entry (Redis 7 layout: name, arity, flags, first, last, step, ACL categories,
// tips, key specs, subcommands).
void write_command_info(resp::Writer& out, const CommandSpec& spec, const CommandSpec* parent) {
  static constexpr std::pair<CommandFlag, std::string_view> kFlagNames[] = {
      {kWrite, "write"},   {kReadonly, "readonly"}, {kDenyOom, "denyoom"},  {kAdmin, "admin"},
      {kPubSub, "pubsub"}, {kNoAuth, "no_auth"},    {kFast, "fast"},        {kLoading, "loading"},
      {kStale, "stale"},   {kNoQueue, "no_multi"},  {kBlocking, "blocking"}};
  out.array(10);
  out.bulk(full_name(spec, parent));
  out.integer(spec.arity);
  bool movable = spec.find_keys != nullptr;  // keys found from the arguments (numkeys)
  size_t nflags = std::count_if(std::begin(kFlagNames), std::end(kFlagNames),
                                [&](auto& f) { return spec.flags & f.first; });
  out.set(nflags + movable);
  for (auto [flag, name] : kFlagNames) {
    if (spec.flags & flag) out.simple(name);
  }
  if (movable) out.simple("movablekeys");
  out.integer(spec.keys.first);
  out.integer(spec.keys.last);
  out.integer(spec.keys.step);
  std::vector<std::string> categories = category_names(spec, parent);
  out.set(categories.size());
  for (const std::string& c : categories) out.simple(c);
  out.array(0);
  out.array(0);
  out.array(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) write_command_info(out, sub, &spec);
}

void write_command_docs(resp::Writer& out, const CommandSpec& spec, const CommandSpec* parent) {
  out.bulk(full_name(spec, parent));
  out.map(spec.subcommands.empty() ? 3 : 4);
  out.bulk("summary");
  out.bulk(spec.doc.summary);
  out.bulk("since");
  out.bulk(spec.doc.since);
  out.bulk("group");
  out.bulk(group_of(spec, parent));
  if (spec.subcommands.empty()) return;
  out.bulk("subcommands");
  out.map(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) write_command_docs(out, sub, &spec);
}

void cmd_command(Context& ctx) {
  auto all = all_commands();
  ctx.out.array(all.size());
  for (const CommandSpec* spec : all) write_command_info(ctx.out, *spec, nullptr);
}

void cmd_command_count(Context& ctx) {
  ctx.out.integer(static_cast<int64_t>(all_commands().size()));
}

void cmd_command_list(Context& ctx) {
  if (ctx.args.size() != 2) return reply_syntax_error(ctx);
  auto all = all_commands();
  ctx.out.array(all.size());
  for (const CommandSpec* spec : all) ctx.out.bulk(spec->name);
}

void cmd_command_info(Context& ctx) {
  auto names = ctx.args.subspan(2);
  if (names.empty()) return cmd_command(ctx);
  ctx.out.array(names.size());
  for (std::string_view name : names) {
    const CommandSpec* spec = find_command(name);
    if (spec) {
      write_command_info(ctx.out, *spec, nullptr);
    } else {
      ctx.out.null();
    }
  }
}

void cmd_command_docs(Context& ctx) {
  std::vector<const CommandSpec*> specs;
  for (std::string_view name : ctx.args.subspan(2)) {
    if (const CommandSpec* spec = find_command(name)) specs.push_back(spec);
  }
  if (ctx.args.size() == 2) specs.assign(all_commands().begin(), all_commands().end());
  ctx.out.map(specs.size());
  for (const CommandSpec* spec : specs) write_command_docs(ctx.out, *spec, nullptr);
}

// COMMAND GETKEYS command [arg ...]: the key arguments, from the command table.
void cmd_command_getkeys(Context& ctx) {
  std::span<const std::string_view> command = ctx.args.subspan(2);
  const CommandSpec* spec = find_command(command[0]);
  if (spec != nullptr && !spec->subcommands.empty() && command.size() >= 2) {
    spec = find_subcommand(*spec, command[1]);
  }
  if (spec == nullptr) return ctx.out.error("ERR Invalid command specified");
  if (spec->keys.first == 0 && spec->find_keys == nullptr) {
    return ctx.out.error("ERR The command has no key arguments");
  }
  if (!arity_ok(*spec, command.size())) {
    return ctx.out.error("ERR Invalid number of arguments specified for command");
  }
  KeyPositions keys = keys_of(*spec, command);
  if (keys.empty()) return ctx.out.error("ERR Invalid arguments specified for command");
  ctx.out.array(keys.count());
  keys.for_each([&](size_t i) { ctx.out.bulk(command[i]); });
}

constexpr uint32_t kAdm = kAdmin | kLoading | kStale;

const CommandSpec kConfigCommands[] = {
    {.name = "get",
     .arity = -3,
     .flags = kAdm,
     .fn = cmd_config_get,
     .doc = {"Returns the effective values of configuration parameters.", "2.0.0"}},
    {.name = "set",
     .arity = -4,
     .flags = kAdm,
     .fn = cmd_config_set,
     .doc = {"Sets configuration parameters in-flight.", "2.0.0"}},
    {.name = "resetstat",
     .arity = 2,
     .flags = kAdm | kAllDatabases,
     .fn = cmd_config_resetstat,
     .doc = {"Resets the server's statistics.", "2.0.0"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = reply_help,
     .doc = {"Returns helpful text about the different subcommands.", "5.0.0"}},
};

const CommandSpec kCommandCommands[] = {
    {.name = "count",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = cmd_command_count,
     .doc = {"Returns a count of commands.", "2.8.13"}},
    {.name = "info",
     .arity = -2,
     .flags = kLoading | kStale,
     .fn = cmd_command_info,
     .doc = {"Returns information about one, multiple or all commands.", "2.8.13"}},
    {.name = "docs",
     .arity = -2,
     .flags = kLoading | kStale,
     .fn = cmd_command_docs,
     .doc = {"Returns documentary information about one, multiple or all commands.", "7.0.0"}},
    {.name = "list",
     .arity = -2,
     .flags = kLoading | kStale,
     .fn = cmd_command_list,
     .doc = {"Returns a list of command names.", "7.0.0"}},
    {.name = "getkeys",
     .arity = -4,
     .flags = kLoading | kStale,
     .fn = cmd_command_getkeys,
     .doc = {"Extracts the key names from an arbitrary command.", "2.8.13"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = reply_help,
     .doc = {"Returns helpful text about the different subcommands.", "5.0.0"}},
};

const CommandSpec kCommands[] = {
    {.name = "info",
     .arity = -1,
     .flags = kLoading | kStale | kAllDatabases,
     .fn = cmd_info,
     .doc = {"Returns information and statistics about the server.", "1.0.0"}},
    {.name = "config",
     .arity = -2,
     .doc = {"A container for server configuration commands.", "2.0.0"},
     .subcommands = kConfigCommands},
    {.name = "time",
     .arity = 1,
     .flags = kFast | kLoading | kStale,
     .fn = cmd_time,
     .doc = {"Returns the server time.", "2.6.0"}},
    {.name = "shutdown",
     .arity = -1,
     .flags = kAdm,
     .fn = cmd_shutdown,
     .doc = {"Synchronously saves the database(s) to disk and shuts down the Redis server.",
             "1.0.0"}},
    {.name = "command",
     .arity = -1,
     .flags = kLoading | kStale,
     .fn = cmd_command,
     .doc = {"Returns detailed information about all commands.", "2.8.13"},
     .subcommands = kCommandCommands},
};

}  // namespace

CommandFamily server_commands() { return {"server", kCommands}; }

}  // namespace cachet::server
