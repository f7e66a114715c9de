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

}  // namespace
}  // namespace cachet::resp
