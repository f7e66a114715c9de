#include "resp/writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

namespace cachet::resp {
namespace {

TEST(Writer, Resp2Encodings) {
  std::string out;
  Writer w(out, 2);
  w.ok();
  w.integer(-42);
  w.bulk("hi");
  w.null();
  w.null_array();
  w.map(1);
  w.error("ERR bad\r\nthing");
  EXPECT_EQ(out, "+OK\r\n:-42\r\n$2\r\nhi\r\n$-1\r\n*-1\r\n*2\r\n-ERR bad  thing\r\n");
}

TEST(Writer, Resp3Encodings) {
  std::string out;
  Writer w(out, 3);
  w.null();
  w.map(2);
  w.set(1);
  w.verbatim("abc");
  EXPECT_EQ(out, "_\r\n%2\r\n~1\r\n=7\r\ntxt:abc\r\n");
}

TEST(Writer, DoublesAsRedisPrintsThem) {
  std::string out;
  Writer w(out, 3);
  w.dbl(1.1);
  w.dbl(INFINITY);
  w.dbl(-INFINITY);
  w.dbl(-0.0);
  w.dbl(3);
  EXPECT_EQ(out, ",1.1000000000000001\r\n,inf\r\n,-inf\r\n,-0\r\n,3\r\n");
  out.clear();
  w.set_protocol(2);
  w.dbl(0.5);
  w.dbl(-INFINITY);
  EXPECT_EQ(out, "$3\r\n0.5\r\n$4\r\n-inf\r\n");
}

// The fast formatting agrees with Redis 7.0's "%.17g" on every kind of finite double.
TEST(Writer, DoublesMatchPrintfOnRandomBitPatterns) {
  std::mt19937_64 random(7);
  std::string out;
  Writer w(out, 3);
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = random();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (i % 3 == 1) d = static_cast<double>(static_cast<int64_t>(bits) >> (bits % 60));
    if (i % 3 == 2) d = static_cast<double>(bits % 100000) / 1000;
    if (!std::isfinite(d)) continue;
    char want[40];
    std::snprintf(want, sizeof want, ",%.17g\r\n", d);
    out.clear();
    w.dbl(d);
    ASSERT_EQ(out, want);
  }
}

}  // namespace
}  // namespace cachet::resp
