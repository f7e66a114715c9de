// Access control lists (Redis 7.0's ACL): users, their passwords and the commands, keys and
// channels each may use, and the ACL LOG of refusals.
//
// Threading: the user table is shared by every worker. A user is an immutable snapshot
// (shared_ptr<const AclUser>); ACL SETUSER builds a new one and swaps it in, and bumps
// version(). A session keeps its user's snapshot and re-reads it when the version moved, so a
// command's check costs one relaxed atomic load, plus nothing for a user allowed everything.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::server {

struct CommandSpec;

// Redis's command categories, in its order (ACL CAT lists them so).
enum AclCategory : uint32_t {
  kCatKeyspace = 1u << 0,
  kCatRead = 1u << 1,
  kCatWrite = 1u << 2,
  kCatSet = 1u << 3,
  kCatSortedSet = 1u << 4,
  kCatList = 1u << 5,
  kCatHash = 1u << 6,
  kCatString = 1u << 7,
  kCatBitmap = 1u << 8,
  kCatHyperLogLog = 1u << 9,
  kCatGeo = 1u << 10,
  kCatStream = 1u << 11,
  kCatPubSub = 1u << 12,
  kCatAdmin = 1u << 13,
  kCatFast = 1u << 14,
  kCatSlow = 1u << 15,
  kCatBlocking = 1u << 16,
  kCatDangerous = 1u << 17,
  kCatConnection = 1u << 18,
  kCatTransaction = 1u << 19,
  kCatScripting = 1u << 20,
};

// The category names ("keyspace", "read"...), index i naming bit 1 << i.
std::span<const std::string_view> acl_category_names();
// The categories of a command (`parent` set for a subcommand), as Redis 7.0 assigns them.
uint32_t acl_categories(const CommandSpec& spec, const CommandSpec* parent);

// What a user may do: the root permissions and each `(...)` selector are one of these.
struct AclSelector {
  struct KeyPattern {
    std::string pattern;
    bool read = true, write = true;  // %R~ / %W~ / ~ (both)
  };
  std::vector<bool> commands;  // by command id (acl.cc): top-level commands and subcommands
  // First arguments allowed for a command whose bit is off (`+select|0`), by command id.
  std::map<uint32_t, std::vector<std::string>> first_args;
  bool all_commands = false;  // +@all was applied and not undone: future commands allowed too
  std::vector<std::string> command_rules;  // the rules after +@all / -@all, as GETUSER shows
  bool all_keys = false;
  std::vector<KeyPattern> keys;
  bool all_channels = false;
  std::vector<std::string> channels;
};

struct AclUser {
  std::string name;
  bool enabled = false;
  bool nopass = false;
  int sanitize = 0;                    // 1 sanitize-payload, -1 skip-sanitize-payload (reported)
  std::vector<std::string> passwords;  // SHA-256 digests, 64 lowercase hex digits
  AclSelector root;
  std::vector<AclSelector> selectors;
  bool unrestricted = false;  // every command, key and channel: checks are skipped
};

// Why a command was refused, and what ACL LOG records.
struct AclDenial {
  enum Reason : uint8_t { kCommand, kKey, kAuth, kChannel } reason;
  std::string object;   // the command's full name, the key or the channel
  size_t position = 0;  // the argument index of the key or channel
};

// Where a refused command came from (ACL LOG's context).
enum class AclContext : uint8_t { kTopLevel, kMulti, kLua };

class Acl {
 public:
  using UserPtr = std::shared_ptr<const AclUser>;

  Acl();  // the default user: on nopass ~* &* +@all

  uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  // The user called `name`, or null.
  UserPtr find(std::string_view name) const;
  UserPtr default_user() const { return find("default"); }
  // The user when `password` is one of its passwords (or it has nopass) and it is on; else null.
  UserPtr authenticate(std::string_view name, std::string_view password) const;

  // ACL SETUSER: applies `rules` left to right to a copy of the user (a new user starts off with
  // no permissions) and installs it. On a bad rule nothing changes and the error is returned
  // ("Error in ACL SETUSER modifier '...': ..." without the ERR code).
  std::string set_user(std::string_view name, std::span<const std::string_view> rules);
  // Removes users (never `default`); returns how many existed.
  size_t delete_users(std::span<const std::string_view> names);
  // Every user, ordered by name.
  std::vector<UserPtr> users() const;
  // Replaces every user by `lines` (each "user <name> <rules...>", as ACL LIST prints them); the
  // default user is reset to its start-up state first unless a line sets it. On error nothing
  // changes and the error is returned.
  std::string load(std::span<const std::vector<std::string>> lines);
  // `requirepass`: the default user's only password (empty: nopass).
  void set_default_password(std::string_view password);
  // `acl-pubsub-default`: whether new users (and `reset`) start with allchannels.
  void set_pubsub_default(bool all_channels) { pubsub_all_default_ = all_channels; }

  // Whether `user` may run the command with these arguments; the denial otherwise.
  static std::optional<AclDenial> check(const AclUser& user, const CommandSpec& spec,
                                        const CommandSpec* parent,
                                        std::span<const std::string_view> args);

  // ACL LOG.
  struct LogEntry {
    uint64_t count = 1;
    AclDenial::Reason reason;
    AclContext context;
    std::string object, username, client_info;
    int64_t created_ms = 0;
  };
  // Records a refusal; an entry with the same reason, context, object and user from the last
  // 60 s is counted and refreshed instead.
  void log(const AclDenial& denial, AclContext context, std::string_view username,
           std::string client_info, int64_t now_ms);
  std::vector<LogEntry> log_entries(size_t max) const;  // newest first
  void reset_log();
  void set_log_max_len(size_t n);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, UserPtr, std::less<>> users_;  // guarded by mutex_
  std::deque<LogEntry> log_;                           // guarded by mutex_; newest first
  size_t log_max_len_ = 128;                           // guarded by mutex_
  std::atomic<uint64_t> version_{1};
  std::atomic<bool> pubsub_all_default_{false};
};

// The NOPERM error text for a denial ("this user has no permissions to ...", or EXEC's text for a
// queued command the user may no longer run).
std::string noperm_message(const AclDenial& denial, AclContext context);
// ACL DRYRUN's text for a denial ("This user has no permissions to ...").
std::string dryrun_message(const AclDenial& denial);
// The rules that recreate the user, as ACL LIST prints them after "user <name> ".
std::string describe_user(const AclUser& user);
// Parts of a selector as ACL GETUSER shows them.
std::string describe_commands(const AclSelector& s);
std::string describe_keys(const AclSelector& s);
std::string describe_channels(const AclSelector& s);
// SHA-256 of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace cachet::server
