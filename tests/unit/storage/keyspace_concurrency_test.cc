// Concurrency tests of the keyspace: writers, eviction and active expiry from several threads
// at once, as the I/O threads and the cron run them. Their findings come from the
// ThreadSanitizer build (`make test` builds and runs this file with -fsanitize=thread): a data
// race fails the run there. In the other builds they check that the keyspace stays consistent.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "storage/keyspace.h"

namespace redoubt::storage {
namespace {

// Writes keys (half with a TTL already past, for active expiry) and evicts down to `limit`, as
// a write command does before it runs: eviction first, then the command under its shard lock.
void WriteAndEvict(Keyspace& keyspace, int thread, int count, uint64_t limit,
                   EvictionPolicy policy) {
  std::string value(64, 'v');
  for (int i = 0; i < count; ++i) {
    keyspace.EvictUntil(limit, policy, 5);
    std::string key = "t" + std::to_string(thread) + ":" + std::to_string(i);
    ShardLocks locks(keyspace);
    locks.LockKey(key);
    int64_t expire = i % 2 == 0 ? common::UnixMillis() - 1 : kNoExpire;
    keyspace.SetString(0, key, value, expire, false);
  }
}

TEST(KeyspaceConcurrencyTest, EvictionAndActiveExpiryFromSeveralThreads) {
  for (EvictionPolicy policy : {EvictionPolicy::kAllKeysRandom, EvictionPolicy::kAllKeysLru,
                                EvictionPolicy::kVolatileTtl}) {
    Keyspace keyspace(2);
    constexpr uint64_t kLimit = 64 * 1024;
    std::atomic<bool> writers_done{false};

    std::vector<std::thread> writers;
    for (int t = 0; t < 3; ++t) {
      writers.emplace_back(WriteAndEvict, std::ref(keyspace), t, 3000, kLimit, policy);
    }
    std::thread cron([&] {
      while (!writers_done.load()) {
        keyspace.ActiveExpireCycle(1000);
      }
    });
    for (std::thread& w : writers) {
      w.join();
    }
    writers_done.store(true);
    cron.join();

    // Every key may go under an allkeys policy; volatile-ttl leaves the keys without a TTL.
    if (policy != EvictionPolicy::kVolatileTtl) {
      EXPECT_TRUE(keyspace.EvictUntil(kLimit, policy, 5));
      EXPECT_LE(keyspace.used_bytes(), kLimit);
    }
  }
}

}  // namespace
}  // namespace redoubt::storage
