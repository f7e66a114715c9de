// The lock of one shard: a futex mutex that spins briefly before it sleeps.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace cachet::store {

// A shard is held for one command, or for one script or transaction over several shards: spans
// of a few microseconds, shorter than a futex sleep and wake-up. A thread that finds the shard
// busy spins for about that long (re-reading the word, so the line is not bounced) before it
// sleeps; std::mutex sleeps at once, which made two workers running multi-key scripts spend
// most of their time in the scheduler (docs/architecture.md, "Shard locks"). Meets Lockable.
class ShardMutex {
 public:
  bool try_lock() {
    uint32_t free = kFree;
    return state_.compare_exchange_strong(free, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  void lock() {
    if (try_lock()) return;
    for (int i = 0; i < kSpins; ++i) {
      cpu_relax();
      if (state_.load(std::memory_order_relaxed) == kFree && try_lock()) return;
    }
    // Contended: mark the word and sleep until an unlock sees the mark.
    while (state_.exchange(kContended, std::memory_order_acquire) != kFree)
      futex(FUTEX_WAIT_PRIVATE);
  }
  void unlock() {
    if (state_.exchange(kFree, std::memory_order_release) == kContended) futex(FUTEX_WAKE_PRIVATE);
  }

 private:
  static constexpr uint32_t kFree = 0, kLocked = 1, kContended = 2;  // kContended: has sleepers
  static constexpr int kSpins = 1000;

  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }
  // FUTEX_WAIT sleeps while the word still reads kContended; FUTEX_WAKE wakes one sleeper.
  void futex(int op) {
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&state_), op,
            op == FUTEX_WAIT_PRIVATE ? kContended : 1u, nullptr, nullptr, 0);
  }

  std::atomic<uint32_t> state_{kFree};
};

}  // namespace cachet::store
