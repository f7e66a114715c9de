// GET load with or without client-side caching: CLIENTS RESP3 connections (HELLO 3, then CLIENT
// TRACKING on when TRACKING is 1) each send pipelined batches of PIPELINE `GET key:<n>` (n uniform
// in [0, KEYSPACE), 12 digits as redis-benchmark writes them) until REQUESTS replies have arrived
// in all; one thread drives every connection with epoll, as redis-benchmark does.
//
// Usage: tracking_load PORT CLIENTS REQUESTS PIPELINE KEYSPACE TRACKING
// Prints: "requests=N seconds=S requests_per_sec=R".
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "loopback.h"

namespace {

std::string command(std::initializer_list<std::string> words) {
  std::string out = "*" + std::to_string(words.size()) + "\r\n";
  for (const std::string& w : words) out += "$" + std::to_string(w.size()) + "\r\n" + w + "\r\n";
  return out;
}

// Counts complete replies in a byte stream of simple replies (`+`, `-`, `:`, `_`), bulk strings
// and `%`/`>`/`*` aggregates of those (HELLO's map, invalidation pushes); pushes are not counted.
class ReplyCounter {
 public:
  // Feeds bytes; returns the number of top-level non-push replies completed.
  size_t feed(const char* data, size_t n) {
    buf_.append(data, n);
    size_t done = 0;
    size_t pos = 0;
    while (true) {
      size_t start = pos;
      bool push = pos < buf_.size() && buf_[pos] == '>';
      if (!parse(pos)) {
        pos = start;
        break;
      }
      done += !push;
    }
    buf_.erase(0, pos);
    return done;
  }

 private:
  bool parse(size_t& pos) {
    size_t eol = buf_.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    char type = buf_[pos];
    long n = std::strtol(buf_.c_str() + pos + 1, nullptr, 10);
    pos = eol + 2;
    if (type == '$') {
      if (n < 0) return true;
      if (buf_.size() < pos + n + 2) return false;
      pos += n + 2;
      return true;
    }
    if (type == '*' || type == '>' || type == '%' || type == '~') {
      long items = type == '%' ? 2 * n : n;
      for (long i = 0; i < items; ++i) {
        if (!parse(pos)) return false;
      }
    }
    return true;
  }
  std::string buf_;
};

struct Client {
  int fd;
  ReplyCounter counter;
  size_t outstanding = 0;
  bool setting_up = true;  // its HELLO / CLIENT TRACKING replies are not counted
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s PORT CLIENTS REQUESTS PIPELINE KEYSPACE TRACKING\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  size_t clients = strtoul(argv[2], nullptr, 10), requests = strtoul(argv[3], nullptr, 10);
  size_t pipeline = strtoul(argv[4], nullptr, 10), keyspace = strtoul(argv[5], nullptr, 10);
  bool tracking = atoi(argv[6]) != 0;
  std::mt19937_64 random(42);
  std::vector<Client> conns(clients);
  int ep = epoll_create1(0);
  for (size_t i = 0; i < clients; ++i) {
    conns[i].fd = bench::connect_loopback(port);
    std::string setup = command({"HELLO", "3"});
    if (tracking) setup += command({"CLIENT", "TRACKING", "on"});
    bench::send_all(conns[i].fd, setup);
    conns[i].outstanding = tracking ? 2 : 1;
    epoll_event ev{EPOLLIN, {.u64 = i}};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  auto batch = [&] {
    std::string out;
    for (size_t i = 0; i < pipeline; ++i) {
      char key[32];  // redis-benchmark's key:__rand_int__ form, so its SET load fills them
      snprintf(key, sizeof(key), "key:%012llu",
               static_cast<unsigned long long>(random() % keyspace));
      out += command({"GET", key});
    }
    return out;
  };
  size_t sent = 0, received = 0;
  bool started = false;
  auto start = std::chrono::steady_clock::now();
  std::vector<epoll_event> events(clients);
  char buf[1 << 16];
  while (received < requests) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10000);
    if (n <= 0) {
      fprintf(stderr, "stalled after %zu replies\n", received);
      return 1;
    }
    for (int e = 0; e < n; ++e) {
      Client& c = conns[events[e].data.u64];
      ssize_t got = recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (got <= 0) continue;
      size_t done = c.counter.feed(buf, static_cast<size_t>(got));
      c.outstanding -= done;
      if (!c.setting_up) received += done;
      if (c.outstanding == 0) c.setting_up = false;
      if (c.outstanding == 0 && sent < requests) {
        if (!started) {  // set-up replies are in: the clock starts with the first GETs
          started = true;
          start = std::chrono::steady_clock::now();
        }
        bench::send_all(c.fd, batch());
        c.outstanding = pipeline;
        sent += pipeline;
      }
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printf("requests=%zu seconds=%.4f requests_per_sec=%.0f\n", received, seconds,
         received / seconds);
  for (Client& c : conns) close(c.fd);
  close(ep);
  return 0;
}
