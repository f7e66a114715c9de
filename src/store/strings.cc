#include "store/strings.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace cachet::store::str {
namespace {

// Resizes the value to `len` (at least its length) and zeroes the added bytes before `zero_end`;
// the value becomes raw. Touches the key (WATCH) unless `quietly`.
void extend(Shard& shard, Entry*& e, size_t len, size_t zero_end, bool quietly = false) {
  size_t old_len = e->value_len();
  e = quietly ? shard.reencode_value(e, len) : shard.resize_value(e, len);
  zero_end = std::min(zero_end, len);
  if (zero_end > old_len) std::memset(e->value_data() + old_len, 0, zero_end - old_len);
  set_form(e, Form::kRaw);
}

// Redis's embedded-string limit (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
constexpr size_t kEmbstrLimit = 44;

// Whether Redis would store `value` as an integer: string2ll accepts it (no sign but '-', no
// leading zero, fits 64 bits) and it is at most 20 bytes.
bool integer_like(std::string_view value) {
  if (value.empty() || value.size() > 20) return false;
  if (value == "0") return true;
  size_t digits = value[0] == '-' ? 1 : 0;
  if (digits == value.size() || value[digits] == '0') return false;
  int64_t n;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  return ec == std::errc() && ptr == value.data() + value.size();
}

}  // namespace

void set_form(Entry* e, Form form) {
  e->set_type(form == Form::kRaw    ? ValueType::kStringRaw
              : form == Form::kText ? ValueType::kStringText
                                    : ValueType::kString);
}

std::string_view encoding_name(const Entry* e) {
  std::string_view value = e->value();
  if (e->type() == ValueType::kStringRaw) return "raw";
  if (e->type() == ValueType::kString && integer_like(value)) return "int";
  return value.size() <= kEmbstrLimit ? "embstr" : "raw";
}

size_t append(Shard& shard, Entry*& e, std::string_view bytes) {
  size_t len = write_at(shard, e, e->value_len(), bytes);
  set_form(e, Form::kRaw);  // even for nothing appended, as Redis unshares the value
  return len;
}

size_t write_at(Shard& shard, Entry*& e, size_t offset, std::string_view bytes) {
  size_t len = std::max(e->value_len(), offset + bytes.size());
  extend(shard, e, len, offset);
  if (!bytes.empty()) std::memcpy(e->value_data() + offset, bytes.data(), bytes.size());
  return len;
}

void assign(Shard& shard, Entry*& e, std::string_view value, Form form) {
  e = shard.resize_value(e, value.size());  // touches the key
  if (!value.empty()) std::memcpy(e->value_data(), value.data(), value.size());
  set_form(e, form);
}

void grow_zeroed(Shard& shard, Entry*& e, size_t len) {
  set_form(e, Form::kRaw);
  if (len <= e->value_len()) return;
  extend(shard, e, len, len, /*quietly=*/true);
}

}  // namespace cachet::store::str
