#include "net/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "net/test_server.h"

namespace cachet::net {
namespace {

// Reads until `n` bytes arrived or the peer closed.
std::string read_n(int fd, size_t n) {
  std::string out;
  char buf[4096];
  while (out.size() < n) {
    ssize_t r = recv(fd, buf, sizeof(buf), 0);
    if (r <= 0) break;
    out.append(buf, r);
  }
  return out;
}

ServerOptions test_options() {
  ServerOptions o;
  o.port = 0;
  o.threads = 2;
  o.max_connections = 2;
  o.reject_message = "full\n";
  return o;
}

TEST(TimerWait, RoundsUpToWholeMilliseconds) {
  using std::chrono::microseconds;
  EXPECT_EQ(timer_wait_ms(microseconds(1)), 1);  // not 0: that would spin until it is due
  EXPECT_EQ(timer_wait_ms(microseconds(999)), 1);
  EXPECT_EQ(timer_wait_ms(microseconds(1000)), 1);
  EXPECT_EQ(timer_wait_ms(microseconds(1001)), 2);
  EXPECT_EQ(timer_wait_ms(microseconds(0)), 0);
  EXPECT_EQ(timer_wait_ms(microseconds(-5000)), 0);  // overdue
}

TEST(Server, EchoesPipelinedInputAndClosesAfterReply) {
  Server server(test_options(), [](Connection&) { return std::make_unique<LineEcho>(); });
  std::string error;
  ASSERT_TRUE(server.listen(error)) << error;
  server.start();
  int fd = connect_to(server.port());
  std::string request = "a\nb\nquit\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  EXPECT_EQ(read_n(fd, 100), request);  // read_n returns at EOF: the server closed
  close(fd);
  server.stop();
}

TEST(Server, RefusesConnectionsPastTheLimit) {
  Server server(test_options(), [](Connection&) { return std::make_unique<LineEcho>(); });
  std::string error;
  ASSERT_TRUE(server.listen(error)) << error;
  server.start();
  int a = connect_to(server.port()), b = connect_to(server.port());
  // Round trips prove both were accepted before the third arrives.
  for (int fd : {a, b}) {
    ASSERT_EQ(send(fd, "x\n", 2, 0), 2);
    ASSERT_EQ(read_n(fd, 2), "x\n");
  }
  int c = connect_to(server.port());
  EXPECT_EQ(read_n(c, 100), "full\n");
  for (int fd : {a, b, c}) close(fd);
  server.stop();
}

TEST(Server, ListenFailsOnBadAddress) {
  ServerOptions o = test_options();
  o.bind = {"not-an-ip"};
  Server server(o, [](Connection&) { return std::make_unique<LineEcho>(); });
  std::string error;
  EXPECT_FALSE(server.listen(error));
  EXPECT_NE(error.find("not-an-ip"), std::string::npos);
}

}  // namespace
}  // namespace cachet::net
