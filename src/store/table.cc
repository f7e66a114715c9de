#include "store/table.h"

#include <bit>

namespace cachet::store {

Entry* Table::find(std::string_view key, uint32_t hash) const {
  if (!buckets_) return nullptr;
  for (Entry* e = buckets_[hash & mask_]; e != nullptr; e = e->next) {
    if (e->hash == hash && e->key() == key) return e;
  }
  return nullptr;
}

void Table::insert(Entry* e) {
  if (!buckets_) {
    resize(kMinBuckets);
  } else if (size_ >= bucket_count()) {
    resize(bucket_count() * 2);
  }
  Entry*& head = buckets_[e->hash & mask_];
  e->next = head;
  head = e;
  ++size_;
}

void Table::replace(Entry* old, Entry* replacement) {
  Entry** link = &buckets_[old->hash & mask_];
  while (*link != old) link = &(*link)->next;
  replacement->next = old->next;
  *link = replacement;
}

Entry* Table::unlink(std::string_view key, uint32_t hash) {
  if (!buckets_) return nullptr;
  for (Entry** link = &buckets_[hash & mask_]; *link != nullptr; link = &(*link)->next) {
    Entry* e = *link;
    if (e->hash == hash && e->key() == key) {
      *link = e->next;
      --size_;
      return e;
    }
  }
  return nullptr;
}

void Table::clear() {
  if (!buckets_) return;
  for (size_t i = 0; i <= mask_; ++i) {
    for (Entry* e = buckets_[i]; e != nullptr;) {
      Entry* next = e->next;
      free_entry(e);
      e = next;
    }
  }
  buckets_.reset();
  mask_ = 0;
  size_ = 0;
}

void Table::maybe_shrink() {
  size_t buckets = bucket_count();
  if (buckets <= kMinBuckets || size_ * 8 >= buckets) return;
  resize(std::max(kMinBuckets, std::bit_ceil(size_ * 2)));
}

void Table::resize(size_t buckets) {
  auto fresh = std::make_unique<Entry*[]>(buckets);  // zeroed
  size_t mask = buckets - 1;
  if (buckets_) {
    for (size_t i = 0; i <= mask_; ++i) {
      for (Entry* e = buckets_[i]; e != nullptr;) {
        Entry* next = e->next;
        Entry*& head = fresh[e->hash & mask];
        e->next = head;
        head = e;
        e = next;
      }
    }
  }
  buckets_ = std::move(fresh);
  mask_ = mask;
}

}  // namespace cachet::store
