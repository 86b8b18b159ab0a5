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

class PubSubRegistry final : public commands::MessageBus {
 public:
  // Adds s to the subscribers of channel (or of pattern). The connection calls each once per
  // subscription it did not hold, and the Unsubscribe* once per subscription it held.
  void Subscribe(std::string_view channel, const std::shared_ptr<Subscriber>& s) {
    Add(false, channel, s);
  }
  void Unsubscribe(std::string_view channel, const Subscriber* s) { Remove(false, channel, s); }
  void SubscribePattern(std::string_view pattern, const std::shared_ptr<Subscriber>& s) {
    Add(true, pattern, s);
  }
  void UnsubscribePattern(std::string_view pattern, const Subscriber* s) {
    Remove(true, pattern, s);
  }

  // commands::MessageBus.
  int64_t Publish(std::string_view channel, std::string_view message,
                  const commands::Client* publisher) override ABSL_LOCKS_EXCLUDED(mu_);

  // PUBSUB CHANNELS: channels with at least one subscriber, matching pattern when given.
  std::vector<std::string> Channels(std::optional<std::string_view> pattern) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // PUBSUB NUMSUB: subscribers of channel (patterns not counted).
  int64_t SubscriberCount(std::string_view channel) const ABSL_LOCKS_EXCLUDED(mu_);
  // INFO's pubsub_channels, and PUBSUB NUMPAT / INFO's pubsub_patterns (distinct patterns).
  size_t channel_count() const ABSL_LOCKS_EXCLUDED(mu_);
  size_t pattern_count() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using SubscriberList = std::vector<std::shared_ptr<Subscriber>>;
  using Table = absl::flat_hash_map<std::string, SubscriberList>;
  // On the pattern table or the channel table.
  void Add(bool pattern, std::string_view name, const std::shared_ptr<Subscriber>& s)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(bool pattern, std::string_view name, const Subscriber* s) ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  Table channels_ ABSL_GUARDED_BY(mu_);
  Table patterns_ ABSL_GUARDED_BY(mu_);
  // Subscriptions held, over every table: a PUBLISH without subscribers takes no lock.
  std::atomic<size_t> subscriptions_{0};
};

}  // namespace redoubt::server
