// The pub/sub tables and message delivery; see pubsub_registry.h.
#include "server/pubsub_registry.h"

#include <algorithm>
#include <utility>

#include "common/ascii.h"
#include "common/glob.h"
#include "server/connection.h"
#include "server/io_thread.h"

namespace redoubt::server {

// One message for one subscription: the connection, the kind of subscription, and the pattern
// it matched (for kPattern).
struct PubSubRegistry::Delivery {
  std::shared_ptr<Subscriber> to;
  SubscriptionKind kind;
  std::optional<std::string> pattern;
};

namespace {

// Runs on the subscribers' thread: appends the message to each connection that still holds
// the subscription, then writes every connection that got one.
void DeliverOnThread(const std::shared_ptr<const PubSubMessage>& message,
                     const std::vector<PubSubRegistry::Delivery>& deliveries);

}  // namespace

void PubSubRegistry::Add(SubscriptionKind kind, std::string_view name,
                         const std::shared_ptr<Subscriber>& s) {
  absl::MutexLock lock(&mu_);
  TableOf(kind)[std::string(name)].push_back(s);
  subscriptions_.fetch_add(1, std::memory_order_release);
}

void PubSubRegistry::Remove(SubscriptionKind kind, std::string_view name, const Subscriber* s) {
  absl::MutexLock lock(&mu_);
  Table& table = TableOf(kind);
  auto it = table.find(common::AbslView(name));
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
    const Table& channels = ReadTable(SubscriptionKind::kChannel);
    if (auto it = channels.find(common::AbslView(channel)); it != channels.end()) {
      for (const std::shared_ptr<Subscriber>& s : it->second) {
        deliveries.push_back({s, SubscriptionKind::kChannel, std::nullopt});
      }
    }
    for (const auto& [pattern, subscribers] : ReadTable(SubscriptionKind::kPattern)) {
      if (common::GlobMatch(pattern, channel)) {
        for (const std::shared_ptr<Subscriber>& s : subscribers) {
          deliveries.push_back({s, SubscriptionKind::kPattern, pattern});
        }
      }
    }
  }
  Dispatch(channel, message, deliveries, publisher);
  return static_cast<int64_t>(deliveries.size());
}

int64_t PubSubRegistry::PublishToShard(std::string_view channel, std::string_view message,
                                       const commands::Client* publisher) {
  if (subscriptions_.load(std::memory_order_acquire) == 0) {
    return 0;
  }
  std::vector<Delivery> deliveries;
  {
    absl::ReaderMutexLock lock(&mu_);
    const Table& shard = ReadTable(SubscriptionKind::kShardChannel);
    if (auto it = shard.find(common::AbslView(channel)); it != shard.end()) {
      for (const std::shared_ptr<Subscriber>& s : it->second) {
        deliveries.push_back({s, SubscriptionKind::kShardChannel, std::nullopt});
      }
    }
  }
  Dispatch(channel, message, deliveries, publisher);
  return static_cast<int64_t>(deliveries.size());
}

void PubSubRegistry::Dispatch(std::string_view channel, std::string_view message,
                              std::vector<Delivery>& deliveries,
                              const commands::Client* publisher) {
  if (deliveries.empty()) {
    return;
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
        d.to->connection->DeliverMessage(*shared, d.kind, d.pattern ? &*d.pattern : nullptr);
      }
      continue;
    }
    auto it = std::find_if(by_thread.begin(), by_thread.end(),
                           [&](const auto& entry) { return entry.first == d.to->thread; });
    if (it == by_thread.end()) {
      by_thread.emplace_back(d.to->thread, std::vector<Delivery>{});
      it = by_thread.end() - 1;
    }
    it->second.push_back(d);
  }
  for (auto& [thread, list] : by_thread) {
    thread->loop.Post([shared, list = std::move(list)] { DeliverOnThread(shared, list); });
  }
}

std::vector<std::string> PubSubRegistry::Channels(SubscriptionKind kind,
                                                  std::optional<std::string_view> pattern) const {
  std::vector<std::string> out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [channel, subscribers] : ReadTable(kind)) {
    if (!pattern || common::GlobMatch(*pattern, channel)) {
      out.push_back(channel);
    }
  }
  return out;
}

int64_t PubSubRegistry::SubscriberCount(SubscriptionKind kind, std::string_view channel) const {
  absl::ReaderMutexLock lock(&mu_);
  const Table& table = ReadTable(kind);
  auto it = table.find(common::AbslView(channel));
  return it == table.end() ? 0 : static_cast<int64_t>(it->second.size());
}

size_t PubSubRegistry::count(SubscriptionKind kind) const {
  absl::ReaderMutexLock lock(&mu_);
  return ReadTable(kind).size();
}

namespace {

void DeliverOnThread(const std::shared_ptr<const PubSubMessage>& message,
                     const std::vector<PubSubRegistry::Delivery>& deliveries) {
  std::vector<Connection*> written;
  for (const PubSubRegistry::Delivery& d : deliveries) {
    if (d.to->open &&
        d.to->connection->DeliverMessage(*message, d.kind, d.pattern ? &*d.pattern : nullptr)) {
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

}  // namespace redoubt::server
