// Client registry; see client_registry.h.
#include "server/client_registry.h"

#include "server/connection.h"
#include "server/server.h"

namespace redoubt::server {

void ClientRegistry::AddMonitor(std::shared_ptr<MonitorSink> sink) {
  absl::MutexLock lock(&monitor_mu_);
  auto next = std::make_shared<MonitorList>(*monitor_list_.load(std::memory_order_acquire));
  next->push_back(std::move(sink));
  monitors_.store(next->size(), std::memory_order_relaxed);
  monitor_list_.store(std::move(next), std::memory_order_release);
}

void ClientRegistry::RemoveMonitor(const MonitorSink* sink) {
  absl::MutexLock lock(&monitor_mu_);
  auto next = std::make_shared<MonitorList>(*monitor_list_.load(std::memory_order_acquire));
  std::erase_if(*next, [sink](const std::shared_ptr<MonitorSink>& s) { return s.get() == sink; });
  monitors_.store(next->size(), std::memory_order_relaxed);
  monitor_list_.store(std::move(next), std::memory_order_release);
}

void ClientRegistry::Add(Connection* c) {
  absl::MutexLock lock(&mu_);
  clients_[c->id()] = c;
}

void ClientRegistry::Remove(Connection* c) {
  absl::MutexLock lock(&mu_);
  clients_.erase(c->id());
}

void ClientRegistry::ForEach(const std::function<void(Connection&)>& fn) {
  absl::MutexLock lock(&mu_);
  // CLIENT LIST prints in id order, as Redis does (its list is in creation order).
  std::vector<Connection*> sorted;
  sorted.reserve(clients_.size());
  for (auto& [id, c] : clients_) {
    sorted.push_back(c);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](Connection* a, Connection* b) { return a->id() < b->id(); });
  for (Connection* c : sorted) {
    fn(*c);
  }
}

void ClientRegistry::WithClient(uint64_t id, const std::function<void(Connection*)>& fn) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(id);
  fn(it == clients_.end() ? nullptr : it->second);
}

size_t ClientRegistry::size() {
  absl::MutexLock lock(&mu_);
  return clients_.size();
}

void ClientRegistry::Feed(const std::string& line) {
  std::shared_ptr<const MonitorList> sinks = MonitorSnapshot();
  for (const std::shared_ptr<MonitorSink>& sink : *sinks) {
    // On the monitor's own thread, where its connection cannot be deleted under us; `open`
    // says whether it still exists.
    sink->thread->loop.Post([sink, line] {
      if (sink->open) {
        sink->connection->DeliverMonitorLine(line);
      }
    });
  }
}

}  // namespace redoubt::server
