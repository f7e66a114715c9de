// What the server records about the commands it runs, for INFO commandstats / errorstats /
// latencystats, INFO stats' instantaneous_ops_per_sec and total_error_replies, LATENCY HISTOGRAM,
// and (over their thresholds) the slow log and the latency monitor. Instance::execute times each
// command it runs and reports it here (finish), and reports each command it refuses (rejected).
//
// Cost on the hot path: two reads of the timer, a thread-local lookup, and stores to counters
// only this thread writes: no shared cache line is written per command.
//
// Thread-safety: each thread counts into its own block (single writer, relaxed atomics);
// readers sum every block under the registry mutex. CONFIG RESETSTAT never writes another
// thread's block: it advances an epoch, a block of an older epoch reads as zero, and its owner
// clears it before counting again. Error codes per block are a small map under the block's
// own mutex (errors are rare). The slow log and the latency monitor lock, but only for the
// commands they record.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/latency_histogram.h"
#include "server/latency_monitor.h"
#include "server/slow_log.h"

namespace cachet::server {

struct CommandSpec;
struct Context;
struct Rejection;

class CommandStats {
 public:
  // Microseconds from a monotonic clock (the TSC where the kernel keeps time with it, else
  // steady_clock); replaceable so tests decide how long commands take.
  using Timer = int64_t (*)();

  // One command's counts, summed over threads.
  struct Counts {
    std::string_view name;  // "get", "client|list"
    uint64_t calls = 0, usec = 0, rejected = 0, failed = 0;
  };

  // Where a command's measurement began: the time, and the length of the output before it.
  struct Started {
    int64_t at_us;
    size_t reply_at;
  };

  CommandStats();
  ~CommandStats();
  CommandStats(const CommandStats&) = delete;
  CommandStats& operator=(const CommandStats&) = delete;

  // Replaces the timer; call before any command runs.
  void set_timer(Timer timer) { timer_ = timer; }
  int64_t now_us() const { return timer_(); }

  Started start(Context& ctx) const;
  // Counts the command of `ctx`, which ran since `started`: a call and its duration, a failure
  // when its reply is an error (and the error's code), a latency sample when latency-tracking
  // is on, a slow log entry and a latency event when over their thresholds.
  void finish(Context& ctx, Started started);
  // Counts a command refused before it ran (`spec` null when unknown) whose error reply is
  // `reply`. As in Redis, a container refused for an unknown subcommand counts no rejection.
  void rejected(const CommandSpec* spec, const Rejection& rejection, std::string_view reply);
  // CONFIG RESETSTAT: zeroes the counts, error codes, latency histograms and the ops/sec
  // samples (the slow log and the latency monitor stay).
  void reset();

  // Every command with a count, in command table order (each container, then its
  // subcommands).
  std::vector<Counts> counts() const;
  // Error replies by code ("ERR", "WRONGTYPE"), in byte order.
  std::map<std::string, uint64_t, std::less<>> errors() const;
  uint64_t error_replies() const;
  // The summed latency histogram counters of `spec` (LatencyHistogram::kCounters), or empty
  // when it has no samples.
  std::vector<uint64_t> latency(const CommandSpec& spec) const;
  // Every command of the table with its full name, in table order.
  static std::span<const std::pair<const CommandSpec*, std::string>> commands();
  // The running totals Redis samples for its instantaneous_* metrics.
  struct Totals {
    uint64_t commands = 0, input_bytes = 0, output_bytes = 0;
  };
  // Redis's instantaneous_ops_per_sec / instantaneous_input_kbps / instantaneous_output_kbps
  // (the latter two in bytes per second): each the average of the last 16 rates of its total,
  // sampled every 100 ms (sampled when commands run and here).
  struct Rates {
    int64_t ops_per_sec = 0, input_bytes_per_sec = 0, output_bytes_per_sec = 0;
  };
  Rates instantaneous(const Totals& now_totals);

  SlowLog& slow_log() { return slow_log_; }
  LatencyMonitor& latency_monitor() { return latency_monitor_; }

 private:
  struct Counters {
    std::atomic<uint64_t> calls{0}, usec{0}, rejected{0}, failed{0};
  };
  struct ThreadBlock {
    explicit ThreadBlock(size_t commands);
    ~ThreadBlock();
    // Zeroes the block and marks it as counting for `epoch`. Owner only.
    void clear(uint64_t epoch);
    // The histogram of command index `command`, made on first use. Owner only.
    LatencyHistogram& histogram(uint32_t command);

    std::atomic<uint64_t> epoch{0};
    std::unique_ptr<Counters[]> commands;
    std::unique_ptr<std::atomic<LatencyHistogram*>[]> latency;  // owned; made on first sample
    size_t size;
    std::atomic<uint64_t> error_replies{0};
    mutable std::mutex errors_mutex;
    std::map<std::string, uint64_t, std::less<>> errors;  // guarded by errors_mutex
  };

  // This thread's block, current for this epoch.
  ThreadBlock& block();
  ThreadBlock& register_thread();
  // Calls fn(block) for every block of the current epoch, under blocks_mutex_.
  template <typename Fn>
  void for_each_current(Fn&& fn) const;
  void count_error(ThreadBlock& b, std::string_view reply);
  void log_slow(Context& ctx, int64_t duration_us);
  void sample_ops(int64_t now_us, const Totals& totals);

  static constexpr size_t kOpsSamples = 16;
  static constexpr int64_t kOpsSampleUs = 100'000;

  const uint64_t id_;  // tells this instance's thread-local block cache from another's
  Timer timer_;
  // Read by every command, written only by a reset or a sample: its own cache line.
  struct alignas(64) {
    std::atomic<uint64_t> epoch{1};
    std::atomic<int64_t> next_sample_us{0};
  } shared_;

  mutable std::mutex blocks_mutex_;
  std::vector<std::unique_ptr<ThreadBlock>> blocks_;                   // guarded by blocks_mutex_
  std::unordered_map<std::thread::id, ThreadBlock*> block_of_thread_;  // guarded by blocks_mutex_

  // The last kOpsSamples rates of one total, a ring.
  struct RateSeries {
    uint64_t last_total = 0;
    std::array<int64_t, kOpsSamples> rates{};
    size_t next = 0;
    // Records the rate of `total` over `elapsed_ms` into `periods` slots.
    void add(uint64_t total, int64_t elapsed_ms, int64_t periods);
    int64_t average() const;
    void clear();
  };

  std::mutex ops_mutex_;
  struct {
    bool sampled = false;
    int64_t last_us = 0;
    RateSeries commands, input, output;
  } ops_;  // guarded by ops_mutex_

  SlowLog slow_log_;
  LatencyMonitor latency_monitor_;
};

}  // namespace cachet::server
