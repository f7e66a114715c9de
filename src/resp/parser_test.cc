#include "resp/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cachet::resp {
namespace {

std::vector<std::string> args_of(const Parser& p) { return {p.args().begin(), p.args().end()}; }

TEST(Parser, ParsesMultibulk) {
  Parser p;
  std::string in = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  ASSERT_EQ(p.parse(in), ParseStatus::kOk);
  EXPECT_EQ(p.consumed(), in.size());
  EXPECT_EQ(args_of(p), (std::vector<std::string>{"GET", "k"}));
}

TEST(Parser, BinarySafeArguments) {
  Parser p;
  std::string in("*2\r\n$3\r\nSET\r\n$5\r\na\0\r\nb\r\n", 24);
  ASSERT_EQ(p.parse(in), ParseStatus::kOk);
  EXPECT_EQ(p.args()[1], std::string_view("a\0\r\nb", 5));
}

TEST(Parser, EmptyArgument) {
  Parser p;
  ASSERT_EQ(p.parse("*1\r\n$0\r\n\r\n"), ParseStatus::kOk);
  EXPECT_EQ(p.args()[0], "");
}

TEST(Parser, IncrementalByteByByte) {
  std::string in = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
  Parser p;
  for (size_t n = 1; n < in.size(); ++n) {
    ASSERT_EQ(p.parse(std::string_view(in).substr(0, n)), ParseStatus::kIncomplete) << n;
    EXPECT_GT(p.bytes_needed(), n);
  }
  ASSERT_EQ(p.parse(in), ParseStatus::kOk);
  EXPECT_EQ(args_of(p), (std::vector<std::string>{"SET", "key", "value"}));
}

TEST(Parser, BulkHintCoversWholeArgument) {
  Parser p;
  ASSERT_EQ(p.parse("*1\r\n$100\r\nab"), ParseStatus::kIncomplete);
  EXPECT_EQ(p.bytes_needed(), 4u + 6 + 100 + 2);
}

TEST(Parser, PipelinedCommandsOneAtATime) {
  std::string in = "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n";
  Parser p;
  ASSERT_EQ(p.parse(in), ParseStatus::kOk);
  ASSERT_EQ(p.consumed(), 14u);
  ASSERT_EQ(p.parse(std::string_view(in).substr(14)), ParseStatus::kOk);
}

TEST(Parser, EmptyMultibulkIsSkipped) {
  Parser p;
  EXPECT_EQ(p.parse("*0\r\n"), ParseStatus::kEmpty);
  EXPECT_EQ(p.consumed(), 4u);
  EXPECT_EQ(p.parse("*-1\r\n"), ParseStatus::kEmpty);
}

TEST(Parser, InlineCommands) {
  Parser p;
  ASSERT_EQ(p.parse("SET k \"hello world\"\r\n"), ParseStatus::kOk);
  EXPECT_EQ(args_of(p), (std::vector<std::string>{"SET", "k", "hello world"}));
  ASSERT_EQ(p.parse("ping\n"), ParseStatus::kOk);
  EXPECT_EQ(args_of(p), (std::vector<std::string>{"ping"}));
  EXPECT_EQ(p.parse("   \r\n"), ParseStatus::kEmpty);
}

TEST(Parser, InlineEscapes) {
  std::vector<std::string> out;
  ASSERT_TRUE(split_inline_args(R"(a "b\x41\n" 'c\'d')", out));
  EXPECT_EQ(out, (std::vector<std::string>{"a", "bA\n", "c'd"}));
  out.clear();
  EXPECT_FALSE(split_inline_args(R"(a "unterminated)", out));
  out.clear();
  EXPECT_FALSE(split_inline_args(R"("a"b)", out));
  out.clear();
  // A quote opens mid-word too, as in sdssplitargs: `name="q"` is the word name=q.
  ASSERT_TRUE(split_inline_args(R"(name="q x" k'v')", out));
  EXPECT_EQ(out, (std::vector<std::string>{"name=q x", "kv"}));
}

struct BadInput {
  std::string input;
  std::string error;
};

class ParserErrors : public testing::TestWithParam<BadInput> {};

TEST_P(ParserErrors, ReportsRedisMessage) {
  Parser p;
  ASSERT_EQ(p.parse(GetParam().input), ParseStatus::kError);
  EXPECT_EQ(p.error(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Redis, ParserErrors,
    testing::Values(BadInput{"*x\r\n", "Protocol error: invalid multibulk length"},
                    BadInput{"*3000000000\r\n", "Protocol error: invalid multibulk length"},
                    BadInput{"*1\r\n:3\r\n", "Protocol error: expected '$', got ':'"},
                    BadInput{"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
                    BadInput{"*1\r\n$abc\r\n", "Protocol error: invalid bulk length"},
                    BadInput{"*1\r\n$600000000\r\n", "Protocol error: invalid bulk length"},
                    BadInput{"*1\r\n$3\r\nabcXY",
                             "Protocol error: expected '\\r\\n' after bulk data"},
                    BadInput{"set \"a\r\n", "Protocol error: unbalanced quotes in request"}));

TEST(Parser, OverlongLinesAreErrors) {
  Parser p;
  EXPECT_EQ(p.parse("*" + std::string(70000, '1')), ParseStatus::kError);
  EXPECT_EQ(p.error(), "Protocol error: too big mbulk count string");
  EXPECT_EQ(p.parse(std::string(70000, 'a')), ParseStatus::kError);
  EXPECT_EQ(p.error(), "Protocol error: too big inline request");
}

TEST(Parser, UnauthenticatedLimits) {
  Parser p;
  EXPECT_EQ(p.parse("*11\r\n", false), ParseStatus::kError);
  EXPECT_EQ(p.error(), "Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(p.parse("*1\r\n$20000\r\n", false), ParseStatus::kError);
  EXPECT_EQ(p.error(), "Protocol error: unauthenticated bulk length");
}

TEST(Parser, ConfiguredBulkLimit) {
  Limits limits;
  limits.max_bulk_len = 10;
  Parser p(limits);
  EXPECT_EQ(p.parse("*1\r\n$11\r\n"), ParseStatus::kError);
  EXPECT_EQ(p.parse("*1\r\n$10\r\n0123456789\r\n"), ParseStatus::kOk);
}

}  // namespace
}  // namespace cachet::resp
