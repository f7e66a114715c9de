// Expiry-time arithmetic shared by SET, GETEX, SETEX and the EXPIRE family.
#pragma once

#include <cstdint>
#include <optional>

namespace cachet::server {

enum class TimeUnit { kSeconds, kMillis };

// The absolute expiry time in ms for `value` given in `unit`, relative to `now_ms` unless
// `absolute`; nothing when the arithmetic overflows (Redis's "invalid expire time").
inline std::optional<int64_t> expire_at_ms(int64_t value, TimeUnit unit, bool absolute,
                                           int64_t now_ms) {
  int64_t ms = value;
  if (unit == TimeUnit::kSeconds && __builtin_mul_overflow(value, int64_t{1000}, &ms)) {
    return std::nullopt;
  }
  if (!absolute && __builtin_add_overflow(ms, now_ms, &ms)) return std::nullopt;
  return ms;
}

}  // namespace cachet::server
