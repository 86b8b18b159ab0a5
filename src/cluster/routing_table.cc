// Routing tables; see routing_table.h.
#include "cluster/routing_table.h"

#include <mutex>

namespace redoubt::cluster {
namespace {

// One cached table per thread. A server has one publisher; the unit tests make several, one
// after another, whose versions never repeat.
std::atomic<uint64_t> next_version{1};

struct ThreadCache {
  uint64_t version = 0;
  std::shared_ptr<const RoutingTable> table;
};
thread_local ThreadCache cache;

}  // namespace

RoutingPublisher::RoutingPublisher()
    : version_(next_version.fetch_add(1)), current_(std::make_shared<RoutingTable>()) {}

void RoutingPublisher::Publish(std::shared_ptr<const RoutingTable> table) {
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(table);
  version_.store(next_version.fetch_add(1), std::memory_order_release);
}

const RoutingTable& RoutingPublisher::Current() {
  const uint64_t version = version_.load(std::memory_order_acquire);
  if (cache.version != version) {
    std::lock_guard<std::mutex> lock(mu_);
    cache.version = version_.load(std::memory_order_relaxed);
    cache.table = current_;
  }
  return *cache.table;
}

}  // namespace redoubt::cluster
