#include "gateway/metrics.h"

#include <fmt/format.h>

namespace cachet::gateway {
namespace {

constexpr const char* kRouteNames[] = {"json",    "healthz",    "readyz", "metrics",
                                       "openapi", "kv_put",     "kv_get", "kv_delete",
                                       "batch",   "invalidate", "events", "unrouted"};
static_assert(std::size(kRouteNames) == Metrics::kRouteCount);

}  // namespace

void Metrics::record(Route route, int status, std::chrono::nanoseconds latency) {
  size_t s = 0;
  while (s + 1 < kStatuses.size() && kStatuses[s] != status) ++s;  // last slot: other statuses
  requests_[route][s].fetch_add(1, std::memory_order_relaxed);
  double seconds = std::chrono::duration<double>(latency).count();
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  latency_buckets_[b].fetch_add(1, std::memory_order_relaxed);
  latency_count_.fetch_add(1, std::memory_order_relaxed);
  latency_sum_ns_.fetch_add(static_cast<uint64_t>(latency.count()), std::memory_order_relaxed);
}

void Metrics::render(std::string& out) const {
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  out +=
      "# HELP cachet_http_requests_total HTTP requests by route and status.\n"
      "# TYPE cachet_http_requests_total counter\n";
  for (int r = 0; r < kRouteCount; ++r) {
    for (size_t s = 0; s < kStatuses.size(); ++s) {
      uint64_t n = load(requests_[r][s]);
      if (n == 0) continue;
      std::string status = kStatuses[s] ? std::to_string(kStatuses[s]) : "other";
      out += fmt::format("cachet_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                         kRouteNames[r], status, n);
    }
  }
  out +=
      "# HELP cachet_http_request_duration_seconds Time from a parsed request to its response.\n"
      "# TYPE cachet_http_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t b = 0; b <= kBuckets.size(); ++b) {
    cumulative += load(latency_buckets_[b]);
    std::string le = b < kBuckets.size() ? fmt::format("{}", kBuckets[b]) : "+Inf";
    out += fmt::format("cachet_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", le,
                       cumulative);
  }
  out += fmt::format("cachet_http_request_duration_seconds_sum {}\n",
                     static_cast<double>(load(latency_sum_ns_)) / 1e9);
  out += fmt::format("cachet_http_request_duration_seconds_count {}\n", load(latency_count_));
  out += fmt::format(
      "# HELP cachet_backend_errors_total Requests the cache backend could not answer.\n"
      "# TYPE cachet_backend_errors_total counter\ncachet_backend_errors_total {}\n"
      "# HELP cachet_cache_hits_total Key reads that found the key.\n"
      "# TYPE cachet_cache_hits_total counter\ncachet_cache_hits_total {}\n"
      "# HELP cachet_cache_misses_total Key reads that did not.\n"
      "# TYPE cachet_cache_misses_total counter\ncachet_cache_misses_total {}\n",
      load(backend_errors_), load(hits_), load(misses_));
}

}  // namespace cachet::gateway
