// The command table: one declarative entry per command (name, arity, flags, key positions, the
// function), from which dispatch, arity checks, COMMAND INFO and COMMAND DOCS all derive.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "resp/writer.h"

namespace cachet::store {
struct Entry;
enum class Kind : uint8_t;
}  // namespace cachet::store

namespace cachet::server {

enum class Space : uint8_t;
struct Subscriber;
struct AclUser;

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
  kBlocking = 1 << 10,     // may block the client until a key is ready (BLPOP...)
  kSubscribedContext =
      1 << 11,        // runs while a RESP2 client is subscribed ((P|S)SUBSCRIBE, PING...)
  kPubSub = 1 << 12,  // a pub/sub command (COMMAND INFO's "pubsub" flag)
  // A write after which blocked clients are not served from its keys, because Redis signals
  // none of them (a stream command that adds no entry: XDEL, XSETID, XACK...). Internal: COMMAND
  // INFO does not show it.
  kNoWake = 1 << 13,
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

// Where a command's keys are among its arguments (COMMAND INFO's first, last, step): 1-based
// positions; `last` -1 is the last argument, -2 the one before it. All zero: no keys.
struct KeySpec {
  int first = 0, last = 0, step = 0;
};

// The key arguments of one invocation: up to two runs of argument indices (a destination and a
// `numkeys` list, as ZUNIONSTORE has). Cheap to copy; no allocation.
class KeyPositions {
 public:
  struct Run {
    uint32_t first = 0, end = 0, step = 1;  // indices first, first + step, ... below end
  };
  KeyPositions() = default;
  explicit KeyPositions(Run a) : runs_{a, Run{0, 0, 1}} {}
  KeyPositions(Run a, Run b) : runs_{a, b} {}

  size_t count() const { return run_count(runs_[0]) + run_count(runs_[1]); }
  bool empty() const { return count() == 0; }
  // The index of the first key; requires !empty().
  size_t first() const { return run_count(runs_[0]) ? runs_[0].first : runs_[1].first; }
  // Calls fn(index) for every key argument, in order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const Run& r : runs_) {
      for (uint32_t i = r.first; i < r.end; i += r.step) fn(static_cast<size_t>(i));
    }
  }

 private:
  static size_t run_count(const Run& r) {
    return r.end > r.first ? (r.end - r.first + r.step - 1) / r.step : 0;
  }
  Run runs_[2];
};

// For commands whose keys depend on the arguments (a `numkeys` count): their positions, or none
// when the arguments are malformed (the command itself then replies with the error).
using KeyFinder = KeyPositions (*)(std::span<const std::string_view> args);

struct CommandDoc {
  std::string_view summary;
  std::string_view since;
};

// One row of the command table. Rows name their fields:
//   {.name = "lpush", .arity = -3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
//    .fn = cmd_lpush, .doc = {"Prepends one or more elements to a list.", "1.0.0"}}
struct CommandSpec {
  std::string_view name;  // lowercase
  int arity;              // exact argument count with the name, or -minimum
  uint32_t flags = 0;
  KeySpec keys = {};
  CommandFn fn = nullptr;  // null for containers (CLIENT, CONFIG...)
  CommandDoc doc = {};
  std::span<const CommandSpec> subcommands = {};  // for containers like CLIENT and CONFIG
  std::string_view group = {};                    // overrides the family's group when set
  KeyFinder find_keys = nullptr;                  // overrides `keys` for invocations
};

// A command family: its rows and the group (COMMAND DOCS, ACL category) they belong to.
struct CommandFamily {
  std::string_view group;  // "string", "keyspace", "list"...
  std::span<const CommandSpec> commands;
};

// Command families, each defined in commands_<family>.cc.
CommandFamily connection_commands();
CommandFamily string_commands();
CommandFamily key_commands();
CommandFamily server_commands();
CommandFamily hash_commands();
CommandFamily transaction_commands();
CommandFamily list_commands();
CommandFamily blocking_commands();
CommandFamily set_commands();
CommandFamily bitmap_commands();
CommandFamily hyperloglog_commands();
CommandFamily introspection_commands();
CommandFamily zset_commands();
CommandFamily stream_commands();
CommandFamily geo_commands();
CommandFamily sort_commands();
CommandFamily pubsub_commands();
CommandFamily scripting_commands();
CommandFamily acl_commands();

// The key arguments of `args` (a whole invocation, args[0] the name) for the command `spec`.
// Every user of key positions goes through this: locking, prefetch, admission, COMMAND GETKEYS.
// None when `args` does not fit the command's arity (prefetch runs before the arity check).
KeyPositions keys_of(const CommandSpec& spec, std::span<const std::string_view> args);
// The group of a command (its own, or its family's; a subcommand's is its container's).
std::string_view group_of(const CommandSpec& spec, const CommandSpec* parent);

// Stops watching every key the session watches (UNWATCH, EXEC, DISCARD, RESET, disconnect).
void unwatch_all(Instance& instance, Session& session);
// Leaves MULTI state, dropping queued commands.
void discard_transaction(Session& session);
// Publishes `message` on `channel` (a channel or a shard channel) on behalf of the client of
// `ctx` (PUBLISH, keyspace notifications); returns the number of deliveries. A subscribed client
// gets its own message before the command's reply, as in Redis.
size_t publish_message(Context& ctx, Space space, std::string_view channel,
                       std::string_view message);
// Ends every subscription of the session (RESET, disconnect).
void unsubscribe_all(Instance& instance, Session& session);
// The session's Subscriber (its id and worker: where pushed messages go), made on first use.
std::shared_ptr<Subscriber> endpoint_of(Session& session);
// Ends CLIENT TRACKING for the session (CLIENT TRACKING off, RESET, disconnect).
void stop_tracking(Instance& instance, Session& session);
// Makes the session act as `user` (a new connection, AUTH, RESET): its ACL checks and CLIENT
// LIST's user field.
void act_as(Session& session, std::shared_ptr<const AclUser> user);
// Ends MONITOR mode (RESET, disconnect).
void stop_monitoring(Instance& instance, Session& session);

// Finds a command by name, case-insensitively; null when unknown.
const CommandSpec* find_command(std::string_view name);
// Finds a subcommand of `parent` by name, case-insensitively; null when unknown.
const CommandSpec* find_subcommand(const CommandSpec& parent, std::string_view name);
// Every top-level command, in table order.
std::span<const CommandSpec* const> all_commands();
// Whether `argc` arguments (with the name) fit the command's arity.
bool arity_ok(const CommandSpec& spec, size_t argc);
// "get", or "client|setname" for a subcommand.
std::string full_name(const CommandSpec& spec, const CommandSpec* parent);

// Redis's WRONGTYPE error (what reply_wrong_type sends).
inline constexpr std::string_view kWrongTypeError =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

// Shared replies for argument errors.
void reply_syntax_error(Context& ctx);
void reply_not_integer(Context& ctx);
void reply_wrong_type(Context& ctx);
void reply_wrong_arity(Context& ctx, std::string_view full_name);
// Whether `e` is present and holds another type than `kind`; replies WRONGTYPE then.
bool wrong_kind(Context& ctx, const store::Entry* e, store::Kind kind);
// The database number at args[i] (SELECT, MOVE, COPY ... DB); replies and returns nothing when
// it is not an integer or out of range.
std::optional<int> parse_database(Context& ctx, size_t i);
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

// A SCAN-family cursor as Redis reads it (strtoul: an optional sign, "-1" wraps to 2^64-1);
// nothing when invalid.
std::optional<uint64_t> parse_scan_cursor(std::string_view text);
// Parses the cursor at args[at] and the MATCH / COUNT (and, if `allow_type`, TYPE) options after
// it, as SCAN, HSCAN... take them. Replies with the error and returns false when invalid.
bool parse_scan_arguments(Context& ctx, size_t at, bool allow_type, uint64_t& cursor,
                          ScanOptions& options);

// The HELP subcommand of a container: lists its subcommands.
void reply_help(Context& ctx);
// A HELP reply in Redis's form: the usage line, then the lines describing each subcommand.
void reply_help_lines(Context& ctx, std::span<const std::string_view> lines);
// Redis's error for a subcommand given too many arguments (addReplySubcommandSyntaxError).
void reply_subcommand_syntax_error(Context& ctx);

}  // namespace cachet::server
