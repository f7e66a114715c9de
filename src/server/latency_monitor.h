// The latency monitor (LATENCY): for each event ("command", "fast-command", "expire-cycle",
// "eviction-cycle", "eviction-del"), the worst latency
// in ms of each of the last 160 seconds that had a sample at or over
// `latency-monitor-threshold`, and the all-time maximum, as Redis 7.0 keeps them.
//
// Thread-safety: every member locks the monitor's mutex; callers check the threshold first.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::server {

struct LatencySample {
  int64_t unix_seconds = 0;  // 0: an unused slot
  int64_t latency_ms = 0;
};

// One event's samples, as LATENCY LATEST and DOCTOR read them.
struct LatencySeries {
  static constexpr size_t kLength = 160;
  std::array<LatencySample, kLength> samples{};  // a ring; `next` is the slot to write
  size_t next = 0;
  int64_t max_ms = 0;

  const LatencySample& latest() const { return samples[(next + kLength - 1) % kLength]; }
  // The used samples, oldest first.
  std::vector<LatencySample> history() const;
};

class LatencyMonitor {
 public:
  // Records `latency_ms` for `event` at `now_s`: within the same second only the worst stays.
  void add(std::string_view event, int64_t now_s, int64_t latency_ms);
  // A copy of every event's series, by event name.
  std::map<std::string, LatencySeries, std::less<>> snapshot() const;
  // Forgets the named events (all of them when `events` is empty); returns how many existed.
  size_t reset(const std::vector<std::string_view>& events);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, LatencySeries, std::less<>> events_;  // guarded by mutex_
};

// The settings LATENCY DOCTOR's advice depends on.
struct DoctorSettings {
  int64_t slowlog_log_slower_than = 0, slowlog_max_len = 0, latency_monitor_threshold = 0;
  int64_t hz = 10;
};

// LATENCY DOCTOR's report (Redis 7.0's wording) over `events` at `now_s`.
std::string latency_report(const std::map<std::string, LatencySeries, std::less<>>& events,
                           int64_t now_s, const DoctorSettings& settings);

// LATENCY GRAPH's report of one event at `now_s`: a title line, a rule, and Redis's
// sparkline (4 rows, 80 columns per band) with the age of each sample below it.
std::string latency_graph(std::string_view event, const LatencySeries& series, int64_t now_s);

}  // namespace cachet::server
