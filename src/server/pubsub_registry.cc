// The pub/sub tables and message delivery; see pubsub_registry.h.
#include "server/pubsub_registry.h"

#include <algorithm>
#include <utility>

#include "common/glob.h"
#include "server/connection.h"
#include "server/io_thread.h"

namespace redoubt::server {
namespace {

// The tables' keys are looked up without a copy: Debian's abseil has a string_view of its own,
// which the std one does not convert to implicitly.
absl::string_view Key(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// One message for one subscription: the connection, and the pattern it matched (none for a
// channel subscription).
struct Delivery {
  std::shared_ptr<Subscriber> to;
  std::optional<std::string> pattern;
};

// Runs on `to`'s thread: appends each message to its connection (when it still holds the
// subscription), then writes every connection that got one.
void Deliver(const std::shared_ptr<const PubSubMessage>& message,
             const std::vector<Delivery>& deliveries) {
  std::vector<Connection*> written;
  for (const Delivery& d : deliveries) {
    if (!d.to->open) {
      continue;
    }
    if (d.to->connection->DeliverMessage(*message, d.pattern ? &*d.pattern : nullptr) &&
        (written.empty() || written.back() != d.to->connection)) {
      written.push_back(d.to->connection);
    }
  }
  std::sort(written.begin(), written.end());
  written.erase(std::unique(written.begin(), written.end()), written.end());
  for (Connection* c : written) {
    c->FlushDeliveries();
  }
}

}  // namespace

void PubSubRegistry::Add(bool pattern, std::string_view name,
                         const std::shared_ptr<Subscriber>& s) {
  absl::MutexLock lock(&mu_);
  Table& table = pattern ? patterns_ : channels_;
  table[std::string(name)].push_back(s);
  subscriptions_.fetch_add(1, std::memory_order_release);
}

void PubSubRegistry::Remove(bool pattern, std::string_view name, const Subscriber* s) {
  absl::MutexLock lock(&mu_);
  Table& table = pattern ? patterns_ : channels_;
  auto it = table.find(Key(name));
  if (it == table.end()) {
    return;
  }
  std::erase_if(it->second, [s](const std::shared_ptr<Subscriber>& p) { return p.get() == s; });
  if (it->second.empty()) {
    table.erase(it);
  }
  subscriptions_.fetch_sub(1, std::memory_order_release);
}

int64_t PubSubRegistry::Publish(std::string_view channel, std::string_view message,
                                const commands::Client* publisher) {
  if (subscriptions_.load(std::memory_order_acquire) == 0) {
    return 0;
  }
  std::vector<Delivery> deliveries;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = channels_.find(Key(channel)); it != channels_.end()) {
      for (const std::shared_ptr<Subscriber>& s : it->second) {
        deliveries.push_back({s, std::nullopt});
      }
    }
    for (const auto& [pattern, subscribers] : patterns_) {
      if (common::GlobMatch(pattern, channel)) {
        for (const std::shared_ptr<Subscriber>& s : subscribers) {
          deliveries.push_back({s, pattern});
        }
      }
    }
  }
  if (deliveries.empty()) {
    return 0;
  }
  auto shared = std::make_shared<const PubSubMessage>(
      PubSubMessage{std::string(channel), std::string(message)});
  // The publisher's own subscriptions are written now, on this thread, ahead of its reply;
  // every other subscriber gets one task per thread.
  std::vector<std::pair<IoThread*, std::vector<Delivery>>> by_thread;
  for (Delivery& d : deliveries) {
    if (publisher != nullptr &&
        static_cast<const commands::Client*>(d.to->connection) == publisher) {
      if (d.to->open) {
        d.to->connection->DeliverMessage(*shared, d.pattern ? &*d.pattern : nullptr);
      }
      continue;
    }
    auto it = std::find_if(by_thread.begin(), by_thread.end(),
                           [&](const auto& entry) { return entry.first == d.to->thread; });
    if (it == by_thread.end()) {
      by_thread.emplace_back(d.to->thread, std::vector<Delivery>{});
      it = by_thread.end() - 1;
    }
    it->second.push_back(std::move(d));
  }
  for (auto& [thread, list] : by_thread) {
    thread->loop.Post([shared, list = std::move(list)] { Deliver(shared, list); });
  }
  return static_cast<int64_t>(deliveries.size());
}

std::vector<std::string> PubSubRegistry::Channels(std::optional<std::string_view> pattern) const {
  std::vector<std::string> out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [channel, subscribers] : channels_) {
    if (!pattern || common::GlobMatch(*pattern, channel)) {
      out.push_back(channel);
    }
  }
  return out;
}

int64_t PubSubRegistry::SubscriberCount(std::string_view channel) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = channels_.find(Key(channel));
  return it == channels_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

size_t PubSubRegistry::channel_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return channels_.size();
}

size_t PubSubRegistry::pattern_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return patterns_.size();
}

}  // namespace redoubt::server
