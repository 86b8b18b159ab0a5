// The clients blocked on keys (BLPOP, BZPOPMIN, …), in one registry for every I/O thread, and
// how they are woken: the keyspace tells the registry when a key is stored anew
// (storage::KeyObserver, through server/key_events.h), and the registry wakes the first client
// waiting on that key, on the client's own thread, which runs its command again.
//
// Order: each key keeps its waiters first come, first served. Only the head of a key's queue is
// woken; when its command runs again and is served, it leaves every queue and wakes the new
// heads of its keys, so the next waiter gets what is left (a push of three elements serves three
// waiters, one after the other, in arrival order). A woken client that finds nothing (another
// client took it, or the key holds another type) keeps its place and waits on.
//
// Why a rerun on the waiter's thread rather than serving it from the writer's: a connection is
// touched only by its own thread (net/event_loop.h); running the command again there reuses the
// dispatcher's locking, ACL and reply path unchanged, as Redis 7.2 reprocesses a blocked
// command. The cost is one cross-thread post per served waiter.
//
// Missed wake-ups cannot happen: a client registers while it still holds its keys' shard locks
// (Client::Block), a writer reports a key while holding the same lock, and a woken client clears
// its "woken" mark before it looks at the keys again.
//
// Thread: any. The queues are under one mutex, taken only when some client is blocked.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redoubt::server {

class BlockingRegistry {
 public:
  // One blocked client. Owned by its connection, shared with the queues and with wake-up tasks.
  struct Waiter {
    // Runs on the client's thread when one of its keys may have something; set at
    // registration, cleared (on that thread) when the client stops waiting.
    std::function<void()> wake;
    // Posts a task to the client's thread.
    std::function<void(std::function<void()>)> post;
    int db = 0;
    std::vector<std::string> keys;
    // XREAD: takes nothing away, so it needs no turn (BlockRequest::reader).
    bool reader = false;
    // XREADGROUP: any change of the key wakes it (BlockRequest::wake_on_change).
    bool wake_on_change = false;
    std::atomic<bool> woken{false};
    // Running its command again now (on its thread), after a wake-up.
    std::atomic<bool> retrying{false};
  };

  // Queues waiter on each of its keys (a key named twice once). Requires: the shard locks of
  // the keys are held.
  void Add(const std::shared_ptr<Waiter>& waiter);
  // Takes waiter out of every queue; when a wake-up was due to it, the next waiters on its keys
  // are woken instead.
  void Remove(const std::shared_ptr<Waiter>& waiter);
  // Wakes the first waiter of each of the keys of db (after a served waiter left them).
  void WakeHeads(int db, const std::vector<std::string>& keys);

  // From the keyspace (server/key_events.h).
  void OnKeyStored(int db, std::string_view key);
  // Wakes every reader of the key (XREAD BLOCK: readers take nothing away from each other)
  // and the first of the others (XREADGROUP, which consumes, in arrival order).
  void OnKeyAppended(int db, std::string_view key);
  // A woken waiter found nothing and waits on: the waiter after it on each of its keys gets
  // the turn (it may want what this one could not take: another group, a smaller id).
  void PassOn(const std::shared_ptr<Waiter>& waiter);
  // Whether a consumer queued before waiter on one of its keys has a turn under way (a wake-up
  // posted, or its command running again). Woken consumers run on their own threads; one that
  // ran while an earlier one's turn was pending could take what arrival order gives the
  // earlier one (a second XREADGROUP woken by a pass-on, served by the entry that woke the
  // first), so it waits: the earlier one's end of turn wakes it again.
  bool EarlierTurnPending(const std::shared_ptr<Waiter>& waiter);
  // The key may change (a write, a deletion): wakes the first of its waiters that asked for
  // it (XREADGROUP).
  void OnKeyChanged(int db, std::string_view key);
  void OnDatabasesSwapped(int a, int b);
  // db is about to be emptied: its waiters that asked for changes (XREADGROUP) are woken.
  void OnDatabaseFlushing(int db);

  // INFO clients' blocked_clients.
  uint64_t blocked_clients() const { return blocked_.load(std::memory_order_relaxed); }

 private:
  using QueueKey = std::pair<int, std::string>;
  void WakeHeadLocked(int db, std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WakeLocked(const std::shared_ptr<Waiter>& waiter) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<QueueKey, std::deque<std::shared_ptr<Waiter>>> queues_ ABSL_GUARDED_BY(mu_);
  // Clients registered: the keyspace's hook returns at once while there are none.
  std::atomic<uint64_t> blocked_{0};
};

}  // namespace redoubt::server
