#include "server/latency_monitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace cachet::server {
namespace {

// What LATENCY DOCTOR says about one event's samples (Redis's analyzeLatencyForEvent).
struct EventAnalysis {
  size_t samples = 0;
  int64_t average_ms = 0;
  int64_t mean_deviation_ms = 0;
  int64_t period_s = 0;  // seconds from the oldest sample to now, at least 1
};

EventAnalysis analyze(const LatencySeries& series, int64_t now_s) {
  EventAnalysis a;
  std::vector<LatencySample> samples = series.history();
  if (samples.empty()) return a;
  int64_t sum = 0, oldest = samples.front().unix_seconds;
  for (const LatencySample& s : samples) {
    sum += s.latency_ms;
    oldest = std::min(oldest, s.unix_seconds);
  }
  a.samples = samples.size();
  a.average_ms = sum / static_cast<int64_t>(a.samples);
  a.period_s = std::max<int64_t>(1, now_s - oldest);
  int64_t deviation = 0;
  for (const LatencySample& s : samples) deviation += std::abs(a.average_ms - s.latency_ms);
  a.mean_deviation_ms = deviation / static_cast<int64_t>(a.samples);
  return a;
}

// The advice LATENCY DOCTOR may give, in the order it gives it.
struct Advice {
  bool slowlog_enabled = false, slowlog_tuning = false, slowlog_inspect = false;
  bool scheduler = false, hz = false, large_objects = false, mass_eviction = false;
  bool any() const {
    return slowlog_enabled || slowlog_tuning || slowlog_inspect || scheduler || hz ||
           large_objects || mass_eviction;
  }
};

std::string advice_text(const Advice& advice, const DoctorSettings& settings) {
  std::string out = "\nI have a few advices for you:\n\n";
  uint64_t suggested_us = static_cast<uint64_t>(settings.latency_monitor_threshold) * 1000;
  if (advice.slowlog_enabled) {
    out += fmt::format(
        "- There are latency issues with potentially slow commands you are using. Try to enable "
        "the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {}'. "
        "If the Slow log is disabled Redis is not able to log slow commands execution for "
        "you.\n",
        suggested_us);
  }
  if (advice.slowlog_tuning) {
    out += fmt::format(
        "- Your current Slow Log configuration only logs events that are slower than your "
        "configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than "
        "{}'.\n",
        suggested_us);
  }
  if (advice.slowlog_inspect) {
    out +=
        "- Check your Slow Log to understand what are the commands you are running which are "
        "too slow to execute. Please check https://redis.io/commands/slowlog for more "
        "information.\n";
  }
  if (advice.scheduler) {
    out +=
        "- The system is slow to execute Redis code paths not containing system calls. This "
        "usually means the system does not provide Redis CPU time to run for long periods. You "
        "should try to:\n"
        "  1) Lower the system load.\n"
        "  2) Use a computer / VM just for Redis if you are running other software in the same "
        "system.\n"
        "  3) Check if you have a \"noisy neighbour\" problem.\n"
        "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in "
        "your system.\n"
        "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, "
        "if you are using Jemalloc. However this may create fragmentation problems.\n";
  }
  if (advice.hz && settings.hz < 100) {
    out +=
        "- In order to make the Redis keys expiring process more incremental, try to set the "
        "'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
  }
  if (advice.large_objects) {
    out +=
        "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a "
        "blocking operation. If you have very large objects that are often deleted, expired, or "
        "evicted, try to fragment those objects into multiple smaller objects.\n";
  }
  if (advice.mass_eviction) {
    out +=
        "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large "
        "objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster "
        "large keys migrations (RESTORE command), may create sudden memory pressure forcing the "
        "server to block trying to evict keys. \n";
  }
  return out;
}

// A sample's age as LATENCY GRAPH labels it: "5s", "3m", "2h", "1d".
std::string age_label(int64_t seconds) {
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds < 3600) return fmt::format("{}m", seconds / 60);
  if (seconds < 86400) return fmt::format("{}h", seconds / 3600);
  return fmt::format("{}d", seconds / 86400);
}

constexpr int kGraphRows = 4;
constexpr size_t kGraphColumns = 80;
constexpr std::string_view kFill = "_o#";  // the levels within one row, lowest first

// One band of Redis's filled sparkline (sparklineRenderRange): `rows` rows where each column
// rises to its sample's level between the overall min and max, then one blank row and the
// labels written downwards.
void render_band(std::string& out, const std::vector<int64_t>& values,
                 const std::vector<std::string>& labels, size_t from, size_t count, int64_t min,
                 int64_t max) {
  double range = max - min == 0 ? 1 : static_cast<double>(max - min);
  int steps = static_cast<int>(kFill.size()) * kGraphRows;
  std::vector<int> step(count);
  size_t longest = 0;
  for (size_t j = 0; j < count; ++j) {
    int s = static_cast<int>(static_cast<int>((values[from + j] - min) * steps) / range);
    step[j] = std::clamp(s, 0, steps - 1);
    longest = std::max(longest, labels[from + j].size());
  }
  for (int row = 0; row < kGraphRows; ++row) {
    for (size_t j = 0; j < count; ++j) {
      int level = step[j] - (kGraphRows - row - 1) * static_cast<int>(kFill.size());
      out += level < 0 ? ' ' : level < static_cast<int>(kFill.size()) ? kFill[level] : '|';
    }
    out += '\n';
  }
  out.append(count, ' ');
  out += '\n';
  for (size_t c = 0; c < longest; ++c) {
    for (size_t j = 0; j < count; ++j) {
      const std::string& label = labels[from + j];
      out += c < label.size() ? label[c] : ' ';
    }
    out += '\n';
  }
}

}  // namespace

std::vector<LatencySample> LatencySeries::history() const {
  std::vector<LatencySample> out;
  for (size_t i = 0; i < kLength; ++i) {
    const LatencySample& s = samples[(next + i) % kLength];
    if (s.unix_seconds != 0) out.push_back(s);
  }
  return out;
}

void LatencyMonitor::add(std::string_view event, int64_t now_s, int64_t latency_ms) {
  std::lock_guard lock(mutex_);
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), LatencySeries{}).first;
  LatencySeries& series = it->second;
  series.max_ms = std::max(series.max_ms, latency_ms);
  LatencySample& previous =
      series.samples[(series.next + LatencySeries::kLength - 1) % LatencySeries::kLength];
  if (previous.unix_seconds == now_s) {
    previous.latency_ms = std::max(previous.latency_ms, latency_ms);
    return;
  }
  series.samples[series.next] = {now_s, latency_ms};
  series.next = (series.next + 1) % LatencySeries::kLength;
}

std::map<std::string, LatencySeries, std::less<>> LatencyMonitor::snapshot() const {
  std::lock_guard lock(mutex_);
  return events_;
}

size_t LatencyMonitor::reset(const std::vector<std::string_view>& events) {
  std::lock_guard lock(mutex_);
  if (events.empty()) return std::exchange(events_, {}).size();
  size_t removed = 0;
  for (std::string_view name : events) {
    auto it = events_.find(name);
    if (it == events_.end()) continue;
    events_.erase(it);
    ++removed;
  }
  return removed;
}

std::string latency_graph(std::string_view event, const LatencySeries& series, int64_t now_s) {
  std::vector<int64_t> values;
  std::vector<std::string> labels;
  for (const LatencySample& s : series.history()) {
    values.push_back(s.latency_ms);
    labels.push_back(age_label(now_s - s.unix_seconds));
  }
  int64_t min = 0, max = 0;
  if (!values.empty()) {
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    min = *lo;
    max = *hi;
  }
  std::string out = fmt::format("{} - high {} ms, low {} ms (all time high {} ms)\n", event, max,
                                min, series.max_ms);
  out.append(kGraphColumns, '-');
  out += '\n';
  for (size_t from = 0; from < values.size(); from += kGraphColumns) {
    if (from != 0) out += '\n';
    render_band(out, values, labels, from, std::min(kGraphColumns, values.size() - from), min, max);
  }
  return out;
}

namespace {

// Adds the advice Redis gives for a spike of `event`.
void advise(std::string_view event, const DoctorSettings& settings, Advice& advice) {
  if (event == "command") {
    if (settings.slowlog_log_slower_than < 0 || settings.slowlog_max_len == 0) {
      advice.slowlog_enabled = true;
    } else if (settings.slowlog_log_slower_than / 1000 > settings.latency_monitor_threshold) {
      advice.slowlog_tuning = true;
    }
    advice.slowlog_inspect = advice.large_objects = true;
  } else if (event == "fast-command") {
    advice.scheduler = true;
  } else if (event == "expire-cycle") {
    advice.hz = advice.large_objects = true;
  } else if (event == "eviction-del") {
    advice.large_objects = true;
  } else if (event == "eviction-cycle") {
    advice.mass_eviction = true;
  }
}

}  // namespace

std::string latency_report(const std::map<std::string, LatencySeries, std::less<>>& events,
                           int64_t now_s, const DoctorSettings& settings) {
  if (events.empty() && settings.latency_monitor_threshold == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
           "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
           "order to enable it. If we weren't in a deep space mission I'd suggest to take a look "
           "at https://redis.io/topics/latency-monitor.\n";
  }
  std::string out;
  Advice advice;
  int number = 0;
  for (const auto& [event, series] : events) {
    if (++number == 1) {
      out +=
          "Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
          "about it, do you Dave?\n\n";
    }
    EventAnalysis a = analyze(series, now_s);
    out += fmt::format(
        "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2f} sec). "
        "Worst all time event {}ms.\n",
        number, event, a.samples, a.average_ms, a.mean_deviation_ms,
        static_cast<double>(a.period_s) / static_cast<double>(a.samples), series.max_ms);
    advise(event, settings, advice);
  }
  if (number == 0) {
    return "Dave, no latency spike was observed during the lifetime of this Redis instance, not "
           "in the slightest bit. I honestly think you ought to sit down calmly, take a stress "
           "pill, and think things over.\n";
  }
  if (!advice.any()) {
    return out +
           "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please "
           "use the Redis community to get some help, providing this report in your help "
           "request.\n";
  }
  return out + advice_text(advice, settings);
}

}  // namespace cachet::server
