#include "store/hash.h"

#include <algorithm>
#include <atomic>

#include "store/store.h"

namespace cachet::store::hash {
namespace {

std::atomic<size_t> packed_fields{128};
std::atomic<size_t> packed_length{64};

uint32_t field_hash(std::string_view field) { return hash32(field); }

struct Record {
  size_t offset, length;
  std::string_view value;
};

std::optional<Record> find_packed(std::string_view packed, std::string_view field) {
  for (size_t pos = 0; pos < packed.size();) {
    size_t flen = static_cast<uint8_t>(packed[pos]);
    size_t vlen = static_cast<uint8_t>(packed[pos + 1 + flen]);
    size_t length = 2 + flen + vlen;
    if (packed.substr(pos + 1, flen) == field) {
      return Record{pos, length, packed.substr(pos + 2 + flen, vlen)};
    }
    pos += length;
  }
  return std::nullopt;
}

// Replaces `old_length` bytes at `offset` of a packed value with the record field=value (or with
// nothing when `field` is null). May move `e`.
void splice(Shard& shard, Entry*& e, size_t offset, size_t old_length,
            const std::string_view* field, std::string_view value) {
  char record[2 + 2 * kMaxPackableLength];
  size_t length = 0;
  if (field != nullptr) {
    record[0] = static_cast<char>(field->size());
    std::memcpy(record + 1, field->data(), field->size());
    record[1 + field->size()] = static_cast<char>(value.size());
    std::memcpy(record + 2 + field->size(), value.data(), value.size());
    length = 2 + field->size() + value.size();
  }
  size_t total = e->value_len(), tail = total - offset - old_length;
  size_t new_total = total - old_length + length;
  if (new_total > total) e = shard.resize_value(e, new_total);
  char* data = e->value_data();
  std::memmove(data + offset + length, data + offset + old_length, tail);
  if (length > 0) std::memcpy(data + offset, record, length);
  if (new_total < total) e = shard.resize_value(e, new_total);
}

// Records a change of `delta` heap bytes of a field table, in it and in the shard.
void account(Shard& shard, OwnedTable& t, int64_t delta) {
  t.bytes += delta;
  shard.account(delta);
}

// Converts a packed hash to a field table, for good.
void convert_to_table(Shard& shard, Entry*& e) {
  auto* t = new OwnedTable;
  int64_t bytes = 0;
  for_each(e, [&](std::string_view field, std::string_view value) {
    Entry* f = new_entry(field, value, value.size());
    bytes += static_cast<int64_t>(entry_bytes(f));
    t->entries.insert(f, field_hash(field));
  });
  bytes += static_cast<int64_t>(t->entries.bucket_bytes());
  e = shard.resize_value(e, sizeof(t));
  std::memcpy(e->value_data(), &t, sizeof(t));
  e->set_type(ValueType::kHashTable);
  shard.account(static_cast<int64_t>(sizeof(OwnedTable)));
  account(shard, *t, bytes);
}

bool set_in_table(Shard& shard, OwnedTable& t, std::string_view field, std::string_view value) {
  Table& table = t.entries;
  uint32_t h = field_hash(field);
  Entry* old = table.find(field, h);
  if (old != nullptr && value_capacity(old) >= value.size()) {
    std::memcpy(old->value_data(), value.data(), value.size());
    old->set_value_len(value.size());
    return false;
  }
  int64_t buckets_before = static_cast<int64_t>(table.bucket_bytes());
  Entry* f = new_entry(field, value, value.size());
  int64_t delta = static_cast<int64_t>(entry_bytes(f));
  if (old != nullptr) {
    table.replace(old, f, h);
    delta -= static_cast<int64_t>(entry_bytes(old));
    free_entry(old);
  } else {
    table.insert(f, h);
  }
  account(shard, t, delta + static_cast<int64_t>(table.bucket_bytes()) - buckets_before);
  return old == nullptr;
}

}  // namespace

void set_packed_limits(size_t max_fields, size_t max_length) {
  packed_fields.store(max_fields, std::memory_order_relaxed);
  packed_length.store(std::min(max_length, kMaxPackableLength), std::memory_order_relaxed);
}

size_t max_packed_fields() { return packed_fields.load(std::memory_order_relaxed); }
size_t max_packed_length() { return packed_length.load(std::memory_order_relaxed); }

void init(Entry* e) {
  e->set_type(ValueType::kHashPacked);
  e->set_value_len(0);
}

std::optional<std::string_view> get(const Entry* e, std::string_view field) {
  if (e->type() == ValueType::kHashTable) {
    const Entry* f = hash_table(e)->find(field, field_hash(field));
    if (f == nullptr) return std::nullopt;
    return f->value();
  }
  auto record = find_packed(e->value(), field);
  if (!record) return std::nullopt;
  return record->value;
}

bool set(Shard& shard, Entry*& e, std::string_view field, std::string_view value) {
  shard.touch(e->key());
  if (e->type() == ValueType::kHashPacked) {
    auto record = find_packed(e->value(), field);
    size_t max_length = max_packed_length();
    bool fits = field.size() <= max_length && value.size() <= max_length &&
                (record || size(e) < max_packed_fields());
    if (fits) {
      size_t offset = record ? record->offset : e->value_len();
      splice(shard, e, offset, record ? record->length : 0, &field, value);
      return !record;
    }
    convert_to_table(shard, e);
  }
  return set_in_table(shard, *owned_table(e), field, value);
}

// Touches the key (WATCH) only when a field really goes, as Redis signals only then.
bool remove(Shard& shard, Entry*& e, std::string_view field) {
  if (e->type() == ValueType::kHashPacked) {
    auto record = find_packed(e->value(), field);
    if (!record) return false;
    splice(shard, e, record->offset, record->length, nullptr, {});  // touches
    return true;
  }
  OwnedTable& t = *owned_table(e);
  int64_t buckets_before = static_cast<int64_t>(t.entries.bucket_bytes());
  Entry* f = t.entries.unlink(field, field_hash(field));
  if (f == nullptr) return false;
  shard.touch(e->key());
  int64_t freed = static_cast<int64_t>(entry_bytes(f));
  free_entry(f);
  t.entries.maybe_shrink();
  account(shard, t, static_cast<int64_t>(t.entries.bucket_bytes()) - buckets_before - freed);
  return true;
}

size_t heap_bytes(const Entry* e) {
  return e->type() == ValueType::kHashTable ? owned_table(e)->bytes : 0;
}

void destroy(Entry* e) {
  if (e->type() == ValueType::kHashTable) delete owned_table(e);
}

size_t size(const Entry* e) {
  if (e->type() == ValueType::kHashTable) return hash_table(e)->size();
  size_t n = 0;
  for_each(e, [&](std::string_view, std::string_view) { ++n; });
  return n;
}

}  // namespace cachet::store::hash
