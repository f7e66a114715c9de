// Prometheus metrics of the HTTP API: requests by route and status, a latency histogram, backend
// errors, cache hits and misses. Counters are relaxed atomics shared by all workers.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace cachet::gateway {

class Metrics {
 public:
  enum Route : int {
    kJson,
    kHealthz,
    kReadyz,
    kMetrics,
    kOpenapi,
    kKvPut,
    kKvGet,
    kKvDelete,
    kBatch,
    kInvalidate,
    kEvents,
    kUnrouted,
    kRouteCount
  };
  void record(Route route, int status, std::chrono::nanoseconds latency);
  void backend_error() { backend_errors_.fetch_add(1, std::memory_order_relaxed); }
  void hit() { hits_.fetch_add(1, std::memory_order_relaxed); }
  void miss() { misses_.fetch_add(1, std::memory_order_relaxed); }
  // Appends the Prometheus text exposition (format 0.0.4).
  void render(std::string& out) const;

 private:
  static constexpr std::array<int, 14> kStatuses = {200, 204, 304, 400, 404, 405, 413,
                                                    414, 431, 500, 501, 503, 505, 0};
  static constexpr std::array<double, 10> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.05,   0.25,  1.0};
  std::atomic<uint64_t> requests_[kRouteCount][kStatuses.size()] = {};
  std::atomic<uint64_t> latency_buckets_[kBuckets.size() + 1] = {};
  std::atomic<uint64_t> latency_count_{0};
  std::atomic<uint64_t> latency_sum_ns_{0};
  std::atomic<uint64_t> backend_errors_{0};
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace cachet::gateway
