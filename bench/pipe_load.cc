// Lean pipelined RESP load generator: what redis-benchmark does for one command, without building
// a reply object per reply, so that on a small machine the load generator is not the bottleneck.
//
// CLIENTS connections each keep PIPELINE requests in flight: a connection sends a batch of
// PIPELINE copies of the command, and sends the next batch once every reply of the last one has
// arrived (redis-benchmark's per-batch refill), until REQUESTS requests have been sent in all (the
// last batch is cut short so that exactly REQUESTS are sent). One thread drives every connection
// with epoll. The command is RESP-encoded once; with -r every `__rand_int__` in it is replaced,
// each occurrence independently, by a 12-digit zero-padded number uniform in [0, KEYSPACE), as
// redis-benchmark does; without -r it is sent literally. Replies are only counted, by a scanner
// that allocates nothing; error replies (at any depth) are counted too.
//
// Usage: pipe_load [-h HOST] [-p PORT] [-c CLIENTS] [-P PIPELINE] [-n REQUESTS] [-r KEYSPACE]
//                  COMMAND [ARG...]
// Prints one line: "requests=N errors=E seconds=S requests_per_sec=R cpu_seconds=C" (C: this
// process's user+system CPU during the run). Exits 1 after printing the first error reply to
// stderr if any reply was an error, or if the server stalls or closes a connection; 2 on usage.
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "loopback.h"

namespace {

constexpr std::string_view kRandToken = "__rand_int__";  // 12 bytes, as many as the digits
constexpr int kStallMillis = 10000;

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  size_t clients = 50;
  size_t pipeline = 1;
  size_t requests = 100000;
  uint64_t keyspace = 0;  // 0: no __rand_int__ substitution
  std::vector<std::string_view> command;
};

// Parses redis-benchmark-style options; the first word that is not an option starts the command.
// Returns false on a usage error.
bool parse_options(int argc, char** argv, Options& o) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i += 2) {
    if (i + 1 >= argc) return false;
    std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "-h") {
      o.host = value;
    } else if (flag == "-p") {
      o.port = atoi(value);
    } else if (flag == "-c") {
      o.clients = strtoul(value, nullptr, 10);
    } else if (flag == "-P") {
      o.pipeline = strtoul(value, nullptr, 10);
    } else if (flag == "-n") {
      o.requests = strtoul(value, nullptr, 10);
    } else if (flag == "-r") {
      o.keyspace = strtoull(value, nullptr, 10);
    } else {
      return false;
    }
  }
  for (; i < argc; ++i) o.command.emplace_back(argv[i]);
  return !o.command.empty() && o.clients > 0 && o.pipeline > 0;
}

// xorshift64*: cheap, and plenty uniform for picking keys.
class Random {
 public:
  uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }

 private:
  uint64_t state_ = 0x9E3779B97F4A7C15ULL;
};

// PIPELINE RESP-encoded copies of the command in one buffer, with the offsets of every
// `__rand_int__` in it. Invariant: every request in the buffer has the same length, so the first
// k requests are its first k * request_size() bytes.
class Batch {
 public:
  Batch(const std::vector<std::string_view>& command, size_t pipeline) {
    std::string one = "*" + std::to_string(command.size()) + "\r\n";
    for (std::string_view word : command) {
      one += "$" + std::to_string(word.size()) + "\r\n";
      one += word;
      one += "\r\n";
    }
    request_size_ = one.size();
    for (size_t i = 0; i < pipeline; ++i) bytes_ += one;
    for (size_t at = bytes_.find(kRandToken); at != std::string::npos;
         at = bytes_.find(kRandToken, at + kRandToken.size())) {
      rand_offsets_.push_back(at);
    }
  }

  // Writes a fresh number in [0, keyspace) over every __rand_int__ slot; keyspace > 0.
  void randomize(Random& random, uint64_t keyspace) {
    for (size_t at : rand_offsets_) {
      uint64_t n = random.next() % keyspace;
      for (size_t d = kRandToken.size(); d-- > 0; n /= 10) bytes_[at + d] = char('0' + n % 10);
    }
  }

  // The first `requests` requests of the batch; requests <= pipeline.
  std::string_view first(size_t requests) const {
    return std::string_view(bytes_).substr(0, requests * request_size_);
  }

 private:
  std::string bytes_;
  size_t request_size_ = 0;
  std::vector<size_t> rand_offsets_;
};

// Counts complete RESP2 replies (simple strings, errors, integers, bulk strings, null bulks and
// null arrays, arrays nested up to kMaxDepth) in a byte stream fed in arbitrary pieces. Allocates
// nothing after the first error. Header lines longer than kMaxLine are only read for their first
// kMaxLine bytes (enough for every length; error texts are cut there).
class ReplyScanner {
 public:
  static constexpr size_t kMaxLine = 256;
  static constexpr int kMaxDepth = 32;

  // Consumes all n bytes; returns the number of top-level replies they completed, or -1 on a
  // protocol violation (unknown type byte, nesting deeper than kMaxDepth).
  long feed(const char* p, size_t n) {
    const char* end = p + n;
    long done = 0;
    while (p < end) {
      if (skip_ > 0) {
        size_t step = std::min(skip_, static_cast<size_t>(end - p));
        p += step;
        skip_ -= step;
        if (skip_ == 0) done += element_done();
        continue;
      }
      const char* eol = static_cast<const char*>(memchr(p, '\n', end - p));
      append_line(p, eol ? eol : end);
      if (!eol) break;
      p = eol + 1;
      long got = header_done();
      if (got < 0) return -1;
      done += got;
      line_len_ = 0;
    }
    return done;
  }

  size_t errors() const { return errors_; }
  const std::string& first_error() const { return first_error_; }

 private:
  void append_line(const char* from, const char* to) {
    size_t n = std::min(static_cast<size_t>(to - from), kMaxLine - line_len_);
    memcpy(line_ + line_len_, from, n);
    line_len_ += n;
  }

  // The header line in line_ (type byte, text, "\r" possibly cut) is complete; returns the number
  // of top-level replies it completed (0 or 1), or -1 on a protocol violation.
  long header_done() {
    if (line_len_ == 0) return -1;
    long long n = strtoll(line_ + 1, nullptr, 10);  // stops at '\r'; ignored for + - :
    switch (line_[0]) {
      case '-':
        note_error();
        [[fallthrough]];
      case '+':
      case ':':
        return element_done();
      case '$':
        if (n < 0) return element_done();
        skip_ = static_cast<size_t>(n) + 2;
        return 0;
      case '*':
        if (n <= 0) return element_done();
        if (depth_ == kMaxDepth) return -1;
        pending_[depth_++] = static_cast<uint64_t>(n);
        return 0;
      default:
        return -1;
    }
  }

  // One element ended: closes every array it completes; returns 1 if that ends a top-level reply.
  long element_done() {
    while (depth_ > 0) {
      if (--pending_[depth_ - 1] > 0) return 0;
      --depth_;
    }
    return 1;
  }

  void note_error() {
    if (errors_++ > 0) return;
    size_t len = line_len_;
    while (len > 1 && (line_[len - 1] == '\r' || line_[len - 1] == '\n')) --len;
    first_error_.assign(line_ + 1, len - 1);
  }

  char line_[kMaxLine];
  size_t line_len_ = 0;
  size_t skip_ = 0;              // bulk body bytes and CRLF still to pass over
  uint64_t pending_[kMaxDepth];  // elements each open array still owes, innermost last
  int depth_ = 0;
  size_t errors_ = 0;
  std::string first_error_;
};

struct Connection {
  int fd = -1;
  size_t in_flight = 0;
  ReplyScanner scanner;
};

// Drives the connections until `requests` replies arrived; see the file comment.
class Load {
 public:
  explicit Load(const Options& o) : opts_(o), batch_(o.command, o.pipeline), conns_(o.clients) {}

  // Connects every client, runs the load and returns false if it could not be completed.
  bool run() {
    ep_ = epoll_create1(0);
    if (ep_ < 0) {
      perror("epoll_create1");
      return false;
    }
    for (size_t i = 0; i < conns_.size(); ++i) {
      conns_[i].fd = bench::connect_tcp(opts_.host, opts_.port);
      epoll_event ev{EPOLLIN, {.u64 = i}};
      if (epoll_ctl(ep_, EPOLL_CTL_ADD, conns_[i].fd, &ev) != 0) {
        perror("epoll_ctl");
        return false;
      }
    }
    for (Connection& c : conns_) send_batch(c);
    return serve();
  }

  size_t received() const { return received_; }

  // Error replies over all connections, and the first one seen (by connection order).
  size_t errors(std::string* first) const {
    size_t total = 0;
    for (const Connection& c : conns_) {
      if (total == 0 && c.scanner.errors() > 0) *first = c.scanner.first_error();
      total += c.scanner.errors();
    }
    return total;
  }

  ~Load() {
    for (Connection& c : conns_) close(c.fd);
    if (ep_ >= 0) close(ep_);
  }

 private:
  // Sends the connection's next batch, unless every request has been sent.
  void send_batch(Connection& c) {
    size_t k = std::min(opts_.pipeline, opts_.requests - sent_);
    if (k == 0) return;
    if (opts_.keyspace > 0) batch_.randomize(random_, opts_.keyspace);
    bench::send_all(c.fd, batch_.first(k));
    c.in_flight = k;
    sent_ += k;
  }

  bool serve() {
    std::vector<epoll_event> events(conns_.size());
    while (received_ < opts_.requests) {
      int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), kStallMillis);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fprintf(stderr, "stalled after %zu replies\n", received_);
        return false;
      }
      for (int e = 0; e < n; ++e) {
        if (!on_readable(conns_[events[e].data.u64])) return false;
      }
    }
    return true;
  }

  bool on_readable(Connection& c) {
    ssize_t got = recv(c.fd, buf_, sizeof(buf_), MSG_DONTWAIT);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (got <= 0) {
      fprintf(stderr, "connection closed by the server\n");
      return false;
    }
    long done = c.scanner.feed(buf_, static_cast<size_t>(got));
    if (done < 0 || static_cast<size_t>(done) > c.in_flight) {
      fprintf(stderr, "unexpected reply bytes\n");
      return false;
    }
    received_ += done;
    c.in_flight -= done;
    if (c.in_flight == 0) send_batch(c);
    return true;
  }

  const Options& opts_;
  Batch batch_;
  Random random_;
  std::vector<Connection> conns_;
  int ep_ = -1;
  size_t sent_ = 0;
  size_t received_ = 0;
  char buf_[1 << 16];
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](timeval t) { return t.tv_sec + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  if (!parse_options(argc, argv, opts)) {
    fprintf(stderr,
            "usage: %s [-h HOST] [-p PORT] [-c CLIENTS] [-P PIPELINE] [-n REQUESTS] "
            "[-r KEYSPACE] COMMAND [ARG...]\n",
            argv[0]);
    return 2;
  }
  Load load(opts);
  double cpu_before = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  if (!load.run()) return 1;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = cpu_seconds() - cpu_before;
  std::string first_error;
  size_t errors = load.errors(&first_error);
  printf("requests=%zu errors=%zu seconds=%.4f requests_per_sec=%.0f cpu_seconds=%.4f\n",
         load.received(), errors, seconds, load.received() / seconds, cpu);
  if (errors > 0) {
    fprintf(stderr, "error reply: %s\n", first_error.c_str());
    return 1;
  }
  return 0;
}
