// PerThreadSnapshot under ThreadSanitizer: readers on several threads take the current value
// while a writer publishes new ones; every value a reader sees is whole (written before it
// was published) and never older than one it saw before.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "common/per_thread_snapshot.h"

namespace redoubt::common {
namespace {

struct Numbered {
  int n = 0;
  int twice = 0;  // 2 * n: a reader that sees n sees this too
};

TEST(PerThreadSnapshotConcurrencyTest, ReadersSeeWholeValuesThatNeverGoBack) {
  PerThreadSnapshot<Numbered> snapshot(std::make_shared<Numbered>());
  constexpr int kPublications = 2000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      int last = 0;
      while (!done.load(std::memory_order_acquire)) {
        const Numbered& v = snapshot.Current();
        if (v.twice != 2 * v.n || v.n < last) {
          bad.fetch_add(1);
        }
        last = v.n;
      }
    });
  }
  for (int i = 1; i <= kPublications; ++i) {
    snapshot.Publish(std::make_shared<Numbered>(Numbered{i, 2 * i}));
  }
  done.store(true, std::memory_order_release);
  for (std::thread& t : readers) {
    t.join();
  }
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(snapshot.Current().n, kPublications);
}

}  // namespace
}  // namespace redoubt::common
