// Clients blocked on keys; see blocking_registry.h.
#include "server/blocking_registry.h"

#include <algorithm>

namespace redoubt::server {

void BlockingRegistry::Add(const std::shared_ptr<Waiter>& waiter) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string_view> seen;
  for (const std::string& key : waiter->keys) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      continue;
    }
    seen.push_back(key);
    queues_[QueueKey(waiter->db, key)].push_back(waiter);
  }
  blocked_.fetch_add(1, std::memory_order_relaxed);
}

void BlockingRegistry::Remove(const std::shared_ptr<Waiter>& waiter) {
  absl::MutexLock lock(&mu_);
  for (const std::string& key : waiter->keys) {
    auto it = queues_.find(QueueKey(waiter->db, key));
    if (it == queues_.end()) {
      continue;
    }
    auto& queue = it->second;
    queue.erase(std::remove(queue.begin(), queue.end(), waiter), queue.end());
    if (queue.empty()) {
      queues_.erase(it);
    }
  }
  blocked_.fetch_sub(1, std::memory_order_relaxed);
  // A wake-up meant for this client (it left before running again, or ran and was served) is
  // passed on, so that what woke it is not left unclaimed while others wait.
  if (waiter->woken.exchange(false)) {
    for (const std::string& key : waiter->keys) {
      WakeHeadLocked(waiter->db, key);
    }
  }
}

void BlockingRegistry::WakeHeads(int db, const std::vector<std::string>& keys) {
  absl::MutexLock lock(&mu_);
  for (const std::string& key : keys) {
    WakeHeadLocked(db, key);
  }
}

void BlockingRegistry::WakeHeadLocked(int db, std::string_view key) {
  auto it = queues_.find(QueueKey(db, std::string(key)));
  if (it == queues_.end()) {
    return;
  }
  WakeLocked(it->second.front());
}

void BlockingRegistry::WakeLocked(const std::shared_ptr<Waiter>& waiter) {
  if (waiter->woken.exchange(true)) {
    return;  // a wake-up is already on its way
  }
  waiter->post([w = waiter] {
    if (w->wake) {
      w->wake();
    }
  });
}

void BlockingRegistry::OnKeyAppended(int db, std::string_view key) {
  if (blocked_.load(std::memory_order_relaxed) == 0) {
    return;
  }
  absl::MutexLock lock(&mu_);
  auto it = queues_.find(QueueKey(db, std::string(key)));
  if (it == queues_.end()) {
    return;
  }
  bool consumer_woken = false;
  for (const std::shared_ptr<Waiter>& waiter : it->second) {
    if (waiter->reader) {
      WakeLocked(waiter);
    } else if (!consumer_woken) {
      WakeLocked(waiter);
      consumer_woken = true;
    }
  }
}

void BlockingRegistry::OnKeyChanged(int db, std::string_view key) {
  if (blocked_.load(std::memory_order_relaxed) == 0) {
    return;
  }
  absl::MutexLock lock(&mu_);
  auto it = queues_.find(QueueKey(db, std::string(key)));
  if (it == queues_.end()) {
    return;
  }
  // The first only, so that consumers keep their arrival order; one that finds nothing
  // passes the turn on (PassOn), one that is answered wakes the next (WakeHeads).
  for (const std::shared_ptr<Waiter>& waiter : it->second) {
    if (waiter->wake_on_change) {
      WakeLocked(waiter);
      break;
    }
  }
}

bool BlockingRegistry::EarlierTurnPending(const std::shared_ptr<Waiter>& waiter) {
  if (waiter->reader) {
    return false;  // readers take nothing away: no turn to wait for
  }
  absl::MutexLock lock(&mu_);
  for (const std::string& key : waiter->keys) {
    auto it = queues_.find(QueueKey(waiter->db, key));
    if (it == queues_.end()) {
      continue;
    }
    for (const std::shared_ptr<Waiter>& earlier : it->second) {
      if (earlier == waiter) {
        break;
      }
      if (!earlier->reader && (earlier->woken.load() || earlier->retrying.load())) {
        return true;
      }
    }
  }
  return false;
}

void BlockingRegistry::PassOn(const std::shared_ptr<Waiter>& waiter) {
  absl::MutexLock lock(&mu_);
  for (const std::string& key : waiter->keys) {
    auto it = queues_.find(QueueKey(waiter->db, key));
    if (it == queues_.end()) {
      continue;
    }
    auto& queue = it->second;
    auto self = std::find(queue.begin(), queue.end(), waiter);
    for (auto next = self == queue.end() ? queue.end() : std::next(self); next != queue.end();
         ++next) {
      if (!(*next)->reader) {
        WakeLocked(*next);
        break;
      }
    }
  }
}

void BlockingRegistry::OnKeyStored(int db, std::string_view key) {
  if (blocked_.load(std::memory_order_relaxed) == 0) {
    return;
  }
  absl::MutexLock lock(&mu_);
  WakeHeadLocked(db, key);
}

void BlockingRegistry::OnDatabasesSwapped(int a, int b) {
  if (blocked_.load(std::memory_order_relaxed) == 0) {
    return;
  }
  absl::MutexLock lock(&mu_);
  std::vector<QueueKey> keys;
  for (const auto& [queue_key, queue] : queues_) {
    if (queue_key.first == a || queue_key.first == b) {
      keys.push_back(queue_key);
    }
  }
  for (const QueueKey& k : keys) {
    WakeHeadLocked(k.first, k.second);
    for (const std::shared_ptr<Waiter>& waiter : queues_[k]) {
      if (waiter->wake_on_change) {
        WakeLocked(waiter);
      }
    }
  }
}

void BlockingRegistry::OnDatabaseFlushing(int db) {
  if (blocked_.load(std::memory_order_relaxed) == 0) {
    return;
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [queue_key, queue] : queues_) {
    if (queue_key.first != db) {
      continue;
    }
    for (const std::shared_ptr<Waiter>& waiter : queue) {
      if (waiter->wake_on_change) {
        WakeLocked(waiter);
      }
    }
  }
}

}  // namespace redoubt::server
