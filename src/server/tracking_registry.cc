// The client-side caching tables and the delivery of invalidation messages; see
// tracking_registry.h.
#include "server/tracking_registry.h"

#include <utility>

#include "common/ascii.h"
#include "server/client_registry.h"
#include "server/connection.h"
#include "server/io_thread.h"

namespace redoubt::server {
namespace {

// The client whose top-level command runs on this thread (0: none), and the messages held for
// it until its reply is written.
struct ThreadTracking {
  uint64_t running_client = 0;
  int in_call = 0;  // handlers running (EnterCall)
  std::vector<std::pair<uint64_t, std::shared_ptr<const Invalidation>>> held;  // (tracker, …)
};
thread_local ThreadTracking t_tracking;

std::shared_ptr<const Invalidation> KeysMessage(std::vector<std::string> keys) {
  auto message = std::make_shared<Invalidation>();
  message->keys = std::move(keys);
  return message;
}

}  // namespace

void TrackingRegistry::Enable(uint64_t client_id, const TrackingOptions& options) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = trackers_.try_emplace(client_id);
  if (inserted) {
    clients_tracking_.fetch_add(1, std::memory_order_relaxed);
  }
  Tracker& t = it->second;
  t.redirect = options.redirect;
  t.bcast = options.bcast;
  t.noloop = options.noloop;
  t.resp3 = options.resp3;
  if (options.bcast) {
    if (options.prefixes.empty()) {
      prefixes_[""].clients.insert(client_id);
    }
    for (const std::string& p : options.prefixes) {
      prefixes_[p].clients.insert(client_id);
    }
    prefix_count_.store(prefixes_.size(), std::memory_order_relaxed);
  }
}

void TrackingRegistry::Disable(uint64_t client_id) {
  absl::MutexLock lock(&mu_);
  auto it = trackers_.find(client_id);
  if (it == trackers_.end()) {
    return;
  }
  if (it->second.bcast) {
    for (auto p = prefixes_.begin(); p != prefixes_.end();) {
      p->second.clients.erase(client_id);
      p = p->second.clients.empty() ? prefixes_.erase(p) : std::next(p);
    }
    prefix_count_.store(prefixes_.size(), std::memory_order_relaxed);
  }
  trackers_.erase(it);
  clients_tracking_.fetch_sub(1, std::memory_order_relaxed);
}

void TrackingRegistry::SetProtocol(uint64_t client_id, bool resp3) {
  absl::MutexLock lock(&mu_);
  if (auto it = trackers_.find(client_id); it != trackers_.end()) {
    it->second.resp3 = resp3;
  }
}

void TrackingRegistry::RememberKeys(uint64_t client_id, std::span<const std::string_view> keys) {
  if (keys.empty()) {
    return;
  }
  absl::MutexLock lock(&mu_);
  for (std::string_view key : keys) {
    auto [it, inserted] = table_.try_emplace(common::AbslView(key));
    if (it->second.insert(client_id).second) {
      ++items_;
    }
  }
}

uint64_t TrackingRegistry::BeginCommand(uint64_t client_id) {
  const uint64_t previous = t_tracking.running_client;
  t_tracking.running_client = client_id;
  // Before the command, as Redis's processCommand (so the keys a command read stay remembered
  // at least until the next one): a key this client holds is told to it ahead of its reply,
  // and not at all under NOLOOP, as Redis's current_client is already set then.
  EnforceKeyLimit();
  return previous;
}

void TrackingRegistry::EnforceKeyLimit() {
  const uint64_t max = max_keys_.load(std::memory_order_relaxed);
  if (max == 0 || !active()) {
    return;
  }
  std::vector<Outgoing> out;
  {
    absl::MutexLock lock(&mu_);
    if (table_.size() > max) {
      LimitLocked(&out);
    }
  }
  Send(out);
}

void TrackingRegistry::EnterCall() {
  ++t_tracking.in_call;
}

void TrackingRegistry::LeaveCall() {
  --t_tracking.in_call;
}

void TrackingRegistry::EndCommand(uint64_t client_id, uint64_t previous) {
  t_tracking.running_client = previous;
  if (t_tracking.held.empty()) {
    return;
  }
  std::vector<Outgoing> due;
  auto& held = t_tracking.held;
  for (auto it = held.begin(); it != held.end();) {
    if (it->first == client_id) {
      due.push_back({it->first, 0, std::move(it->second)});
      it = held.erase(it);
    } else {
      ++it;
    }
  }
  if (due.empty()) {
    return;
  }
  {
    // The redirection as it is now: the client's command may have changed it.
    absl::MutexLock lock(&mu_);
    auto t = trackers_.find(client_id);
    if (t == trackers_.end()) {
      return;  // it turned tracking off
    }
    for (Outgoing& o : due) {
      o.redirect = t->second.redirect;
    }
  }
  for (const Outgoing& o : due) {
    Deliver(o, client_id);
  }
}

void TrackingRegistry::OnKeyChanged(std::string_view key) {
  if (!active()) {
    return;
  }
  std::vector<Outgoing> out;
  {
    absl::MutexLock lock(&mu_);
    if (prefix_count_.load(std::memory_order_relaxed) > 0) {
      for (auto& [prefix, state] : prefixes_) {
        if (key.starts_with(prefix)) {
          state.changed.insert_or_assign(std::string(key), t_tracking.running_client);
          broadcasts_pending_.store(true, std::memory_order_relaxed);
        }
      }
    }
    InvalidateLocked(key, &out);
  }
  Send(out);
}

void TrackingRegistry::InvalidateLocked(std::string_view key, std::vector<Outgoing>* out) {
  auto it = table_.find(common::AbslView(key));
  if (it == table_.end()) {
    return;
  }
  std::shared_ptr<const Invalidation> message;
  for (uint64_t id : it->second) {
    auto t = trackers_.find(id);
    // Gone, off, or switched to BCAST since it read the key.
    if (t == trackers_.end() || t->second.bcast) {
      continue;
    }
    if (t->second.noloop && id == t_tracking.running_client) {
      continue;
    }
    if (message == nullptr) {
      message = KeysMessage({std::string(key)});
    }
    out->push_back({id, t->second.redirect, message});
  }
  items_ -= it->second.size();
  table_.erase(it);
}

void TrackingRegistry::LimitLocked(std::vector<Outgoing>* out) {
  const uint64_t max = max_keys_.load(std::memory_order_relaxed);
  // As Redis's trackingLimitUsedSlots: more effort each round that ended over the limit.
  int effort = 100 * (limit_rounds_ + 1);
  while (effort-- > 0 && !table_.empty()) {
    const std::string key = table_.begin()->first;  // any key: the table's order is a hash's
    InvalidateLocked(key, out);
    if (table_.size() <= max) {
      limit_rounds_ = 0;
      return;
    }
  }
  ++limit_rounds_;
}

void TrackingRegistry::OnFlushed() {
  std::vector<Outgoing> out;
  {
    absl::MutexLock lock(&mu_);
    if (!trackers_.empty()) {
      std::shared_ptr<const Invalidation> all[2];
      for (bool resp3 : {false, true}) {
        auto message = std::make_shared<Invalidation>();
        message->all = true;
        message->null_resp3 = resp3;
        all[resp3] = std::move(message);
      }
      for (const auto& [id, t] : trackers_) {
        out.push_back({id, t.redirect, all[t.resp3]});
      }
    }
    table_.clear();
    items_ = 0;
  }
  Send(out);
}

void TrackingRegistry::FlushBroadcasts() {
  if (!broadcasts_pending_.exchange(false, std::memory_order_relaxed)) {
    return;
  }
  std::vector<Outgoing> out;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [prefix, state] : prefixes_) {
      if (state.changed.empty()) {
        continue;
      }
      std::shared_ptr<const Invalidation> everything;
      for (uint64_t id : state.clients) {
        auto t = trackers_.find(id);
        if (t == trackers_.end()) {
          continue;
        }
        if (t->second.noloop) {
          // Without the keys this client changed last; nothing when that is all of them.
          std::vector<std::string> keys;
          for (const auto& [key, writer] : state.changed) {
            if (writer != id) {
              keys.push_back(key);
            }
          }
          if (!keys.empty()) {
            out.push_back({id, t->second.redirect, KeysMessage(std::move(keys))});
          }
          continue;
        }
        if (everything == nullptr) {
          std::vector<std::string> keys;
          keys.reserve(state.changed.size());
          for (const auto& entry : state.changed) {
            keys.push_back(entry.first);
          }
          everything = KeysMessage(std::move(keys));
        }
        out.push_back({id, t->second.redirect, everything});
      }
      state.changed.clear();
    }
  }
  Send(out);
}

void TrackingRegistry::Send(std::vector<Outgoing>& out) {
  const uint64_t running = t_tracking.running_client;
  for (Outgoing& o : out) {
    if (o.tracker != running || running == 0) {
      Deliver(o, 0);
    } else if (t_tracking.in_call > 0) {
      // After the running command's reply (EndCommand), never inside it.
      t_tracking.held.emplace_back(o.tracker, std::move(o.message));
    } else {
      Deliver(o, running);  // before its command runs (an eviction): ahead of the reply
    }
  }
}

std::pair<Connection*, IoThread*> TrackingRegistry::Find(uint64_t id) {
  std::pair<Connection*, IoThread*> found{nullptr, nullptr};
  clients_.WithClient(id, [&](Connection* c) {
    if (c != nullptr) {
      found = {c, &c->thread()};
    }
  });
  return found;
}

void TrackingRegistry::Deliver(const Outgoing& o, uint64_t writing_client) {
  const bool redirected = o.redirect != 0;
  const uint64_t target = redirected ? o.redirect : o.tracker;
  auto [connection, thread] = Find(target);
  if (thread == nullptr) {
    if (redirected) {
      if (IoThread* own = Find(o.tracker).second; own != nullptr) {
        PostToClient(own, o.tracker, [redirect = o.redirect](Connection& c) {
          c.NoteRedirectBroken(redirect);  // the tracking client hears of it
        });
      }
    }
    return;
  }
  if (target == writing_client && thread->loop.InLoopThread()) {
    // The client whose command just ended, on this thread: its message follows its reply,
    // which it writes out itself.
    connection->DeliverInvalidation(*o.message, redirected);
    return;
  }
  // Any other client, on this thread too: from the loop, never from inside another client's
  // command (a write there may close it).
  PostToClient(thread, target, [redirected, message = o.message](Connection& c) {
    c.DeliverInvalidation(*message, redirected);
  });
}

void TrackingRegistry::PostToClient(IoThread* thread, uint64_t id,
                                    std::function<void(Connection&)> fn) {
  ClientRegistry& clients = clients_;
  thread->loop.Post([&clients, thread, id, fn = std::move(fn)] {
    // Looked up again: the client may have closed meanwhile. Found on this thread, it stays
    // alive until this task returns (only its own thread deletes it).
    Connection* c = nullptr;
    clients.WithClient(id, [&](Connection* found) { c = found; });
    if (c != nullptr && &c->thread() == thread) {
      fn(*c);
      c->FlushDeliveries();
    }
  });
}

TrackingRegistry::Figures TrackingRegistry::figures() const {
  absl::MutexLock lock(&mu_);
  return {.clients = trackers_.size(),
          .keys = table_.size(),
          .items = items_,
          .prefixes = prefixes_.size()};
}

}  // namespace redoubt::server
