// Tests of PerThreadSnapshot: a thread sees what was published last, keeps the value it took
// alive after a newer one replaced it, and never takes another snapshot's value for its own
// (two snapshots of one type, one made where the other was).
#include "common/per_thread_snapshot.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <thread>

namespace redoubt::common {
namespace {

struct Value {
  int n = 0;
};

TEST(PerThreadSnapshotTest, EveryThreadSeesTheLatestPublication) {
  PerThreadSnapshot<Value> snapshot(std::make_shared<Value>(Value{1}));
  EXPECT_EQ(snapshot.Current().n, 1);
  snapshot.Publish(std::make_shared<Value>(Value{2}));
  EXPECT_EQ(snapshot.Current().n, 2);
  int seen = 0;
  std::thread([&] { seen = snapshot.Current().n; }).join();
  EXPECT_EQ(seen, 2);
}

TEST(PerThreadSnapshotTest, AValueTakenStaysAliveUntilTheThreadTakesANewer) {
  PerThreadSnapshot<Value> snapshot(std::make_shared<Value>(Value{1}));
  const Value& taken = snapshot.Current();
  {
    auto second = std::make_shared<const Value>(Value{2});
    snapshot.Publish(second);
  }
  // The publisher dropped value 1; this thread's reference keeps it readable.
  EXPECT_EQ(taken.n, 1);
  EXPECT_EQ(snapshot.Current().n, 2);
}

TEST(PerThreadSnapshotTest, ASnapshotNeverServesAnother) {
  std::optional<PerThreadSnapshot<Value>> a(std::in_place, std::make_shared<Value>(Value{1}));
  EXPECT_EQ(a->Current().n, 1);
  a.reset();
  // Made in the same storage: the thread's cache (one per type) must not pass for it.
  std::optional<PerThreadSnapshot<Value>> b(std::in_place, std::make_shared<Value>(Value{7}));
  EXPECT_EQ(b->Current().n, 7);
}

}  // namespace
}  // namespace redoubt::common
