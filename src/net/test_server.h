// What the net tests share: a line-echo handler and a loopback connect.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string_view>

#include "net/worker.h"

namespace cachet::net {

// Echoes whole lines back; "quit\n" closes after the reply.
class LineEcho final : public Handler {
 public:
  size_t on_input(Connection& conn, std::string_view input) override {
    size_t end = input.rfind('\n');
    if (end == std::string_view::npos) return 0;
    conn.output().append(input.substr(0, end + 1));
    if (input.substr(0, end + 1).ends_with("quit\n")) conn.close_after_reply();
    return end + 1;
  }
};

inline int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

}  // namespace cachet::net
