// Connection commands: PING ECHO HELLO AUTH SELECT QUIT RESET and the CLIENT container.
#include <fmt/format.h>

#include <algorithm>

#include "server/args.h"
#include "server/clients.h"
#include "server/command.h"
#include "server/instance.h"
#include "server/session.h"

namespace cachet::server {
namespace {

constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";

void cmd_ping(Context& ctx) {
  if (ctx.args.size() > 2) return reply_wrong_arity(ctx, "ping");
  if (ctx.session.protocol == 2 && ctx.session.subs.total() != 0) {  // Redis's subscribed form
    ctx.out.array(2);
    ctx.out.bulk("pong");
    return ctx.out.bulk(ctx.args.size() == 2 ? ctx.args[1] : "");
  }
  if (ctx.args.size() == 2) return ctx.out.bulk(ctx.args[1]);
  ctx.out.simple("PONG");
}

void cmd_echo(Context& ctx) { ctx.out.bulk(ctx.args[1]); }

// Checks credentials for AUTH and HELLO AUTH; marks the session authenticated or replies with
// the error and returns false.
bool authenticate(Context& ctx, std::string_view user, std::string_view password) {
  std::shared_ptr<const AclUser> found = ctx.instance.authenticate(user, password);
  if (found == nullptr) {
    AclDenial denial{AclDenial::kAuth, std::string(ctx.args[0])};  // the name as sent
    ctx.instance.acl_log(ctx.session, denial, AclContext::kTopLevel, user);
    ctx.out.error(kWrongPass);
    return false;
  }
  act_as(ctx.session, std::move(found));
  ctx.session.authenticated = true;
  return true;
}

void cmd_auth(Context& ctx) {
  if (ctx.args.size() > 3) return reply_syntax_error(ctx);
  if (ctx.args.size() == 2 && !ctx.instance.password_required()) {
    return ctx.out.error(
        "ERR AUTH <password> called without any password configured for the default user. Are "
        "you sure your configuration is correct?");
  }
  std::string_view user = ctx.args.size() == 3 ? ctx.args[1] : "default";
  if (authenticate(ctx, user, ctx.args.back())) ctx.out.ok();
}

bool valid_client_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= '!' && c <= '~'; });
}

bool set_client_name(Context& ctx, std::string_view name) {
  if (!valid_client_name(name)) {
    ctx.out.error("ERR Client names cannot contain spaces, newlines or special characters.");
    return false;
  }
  if (ctx.session.info) ctx.session.info->set_name(std::string(name));
  return true;
}

void set_protocol(Context& ctx, int protocol) {
  ctx.session.protocol = protocol;
  ctx.out.set_protocol(protocol);
  if (ctx.session.info) ctx.session.info->protocol.store(protocol, std::memory_order_relaxed);
}

uint64_t client_id(const Context& ctx) { return ctx.session.info ? ctx.session.info->id : 0; }

void cmd_hello(Context& ctx) {
  int protocol = ctx.session.protocol;
  if (ctx.args.size() >= 2) {
    auto v = parse_int64(ctx.args[1]);
    if (!v) return ctx.out.error("ERR Protocol version is not an integer or out of range");
    if (*v < 2 || *v > 3) return ctx.out.error("NOPROTO unsupported protocol version");
    protocol = static_cast<int>(*v);
  }
  std::string_view name;
  bool has_name = false;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    std::string_view opt = ctx.args[i];
    if (iequals(opt, "auth") && i + 2 < ctx.args.size()) {
      if (!authenticate(ctx, ctx.args[i + 1], ctx.args[i + 2])) return;
      i += 2;
    } else if (iequals(opt, "setname") && i + 1 < ctx.args.size()) {
      name = ctx.args[++i];
      has_name = true;
    } else {
      return ctx.out.error(fmt::format("ERR Syntax error in HELLO option '{}'", opt));
    }
  }
  if (!ctx.session.authenticated) {
    return ctx.out.error(
        "NOAUTH HELLO must be called with the client already authenticated, "
        "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
        "authenticate the client and select the RESP protocol version at the "
        "same time");
  }
  if (has_name && !set_client_name(ctx, name)) return;
  set_protocol(ctx, protocol);
  ctx.out.map(7);
  ctx.out.bulk("server");
  ctx.out.bulk("redis");
  ctx.out.bulk("version");
  ctx.out.bulk(kRedisVersion);
  ctx.out.bulk("proto");
  ctx.out.integer(protocol);
  ctx.out.bulk("id");
  ctx.out.integer(static_cast<int64_t>(client_id(ctx)));
  ctx.out.bulk("mode");
  ctx.out.bulk("standalone");
  ctx.out.bulk("role");
  ctx.out.bulk("master");
  ctx.out.bulk("modules");
  ctx.out.array(0);
}

void cmd_select(Context& ctx) {
  std::optional<int> db = parse_database(ctx, 1);
  if (!db) return;
  ctx.session.db = *db;
  if (ctx.session.info) ctx.session.info->db.store(ctx.session.db, std::memory_order_relaxed);
  ctx.out.ok();
}

void cmd_quit(Context& ctx) {
  ctx.out.ok();
  ctx.session.close_after_reply = true;
}

void cmd_reset(Context& ctx) {
  discard_transaction(ctx.session);
  unwatch_all(ctx.instance, ctx.session);
  unsubscribe_all(ctx.instance, ctx.session);
  stop_tracking(ctx.instance, ctx.session);
  stop_monitoring(ctx.instance, ctx.session);
  ctx.session.replies_off = false;
  ctx.session.skip_replies = 0;
  ctx.session.no_evict = false;
  ctx.session.db = 0;
  if (ctx.session.info) {
    ctx.session.info->db.store(0, std::memory_order_relaxed);
    ctx.session.info->set_name("");
  }
  set_protocol(ctx, 2);
  act_as(ctx.session, ctx.instance.acl().default_user());
  ctx.session.authenticated = !ctx.instance.password_required();
  ctx.out.simple("RESET");
}

void cmd_client_id(Context& ctx) { ctx.out.integer(static_cast<int64_t>(client_id(ctx))); }

void cmd_client_setname(Context& ctx) {
  if (set_client_name(ctx, ctx.args[2])) ctx.out.ok();
}

void cmd_client_getname(Context& ctx) {
  std::string name = ctx.session.info ? ctx.session.info->name() : "";
  if (name.empty()) return ctx.out.null();
  ctx.out.bulk(name);
}

void cmd_client_setinfo(Context& ctx) {
  if (!iequals(ctx.args[2], "lib-name") && !iequals(ctx.args[2], "lib-ver")) {
    return ctx.out.error(fmt::format("ERR Unrecognized option '{}'", ctx.args[2]));
  }
  ctx.out.ok();
}

// Records the caller's own memory as it is mid-command (its line in CLIENT LIST or INFO shows the
// arguments and the input being run, as Redis's does).
void show_own_memory(Context& ctx) {
  if (ctx.session.connection == nullptr || !ctx.session.info) return;
  ctx.session.info->record(connection_memory(*ctx.session.connection, argv_bytes(ctx.args)));
}

void cmd_client_list(Context& ctx) {
  std::vector<uint64_t> ids;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (iequals(ctx.args[i], "type") && i + 1 < ctx.args.size()) {
      ++i;  // every client is a normal client
    } else if (iequals(ctx.args[i], "id") && i + 1 < ctx.args.size()) {
      for (++i; i < ctx.args.size(); ++i) {
        auto id = parse_int64(ctx.args[i]);
        if (!id || *id <= 0) return ctx.out.error("ERR Invalid client ID");
        ids.push_back(static_cast<uint64_t>(*id));
      }
    } else {
      return reply_syntax_error(ctx);
    }
  }
  int64_t now = ctx.instance.clock().now_ms();
  show_own_memory(ctx);
  std::string text;
  for (const auto& client : ctx.instance.clients().snapshot()) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), client->id) == ids.end()) continue;
    text += describe_client(*client, now);
    text += '\n';
  }
  ctx.out.verbatim(text);
}

void cmd_client_info(Context& ctx) {
  if (!ctx.session.info) return ctx.out.verbatim("");
  show_own_memory(ctx);
  ctx.out.verbatim(describe_client(*ctx.session.info, ctx.instance.clock().now_ms()) + "\n");
}

struct KillFilter {
  uint64_t id = 0;
  std::string_view addr, laddr, user;
  bool skipme = true;
};

// Parses CLIENT KILL's filter pairs; replies and returns false on error.
bool parse_kill_filter(Context& ctx, KillFilter& f) {
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    if (i + 1 >= ctx.args.size()) {
      reply_syntax_error(ctx);
      return false;
    }
    std::string_view name = ctx.args[i], value = ctx.args[i + 1];
    if (iequals(name, "id")) {
      auto id = parse_int64(value);
      if (!id || *id <= 0) {
        ctx.out.error("ERR client-id should be greater than 0");
        return false;
      }
      f.id = static_cast<uint64_t>(*id);
    } else if (iequals(name, "addr")) {
      f.addr = value;
    } else if (iequals(name, "laddr")) {
      f.laddr = value;
    } else if (iequals(name, "skipme") && (iequals(value, "yes") || iequals(value, "no"))) {
      f.skipme = iequals(value, "yes");
    } else if (iequals(name, "user")) {
      if (ctx.instance.acl().find(value) == nullptr) {
        ctx.out.error(fmt::format("ERR No such user '{}'", value));
        return false;
      }
      f.user = value;
    } else if (!(iequals(name, "type") && iequals(value, "normal"))) {
      reply_syntax_error(ctx);
      return false;
    }
  }
  return true;
}

// Kills the clients `f` selects; returns how many.
int64_t kill_clients(Context& ctx, const KillFilter& f) {
  int64_t killed = 0;
  for (const auto& client : ctx.instance.clients().snapshot()) {
    if ((f.id && client->id != f.id) || (!f.addr.empty() && client->addr != f.addr) ||
        (!f.laddr.empty() && client->laddr != f.laddr) ||
        (!f.user.empty() && client->user() != f.user)) {
      continue;
    }
    bool self = client.get() == ctx.session.info.get();
    if (self && f.skipme) continue;
    if (self) {
      ctx.session.close_after_reply = true;
    } else if (!client->request_close()) {
      continue;  // (another thread's CLIENT KILL got it first)
    }
    ++killed;
  }
  return killed;
}

void cmd_client_kill(Context& ctx) {
  KillFilter f;
  if (ctx.args.size() == 3) {  // old form: CLIENT KILL addr:port
    f.addr = ctx.args[2];
    f.skipme = false;
    if (kill_clients(ctx, f) == 0) return ctx.out.error("ERR No such client");
    return ctx.out.ok();
  }
  if (!parse_kill_filter(ctx, f)) return;
  ctx.out.integer(kill_clients(ctx, f));
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends a client's blocking command as if it timed out, or
// with Redis's UNBLOCKED error.
void cmd_client_unblock(Context& ctx) {
  auto id = parse_int64(ctx.args[2]);
  if (!id) return reply_not_integer(ctx);
  bool error = false;
  if (ctx.args.size() == 4) {
    error = iequals(ctx.args[3], "error");
    if (!error && !iequals(ctx.args[3], "timeout")) {
      return ctx.out.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  BlockingRegistry& blocking = ctx.instance.blocking();
  std::shared_ptr<Waiter> w = blocking.find_client(static_cast<uint64_t>(*id));
  if (!w || !blocking.cancel(*w)) return ctx.out.integer(0);
  w->deliver(error ? "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" : w->timeout_reply);
  ctx.out.integer(1);
}

bool check_prefixes(Context& ctx, const std::vector<std::string>& added,
                    const std::vector<std::string>& existing);

// CLIENT TRACKING's options after on|off; replies with Redis's error and returns false when they
// are invalid (alone or against the client's current tracking mode).
bool parse_tracking(Context& ctx, TrackingOptions& t) {
  const TrackingOptions& now = ctx.session.tracking;
  bool redirected = false;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    std::string_view opt = ctx.args[i];
    bool more = i + 1 < ctx.args.size();
    if (iequals(opt, "redirect") && more) {
      auto id = parse_int64(ctx.args[++i]);
      if (!id) {
        reply_not_integer(ctx);
        return false;
      }
      if (redirected) {
        ctx.out.error("ERR A client can only redirect to a single other client");
        return false;
      }
      redirected = true;
      t.redirect = static_cast<uint64_t>(*id);
    } else if (iequals(opt, "prefix") && more) {
      t.prefixes.emplace_back(ctx.args[++i]);
    } else if (iequals(opt, "bcast")) {
      t.bcast = true;
    } else if (iequals(opt, "optin")) {
      t.optin = true;
    } else if (iequals(opt, "optout")) {
      t.optout = true;
    } else if (iequals(opt, "noloop")) {
      t.noloop = true;
    } else {
      reply_syntax_error(ctx);
      return false;
    }
  }
  std::string_view error;
  if (now.on && now.bcast != t.bcast) {
    error =
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
        "and then re-enabling it with a different mode.";
  } else if (!t.bcast && !t.prefixes.empty()) {
    error = "ERR PREFIX option requires BCAST mode to be enabled";
  } else if (t.optin && t.optout) {
    error = "ERR You can't specify both OPTIN mode and OPTOUT mode";
  } else if (now.on && ((t.optin && now.optout) || (t.optout && now.optin))) {
    error =
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
        "and then re-enabling it with a different mode.";
  } else if (t.bcast && (t.optin || t.optout)) {
    error = "ERR OPTIN and OPTOUT are not compatible with BCAST";
  }
  if (!error.empty()) {
    ctx.out.error(error);
    return false;
  }
  return check_prefixes(ctx, t.prefixes, now.on ? now.prefixes : std::vector<std::string>{});
}

// Redis refuses prefixes of one client that overlap (one starts with another).
bool check_prefixes(Context& ctx, const std::vector<std::string>& added,
                    const std::vector<std::string>& existing) {
  auto overlap = [](std::string_view a, std::string_view b) {
    return a.starts_with(b) || b.starts_with(a);
  };
  for (size_t i = 0; i < added.size(); ++i) {
    for (const std::string& e : existing) {
      if (overlap(added[i], e)) {
        ctx.out.error(
            fmt::format("ERR Prefix '{}' overlaps with an existing prefix '{}'. "
                        "Prefixes for a single client must not overlap.",
                        added[i], e));
        return false;
      }
    }
    for (size_t j = i + 1; j < added.size(); ++j) {
      if (overlap(added[i], added[j])) {
        ctx.out.error(
            fmt::format("ERR Prefix '{}' overlaps with another provided prefix '{}'. "
                        "Prefixes for a single client must not overlap.",
                        added[i], added[j]));
        return false;
      }
    }
  }
  return true;
}

// Points `route` at the client with `id` (a REDIRECT target); false if there is no such client.
bool redirect_to(Context& ctx, uint64_t id, TrackingRoute& route) {
  for (const auto& client : ctx.instance.clients().snapshot()) {
    if (client->id == id && client->worker != nullptr) {
      route.target = std::make_shared<Subscriber>();
      route.target->id = id;
      route.target->worker = client->worker;
      route.target_client = client;
      return true;
    }
  }
  return false;
}

void cmd_client_tracking(Context& ctx) {
  bool on = iequals(ctx.args[2], "on");
  if (!on && !iequals(ctx.args[2], "off")) return reply_syntax_error(ctx);
  if (!on) {
    stop_tracking(ctx.instance, ctx.session);
    return ctx.out.ok();
  }
  TrackingOptions t;
  if (!parse_tracking(ctx, t)) return;
  TrackingRoute route{.client = ctx.session.info};
  if (t.redirect != 0 && !redirect_to(ctx, t.redirect, route)) {
    return ctx.out.error("ERR The client ID you want redirect to does not exist");
  }
  TrackingOptions& current = ctx.session.tracking;
  if (current.on) {  // more prefixes, and the new flags
    t.prefixes.insert(t.prefixes.begin(), current.prefixes.begin(), current.prefixes.end());
  }
  t.on = true;
  current = std::move(t);
  route.endpoint = endpoint_of(ctx.session);
  ctx.instance.tracking().enable(std::move(route), current);
  ctx.out.ok();
}

void cmd_client_caching(Context& ctx) {
  TrackingOptions& t = ctx.session.tracking;
  bool yes = iequals(ctx.args[2], "yes");
  if (!yes && !iequals(ctx.args[2], "no")) return reply_syntax_error(ctx);
  if (!t.on || (!t.optin && !t.optout)) {
    return ctx.out.error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
  }
  if (yes && !t.optin) {
    return ctx.out.error(
        "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
  }
  if (!yes && !t.optout) {
    return ctx.out.error(
        "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
  }
  t.caching = yes ? 1 : 0;
  ctx.out.ok();
}

void cmd_client_reply(Context& ctx) {
  std::string_view mode = ctx.args[2];
  if (iequals(mode, "on")) {
    ctx.session.replies_off = false;
    ctx.session.skip_replies = 0;
    return ctx.out.ok();
  }
  if (iequals(mode, "off")) {
    ctx.session.replies_off = true;
  } else if (iequals(mode, "skip")) {
    ctx.session.skip_replies = ctx.session.replies_off ? 0 : 1;
  } else {
    reply_syntax_error(ctx);
  }
}

void cmd_client_no_evict(Context& ctx) {
  bool on = iequals(ctx.args[2], "on");
  if (!on && !iequals(ctx.args[2], "off")) return reply_syntax_error(ctx);
  ctx.session.no_evict = on;
  ctx.out.ok();
}

// MONITOR: from now on the client gets a line for every command any client runs (RESET or
// disconnecting ends it).
void cmd_monitor(Context& ctx) {
  if (ctx.session.monitor) return ctx.out.ok();
  ctx.session.monitor = true;
  ctx.instance.monitors().add(endpoint_of(ctx.session));
  ctx.out.ok();
}

void cmd_client_pause(Context& ctx) {
  auto ms = parse_int64(ctx.args[2]);
  if (!ms) return ctx.out.error("ERR timeout is not an integer or out of range");
  if (*ms < 0) return ctx.out.error("ERR timeout is negative");
  bool all = true;
  if (ctx.args.size() > 4) return reply_syntax_error(ctx);
  if (ctx.args.size() == 4) {
    all = iequals(ctx.args[3], "all");
    if (!all && !iequals(ctx.args[3], "write")) {
      return ctx.out.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
    }
  }
  ctx.instance.pause_clients(ctx.instance.clock().now_ms() + *ms, all);
  ctx.out.ok();
}

void cmd_client_unpause(Context& ctx) {
  ctx.instance.unpause_clients();
  ctx.out.ok();
}

void cmd_client_getredir(Context& ctx) {
  const TrackingOptions& t = ctx.session.tracking;
  ctx.out.integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
}

void cmd_client_trackinginfo(Context& ctx) {
  const TrackingOptions& t = ctx.session.tracking;
  std::vector<std::string_view> flags;
  if (!t.on) flags.push_back("off");
  if (t.on) flags.push_back("on");
  if (t.bcast) flags.push_back("bcast");
  if (t.optin) flags.push_back("optin");
  if (t.optout) flags.push_back("optout");
  if (t.caching == 1) flags.push_back("caching-yes");
  if (t.caching == 0) flags.push_back("caching-no");
  if (t.noloop) flags.push_back("noloop");
  if (t.on && ctx.session.info &&
      ctx.session.info->tracking_redirect_broken.load(std::memory_order_relaxed)) {
    flags.push_back("broken_redirect");
  }
  ctx.out.map(3);
  ctx.out.bulk("flags");
  ctx.out.set(flags.size());
  for (std::string_view f : flags) ctx.out.bulk(f);
  ctx.out.bulk("redirect");
  ctx.out.integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
  ctx.out.bulk("prefixes");
  ctx.out.array(t.prefixes.size());
  for (const std::string& p : t.prefixes) ctx.out.bulk(p);
}

constexpr uint32_t kConn = kNoAuth | kFast | kLoading | kStale;
constexpr uint32_t kClient = kLoading | kStale;

const CommandSpec kClientCommands[] = {
    {.name = "id",
     .arity = 2,
     .flags = kClient | kFast,
     .fn = cmd_client_id,
     .doc = {"Returns the unique client ID of the connection.", "5.0.0"}},
    {.name = "setname",
     .arity = 3,
     .flags = kClient | kFast,
     .fn = cmd_client_setname,
     .doc = {"Sets the connection name.", "2.6.9"}},
    {.name = "getname",
     .arity = 2,
     .flags = kClient | kFast,
     .fn = cmd_client_getname,
     .doc = {"Returns the name of the connection.", "2.6.9"}},
    {.name = "setinfo",
     .arity = 4,
     .flags = kClient | kFast,
     .fn = cmd_client_setinfo,
     .doc = {"Sets information specific to the client or connection.", "7.2.0"}},
    {.name = "list",
     .arity = -2,
     .flags = kClient | kAdmin,
     .fn = cmd_client_list,
     .doc = {"Lists open connections.", "2.4.0"}},
    {.name = "info",
     .arity = 2,
     .flags = kClient,
     .fn = cmd_client_info,
     .doc = {"Returns information about the connection.", "6.2.0"}},
    {.name = "kill",
     .arity = -3,
     .flags = kClient | kAdmin,
     .fn = cmd_client_kill,
     .doc = {"Terminates open connections.", "2.4.0"}},
    {.name = "unblock",
     .arity = -3,
     .flags = kClient | kAdmin,
     .fn = cmd_client_unblock,
     .doc = {"Unblocks a client blocked by a blocking command from a different connection.",
             "5.0.0"}},
    {.name = "pause",
     .arity = -3,
     .flags = kClient | kAdmin,
     .fn = cmd_client_pause,
     .doc = {"Suspends commands processing.", "3.0.0"}},
    {.name = "unpause",
     .arity = 2,
     .flags = kClient | kAdmin,
     .fn = cmd_client_unpause,
     .doc = {"Resumes processing commands from paused clients.", "6.2.0"}},
    {.name = "reply",
     .arity = 3,
     .flags = kClient,
     .fn = cmd_client_reply,
     .doc = {"Instructs the server whether to reply to commands.", "3.2.0"}},
    {.name = "no-evict",
     .arity = 3,
     .flags = kClient | kAdmin,
     .fn = cmd_client_no_evict,
     .doc = {"Sets the client eviction mode of the connection.", "7.0.0"}},
    {.name = "tracking",
     .arity = -3,
     .flags = kClient,
     .fn = cmd_client_tracking,
     .doc = {"Controls server-assisted client-side caching for the connection.", "6.0.0"}},
    {.name = "caching",
     .arity = 3,
     .flags = kClient,
     .fn = cmd_client_caching,
     .doc = {"Instructs the server whether to track the keys in the next request.", "6.0.0"}},
    {.name = "getredir",
     .arity = 2,
     .flags = kClient,
     .fn = cmd_client_getredir,
     .doc = {"Returns the client ID to which the connection's tracking notifications are "
             "redirected.",
             "6.0.0"}},
    {.name = "trackinginfo",
     .arity = 2,
     .flags = kClient,
     .fn = cmd_client_trackinginfo,
     .doc = {"Returns information about server-assisted client-side caching for the connection.",
             "6.2.0"}},
    {.name = "help",
     .arity = 2,
     .flags = kClient,
     .fn = reply_help,
     .doc = {"Returns helpful text about the different subcommands.", "5.0.0"}},
};

const CommandSpec kCommands[] = {
    {.name = "ping",
     .arity = -1,
     .flags = kFast | kSubscribedContext,
     .fn = cmd_ping,
     .doc = {"Returns the server's liveliness response.", "1.0.0"}},
    {.name = "echo",
     .arity = 2,
     .flags = kFast,
     .fn = cmd_echo,
     .doc = {"Returns the given string.", "1.0.0"}},
    {.name = "hello",
     .arity = -1,
     .flags = kConn,
     .fn = cmd_hello,
     .doc = {"Handshakes with the Redis server.", "6.0.0"}},
    {.name = "auth",
     .arity = -2,
     .flags = kConn,
     .fn = cmd_auth,
     .doc = {"Authenticates the connection.", "1.0.0"}},
    {.name = "select",
     .arity = 2,
     .flags = kFast | kLoading | kStale,
     .fn = cmd_select,
     .doc = {"Changes the selected database.", "1.0.0"}},
    {.name = "quit",
     .arity = -1,
     .flags = kConn | kNoQueue | kSubscribedContext,
     .fn = cmd_quit,
     .doc = {"Closes the connection.", "1.0.0"}},
    {.name = "reset",
     .arity = 1,
     .flags = kConn | kNoQueue | kSubscribedContext,
     .fn = cmd_reset,
     .doc = {"Resets the connection.", "6.2.0"}},
    {.name = "monitor",
     .arity = 1,
     .flags = kAdmin | kLoading | kStale,
     .fn = cmd_monitor,
     .doc = {"Listens for all requests received by the server in real-time.", "1.0.0"},
     .group = "server"},
    {.name = "client",
     .arity = -2,
     .flags = kClient,
     .doc = {"A container for client connection commands.", "2.4.0"},
     .subcommands = kClientCommands},
};

}  // namespace

void act_as(Session& session, std::shared_ptr<const AclUser> user) {
  if (session.info) session.info->set_user(user->name);
  session.user = std::move(user);
  session.acl_version = 0;  // re-read at the next command: the table may have moved since
}

void stop_monitoring(Instance& instance, Session& session) {
  if (!session.monitor) return;
  session.monitor = false;
  instance.monitors().remove(session.subs.subscriber->id);
}

void stop_tracking(Instance& instance, Session& session) {
  if (session.tracking.on) instance.tracking().disable(session.subs.subscriber->id);
  session.tracking = TrackingOptions{};
  if (session.info) session.info->tracking_redirect_broken.store(false, std::memory_order_relaxed);
}

CommandFamily connection_commands() { return {"connection", kCommands}; }

}  // namespace cachet::server
