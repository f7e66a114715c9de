// Stage 1 without SIMD: a byte-class table per byte; UTF-8 checked by the scalar validator.
// Stage 2 built for baseline x86-64.
#include "json/stage1_impl.h"
#include "json/stage2_impl.h"

namespace cachet::json::detail {
namespace {

enum : uint8_t { kQuote = 1, kBackslash = 2, kSpace = 4, kOp = 8, kControl = 16 };

constexpr auto kClasses = [] {
  struct table {
    uint8_t c[256];
  } t{};
  for (int i = 0; i < 0x20; ++i) t.c[i] = kControl;
  for (unsigned char ch : {' ', '\t', '\n', '\r'}) t.c[ch] |= kSpace;
  for (unsigned char ch : {'{', '}', '[', ']', ':', ','}) t.c[ch] = kOp;
  t.c[uint8_t('"')] = kQuote;
  t.c[uint8_t('\\')] = kBackslash;
  return t;
}();

struct fallback {
  static block classify(const uint8_t* p) {
    block b{};
    for (int i = 0; i < 64; ++i) {
      uint64_t c = kClasses.c[p[i]];
      b.quote |= (c & 1) << i;
      b.backslash |= ((c >> 1) & 1) << i;
      b.space |= ((c >> 2) & 1) << i;
      b.op |= ((c >> 3) & 1) << i;
      b.control |= ((c >> 4) & 1) << i;
    }
    return b;
  }

  class utf8 {
   public:
    utf8(const uint8_t* buf, size_t len) : buf_(buf), len_(len) {}
    void check(const uint8_t*) {}
    void finish() { failed_ = find_invalid_utf8(buf_, len_) != len_; }
    bool failed() const { return failed_; }

   private:
    const uint8_t* buf_;
    size_t len_;
    bool failed_ = false;
  };
};

}  // namespace

stage1_result stage1_fallback(const uint8_t* buf, size_t len, uint32_t* indexes) {
  return run_stage1<fallback>(buf, len, indexes);
}

stage2_result stage2_fallback(const stage2_state& s) { return run_stage2(s); }

}  // namespace cachet::json::detail
