#include "server/notify.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "server/command.h"
#include "server/instance.h"
#include "server/pubsub.h"

namespace cachet::server {
namespace {

// Letters in the order Redis writes them back (after "A" or the class letters come K, E, m).
constexpr std::array<std::pair<char, uint32_t>, 11> kClassLetters = {{{'g', kNotifyGeneric},
                                                                      {'$', kNotifyString},
                                                                      {'l', kNotifyList},
                                                                      {'s', kNotifySet},
                                                                      {'h', kNotifyHash},
                                                                      {'z', kNotifyZset},
                                                                      {'x', kNotifyExpired},
                                                                      {'e', kNotifyEvicted},
                                                                      {'t', kNotifyStream},
                                                                      {'d', kNotifyModule},
                                                                      {'n', kNotifyNew}}};
constexpr std::array<std::pair<char, uint32_t>, 3> kKindLetters = {
    {{'K', kNotifyKeyspace}, {'E', kNotifyKeyevent}, {'m', kNotifyKeyMiss}}};

// What each store::KeyEvent is published as: its class and its event name.
constexpr std::array<std::pair<uint32_t, std::string_view>, store::kKeyEvents> kStoreEvents = {{
    {kNotifyNew, "new"},          // KeyEvent::kNew
    {kNotifyExpired, "expired"},  // KeyEvent::kExpired
    {kNotifyEvicted, "evicted"},  // KeyEvent::kEvicted
    {kNotifyKeyMiss, "keymiss"},  // KeyEvent::kMiss
}};

uint32_t enabled(const Instance& instance) {
  return instance.hot().notify_keyspace_events.load(std::memory_order_relaxed);
}

// Publishes the messages of one enabled event through publish(channel, message).
template <typename Publish>
void publish_event(uint32_t flags, int db, std::string_view event, std::string_view key,
                   Publish&& publish) {
  if (flags & kNotifyKeyspace) {
    std::string channel = fmt::format("__keyspace@{}__:", db);
    channel += key;
    publish(channel, event);
  }
  if (flags & kNotifyKeyevent) publish(fmt::format("__keyevent@{}__:{}", db, event), key);
}

}  // namespace

void notify_keyspace_event(Context& ctx, uint32_t cls, std::string_view event,
                           std::string_view key) {
  notify_keyspace_event(ctx, ctx.session.db, cls, event, key);
}

void notify_keyspace_event(Context& ctx, int db, uint32_t cls, std::string_view event,
                           std::string_view key) {
  uint32_t flags = enabled(ctx.instance);
  if ((flags & cls) == 0) return;
  publish_event(flags, db, event, key, [&](std::string_view channel, std::string_view message) {
    publish_message(ctx, Space::kChannel, channel, message);
  });
}

void notify_keyspace_event(Instance& instance, int db, uint32_t cls, std::string_view event,
                           std::string_view key) {
  uint32_t flags = enabled(instance);
  if ((flags & cls) == 0) return;
  publish_event(flags, db, event, key, [&](std::string_view channel, std::string_view message) {
    instance.pubsub().publish(Space::kChannel, channel, message);
  });
}

void notify_write(Context& ctx, uint32_t cls, std::string_view event, std::string_view key,
                  bool emptied) {
  notify_keyspace_event(ctx, cls, event, key);
  if (emptied) notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
}

void install_keyspace_events(Instance& instance) {
  store::KeyEventListener listener;
  listener.gate = &instance.hot().notify_keyspace_events;
  for (size_t i = 0; i < kStoreEvents.size(); ++i) listener.wants[i] = kStoreEvents[i].first;
  // A key that expired or was evicted is also ready for the clients blocked on it: a stream's
  // group reader must learn it is gone, as after a DEL.
  listener.deletion_gate = instance.blocking().waiting_counter();
  listener.fn = [&instance](int db, store::KeyEvent event, std::string_view key) {
    auto [cls, name] = kStoreEvents[static_cast<size_t>(event)];
    notify_keyspace_event(instance, db, cls, name, key);
    bool deletion = event == store::KeyEvent::kExpired || event == store::KeyEvent::kEvicted;
    if (deletion && instance.blocking().anyone_waiting()) instance.blocking().note_ready(db, key);
  };
  instance.store().set_key_event_listener(std::move(listener));
}

bool parse_keyspace_events(std::string_view text, uint32_t& flags) {
  uint32_t out = 0;
  for (char c : text) {
    uint32_t bit = c == 'A' ? static_cast<uint32_t>(kNotifyAll) : 0u;
    for (auto [letter, flag] : kClassLetters) bit |= letter == c ? flag : 0;
    for (auto [letter, flag] : kKindLetters) bit |= letter == c ? flag : 0;
    if (bit == 0) return false;
    out |= bit;
  }
  flags = out;
  return true;
}

std::string format_keyspace_events(uint32_t flags) {
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    out += 'A';  // and, as in Redis 7.0, no 'n' even when set
  } else {
    for (auto [letter, flag] : kClassLetters) {
      if (flags & flag) out += letter;
    }
  }
  for (auto [letter, flag] : kKindLetters) {
    if (flags & flag) out += letter;
  }
  return out;
}

}  // namespace cachet::server
