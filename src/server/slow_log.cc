#include "server/slow_log.h"

#include <fmt/format.h>

#include <algorithm>

namespace cachet::server {
namespace {

constexpr size_t kMaxArguments = 32;
constexpr size_t kMaxArgumentBytes = 128;

}  // namespace

std::vector<std::string> shorten_arguments(std::span<const std::string_view> args) {
  size_t kept = std::min(args.size(), kMaxArguments);
  std::vector<std::string> out;
  out.reserve(kept);
  for (size_t i = 0; i < kept; ++i) {
    if (kept != args.size() && i == kept - 1) {
      out.push_back(fmt::format("... ({} more arguments)", args.size() - kept + 1));
    } else if (args[i].size() > kMaxArgumentBytes) {
      out.push_back(fmt::format("{}... ({} more bytes)", args[i].substr(0, kMaxArgumentBytes),
                                args[i].size() - kMaxArgumentBytes));
    } else {
      out.emplace_back(args[i]);
    }
  }
  return out;
}

void SlowLog::add(SlowLogEntry entry, int64_t max_len) {
  std::lock_guard lock(mutex_);
  entry.id = next_id_++;
  entries_.push_front(std::move(entry));
  while (entries_.size() > static_cast<size_t>(std::max<int64_t>(max_len, 0))) {
    entries_.pop_back();
  }
}

std::vector<SlowLogEntry> SlowLog::newest(size_t count) const {
  std::lock_guard lock(mutex_);
  count = std::min(count, entries_.size());
  return {entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(count)};
}

size_t SlowLog::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void SlowLog::reset() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace cachet::server
