// Who is subscribed to which channel and pattern, over every I/O thread, and how PUBLISH's
// messages reach them (Redis's server.pubsub_channels and pubsub_patterns, and
// pubsubPublishMessage).
//
// A connection keeps its own subscriptions (Connection: channels, patterns) and registers each
// here with its Subscriber record. Publish finds the subscribers under a reader lock, then
// hands the message to each subscriber's own thread: one posted task per thread and message,
// which appends the message to every target connection there and writes it out. Only the
// publishing connection itself is written directly, so that a RESP3 client subscribed to what
// it publishes sees the message before its command's reply, as in Redis.
//
// Order: a subscriber receives one publisher's messages in the order they were published (one
// thread's posted tasks run in order); messages of different publishers interleave as they
// reach the registry. A message for a channel comes before those for matching patterns.
//
// A message posted to a subscriber that unsubscribed or closed meanwhile is dropped on its
// thread: the connection checks that it still holds the subscription, and `open` tells a
// closed connection apart without touching it.
//
// Thread: thread-safe. mu_ guards the tables; it is never held while a message is delivered.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/execution_services.h"

namespace redoubt::server {

class Connection;
struct IoThread;

// A subscribing connection as the registry knows it. Created with the connection's first
// subscription; `open` is read and cleared only on `thread`.
struct Subscriber {
  IoThread* const thread;
  Connection* const connection;
  bool open = true;  // only on `thread`
};

// A published message, shared by the deliveries of every thread.
struct PubSubMessage {
  std::string channel;
  std::string message;
};

// The three kinds of subscription, as Redis 7.0 has them: to a channel (SUBSCRIBE, reached by
// PUBLISH), to a pattern (PSUBSCRIBE, reached by PUBLISH to a matching channel), to a shard
// channel (SSUBSCRIBE, reached only by SPUBLISH; outside cluster mode simply a namespace of its
// own).
enum class SubscriptionKind : uint8_t { kChannel, kPattern, kShardChannel };

class PubSubRegistry final : public commands::MessageBus {
 public:
  // Adds s to the subscribers of name. The connection calls it once per subscription it did not
  // hold, and Remove once per subscription it held.
  void Add(SubscriptionKind kind, std::string_view name, const std::shared_ptr<Subscriber>& s)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(SubscriptionKind kind, std::string_view name, const Subscriber* s)
      ABSL_LOCKS_EXCLUDED(mu_);

  // commands::MessageBus: PUBLISH, to channel and pattern subscriptions.
  int64_t Publish(std::string_view channel, std::string_view message,
                  const commands::Client* publisher) override ABSL_LOCKS_EXCLUDED(mu_);
  // SPUBLISH, to shard channel subscriptions.
  int64_t PublishToShard(std::string_view channel, std::string_view message,
                         const commands::Client* publisher) ABSL_LOCKS_EXCLUDED(mu_);

  // PUBSUB CHANNELS / SHARDCHANNELS: channels (kChannel or kShardChannel) with at least one
  // subscriber, matching pattern when given.
  std::vector<std::string> Channels(SubscriptionKind kind,
                                    std::optional<std::string_view> pattern) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // PUBSUB NUMSUB / SHARDNUMSUB: subscribers of a channel (patterns not counted).
  int64_t SubscriberCount(SubscriptionKind kind, std::string_view channel) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // INFO's pubsub_channels, pubsub_patterns (PUBSUB NUMPAT: distinct patterns) and
  // pubsubshard_channels.
  size_t count(SubscriptionKind kind) const ABSL_LOCKS_EXCLUDED(mu_);

  // One message for one subscription (pubsub_registry.cc).
  struct Delivery;

 private:
  using SubscriberList = std::vector<std::shared_ptr<Subscriber>>;
  using Table = absl::flat_hash_map<std::string, SubscriberList>;
  Table& TableOf(SubscriptionKind kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return tables_[static_cast<int>(kind)];
  }
  const Table& ReadTable(SubscriptionKind kind) const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return tables_[static_cast<int>(kind)];
  }
  // Hands the message to the subscribers found (the publisher's own now, the others' on their
  // threads).
  static void Dispatch(std::string_view channel, std::string_view message,
                       std::vector<Delivery>& deliveries, const commands::Client* publisher);

  mutable absl::Mutex mu_;
  Table tables_[3] ABSL_GUARDED_BY(mu_);  // by SubscriptionKind
  // Subscriptions held, over every table: a PUBLISH without subscribers takes no lock.
  std::atomic<size_t> subscriptions_{0};
};

}  // namespace redoubt::server
