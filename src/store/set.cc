#include "store/set.h"

#include <atomic>
#include <charconv>
#include <limits>
#include <vector>

#include "store/store.h"

namespace cachet::store::set {
namespace {

std::atomic<size_t> g_max_intset_entries{kDefaultMaxIntsetEntries};

// ---- intset: [u8 width][int{width}]... sorted ascending; an empty value is an empty set.

constexpr size_t kMinWidth = sizeof(int16_t);

size_t width_for(int64_t v) {
  if (v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max()) {
    return sizeof(int16_t);
  }
  if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
    return sizeof(int32_t);
  }
  return sizeof(int64_t);
}

int64_t read_int(const char* ints, size_t width, size_t index) {
  const char* p = ints + index * width;
  if (width == sizeof(int16_t)) {
    int16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  if (width == sizeof(int32_t)) {
    int32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  int64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Requires `v` to fit `width` bytes.
void write_int(char* ints, size_t width, size_t index, int64_t v) {
  char* p = ints + index * width;
  if (width == sizeof(int16_t)) {
    auto n = static_cast<int16_t>(v);
    std::memcpy(p, &n, sizeof n);
  } else if (width == sizeof(int32_t)) {
    auto n = static_cast<int32_t>(v);
    std::memcpy(p, &n, sizeof n);
  } else {
    std::memcpy(p, &v, sizeof v);
  }
}

size_t int_count(const Entry* e) {
  return e->value_len() == 0 ? 0 : (e->value_len() - 1) / detail::int_width(e);
}

struct Position {
  bool found;
  size_t index;  // where `v` is, or where it would go
};

Position find_int(const Entry* e, int64_t v) {
  size_t lo = 0, hi = int_count(e), width = detail::int_width(e);
  if (width_for(v) > width) return {false, v < 0 ? 0 : hi};
  const char* ints = e->value().data() + 1;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int64_t m = read_int(ints, width, mid);
    if (m == v) return {true, mid};
    if (m < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return {false, lo};
}

// Inserts `v` at `index`, widening every integer first if `v` needs it. May move `e`.
void insert_int(Shard& shard, Entry*& e, size_t index, int64_t v) {
  size_t n = int_count(e), width = detail::int_width(e);
  size_t new_width = std::max(width, width_for(v));
  e = shard.resize_value(e, 1 + (n + 1) * new_width);
  char* ints = e->value_data() + 1;
  if (new_width == width) {
    std::memmove(ints + (index + 1) * width, ints + index * width, (n - index) * width);
  } else {
    // Back to front: each integer's new place ends past every old one not yet moved.
    for (size_t i = n; i-- > 0;)
      write_int(ints, new_width, i + (i >= index), read_int(ints, width, i));
  }
  e->value_data()[0] = static_cast<char>(new_width);
  write_int(ints, new_width, index, v);
}

void erase_int(Shard& shard, Entry*& e, size_t index) {
  size_t n = int_count(e), width = detail::int_width(e);
  char* ints = e->value_data() + 1;
  std::memmove(ints + index * width, ints + (index + 1) * width, (n - index - 1) * width);
  e = shard.resize_value(e, e->value_len() - width);
}

// ---- packed: [u8 length][bytes]... in insertion order.

// Offset of `member`'s record in a packed set, or npos.
size_t find_packed(std::string_view packed, std::string_view member) {
  for (size_t pos = 0; pos < packed.size();) {
    size_t len = static_cast<uint8_t>(packed[pos]);
    if (packed.substr(pos + 1, len) == member) return pos;
    pos += 1 + len;
  }
  return std::string_view::npos;
}

// Requires member.size() <= kMaxPackedLength. May move `e`.
void append_packed(Shard& shard, Entry*& e, std::string_view member) {
  size_t offset = e->value_len();
  e = shard.resize_value(e, offset + 1 + member.size());
  char* data = e->value_data() + offset;
  data[0] = static_cast<char>(member.size());
  std::memcpy(data + 1, member.data(), member.size());
}

void erase_packed(Shard& shard, Entry*& e, size_t offset) {
  size_t record = 1 + static_cast<uint8_t>(e->value()[offset]);
  char* data = e->value_data();
  std::memmove(data + offset, data + offset + record, e->value_len() - offset - record);
  e = shard.resize_value(e, e->value_len() - record);
}

size_t packed_count(const Entry* e) {
  size_t n = 0;
  for_each(e, [&](std::string_view) { ++n; });
  return n;
}

// ---- table

uint32_t member_hash(std::string_view member) { return hash32(member); }

// Runs op(Table&) -> change in member entry bytes, and accounts it with the change in bucket
// bytes (to the table's count and the shard).
template <typename Op>
void change_table(Shard& shard, OwnedTable& t, Op&& op) {
  auto before = static_cast<int64_t>(t.entries.bucket_bytes());
  int64_t delta = op(t.entries);
  delta += static_cast<int64_t>(t.entries.bucket_bytes()) - before;
  t.bytes += delta;
  shard.account(delta);
}

bool add_to_table(Shard& shard, OwnedTable& t, std::string_view member) {
  uint32_t h = member_hash(member);
  if (t.entries.find(member, h) != nullptr) return false;
  change_table(shard, t, [&](Table& members) {
    Entry* m = new_entry(member, "", 0);
    members.insert(m, h);
    return static_cast<int64_t>(entry_bytes(m));
  });
  return true;
}

bool remove_from_table(Shard& shard, OwnedTable& t, std::string_view member) {
  bool removed = false;
  change_table(shard, t, [&](Table& members) {
    Entry* m = members.unlink(member, member_hash(member));
    if (m == nullptr) return int64_t{0};
    removed = true;
    auto freed = static_cast<int64_t>(entry_bytes(m));
    free_entry(m);
    members.maybe_shrink();
    return -freed;
  });
  return removed;
}

// ---- conversions (upwards only)

std::vector<std::string> copy_members(const Entry* e) {
  std::vector<std::string> out;
  out.reserve(size(e));
  for_each(e, [&](std::string_view m) { out.emplace_back(m); });
  return out;
}

void convert_to_packed(Shard& shard, Entry*& e) {
  std::vector<std::string> members = copy_members(e);
  e = shard.resize_value(e, 0);
  e->set_type(ValueType::kSetPacked);
  for (const std::string& m : members) append_packed(shard, e, m);
}

void convert_to_table(Shard& shard, Entry*& e) {
  std::vector<std::string> members = copy_members(e);
  auto* t = new OwnedTable;
  for (const std::string& m : members) add_to_table(shard, *t, m);
  shard.account(static_cast<int64_t>(sizeof(OwnedTable)));
  e = shard.resize_value(e, sizeof(t));
  std::memcpy(e->value_data(), &t, sizeof(t));
  e->set_type(ValueType::kSetTable);
}

bool fits_packed(size_t members, std::string_view member) {
  return members <= kMaxPackedMembers && member.size() <= kMaxPackedLength;
}

// Converts an intset that cannot take `member` to the encoding that can.
void convert_from_ints(Shard& shard, Entry*& e, std::string_view member) {
  if (fits_packed(int_count(e) + 1, member)) {
    convert_to_packed(shard, e);
  } else {
    convert_to_table(shard, e);
  }
}

}  // namespace

void set_max_intset_entries(size_t n) { g_max_intset_entries.store(n, std::memory_order_relaxed); }
size_t max_intset_entries() { return g_max_intset_entries.load(std::memory_order_relaxed); }

Member::Member(int64_t value) : data_(nullptr) {
  size_ =
      static_cast<size_t>(std::to_chars(digits_, digits_ + sizeof digits_, value).ptr - digits_);
}

bool parse_int(std::string_view s, int64_t& value) {
  if (s == "0") {
    value = 0;
    return true;
  }
  size_t digits = s.starts_with('-') ? 1 : 0;
  if (s.size() <= digits || s[digits] < '1' || s[digits] > '9') return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

namespace detail {

size_t int_width(const Entry* e) {
  return e->value_len() == 0 ? kMinWidth : static_cast<uint8_t>(e->value()[0]);
}

int64_t int_at(const Entry* e, size_t index) {
  return read_int(e->value().data() + 1, int_width(e), index);
}

}  // namespace detail

void init(Entry* e) {
  e->set_type(ValueType::kSetInts);
  e->set_value_len(0);
}

size_t size(const Entry* e) {
  switch (e->type()) {
    case ValueType::kSetInts:
      return int_count(e);
    case ValueType::kSetTable:
      return member_table(e)->entries.size();
    default:
      return packed_count(e);
  }
}

bool add(Shard& shard, Entry*& e, std::string_view member) {
  if (e->type() == ValueType::kSetInts) {
    int64_t v;
    if (parse_int(member, v)) {
      Position at = find_int(e, v);
      if (at.found) return false;
      if (int_count(e) < max_intset_entries()) {
        insert_int(shard, e, at.index, v);
        return true;
      }
    }
    convert_from_ints(shard, e, member);  // `member` is new: an intset holds only integers
  }
  if (e->type() == ValueType::kSetPacked) {
    if (find_packed(e->value(), member) != std::string_view::npos) return false;
    if (fits_packed(packed_count(e) + 1, member)) {
      append_packed(shard, e, member);
      return true;
    }
    convert_to_table(shard, e);
  }
  bool added = add_to_table(shard, *member_table(e), member);
  if (added) shard.touch(e->key());
  return added;
}

bool remove(Shard& shard, Entry*& e, std::string_view member) {
  switch (e->type()) {
    case ValueType::kSetInts: {
      int64_t v;
      if (!parse_int(member, v)) return false;
      Position at = find_int(e, v);
      if (at.found) erase_int(shard, e, at.index);
      return at.found;
    }
    case ValueType::kSetTable: {
      bool removed = remove_from_table(shard, *member_table(e), member);
      if (removed) shard.touch(e->key());
      return removed;
    }
    default: {
      size_t offset = find_packed(e->value(), member);
      if (offset == std::string_view::npos) return false;
      erase_packed(shard, e, offset);
      return true;
    }
  }
}

bool contains(const Entry* e, std::string_view member) {
  switch (e->type()) {
    case ValueType::kSetInts: {
      int64_t v;
      return parse_int(member, v) && find_int(e, v).found;
    }
    case ValueType::kSetTable:
      return member_table(e)->entries.find(member, member_hash(member)) != nullptr;
    default:
      return find_packed(e->value(), member) != std::string_view::npos;
  }
}

Member member_at(const Entry* e, size_t index) {
  if (e->type() == ValueType::kSetInts) return Member(detail::int_at(e, index));
  std::string_view packed = e->value();
  size_t pos = 0;
  for (; index > 0; --index) pos += 1 + static_cast<uint8_t>(packed[pos]);
  return Member(packed.substr(pos + 1, static_cast<uint8_t>(packed[pos])));
}

std::string_view encoding_name(const Entry* e) {
  return e->type() == ValueType::kSetInts ? "intset" : "hashtable";
}

void destroy(Entry* e) {
  if (e->type() == ValueType::kSetTable) delete member_table(e);
}

size_t heap_bytes(const Entry* e) {
  return e->type() == ValueType::kSetTable ? member_table(e)->bytes : 0;
}

}  // namespace cachet::store::set
