// The keys clients WATCH, and what invalidates their transactions: any change to a watched key
// (a write, an expiry, an eviction, a deletion) and FLUSHDB, FLUSHALL or SWAPDB when they touch
// it, as Redis 7.0's touchWatchedKey and touchAllWatchedKeysInDb. The keyspace reports these
// (storage::KeyObserver, through server/key_events.h); EXEC then answers a null array.
//
// A change is reported when a key is looked up for writing, so a write command that ends up
// changing nothing (SREM of a missing member) also invalidates the watch: a false positive
// Redis does not have, which only makes a client retry its transaction.
//
// Thread: any. The map is under one mutex, taken only while some client watches a key.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redoubt::server {

class WatchRegistry {
 public:
  // One client's watch: set when a key it watches is touched.
  struct Watcher {
    std::atomic<bool> touched{false};
    std::vector<std::pair<int, std::string>> keys;
  };

  // Adds (db, key) to the watcher's keys (once). Requires: the key's shard lock, so that no
  // change slips between the client's look at the key and the registration.
  void Watch(const std::shared_ptr<Watcher>& watcher, int db, std::string_view key);
  // Forgets every key of the watcher.
  void Unwatch(const std::shared_ptr<Watcher>& watcher);

  void OnKeyChanged(int db, std::string_view key);
  void OnDatabaseFlushing(int db, const std::function<bool(std::string_view)>& had_key);
  void OnDatabasesSwapped(int a, int b, const std::function<bool(int, std::string_view)>& has_key);

  // INFO clients' watching_clients / total_watched_keys.
  uint64_t watched_keys() const { return watched_.load(std::memory_order_relaxed); }

 private:
  using Key = std::pair<int, std::string>;
  absl::Mutex mu_;
  absl::flat_hash_map<Key, std::vector<std::shared_ptr<Watcher>>> watchers_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> watched_{0};  // (key, watcher) pairs: the hooks return at once at 0
};

}  // namespace redoubt::server
