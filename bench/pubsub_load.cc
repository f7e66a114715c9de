// Pub/Sub load generator: SUBSCRIBERS connections subscribe to one channel, then one publisher
// connection sends MESSAGES PUBLISHes in pipelined batches of PIPELINE while one thread drains
// every subscriber socket (epoll). The clock runs from the first PUBLISH sent to the last message
// byte received by the last subscriber.
//
// Usage: pubsub_load PORT SUBSCRIBERS MESSAGES PIPELINE PAYLOAD_BYTES
// Prints: "deliveries=N seconds=S deliveries_per_sec=R".
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "loopback.h"

namespace {

constexpr std::string_view kChannel = "bench";

// Reads exactly `n` bytes (blocking).
void read_exactly(int fd, size_t n) {
  char buf[65536];
  while (n > 0) {
    ssize_t got = recv(fd, buf, std::min(n, sizeof(buf)), 0);
    if (got <= 0) {
      perror("recv");
      exit(1);
    }
    n -= static_cast<size_t>(got);
  }
}

std::string bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

// Drains every subscriber until each has received `bytes_each`.
void drain(const std::vector<int>& subs, size_t bytes_each) {
  int ep = epoll_create1(0);
  std::vector<size_t> left(subs.size(), bytes_each);
  for (size_t i = 0; i < subs.size(); ++i) {
    epoll_event ev{EPOLLIN, {.u64 = i}};
    epoll_ctl(ep, EPOLL_CTL_ADD, subs[i], &ev);
  }
  size_t open = subs.size();
  std::vector<epoll_event> events(256);
  char buf[1 << 16];
  while (open > 0) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10000);
    if (n <= 0) {
      fprintf(stderr, "subscribers stalled with %zu still waiting\n", open);
      exit(1);
    }
    for (int e = 0; e < n; ++e) {
      size_t i = events[e].data.u64;
      ssize_t got = recv(subs[i], buf, sizeof(buf), MSG_DONTWAIT);
      if (got <= 0) continue;
      left[i] -= std::min(left[i], static_cast<size_t>(got));
      if (left[i] == 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, subs[i], nullptr);
        --open;
      }
    }
  }
  close(ep);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s PORT SUBSCRIBERS MESSAGES PIPELINE PAYLOAD_BYTES\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  size_t subscribers = strtoul(argv[2], nullptr, 10), messages = strtoul(argv[3], nullptr, 10);
  size_t pipeline = strtoul(argv[4], nullptr, 10), payload_bytes = strtoul(argv[5], nullptr, 10);
  std::string payload(payload_bytes, 'x');

  std::string subscribe = "*2\r\n" + bulk("SUBSCRIBE") + bulk(kChannel);
  size_t confirmation = ("*3\r\n" + bulk("subscribe") + bulk(kChannel) + ":1\r\n").size();
  std::vector<int> subs;
  for (size_t i = 0; i < subscribers; ++i) {
    subs.push_back(bench::connect_loopback(port));
    bench::send_all(subs.back(), subscribe);
  }
  for (int fd : subs) read_exactly(fd, confirmation);
  size_t message_bytes = ("*3\r\n" + bulk("message") + bulk(kChannel) + bulk(payload)).size();

  int pub = bench::connect_loopback(port);
  std::string command = "*3\r\n" + bulk("PUBLISH") + bulk(kChannel) + bulk(payload);
  std::string reply = ":" + std::to_string(subscribers) + "\r\n";
  auto start = std::chrono::steady_clock::now();
  std::thread reader(drain, std::cref(subs), message_bytes * messages);
  for (size_t sent = 0; sent < messages;) {
    size_t batch = std::min(pipeline, messages - sent);
    std::string out;
    for (size_t i = 0; i < batch; ++i) out += command;
    bench::send_all(pub, out);
    read_exactly(pub, reply.size() * batch);
    sent += batch;
  }
  reader.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t deliveries = subscribers * messages;
  printf("deliveries=%zu seconds=%.4f deliveries_per_sec=%.0f\n", deliveries, seconds,
         deliveries / seconds);
  for (int fd : subs) close(fd);
  close(pub);
  return 0;
}
