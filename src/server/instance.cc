#include "server/instance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "net/address.h"
#include "resp/parser.h"
#include "server/command.h"
#include "server/notify.h"
#include "server/scripting.h"
#include "store/hash.h"
#include "store/hll.h"
#include "store/list.h"
#include "store/set.h"
#include "store/stream.h"
#include "store/zset.h"

namespace cachet::server {
namespace {

size_t stripe() {
  static std::atomic<size_t> next{0};
  thread_local size_t slot = next.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return out;
}

std::string unknown_command_message(std::span<const std::string_view> args) {
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; ++i) {
    list += fmt::format("'{}' ", args[i].substr(0, 128 - list.size()));
  }
  return fmt::format("unknown command '{}', with args beginning with: {}", args[0].substr(0, 128),
                     list);
}

constexpr std::string_view kNoAclFile =
    "This Redis instance is not configured to use an ACL file. You may want to specify users via "
    "the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
    "configuration file set) in order to store users in the Redis configuration.";

}  // namespace

void StripedCounter::add(uint64_t n) {
  slots_[stripe() % slots_.size()].value.fetch_add(n, std::memory_order_relaxed);
}

uint64_t StripedCounter::total() const {
  uint64_t sum = 0;
  for (const Slot& s : slots_) sum += s.value.load(std::memory_order_relaxed);
  return sum;
}

void StripedCounter::reset() {
  for (Slot& s : slots_) s.value.store(0, std::memory_order_relaxed);
}

void HotConfig::apply(const Config& c) {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  notify_keyspace_events.store(c.notify_keyspace_events, kRelaxed);
  busy_reply_threshold.store(c.busy_reply_threshold, kRelaxed);
  slowlog_log_slower_than.store(c.slowlog_log_slower_than, kRelaxed);
  slowlog_max_len.store(c.slowlog_max_len, kRelaxed);
  latency_monitor_threshold.store(c.latency_monitor_threshold, kRelaxed);
  latency_tracking.store(c.latency_tracking, kRelaxed);
  for (size_t i = 0; i < c.client_output_buffer_limit.size(); ++i) {
    output_hard[i].store(c.client_output_buffer_limit[i].hard, kRelaxed);
    output_soft[i].store(c.client_output_buffer_limit[i].soft, kRelaxed);
    output_soft_seconds[i].store(c.client_output_buffer_limit[i].soft_seconds, kRelaxed);
  }
}

OutputBufferLimit HotConfig::output_limit(ClientClass cls) const {
  auto i = static_cast<size_t>(cls);
  return {output_hard[i].load(std::memory_order_relaxed),
          output_soft[i].load(std::memory_order_relaxed),
          output_soft_seconds[i].load(std::memory_order_relaxed)};
}

Instance::Instance(Config config, const store::Clock& clock)
    : clock_(clock),
      store_(clock, config.databases),
      start_ms_(clock.now_ms()),
      config_(std::move(config)),
      maxmemory_(config_.maxmemory),
      proto_max_bulk_len_(config_.proto_max_bulk_len) {
  apply_eviction(config_);
  apply_encodings(config_);
  hot_.apply(config_);
  tracking_.set_max_keys(static_cast<size_t>(config_.tracking_table_max_keys));
  install_keyspace_events(*this);  // keyspace notifications of store events (server/notify.h)
}

void Instance::apply_encodings(const Config& c) {
  store::hash::set_packed_limits(static_cast<size_t>(c.hash_max_listpack_entries),
                                 static_cast<size_t>(c.hash_max_listpack_value));
  store::list::set_packed_limit(c.list_max_listpack_size);
  store::list::set_compress_depth(c.list_compress_depth);
  store::set::set_max_intset_entries(static_cast<size_t>(c.set_max_intset_entries));
  store::hll::set_sparse_max_bytes(static_cast<size_t>(c.hll_sparse_max_bytes));
  store::zset::set_max_packed(static_cast<size_t>(c.zset_max_listpack_entries),
                              static_cast<size_t>(c.zset_max_listpack_value));
  store::stream::set_node_limits(c.stream_node_max_entries, c.stream_node_max_bytes);
}

void Instance::apply_eviction(const Config& c) {
  // Config validation accepts only Redis's policy names, all of which the store knows.
  // The sketch is sized for maxmemory / 64 keys: about the smallest entry plus table overhead.
  store_.set_eviction(*store::eviction_policy(c.maxmemory_policy), c.maxmemory_samples,
                      c.maxmemory / 64);
}

std::optional<uint64_t> Instance::make_room(Session& session, const CommandSpec& spec,
                                            std::span<const std::string_view> args,
                                            bool& admitted) {
  admitted = true;
  // Inside EXEC this thread holds shard locks, and eviction takes others: no eviction there.
  if (!over_maxmemory() || store::in_transaction()) return std::nullopt;
  // The key this write may create, for TinyLFU's admission test.
  std::optional<uint64_t> incoming;
  KeyPositions keys = keys_of(spec, args);
  if (store_.sketch() != nullptr && !keys.empty()) {
    std::string_view key = args[keys.first()];
    uint64_t hash = store::hash_key(key);
    if (!store_.contains(session.db, key, hash)) incoming = hash;
  }
  int64_t cycle_started = command_stats_.now_us();
  std::optional<uint64_t> refused;
  for (int i = 0; i < kMaxEvictionsPerCommand && over_maxmemory(); ++i) {
    int64_t started = command_stats_.now_us();
    auto result = store_.evict_one(incoming);
    if (result == store::Store::Eviction::kEvicted) note_latency("eviction-del", started);
    if (result == store::Store::Eviction::kRejectIncoming) refused = incoming;
    if (result != store::Store::Eviction::kEvicted) break;
  }
  note_latency("eviction-cycle", cycle_started);
  admitted = refused.has_value() || !over_maxmemory();  // (a refused newcomer runs, then goes)
  return refused;
}

void Instance::note_latency(std::string_view event, int64_t started_us) {
  int64_t threshold = hot_.latency_monitor_threshold.load(std::memory_order_relaxed);
  int64_t elapsed_ms = (command_stats_.now_us() - started_us) / 1000;
  if (threshold > 0 && elapsed_ms >= threshold) {
    command_stats_.latency_monitor().add(event, clock_.now_ms() / 1000, elapsed_ms);
  }
}

size_t Instance::active_expire(int part, int of, std::chrono::microseconds budget) {
  int64_t started = command_stats_.now_us();
  size_t expired = store_.active_expire(part, of, budget);
  note_latency("expire-cycle", started);
  if (BlockingRegistry::has_ready()) blocking_.serve_ready(*this);  // waiters of expired keys
  return expired;
}

Config Instance::config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

void Instance::set_listening_port(uint16_t port) {
  std::lock_guard lock(config_mutex_);
  config_.port = port;
}

void Instance::reset_stats() {
  stats_.commands.reset();
  stats_.net_input_bytes.reset();
  stats_.net_output_bytes.reset();
  stats_.connections_received.store(0);
  stats_.rejected_connections.store(0);
  store_.reset_stats();
}

std::string Instance::set_config(std::span<const std::string_view> pairs) {
  std::lock_guard lock(config_mutex_);
  Config updated = config_;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    const OptionSpec* option = find_option(pairs[i]);
    if (option == nullptr) {
      return fmt::format("Unknown option or number of arguments for CONFIG SET - '{}'", pairs[i]);
    }
    std::string name = to_lower(pairs[i]);
    if (!option->mutable_at_runtime) {
      return fmt::format(
          "CONFIG SET failed (possibly related to argument '{}') - can't set "
          "immutable config",
          name);
    }
    std::string value(pairs[i + 1]);
    if (std::string err = option->set(updated, std::span(&value, 1)); !err.empty()) {
      return fmt::format("CONFIG SET failed (possibly related to argument '{}') - {}", name, err);
    }
  }
  if (config_hook_) {
    if (std::string err = config_hook_(config_, updated); !err.empty()) return err;
  }
  Config before = std::exchange(config_, updated);
  maxmemory_.store(updated.maxmemory, std::memory_order_relaxed);
  proto_max_bulk_len_.store(updated.proto_max_bulk_len, std::memory_order_relaxed);
  apply_eviction(updated);
  apply_encodings(updated);
  hot_.apply(updated);
  tracking_.set_max_keys(static_cast<size_t>(updated.tracking_table_max_keys));
  acl_.set_pubsub_default(updated.acl_pubsub_default);
  acl_.set_log_max_len(static_cast<size_t>(updated.acllog_max_len));
  if (updated.requirepass != before.requirepass) acl_.set_default_password(updated.requirepass);
  return "";
}

void Instance::on_config_change(ConfigHook hook) { config_hook_ = std::move(hook); }

bool Instance::password_required() const {
  Acl::UserPtr d = acl_.default_user();
  return !d->nopass || !d->enabled;
}

std::shared_ptr<const AclUser> Instance::authenticate(std::string_view name,
                                                      std::string_view password) {
  return acl_.authenticate(name, password);
}

bool Instance::refuses(std::string_view peer) const {
  bool protected_mode;
  {
    std::lock_guard lock(config_mutex_);
    protected_mode = config_.protected_mode;
  }
  return protected_mode && acl_.default_user()->nopass && !net::is_loopback_peer(peer);
}

std::string Instance::load_acl() {
  Config c = config();
  acl_.set_pubsub_default(c.acl_pubsub_default);
  acl_.set_log_max_len(static_cast<size_t>(c.acllog_max_len));
  if (!c.requirepass.empty()) acl_.set_default_password(c.requirepass);
  if (!c.aclfile.empty()) {
    if (!c.users.empty()) {
      return "Configuring Redis with users defined in redis.conf and at the same setting an ACL "
             "file path is invalid. This setup is very likely to lead to configuration errors "
             "and security holes, please define either an ACL file or declare users directly in "
             "your redis.conf, but not both.";
    }
    return reload_acl_file();
  }
  for (const std::vector<std::string>& words : c.users) {
    std::vector<std::string_view> rules(words.begin() + 2, words.end());
    if (std::string err = acl_.set_user(words[1], rules); !err.empty()) {
      return fmt::format("Error in user declaration '{}': {}", words[1], err);
    }
  }
  return "";
}

std::string Instance::reload_acl_file() {
  std::string path = config().aclfile;
  if (path.empty()) return std::string(kNoAclFile);
  std::ifstream in(path);
  if (!in) return fmt::format("Error loading ACLs, opening file '{}': {}", path, strerror(errno));
  std::vector<std::vector<std::string>> lines;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::vector<std::string> words;
    if (!resp::split_inline_args(line, words)) {
      return fmt::format("{}:{}: unbalanced quotes in acl line. ", path, number);
    }
    if (words.empty() || words[0].starts_with('#')) continue;
    lines.push_back(std::move(words));
  }
  std::string err = acl_.load(lines);
  return err.empty() ? err : fmt::format("{}. ", err);
}

std::string Instance::save_acl_file() {
  std::string path = config().aclfile;
  if (path.empty()) return std::string(kNoAclFile);
  std::string text;
  for (const Acl::UserPtr& u : acl_.users()) {
    text += fmt::format("user {} {}\n", u->name, describe_user(*u));
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.flush())
      return "There was an error trying to save the ACLs. Please check the server logs for more "
             "information";
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return "There was an error trying to save the ACLs. Please check the server logs for more "
           "information";
  }
  return "";
}

std::optional<AclDenial> Instance::acl_check(Session& session, const CommandSpec& spec,
                                             const CommandSpec* parent,
                                             std::span<const std::string_view> args,
                                             AclContext context) {
  if (session.acl_version != acl_.version()) {  // the table changed: re-read the user
    session.acl_version = acl_.version();
    Acl::UserPtr now = acl_.find(session.user->name);
    // A deleted user keeps nothing (its connections are being closed).
    session.user = now ? now : std::make_shared<const AclUser>(AclUser{.name = session.user->name});
  }
  if (session.user->unrestricted) return std::nullopt;
  std::optional<AclDenial> denial = Acl::check(*session.user, spec, parent, args);
  if (denial) acl_log(session, *denial, context, session.user->name);
  return denial;
}

void Instance::acl_log(const Session& session, const AclDenial& denial, AclContext context,
                       std::string_view username) {
  std::string info = session.info ? describe_client(*session.info, clock_.now_ms()) : "";
  acl_.log(denial, context, username, std::move(info), clock_.now_ms());
}

void Instance::pause_clients(int64_t until_ms, bool all) {
  int64_t end = pause_until_ms_.load();
  if (pause_mode_.load() == 0 || until_ms > end) pause_until_ms_.store(until_ms);
  int mode = all ? 2 : 1;
  if (mode > pause_mode_.load()) pause_mode_.store(mode);
}

void Instance::unpause_clients() { pause_mode_.store(0); }

bool Instance::pause_active() const {
  return pause_mode_.load(std::memory_order_relaxed) != 0 &&
         clock_.now_ms() < pause_until_ms_.load();
}

bool Instance::paused(const CommandSpec* spec, std::span<const std::string_view> args,
                      const Session& session) const {
  if (!pause_active()) return false;
  if (pause_mode_.load() == 2) return true;
  // Redis's "may replicate" commands: writes, and those that can write or publish. FCALL of a
  // no-writes function is not one (Redis's scriptFlagsToCmdFlags drops the flag).
  auto writes = [](const CommandSpec* c, std::string_view first_arg) {
    static constexpr std::string_view kMayReplicate[] = {"publish", "spublish", "pfcount",   "eval",
                                                         "evalsha", "eval_ro",  "evalsha_ro"};
    if (c != nullptr && c->name == "fcall") {
      const FunctionInfo* f = find_function(first_arg).function;
      return f == nullptr || !(f->flags & kScriptNoWrites);
    }
    return c != nullptr &&
           ((c->flags & kWrite) || std::find(std::begin(kMayReplicate), std::end(kMayReplicate),
                                             c->name) != std::end(kMayReplicate));
  };
  if (writes(spec, args.size() > 1 ? args[1] : std::string_view{})) return true;
  if (spec == nullptr || spec->name != "exec") return false;
  return std::any_of(session.queued.begin(), session.queued.end(),
                     [&](const std::vector<std::string>& q) {
                       return writes(find_command(q[0]), q.size() > 1 ? q[1] : std::string_view{});
                     });
}

void Instance::request_shutdown() {
  if (shutdown_hook_) shutdown_hook_();
}

bool Instance::over_maxmemory() const {
  uint64_t limit = maxmemory_.load(std::memory_order_relaxed);
  return limit != 0 && static_cast<uint64_t>(store_.used_bytes()) > limit;
}

std::optional<Rejection> Instance::resolve(Session& session, std::span<const std::string_view> args,
                                           const CommandSpec*& spec, const CommandSpec*& parent) {
  parent = nullptr;
  if (spec == nullptr) spec = find_command(args[0]);
  if (spec == nullptr) return Rejection{"ERR", unknown_command_message(args)};
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = find_subcommand(*spec, args[1]);
    if (sub == nullptr) {
      return Rejection{"ERR", fmt::format("unknown subcommand '{}'. Try {} HELP.",
                                          args[1].substr(0, 128), to_upper(args[0]))};
    }
    parent = std::exchange(spec, sub);
  }
  if (session.info) {  // CLIENT LIST's cmd (and ACL LOG's) names it even when it is refused
    session.info->last_command.store((parent ? parent : spec)->name.data(),
                                     std::memory_order_relaxed);
    session.info->last_subcommand.store(parent ? spec->name.data() : nullptr,
                                        std::memory_order_relaxed);
  }
  if (!arity_ok(*spec, args.size())) {
    return Rejection{
        "ERR", fmt::format("wrong number of arguments for '{}' command", full_name(*spec, parent))};
  }
  if (!session.authenticated && !(spec->flags & kNoAuth)) {
    return Rejection{"NOAUTH", "Authentication required."};
  }
  if (session.user != nullptr &&
      (!session.user->unrestricted || session.acl_version != acl_.version())) {
    // Refusals of commands being queued are logged as MULTI's too (their text is the usual one).
    AclContext context = session.in_multi ? AclContext::kMulti : session.acl_context;
    if (auto denial = acl_check(session, *spec, parent, args, context)) {
      return Rejection{"NOPERM", noperm_message(*denial, session.acl_context)};
    }
  }
  if (session.protocol == 2 && session.subs.total() != 0 && !(spec->flags & kSubscribedContext)) {
    return Rejection{"ERR", fmt::format("Can't execute '{}': only (P|S)SUBSCRIBE / "
                                        "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
                                        "this context",
                                        full_name(*spec, parent))};
  }
  return std::nullopt;
}

void Instance::execute(Session& session, std::span<const std::string_view> args, resp::Writer& out,
                       const CommandSpec* command) {
  int skip = session.skip_replies;
  size_t reply_at = out.buffer().size();
  dispatch(session, args, out, command);
  if (skip > 0 && session.skip_replies > 0)
    --session.skip_replies;                                            // (EXEC's inner commands
                                                                       // may have used it up)
  if (skip > 0 || session.replies_off) out.buffer().resize(reply_at);  // CLIENT REPLY OFF|SKIP
  if (session.info) show_state(session, *session.info);
}

void Instance::show_state(const Session& session, ClientInfo& info) {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  const TrackingOptions& t = session.tracking;
  info.multi.store(session.in_multi ? static_cast<int64_t>(session.queued.size()) : -1, kRelaxed);
  info.redirect.store(t.on ? static_cast<int64_t>(t.redirect) : -1, kRelaxed);
  auto flag = [](bool on, ClientFlag f) { return on ? static_cast<uint32_t>(f) : 0u; };
  info.flags.store(flag(session.monitor, kClientMonitor) | flag(session.in_multi, kClientMulti) |
                       flag(t.on, kClientTracking) | flag(t.bcast, kClientBcast) |
                       flag(session.no_evict, kClientNoEvict),
                   kRelaxed);
}

void Instance::dispatch(Session& session, std::span<const std::string_view> args, resp::Writer& out,
                        const CommandSpec* command) {
  const CommandSpec* spec = command;
  const CommandSpec* parent = nullptr;
  std::optional<Rejection> rejection = resolve(session, args, spec, parent);
  // A script past busy-reply-threshold holds the server: others get BUSY (scripting.h).
  if (!rejection && scripts_busy()) rejection = busy_rejection(*spec, parent);
  // Eviction is its own step: a write that may grow memory first makes room for itself.
  // A script call evicts too (then its commands that grow memory are refused if memory stays
  // over), but is refused outright only when its flags make it deny-oom (scripting.h).
  std::optional<uint64_t> evict_after;
  bool script_call = !rejection && over_maxmemory() && runs_script(*spec);
  if (!rejection && !session.in_multi && ((spec->flags & kDenyOom) || script_call)) {
    bool admitted;
    std::optional<uint64_t> refused_key = make_room(session, *spec, args, admitted);
    if (spec->flags & kDenyOom) evict_after = refused_key;
    if (!admitted && ((spec->flags & kDenyOom) || script_denies_oom(*spec, args))) {
      rejection = Rejection{"OOM", "command not allowed when used memory > 'maxmemory'."};
    }
  }
  if (rejection) return reject(session, spec, *rejection, out);
  if (session.in_multi && !(spec->flags & kNoQueue)) {
    session.queued.emplace_back(args.begin(), args.end());
    if (session.info) {  // multi-mem: the copies' bytes and string headers
      std::atomic<size_t>& bytes = session.info->multi_bytes;
      bytes.store(bytes.load(std::memory_order_relaxed) + argv_bytes(args) +
                      args.size() * sizeof(std::string),
                  std::memory_order_relaxed);
    }
    return out.simple("QUEUED");
  }
  Context ctx{*this, session, args, out, *spec, parent};
  CommandStats::Started started = command_stats_.start(ctx);
  if (tracking_.active()) {
    {
      Tracking::CommandScope scope(tracking_,
                                   session.subs.subscriber ? session.subs.subscriber->id : 0);
      spec->fn(ctx);
    }
    after_tracked_command(session, *spec, args);
  } else {
    spec->fn(ctx);
  }
  stats_.commands.add();
  command_stats_.finish(ctx, started);
  if (monitors_.any() && !(spec->flags & kAdmin)) {
    monitors_.feed(session.db, session.info ? std::string_view(session.info->addr) : "lua", args);
  }
  // TinyLFU refused to admit the key the write created: it goes at once.
  if (evict_after) store_.evict_key(session.db, args[keys_of(*spec, args).first()], *evict_after);
  if ((spec->flags & kWrite) && !(spec->flags & kNoWake) && blocking_.anyone_waiting()) {
    keys_of(*spec, args).for_each([&](size_t i) { blocking_.note_ready(session.db, args[i]); });
  }
  if (BlockingRegistry::has_ready() && !store::in_transaction()) blocking_.serve_ready(*this);
}

void Instance::after_tracked_command(Session& session, const CommandSpec& spec,
                                     std::span<const std::string_view> args) {
  if (spec.name == "flushall" || spec.name == "flushdb") tracking_.flushed();
  TrackingOptions& t = session.tracking;
  if (!t.on) return;
  bool remember = !t.bcast && (spec.flags & kReadonly) &&
                  (t.optin ? t.caching == 1 : !t.optout || t.caching != 0);
  if (remember) {
    uint64_t id = session.subs.subscriber->id;
    keys_of(spec, args).for_each([&](size_t i) { tracking_.remember(id, args[i]); });
  }
  if (spec.name != "caching") t.caching = -1;  // CLIENT CACHING covers the next command only
}

void Instance::reject(Session& session, const CommandSpec* spec, const Rejection& rejection,
                      resp::Writer& out) {
  size_t reply_at = out.buffer().size();
  if (spec != nullptr && spec->name == "exec") {  // Redis: a rejected EXEC aborts the MULTI
    discard_transaction(session);
    out.error(fmt::format("EXECABORT Transaction discarded because of: {}", rejection.message));
  } else {
    session.multi_failed |= session.in_multi;  // Redis flags the transaction: EXEC will abort
    out.error(fmt::format("{} {}", rejection.code, rejection.message));
  }
  command_stats_.rejected(spec, rejection, std::string_view(out.buffer()).substr(reply_at));
}

}  // namespace cachet::server
