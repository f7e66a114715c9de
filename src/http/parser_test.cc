#include "http/parser.h"

#include <gtest/gtest.h>

#include <string>

namespace cachet::http {
namespace {

using namespace std::string_literals;

struct Outcome {
  ParseStatus status;
  int error = 0;
};

Outcome run(std::string_view input, const Limits& limits = {}) {
  Parser p(limits);
  ParseStatus s = p.parse(input);
  return {s, s == ParseStatus::kError ? p.error_status() : 0};
}

int error_of(std::string_view input, const Limits& limits = {}) {
  Outcome o = run(input, limits);
  EXPECT_EQ(o.status, ParseStatus::kError) << input;
  return o.error;
}

TEST(HttpParser, SimpleGet) {
  Parser p;
  std::string in = "GET /v1/kv/a?pointer=/x HTTP/1.1\r\nHost: h\r\nX-Y:  z \r\n\r\nnext";
  ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
  const Request& r = p.request();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/v1/kv/a");
  EXPECT_EQ(r.query, "pointer=/x");
  EXPECT_EQ(r.host, "h");
  EXPECT_EQ(r.header("x-y"), "z");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(p.consumed(), in.size() - 4);
}

TEST(HttpParser, ContentLengthBodyArrivingInPieces) {
  std::string in =
      "PUT /k HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n"
      "hello world";
  Parser p;
  for (size_t n = 0; n < in.size(); ++n) {
    ParseStatus s = p.parse(std::string_view(in).substr(0, n));
    ASSERT_EQ(s, ParseStatus::kIncomplete) << n;
    if (n >= in.size() - 11) {
      EXPECT_TRUE(p.headers_complete());
      EXPECT_TRUE(p.request().expect_continue);
    }
  }
  ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
  EXPECT_EQ(p.request().body, "hello world");
  EXPECT_EQ(p.consumed(), in.size());
}

TEST(HttpParser, ChunkedBodyArrivingByteByByte) {
  std::string in =
      "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nGET";
  Parser p;
  for (size_t n = 0; n < in.size() - 3; ++n) {
    // Each call sees a fresh copy, as after the caller's buffer moved.
    std::string copy = in.substr(0, n);
    ASSERT_EQ(p.parse(copy), ParseStatus::kIncomplete) << n;
  }
  ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
  EXPECT_EQ(p.request().body, "hello world");
  EXPECT_EQ(p.consumed(), in.size() - 3);
}

TEST(HttpParser, KeepAliveRules) {
  Parser p;
  ASSERT_EQ(p.parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
            ParseStatus::kComplete);
  EXPECT_FALSE(p.request().keep_alive);
  ASSERT_EQ(p.parse("GET / HTTP/1.0\r\n\r\n"), ParseStatus::kComplete);
  EXPECT_FALSE(p.request().keep_alive);
  ASSERT_EQ(p.parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), ParseStatus::kComplete);
  EXPECT_TRUE(p.request().keep_alive);
  ASSERT_EQ(p.parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), ParseStatus::kComplete);
}

TEST(HttpParser, SmugglingAndFramingRejections) {
  const std::string host = "Host: h\r\n";
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\n" + host +
                     "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(
      error_of("POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 3\r\n\r\n"),
      400);
  for (const char* bad : {"-1", "1 2", "+3", "0x10", "", "99999999999999999999999"}) {
    EXPECT_EQ(error_of("POST / HTTP/1.1\r\n" + host + "Content-Length: " + bad + "\r\n\r\n"), 400)
        << bad;
  }
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n"), 400);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n"),
            400);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n"),
            501);
  EXPECT_EQ(error_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  for (const char* bad : {"zz\r\n", "-1\r\n", "\r\n", "1\r\nab\r\n", "11111111111111111\r\n"}) {
    Outcome o =
        run("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n" + bad + "x\r\n");
    EXPECT_EQ(o.status, ParseStatus::kError) << bad;
    EXPECT_TRUE(o.error == 400 || o.error == 413) << bad;
  }
}

TEST(HttpParser, HeadRejections) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\n\r\n"), 400);                        // no Host
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);  // two Hosts
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);            // space before colon
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  folded\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400);     // bare CR
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"), 400);  // bare LF
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n"s), 400);    // NUL
  EXPECT_EQ(error_of("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(error_of("GET / HTTP/1.1x\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n"), 414);
  EXPECT_EQ(error_of("GET /" + std::string(9000, 'a')), 414);  // before the line ends
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(17000, 'b') + "\r\n\r\n"),
            431);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(17000, 'b')), 431);
  EXPECT_EQ(error_of("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n"), 413);
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 100; ++i) many += "X: y\r\n";
  EXPECT_EQ(error_of(many + "\r\n"), 431);
}

TEST(HttpParser, ChunkedBodyOverTheLimit) {
  Limits small{.max_body = 8};
  EXPECT_EQ(
      error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
               "5\r\nworld\r\n0\r\n\r\n",
               small),
      413);
}

// Feeds `in` one more byte per call (a fresh copy each time) and returns the first answer that
// is not kIncomplete, or kIncomplete if none came.
Outcome byte_by_byte(const std::string& in) {
  Parser p;
  for (size_t n = 1; n <= in.size(); ++n) {
    std::string copy = in.substr(0, n);
    ParseStatus s = p.parse(copy);
    if (s != ParseStatus::kIncomplete) return {s, s == ParseStatus::kError ? p.error_status() : 0};
  }
  return {ParseStatus::kIncomplete, 0};
}

std::string chunked(const std::string& body_and_trailers) {
  return "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + body_and_trailers;
}

TEST(HttpParser, TheAnswerDoesNotDependOnHowTheBytesArrive) {
  std::string tiny_chunks_long_extensions;
  for (int i = 0; i < 8; ++i)
    tiny_chunks_long_extensions += "1;e=" + std::string(1000, 'x') + "\r\na\r\n";
  const std::pair<std::string, Outcome> cases[] = {
      {chunked("5\r\nhello\r\n0\r\n\r\n"), {ParseStatus::kComplete, 0}},
      {chunked("5;a=b\r\nhello\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n"), {ParseStatus::kComplete, 0}},
      {chunked("0\r\nPUT /v1/kv/x HTTP/1.1\r\nHost: h\r\n\r\n"), {ParseStatus::kError, 400}},
      {chunked("0\r\nX: 1\n\r\n"), {ParseStatus::kError, 400}},
      {chunked("0\r\nX : 1\r\n\r\n"), {ParseStatus::kError, 400}},
      {chunked("0\r\n  folded\r\n\r\n"), {ParseStatus::kError, 400}},
      {chunked("5\nhello\r\n0\r\n\r\n"), {ParseStatus::kError, 400}},
      {chunked("5;" + std::string(4000, 'e') + "\r\nhello\r\n0\r\n\r\n"),
       {ParseStatus::kError, 400}},
      {chunked(tiny_chunks_long_extensions + "0\r\n\r\n"), {ParseStatus::kError, 400}},
      {chunked("1;" + std::string(1020, 'e') + "\r\na\r\n0\r\n\r\n"), {ParseStatus::kComplete, 0}},
      {chunked("0\r\nX: " + std::string(17000, 't') + "\r\n\r\n"), {ParseStatus::kError, 431}},
      {"GET / HTTP/1.1\nHost: h\n\n", {ParseStatus::kError, 400}},
      {"GET / HTTP/1.1\r\nHost: h\n\r\n", {ParseStatus::kError, 400}},
      {"GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(16350, 'v') + "\r\n\r\n",
       {ParseStatus::kComplete, 0}},
      {"GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(16400, 'v') + "\r\n\r\n",
       {ParseStatus::kError, 431}},
  };
  for (const auto& [in, want] : cases) {
    Outcome whole = run(in);
    EXPECT_EQ(whole.status, want.status) << in.substr(0, 120);
    EXPECT_EQ(whole.error, want.error) << in.substr(0, 120);
    Outcome split = byte_by_byte(in);
    EXPECT_EQ(split.status, want.status) << in.substr(0, 120);
    EXPECT_EQ(split.error, want.error) << in.substr(0, 120);
  }
}

TEST(HttpParser, TrailersEndTheMessageAndThePipelinedRequestFollows) {
  std::string in = chunked("3\r\nabc\r\n0\r\nX-Checksum: 1\r\n\r\n") + "GET / HTTP/1.1\r\n";
  Parser p;
  ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
  EXPECT_EQ(p.request().body, "abc");
  EXPECT_EQ(in.substr(p.consumed()), "GET / HTTP/1.1\r\n");
}

}  // namespace
}  // namespace cachet::http
