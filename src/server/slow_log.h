// The slow log (SLOWLOG): the most recent commands that ran for at least
// `slowlog-log-slower-than` microseconds, newest first, at most `slowlog-max-len` of them.
//
// Thread-safety: every member locks the log's mutex; callers check the threshold first, so
// commands under it never touch the log.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::server {

struct SlowLogEntry {
  int64_t id = 0;
  int64_t unix_seconds = 0;
  int64_t duration_us = 0;
  std::vector<std::string> args;  // shortened as Redis keeps them (see shorten_arguments)
  std::string peer;               // client "ip:port"
  std::string client_name;
};

// The arguments as Redis stores them in a slow log entry: at most 32 (the last one then reads
// "... (N more arguments)"), each at most 128 bytes followed by "... (N more bytes)".
std::vector<std::string> shorten_arguments(std::span<const std::string_view> args);

class SlowLog {
 public:
  // Adds `entry` (its id is assigned here) and drops the oldest entries beyond `max_len`.
  void add(SlowLogEntry entry, int64_t max_len);
  // Copies of the newest `count` entries, newest first.
  std::vector<SlowLogEntry> newest(size_t count) const;
  size_t size() const;
  // Empties the log; ids keep counting (as in Redis).
  void reset();

 private:
  mutable std::mutex mutex_;
  std::deque<SlowLogEntry> entries_;  // newest first; guarded by mutex_
  int64_t next_id_ = 0;               // guarded by mutex_
};

}  // namespace cachet::server
