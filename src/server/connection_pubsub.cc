// A connection's pub/sub subscriptions, and the messages PubSubRegistry delivers to it; see
// the pub/sub part of connection.h. Redis keeps the same state in client.pubsub_channels
// and client.pubsub_patterns.
//
// Thread: the connection's own.
#include <algorithm>
#include <string>
#include <vector>

#include "server/connection.h"
#include "server/server.h"

namespace redoubt::server {

bool Connection::Subscribe(SubscriptionKind kind, std::string_view name) {
  if (kind == SubscriptionKind::kPattern) {
    if (std::find(patterns_.begin(), patterns_.end(), name) != patterns_.end()) {
      return false;
    }
    patterns_.emplace_back(name);
  } else {
    auto& set = kind == SubscriptionKind::kChannel ? channels_ : shard_channels_;
    if (!set.insert(std::string(name)).second) {
      return false;
    }
  }
  if (!subscriber_) {
    subscriber_ = std::make_shared<Subscriber>(Subscriber{&thread_, this});
  }
  server_.pubsub().Add(kind, name, subscriber_);
  ++subscriptions_;
  PublishSubscriptionCounts();
  return true;
}

bool Connection::Unsubscribe(SubscriptionKind kind, std::string_view name) {
  if (kind == SubscriptionKind::kPattern) {
    auto it = std::find(patterns_.begin(), patterns_.end(), name);
    if (it == patterns_.end()) {
      return false;
    }
    patterns_.erase(it);
  } else {
    auto& set = kind == SubscriptionKind::kChannel ? channels_ : shard_channels_;
    if (set.erase(std::string(name)) == 0) {
      return false;
    }
  }
  server_.pubsub().Remove(kind, name, subscriber_.get());
  --subscriptions_;
  PublishSubscriptionCounts();
  return true;
}

void Connection::PublishSubscriptionCounts() {
  shown_sub_.store(static_cast<uint32_t>(channels_.size()), std::memory_order_relaxed);
  shown_psub_.store(static_cast<uint32_t>(patterns_.size()), std::memory_order_relaxed);
  shown_ssub_.store(static_cast<uint32_t>(shard_channels_.size()), std::memory_order_relaxed);
}

std::vector<std::string> Connection::Subscribed(SubscriptionKind kind) const {
  switch (kind) {
    case SubscriptionKind::kChannel:
      return {channels_.begin(), channels_.end()};
    case SubscriptionKind::kPattern:
      return patterns_;
    case SubscriptionKind::kShardChannel:
      return {shard_channels_.begin(), shard_channels_.end()};
  }
  return {};
}

void Connection::UnsubscribeAll() {
  for (SubscriptionKind kind :
       {SubscriptionKind::kChannel, SubscriptionKind::kPattern, SubscriptionKind::kShardChannel}) {
    for (const std::string& name : Subscribed(kind)) {
      Unsubscribe(kind, name);
    }
  }
}

protocol::ReplyWriter& Connection::BeginPush() {
  push_saved_output_ = writer_.output();
  writer_.set_output(&output_);
  return writer_;
}

void Connection::EndPush() {
  writer_.set_output(push_saved_output_);
  push_saved_output_ = nullptr;
}

bool Connection::DeliverMessage(const PubSubMessage& message, SubscriptionKind kind,
                                const std::string* pattern) {
  if (closed_) {
    return false;
  }
  bool held = false;
  switch (kind) {
    case SubscriptionKind::kChannel:
      held = channels_.contains(message.channel);
      break;
    case SubscriptionKind::kPattern:
      held = std::find(patterns_.begin(), patterns_.end(), *pattern) != patterns_.end();
      break;
    case SubscriptionKind::kShardChannel:
      held = shard_channels_.contains(message.channel);
      break;
  }
  if (!held) {
    return false;  // unsubscribed since the message was published
  }
  protocol::ReplyWriter& w = BeginPush();
  if (kind == SubscriptionKind::kPattern) {
    w.PushHeader(4);
    w.Bulk("pmessage");
    w.Bulk(*pattern);
  } else {
    w.PushHeader(3);
    w.Bulk(kind == SubscriptionKind::kChannel ? "message" : "smessage");
  }
  w.Bulk(message.channel);
  w.Bulk(message.message);
  EndPush();
  return true;
}

void Connection::FlushDeliveries() {
  if (!closed_) {
    Flush();
  }
}

bool Connection::SubscriptionsRevoked() const {
  if (subscriptions_ == 0) {
    return false;
  }
  std::shared_ptr<const security::AclUser> now = server_.acl().Find(user_->name());
  if (now == nullptr || now->all_channels()) {
    return false;  // a deleted user's clients are closed for that
  }
  for (const std::string& pattern : patterns_) {
    if (!now->AnySelectorAllowsChannel({pattern, true})) {
      return true;
    }
  }
  for (const auto* set : {&channels_, &shard_channels_}) {
    for (const std::string& channel : *set) {
      if (!now->AnySelectorAllowsChannel({channel, false})) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace redoubt::server
