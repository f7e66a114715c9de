// Scripting commands: EVAL EVALSHA EVAL_RO EVALSHA_RO, the SCRIPT container (LOAD EXISTS FLUSH
// KILL DEBUG HELP), FCALL FCALL_RO and the FUNCTION container (LOAD DELETE FLUSH LIST STATS DUMP
// RESTORE KILL HELP). Argument parsing and replies; the interpreters, the script cache and the
// locking rule are in scripting.h, the library registry in functions.h.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "server/args.h"
#include "server/command.h"
#include "server/functions.h"
#include "server/scripting.h"
#include "store/glob.h"

namespace cachet::server {
namespace {

// EVAL's keys: numkeys at args[2], the keys after it. Malformed: none (the command replies).
KeyPositions eval_keys(std::span<const std::string_view> args) {
  auto n = parse_int64(args[2]);
  if (!n || *n < 0 || static_cast<uint64_t>(*n) > args.size() - 3) return {};
  return KeyPositions({3, static_cast<uint32_t>(3 + *n), 1});
}

// EVAL's numkeys (args[2]) when it is valid for the argument count, else nothing after replying
// Redis's error. Redis checks it before it compiles the body or looks up a 40-character sha.
std::optional<size_t> eval_numkeys(Context& ctx) {
  auto n = parse_int64(ctx.args[2]);
  if (!n) {
    reply_not_integer(ctx);
    return std::nullopt;
  }
  if (*n < 0) {
    ctx.out.error("ERR Number of keys can't be negative");
    return std::nullopt;
  }
  if (static_cast<uint64_t>(*n) > ctx.args.size() - 3) {
    ctx.out.error("ERR Number of keys can't be greater than number of args");
    return std::nullopt;
  }
  return static_cast<size_t>(*n);
}

// Runs the script `script` with the `numkeys` keys after args[2] and the arguments after them.
void run_with_args(Context& ctx, const CachedScript& script, size_t numkeys, bool read_only) {
  auto keys = ctx.args.subspan(3, numkeys);
  auto argv = ctx.args.subspan(3 + numkeys);
  if (read_only && (script.flags & kScriptShebang) && !(script.flags & kScriptNoWrites)) {
    return ctx.out.error("ERR Can not execute a script with write flag using *_ro command.");
  }
  run_script(ctx, script, keys, argv, read_only);
}

void eval_body(Context& ctx, bool read_only) {
  auto numkeys = eval_numkeys(ctx);
  if (!numkeys) return;
  LoadResult loaded = load_script(ctx.args[1]);
  if (!loaded.script) return ctx.out.error(loaded.error);
  run_with_args(ctx, *loaded.script, *numkeys, read_only);
}

// EVALSHA: a sha that is not 40 characters long is NOSCRIPT at once (before numkeys, as Redis).
void eval_sha(Context& ctx, bool read_only) {
  constexpr std::string_view kNoScript = "NOSCRIPT No matching script. Please use EVAL.";
  if (ctx.args[1].size() != 40) return ctx.out.error(kNoScript);
  auto numkeys = eval_numkeys(ctx);
  if (!numkeys) return;
  auto script = find_script(ctx.args[1]);
  if (!script) return ctx.out.error(kNoScript);
  run_with_args(ctx, *script, *numkeys, read_only);
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

// SCRIPT KILL (functions false) and FUNCTION KILL (true).
void kill_scripts(Context& ctx, bool functions) {
  switch (kill_busy_scripts(functions)) {
    case KillResult::kNotBusy:
      return ctx.out.error("NOTBUSY No scripts in execution right now.");
    case KillResult::kUnkillable:
      return ctx.out.error(
          "UNKILLABLE Sorry the script already executed write commands against the dataset. "
          "You can either wait the script termination or kill the server in a hard way using "
          "the SHUTDOWN NOSAVE command.");
    case KillResult::kOtherKind:
      return ctx.out.error(functions ? kBusyEvalError : kBusyFunctionError);
    case KillResult::kKilled:
      return ctx.out.ok();
  }
}

void cmd_script_kill(Context& ctx) { kill_scripts(ctx, false); }

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

// FCALL name numkeys key... arg...: the function, then the numkeys checks, in Redis's order.
void fcall(Context& ctx, bool read_only) {
  FoundFunction found = find_function(ctx.args[1]);
  if (!found.function) return ctx.out.error("ERR Function not found");
  auto n = parse_int64(ctx.args[2]);
  if (!n) return ctx.out.error("ERR Bad number of keys provided");
  if (*n > static_cast<int64_t>(ctx.args.size() - 3)) {
    return ctx.out.error("ERR Number of keys can't be greater than number of args");
  }
  if (*n < 0) return ctx.out.error("ERR Number of keys can't be negative");
  if (read_only && !(found.function->flags & kScriptNoWrites)) {
    return ctx.out.error("ERR Can not execute a script with write flag using *_ro command.");
  }
  auto keys = ctx.args.subspan(3, static_cast<size_t>(*n));
  auto argv = ctx.args.subspan(3 + static_cast<size_t>(*n));
  run_function(ctx, found, keys, argv, read_only);
}

void cmd_fcall(Context& ctx) { fcall(ctx, false); }
void cmd_fcall_ro(Context& ctx) { fcall(ctx, true); }

void cmd_function_load(Context& ctx) {
  bool replace = false;
  size_t i = 2;
  for (; i + 1 < ctx.args.size(); ++i) {
    if (!iequals(ctx.args[i], "replace")) {
      return ctx.out.error(fmt::format("ERR Unknown option given: {}", ctx.args[i]));
    }
    replace = true;
  }
  LoadOutcome loaded = load_library(ctx.args[i], replace, ctx.instance.clock());
  if (!loaded.error.empty()) return ctx.out.error(loaded.error);
  ctx.out.bulk(loaded.name);
}

void cmd_function_delete(Context& ctx) {
  if (!delete_library(ctx.args[2])) return ctx.out.error("ERR Library not found");
  ctx.out.ok();
}

void cmd_function_flush(Context& ctx) {
  if (ctx.args.size() > 3) return reply_subcommand_syntax_error(ctx);
  if (ctx.args.size() == 3 && !iequals(ctx.args[2], "sync") && !iequals(ctx.args[2], "async")) {
    return ctx.out.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  flush_functions();
  release_stale_function_interpreter();
  ctx.out.ok();
}

// The set of a function's flag names (status replies), in Redis's order.
void reply_function_flags(resp::Writer& out, uint32_t flags) {
  size_t n = std::count_if(std::begin(kScriptFlagNames), std::end(kScriptFlagNames),
                           [&](const ScriptFlagName& f) { return (flags & f.flag) != 0; });
  out.set(n);
  for (const ScriptFlagName& f : kScriptFlagNames) {
    if (flags & f.flag) out.simple(f.name);
  }
}

void reply_library(resp::Writer& out, const Library& library, bool with_code) {
  out.map(with_code ? 4 : 3);
  out.bulk("library_name");
  out.bulk(library.name);
  out.bulk("engine");
  out.bulk("LUA");
  out.bulk("functions");
  out.array(library.functions.size());
  for (const auto& f : library.functions) {
    out.map(3);
    out.bulk("name");
    out.bulk(f->name);
    out.bulk("description");
    f->description ? out.bulk(*f->description) : out.null();
    out.bulk("flags");
    reply_function_flags(out, f->flags);
  }
  if (with_code) {
    out.bulk("library_code");
    out.bulk(library.code);
  }
}

// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: each option once; the pattern is a
// case-insensitive glob.
void cmd_function_list(Context& ctx) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    std::string_view arg = ctx.args[i];
    if (!with_code && iequals(arg, "withcode")) {
      with_code = true;
    } else if (!pattern && iequals(arg, "libraryname")) {
      if (i + 1 >= ctx.args.size()) {
        return ctx.out.error("ERR library name argument was not given");
      }
      pattern = ctx.args[++i];
    } else {
      return ctx.out.error(fmt::format("ERR Unknown argument {}", arg));
    }
  }
  auto libraries = list_libraries();
  if (pattern) {
    std::erase_if(libraries,
                  [&](const auto& l) { return !store::glob_match(*pattern, l->name, true); });
  }
  ctx.out.array(libraries.size());
  for (const auto& library : libraries) reply_library(ctx.out, *library, with_code);
}

void cmd_function_stats(Context& ctx) {
  if (busy_script_is_eval()) return ctx.out.error(kBusyEvalError);
  ctx.out.map(2);
  ctx.out.bulk("running_script");
  if (auto running = running_function(ctx.instance.clock())) {
    ctx.out.map(3);
    ctx.out.bulk("name");
    ctx.out.bulk(running->name);
    ctx.out.bulk("command");
    ctx.out.array(running->command.size());
    for (const std::string& arg : running->command) ctx.out.bulk(arg);
    ctx.out.bulk("duration_ms");
    ctx.out.integer(running->duration_ms);
  } else {
    ctx.out.null();
  }
  FunctionCounts counts = function_counts();
  ctx.out.bulk("engines");
  ctx.out.map(1);
  ctx.out.bulk("LUA");
  ctx.out.map(2);
  ctx.out.bulk("libraries_count");
  ctx.out.integer(static_cast<int64_t>(counts.libraries));
  ctx.out.bulk("functions_count");
  ctx.out.integer(static_cast<int64_t>(counts.functions));
}

void cmd_function_dump(Context& ctx) { ctx.out.bulk(dump_functions()); }

void cmd_function_restore(Context& ctx) {
  if (ctx.args.size() > 4) return reply_subcommand_syntax_error(ctx);
  RestorePolicy policy = RestorePolicy::kAppend;
  if (ctx.args.size() == 4) {
    std::string_view p = ctx.args[3];
    if (iequals(p, "append")) {
      policy = RestorePolicy::kAppend;
    } else if (iequals(p, "replace")) {
      policy = RestorePolicy::kReplace;
    } else if (iequals(p, "flush")) {
      policy = RestorePolicy::kFlush;
    } else {
      return ctx.out.error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    }
  }
  std::string error = restore_functions(ctx.args[2], policy, ctx.instance.clock());
  if (!error.empty()) return ctx.out.error(error);
  release_stale_function_interpreter();
  ctx.out.ok();
}

void cmd_function_kill(Context& ctx) { kill_scripts(ctx, true); }

void cmd_function_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME "
      "argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored "
      "using FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a "
      "restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
      "abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
      "replace the old",
      "      libraries with the new libraries (notice that even on this option there is a "
      "chance of failure",
      "      in case of functions name collision with another library).",
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

const CommandSpec kFunctionSubcommands[] = {
    {.name = "delete",
     .arity = 3,
     .flags = kWrite,
     .fn = cmd_function_delete,
     .doc = {"Deletes a library and its functions.", "7.0.0"}},
    {.name = "dump",
     .arity = 2,
     .fn = cmd_function_dump,
     .doc = {"Dumps all libraries into a serialized binary payload.", "7.0.0"}},
    {.name = "flush",
     .arity = -2,
     .flags = kWrite,
     .fn = cmd_function_flush,
     .doc = {"Deletes all libraries and functions.", "7.0.0"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = cmd_function_help,
     .doc = {"Returns helpful text about the different subcommands.", "7.0.0"}},
    {.name = "kill",
     .arity = 2,
     .fn = cmd_function_kill,
     .doc = {"Terminates a function during execution.", "7.0.0"}},
    {.name = "list",
     .arity = -2,
     .fn = cmd_function_list,
     .doc = {"Returns information about all libraries.", "7.0.0"}},
    {.name = "load",
     .arity = -3,
     .flags = kWrite | kDenyOom,
     .fn = cmd_function_load,
     .doc = {"Creates a library.", "7.0.0"}},
    {.name = "restore",
     .arity = -3,
     .flags = kWrite | kDenyOom,
     .fn = cmd_function_restore,
     .doc = {"Restores all libraries from a payload.", "7.0.0"}},
    {.name = "stats",
     .arity = 2,
     .fn = cmd_function_stats,
     .doc = {"Returns information about a function during execution.", "7.0.0"}},
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
    {.name = "fcall",
     .arity = -3,
     .flags = kEval,
     .fn = cmd_fcall,
     .doc = {"Invokes a function.", "7.0.0"},
     .find_keys = eval_keys},
    {.name = "fcall_ro",
     .arity = -3,
     .flags = kEval | kReadonly,
     .fn = cmd_fcall_ro,
     .doc = {"Invokes a read-only function.", "7.0.0"},
     .find_keys = eval_keys},
    {.name = "function",
     .arity = -2,
     .doc = {"A container for function commands.", "7.0.0"},
     .subcommands = kFunctionSubcommands},
    {.name = "script",
     .arity = -2,
     .doc = {"A container for Lua scripts management commands.", "2.6.0"},
     .subcommands = kScriptSubcommands},
};

}  // namespace

CommandFamily scripting_commands() { return {"scripting", kCommands}; }

}  // namespace cachet::server
