#include "store/shard_mutex.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

namespace cachet::store {
namespace {

TEST(ShardMutex, TryLockFailsWhileHeldAndSucceedsAfterUnlock) {
  ShardMutex m;
  ASSERT_TRUE(m.try_lock());
  EXPECT_FALSE(m.try_lock());
  m.unlock();
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

// More threads than cores, each holding the lock across yields: holders get preempted, so the
// waiters run out of spins and sleep, and every unlock must wake one (else the test hangs).
TEST(ShardMutex, ExcludesAndWakesSleepersUnderContention) {
  ShardMutex m;
  long counter = 0;  // plain: only the lock keeps the increments whole
  constexpr int kThreads = 6, kRounds = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        std::lock_guard lock(m);
        long seen = counter;
        if (i % 64 == t) std::this_thread::yield();
        counter = seen + 1;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(counter, long{kThreads} * kRounds);
}

}  // namespace
}  // namespace cachet::store
