// Blocking loopback socket helpers shared by the bench load generators.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace bench {

// A TCP_NODELAY connection to host:port (host a dotted IPv4 address); exits the process if it
// fails.
inline int connect_tcp(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    fprintf(stderr, "not an IPv4 address: %s\n", host.c_str());
    exit(1);
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    perror("connect");
    exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// A TCP_NODELAY connection to 127.0.0.1:port; exits the process if it fails.
inline int connect_loopback(int port) { return connect_tcp("127.0.0.1", port); }

// Writes all of `data`; exits the process if the connection fails.
inline void send_all(int fd, std::string_view data) {
  for (size_t sent = 0; sent < data.size();) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, 0);
    if (n <= 0) {
      perror("send");
      exit(1);
    }
    sent += static_cast<size_t>(n);
  }
}

}  // namespace bench
