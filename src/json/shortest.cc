// Giulietti's Schubfach ("The Schubfach way to render doubles", 2020): the shortest decimal in
// a double's rounding interval from three 64x128-bit products, no loop and no big numbers; the
// digits then come out eight at a time (SWAR) and are placed for the notation chosen.
#include "json/shortest.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "json/number.h"
#include "json/wide_fraction.h"

namespace cachet::json::detail {
namespace {

// 10^e for every e a double's conversion needs: e = -floor(log10(2^q)), q in [-1074, 971].
constexpr int kMinTen = -292, kMaxTen = 324;

// g = floor(10^e * 2^-r) + 1 with r such that 2^127 < g <= 2^128 - 1: 10^e rounded up to 128
// significant bits (10^e's significand is 5^e's).
struct upper_power {
  uint64_t high, low;
};
struct upper_powers {
  upper_power g[kMaxTen - kMinTen + 1];
};

constexpr upper_power upper(const wide_fraction& f) {
  uint64_t low = f.limb(1) + 1;
  return {f.limb(0) + (low == 0), low};
}

constexpr upper_powers kTens = [] {
  upper_powers t{};
  wide_fraction up, down;
  t.g[-kMinTen] = upper(up);
  for (int e = 1; e <= kMaxTen; ++e) {
    up.times_five();
    t.g[e - kMinTen] = upper(up);
  }
  for (int e = -1; e >= kMinTen; --e) {
    down.divided_by_five();
    t.g[e - kMinTen] = upper(down);
  }
  return t;
}();

// floor(log10(2^e)), floor(log10(3/4 * 2^e)) and floor(log2(10^e)) in fixed point: exact for
// the e a double needs (|e| <= 1100 and 330; the tests reach every binary exponent).
constexpr int floor_log10_pow2(int e) { return static_cast<int>(e * 661971961083LL >> 41); }
constexpr int floor_log10_three_quarters_pow2(int e) {
  return static_cast<int>((e * 661971961083LL - 274743187321LL) >> 41);
}
constexpr int floor_log2_pow10(int e) { return static_cast<int>(e * 913124641741LL >> 38); }

// cp * g / 2^128 rounded to odd: the integer part, its lowest bit set when a fraction remains.
// A fraction below 2^-63 is g's own excess over 10^e and counts as none.
inline uint64_t round_to_odd(upper_power g, uint64_t cp) {
  uint128 x = static_cast<uint128>(g.low) * cp;
  uint128 y = static_cast<uint128>(g.high) * cp + static_cast<uint64_t>(x >> 64);
  return static_cast<uint64_t>(y >> 64) | (static_cast<uint64_t>(y) > 1);
}

struct decimal {
  uint64_t significand;  // below 10^17; may end in zeros
  int exponent;          // value = significand * 10^exponent
};

// The decimal with the fewest digits in the rounding interval of c * 2^q (c > 0), the one
// nearest c * 2^q when there are two (ties to even). `dk` corrects k for a c scaled by 10.
[[gnu::always_inline]] inline decimal shortest(uint64_t c, int q, int dk) {
  constexpr uint64_t kHidden = uint64_t{1} << 52;
  uint64_t out = c & 1;  // an odd significand's interval excludes its bounds
  uint64_t cb = c << 2, cbr = cb + 2, cbl;
  int k;
  if (c != kHidden || q == -1074) {
    cbl = cb - 2;
    k = floor_log10_pow2(q);
  } else {  // a power of two: the interval below is half as wide
    cbl = cb - 1;
    k = floor_log10_three_quarters_pow2(q);
  }
  int h = q + floor_log2_pow10(-k) + 1;  // 0 to 3
  upper_power g = kTens.g[-k - kMinTen];
  uint64_t vb = round_to_odd(g, cb << h), vbl = round_to_odd(g, cbl << h),
           vbr = round_to_odd(g, cbr << h);
  uint64_t s = vb >> 2, t = s + 1;
  // One digit fewer when exactly one of s's neighbouring multiples of ten is in the interval;
  // else s or t, whichever is in, or the nearer (ties to even). Selected without branches:
  // which case applies is as good as random for real data.
  uint64_t sp10 = s / 10 * 10, tp10 = sp10 + 10;
  bool upin = vbl + out <= sp10 << 2, wpin = (tp10 << 2) + out <= vbr;
  bool uin = vbl + out <= s << 2, win = (t << 2) + out <= vbr;
  auto cmp = static_cast<int64_t>(vb - ((s + t) << 1));
  uint64_t longer = s + (win & (!uin | (cmp > 0) | ((cmp == 0) & (s & 1))));
  uint64_t shorter = upin ? sp10 : tp10;
  uint64_t use_shorter = -static_cast<uint64_t>((s >= 10) & (upin != wpin));
  return {longer ^ ((longer ^ shorter) & use_shorter), k + dk};
}

// The 8 digits of n < 10^8 in ASCII, the most significant in the lowest byte: split into 4-digit
// halves in 32-bit lanes, those into 2-digit quarters, those into digits (multiply-shift
// divisions, exact below 10^4 and 10^2).
[[gnu::always_inline]] inline uint64_t eight_digits(uint32_t n) {
  uint64_t v = n / 10000 | static_cast<uint64_t>(n % 10000) << 32;
  uint64_t hundreds = (v * 10486 >> 20) & 0x0000007F0000007F;
  v = hundreds | (v - hundreds * 100) << 16;
  uint64_t tens = (v * 103 >> 10) & 0x000F000F000F000F;
  v = tens | (v - tens * 10) << 8;
  return v + 0x3030303030303030;
}

// A significand's 17 digits in ASCII (zero-padded on the right), in registers: storing them
// whole and reading back parts would stall store-to-load forwarding.
struct digits {
  uint64_t first;   // the leading digit (nonzero)
  uint64_t middle;  // the next 8 digits, the most significant in the lowest byte
  uint64_t last;    // the last 8
  int count;        // significant digits, 1 to 17 (the rest are padding zeros)
};

// `f` (in [10^16, 10^17)) spelled out. The three divisions are independent multiplications.
[[gnu::always_inline]] inline digits spell(uint64_t f) {
  uint64_t high = f / 100000000;
  auto first = static_cast<uint32_t>(f / 10000000000000000);
  auto low = static_cast<uint32_t>(f - high * 100000000);
  auto middle = static_cast<uint32_t>(high - uint64_t{first} * 100000000);
  digits d{'0' + uint64_t{first}, eight_digits(middle), eight_digits(low), 1};
  if (low != 0) {
    d.count = 17 - __builtin_clzll(d.last ^ kZeros) / 8;  // ^ leaves a nonzero digit
  } else if (middle != 0) {
    d.count = 9 - __builtin_clzll(d.middle ^ kZeros) / 8;
  }
  return d;
}

int decimal_length(uint64_t n) {
  int length = floor_log10_pow2(64 - std::countl_zero(n));
  return length + (n >= kPow10[length]);
}

char* exponent_text(char* p, int x) {
  *p++ = 'e';
  *p = '-';
  p += x < 0;
  unsigned u = static_cast<unsigned>(x < 0 ? -x : x);
  if (u >= 100) *p++ = static_cast<char>('0' + u / 100);
  if (u >= 10) *p++ = static_cast<char>('0' + u / 10 % 10);
  *p++ = static_cast<char>('0' + u % 10);
  return p;
}

void store8(char* p, uint64_t w) { std::memcpy(p, &w, 8); }

// Writes the 17 digits as they are.
void store_digits(char* p, const digits& d) {
  store8(p, d.first | d.middle << 8);
  store8(p + 8, d.middle >> 56 | d.last << 8);
  p[16] = static_cast<char>(d.last >> 56);
}

// `w` with '.' inserted as byte j (0 to 7), the bytes from j on moved up one (the top one lost).
uint64_t with_point(uint64_t w, int j) {
  uint64_t below = (uint64_t{1} << 8 * j) - 1;
  return (w & below) | uint64_t{'.'} << 8 * j | (w & ~below) << 8;
}

// Writes the 17 digits with '.' after the first j (1 to 16).
[[gnu::always_inline]] inline void digits_with_point(char* p, const digits& d, int j) {
  uint64_t a = d.first | d.middle << 8, b = d.middle >> 56 | d.last << 8, c = d.last >> 56;
  if (j < 8) {
    store8(p, with_point(a, j));
    store8(p + 8, a >> 56 | b << 8);
  } else {
    store8(p, a);
    store8(p + 8, j < 16 ? with_point(b, j - 8) : b);
  }
  store8(p + 16, (j < 16 ? b >> 56 : '.') | c << 8);
}

// The text of d's digits times 10^x (x: the power of the first digit): fixed notation when it
// is no longer than scientific as std::to_chars counts it ("e+05": two exponent digits at
// least), fixed winning ties. nullptr when fixed needs zeros past the digits of a value beyond
// 2^53 (to_chars prints that integer exactly instead).
[[gnu::always_inline]] inline char* place(char* p, const digits& d, int x, double value) {
  int n = d.count;
  int scientific = n + (n > 1) + 2 + (x >= 100 || x <= -100 ? 3 : 2);
  if (x < 0) {
    if (n + 1 - x <= scientific) {    // 0.0ddd: at most four zeros after the point
      store8(p, 0x3030303030302E30);  // "0.000000"
      store_digits(p + 1 - x, d);
      return p + 1 - x + n;
    }
  } else if (n > x + 1) {  // the point among the digits
    digits_with_point(p, d, x + 1);
    return p + n + 1;
  } else if (x + 1 <= scientific) {  // an integer
    if (x + 1 > n && std::fabs(value) >= 0x1p53) return nullptr;
    store_digits(p, d);
    std::memcpy(p + x + 1, ".0", 2);
    return p + x + 3;
  }
  p[0] = static_cast<char>(d.first);
  p[1] = '.';
  store8(p + 2, d.middle);
  store8(p + 10, d.last);
  return exponent_text(p + n + (n > 1), x);
}

// A finite double's digits and the power of ten of the first, before any text is placed.
struct converted {
  digits d;
  int x;
  bool negative;
};

[[gnu::always_inline]] inline converted convert(double value) {
  auto bits = std::bit_cast<uint64_t>(value);
  uint64_t fraction = bits & ((uint64_t{1} << 52) - 1);
  int biased = static_cast<int>(bits >> 52 & 0x7FF);
  bool negative = bits >> 63;
  if (biased != 0) {  // normal: the decimal has 16 or 17 digits
    decimal dec = shortest(fraction | uint64_t{1} << 52, biased - 1075, 0);
    bool sixteen = dec.significand < 10000000000000000;
    uint64_t f = sixteen ? dec.significand * 10 : dec.significand;
    return {spell(f), dec.exponent + 16 - sixteen, negative};
  }
  if (fraction == 0) return {{'0', kZeros, kZeros, 1}, 0, negative};
  decimal dec = fraction < 3 ? shortest(fraction * 10, -1074, -1)  // too few bits: scale up
                             : shortest(fraction, -1074, 0);
  int length = decimal_length(dec.significand);
  return {spell(dec.significand * kPow10[17 - length]), dec.exponent + length - 1, negative};
}

char* place(char* p, const converted& c, double value) {
  *p = '-';
  char* end = place(p + c.negative, c.d, c.x, value);
  return end != nullptr ? end : write_double_by_to_chars(p, value);
}

}  // namespace

char* write_double(char* p, double value) { return place(p, convert(value), value); }

char* write_double_pair(char* p, double a, double b) {
  converted first = convert(a), second = convert(b);  // two dependency chains side by side
  p = place(p, first, a);
  *p++ = ',';
  return place(p, second, b);
}

char* write_double_by_to_chars(char* p, double value) {
  char* end = std::to_chars(p, p + 30, value).ptr;
  char* e = static_cast<char*>(std::memchr(p, 'e', end - p));
  if (e != nullptr) {
    char* first = e + 1 + (e[1] == '-' || e[1] == '+');
    while (*first == '0' && first + 1 < end) ++first;
    char* to = e + 1 + (e[1] == '-');
    std::memmove(to, first, end - first);
    end = to + (end - first);
  } else if (std::memchr(p, '.', end - p) == nullptr) {
    std::memcpy(end, ".0", 2);
    end += 2;
  }
  return end;
}

}  // namespace cachet::json::detail
