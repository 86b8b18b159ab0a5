// All live connections by client id, for CLIENT LIST/KILL/INFO and MONITOR. Connections add
// and remove themselves on their own thread; other threads read under the lock and never
// touch a connection's thread-confined state: to act on one, they post a task to its loop.
//
// Thread: thread-safe (one mutex).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

namespace redoubt::server {

class Connection;

class ClientRegistry {
 public:
  uint64_t NextId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  void Add(Connection* c);
  void Remove(Connection* c);
  // Calls fn for each connection with the lock held.
  void ForEach(const std::function<void(Connection&)>& fn);
  // Runs fn with the lock held and the connection with `id` (nullptr when gone).
  void WithClient(uint64_t id, const std::function<void(Connection*)>& fn);
  // Lock for fields a connection documents as guarded by the registry.
  std::mutex& mutex() { return mu_; }
  size_t size();
  size_t monitors() const { return monitors_.load(std::memory_order_relaxed); }
  void AddMonitor() { monitors_.fetch_add(1, std::memory_order_relaxed); }
  void RemoveMonitor() { monitors_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> next_id_{1};
  std::atomic<size_t> monitors_{0};
  std::mutex mu_;
  absl::flat_hash_map<uint64_t, Connection*> clients_;  // guarded by mu_
};

}  // namespace redoubt::server
