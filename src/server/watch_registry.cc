// Watched keys; see watch_registry.h.
#include "server/watch_registry.h"

#include <algorithm>

namespace redoubt::server {

void WatchRegistry::Watch(const std::shared_ptr<Watcher>& watcher, int db, std::string_view key) {
  Key k(db, std::string(key));
  if (std::find(watcher->keys.begin(), watcher->keys.end(), k) != watcher->keys.end()) {
    return;
  }
  absl::MutexLock lock(&mu_);
  watchers_[k].push_back(watcher);
  watcher->keys.push_back(std::move(k));
  watched_.fetch_add(1, std::memory_order_relaxed);
}

void WatchRegistry::Unwatch(const std::shared_ptr<Watcher>& watcher) {
  absl::MutexLock lock(&mu_);
  for (const Key& k : watcher->keys) {
    auto it = watchers_.find(k);
    if (it == watchers_.end()) {
      continue;
    }
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), watcher), list.end());
    if (list.empty()) {
      watchers_.erase(it);
    }
    watched_.fetch_sub(1, std::memory_order_relaxed);
  }
  watcher->keys.clear();
}

void WatchRegistry::OnKeyChanged(int db, std::string_view key) {
  if (watched_.load(std::memory_order_relaxed) == 0) {
    return;
  }
  absl::MutexLock lock(&mu_);
  auto it = watchers_.find(Key(db, std::string(key)));
  if (it == watchers_.end()) {
    return;
  }
  for (const auto& w : it->second) {
    w->touched.store(true);
  }
}

void WatchRegistry::OnDatabaseFlushing(int db,
                                       const std::function<bool(std::string_view)>& had_key) {
  if (watched_.load(std::memory_order_relaxed) == 0) {
    return;
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [k, list] : watchers_) {
    if (k.first == db && had_key(k.second)) {
      for (const auto& w : list) {
        w->touched.store(true);
      }
    }
  }
}

void WatchRegistry::OnDatabasesSwapped(int a, int b,
                                       const std::function<bool(int, std::string_view)>& has_key) {
  if (watched_.load(std::memory_order_relaxed) == 0) {
    return;
  }
  absl::MutexLock lock(&mu_);
  // A watched key of either database is touched when it exists on either side now: its value
  // changed, appeared or went away.
  for (const auto& [k, list] : watchers_) {
    if ((k.first == a || k.first == b) && (has_key(a, k.second) || has_key(b, k.second))) {
      for (const auto& w : list) {
        w->touched.store(true);
      }
    }
  }
}

}  // namespace redoubt::server
