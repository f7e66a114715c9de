#include "resp/writer.h"

#include <gtest/gtest.h>

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
  w.boolean(true);
  w.dbl(1.5);
  w.error("ERR bad\r\nthing");
  EXPECT_EQ(
      out, "+OK\r\n:-42\r\n$2\r\nhi\r\n$-1\r\n*-1\r\n*2\r\n:1\r\n$3\r\n1.5\r\n-ERR bad  thing\r\n");
}

TEST(Writer, Resp3Encodings) {
  std::string out;
  Writer w(out, 3);
  w.null();
  w.map(2);
  w.set(1);
  w.boolean(false);
  w.dbl(2.0);
  w.verbatim("abc");
  EXPECT_EQ(out, "_\r\n%2\r\n~1\r\n#f\r\n,2\r\n=7\r\ntxt:abc\r\n");
}

TEST(Writer, DoublesLikeRedis) {
  EXPECT_EQ(format_double(3.0), "3");
  EXPECT_EQ(format_double(0.1), "0.10000000000000001");
  EXPECT_EQ(format_double(1.0 / 0.0), "inf");
}

}  // namespace
}  // namespace cachet::resp
