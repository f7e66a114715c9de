// Keyspace notifications (Redis's notify-keyspace-events): the event classes, their flag letters,
// and publishing an event on __keyspace@<db>__:<key> and __keyevent@<db>__:<event>.
//
// Commands call notify_keyspace_event() after each change, with Redis 7.0's event names and
// order. What the store does on its own (a key created, expired, evicted, or missed by a read)
// reaches the same channels through the store's KeyEventListener, which
// install_keyspace_events() connects to the instance. With notifications off every call costs
// one relaxed load of HotConfig::notify_keyspace_events.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cachet::server {

class Instance;
struct Context;

// Event classes and channel kinds, one bit each (the letter in notify-keyspace-events).
enum NotifyFlag : uint32_t {
  kNotifyKeyspace = 1 << 0,  // K: __keyspace@<db>__ channels
  kNotifyKeyevent = 1 << 1,  // E: __keyevent@<db>__ channels
  kNotifyGeneric = 1 << 2,   // g: DEL, EXPIRE, RENAME...
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZset = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x
  kNotifyEvicted = 1 << 9,   // e
  kNotifyStream = 1 << 10,   // t
  kNotifyKeyMiss = 1 << 11,  // m (not part of A)
  kNotifyModule = 1 << 12,   // d
  kNotifyNew = 1 << 13,      // n (not part of A)
  // A: every class but key-miss and new-key.
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// Parses a notify-keyspace-events value ("KEA", "Kx", ""); false on an unknown letter.
bool parse_keyspace_events(std::string_view text, uint32_t& flags);
// The value CONFIG GET reports for `flags`, in Redis's canonical letter order.
std::string format_keyspace_events(uint32_t flags);

// Redis's notifyKeyspaceEvent: when class `cls` is enabled, publishes `event` on
// __keyspace@<db>__:<key> (if K is set) and `key` on __keyevent@<db>__:<event> (if E is set),
// `db` being the client's database. The client itself, if subscribed, gets them before its reply.
void notify_keyspace_event(Context& ctx, uint32_t cls, std::string_view event,
                           std::string_view key);
// The same for a key of database `db` (MOVE, COPY ... DB).
void notify_keyspace_event(Context& ctx, int db, uint32_t cls, std::string_view event,
                           std::string_view key);
// The same outside any client's command (store events: active expiry, eviction).
void notify_keyspace_event(Instance& instance, int db, uint32_t cls, std::string_view event,
                           std::string_view key);

// The pair most container writes raise: `event` for `key`, then "del" when the write `emptied`
// the container (which the command deleted).
void notify_write(Context& ctx, uint32_t cls, std::string_view event, std::string_view key,
                  bool emptied);

// Connects the store's KeyEventListener to the instance's notifications: "new" (n), "expired"
// (x), "evicted" (e) and "keymiss" (m); expired and evicted keys are also made ready for the
// clients blocked on them (blocking.h). Called once, from the Instance constructor.
void install_keyspace_events(Instance& instance);

}  // namespace cachet::server
