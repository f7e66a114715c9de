#include "store/stream.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>

#include "store/set.h"
#include "store/store.h"

namespace cachet::store::stream {
namespace {

std::atomic<int64_t> g_node_max_entries{100};
std::atomic<int64_t> g_node_max_bytes{4096};
constexpr size_t kListpackMaxSize = size_t{1} << 30;  // Redis's STREAM_LISTPACK_MAX_SIZE
constexpr uint8_t kDeleted = 1;

// Heap bytes accounted for the parts that are not node bytes (std::map and std::set nodes).
constexpr size_t kStreamBytes = 128, kNodeBytes = 64, kGroupBytes = 160, kNackBytes = 112,
                 kConsumerBytes = 128;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

uint64_t get_varint(const char*& p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    auto b = static_cast<uint8_t>(*p++);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) return v;
  }
}

// Bytes of one listpack element holding the integer `v` (encoding, data and back-length).
size_t listpack_int_bytes(int64_t v) {
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= INT16_MIN && v <= INT16_MAX) return 4;
  if (v >= -(1 << 23) && v < (1 << 23)) return 5;
  if (v >= INT32_MIN && v <= INT32_MAX) return 6;
  return 10;
}

// Bytes of one listpack element holding `s` (as an integer when Redis would store it so).
size_t listpack_bytes(std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && set::parse_int(s, v)) return listpack_int_bytes(v);
  size_t head = s.size() <= 63 ? 1 : s.size() <= 4095 ? 2 : 5;
  size_t body = head + s.size();
  size_t back = body <= 127 ? 1 : body < 16383 ? 2 : body < 2097151 ? 3 : body < 268435455 ? 4 : 5;
  return body + back;
}

constexpr uint8_t kSameFields = 2;  // the entry stores values only: its node's first entry's fields

// A string as stored: varint(length << 1) and its bytes, or, for an integer a listpack would keep
// as one (of magnitude below 2^62), varint(zigzag(value) << 1 | 1).
void put_string(std::string& out, std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && set::parse_int(s, v) && v > -(int64_t{1} << 62) && v < (int64_t{1} << 62)) {
    auto zigzag = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    return put_varint(out, zigzag << 1 | 1);
  }
  put_varint(out, s.size() << 1);
  out.append(s);
}

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// An entry's back-length: its size in bytes (without this) as a varint written backwards, so a
// reader at the entry's end finds where the entry starts (as a listpack's backlen does).
void put_back_length(std::string& out, uint64_t size) {
  size_t at = out.size();
  put_varint(out, size);
  std::reverse(out.begin() + static_cast<std::ptrdiff_t>(at), out.end());
}

// The size of the entry ending (back-length included) just before `end`; `end` moves to that
// entry's start.
void step_back(const char*& end) {
  uint64_t size = 0;
  const char* p = end - 1;
  for (int shift = 0;; shift += 7, --p) {
    auto b = static_cast<uint8_t>(*p);
    size |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  end = p - size;
}

int64_t unzigzag(uint64_t zigzag) {
  return static_cast<int64_t>((zigzag >> 1) ^ (~(zigzag & 1) + 1));
}

// Skips a string written by put_string.
void skip_string(const char*& p) {
  uint64_t tag = get_varint(p);
  if (!(tag & 1)) p += tag >> 1;
}

// One entry decoded from a node: where it starts, its flag byte and ID, how many field-value
// pairs it has, where its stored strings begin and end.
struct Raw {
  const char* flag;
  Id id;
  uint64_t pairs;
  const char* fields;
  const char* end;
  bool same() const { return *flag & kSameFields; }
};

// Decodes the entry at `p` of a node whose first ID is `first` and whose first entry has
// `master_pairs` pairs.
Raw decode(const char* p, Id first, uint64_t master_pairs) {
  Raw r{p, {}, 0, nullptr, nullptr};
  ++p;
  r.id.ms = first.ms + get_varint(p);
  r.id.seq = get_varint(p);
  r.pairs = r.same() ? master_pairs : get_varint(p);
  r.fields = p;
  for (uint64_t i = 0, n = r.same() ? r.pairs : 2 * r.pairs; i < n; ++i) skip_string(p);
  r.end = p + varint_size(static_cast<uint64_t>(p - r.flag));
  return r;
}

// A field of an Item whose text is in Item::text: its slot, offset and length there.
struct TextField {
  size_t slot, at, len;
};

// Reads the string at `p` (moving past it) into slot `slot` of `item`.
void read_string(const char*& p, size_t slot, Item& item, std::vector<TextField>& in_text) {
  uint64_t tag = get_varint(p);
  if (tag & 1) {
    int64_t v = unzigzag(tag >> 1);
    size_t at = item.text.size();
    item.text += std::to_string(v);
    in_text.push_back({slot, at, item.text.size() - at});
  } else {
    item.fields[slot] = std::string_view(p, tag >> 1);
    p += tag >> 1;
  }
}

// The entry `r` as read; `master` is its node's first entry (whose field names a SAMEFIELDS
// entry shares).
Item item_of(const Raw& r, const Raw& master) {
  Item item;
  item.id = r.id;
  item.fields.resize(2 * r.pairs);
  std::vector<TextField> in_text;
  const char* p = r.fields;
  if (r.same()) {
    const char* names = master.fields;
    for (size_t i = 0; i < r.pairs; ++i) {
      read_string(names, 2 * i, item, in_text);
      skip_string(names);  // the first entry's value
      read_string(p, 2 * i + 1, item, in_text);
    }
  } else {
    for (size_t i = 0; i < 2 * r.pairs; ++i) read_string(p, i, item, in_text);
  }
  for (const TextField& t : in_text) item.fields[t.slot] = {item.text.data() + t.at, t.len};
  return item;
}

// Whether `fields` (field, value, ...) has the field names of the node's first entry, in order.
// Reads the string at `p` (moving past it) and says whether it is `s`.
bool string_equals(const char*& p, std::string_view s) {
  uint64_t tag = get_varint(p);
  if (tag & 1) {
    int64_t v = unzigzag(tag >> 1);
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
    return s == std::string_view(digits, static_cast<size_t>(end - digits));
  }
  std::string_view stored(p, tag >> 1);
  p += tag >> 1;
  return stored == s;
}

bool same_fields(const Raw& master, const std::vector<std::string_view>& fields) {
  if (master.pairs * 2 != fields.size()) return false;
  const char* p = master.fields;
  for (size_t i = 0; i < fields.size(); i += 2) {
    if (!string_equals(p, fields[i])) return false;
    skip_string(p);  // the first entry's value
  }
  return true;
}

}  // namespace

void Item::rebase(const char* from, size_t size) {
  for (std::string_view& f : fields) {
    if (f.data() >= from && f.data() < from + size) f = {text.data() + (f.data() - from), f.size()};
  }
}

Item& Item::operator=(const Item& other) {
  if (this == &other) return *this;
  id = other.id;
  text = other.text;
  fields = other.fields;
  rebase(other.text.data(), other.text.size());
  return *this;
}

Item& Item::operator=(Item&& other) noexcept {
  const char* from = other.text.data();
  size_t size = other.text.size();
  id = other.id;
  text = std::move(other.text);
  fields = std::move(other.fields);
  rebase(from, size);
  return *this;
}

std::string format_id(Id id) { return std::to_string(id.ms) + "-" + std::to_string(id.seq); }

int64_t node_max_entries() { return g_node_max_entries.load(std::memory_order_relaxed); }

std::optional<Id> next_id(Id id) {
  if (id.seq < UINT64_MAX) return Id{id.ms, id.seq + 1};
  if (id.ms < UINT64_MAX) return Id{id.ms + 1, 0};
  return std::nullopt;
}

std::optional<Id> previous_id(Id id) {
  if (id.seq > 0) return Id{id.ms, id.seq - 1};
  if (id.ms > 0) return Id{id.ms - 1, UINT64_MAX};
  return std::nullopt;
}

void set_node_limits(int64_t max_entries, int64_t max_bytes) {
  g_node_max_entries.store(max_entries, std::memory_order_relaxed);
  g_node_max_bytes.store(max_bytes, std::memory_order_relaxed);
}

Stream::Stream(const Stream& other)
    : last_id(other.last_id),
      max_deleted_id(other.max_deleted_id),
      first_id(other.first_id),
      entries_added(other.entries_added),
      groups(other.groups),
      nodes_(other.nodes_),
      length_(other.length_) {
  for (const Node& n : nodes_) node_bytes_ += kNodeBytes + n.data.capacity();
}

void Stream::append(Id id, const std::vector<std::string_view>& fields) {
  size_t raw_bytes = 0;
  for (std::string_view f : fields) raw_bytes += f.size();
  bool fresh = nodes_.empty();
  if (!fresh) {
    const Node& tail = nodes_.back();
    size_t max_bytes = static_cast<size_t>(g_node_max_bytes.load(std::memory_order_relaxed));
    if (max_bytes == 0 || max_bytes > kListpackMaxSize) max_bytes = kListpackMaxSize;
    auto max_entries = static_cast<uint64_t>(g_node_max_entries.load(std::memory_order_relaxed));
    size_t lp_bytes =
        tail.listpack_bytes + listpack_int_bytes(tail.live) + listpack_int_bytes(tail.deleted);
    fresh = lp_bytes + raw_bytes >= max_bytes ||
            (max_entries != 0 && tail.live + tail.deleted >= max_entries);
  }
  if (fresh) {
    if (!nodes_.empty()) {  // the tail closes: it takes no more entries
      std::string& full = nodes_.back().data;
      size_t capacity = full.capacity();
      full.shrink_to_fit();
      node_bytes_ -= capacity - full.capacity();
    }
    Node n;
    n.first = id;
    // Listpack header and end, the master entry's field count, fields and terminator.
    n.listpack_bytes = 7 + listpack_int_bytes(static_cast<int64_t>(fields.size() / 2)) + 2;
    for (size_t i = 0; i < fields.size(); i += 2) n.listpack_bytes += listpack_bytes(fields[i]);
    nodes_.push_back(std::move(n));
    node_bytes_ += kNodeBytes + nodes_.back().data.capacity();  // what removing it subtracts
  }
  Node& n = nodes_.back();
  bool same =
      !n.data.empty() && same_fields(decode(n.data.data(), n.first, n.master_pairs), fields);
  if (n.data.empty()) same = true;  // the master entry is this entry's own fields
  // Flags, ms delta, seq delta, [field count, fields,] values, and the element count.
  size_t lp = 2 + listpack_int_bytes(static_cast<int64_t>(id.ms - n.first.ms)) +
              listpack_int_bytes(static_cast<int64_t>(id.seq - n.first.seq));
  for (size_t i = 0; i < fields.size(); ++i) {
    if (same && i % 2 == 0) continue;
    lp += listpack_bytes(fields[i]);
  }
  size_t elements = 3 + (same ? fields.size() / 2 : fields.size() + 1);
  lp += (same ? 0 : listpack_int_bytes(static_cast<int64_t>(fields.size() / 2))) +
        listpack_int_bytes(static_cast<int64_t>(elements));
  n.listpack_bytes += lp;

  size_t before = n.data.capacity();
  bool first_entry = n.data.empty();
  n.last_at = static_cast<uint32_t>(n.data.size());
  n.data.push_back(static_cast<char>(same && !first_entry ? kSameFields : 0));
  put_varint(n.data, id.ms - n.first.ms);
  put_varint(n.data, id.seq);
  if (first_entry) n.master_pairs = static_cast<uint32_t>(fields.size() / 2);
  if (!same || first_entry) put_varint(n.data, fields.size() / 2);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (!same || first_entry || i % 2 == 1) put_string(n.data, fields[i]);
  }
  put_back_length(n.data, n.data.size() - n.last_at);
  node_bytes_ += n.data.capacity() - before;
  n.last = id;
  ++n.live;
  ++length_;
  last_id = id;
  ++entries_added;
  if (length_ == 1) first_id = id;
}

size_t Stream::node_at_or_before(Id id) const {
  auto it = std::upper_bound(nodes_.begin(), nodes_.end(), id,
                             [](Id x, const Node& n) { return x < n.first; });
  return it == nodes_.begin() ? nodes_.size() : static_cast<size_t>(it - nodes_.begin()) - 1;
}

void Stream::walk(Id start, Id end, bool reverse, zset::FnRef<bool(Item&)> fn) const {
  if (start > end || nodes_.empty()) return;
  if (!reverse) {
    size_t i = node_at_or_before(start);
    if (i == nodes_.size()) i = 0;
    for (; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      if (n.first > end) return;
      if (n.last < start) continue;
      Raw master = decode(n.data.data(), n.first, n.master_pairs);
      for (const char* p = n.data.data(); p < n.data.data() + n.data.size();) {
        Raw r = decode(p, n.first, n.master_pairs);
        p = r.end;
        // Deleted entries are passed over first, as Redis's iterator does: after XSETID lowered
        // the last ID, a live entry may follow a deleted one with a larger ID.
        if (*r.flag & kDeleted) continue;
        if (r.id > end) return;
        if (r.id < start) continue;
        Item item = item_of(r, master);
        if (!fn(item)) return;
      }
    }
    return;
  }
  size_t i = node_at_or_before(end);
  if (i == nodes_.size()) return;
  for (size_t k = i + 1; k-- > 0;) {
    const Node& n = nodes_[k];
    if (n.last < start) return;
    Raw master = decode(n.data.data(), n.first, n.master_pairs);
    for (const char* at = n.data.data() + n.data.size(); at > n.data.data();) {
      step_back(at);
      Raw r = decode(at, n.first, n.master_pairs);
      if (r.id < start) return;
      if (*r.flag & kDeleted || r.id > end) continue;
      Item item = item_of(r, master);
      if (!fn(item)) return;
    }
  }
}

std::optional<Item> Stream::find(Id id) const {
  std::optional<Item> found;
  for_range(id, id, false, [&](Item& item) {
    found = std::move(item);
    return false;
  });
  return found;
}

std::optional<Item> Stream::edge(bool last) const {
  std::optional<Item> found;
  for_range(Id{}, kMaxId, last, [&](Item& item) {
    found = std::move(item);
    return false;
  });
  return found;
}

std::optional<Id> Stream::last_live_id() const {
  if (nodes_.empty()) return std::nullopt;
  const Node& tail = nodes_.back();
  if (!(tail.data[tail.last_at] & kDeleted)) return tail.last;
  std::optional<Item> last = edge(true);
  return last ? std::optional<Id>(last->id) : std::nullopt;
}

void Stream::refresh_first_id() {
  std::optional<Item> first = length_ ? edge(false) : std::nullopt;
  first_id = first ? first->id : Id{};
}

bool Stream::remove(Id id) {
  size_t i = node_at_or_before(id);
  if (i == nodes_.size()) return false;
  Node& n = nodes_[i];
  for (char* p = n.data.data(); p < n.data.data() + n.data.size();) {
    Raw r = decode(p, n.first, n.master_pairs);
    if (*r.flag & kDeleted) {  // passed over first, as in walk()
      p += r.end - r.flag;
      continue;
    }
    if (r.id > id) return false;
    if (r.id == id) {
      *p |= kDeleted;
      --n.live;
      ++n.deleted;
      --length_;
      if (n.live == 0) {
        node_bytes_ -= kNodeBytes + n.data.capacity();
        nodes_.erase(nodes_.begin() + static_cast<std::ptrdiff_t>(i));
      }
      bool was_first = id == first_id;
      if (id > max_deleted_id) max_deleted_id = id;
      if (length_ == 0) {
        first_id = Id{};
      } else if (was_first) {
        refresh_first_id();
      }
      return true;
    }
    p += r.end - r.flag;
  }
  return false;
}

int64_t Stream::mark_front(zset::FnRef<bool(Id)> stop) {
  Node& n = nodes_.front();
  int64_t marked = 0;
  for (char* p = n.data.data(); p < n.data.data() + n.data.size();) {
    Raw r = decode(p, n.first, n.master_pairs);
    if (stop(r.id)) break;
    if (!(*p & kDeleted)) {
      *p |= kDeleted;
      --n.live;
      ++n.deleted;
      --length_;
      ++marked;
    }
    p += r.end - r.flag;
  }
  return marked;
}

int64_t Stream::trim(const Trim& t) {
  using By = Trim::By;
  if (t.by == By::kNone) return 0;
  int64_t removed = 0;
  while (!nodes_.empty()) {
    if (t.by == By::kMaxLen && length_ <= t.max_len) break;
    Node& n = nodes_.front();
    if (t.limit && removed + n.live > t.limit) break;
    bool whole = t.by == By::kMaxLen ? length_ - n.live >= t.max_len : n.last < t.min_id;
    if (whole) {
      length_ -= n.live;
      removed += n.live;
      node_bytes_ -= kNodeBytes + n.data.capacity();
      nodes_.pop_front();
      continue;
    }
    if (t.approximate) break;
    if (t.by == By::kMaxLen) {
      removed += mark_front([&](Id) { return length_ <= t.max_len; });
    } else {
      removed += mark_front([&](Id id) { return id >= t.min_id; });
    }
    break;
  }
  refresh_first_id();
  return removed;
}

bool Stream::has_tombstones(Id start, Id end) const {
  if (length_ == 0 || max_deleted_id.zero()) return false;
  if (first_id > max_deleted_id) return false;
  return start <= max_deleted_id && max_deleted_id <= end;
}

int64_t Stream::entries_before_or_at(Id id) const {
  if (entries_added == 0) return 0;
  auto added = static_cast<int64_t>(entries_added);
  if (length_ == 0 && id <= last_id) return added;
  if (id == last_id) return added;
  if (id > last_id) return kInvalidEntriesRead;
  if (max_deleted_id.zero() || max_deleted_id < first_id) {
    if (id < first_id) return added - static_cast<int64_t>(length_);
    if (id == first_id) return added - static_cast<int64_t>(length_) + 1;
  }
  return kInvalidEntriesRead;
}

std::optional<int64_t> Stream::lag(const Group& g) const {
  auto added = static_cast<int64_t>(entries_added);
  if (entries_added == 0) return 0;
  if (g.entries_read != kInvalidEntriesRead && !has_tombstones(g.last_id)) {
    return added - g.entries_read;
  }
  int64_t read = entries_before_or_at(g.last_id);
  if (read == kInvalidEntriesRead) return std::nullopt;
  return added - read;
}

size_t Stream::bytes() const {
  size_t total = kStreamBytes + node_bytes_;
  // Each pending entry is in its group's map and in exactly one consumer's set.
  for (const auto& [name, g] : groups) {
    total += kGroupBytes + name.size() + g.pel.size() * (kNackBytes + kNackBytes / 2) +
             g.consumers.size() * kConsumerBytes;
  }
  return total;
}

Stream* of(const Entry* e) {
  Stream* s;
  std::memcpy(&s, e->value().data(), sizeof s);
  return s;
}

void init(Shard& shard, Entry*& e, const Stream* from) {
  auto* s = from ? new Stream(*from) : new Stream;
  e = shard.reencode_value(e, sizeof s);
  std::memcpy(e->value_data(), &s, sizeof s);
  e->set_type(ValueType::kStream);
  shard.account(static_cast<int64_t>(s->bytes()));
}

void destroy(Entry* e) { delete of(e); }

size_t heap_bytes(const Entry* e) { return of(e)->bytes(); }

}  // namespace cachet::store::stream
