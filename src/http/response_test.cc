#include "http/response.h"

#include <gtest/gtest.h>

#include "http/router.h"

namespace cachet::http {
namespace {

TEST(Response, SerializesWithLengthDateAndConnection) {
  DateCache dates;
  std::string_view date = dates.get(784111777);
  EXPECT_EQ(date, "Sun, 06 Nov 1994 08:49:37 GMT");
  std::string out;
  Response r{.status = 200, .body = R"({"a":1})"};
  r.headers.emplace_back("ETag", "\"x\"");
  write_response(out, r, date, true, false);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: "
            "application/json\r\nContent-Length: 7\r\nETag: \"x\"\r\n\r\n{\"a\":1}");
  out.clear();
  write_response(out, r, date, false, true);  // HEAD: headers only, same length
  EXPECT_EQ(out.find("{"), std::string::npos);
  EXPECT_NE(out.find("Content-Length: 7\r\nConnection: close\r\n"), std::string::npos);
  out.clear();
  write_response(out, Response{.status = 204}, date, true, false);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
}

TEST(Router, ParamsAnd404And405) {
  Router router;
  router.add("GET", "/v1/kv/{key}", 1);
  router.add("PUT", "/v1/kv/{key}", 2);
  router.add("DELETE", "/v1/kv/{key}", 3);
  router.add("GET", "/healthz", 4);
  router.add("POST", "/v1/batch", 5);
  Router::Match m = router.match("PUT", "/v1/kv/user:1");
  ASSERT_EQ(m.kind, Router::Match::kFound);
  EXPECT_EQ(m.id, 2);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0], "user:1");
  EXPECT_EQ(router.match("HEAD", "/healthz").id, 4);
  EXPECT_EQ(router.match("GET", "/v1/kv/").kind, Router::Match::kNotFound);
  EXPECT_EQ(router.match("GET", "/v1/kv/a/b").kind, Router::Match::kNotFound);
  EXPECT_EQ(router.match("GET", "/nope").kind, Router::Match::kNotFound);
  Router::Match bad = router.match("POST", "/v1/kv/a");
  EXPECT_EQ(bad.kind, Router::Match::kMethodNotAllowed);
  EXPECT_EQ(bad.allow, "GET, HEAD, PUT, DELETE");
  EXPECT_EQ(router.match("GET", "/v1/batch").allow, "POST");
}

}  // namespace
}  // namespace cachet::http
