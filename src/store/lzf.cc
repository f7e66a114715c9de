#include "store/lzf.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace cachet::store::lzf {
namespace {

constexpr size_t kMaxLiteral = 32;     // bytes in one literal run
constexpr size_t kMinMatch = 3;        // shortest back reference
constexpr size_t kMaxMatch = 264;      // longest: 7 + 255 + 2
constexpr size_t kMaxDistance = 8192;  // farthest back a reference reaches
constexpr int kHashBits = 12;          // 4096 slots: enough for 8 KB list nodes, cheap to clear

// Writes compressed items into a bounded buffer; `ok` turns false once something did not fit.
class Writer {
 public:
  Writer(char* out, size_t capacity) : out_(out), capacity_(capacity) {}
  bool ok() const { return ok_; }
  size_t size() const { return pos_; }

  // Literal runs of at most kMaxLiteral bytes each.
  void literals(const char* p, size_t n) {
    while (n > 0 && ok_) {
      size_t run = n < kMaxLiteral ? n : kMaxLiteral;
      if (!room(1 + run)) return;
      out_[pos_++] = static_cast<char>(run - 1);
      std::memcpy(out_ + pos_, p, run);
      pos_ += run;
      p += run;
      n -= run;
    }
  }

  // A back reference of `len` (kMinMatch..kMaxMatch) bytes `distance` (1..kMaxDistance) back.
  void reference(size_t len, size_t distance) {
    size_t l = len - 2, o = distance - 1;
    if (!room(l < 7 ? 2 : 3)) return;
    out_[pos_++] = static_cast<char>(((l < 7 ? l : 7) << 5) | (o >> 8));
    if (l >= 7) out_[pos_++] = static_cast<char>(l - 7);
    out_[pos_++] = static_cast<char>(o & 0xff);
  }

 private:
  bool room(size_t n) {
    if (capacity_ - pos_ < n) ok_ = false;
    return ok_;
  }
  char* out_;
  size_t capacity_;
  size_t pos_ = 0;
  bool ok_ = true;
};

uint32_t hash3(const unsigned char* p) {
  uint32_t v = uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2];
  return (v * 2654435761u) >> (32 - kHashBits);
}

// Length of the common prefix of `a` and `b`, at most `limit`.
size_t match_length(const unsigned char* a, const unsigned char* b, size_t limit) {
  size_t n = 0;
  while (n < limit && a[n] == b[n]) ++n;
  return n;
}

}  // namespace

size_t compress(std::string_view in, char* out, size_t capacity) {
  auto* p = reinterpret_cast<const unsigned char*>(in.data());
  size_t n = in.size();
  std::array<uint32_t, size_t{1} << kHashBits> last{};  // position + 1 of a 3-byte sequence
  Writer w(out, capacity);
  size_t literal_start = 0, ip = 0;
  while (ip + kMinMatch <= n && w.ok()) {
    uint32_t& slot = last[hash3(p + ip)];
    size_t ref = slot;  // position + 1, 0 when none
    slot = static_cast<uint32_t>(ip + 1);
    if (ref == 0 || ip - (ref - 1) > kMaxDistance) {
      ++ip;
      continue;
    }
    size_t len = match_length(p + ref - 1, p + ip, std::min(kMaxMatch, n - ip));
    if (len < kMinMatch) {
      ++ip;
      continue;
    }
    w.literals(in.data() + literal_start, ip - literal_start);
    w.reference(len, ip - (ref - 1));
    for (size_t k = ip + 1; k < ip + len && k + kMinMatch <= n; ++k) {
      last[hash3(p + k)] = static_cast<uint32_t>(k + 1);
    }
    ip += len;
    literal_start = ip;
  }
  w.literals(in.data() + literal_start, n - literal_start);
  return w.ok() ? w.size() : 0;
}

bool decompress(std::string_view in, char* out, size_t size) {
  size_t ip = 0, op = 0;
  auto at = [&](size_t i) { return static_cast<uint8_t>(in[i]); };
  while (ip < in.size()) {
    unsigned ctrl = at(ip++);
    if (ctrl < 32) {  // a run of ctrl + 1 literal bytes
      size_t n = ctrl + 1;
      if (in.size() - ip < n || size - op < n) return false;
      std::memcpy(out + op, in.data() + ip, n);
      ip += n;
      op += n;
      continue;
    }
    size_t len = ctrl >> 5;  // a back reference of len + 2 bytes
    size_t back = (size_t{ctrl & 0x1f} << 8) + 1;
    if (ip >= in.size()) return false;
    if (len == 7) {
      len += at(ip++);
      if (ip >= in.size()) return false;
    }
    back += at(ip++);
    len += 2;
    if (back > op || size - op < len) return false;
    for (size_t from = op - back; len > 0; --len) out[op++] = out[from++];  // may overlap
  }
  return op == size;
}

std::optional<std::string> decompress(std::string_view in, size_t size) {
  // Every input byte yields at most kMaxMatch output bytes: a larger size cannot be right, and
  // checking first keeps a corrupt size from allocating unbounded memory.
  if (size > in.size() * kMaxMatch) return std::nullopt;
  std::string out(size, '\0');
  if (!decompress(in, out.data(), size)) return std::nullopt;
  return out;
}

}  // namespace cachet::store::lzf
