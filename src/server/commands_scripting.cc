// Scripting commands: EVAL EVALSHA EVAL_RO EVALSHA_RO and the SCRIPT container (LOAD EXISTS
// FLUSH KILL DEBUG HELP). Argument parsing and replies; the interpreter, the cache and the
// locking rule are in scripting.h.
#include <fmt/format.h>

#include <string>
#include <string_view>

#include "server/args.h"
#include "server/command.h"
#include "server/scripting.h"

namespace cachet::server {
namespace {

// EVAL's keys: numkeys at args[2], the keys after it. Malformed: none (the command replies).
KeyPositions eval_keys(std::span<const std::string_view> args) {
  auto n = parse_int64(args[2]);
  if (!n || *n < 0 || static_cast<uint64_t>(*n) > args.size() - 3) return {};
  return KeyPositions({3, static_cast<uint32_t>(3 + *n), 1});
}

// Runs the script `script` with the keys and arguments after numkeys (args[2]).
void run_with_args(Context& ctx, const CachedScript& script, bool read_only) {
  auto n = parse_int64(ctx.args[2]);
  if (!n) return reply_not_integer(ctx);
  if (*n < 0) return ctx.out.error("ERR Number of keys can't be negative");
  if (static_cast<uint64_t>(*n) > ctx.args.size() - 3) {
    return ctx.out.error("ERR Number of keys can't be greater than number of args");
  }
  auto keys = ctx.args.subspan(3, static_cast<size_t>(*n));
  auto argv = ctx.args.subspan(3 + static_cast<size_t>(*n));
  if (read_only && (script.flags & kScriptShebang) && !(script.flags & kScriptNoWrites)) {
    return ctx.out.error("ERR Can not execute a script with write flag using *_ro command.");
  }
  run_script(ctx, script, keys, argv, read_only);
}

void eval_body(Context& ctx, bool read_only) {
  LoadResult loaded = load_script(ctx.args[1]);
  if (!loaded.script) return ctx.out.error(loaded.error);
  run_with_args(ctx, *loaded.script, read_only);
}

void eval_sha(Context& ctx, bool read_only) {
  auto script = find_script(ctx.args[1]);
  if (!script) return ctx.out.error("NOSCRIPT No matching script. Please use EVAL.");
  run_with_args(ctx, *script, read_only);
}

void cmd_eval(Context& ctx) { eval_body(ctx, false); }
void cmd_eval_ro(Context& ctx) { eval_body(ctx, true); }
void cmd_evalsha(Context& ctx) { eval_sha(ctx, false); }
void cmd_evalsha_ro(Context& ctx) { eval_sha(ctx, true); }

void cmd_script_load(Context& ctx) {
  LoadResult loaded = load_script(ctx.args[2]);
  if (!loaded.script) return ctx.out.error(loaded.error);
  ctx.out.bulk(loaded.script->sha);
}

void cmd_script_exists(Context& ctx) {
  auto shas = ctx.args.subspan(2);
  ctx.out.array(shas.size());
  for (std::string_view sha : shas) ctx.out.integer(find_script(sha) ? 1 : 0);
}

void cmd_script_flush(Context& ctx) {
  if (ctx.args.size() > 3 ||
      (ctx.args.size() == 3 && !iequals(ctx.args[2], "sync") && !iequals(ctx.args[2], "async"))) {
    return ctx.out.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  flush_scripts();
  ctx.out.ok();
}

void cmd_script_kill(Context& ctx) {
  switch (kill_busy_scripts()) {
    case KillResult::kNotBusy:
      return ctx.out.error("NOTBUSY No scripts in execution right now.");
    case KillResult::kUnkillable:
      return ctx.out.error(
          "UNKILLABLE Sorry the script already executed write commands against the dataset. "
          "You can either wait the script termination or kill the server in a hard way using "
          "the SHUTDOWN NOSAVE command.");
    case KillResult::kKilled:
      return ctx.out.ok();
  }
}

void cmd_script_debug(Context& ctx) {
  std::string_view mode = ctx.args[2];
  if (iequals(mode, "no")) return ctx.out.ok();
  if (iequals(mode, "yes") || iequals(mode, "sync")) {
    return ctx.out.error("ERR cachet has no Lua debugger");
  }
  ctx.out.error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

void cmd_script_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help."};
  reply_help_lines(ctx, kLines);
}

// EVAL may run any command in any database (SELECT inside the script): EXEC locks them all.
constexpr uint32_t kEval = kStale | kAllDatabases;

const CommandSpec kScriptSubcommands[] = {
    {.name = "debug",
     .arity = 3,
     .fn = cmd_script_debug,
     .doc = {"Sets the debug mode of server-side Lua scripts.", "3.2.0"}},
    {.name = "exists",
     .arity = -3,
     .fn = cmd_script_exists,
     .doc = {"Determines whether server-side Lua scripts exist in the script cache.", "2.6.0"}},
    {.name = "flush",
     .arity = -2,
     .fn = cmd_script_flush,
     .doc = {"Removes all server-side Lua scripts from the script cache.", "2.6.0"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = cmd_script_help,
     .doc = {"Returns helpful text about the different subcommands.", "5.0.0"}},
    {.name = "kill",
     .arity = 2,
     .fn = cmd_script_kill,
     .doc = {"Terminates a server-side Lua script during execution.", "2.6.0"}},
    {.name = "load",
     .arity = 3,
     .flags = kStale,
     .fn = cmd_script_load,
     .doc = {"Loads a server-side Lua script to the script cache.", "2.6.0"}},
};

const CommandSpec kCommands[] = {
    {.name = "eval",
     .arity = -3,
     .flags = kEval,
     .fn = cmd_eval,
     .doc = {"Executes a server-side Lua script.", "2.6.0"},
     .find_keys = eval_keys},
    {.name = "evalsha",
     .arity = -3,
     .flags = kEval,
     .fn = cmd_evalsha,
     .doc = {"Executes a server-side Lua script by SHA1 digest.", "2.6.0"},
     .find_keys = eval_keys},
    {.name = "eval_ro",
     .arity = -3,
     .flags = kEval | kReadonly,
     .fn = cmd_eval_ro,
     .doc = {"Executes a read-only server-side Lua script.", "7.0.0"},
     .find_keys = eval_keys},
    {.name = "evalsha_ro",
     .arity = -3,
     .flags = kEval | kReadonly,
     .fn = cmd_evalsha_ro,
     .doc = {"Executes a read-only server-side Lua script by SHA1 digest.", "7.0.0"},
     .find_keys = eval_keys},
    {.name = "script",
     .arity = -2,
     .doc = {"A container for Lua scripts management commands.", "2.6.0"},
     .subcommands = kScriptSubcommands},
};

}  // namespace

CommandFamily scripting_commands() { return {"scripting", kCommands}; }

}  // namespace cachet::server
