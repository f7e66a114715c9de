#include "store/table.h"

#include <bit>
#include <utility>

namespace cachet::store {

Entry* Table::find(std::string_view key, uint32_t hash) const {
  if (!buckets_) return nullptr;
  uint16_t tag = tag_of_hash(hash);
  for (Link l = *head_for(hash); l != 0;) {
    Entry* e = entry_of(l);
    if (tag_of(l) == tag && e->key() == key) return e;
    l = e->next;
  }
  return nullptr;
}

void Table::insert(Entry* e, uint32_t hash) {
  if (!buckets_) {
    resize(kMinBuckets);
  } else if (size() >= bucket_count() && !old_) {
    resize(bucket_count() * 2);
  }
  migrate_step();
  Link& head = *head_for(hash);
  e->next = head;
  head = link_to(e, hash);
  add_size(1);
}

void Table::replace(Entry* old, Entry* replacement, uint32_t hash) {
  Link* link = head_for(hash);
  while (entry_of(*link) != old) link = &entry_of(*link)->next;
  replacement->next = old->next;
  *link = link_to(replacement, hash);
}

Entry* Table::unlink(std::string_view key, uint32_t hash) {
  if (!buckets_) return nullptr;
  migrate_step();
  uint16_t tag = tag_of_hash(hash);
  for (Link* link = head_for(hash); *link != 0; link = &entry_of(*link)->next) {
    Entry* e = entry_of(*link);
    if (tag_of(*link) == tag && e->key() == key) {
      *link = e->next;
      add_size(-1);
      return e;
    }
  }
  return nullptr;
}

namespace {

// Frees every entry chained from buckets[0, mask].
void free_chains(Link* buckets, size_t mask) {
  for (size_t i = 0; buckets && i <= mask; ++i) {
    for (Link l = buckets[i]; l != 0;) {
      Entry* e = entry_of(l);
      l = e->next;
      free_entry(e);
    }
  }
}

}  // namespace

void Table::clear() {
  free_chains(old_.get(), old_mask_);
  free_chains(buckets_.get(), mask_);
  old_.reset();
  old_mask_ = 0;
  migrated_ = 0;
  buckets_.reset();
  mask_ = 0;
  size_.store(0, std::memory_order_relaxed);
  publish();
}

std::unique_ptr<Table> Table::take() {
  auto taken = std::make_unique<Table>();
  taken->old_ = std::move(old_);
  taken->old_mask_ = std::exchange(old_mask_, 0);
  taken->migrated_ = std::exchange(migrated_, 0);
  taken->buckets_ = std::move(buckets_);
  taken->mask_ = std::exchange(mask_, 0);
  taken->size_.store(size_.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
  taken->publish();
  publish();
  return taken;
}

void Table::publish() {
  published_.store(buckets_.get(), std::memory_order_relaxed);
  published_mask_.store(mask_, std::memory_order_relaxed);
}

void Table::maybe_shrink() {
  size_t buckets = bucket_count();
  if (old_ || buckets <= kMinBuckets || size() * 8 >= buckets) return;
  resize(std::max(kMinBuckets, std::bit_ceil(size() * 2)));
}

void Table::resize(size_t buckets) {
  if (buckets_) {
    old_ = std::move(buckets_);
    old_mask_ = mask_;
    migrated_ = 0;
  }
  buckets_ = std::make_unique<Link[]>(buckets);  // zeroed
  mask_ = buckets - 1;
  publish();
}

void Table::migrate_step() {
  if (!old_) return;
  for (size_t moved = 0, visited = 0;
       migrated_ <= old_mask_ && moved < kStepBuckets && visited < kStepVisits; ++visited) {
    Link l = old_[migrated_];
    old_[migrated_++] = 0;
    moved += l != 0;
    while (l != 0) {
      Entry* e = entry_of(l);
      Link next = e->next;
      Link& head = buckets_[hash32(e->key()) & mask_];  // hashes are not stored: recompute
      e->next = head;
      head = l;
      l = next;
      ++entries_moved_;
    }
  }
  if (migrated_ > old_mask_) {
    old_.reset();
    old_mask_ = 0;
    migrated_ = 0;
  }
}

}  // namespace cachet::store
