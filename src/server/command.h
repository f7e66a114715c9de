// The command table: one declarative entry per command (name, arity, flags, key positions, the
// function), from which dispatch, arity checks, COMMAND INFO and COMMAND DOCS all derive.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "resp/writer.h"

namespace cachet::server {

// The Redis version cachet reports (HELLO, INFO): the release whose semantics it follows.
inline constexpr std::string_view kRedisVersion = "7.0.15";
inline constexpr std::string_view kCachetVersion = "0.1.0";

class Instance;
struct Session;

enum CommandFlag : uint32_t {
  kWrite = 1 << 0,
  kReadonly = 1 << 1,
  kDenyOom = 1 << 2,  // refused while used memory is over maxmemory
  kAdmin = 1 << 3,
  kNoAuth = 1 << 4,  // allowed before AUTH
  kFast = 1 << 5,
  kLoading = 1 << 6,
  kStale = 1 << 7,
  kNoQueue = 1 << 8,       // runs at once inside MULTI (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET)
  kAllDatabases = 1 << 9,  // may touch every database (EXEC then locks them all)
};

// What a command function gets: the server, the calling client, its arguments (args[0] is the
// command name as sent) and the reply writer.
struct CommandSpec;
struct Context {
  Instance& instance;
  Session& session;
  std::span<const std::string_view> args;
  resp::Writer& out;
  const CommandSpec& spec;
  const CommandSpec* parent;  // the container (CLIENT, CONFIG...) of a subcommand, else null
};

using CommandFn = void (*)(Context&);

struct CommandSpec {
  std::string_view name;  // lowercase
  int arity;              // exact argument count with the name, or -minimum
  uint32_t flags;
  int first_key, last_key, key_step;  // 1-based key positions; last -1 = to the end
  CommandFn fn;
  std::string_view group;  // "string", "keyspace", "connection", "server"
  std::string_view summary;
  std::string_view since;
  std::span<const CommandSpec> subcommands = {};  // for containers like CLIENT and CONFIG
};

// Command families, each defined in commands_<family>.cc.
std::span<const CommandSpec> connection_commands();
std::span<const CommandSpec> string_commands();
std::span<const CommandSpec> key_commands();
std::span<const CommandSpec> server_commands();
std::span<const CommandSpec> hash_commands();
std::span<const CommandSpec> transaction_commands();

// Stops watching every key the session watches (UNWATCH, EXEC, DISCARD, RESET, disconnect).
void unwatch_all(Instance& instance, Session& session);
// Leaves MULTI state, dropping queued commands.
void discard_transaction(Session& session);

// Finds a command by name, case-insensitively; null when unknown.
const CommandSpec* find_command(std::string_view name);
// Finds a subcommand of `parent` by name, case-insensitively; null when unknown.
const CommandSpec* find_subcommand(const CommandSpec& parent, std::string_view name);
// Every top-level command, in table order.
std::span<const CommandSpec* const> all_commands();
// "get", or "client|setname" for a subcommand.
std::string full_name(const CommandSpec& spec, const CommandSpec* parent);

// Shared replies for argument errors.
void reply_syntax_error(Context& ctx);
void reply_not_integer(Context& ctx);
void reply_wrong_type(Context& ctx);
void reply_wrong_arity(Context& ctx, std::string_view full_name);
// Adds `delta` to the integer in `current` (absent: 0) for INCRBY / HINCRBY. On a non-integer
// value replies `not_integer`, on overflow Redis's overflow error; returns nothing then.
std::optional<int64_t> increment_int(Context& ctx, std::optional<std::string_view> current,
                                     int64_t delta, std::string_view not_integer);
// Adds `delta` to the number in `current` (absent: 0) for INCRBYFLOAT / HINCRBYFLOAT and returns
// the result formatted as Redis does; replies with the error and returns nothing on failure.
std::optional<std::string> increment_float(Context& ctx, std::optional<std::string_view> current,
                                           long double delta, std::string_view not_float);

struct ScanOptions {
  std::string_view match;
  size_t count = 10;
  std::string_view type;
};

// Parses the cursor at args[at] and the MATCH / COUNT (and, if `allow_type`, TYPE) options after
// it, as SCAN, HSCAN... take them. Replies with the error and returns false when invalid.
bool parse_scan_arguments(Context& ctx, size_t at, bool allow_type, uint64_t& cursor,
                          ScanOptions& options);

// The HELP subcommand of a container: lists its subcommands.
void reply_help(Context& ctx);

}  // namespace cachet::server
