// A cache server instance: the keyspace, configuration, connected clients and statistics, and
// the dispatcher that runs one command for one client. Knows no sockets: the RESP handler feeds it
// parsed commands, and tests can drive it directly.
//
// Thread-safety: execute() may be called from any worker thread concurrently (each Session by one
// thread at a time). Configuration is guarded by config_mutex_; hot settings are mirrored in
// atomics.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "resp/writer.h"
#include "server/acl.h"
#include "server/blocking.h"
#include "server/clients.h"
#include "server/command_stats.h"
#include "server/config.h"
#include "server/pubsub.h"
#include "server/session.h"
#include "store/clock.h"
#include "store/store.h"

namespace cachet::server {

// A counter incremented by many threads without sharing a cache line on the hot path.
class StripedCounter {
 public:
  void add(uint64_t n = 1);
  uint64_t total() const;
  void reset();

 private:
  struct alignas(64) Slot {
    std::atomic<uint64_t> value{0};
  };
  std::array<Slot, 16> slots_;
};

struct Stats {
  StripedCounter commands;
  StripedCounter net_input_bytes, net_output_bytes;  // RESP clients' requests and replies
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};

  // The totals behind INFO's instantaneous_* rates.
  CommandStats::Totals sampled_totals() const {
    return {.commands = commands.total(),
            .input_bytes = net_input_bytes.total(),
            .output_bytes = net_output_bytes.total()};
  }
};

// Settings read on hot paths (every command, every published message), mirrored from the config
// whenever it changes: relaxed atomics, no lock.
struct HotConfig {
  std::atomic<uint32_t> notify_keyspace_events{0};
  std::atomic<int64_t> busy_reply_threshold{0};
  std::atomic<int64_t> slowlog_log_slower_than{0};
  std::atomic<int64_t> slowlog_max_len{0};
  std::atomic<int64_t> latency_monitor_threshold{0};
  std::atomic<bool> latency_tracking{false};
  // client-output-buffer-limit by ClientClass.
  std::array<std::atomic<uint64_t>, 3> output_hard{}, output_soft{};
  std::array<std::atomic<int64_t>, 3> output_soft_seconds{};

  void apply(const Config& c);
  OutputBufferLimit output_limit(ClientClass cls) const;
};

struct CommandSpec;

// Why a command was refused before it ran: Redis's error code ("ERR", "NOAUTH", "OOM") and the
// message after it.
struct Rejection {
  std::string_view code;
  std::string message;
};

class Instance {
 public:
  Instance(Config config, const store::Clock& clock);

  store::Store& store() { return store_; }
  ClientRegistry& clients() { return clients_; }
  BlockingRegistry& blocking() { return blocking_; }
  Stats& stats() { return stats_; }
  CommandStats& command_stats() { return command_stats_; }
  PubSub& pubsub() { return pubsub_; }
  Monitors& monitors() { return monitors_; }
  Tracking& tracking() { return tracking_; }
  Acl& acl() { return acl_; }
  const HotConfig& hot() const { return hot_; }
  const store::Clock& clock() const { return clock_; }
  int64_t start_ms() const { return start_ms_; }

  Config config() const;
  // Records the port actually listened on (it differs from the configured one with port 0).
  void set_listening_port(uint16_t port);
  // CONFIG RESETSTAT: zeroes the counters INFO stats reports.
  void reset_stats();
  // CONFIG SET of `pairs` (name, value, name, value...), all or nothing. Returns Redis's error
  // message (without "ERR "), empty on success.
  std::string set_config(std::span<const std::string_view> pairs);
  // Applies a CONFIG SET to the rest of the process (rebinding the port, resizing the connection
  // limit) before it takes effect; called with the config lock held. The hook may adjust `after`
  // (e.g. the port actually bound) and returns an error message to refuse the change.
  using ConfigHook = std::function<std::string(const Config& before, Config& after)>;
  void on_config_change(ConfigHook hook);

  uint64_t proto_max_bulk_len() const {
    return proto_max_bulk_len_.load(std::memory_order_relaxed);
  }

  // Installs the ACL users of the configuration: `user` directives, or the `aclfile`. Returns
  // the error (start-up fails on it), empty on success.
  std::string load_acl();
  // ACL LOAD: replaces every user by the aclfile's. Returns Redis's error, empty on success.
  std::string reload_acl_file();
  // ACL SAVE: writes every user to the aclfile. Returns Redis's error, empty on success.
  std::string save_acl_file();

  // One active expiry cycle over part `part` of `of` (store::Store::active_expire), recorded as
  // the latency event "expire-cycle" when it took latency-monitor-threshold or longer.
  size_t active_expire(int part, int of, std::chrono::microseconds budget);

  // Whether used memory is over maxmemory (never with maxmemory 0).
  bool over_maxmemory() const;
  // Whether a new connection must AUTH first (the default user has passwords or is off).
  bool password_required() const;
  // The user `name` when `password` authenticates it, else null (AUTH, HELLO AUTH, HTTP).
  std::shared_ptr<const AclUser> authenticate(std::string_view name, std::string_view password);
  // Whether protected mode refuses a client at `peer` (a net::peer_address): it is on, the
  // default user has no password, and the peer is not loopback.
  bool refuses(std::string_view peer) const;
  // Checks the session's user may run the command; records a refusal in ACL LOG.
  std::optional<AclDenial> acl_check(Session& session, const CommandSpec& spec,
                                     const CommandSpec* parent,
                                     std::span<const std::string_view> args, AclContext context);
  // Records a refusal in ACL LOG with the client's CLIENT LIST line.
  void acl_log(const Session& session, const AclDenial& denial, AclContext context,
               std::string_view username);

  // Runs one command (or, inside MULTI, queues it) and appends its reply to `out`. `command` is
  // find_command(args[0]) when the caller has looked it up already, else null.
  void execute(Session& session, std::span<const std::string_view> args, resp::Writer& out,
               const CommandSpec* command = nullptr);

  // Asks the process to shut down gracefully (SHUTDOWN). The hook is set by whoever owns the
  // process (main); without one, the request is ignored.
  void on_shutdown(std::function<void()> hook) { shutdown_hook_ = std::move(hook); }
  void request_shutdown();

  // CLIENT PAUSE: until `until_ms` (the clock's), write commands only (`all` false) or every
  // command wait before they run; a later pause extends it and can only widen it, as in Redis.
  void pause_clients(int64_t until_ms, bool all);
  void unpause_clients();
  // Whether the command `spec` (null: unknown) with arguments `args` of `session` must wait for
  // a CLIENT PAUSE to end. One relaxed load while nothing is paused.
  bool paused(const CommandSpec* spec, std::span<const std::string_view> args,
              const Session& session) const;
  // Whether any CLIENT PAUSE is in effect.
  bool pause_active() const;

 private:
  // Evicts keys by the maxmemory policy until memory is under maxmemory; `admitted` is false if
  // it stays over. Returns the hash of the command's first key when TinyLFU refuses to admit it
  // (the write runs, then that new key is evicted at once).
  std::optional<uint64_t> make_room(Session& session, const CommandSpec& spec,
                                    std::span<const std::string_view> args, bool& admitted);
  void apply_eviction(const Config& c);
  // Records latency event `event` for the time since `started_us` (CommandStats' timer) when
  // that reached latency-monitor-threshold, as Redis's latencyAddSampleIfNeeded.
  void note_latency(std::string_view event, int64_t started_us);
  // Hands the encoding thresholds (hash-max-listpack-entries...) to the store.
  void apply_encodings(const Config& c);
  // execute() without CLIENT REPLY's suppression.
  void dispatch(Session& session, std::span<const std::string_view> args, resp::Writer& out,
                const CommandSpec* command);
  // Mirrors the session's MULTI, tracking, MONITOR and NO-EVICT state into its CLIENT LIST entry.
  static void show_state(const Session& session, ClientInfo& info);
  // CLIENT TRACKING's part of a command: remembers the keys a tracking client read (as its OPTIN /
  // OPTOUT caching choice says) and sends the null invalidation after a flush.
  void after_tracked_command(Session& session, const CommandSpec& spec,
                             std::span<const std::string_view> args);
  static constexpr int kMaxEvictionsPerCommand = 10000;
  // Looks the command up (setting `spec`, and `parent` for a subcommand) and checks arity and
  // authentication.
  std::optional<Rejection> resolve(Session& session, std::span<const std::string_view> args,
                                   const CommandSpec*& spec, const CommandSpec*& parent);
  // (resolve() starts from `spec` when it is set.)
  // Replies with the rejection (EXEC's as EXECABORT) and flags an open transaction.
  void reject(Session& session, const CommandSpec* spec, const Rejection& rejection,
              resp::Writer& out);

  const store::Clock& clock_;
  store::Store store_;
  ClientRegistry clients_;
  BlockingRegistry blocking_;
  PubSub pubsub_;
  Monitors monitors_;
  Tracking tracking_{store_.modified_hook()};
  Acl acl_;
  Stats stats_;
  CommandStats command_stats_;
  HotConfig hot_;
  int64_t start_ms_;
  mutable std::mutex config_mutex_;
  Config config_;  // guarded by config_mutex_
  ConfigHook config_hook_;
  std::atomic<uint64_t> maxmemory_;
  std::atomic<uint64_t> proto_max_bulk_len_;
  std::function<void()> shutdown_hook_;
  std::atomic<int> pause_mode_{0};  // 0: none, 1: writes, 2: all
  std::atomic<int64_t> pause_until_ms_{0};
};

}  // namespace cachet::server
