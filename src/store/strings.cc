#include "store/strings.h"

#include <algorithm>
#include <cstring>

namespace cachet::store::str {
namespace {

// Resizes the value to `len` (at least its length) and zeroes the added bytes before `zero_end`.
void extend(Shard& shard, Entry*& e, size_t len, size_t zero_end) {
  size_t old_len = e->value_len();
  e = shard.resize_value(e, len);  // touches the key
  zero_end = std::min(zero_end, len);
  if (zero_end > old_len) std::memset(e->value_data() + old_len, 0, zero_end - old_len);
}

}  // namespace

size_t append(Shard& shard, Entry*& e, std::string_view bytes) {
  return write_at(shard, e, e->value_len(), bytes);
}

size_t write_at(Shard& shard, Entry*& e, size_t offset, std::string_view bytes) {
  size_t len = std::max(e->value_len(), offset + bytes.size());
  extend(shard, e, len, offset);
  if (!bytes.empty()) std::memcpy(e->value_data() + offset, bytes.data(), bytes.size());
  return len;
}

void assign(Shard& shard, Entry*& e, std::string_view value) {
  e = shard.resize_value(e, value.size());  // touches the key
  if (!value.empty()) std::memcpy(e->value_data(), value.data(), value.size());
}

void grow_zeroed(Shard& shard, Entry*& e, size_t len) {
  if (len <= e->value_len()) return shard.touch(e->key());
  extend(shard, e, len, len);
}

}  // namespace cachet::store::str
