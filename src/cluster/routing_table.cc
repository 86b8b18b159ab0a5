// Routing tables; see routing_table.h.
#include "cluster/routing_table.h"

#include <mutex>

namespace redoubt::cluster {
namespace {

// Versions for every publisher of the process. A server has one publisher; the unit tests make
// several, one after another, whose versions never repeat, so that a thread's cached table
// (RoutingPublisher::seen_, one per thread for all publishers) can only match its own.
std::atomic<uint64_t> next_version{1};

// The calling thread's reference to the table RoutingPublisher::seen_ points at.
thread_local std::shared_ptr<const RoutingTable> held;

}  // namespace

RoutingPublisher::RoutingPublisher()
    : version_(next_version.fetch_add(1)), current_(std::make_shared<RoutingTable>()) {}

void RoutingPublisher::Publish(std::shared_ptr<const RoutingTable> table) {
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(table);
  version_.store(next_version.fetch_add(1), std::memory_order_release);
}

const RoutingTable& RoutingPublisher::Refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  held = current_;
  seen_ = {version_.load(std::memory_order_relaxed), held.get()};
  return *held;
}

}  // namespace redoubt::cluster
