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

namespace {

// Counts the subscriptions both in the dispatcher's field and in CLIENT LIST's figures.
template <typename Counter>
void Publish(Counter& shown, size_t value) {
  shown.store(static_cast<uint32_t>(value), std::memory_order_relaxed);
}

}  // namespace

bool Connection::SubscribeChannel(std::string_view channel) {
  if (!channels_.insert(std::string(channel)).second) {
    return false;
  }
  if (!subscriber_) {
    subscriber_ = std::make_shared<Subscriber>(Subscriber{&thread_, this});
  }
  server_.pubsub().Subscribe(channel, subscriber_);
  ++subscriptions_;
  Publish(shown_sub_, channels_.size());
  return true;
}

bool Connection::UnsubscribeChannel(std::string_view channel) {
  auto it = channels_.find(std::string(channel));
  if (it == channels_.end()) {
    return false;
  }
  server_.pubsub().Unsubscribe(channel, subscriber_.get());
  channels_.erase(it);
  --subscriptions_;
  Publish(shown_sub_, channels_.size());
  return true;
}

bool Connection::SubscribePattern(std::string_view pattern) {
  if (std::find(patterns_.begin(), patterns_.end(), pattern) != patterns_.end()) {
    return false;
  }
  if (!subscriber_) {
    subscriber_ = std::make_shared<Subscriber>(Subscriber{&thread_, this});
  }
  patterns_.emplace_back(pattern);
  server_.pubsub().SubscribePattern(pattern, subscriber_);
  ++subscriptions_;
  Publish(shown_psub_, patterns_.size());
  return true;
}

bool Connection::UnsubscribePattern(std::string_view pattern) {
  auto it = std::find(patterns_.begin(), patterns_.end(), pattern);
  if (it == patterns_.end()) {
    return false;
  }
  server_.pubsub().UnsubscribePattern(pattern, subscriber_.get());
  patterns_.erase(it);
  --subscriptions_;
  Publish(shown_psub_, patterns_.size());
  return true;
}

std::vector<std::string> Connection::SubscribedChannels() const {
  return {channels_.begin(), channels_.end()};
}

void Connection::UnsubscribeAll() {
  for (const std::string& channel : SubscribedChannels()) {
    UnsubscribeChannel(channel);
  }
  while (!patterns_.empty()) {
    UnsubscribePattern(std::string(patterns_.back()));
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

bool Connection::DeliverMessage(const PubSubMessage& message, const std::string* pattern) {
  if (closed_) {
    return false;
  }
  if (pattern == nullptr
          ? !channels_.contains(message.channel)
          : std::find(patterns_.begin(), patterns_.end(), *pattern) == patterns_.end()) {
    return false;  // unsubscribed since the message was published
  }
  protocol::ReplyWriter& w = BeginPush();
  if (pattern == nullptr) {
    w.PushHeader(3);
    w.Bulk("message");
  } else {
    w.PushHeader(4);
    w.Bulk("pmessage");
    w.Bulk(*pattern);
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
  for (const std::string& channel : channels_) {
    if (!now->AnySelectorAllowsChannel({channel, false})) {
      return true;
    }
  }
  return false;
}

}  // namespace redoubt::server
