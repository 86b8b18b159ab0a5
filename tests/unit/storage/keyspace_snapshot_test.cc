// Tests of point-in-time snapshots (Keyspace::BeginSnapshot / SnapshotStep / EndSnapshot): the
// sink receives every key that existed at the start exactly once, with its value and TTL as they
// were then, whatever commands did meanwhile (overwrite, delete, expire, rename, copy, create,
// flush, swap), and nothing created afterwards. Randomized interleavings with fixed seeds.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <utility>

#include "storage/keyspace.h"

namespace redoubt::storage {
namespace {

using Image = std::map<std::pair<int, std::string>, std::pair<std::string, int64_t>>;

// Records what the snapshot hands over; a key handed over twice fails the test.
class RecordingSink : public SnapshotSink {
 public:
  void Write(int /*shard*/, int db, const Entry& e, bool /*before_change*/) override {
    auto [it, fresh] = seen.emplace(std::make_pair(db, std::string(e.key())),
                                    std::make_pair(std::string(e.value()), e.expire_ms()));
    EXPECT_TRUE(fresh) << "key written twice: " << e.key();
  }
  Image seen;
};

class KeyspaceSnapshotTest : public ::testing::Test {
 protected:
  static constexpr int kDbs = 3;
  KeyspaceSnapshotTest() : keyspace_(kDbs), locks_(keyspace_) { locks_.LockAll(); }

  Image Current() {
    Image out;
    for (int db = 0; db < kDbs; ++db) {
      keyspace_.ForEach(db, [&](const Entry& e) {
        out[{db, std::string(e.key())}] = {std::string(e.value()), e.expire_ms()};
      });
    }
    return out;
  }

  // Walks the snapshot to its end, `buckets` per step, calling between(rng) before each step.
  template <typename Fn>
  void Walk(size_t buckets, std::mt19937_64& rng, Fn between) {
    for (int db = 0; db < kDbs; ++db) {
      for (int s = 0; s < Keyspace::kNumShards; ++s) {
        bool done = false;
        while (!done) {
          between(rng);
          done = keyspace_.SnapshotStep(s, db, buckets);
        }
      }
    }
  }

  Keyspace keyspace_;
  ShardLocks locks_;
  RecordingSink sink_;
};

// What differs, readably: keys only one side has, and values that differ.
std::string Diff(const Image& got, const Image& want) {
  std::string out;
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) {
      out += "\n  missing " + std::to_string(k.first) + ":" + k.second;
    } else if (it->second != v) {
      out += "\n  changed " + std::to_string(k.first) + ":" + k.second + " " + it->second.first +
             " (want " + v.first + ")";
    }
  }
  for (const auto& [k, v] : got) {
    if (!want.contains(k)) {
      out += "\n  extra " + std::to_string(k.first) + ":" + k.second + " " + v.first;
    }
  }
  return out;
}

const int64_t kFarFuture = int64_t{4} * 1000 * 1000 * 1000 * 1000;

TEST_F(KeyspaceSnapshotTest, QuietKeyspaceIsWrittenWhole) {
  for (int i = 0; i < 3000; ++i) {
    keyspace_.SetString(i % kDbs, "k" + std::to_string(i), "v" + std::to_string(i),
                        i % 7 == 0 ? kFarFuture + i : kNoExpire, false);
  }
  Image expected = Current();
  keyspace_.BeginSnapshot(&sink_);
  std::mt19937_64 rng(1);
  Walk(4, rng, [](std::mt19937_64&) {});
  keyspace_.EndSnapshot();
  EXPECT_EQ(sink_.seen, expected);
}

TEST_F(KeyspaceSnapshotTest, WritesDuringTheWalkDoNotChangeWhatIsWritten) {
  for (uint64_t seed : {1u, 2u, 3u, 4u}) {
    keyspace_.FlushAll();
    sink_.seen.clear();
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 4000; ++i) {
      keyspace_.SetString(static_cast<int>(rng() % kDbs), "k" + std::to_string(rng() % 5000),
                          "v" + std::to_string(i), rng() % 5 == 0 ? kFarFuture : kNoExpire, false);
    }
    Image expected = Current();
    keyspace_.BeginSnapshot(&sink_);
    int counter = 0;
    Walk(2, rng, [&](std::mt19937_64& r) {
      // A few commands between steps, on random keys (old ones, and new ones).
      for (int n = 0; n < 3; ++n) {
        int db = static_cast<int>(r() % kDbs);
        std::string key = "k" + std::to_string(r() % 6000);
        std::string other = "k" + std::to_string(r() % 6000);
        switch (r() % 8) {
          case 0:
          case 1:
            keyspace_.SetString(db, key, "new" + std::to_string(++counter), kNoExpire, false);
            break;
          case 2:
            keyspace_.Delete(db, key);
            break;
          case 3:
            keyspace_.SetExpire(db, key, kFarFuture + counter);
            break;
          case 4:
            keyspace_.MoveTo(db, key, static_cast<int>(r() % kDbs), other);
            break;
          case 5:
            keyspace_.CopyTo(db, key, db, other);
            break;
          case 6:
            if (Entry* e = keyspace_.Find(db, key, Access::kWrite)) {
              keyspace_.ResizeString(db, key, e->value().size() + 3);
            }
            break;
          case 7:
            if (r() % 200 == 0) {
              keyspace_.SwapDb(0, 1);
            } else if (r() % 300 == 0) {
              keyspace_.FlushDb(2);
            } else {
              keyspace_.SetExpire(db, key, kNoExpire);
            }
            break;
        }
      }
    });
    keyspace_.EndSnapshot();
    EXPECT_EQ(sink_.seen, expected) << "seed " << seed << Diff(sink_.seen, expected);
  }
}

TEST_F(KeyspaceSnapshotTest, TablesGrowDuringTheWalkAndEveryKeyIsWrittenOnceAsItWas) {
  // A small keyspace that grows twentyfold while the walk is under way: each table doubles
  // several times between steps (chains stay short), and keys of buckets passed and not yet
  // passed are changed and deleted meanwhile. Each key of the start is written once, as it was.
  for (uint64_t seed : {1u, 2u, 3u}) {
    keyspace_.FlushAll();
    sink_.seen.clear();
    for (int i = 0; i < 1000; ++i) {
      keyspace_.SetString(i % kDbs, "k" + std::to_string(i), "v" + std::to_string(i), kNoExpire,
                          false);
    }
    Image expected = Current();
    keyspace_.BeginSnapshot(&sink_);
    std::mt19937_64 rng(seed);
    int next = 1000;
    Walk(1, rng, [&](std::mt19937_64& r) {
      for (int n = 0; n < 10 && next < 20000; ++n, ++next) {
        keyspace_.SetString(next % kDbs, "k" + std::to_string(next), "new", kNoExpire, false);
      }
      const int db = static_cast<int>(r() % kDbs);
      const std::string old = "k" + std::to_string(r() % 1000);
      if (r() % 2 == 0) {
        keyspace_.SetString(db, old, "changed", kNoExpire, false);
      } else {
        keyspace_.Delete(db, old);
      }
    });
    keyspace_.EndSnapshot();
    EXPECT_EQ(sink_.seen, expected) << "seed " << seed << Diff(sink_.seen, expected);
    EXPECT_GT(keyspace_.DbSize(0), 6000u);
    EXPECT_FALSE(keyspace_.snapshot_running());
  }
}

}  // namespace
}  // namespace redoubt::storage
