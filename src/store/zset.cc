#include "store/zset.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/table.h"

namespace cachet::store::zset {
namespace {

std::atomic<size_t> g_max_entries{kDefaultMaxPackedEntries};
std::atomic<size_t> g_max_value{kDefaultMaxPackedValue};

// A packed member's length is one byte, whatever zset-max-listpack-value allows.
constexpr size_t kMaxPackedMember = 255;

bool before(double score_a, std::string_view a, double score_b, std::string_view b) {
  return score_a < score_b || (score_a == score_b && a < b);
}

// ---- packed: [u8 length][member][score]... in (score, member) order.

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53
constexpr uint8_t kDoubleMarker = 0x01;
constexpr size_t kMaxScoreBytes = 9;

// Writes `score` at `out`; returns the bytes written (at most kMaxScoreBytes). -0 is written as
// the integer 0, as Redis's listpack stores it.
size_t encode_score(double score, char* out) {
  if (score == std::trunc(score) && std::fabs(score) < kMaxExactInteger) {
    auto i = static_cast<int64_t>(score);
    uint64_t v = ((static_cast<uint64_t>(i) << 1) ^ static_cast<uint64_t>(i >> 63)) << 1;
    size_t n = 0;
    do {
      out[n++] = static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v >>= 7;
    } while (v != 0);
    return n;
  }
  out[0] = static_cast<char>(kDoubleMarker);
  std::memcpy(out + 1, &score, sizeof score);
  return 1 + sizeof score;
}

// Reads a score written by encode_score at `p`; returns the bytes it took.
size_t decode_score(const char* p, double& score) {
  if (static_cast<uint8_t>(p[0]) == kDoubleMarker) {
    std::memcpy(&score, p + 1, sizeof score);
    return 1 + sizeof score;
  }
  uint64_t v = 0;
  size_t n = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<uint8_t>(p[n++]);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  v >>= 1;
  score = static_cast<double>(static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)));
  return n;
}

// A decoded packed item and where it lies in the value bytes.
struct Packed {
  Element element;
  size_t offset;  // of its length byte
  size_t end;     // past its score
};

Packed decode_at(std::string_view bytes, size_t offset) {
  size_t len = static_cast<uint8_t>(bytes[offset]);
  Packed p{{bytes.substr(offset + 1, len), 0}, offset, 0};
  p.end = offset + 1 + len + decode_score(bytes.data() + offset + 1 + len, p.element.score);
  return p;
}

// Calls fn(const Packed&) for every item, in order, while it returns true.
template <typename Fn>
void walk_packed(const Entry* e, Fn&& fn) {
  std::string_view bytes = e->value();
  for (size_t at = 0; at < bytes.size();) {
    Packed p = decode_at(bytes, at);
    if (!fn(p)) return;
    at = p.end;
  }
}

std::optional<Packed> find_packed(const Entry* e, std::string_view member) {
  std::optional<Packed> found;
  walk_packed(e, [&](const Packed& p) {
    if (p.element.member == member) found = p;
    return !found;
  });
  return found;
}

size_t packed_count(const Entry* e) {
  size_t n = 0;
  walk_packed(e, [&](const Packed&) { return ++n, true; });
  return n;
}

void erase_packed(Shard& shard, Entry*& e, const Packed& p) {
  char* data = e->value_data();
  std::memmove(data + p.offset, data + p.end, e->value_len() - p.end);
  e = shard.resize_value(e, e->value_len() - (p.end - p.offset));
}

// Inserts (member, score), absent, at its place in the order. May move `e`.
void insert_packed(Shard& shard, Entry*& e, std::string_view member, double score) {
  size_t at = e->value_len();
  walk_packed(e, [&](const Packed& p) {
    if (!before(score, member, p.element.score, p.element.member)) return true;
    at = p.offset;
    return false;
  });
  char record[1 + kMaxPackedMember + kMaxScoreBytes];
  record[0] = static_cast<char>(member.size());
  std::memcpy(record + 1, member.data(), member.size());
  size_t len = 1 + member.size() + encode_score(score, record + 1 + member.size());
  size_t old_len = e->value_len();
  e = shard.resize_value(e, old_len + len);
  char* data = e->value_data();
  std::memmove(data + at + len, data + at, old_len - at);
  std::memcpy(data + at, record, len);
}

// ---- tree: a member table plus a B+tree of (score, member entry) items with subtree sizes.

struct Item {
  double score;
  Entry* member;  // owned by the member table; its key is the member, its value the score
  std::string_view name() const { return member->key(); }
};

// (score, member) order; reads the members' entries only when the scores tie, since every
// read is a likely cache miss.
bool less(const Item& a, const Item& b) {
  if (a.score != b.score) return a.score < b.score;
  return a.name() < b.name();
}

// Capacities that fill a 512-byte leaf and a 1024-byte inner node (allocator size classes).
constexpr uint16_t kLeafCap = 30;
constexpr uint16_t kInnerCap = 36;

struct Node {
  uint16_t n = 0;  // items (leaf) or children (inner)
  bool leaf;
  explicit Node(bool is_leaf) : leaf(is_leaf) {}
};

struct Leaf : Node {
  Leaf() : Node(true) {}
  Leaf* prev = nullptr;
  Leaf* next = nullptr;
  Item items[kLeafCap];
};

// keys[i] is the least item under kids[i]; sizes[i] the number of items under it.
struct Inner : Node {
  Inner() : Node(false) {}
  Item keys[kInnerCap];
  uint32_t sizes[kInnerCap];
  Node* kids[kInnerCap];
};

struct Tree {
  Table members;
  Node* root = nullptr;  // a Leaf while small
  size_t bytes = sizeof(Tree);
};

Tree* tree_of(const Entry* e) {
  Tree* t;
  std::memcpy(&t, e->value().data(), sizeof t);
  return t;
}

double entry_score(const Entry* m) {
  double s;
  std::memcpy(&s, m->value().data(), sizeof s);
  return s;
}

uint32_t member_hash(std::string_view member) { return hash32(member); }

// Every allocation of a tree is counted into its bytes and the shard's, as the allocator sizes it.
struct Charge {
  Shard& shard;
  Tree& tree;
  void operator()(int64_t delta) const {
    tree.bytes += delta;
    shard.account(delta);
  }
  template <typename T>
  T* make() const {
    T* node = new (std::malloc(sizeof(T))) T();
    (*this)(static_cast<int64_t>(malloc_usable_size(node)));
    return node;
  }
  void release(Node* node) const {
    (*this)(-static_cast<int64_t>(malloc_usable_size(node)));
    std::free(node);
  }
};

size_t subtree_size(const Node* node) {
  if (node->leaf) return node->n;
  auto* in = static_cast<const Inner*>(node);
  size_t n = 0;
  for (uint16_t i = 0; i < in->n; ++i) n += in->sizes[i];
  return n;
}

const Item& least(const Node* node) {
  return node->leaf ? static_cast<const Leaf*>(node)->items[0]
                    : static_cast<const Inner*>(node)->keys[0];
}

// The child of `in` whose range holds `x`: the last whose least item is not after `x`.
uint16_t child_for(const Inner* in, const Item& x) {
  uint16_t lo = 1, hi = in->n;
  while (lo < hi) {
    uint16_t mid = lo + (hi - lo) / 2;
    if (less(x, in->keys[mid])) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo - 1;
}

// Position of the first item of `leaf` not before `x`.
uint16_t position_in(const Leaf* leaf, const Item& x) {
  return static_cast<uint16_t>(std::lower_bound(leaf->items, leaf->items + leaf->n, x, less) -
                               leaf->items);
}

void refresh(Inner* in, uint16_t i) {
  in->keys[i] = least(in->kids[i]);
  in->sizes[i] = static_cast<uint32_t>(subtree_size(in->kids[i]));
}

// Puts `kid` into `in` at child position i (room required).
void place_child(Inner* in, uint16_t i, Node* kid) {
  std::move_backward(in->kids + i, in->kids + in->n, in->kids + in->n + 1);
  std::move_backward(in->keys + i, in->keys + in->n, in->keys + in->n + 1);
  std::move_backward(in->sizes + i, in->sizes + in->n, in->sizes + in->n + 1);
  in->kids[i] = kid;
  ++in->n;
  refresh(in, i);
}

void drop_child(Inner* in, uint16_t i) {
  std::move(in->kids + i + 1, in->kids + in->n, in->kids + i);
  std::move(in->keys + i + 1, in->keys + in->n, in->keys + i);
  std::move(in->sizes + i + 1, in->sizes + in->n, in->sizes + i);
  --in->n;
}

Leaf* split_leaf(const Charge& charge, Leaf* leaf) {
  Leaf* right = charge.make<Leaf>();
  uint16_t keep = leaf->n / 2;
  right->n = static_cast<uint16_t>(leaf->n - keep);
  std::copy(leaf->items + keep, leaf->items + leaf->n, right->items);
  leaf->n = keep;
  right->next = leaf->next;
  right->prev = leaf;
  if (leaf->next != nullptr) leaf->next->prev = right;
  leaf->next = right;
  return right;
}

Inner* split_inner(const Charge& charge, Inner* in) {
  Inner* right = charge.make<Inner>();
  uint16_t keep = in->n / 2;
  right->n = static_cast<uint16_t>(in->n - keep);
  std::copy(in->kids + keep, in->kids + in->n, right->kids);
  std::copy(in->keys + keep, in->keys + in->n, right->keys);
  std::copy(in->sizes + keep, in->sizes + in->n, right->sizes);
  in->n = keep;
  return right;
}

// Inserts `x` (absent) under `node`; returns the new right sibling when `node` split.
Node* insert_under(const Charge& charge, Node* node, const Item& x) {
  if (node->leaf) {
    auto* leaf = static_cast<Leaf*>(node);
    Leaf* right = leaf->n == kLeafCap ? split_leaf(charge, leaf) : nullptr;
    Leaf* target = right != nullptr && !less(x, right->items[0]) ? right : leaf;
    uint16_t at = position_in(target, x);
    std::move_backward(target->items + at, target->items + target->n,
                       target->items + target->n + 1);
    target->items[at] = x;
    ++target->n;
    return right;
  }
  auto* in = static_cast<Inner*>(node);
  uint16_t i = child_for(in, x);
  Node* kid_right = insert_under(charge, in->kids[i], x);
  refresh(in, i);
  if (kid_right == nullptr) return nullptr;
  Inner* right = in->n == kInnerCap ? split_inner(charge, in) : nullptr;
  if (right != nullptr && i >= in->n) {
    place_child(right, static_cast<uint16_t>(i - in->n + 1), kid_right);
  } else {
    place_child(in, static_cast<uint16_t>(i + 1), kid_right);
  }
  return right;
}

void tree_insert(const Charge& charge, Tree& t, const Item& x) {
  if (t.root == nullptr) t.root = charge.make<Leaf>();
  Node* right = insert_under(charge, t.root, x);
  if (right == nullptr) return;
  Inner* root = charge.make<Inner>();
  root->kids[0] = t.root;
  root->n = 1;
  refresh(root, 0);
  place_child(root, 1, right);
  t.root = root;
}

// Joins kids[i + 1] of `in` into kids[i] (their items fit one node) and frees it.
void merge_children(const Charge& charge, Inner* in, uint16_t i) {
  Node* left = in->kids[i];
  Node* right = in->kids[i + 1];
  if (left->leaf) {
    auto* l = static_cast<Leaf*>(left);
    auto* r = static_cast<Leaf*>(right);
    std::copy(r->items, r->items + r->n, l->items + l->n);
    l->n = static_cast<uint16_t>(l->n + r->n);
    l->next = r->next;
    if (r->next != nullptr) r->next->prev = l;
  } else {
    auto* l = static_cast<Inner*>(left);
    auto* r = static_cast<Inner*>(right);
    std::copy(r->kids, r->kids + r->n, l->kids + l->n);
    std::copy(r->keys, r->keys + r->n, l->keys + l->n);
    std::copy(r->sizes, r->sizes + r->n, l->sizes + l->n);
    l->n = static_cast<uint16_t>(l->n + r->n);
  }
  drop_child(in, static_cast<uint16_t>(i + 1));
  charge.release(right);
  refresh(in, i);
}

uint16_t capacity(const Node* node) { return node->leaf ? kLeafCap : kInnerCap; }

// After kids[i] of `in` shrank: frees it when empty, else joins it with a neighbour when it is
// under a quarter full and the two fit one node, so deletions do not leave sparse nodes behind.
void rebalance(const Charge& charge, Inner* in, uint16_t i) {
  Node* kid = in->kids[i];
  if (kid->n == 0) {
    if (kid->leaf) {
      auto* leaf = static_cast<Leaf*>(kid);
      if (leaf->prev != nullptr) leaf->prev->next = leaf->next;
      if (leaf->next != nullptr) leaf->next->prev = leaf->prev;
    }
    drop_child(in, i);
    charge.release(kid);
    return;
  }
  refresh(in, i);
  if (kid->n >= capacity(kid) / 4 || in->n < 2) return;
  uint16_t left = i > 0 ? static_cast<uint16_t>(i - 1) : i;
  if (in->kids[left]->n + in->kids[left + 1]->n <= capacity(kid)) merge_children(charge, in, left);
}

// Removes `x` from under `node`; false when absent.
bool erase_under(const Charge& charge, Node* node, const Item& x) {
  if (node->leaf) {
    auto* leaf = static_cast<Leaf*>(node);
    uint16_t at = position_in(leaf, x);
    if (at == leaf->n || leaf->items[at].member != x.member) return false;
    std::move(leaf->items + at + 1, leaf->items + leaf->n, leaf->items + at);
    --leaf->n;
    return true;
  }
  auto* in = static_cast<Inner*>(node);
  uint16_t i = child_for(in, x);
  if (!erase_under(charge, in->kids[i], x)) return false;
  rebalance(charge, in, i);
  return true;
}

void tree_erase(const Charge& charge, Tree& t, const Item& x) {
  erase_under(charge, t.root, x);
  while (!t.root->leaf && t.root->n == 1) {  // a root with one child: the child is the root
    Node* old = t.root;
    t.root = static_cast<Inner*>(old)->kids[0];
    charge.release(old);
  }
}

// The leaf holding ascending rank `r` (< size) and the index within it.
std::pair<const Leaf*, uint16_t> locate(const Tree& t, size_t r) {
  const Node* node = t.root;
  while (!node->leaf) {
    auto* in = static_cast<const Inner*>(node);
    uint16_t i = 0;
    while (r >= in->sizes[i]) r -= in->sizes[i++];
    node = in->kids[i];
  }
  return {static_cast<const Leaf*>(node), static_cast<uint16_t>(r)};
}

size_t tree_rank(const Tree& t, const Item& x) {
  size_t r = 0;
  const Node* node = t.root;
  while (!node->leaf) {
    auto* in = static_cast<const Inner*>(node);
    uint16_t i = child_for(in, x);
    for (uint16_t j = 0; j < i; ++j) r += in->sizes[j];
    node = in->kids[i];
  }
  return r + position_in(static_cast<const Leaf*>(node), x);
}

Element element_of(const Item& x) { return {x.name(), x.score}; }

void free_tree(Node* node) {
  if (!node->leaf) {
    auto* in = static_cast<Inner*>(node);
    for (uint16_t i = 0; i < in->n; ++i) free_tree(in->kids[i]);
  }
  std::free(node);
}

void tree_add_new(const Charge& charge, Tree& t, std::string_view member, double score) {
  auto buckets = static_cast<int64_t>(t.members.bucket_bytes());
  Entry* m = new_entry(member, {reinterpret_cast<const char*>(&score), sizeof score}, sizeof score);
  t.members.insert(m, member_hash(member));
  charge(static_cast<int64_t>(entry_bytes(m)) + static_cast<int64_t>(t.members.bucket_bytes()) -
         buckets);
  tree_insert(charge, t, {score, m});
}

// Unlinks and frees the member entry `m` of the tree (already out of the B+tree).
void free_member(const Charge& charge, Tree& t, Entry* m) {
  auto buckets = static_cast<int64_t>(t.members.bucket_bytes());
  t.members.unlink(m->key(), member_hash(m->key()));
  auto freed = static_cast<int64_t>(entry_bytes(m));
  free_entry(m);
  t.members.maybe_shrink();
  charge(static_cast<int64_t>(t.members.bucket_bytes()) - buckets - freed);
}

bool fits_packed(size_t count, size_t longest_member) {
  return count <= max_packed_entries() && longest_member <= max_packed_value() &&
         longest_member <= kMaxPackedMember;
}

AddResult add_packed(Shard& shard, Entry*& e, std::string_view member, double score) {
  std::optional<Packed> old = find_packed(e, member);
  if (old) {
    if (old->element.score == score) return AddResult::kUnchanged;
    erase_packed(shard, e, *old);
    insert_packed(shard, e, member, score);
    return AddResult::kUpdated;
  }
  insert_packed(shard, e, member, score);
  return AddResult::kAdded;
}

AddResult add_tree(Shard& shard, Entry* e, std::string_view member, double score) {
  Tree& t = *tree_of(e);
  Charge charge{shard, t};
  Entry* m = t.members.find(member, member_hash(member));
  if (m == nullptr) {
    tree_add_new(charge, t, member, score);
    shard.touch(e->key());
    return AddResult::kAdded;
  }
  double old = entry_score(m);
  if (old == score) return AddResult::kUnchanged;
  tree_erase(charge, t, {old, m});
  std::memcpy(m->value_data(), &score, sizeof score);
  tree_insert(charge, t, {score, m});
  shard.touch(e->key());
  return AddResult::kUpdated;
}

}  // namespace

void set_max_packed(size_t entries, size_t value) {
  g_max_entries.store(entries, std::memory_order_relaxed);
  g_max_value.store(value, std::memory_order_relaxed);
}
size_t max_packed_entries() { return g_max_entries.load(std::memory_order_relaxed); }
size_t max_packed_value() { return g_max_value.load(std::memory_order_relaxed); }

void init(Entry* e) {
  e->set_type(ValueType::kZsetPacked);
  e->set_value_len(0);
}

void convert_to_tree(Shard& shard, Entry*& e) {
  if (e->type() == ValueType::kZsetTree) return;
  std::vector<std::pair<std::string, double>> items;
  walk_packed(e, [&](const Packed& p) {
    items.emplace_back(p.element.member, p.element.score);
    return true;
  });
  auto* t = new Tree;
  shard.account(static_cast<int64_t>(sizeof(Tree)));
  Charge charge{shard, *t};
  for (const auto& [member, score] : items) tree_add_new(charge, *t, member, score);
  e = shard.reencode_value(e, sizeof t);
  std::memcpy(e->value_data(), &t, sizeof t);
  e->set_type(ValueType::kZsetTree);
}

void reserve(Shard& shard, Entry*& e, size_t size_hint, size_t longest_member) {
  if (!fits_packed(size_hint, longest_member)) convert_to_tree(shard, e);
}

size_t size(const Entry* e) {
  return e->type() == ValueType::kZsetTree ? tree_of(e)->members.size() : packed_count(e);
}

std::optional<double> score(const Entry* e, std::string_view member) {
  if (e->type() == ValueType::kZsetTree) {
    const Entry* m = tree_of(e)->members.find(member, member_hash(member));
    if (m == nullptr) return std::nullopt;
    return entry_score(m);
  }
  std::optional<Packed> p = find_packed(e, member);
  if (!p) return std::nullopt;
  return p->element.score;
}

AddResult add(Shard& shard, Entry*& e, std::string_view member, double score) {
  if (e->type() == ValueType::kZsetPacked) {
    if (fits_packed(packed_count(e) + 1, member.size()) ||
        (fits_packed(0, member.size()) && find_packed(e, member))) {
      return add_packed(shard, e, member, score);
    }
    convert_to_tree(shard, e);
  }
  return add_tree(shard, e, member, score);
}

bool remove(Shard& shard, Entry*& e, std::string_view member) {
  if (e->type() == ValueType::kZsetPacked) {
    std::optional<Packed> p = find_packed(e, member);
    if (p) erase_packed(shard, e, *p);
    return p.has_value();
  }
  Tree& t = *tree_of(e);
  Entry* m = t.members.find(member, member_hash(member));
  if (m == nullptr) return false;
  Charge charge{shard, t};
  tree_erase(charge, t, {entry_score(m), m});
  free_member(charge, t, m);
  shard.touch(e->key());
  return true;
}

std::optional<size_t> rank(const Entry* e, std::string_view member) {
  if (e->type() == ValueType::kZsetTree) {
    const Tree& t = *tree_of(e);
    Entry* m = t.members.find(member, member_hash(member));
    if (m == nullptr) return std::nullopt;
    return tree_rank(t, {entry_score(m), m});
  }
  std::optional<size_t> found;
  size_t r = 0;
  walk_packed(e, [&](const Packed& p) {
    if (p.element.member == member) found = r;
    ++r;
    return !found;
  });
  return found;
}

Element at(const Entry* e, size_t r) {
  if (e->type() == ValueType::kZsetTree) {
    auto [leaf, i] = locate(*tree_of(e), r);
    return element_of(leaf->items[i]);
  }
  Element x{};
  walk_packed(e, [&](const Packed& p) {
    x = p.element;
    return r-- > 0;
  });
  return x;
}

size_t count_before(const Entry* e, FnRef<bool(const Element&)> pred) {
  size_t n = 0;
  if (e->type() == ValueType::kZsetPacked) {
    walk_packed(e, [&](const Packed& p) { return pred(p.element) && ++n; });
    return n;
  }
  const Node* node = tree_of(e)->root;
  while (!node->leaf) {
    auto* in = static_cast<const Inner*>(node);
    uint16_t k = static_cast<uint16_t>(
        std::partition_point(in->keys, in->keys + in->n,
                             [&](const Item& x) { return pred(element_of(x)); }) -
        in->keys);
    if (k == 0) return n;
    for (uint16_t j = 0; j + 1 < k; ++j) n += in->sizes[j];
    node = in->kids[k - 1];
  }
  auto* leaf = static_cast<const Leaf*>(node);
  return n + static_cast<size_t>(
                 std::partition_point(leaf->items, leaf->items + leaf->n,
                                      [&](const Item& x) { return pred(element_of(x)); }) -
                 leaf->items);
}

void for_range(const Entry* e, size_t first, size_t last, bool reverse,
               FnRef<bool(const Element&)> fn) {
  if (e->type() == ValueType::kZsetPacked) {
    std::vector<Element> picked;  // a packed set is small: reversing a copy is cheap
    size_t r = 0;
    walk_packed(e, [&](const Packed& p) {
      if (r >= first) picked.push_back(p.element);
      return ++r <= last;
    });
    if (reverse) std::reverse(picked.begin(), picked.end());
    for (const Element& x : picked) {
      if (!fn(x)) return;
    }
    return;
  }
  auto [leaf, i] = locate(*tree_of(e), reverse ? last : first);
  for (size_t left = last - first + 1; left > 0; --left) {
    if (!fn(element_of(leaf->items[i]))) return;
    if (reverse) {
      if (i == 0 && left > 1) {
        leaf = leaf->prev;
        i = leaf->n;
      }
      --i;
    } else if (++i == leaf->n && left > 1) {
      leaf = leaf->next;
      i = 0;
    }
  }
}

size_t remove_range(Shard& shard, Entry*& e, size_t first, size_t last) {
  if (e->type() == ValueType::kZsetPacked) {
    size_t from = 0, to = 0, r = 0;
    walk_packed(e, [&](const Packed& p) {
      if (r == first) from = p.offset;
      to = p.end;
      return ++r <= last;
    });
    char* data = e->value_data();
    std::memmove(data + from, data + to, e->value_len() - to);
    e = shard.resize_value(e, e->value_len() - (to - from));
    return last - first + 1;
  }
  Tree& t = *tree_of(e);
  std::vector<Item> doomed;
  doomed.reserve(last - first + 1);
  auto [leaf, i] = locate(t, first);
  for (size_t left = last - first + 1; left > 0; --left) {
    doomed.push_back(leaf->items[i]);
    if (++i == leaf->n && left > 1) {
      leaf = leaf->next;
      i = 0;
    }
  }
  Charge charge{shard, t};
  for (const Item& x : doomed) {
    tree_erase(charge, t, x);
    free_member(charge, t, x.member);
  }
  shard.touch(e->key());
  return doomed.size();
}

uint64_t scan(const Entry* e, uint64_t cursor, FnRef<void(const Element&)> fn) {
  if (e->type() == ValueType::kZsetPacked) {
    for_each(e, fn);
    return 0;
  }
  return tree_of(e)->members.scan(cursor, [&](const Entry* m) {
    fn(Element{m->key(), entry_score(m)});
  });
}

std::string_view encoding_name(const Entry* e) {
  return e->type() == ValueType::kZsetTree ? "skiplist" : "listpack";
}

void destroy(Entry* e) {
  if (e->type() != ValueType::kZsetTree) return;
  Tree* t = tree_of(e);
  if (t->root != nullptr) free_tree(t->root);
  delete t;  // the member table frees the member entries
}

size_t heap_bytes(const Entry* e) {
  return e->type() == ValueType::kZsetTree ? tree_of(e)->bytes : 0;
}

}  // namespace cachet::store::zset
