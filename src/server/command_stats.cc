#include "server/command_stats.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <fstream>

#include "server/args.h"
#include "server/command.h"
#include "server/instance.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace cachet::server {
namespace {

constexpr uint32_t kNoIndex = UINT32_MAX;
constexpr auto kRelaxed = std::memory_order_relaxed;

// Every command and subcommand with its full name, and a pointer-keyed open-addressing index
// over them (a multiply and usually one probe per command).
class CommandTable {
 public:
  CommandTable() {
    for (const CommandSpec* spec : all_commands()) {
      commands_.emplace_back(spec, full_name(*spec, nullptr));
      for (const CommandSpec& sub : spec->subcommands) {
        commands_.emplace_back(&sub, full_name(sub, spec));
      }
    }
    int bits = std::bit_width(commands_.size() * 2);
    shift_ = 64 - bits;
    slots_.assign(size_t{1} << bits, {nullptr, kNoIndex});
    for (uint32_t i = 0; i < commands_.size(); ++i) {
      size_t slot = home(commands_[i].first);
      while (slots_[slot].first != nullptr) slot = (slot + 1) & (slots_.size() - 1);
      slots_[slot] = {commands_[i].first, i};
    }
  }

  uint32_t index_of(const CommandSpec* spec) const {
    for (size_t slot = home(spec);; slot = (slot + 1) & (slots_.size() - 1)) {
      if (slots_[slot].first == spec) return slots_[slot].second;
      if (slots_[slot].first == nullptr) return kNoIndex;
    }
  }

  std::span<const std::pair<const CommandSpec*, std::string>> commands() const { return commands_; }

 private:
  size_t home(const CommandSpec* spec) const {
    return (reinterpret_cast<uintptr_t>(spec) * 0x9E3779B97F4A7C15ull) >> shift_;
  }

  std::vector<std::pair<const CommandSpec*, std::string>> commands_;
  std::vector<std::pair<const CommandSpec*, uint32_t>> slots_;
  int shift_;
};

const CommandTable& table() {
  static const CommandTable t;
  return t;
}

int64_t steady_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

// The default timer reads the CPU's time-stamp counter where the kernel itself keeps time with
// it (its clocksource is "tsc": constant rate, synchronized across cores), and converts ticks
// to µs with a rate measured once against steady_clock. Measured on the reference VM:
// steady_clock::now() (clock_gettime through the vDSO) costs 27 ns and was 10% of a pipelined
// GET's CPU with two reads per command; rdtsc costs 10 ns.
#if defined(__x86_64__)
// µs per tick as a 32.32 fixed-point factor, or 0 when the TSC is not the clocksource.
uint64_t tsc_factor() {
  static const uint64_t factor = [] {
    std::ifstream file("/sys/devices/system/clocksource/clocksource0/current_clocksource");
    std::string source;
    file >> source;
    if (source != "tsc") return uint64_t{0};
    using namespace std::chrono;
    auto start = steady_clock::now();
    uint64_t ticks = __rdtsc();
    while (steady_clock::now() - start < milliseconds(5)) {
    }
    auto end = steady_clock::now();
    ticks = __rdtsc() - ticks;
    double us = duration<double, std::micro>(end - start).count();
    return static_cast<uint64_t>(us / static_cast<double>(ticks) * 4294967296.0);
  }();
  return factor;
}

int64_t tsc_us() {
  __extension__ using U128 = unsigned __int128;
  return static_cast<int64_t>((static_cast<U128>(__rdtsc()) * tsc_factor()) >> 32);
}

CommandStats::Timer default_timer() { return tsc_factor() != 0 ? tsc_us : steady_us; }
#else
CommandStats::Timer default_timer() { return steady_us; }
#endif

uint64_t next_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, kRelaxed);
}

// Adds to a counter only this thread writes.
void bump(std::atomic<uint64_t>& counter, uint64_t n = 1) {
  counter.store(counter.load(kRelaxed) + n, kRelaxed);
}

bool is_error(std::string_view reply) { return !reply.empty() && reply[0] == '-'; }

// Redis's error code of an error reply: the word after '-' when a space follows it within 32
// bytes, else "ERR".
std::string_view error_code(std::string_view reply) {
  std::string_view head = reply.substr(0, std::min(reply.find("\r\n"), size_t{32}));
  size_t space = head.find(' ');
  return space == std::string_view::npos ? "ERR" : head.substr(1, space - 1);
}

constexpr std::string_view kRedacted = "(redacted)";

// The arguments with the secrets Redis keeps out of the slow log replaced: AUTH's arguments,
// HELLO's AUTH username and password, and CONFIG SET's value of a password option.
std::vector<std::string_view> redacted_arguments(const Context& ctx) {
  std::vector<std::string_view> args(ctx.args.begin(), ctx.args.end());
  std::string_view command = ctx.parent ? ctx.parent->name : ctx.spec.name;
  if (command == "auth") {
    std::fill(args.begin() + 1, args.end(), kRedacted);
  } else if (command == "hello") {
    for (size_t i = 2; i < args.size(); ++i) {
      if (iequals(args[i], "auth") && i + 2 < args.size()) {
        args[i + 1] = args[i + 2] = kRedacted;
        i += 2;
      } else if (iequals(args[i], "setname") && i + 1 < args.size()) {
        ++i;
      } else {
        break;
      }
    }
  } else if (command == "config" && ctx.spec.name == "set") {
    for (size_t i = 2; i + 1 < args.size(); i += 2) {
      if (iequals(args[i], "requirepass") || iequals(args[i], "masterauth")) {
        args[i + 1] = kRedacted;
      }
    }
  }
  return args;
}

}  // namespace

CommandStats::ThreadBlock::ThreadBlock(size_t commands)
    : commands(std::make_unique<Counters[]>(commands)),
      latency(std::make_unique<std::atomic<LatencyHistogram*>[]>(commands)),
      size(commands) {}

CommandStats::ThreadBlock::~ThreadBlock() {
  for (size_t i = 0; i < size; ++i) delete latency[i].load(kRelaxed);
}

void CommandStats::ThreadBlock::clear(uint64_t new_epoch) {
  for (size_t i = 0; i < size; ++i) {
    Counters& c = commands[i];
    for (auto* counter : {&c.calls, &c.usec, &c.rejected, &c.failed}) counter->store(0, kRelaxed);
    if (LatencyHistogram* h = latency[i].load(kRelaxed)) h->clear();
  }
  error_replies.store(0, kRelaxed);
  {
    std::lock_guard lock(errors_mutex);
    errors.clear();
  }
  epoch.store(new_epoch, std::memory_order_release);
}

LatencyHistogram& CommandStats::ThreadBlock::histogram(uint32_t command) {
  LatencyHistogram* h = latency[command].load(kRelaxed);
  if (h == nullptr) {
    h = new LatencyHistogram();
    latency[command].store(h, std::memory_order_release);
  }
  return *h;
}

CommandStats::CommandStats() : id_(next_id()), timer_(default_timer()) {}

CommandStats::~CommandStats() = default;

CommandStats::ThreadBlock& CommandStats::block() {
  struct Cache {
    uint64_t owner = 0;
    ThreadBlock* block = nullptr;
  };
  thread_local Cache cache;
  if (cache.owner != id_) cache = {id_, &register_thread()};
  ThreadBlock& b = *cache.block;
  uint64_t epoch = shared_.epoch.load(kRelaxed);
  if (b.epoch.load(kRelaxed) != epoch) b.clear(epoch);
  return b;
}

CommandStats::ThreadBlock& CommandStats::register_thread() {
  std::lock_guard lock(blocks_mutex_);
  ThreadBlock*& b = block_of_thread_[std::this_thread::get_id()];
  if (b == nullptr)
    b = blocks_.emplace_back(std::make_unique<ThreadBlock>(commands().size())).get();
  return *b;
}

template <typename Fn>
void CommandStats::for_each_current(Fn&& fn) const {
  std::lock_guard lock(blocks_mutex_);
  uint64_t epoch = shared_.epoch.load(std::memory_order_acquire);
  for (const auto& b : blocks_) {
    if (b->epoch.load(std::memory_order_acquire) == epoch) fn(*b);
  }
}

CommandStats::Started CommandStats::start(Context& ctx) const {
  return {now_us(), ctx.out.buffer().size()};
}

void CommandStats::finish(Context& ctx, Started started) {
  int64_t now = now_us();
  int64_t duration = std::max<int64_t>(0, now - started.at_us);
  std::string_view output = ctx.out.buffer();
  std::string_view reply = output.substr(std::min(started.reply_at, output.size()));
  const HotConfig& hot = ctx.instance.hot();
  bool failed = is_error(reply);
  ThreadBlock& b = block();
  if (uint32_t index = table().index_of(&ctx.spec); index != kNoIndex) {
    Counters& c = b.commands[index];
    bump(c.calls);
    bump(c.usec, static_cast<uint64_t>(duration));
    if (failed) bump(c.failed);
    if (hot.latency_tracking.load(kRelaxed)) b.histogram(index).record(duration * 1000);
  }
  if (failed) count_error(b, reply);
  int64_t slower_than = hot.slowlog_log_slower_than.load(kRelaxed);
  if (slower_than >= 0 && duration >= slower_than) log_slow(ctx, duration);
  int64_t threshold = hot.latency_monitor_threshold.load(kRelaxed);
  if (threshold > 0 && duration / 1000 >= threshold) {
    latency_monitor_.add(ctx.spec.flags & kFast ? "fast-command" : "command",
                         ctx.instance.clock().now_ms() / 1000, duration / 1000);
  }
  if (now >= shared_.next_sample_us.load(kRelaxed)) {
    sample_ops(now, ctx.instance.stats().sampled_totals());
  }
}

void CommandStats::rejected(const CommandSpec* spec, const Rejection& rejection,
                            std::string_view reply) {
  ThreadBlock& b = block();
  bool unknown_subcommand =
      spec != nullptr && spec->fn == nullptr && rejection.message.starts_with("unknown subcommand");
  uint32_t index = spec != nullptr ? table().index_of(spec) : kNoIndex;
  if (index != kNoIndex && !unknown_subcommand) bump(b.commands[index].rejected);
  if (is_error(reply)) count_error(b, reply);
}

void CommandStats::count_error(ThreadBlock& b, std::string_view reply) {
  bump(b.error_replies);
  std::string_view code = error_code(reply);
  std::lock_guard lock(b.errors_mutex);
  auto it = b.errors.find(code);
  if (it == b.errors.end()) it = b.errors.emplace(std::string(code), 0).first;
  ++it->second;
}

void CommandStats::log_slow(Context& ctx, int64_t duration_us) {
  if (ctx.parent == nullptr && ctx.spec.name == "exec") return;  // Redis logs its commands
  SlowLogEntry entry;
  entry.unix_seconds = ctx.instance.clock().now_ms() / 1000;
  entry.duration_us = duration_us;
  entry.args = shorten_arguments(redacted_arguments(ctx));
  if (ctx.session.info) {
    entry.peer = ctx.session.info->addr;
    entry.client_name = ctx.session.info->name();
  }
  slow_log_.add(std::move(entry), ctx.instance.hot().slowlog_max_len.load(kRelaxed));
}

void CommandStats::reset() {
  shared_.epoch.fetch_add(1, std::memory_order_acq_rel);
  std::lock_guard lock(ops_mutex_);
  ops_.commands.clear();
  ops_.input.clear();
  ops_.output.clear();
}

void CommandStats::RateSeries::add(uint64_t total, int64_t elapsed_ms, int64_t periods) {
  uint64_t delta = total >= last_total ? total - last_total : total;
  auto rate = static_cast<int64_t>(delta * 1000 / static_cast<uint64_t>(elapsed_ms));
  for (int64_t i = 0; i < periods; ++i) {
    rates[next] = rate;
    next = (next + 1) % kOpsSamples;
  }
  last_total = total;
}

int64_t CommandStats::RateSeries::average() const {
  int64_t sum = 0;
  for (int64_t rate : rates) sum += rate;
  return sum / static_cast<int64_t>(kOpsSamples);
}

void CommandStats::RateSeries::clear() {
  last_total = 0;
  rates.fill(0);
}

void CommandStats::sample_ops(int64_t now_us, const Totals& totals) {
  std::unique_lock lock(ops_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || now_us < shared_.next_sample_us.load(kRelaxed)) return;
  int64_t elapsed_ms = std::max<int64_t>(1, (now_us - ops_.last_us) / 1000);
  // An interval of several sample periods (no command ran) fills one rate per period; the
  // first sample only sets the base.
  int64_t periods =
      ops_.sampled ? std::clamp<int64_t>(elapsed_ms / (kOpsSampleUs / 1000), 1, kOpsSamples) : 0;
  ops_.commands.add(totals.commands, elapsed_ms, periods);
  ops_.input.add(totals.input_bytes, elapsed_ms, periods);
  ops_.output.add(totals.output_bytes, elapsed_ms, periods);
  ops_.sampled = true;
  ops_.last_us = now_us;
  shared_.next_sample_us.store(now_us + kOpsSampleUs, kRelaxed);
}

CommandStats::Rates CommandStats::instantaneous(const Totals& now_totals) {
  int64_t now = now_us();
  if (now >= shared_.next_sample_us.load(kRelaxed)) sample_ops(now, now_totals);
  std::lock_guard lock(ops_mutex_);
  return {.ops_per_sec = ops_.commands.average(),
          .input_bytes_per_sec = ops_.input.average(),
          .output_bytes_per_sec = ops_.output.average()};
}

std::vector<CommandStats::Counts> CommandStats::counts() const {
  auto all = commands();
  std::vector<Counts> sums(all.size());
  for_each_current([&](const ThreadBlock& b) {
    for (size_t i = 0; i < all.size(); ++i) {
      const Counters& c = b.commands[i];
      sums[i].calls += c.calls.load(kRelaxed);
      sums[i].usec += c.usec.load(kRelaxed);
      sums[i].rejected += c.rejected.load(kRelaxed);
      sums[i].failed += c.failed.load(kRelaxed);
    }
  });
  std::vector<Counts> out;
  for (size_t i = 0; i < all.size(); ++i) {
    Counts& s = sums[i];
    if (s.calls == 0 && s.rejected == 0 && s.failed == 0) continue;
    s.name = all[i].second;
    out.push_back(s);
  }
  return out;
}

std::map<std::string, uint64_t, std::less<>> CommandStats::errors() const {
  std::map<std::string, uint64_t, std::less<>> out;
  for_each_current([&](const ThreadBlock& b) {
    std::lock_guard lock(b.errors_mutex);
    for (const auto& [code, count] : b.errors) out[code] += count;
  });
  return out;
}

uint64_t CommandStats::error_replies() const {
  uint64_t total = 0;
  for_each_current([&](const ThreadBlock& b) { total += b.error_replies.load(kRelaxed); });
  return total;
}

std::vector<uint64_t> CommandStats::latency(const CommandSpec& spec) const {
  uint32_t index = table().index_of(&spec);
  std::vector<uint64_t> sum;
  if (index == kNoIndex) return sum;
  for_each_current([&](const ThreadBlock& b) {
    if (const LatencyHistogram* h = b.latency[index].load(std::memory_order_acquire)) {
      h->add_to(sum);
    }
  });
  bool any = std::any_of(sum.begin(), sum.end(), [](uint64_t c) { return c != 0; });
  if (!any) sum.clear();
  return sum;
}

std::span<const std::pair<const CommandSpec*, std::string>> CommandStats::commands() {
  return table().commands();
}

}  // namespace cachet::server
