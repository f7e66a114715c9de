// Lua scripting (EVAL, EVALSHA, their _RO forms, SCRIPT, and the Lua side of FCALL and FUNCTION
// LOAD): the process-wide script cache, two sandboxed Lua 5.1 interpreters per worker thread
// (one for EVAL scripts, one for library functions, as Redis keeps them apart), and the
// registry of running scripts that SCRIPT KILL, FUNCTION KILL and the BUSY check consult.
// Semantics, reply conversions and error texts are Redis 7.0's (see docs/architecture.md,
// "Scripting").
//
// Locking rule (the atomicity of a script): a script holds shard locks from its first
// redis.call to its end, through a store::TransactionLock, so the commands it runs skip those
// locks as inside EXEC and no other client observes a half-run script.
//  - With declared keys (numkeys > 0), it holds only the shards of its KEYS in the caller's
//    database: scripts on disjoint shards run in parallel on different workers.
//  - A command the script runs needs the shards of its keys (keys_of) in the script's current
//    database, or all of that database's shards for a keyspace-wide command (DBSIZE, SCAN...).
//    Shards it lacks are added to the lock (TransactionLock::extend): waited for when they come
//    after every held shard in (database, shard) order, only tried otherwise, so the script
//    never waits out of the store's ascending order and cannot deadlock. A command that needs
//    other databases (MOVE, COPY ... DB, FLUSHALL) or unknown keys (SORT ... BY/GET), or a
//    shard that was busy when tried, cannot be served that way: if the script has not run a
//    write command yet, its run is abandoned (nothing changed) and starts again from the
//    beginning holding every shard of every database; if it has written, that redis.call fails
//    with "ERR Script attempted to access a non-declared key or shard after writing ..." (a
//    partial script cannot be undone; Redis does not roll back script errors either). Either
//    way its sha is remembered and later runs take the full lock from the start.
//  - With numkeys 0 it holds every shard of every database.
//  - Inside MULTI/EXEC it runs under EXEC's lock (EVAL is a kAllDatabases command, so EXEC
//    then holds every database).
//  - FCALL / FCALL_RO follow the same rule, a function's keys being FCALL's declared keys.
//
// Thread-safety: every function here may be called from any worker thread. A Lua interpreter
// belongs to its thread (thread_local); the EVAL one is rebuilt after SCRIPT FLUSH, the
// function one after a library is removed (functions.h).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/command.h"
#include "server/functions.h"
#include "server/instance.h"

namespace cachet::server {

// The flags a script's shebang line (`#!lua flags=...`) declares.
enum ScriptFlag : uint32_t {
  kScriptShebang = 1 << 0,  // the script has a shebang (no EVAL compatibility mode)
  kScriptNoWrites = 1 << 1,
  kScriptAllowOom = 1 << 2,
  kScriptAllowStale = 1 << 3,
  kScriptNoCluster = 1 << 4,
  kScriptAllowCrossSlot = 1 << 5,
};

// The flag names of shebangs, register_function and FUNCTION LIST, in Redis's order.
struct ScriptFlagName {
  std::string_view name;
  ScriptFlag flag;
};
inline constexpr ScriptFlagName kScriptFlagNames[] = {
    {"no-writes", kScriptNoWrites},
    {"allow-oom", kScriptAllowOom},
    {"allow-stale", kScriptAllowStale},
    {"no-cluster", kScriptNoCluster},
    {"allow-cross-slot-keys", kScriptAllowCrossSlot}};

// One cached script. Immutable once cached, except the lock hint.
struct CachedScript {
  std::string sha;   // 40 lowercase hex digits
  std::string body;  // as sent
  uint32_t flags = 0;
  // Set when a run touched a key outside its declared KEYS: later runs lock every shard.
  mutable std::atomic<bool> needs_full_lock{false};
};

// SHA-1 of `data` as 40 lowercase hex digits (script ids, redis.sha1hex).
std::string sha1_hex(std::string_view data);

// Compiles `body` on this thread's interpreter and adds it to the cache (SCRIPT LOAD, EVAL).
// On failure `error` holds Redis's reply text ("ERR Error compiling script ...").
struct LoadResult {
  std::shared_ptr<const CachedScript> script;
  std::string error;
};
LoadResult load_script(std::string_view body);
// The cached script with this sha (any case), or null.
std::shared_ptr<const CachedScript> find_script(std::string_view sha);
// Empties the cache; every thread's interpreter is rebuilt before its next script.
void flush_scripts();

// Runs a cached script for the client of `ctx` and writes its reply (or error) to ctx.out.
// `read_only` is EVAL_RO / EVALSHA_RO.
void run_script(Context& ctx, const CachedScript& script, std::span<const std::string_view> keys,
                std::span<const std::string_view> argv, bool read_only);

// Evaluates a library's code after its shebang line (LibraryMetadata::body) in this thread's
// function interpreter, in Redis's load-time environment: the globals hold only a `redis` table
// with register_function, log, the LOG_ levels and REDIS_VERSION[_NUM], and the run stops with
// "FUNCTION LOAD timeout" after 500 ms. The functions it registers stay in the interpreter under
// `library_id` for run_function. On failure `error` holds Redis's reply text.
struct LibraryEval {
  std::vector<std::unique_ptr<FunctionInfo>> functions;  // in registration order
  std::string error;
};
LibraryEval evaluate_library(uint64_t library_id, std::string_view body, const store::Clock& clock);
// Drops what evaluate_library kept for a library that was not added to the registry.
void forget_library(uint64_t library_id);
// Frees this thread's function interpreter at once if a FUNCTION FLUSH made it stale (other
// threads free theirs before their next function).
void release_stale_function_interpreter();

// FCALL / FCALL_RO: runs a library function (evaluating its library on this thread first if
// needed) with the atomicity and locking of EVAL, and writes its reply to ctx.out.
void run_function(Context& ctx, const FoundFunction& found, std::span<const std::string_view> keys,
                  std::span<const std::string_view> argv, bool read_only);

// Whether `spec` runs a script or function: EVAL, EVALSHA, FCALL and their _RO forms.
bool runs_script(const CommandSpec& spec);
// Whether this EVAL / EVALSHA / FCALL invocation (or its _RO form) is refused over maxmemory:
// Redis derives the command's deny-oom flag from the script's declared flags (a shebang or a
// function without allow-oom or no-writes). A script without a shebang is not refused here.
bool script_denies_oom(const CommandSpec& spec, std::span<const std::string_view> args);

// SCRIPT KILL (functions false) / FUNCTION KILL (true): stops every busy script of that kind
// that has not written. kOtherKind: only scripts of the other kind are busy (Redis's BUSY text).
enum class KillResult { kNotBusy, kUnkillable, kKilled, kOtherKind };
KillResult kill_busy_scripts(bool functions);

// FUNCTION STATS's running_script: a busy function's name, its FCALL command, its run time.
struct RunningFunction {
  std::string name;
  std::vector<std::string> command;
  int64_t duration_ms = 0;
};
std::optional<RunningFunction> running_function(const store::Clock& clock);
// Whether the busy script (if any) is an EVAL one (FUNCTION STATS then replies BUSY).
bool busy_script_is_eval();
// Redis's BUSY texts naming the command that can stop the busy script.
inline constexpr std::string_view kBusyEvalError =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kBusyFunctionError =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

namespace detail {
extern std::atomic<int> g_busy_scripts;
}  // namespace detail

// Whether any script has run past busy-reply-threshold (one relaxed load; Instance::execute
// calls it for every command).
inline bool scripts_busy() { return detail::g_busy_scripts.load(std::memory_order_relaxed) != 0; }
// While a script is busy: Redis's BUSY refusal for a command another client sends, or nothing
// for the commands Redis still allows then (SCRIPT KILL, SHUTDOWN, AUTH, MULTI...) and for the
// busy script's own redis.call.
std::optional<Rejection> busy_rejection(const CommandSpec& spec, const CommandSpec* parent);

// For INFO memory: bytes held by the EVAL interpreters (used_memory_lua, used_memory_vm_eval),
// by the function interpreters (used_memory_vm_functions), by the cached scripts
// (used_memory_scripts_eval), and their number (number_of_cached_scripts).
struct ScriptMemory {
  size_t vm_bytes = 0;
  size_t function_vm_bytes = 0;
  size_t cache_bytes = 0;
  size_t cached_scripts = 0;
};
ScriptMemory script_memory();

}  // namespace cachet::server
