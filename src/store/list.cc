#include "store/list.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "store/lzf.h"
#include "store/store.h"

namespace cachet::store::list {
namespace {

// ---- Element codec: [header][bytes][header mirrored]. The header is 1 byte for a length below
// 0x80, 2 bytes (0x80 | len >> 8, len & 0xff) below 0x4000, else 0xC0 and the length as a
// little-endian u32. Its first byte says its size, so it can be read from either side.

constexpr size_t kMaxHeader = 5;

size_t header_size(size_t len) { return len < 0x80 ? 1 : len < 0x4000 ? 2 : kMaxHeader; }
size_t header_size_of_tag(unsigned char tag) {
  return tag < 0x80 ? 1 : tag < 0xC0 ? 2 : kMaxHeader;
}
size_t encoded_size(size_t len) { return 2 * header_size(len) + len; }

size_t write_header(unsigned char* out, size_t len) {
  if (len < 0x80) {
    out[0] = static_cast<unsigned char>(len);
  } else if (len < 0x4000) {
    out[0] = static_cast<unsigned char>(0x80 | (len >> 8));
    out[1] = static_cast<unsigned char>(len & 0xff);
  } else {
    out[0] = 0xC0;
    uint32_t n = static_cast<uint32_t>(len);
    std::memcpy(out + 1, &n, sizeof n);
  }
  return header_size(len);
}

size_t read_length(const unsigned char* header) {
  if (header[0] < 0x80) return header[0];
  if (header[0] < 0xC0) return (static_cast<size_t>(header[0] & 0x3f) << 8) | header[1];
  uint32_t n;
  std::memcpy(&n, header + 1, sizeof n);
  return n;
}

// Writes `value` encoded at `out` (encoded_size(value.size()) bytes).
void encode(char* out, std::string_view value) {
  unsigned char header[kMaxHeader];
  size_t h = write_header(header, value.size());
  std::memcpy(out, header, h);
  if (!value.empty()) std::memcpy(out + h, value.data(), value.size());
  for (size_t i = 0; i < h; ++i) out[h + value.size() + i] = static_cast<char>(header[h - 1 - i]);
}

struct Element {
  std::string_view value;
  size_t size;  // encoded bytes
};

// The element starting at `p`.
Element decode(const char* p) {
  auto* header = reinterpret_cast<const unsigned char*>(p);
  size_t h = header_size_of_tag(header[0]), len = read_length(header);
  return {{p + h, len}, 2 * h + len};
}

// The element ending at `end`.
Element decode_back(const char* end) {
  auto* tail = reinterpret_cast<const unsigned char*>(end);
  size_t h = header_size_of_tag(tail[-1]);
  unsigned char header[kMaxHeader];
  for (size_t i = 0; i < h; ++i) header[i] = tail[-1 - static_cast<ptrdiff_t>(i)];
  size_t len = read_length(header);
  return {{end - h - len, len}, 2 * h + len};
}

// ---- The size limit shared by the packed form and the nodes.

constexpr int64_t kDefaultLimit = -2;
constexpr int64_t kMaxCountLimit = 32767;  // Redis's FILL_MAX
constexpr size_t kCountLimitBytes = 8192;  // Redis's SIZE_SAFETY_LIMIT for count limits
constexpr size_t kSmallestByteLimit = 4096;
std::atomic<int64_t> g_limit{kDefaultLimit};
constexpr int64_t kMaxCompressDepth = 65535;  // Redis's COMPRESS_MAX
std::atomic<int64_t> g_compress_depth{0};

size_t byte_limit() {
  int64_t v = g_limit.load(std::memory_order_relaxed);
  return v >= 0 ? kCountLimitBytes : kSmallestByteLimit << (std::min<int64_t>(-v, 5) - 1);
}

// Whether a run of `count` elements in `bytes` packed bytes is within the limit.
bool fits(size_t bytes, size_t count) {
  int64_t v = g_limit.load(std::memory_order_relaxed);
  if (v >= 0 && count > static_cast<size_t>(std::clamp<int64_t>(v, 1, kMaxCountLimit))) {
    return false;
  }
  return bytes <= byte_limit();
}

// ---- Runs: the elements of the packed form or of one node.

struct Run {
  const char* data;
  size_t bytes;
  size_t count;
};

// Bytes of the first (kHead) or last (kTail) `k` elements of `r`; requires k <= r.count.
size_t span(Run r, End end, size_t k) {
  size_t len = 0;
  for (; k > 0; --k) {
    len += end == End::kHead ? decode(r.data + len).size : decode_back(r.data + r.bytes - len).size;
  }
  return len;
}

// Where element `i` (< r.count) starts, walking from the nearer end.
size_t offset_in_run(Run r, size_t i) {
  if (i < r.count / 2) return span(r, End::kHead, i);
  return r.bytes - span(r, End::kTail, r.count - i);
}

// ---- The packed form: [u16 count][elements] in the value bytes; an empty value is empty.

constexpr size_t kCountBytes = sizeof(uint16_t);

size_t packed_count(const Entry* e) {
  if (e->value_len() < kCountBytes) return 0;
  uint16_t n;
  std::memcpy(&n, e->value().data(), sizeof n);
  return n;
}

Run packed_run(const Entry* e) {
  size_t len = e->value_len();
  if (len < kCountBytes) return {e->value().data(), 0, 0};
  return {e->value().data() + kCountBytes, len - kCountBytes, packed_count(e)};
}

bool is_packed(const Entry* e) { return e->type() == ValueType::kListPacked; }

// Replaces `old_len` bytes at `offset` of the packed elements with `new_len` uninitialized bytes
// and changes the count by `count_delta`; returns where the new bytes go. May move `e`.
char* splice_packed(Shard& shard, Entry*& e, size_t offset, size_t old_len, size_t new_len,
                    int64_t count_delta) {
  uint16_t count = static_cast<uint16_t>(static_cast<int64_t>(packed_count(e)) + count_delta);
  size_t total = std::max(e->value_len(), kCountBytes);
  size_t new_total = total - old_len + new_len, tail = total - kCountBytes - offset - old_len;
  if (new_total > e->value_len()) e = shard.resize_value(e, new_total);
  char* data = e->value_data() + kCountBytes;
  std::memmove(data + offset + new_len, data + offset + old_len, tail);
  std::memcpy(e->value_data(), &count, sizeof count);
  if (new_total < e->value_len()) e = shard.resize_value(e, new_total);
  return e->value_data() + kCountBytes + offset;
}

// ---- The node form.

// The node's buffer follows the header: [start free bytes][bytes of elements][the rest free].
// The free bytes in front let pushes and pops at the head of the list skip moving the node's
// elements (LPUSH on a full 8 KB node otherwise memmoves all of it every time). A compressed
// node (lzf_bytes != 0) instead holds the LZF form of its `bytes` element bytes at the front of
// a buffer of just that size; only inflate() may make it readable in place, so every function
// that changes or reads a node's bytes in place requires it raw.
struct Node {
  Node* prev;
  Node* next;
  uint32_t bytes;       // packed element bytes (their uncompressed size when compressed)
  uint32_t count;       // elements, at least 1 (an emptied node is freed)
  uint32_t capacity;    // bytes of the buffer
  uint32_t start;       // where the elements begin in the buffer (0 when compressed)
  uint32_t lzf_bytes;   // compressed: the LZF bytes in the buffer; raw: 0
  bool incompressible;  // raw, and compressing these bytes saved too little (reset by changes)
  char* buffer() { return reinterpret_cast<char*>(this + 1); }
  char* data() { return buffer() + start; }
  const char* data() const { return reinterpret_cast<const char*>(this + 1) + start; }
  // Moves the elements to the front of the buffer.
  void compact() {
    if (start != 0) std::memmove(buffer(), data(), bytes);
    start = 0;
  }
};

// Compression (list-compress-depth, fixed per list when it converts): after every operation,
// the `depth` nodes at each end are raw and the others compressed where that pays (Redis's
// rules, see deflate()); an operation inflates a compressed node it reads or changes in place
// and recompresses it before returning. With fewer than 2 * depth + 1 nodes all stay raw.
struct Nodes {
  Node* head;
  Node* tail;
  size_t count;     // elements in all nodes
  size_t heap;      // allocator bytes of this struct and the nodes (what heap_bytes reports)
  size_t nodes;     // nodes in the list
  uint32_t depth;   // list-compress-depth at conversion; 0: never compressed
  bool ends_moved;  // a node was linked or unlinked since the last recompress_ends()
};

constexpr size_t kShrinkFloor = 256;  // node capacities below this are never shrunk

// A node's limit counts its header too, so a full node is one allocation of the byte limit (8 KB
// is a jemalloc size class; 8 KB of elements plus the header would take 10 KB).
bool node_fits(size_t bytes, size_t count) { return fits(bytes + sizeof(Node), count); }

Nodes* nodes_of(const Entry* e) {
  Nodes* l;
  std::memcpy(&l, e->value().data(), sizeof l);
  return l;
}

Run node_run(const Node* n) { return {n->data(), n->bytes, n->count}; }
Run run_of(const Entry* e, const Node* n) { return n != nullptr ? node_run(n) : packed_run(e); }

size_t usable(void* p) { return malloc_usable_size(p); }

void charge(Shard& shard, Nodes& l, int64_t delta) {
  l.heap += delta;
  shard.account(delta);
}

// Points the neighbours of `n` (or the list's ends) at `n`.
void relink(Nodes& l, Node* n) {
  (n->prev != nullptr ? n->prev->next : l.head) = n;
  (n->next != nullptr ? n->next->prev : l.tail) = n;
}

// Moves `n` to an allocation with room for `capacity` bytes; returns the moved node.
Node* reallocate(Shard& shard, Nodes& l, Node* n, size_t capacity) {
  n->compact();  // realloc keeps the front of the buffer
  int64_t before = static_cast<int64_t>(usable(n));
  auto* moved = static_cast<Node*>(std::realloc(n, sizeof(Node) + capacity));
  if (moved == nullptr) std::abort();  // like Redis: running out of memory is fatal
  moved->capacity = static_cast<uint32_t>(usable(moved) - sizeof(Node));
  charge(shard, l, static_cast<int64_t>(usable(moved)) - before);
  relink(l, moved);
  return moved;
}

Node* allocate(size_t capacity) {
  auto* n = static_cast<Node*>(std::malloc(sizeof(Node) + capacity));
  if (n == nullptr) std::abort();  // like Redis: running out of memory is fatal
  return n;
}

// Links a new empty node with room for `capacity` bytes after `prev` (null: as the head).
Node* link_node(Shard& shard, Nodes& l, Node* prev, size_t capacity) {
  Node* n = allocate(capacity);
  *n = Node{.prev = prev,
            .next = prev != nullptr ? prev->next : l.head,
            .bytes = 0,
            .count = 0,
            .capacity = static_cast<uint32_t>(usable(n) - sizeof(Node)),
            .start = 0,
            .lzf_bytes = 0,
            .incompressible = false};
  relink(l, n);
  charge(shard, l, static_cast<int64_t>(usable(n)));
  ++l.nodes;
  l.ends_moved = true;
  return n;
}

void unlink_node(Shard& shard, Nodes& l, Node* n) {
  (n->prev != nullptr ? n->prev->next : l.head) = n->next;
  (n->next != nullptr ? n->next->prev : l.tail) = n->prev;
  l.count -= n->count;
  --l.nodes;
  l.ends_moved = true;
  charge(shard, l, -static_cast<int64_t>(usable(n)));
  std::free(n);
}

// Puts `moved` (a copy of n's header in a new allocation) in n's place and frees `n`.
Node* replace_node(Shard& shard, Nodes& l, Node* n, Node* moved) {
  moved->capacity = static_cast<uint32_t>(usable(moved) - sizeof(Node));
  relink(l, moved);
  charge(shard, l, static_cast<int64_t>(usable(moved)) - static_cast<int64_t>(usable(n)));
  std::free(n);
  return moved;
}

// ---- Node compression.

constexpr size_t kMinCompressBytes = 48;   // Redis's MIN_COMPRESS_BYTES
constexpr size_t kMinCompressImprove = 8;  // Redis's MIN_COMPRESS_IMPROVE

// Compresses raw `n` when it has at least kMinCompressBytes and LZF saves more than
// kMinCompressImprove bytes (Redis's __quicklistCompressNode), else marks it incompressible.
// Returns the node, moved when compressed.
Node* deflate(Shard& shard, Nodes& l, Node* n) {
  if (n->lzf_bytes != 0 || n->incompressible) return n;
  n->incompressible = true;
  if (n->bytes < kMinCompressBytes) return n;
  size_t room = n->bytes - kMinCompressImprove - 1;
  Node* m = allocate(room);
  size_t z = lzf::compress({n->data(), n->bytes}, m->buffer(), room);
  if (z == 0) {
    std::free(m);
    return n;
  }
  *m = *n;
  m->start = 0;
  m->lzf_bytes = static_cast<uint32_t>(z);
  m->incompressible = false;
  m = static_cast<Node*>(std::realloc(m, sizeof(Node) + z));
  if (m == nullptr) std::abort();
  return replace_node(shard, l, n, m);
}

// Writes the `bytes` element bytes of compressed `n` to `out`.
void decompress_node(const Node* n, char* out) {
  std::string_view lzf_data(reinterpret_cast<const char*>(n + 1), n->lzf_bytes);
  // The LZF bytes are cachet's own output: failing to decompress them is memory corruption.
  if (!lzf::decompress(lzf_data, out, n->bytes)) std::abort();
}

// Decompresses `n` in place if compressed (Redis's quicklistDecompressNodeForUse); returns the
// node, moved when it was compressed.
Node* inflate(Shard& shard, Nodes& l, Node* n) {
  if (n->lzf_bytes == 0) return n;
  Node* m = allocate(n->bytes);
  decompress_node(n, m->buffer());
  *m = *n;
  m->lzf_bytes = 0;
  return replace_node(shard, l, n, m);
}

// Whether `n` is at least l.depth nodes away from both ends (so it is kept compressed). O(depth).
bool inner(const Nodes& l, const Node* n) {
  const Node* back = n;
  const Node* ahead = n;
  for (size_t i = 0; i < l.depth; ++i) {
    back = back->prev;
    ahead = ahead->next;
    if (back == nullptr || ahead == nullptr) return false;
  }
  return true;
}

// Compresses the inner nodes strictly between `before` and `after` (null: the list's ends).
void deflate_between(Shard& shard, Nodes& l, Node* before, Node* after) {
  if (l.depth == 0) return;
  for (Node* n = before != nullptr ? before->next : l.head; n != after;) {
    Node* next = n->next;
    if (inner(l, n)) deflate(shard, l, n);
    n = next;
  }
}

// Compresses every inner node. O(nodes).
void deflate_all(Shard& shard, Nodes& l) {
  if (l.depth == 0) return;
  size_t i = 0;
  for (Node* n = l.head; n != nullptr; ++i) {
    Node* next = n->next;
    if (i >= l.depth && l.nodes - 1 - i >= l.depth) deflate(shard, l, n);
    n = next;
  }
}

// One end's side of recompress_ends: inflates the `depth` nodes from `end` and compresses the
// raw inner nodes that follow up to the first one already compressed (or incompressible).
void recompress_side(Shard& shard, Nodes& l, End end) {
  auto step = [end](Node* n) { return end == End::kHead ? n->next : n->prev; };
  Node* n = end == End::kHead ? l.head : l.tail;
  for (size_t i = 0; n != nullptr && i < l.depth; ++i) n = step(inflate(shard, l, n));
  while (n != nullptr && n->lzf_bytes == 0 && !n->incompressible && inner(l, n)) {
    n = step(deflate(shard, l, n));
  }
}

// Restores the compression invariant at both ends after nodes were linked or unlinked: nodes
// that moved into the end ranges are inflated, the ones that moved out compressed.
void recompress_ends(Shard& shard, Nodes& l) {
  if (l.depth == 0 || !l.ends_moved) return;
  l.ends_moved = false;
  recompress_side(shard, l, End::kHead);
  recompress_side(shard, l, End::kTail);
}

// splice_packed for a raw node; may move `n`. Grows capacity geometrically up to the byte limit.
char* splice_node(Shard& shard, Nodes& l, Node*& n, size_t offset, size_t old_len, size_t new_len,
                  int64_t count_delta) {
  size_t total = n->bytes, new_total = total - old_len + new_len;
  n->incompressible = false;
  n->count = static_cast<uint32_t>(n->count + count_delta);
  l.count += count_delta;
  n->bytes = static_cast<uint32_t>(new_total);
  if (offset == 0 && new_len <= n->start + old_len) {  // at the head, within the front gap
    n->start = static_cast<uint32_t>(n->start + old_len - new_len);
    return n->data();
  }
  if (new_total > n->capacity) {
    size_t grown = std::min<size_t>(2 * size_t{n->capacity}, byte_limit() - sizeof(Node));
    n->bytes = static_cast<uint32_t>(total);
    n = reallocate(shard, l, n, std::max(new_total, grown));
    n->bytes = static_cast<uint32_t>(new_total);
  }
  char* data = n->data();
  if (offset == 0) {
    // A push at the head with no gap left: the elements go to the back of the buffer, so the
    // pushes that follow find room in front.
    size_t gap = n->capacity - new_total;
    std::memmove(n->buffer() + gap + new_len, data + old_len, total - old_len);
    n->start = static_cast<uint32_t>(gap);
    return n->data();
  }
  if (n->start + new_total > n->capacity) {
    std::memmove(n->buffer(), data, offset + old_len);  // the head part; the tail moves below
    std::memmove(n->buffer() + offset + new_len, data + offset + old_len, total - offset - old_len);
    n->start = 0;
    return n->data() + offset;
  }
  std::memmove(data + offset + new_len, data + offset + old_len, total - offset - old_len);
  return data + offset;
}

// Splits `n` (halving its bytes, at element boundaries) until every part is within the limit or
// holds one element.
void split(Shard& shard, Nodes& l, Node* n) {
  if (n->count < 2 || node_fits(n->bytes, n->count)) return;
  size_t offset = 0, kept = 0;
  do {
    offset += decode(n->data() + offset).size;
    ++kept;
  } while (offset < n->bytes / 2 && kept < n->count - 1);
  size_t moved = n->bytes - offset;
  Node* m = link_node(shard, l, n, moved);
  std::memcpy(m->data(), n->data() + offset, moved);
  m->bytes = static_cast<uint32_t>(moved);
  m->count = n->count - static_cast<uint32_t>(kept);
  n->bytes = static_cast<uint32_t>(offset);
  n->count = static_cast<uint32_t>(kept);
  split(shard, l, m);
  split(shard, l, n);
}

// Restores the node invariants after a change to `n`: frees it if empty, splits it if over the
// limit, shrinks its allocation if mostly unused.
void settle(Shard& shard, Nodes& l, Node* n) {
  if (n->count == 0) return unlink_node(shard, l, n);
  if (!node_fits(n->bytes, n->count)) return split(shard, l, n);
  if (n->capacity > kShrinkFloor && n->bytes < n->capacity / 4) {
    reallocate(shard, l, n, 2 * size_t{n->bytes});
  }
}

// Merges neighbouring nodes whose elements fit one node together.
void merge_small(Shard& shard, Nodes& l) {
  for (Node* n = l.head; n != nullptr && n->next != nullptr;) {
    Node* m = n->next;
    if (!node_fits(n->bytes + m->bytes, n->count + m->count)) {
      n = m;
      continue;
    }
    n = inflate(shard, l, n);
    m = inflate(shard, l, m);
    std::memcpy(splice_node(shard, l, n, n->bytes, 0, m->bytes, m->count), m->data(), m->bytes);
    unlink_node(shard, l, m);
  }
}

void push_node(Shard& shard, Nodes& l, End end, std::string_view value) {
  size_t size = encoded_size(value.size());
  Node* n = end == End::kHead ? l.head : l.tail;
  if (n == nullptr || !node_fits(n->bytes + size, n->count + 1)) {
    n = link_node(shard, l, end == End::kHead ? nullptr : l.tail, size);
  }
  encode(splice_node(shard, l, n, end == End::kHead ? 0 : n->bytes, 0, size, 1), value);
}

// Converts a packed list to nodes, for good.
void convert(Shard& shard, Entry*& e) {
  auto* l = static_cast<Nodes*>(std::malloc(sizeof(Nodes)));
  if (l == nullptr) std::abort();
  *l = Nodes{.head = nullptr,
             .tail = nullptr,
             .count = 0,
             .heap = 0,
             .nodes = 0,
             .depth = static_cast<uint32_t>(g_compress_depth.load(std::memory_order_relaxed)),
             .ends_moved = false};
  charge(shard, *l, static_cast<int64_t>(usable(l)));
  for (Cursor c(e, 0, End::kTail); !c.done(); c.next()) push_node(shard, *l, End::kTail, c.value());
  deflate_all(shard, *l);
  l->ends_moved = false;
  e = shard.resize_value(e, sizeof l);
  std::memcpy(e->value_data(), &l, sizeof l);
  e->set_type(ValueType::kListNodes);
}

// ---- Both forms: a run is a node, or null for the packed form.

char* splice(Shard& shard, Entry*& e, Node*& n, size_t offset, size_t old_len, size_t new_len,
             int64_t count_delta) {
  if (n == nullptr) return splice_packed(shard, e, offset, old_len, new_len, count_delta);
  return splice_node(shard, *nodes_of(e), n, offset, old_len, new_len, count_delta);
}

void settle(Shard& shard, Entry* e, Node* n) {
  if (n != nullptr) settle(shard, *nodes_of(e), n);
}

// The run at `end`, raw: null for the packed form, else the head or tail node (inflated).
// Requires a non-empty list.
Node* raw_end(Shard& shard, Entry* e, End end) {
  if (is_packed(e)) return nullptr;
  Nodes& l = *nodes_of(e);
  return inflate(shard, l, end == End::kHead ? l.head : l.tail);
}

// Restores the compression invariant after a public operation changed the list.
void finish(Shard& shard, Entry* e) {
  if (!is_packed(e)) recompress_ends(shard, *nodes_of(e));
}

// A node and the index of an element (or of a gap) in it.
struct NodeAt {
  Node* node;
  size_t i;
};

// The node holding element `i` (< l.count), walking from the nearer end.
NodeAt find(const Nodes& l, size_t i) {
  Node* n;
  if (i < l.count / 2) {
    for (n = l.head; i >= n->count; n = n->next) i -= n->count;
  } else {
    size_t back = l.count - 1 - i;
    for (n = l.tail; back >= n->count; n = n->prev) back -= n->count;
    i = n->count - 1 - back;
  }
  return {n, i};
}

// Where an element inserted before element `i` goes (i == l.count: after the last).
NodeAt find_gap(const Nodes& l, size_t i) {
  if (i < l.count) return find(l, i);
  return {l.tail, l.tail->count};
}

// Where element `i` (r.count: the end) starts in `r`.
size_t offset_of(Run r, size_t i) { return i < r.count ? offset_in_run(r, i) : r.bytes; }

// The elements of `n` to read: in place when raw, else decompressed into `buffer`.
Run readable(const Node* n, std::string& buffer) {
  if (n->lzf_bytes == 0) return node_run(n);
  buffer.resize(n->bytes);
  decompress_node(n, buffer.data());
  return {buffer.data(), n->bytes, n->count};
}

// Element `i` (< size(e)) for reading: its run (decompressed into `buffer` if need be), its
// index in the run, and the node (null for the packed form).
struct ReadAt {
  Run run;
  size_t i;
  const Node* node;
};

ReadAt read_at(const Entry* e, size_t i, std::string& buffer) {
  if (is_packed(e)) return {packed_run(e), i, nullptr};
  NodeAt at = find(*nodes_of(e), i);
  return {readable(at.node, buffer), at.i, at.node};
}

std::optional<size_t> position(const Entry* e, int64_t index) {
  auto n = static_cast<int64_t>(size(e));
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  return static_cast<size_t>(index);
}

// Writing `value` over element `i` of run `r` (replace) or before it (insert; i == r.count
// appends): where it goes, the bytes it replaces, its encoded size and the change in count.
struct Write {
  size_t offset, old_len, size;
  int64_t count_delta;
};

Write write_at(Run r, size_t i, bool replace, std::string_view value) {
  size_t offset = offset_of(r, i);
  return {offset, replace ? decode(r.data + offset).size : 0, encoded_size(value.size()),
          replace ? 0 : 1};
}

// write_element on the node form: the node is inflated for the change, recompressed after.
void write_in_nodes(Shard& shard, Nodes& l, size_t i, bool replace, std::string_view value) {
  NodeAt at = find_gap(l, i);
  Node* n = inflate(shard, l, at.node);
  Node* before = n->prev;
  Node* after = n->next;  // settle() may split `n`: the parts stay between these two
  Write w = write_at(node_run(n), at.i, replace, value);
  encode(splice_node(shard, l, n, w.offset, w.old_len, w.size, w.count_delta), value);
  settle(shard, l, n);
  deflate_between(shard, l, before, after);
}

// Writes `value` over element `i` (replace) or before it (insert; i == size(e) appends),
// converting a packed list first when it would outgrow the limit.
void write_element(Shard& shard, Entry*& e, size_t i, bool replace, std::string_view value) {
  if (is_packed(e)) {
    Run r = packed_run(e);
    Write w = write_at(r, i, replace, value);
    if (fits(r.bytes - w.old_len + w.size, r.count + w.count_delta)) {
      encode(splice_packed(shard, e, w.offset, w.old_len, w.size, w.count_delta), value);
      return;
    }
    convert(shard, e);
  }
  write_in_nodes(shard, *nodes_of(e), i, replace, value);
}

// Frees the nodes at `end` while all their elements are among the `k` to remove, without
// decompressing them; returns how many elements are left to remove.
size_t drop_whole_nodes(Shard& shard, Nodes& l, End end, size_t k) {
  auto end_node = [&] { return end == End::kHead ? l.head : l.tail; };
  for (Node* n = end_node(); n != nullptr && n->count <= k; n = end_node()) {
    k -= n->count;
    unlink_node(shard, l, n);
  }
  return k;
}

// Removes the first (kHead) or last (kTail) `k` elements; requires k <= size(e).
void drop(Shard& shard, Entry*& e, End end, size_t k) {
  if (!is_packed(e)) k = drop_whole_nodes(shard, *nodes_of(e), end, k);
  while (k > 0) {
    Node* n = raw_end(shard, e, end);
    Run r = run_of(e, n);
    size_t taken = std::min(k, r.count), len = span(r, end, taken);
    splice(shard, e, n, end == End::kHead ? 0 : r.bytes - len, len, 0,
           -static_cast<int64_t>(taken));
    settle(shard, e, n);
    k -= taken;
  }
}

// LREM's filter over one run, in place: drops elements equal to `value` once `skip` matches have
// been passed, at most `limit` (both counted down). Returns the bytes kept.
size_t compact(char* data, size_t bytes, std::string_view value, size_t& skip, size_t& limit) {
  size_t read = 0, kept = 0;
  while (read < bytes && limit > 0) {
    Element el = decode(data + read);
    bool drop = el.value == value && (skip == 0 || (--skip, false));
    if (drop) {
      --limit;
    } else {
      if (kept != read) std::memmove(data + kept, data + read, el.size);
      kept += el.size;
    }
    read += el.size;
  }
  if (kept != read) std::memmove(data + kept, data + read, bytes - read);
  return kept + (bytes - read);
}

// remove() on the packed form: drops matches past `skip`, at most `limit`; returns how many.
size_t remove_packed(Shard& shard, Entry*& e, std::string_view value, size_t skip, size_t limit) {
  Run r = packed_run(e);
  if (r.count == 0) return 0;
  size_t wanted = limit;
  size_t kept = compact(e->value_data() + kCountBytes, r.bytes, value, skip, limit);
  splice_packed(shard, e, kept, r.bytes - kept, 0, -static_cast<int64_t>(wanted - limit));
  return wanted - limit;
}

// remove_packed on the nodes (each inflated while filtered), then merges nodes left small and
// recompresses.
size_t remove_nodes(Shard& shard, Nodes& l, std::string_view value, size_t skip, size_t limit) {
  size_t wanted = limit;
  for (Node* n = l.head; n != nullptr && limit > 0;) {
    n = inflate(shard, l, n);
    Node* next = n->next;
    size_t left = limit;
    n->bytes = static_cast<uint32_t>(compact(n->data(), n->bytes, value, skip, limit));
    if (left != limit) n->incompressible = false;
    n->count -= static_cast<uint32_t>(left - limit);
    l.count -= left - limit;
    settle(shard, l, n);
    n = next;
  }
  if (wanted != limit) merge_small(shard, l);
  deflate_all(shard, l);
  return wanted - limit;
}

}  // namespace

void set_packed_limit(int64_t redis_value) {
  g_limit.store(redis_value, std::memory_order_relaxed);
}
int64_t packed_limit() { return g_limit.load(std::memory_order_relaxed); }

void set_compress_depth(int64_t depth) {
  g_compress_depth.store(std::clamp<int64_t>(depth, 0, kMaxCompressDepth),
                         std::memory_order_relaxed);
}

void init(Entry* e) {
  e->set_type(ValueType::kListPacked);
  e->set_value_len(0);
}

size_t size(const Entry* e) { return is_packed(e) ? packed_count(e) : nodes_of(e)->count; }

void push(Shard& shard, Entry*& e, End end, std::string_view value) {
  shard.touch(e->key());
  if (is_packed(e)) {
    Run r = packed_run(e);
    if (fits(r.bytes + encoded_size(value.size()), r.count + 1)) {
      return write_element(shard, e, end == End::kHead ? 0 : r.count, false, value);
    }
    convert(shard, e);
  }
  push_node(shard, *nodes_of(e), end, value);
  finish(shard, e);
}

std::optional<std::string> pop(Shard& shard, Entry*& e, End end) {
  if (size(e) == 0) return std::nullopt;
  Run r = run_of(e, raw_end(shard, e, end));
  Element el = end == End::kHead ? decode(r.data) : decode_back(r.data + r.bytes);
  std::string out(el.value);
  shard.touch(e->key());
  drop(shard, e, end, 1);
  finish(shard, e);
  return out;
}

std::optional<std::string_view> index(const Entry* e, int64_t index, std::string& buffer) {
  auto i = position(e, index);
  if (!i) return std::nullopt;
  ReadAt at = read_at(e, *i, buffer);
  return decode(at.run.data + offset_in_run(at.run, at.i)).value;
}

bool set(Shard& shard, Entry*& e, int64_t index, std::string_view value) {
  auto i = position(e, index);
  if (!i) return false;
  shard.touch(e->key());
  write_element(shard, e, *i, true, value);
  finish(shard, e);
  return true;
}

int64_t insert(Shard& shard, Entry*& e, bool before, std::string_view pivot,
               std::string_view value) {
  size_t i = 0;
  Cursor c(e, 0, End::kTail);
  for (; !c.done() && c.value() != pivot; c.next()) ++i;
  if (c.done()) return -1;
  shard.touch(e->key());
  write_element(shard, e, before ? i : i + 1, false, value);
  finish(shard, e);
  return static_cast<int64_t>(size(e));
}

size_t remove(Shard& shard, Entry*& e, int64_t count, std::string_view value) {
  size_t limit = count == 0  ? std::numeric_limits<size_t>::max()
                 : count > 0 ? static_cast<size_t>(count)
                             : -static_cast<size_t>(count);
  size_t skip = 0;  // matches to keep before removing: all but the last `limit` when from the tail
  if (count < 0) {
    size_t matches = 0;
    for_each_from(e, End::kHead, [&](std::string_view v) {
      matches += v == value;
      return true;
    });
    skip = matches > limit ? matches - limit : 0;
  }
  size_t removed = is_packed(e) ? remove_packed(shard, e, value, skip, limit)
                                : remove_nodes(shard, *nodes_of(e), value, skip, limit);
  finish(shard, e);
  if (removed > 0) shard.touch(e->key());
  return removed;
}

void trim(Shard& shard, Entry*& e, size_t start, size_t stop) {
  size_t n = size(e);
  if (start == 0 && stop == n - 1) return;
  shard.touch(e->key());
  drop(shard, e, End::kTail, n - 1 - stop);
  drop(shard, e, End::kHead, start);
  finish(shard, e);
}

std::string_view encoding_name(const Entry*) { return "quicklist"; }

void destroy(Entry* e) {
  if (is_packed(e)) return;
  Nodes* l = nodes_of(e);
  for (Node* n = l->head; n != nullptr;) {
    Node* next = n->next;
    std::free(n);
    n = next;
  }
  std::free(l);
}

size_t heap_bytes(const Entry* e) { return is_packed(e) ? 0 : nodes_of(e)->heap; }

std::string node_map(const Entry* e) {
  std::string map;
  if (is_packed(e)) return map;
  for (const Node* n = nodes_of(e)->head; n != nullptr; n = n->next) {
    map += n->lzf_bytes != 0 ? 'c' : 'r';
  }
  return map;
}

// ---- Cursor

Cursor::Cursor(const Entry* e, size_t index, End towards) : forward_(towards == End::kTail) {
  size_t n = size(e);
  if (index >= n) return;
  ReadAt at = read_at(e, index, inflated_);
  node_ = at.node;
  data_ = at.run.data;
  bytes_ = at.run.bytes;
  offset_ = offset_in_run(at.run, at.i);
  left_ = forward_ ? n - index : index + 1;
  load();
}

void Cursor::load() {
  Element el = decode(data_ + offset_);
  value_ = el.value;
  encoded_ = el.size;
}

void Cursor::enter(const void* node) {
  node_ = node;
  Run r = readable(static_cast<const Node*>(node), inflated_);
  data_ = r.data;
  bytes_ = r.bytes;
}

void Cursor::next() {
  if (--left_ == 0) return;
  auto* n = static_cast<const Node*>(node_);
  if (forward_) {
    offset_ += encoded_;
    if (offset_ == bytes_) {
      enter(n->next);
      offset_ = 0;
    }
  } else {
    if (offset_ == 0) {
      enter(n->prev);
      offset_ = bytes_;
    }
    offset_ -= decode_back(data_ + offset_).size;
  }
  load();
}

}  // namespace cachet::store::list
