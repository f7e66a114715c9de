#include "store/table.h"

#include <bit>

namespace cachet::store {

Entry* Table::find(std::string_view key, uint32_t hash) const {
  if (!buckets_) return nullptr;
  uint16_t tag = tag_of_hash(hash);
  for (Link l = buckets_[hash & mask_]; l != 0;) {
    Entry* e = entry_of(l);
    if (tag_of(l) == tag && e->key() == key) return e;
    l = e->next;
  }
  return nullptr;
}

void Table::insert(Entry* e, uint32_t hash) {
  if (!buckets_) {
    resize(kMinBuckets);
  } else if (size() >= bucket_count()) {
    resize(bucket_count() * 2);
  }
  Link& head = buckets_[hash & mask_];
  e->next = head;
  head = link_to(e, hash);
  add_size(1);
}

void Table::replace(Entry* old, Entry* replacement, uint32_t hash) {
  Link* link = &buckets_[hash & mask_];
  while (entry_of(*link) != old) link = &entry_of(*link)->next;
  replacement->next = old->next;
  *link = link_to(replacement, hash);
}

Entry* Table::unlink(std::string_view key, uint32_t hash) {
  if (!buckets_) return nullptr;
  uint16_t tag = tag_of_hash(hash);
  for (Link* link = &buckets_[hash & mask_]; *link != 0; link = &entry_of(*link)->next) {
    Entry* e = entry_of(*link);
    if (tag_of(*link) == tag && e->key() == key) {
      *link = e->next;
      add_size(-1);
      return e;
    }
  }
  return nullptr;
}

void Table::clear() {
  if (!buckets_) return;
  for (size_t i = 0; i <= mask_; ++i) {
    for (Link l = buckets_[i]; l != 0;) {
      Entry* e = entry_of(l);
      l = e->next;
      free_entry(e);
    }
  }
  buckets_.reset();
  mask_ = 0;
  size_.store(0, std::memory_order_relaxed);
  publish();
}

void Table::publish() {
  published_.store(buckets_.get(), std::memory_order_relaxed);
  published_mask_.store(mask_, std::memory_order_relaxed);
}

void Table::maybe_shrink() {
  size_t buckets = bucket_count();
  if (buckets <= kMinBuckets || size() * 8 >= buckets) return;
  resize(std::max(kMinBuckets, std::bit_ceil(size() * 2)));
}

void Table::resize(size_t buckets) {
  auto fresh = std::make_unique<Link[]>(buckets);  // zeroed
  size_t mask = buckets - 1;
  for (size_t i = 0; buckets_ && i <= mask_; ++i) {
    for (Link l = buckets_[i]; l != 0;) {
      Entry* e = entry_of(l);
      Link next = e->next;
      Link& head = fresh[hash32(e->key()) & mask];  // hashes are not stored: recompute
      e->next = head;
      head = l;
      l = next;
    }
  }
  buckets_ = std::move(fresh);
  mask_ = mask;
  publish();
}

}  // namespace cachet::store
