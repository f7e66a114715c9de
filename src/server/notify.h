// Keyspace notifications (Redis's notify-keyspace-events): the event classes, their flag letters,
// and publishing an event on __keyspace@<db>__:<key> and __keyevent@<db>__:<event>.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cachet::server {

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

}  // namespace cachet::server
