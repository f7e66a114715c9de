// Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE
// PUBLISH SPUBLISH and the PUBSUB container. Subscription replies are RESP3 pushes (RESP2 arrays),
// one per channel, each with the client's subscription count after it.

#include <string>
#include <vector>

#include "server/clients.h"
#include "server/command.h"
#include "server/instance.h"
#include "server/session.h"

namespace cachet::server {
namespace {

// The reply kind of (un)subscribing in each space: "subscribe", "psubscribe", "ssubscribe".
std::string_view verb(Space space, bool subscribing) {
  switch (space) {
    case Space::kChannel:
      return subscribing ? "subscribe" : "unsubscribe";
    case Space::kPattern:
      return subscribing ? "psubscribe" : "punsubscribe";
    case Space::kShard:
      break;
  }
  return subscribing ? "ssubscribe" : "sunsubscribe";
}

// What (un)subscribe replies count: channels and patterns together, shard channels apart.
size_t reply_count(const Subscriptions& subs, Space space) {
  return space == Space::kShard ? subs.shard_channels.size() : subs.count();
}

void reply_subscription(Context& ctx, Space space, bool subscribing,
                        const std::string_view* channel) {
  ctx.out.push(3);
  ctx.out.bulk(verb(space, subscribing));
  if (channel != nullptr) {
    ctx.out.bulk(*channel);
  } else {
    ctx.out.null();
  }
  ctx.out.integer(static_cast<int64_t>(reply_count(ctx.session.subs, space)));
}

// The client's counts in CLIENT LIST (sub, psub, ssub).
void publish_counts(Session& session) {
  if (!session.info) return;
  session.info->subscriptions.store(session.subs.channels.size(), std::memory_order_relaxed);
  session.info->pattern_subscriptions.store(session.subs.patterns.size(),
                                            std::memory_order_relaxed);
  session.info->shard_subscriptions.store(session.subs.shard_channels.size(),
                                          std::memory_order_relaxed);
}

void subscribe(Context& ctx, Space space) {
  Subscriptions& subs = ctx.session.subs;
  endpoint_of(ctx.session);
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    ctx.instance.pubsub().subscribe(subs, space, ctx.args[i]);
    reply_subscription(ctx, space, true, &ctx.args[i]);
  }
  publish_counts(ctx.session);
}

void unsubscribe(Context& ctx, Space space) {
  Subscriptions& subs = ctx.session.subs;
  if (ctx.args.size() == 1) {  // all of them, or a reply with a null channel when none
    std::vector<std::string> all = subs.of(space);
    if (all.empty()) reply_subscription(ctx, space, false, nullptr);
    for (const std::string& channel : all) {
      ctx.instance.pubsub().unsubscribe(subs, space, channel);
      std::string_view name = channel;
      reply_subscription(ctx, space, false, &name);
    }
  }
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    if (subs.subscriber) ctx.instance.pubsub().unsubscribe(subs, space, ctx.args[i]);
    reply_subscription(ctx, space, false, &ctx.args[i]);
  }
  publish_counts(ctx.session);
}

void cmd_subscribe(Context& ctx) { subscribe(ctx, Space::kChannel); }
void cmd_psubscribe(Context& ctx) { subscribe(ctx, Space::kPattern); }
void cmd_ssubscribe(Context& ctx) { subscribe(ctx, Space::kShard); }
void cmd_unsubscribe(Context& ctx) { unsubscribe(ctx, Space::kChannel); }
void cmd_punsubscribe(Context& ctx) { unsubscribe(ctx, Space::kPattern); }
void cmd_sunsubscribe(Context& ctx) { unsubscribe(ctx, Space::kShard); }

void publish(Context& ctx, Space space) {
  size_t n = publish_message(ctx, space, ctx.args[1], ctx.args[2]);
  ctx.out.integer(static_cast<int64_t>(n));
}

void cmd_publish(Context& ctx) { publish(ctx, Space::kChannel); }
void cmd_spublish(Context& ctx) { publish(ctx, Space::kShard); }

void reply_channels(Context& ctx, Space space) {
  // Redis checks this count in the command, not by arity.
  if (ctx.args.size() > 3) return reply_subcommand_syntax_error(ctx);
  std::vector<std::string> names =
      ctx.instance.pubsub().channels(space, ctx.args.size() > 2 ? ctx.args[2] : "");
  ctx.out.array(names.size());
  for (const std::string& n : names) ctx.out.bulk(n);
}

void reply_numsub(Context& ctx, Space space) {
  ctx.out.array((ctx.args.size() - 2) * 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    ctx.out.bulk(ctx.args[i]);
    ctx.out.integer(static_cast<int64_t>(ctx.instance.pubsub().subscribers(space, ctx.args[i])));
  }
}

void cmd_pubsub_channels(Context& ctx) { reply_channels(ctx, Space::kChannel); }
void cmd_pubsub_shardchannels(Context& ctx) { reply_channels(ctx, Space::kShard); }
void cmd_pubsub_numsub(Context& ctx) { reply_numsub(ctx, Space::kChannel); }
void cmd_pubsub_shardnumsub(Context& ctx) { reply_numsub(ctx, Space::kShard); }
void cmd_pubsub_numpat(Context& ctx) {
  ctx.out.integer(static_cast<int64_t>(ctx.instance.pubsub().pattern_count()));
}

constexpr uint32_t kSub = kPubSub | kLoading | kStale | kSubscribedContext;
constexpr uint32_t kInspect = kPubSub | kLoading | kStale;

const CommandSpec kPubSubCommands[] = {
    {.name = "channels",
     .arity = -2,
     .flags = kInspect,
     .fn = cmd_pubsub_channels,
     .doc = {"Returns the active channels.", "2.8.0"}},
    {.name = "numpat",
     .arity = 2,
     .flags = kInspect,
     .fn = cmd_pubsub_numpat,
     .doc = {"Returns a count of unique pattern subscriptions.", "2.8.0"}},
    {.name = "numsub",
     .arity = -2,
     .flags = kInspect,
     .fn = cmd_pubsub_numsub,
     .doc = {"Returns a count of subscribers to channels.", "2.8.0"}},
    {.name = "shardchannels",
     .arity = -2,
     .flags = kInspect,
     .fn = cmd_pubsub_shardchannels,
     .doc = {"Returns the active shard channels.", "7.0.0"}},
    {.name = "shardnumsub",
     .arity = -2,
     .flags = kInspect,
     .fn = cmd_pubsub_shardnumsub,
     .doc = {"Returns the count of subscribers of shard channels.", "7.0.0"}},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .fn = reply_help,
     .doc = {"Returns helpful text about the different subcommands.", "6.2.0"}},
};

const CommandSpec kCommands[] = {
    {.name = "subscribe",
     .arity = -2,
     .flags = kSub,
     .fn = cmd_subscribe,
     .doc = {"Listens for messages published to channels.", "2.0.0"}},
    {.name = "unsubscribe",
     .arity = -1,
     .flags = kSub,
     .fn = cmd_unsubscribe,
     .doc = {"Stops listening to messages posted to channels.", "2.0.0"}},
    {.name = "psubscribe",
     .arity = -2,
     .flags = kSub,
     .fn = cmd_psubscribe,
     .doc = {"Listens for messages published to channels that match one or more patterns.",
             "2.0.0"}},
    {.name = "punsubscribe",
     .arity = -1,
     .flags = kSub,
     .fn = cmd_punsubscribe,
     .doc = {"Stops listening to messages published to channels that match one or more "
             "patterns.",
             "2.0.0"}},
    {.name = "ssubscribe",
     .arity = -2,
     .flags = kSub,
     .keys = {1, -1, 1},
     .fn = cmd_ssubscribe,
     .doc = {"Listens for messages published to shard channels.", "7.0.0"}},
    {.name = "sunsubscribe",
     .arity = -1,
     .flags = kSub,
     .keys = {1, -1, 1},
     .fn = cmd_sunsubscribe,
     .doc = {"Stops listening to messages posted to shard channels.", "7.0.0"}},
    {.name = "publish",
     .arity = 3,
     .flags = kInspect | kFast,
     .fn = cmd_publish,
     .doc = {"Posts a message to a channel.", "2.0.0"}},
    {.name = "spublish",
     .arity = 3,
     .flags = kInspect | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_spublish,
     .doc = {"Post a message to a shard channel", "7.0.0"}},
    {.name = "pubsub",
     .arity = -2,
     .flags = 0,
     .doc = {"A container for Pub/Sub commands.", "2.8.0"},
     .subcommands = kPubSubCommands},
};

}  // namespace

size_t publish_message(Context& ctx, Space space, std::string_view channel,
                       std::string_view message) {
  Session& s = ctx.session;
  if (store::in_transaction() || s.subs.total() == 0) {
    return ctx.instance.pubsub().publish(space, channel, message);
  }
  PubSub::Local self{s.subs.subscriber->id, &ctx.out.buffer(), ctx.out.protocol()};
  return ctx.instance.pubsub().publish(space, channel, message, &self);
}

void unsubscribe_all(Instance& instance, Session& session) {
  for (Space space : {Space::kChannel, Space::kPattern, Space::kShard}) {
    std::vector<std::string> all = session.subs.of(space);
    for (const std::string& channel : all)
      instance.pubsub().unsubscribe(session.subs, space, channel);
  }
  publish_counts(session);
}

std::shared_ptr<Subscriber> endpoint_of(Session& session) {
  if (!session.subs.subscriber) session.subs.subscriber = session.make_subscriber();
  return session.subs.subscriber;
}

CommandFamily pubsub_commands() { return {"pubsub", kCommands}; }

}  // namespace cachet::server
