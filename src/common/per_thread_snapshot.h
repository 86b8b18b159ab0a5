// An immutable value that one writer publishes now and then and many threads read on every
// request: each thread keeps the last one it took and a reference that keeps it alive, and while
// no newer one was published a read costs one atomic load and a compare, with no call and no
// lock. A newer one is taken under a mutex, once per thread. The cluster's routing table is
// published this way (cluster/routing_table.h), and the dispatcher reads its common case from
// it (commands/slot_gate.h).
//
// Thread: Publish by one writer at a time (its owner serializes them); Current on any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace redoubt::common {

namespace snapshot_internal {
// One sequence for every snapshot of the process: a server has one of each type, the unit tests
// make several one after another, and a thread's cached value (one per type and thread) must
// only ever match the snapshot that published it.
inline std::atomic<uint64_t> next_version{1};
}  // namespace snapshot_internal

template <typename T>
class PerThreadSnapshot {
 public:
  explicit PerThreadSnapshot(std::shared_ptr<const T> initial)
      : version_(snapshot_internal::next_version.fetch_add(1)), current_(std::move(initial)) {}
  PerThreadSnapshot(const PerThreadSnapshot&) = delete;
  PerThreadSnapshot& operator=(const PerThreadSnapshot&) = delete;

  void Publish(std::shared_ptr<const T> value) {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::move(value);
    version_.store(snapshot_internal::next_version.fetch_add(1), std::memory_order_release);
  }

  // The current value: the calling thread's cached one while no newer one was published. The
  // reference stays good until this thread's next Current() of a snapshot of this type.
  // Hot path: one acquire load and a compare of a thread-local.
  const T& Current() const {
    const uint64_t version = version_.load(std::memory_order_acquire);
    if (seen_.version == version) {
      return *seen_.value;
    }
    return Refresh();
  }

 private:
  struct Seen {
    uint64_t version;
    const T* value;  // kept alive by held_
  };
  // constinit and trivially destructible: the fast path reads it with no thread-local
  // initialisation wrapper.
  static constinit inline thread_local Seen seen_ = {0, nullptr};
  static inline thread_local std::shared_ptr<const T> held_;

  [[gnu::noinline]] const T& Refresh() const {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = current_;
    seen_ = {version_.load(std::memory_order_relaxed), held_.get()};
    return *held_;
  }

  std::atomic<uint64_t> version_;
  mutable std::mutex mu_;  // guards current_ (taken only when a thread's copy is stale)
  std::shared_ptr<const T> current_;
};

}  // namespace redoubt::common
