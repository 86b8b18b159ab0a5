// The keyspace's reports (storage::KeyObserver), handed to what waits for them: blocked
// clients (a key stored anew), watched keys and client-side caches (any change, a flush) and
// keyspace notifications for what
// no command reports itself (a key created, expired, evicted or missed), and the DEL that the
// command log (the AOF, replicas) receives for a key that expired or was evicted, appended
// here under that key's shard lock so that it takes its place among the key's writes.
//
// Thread: any; see storage::KeyObserver.
#pragma once

#include <atomic>

#include "commands/command_log.h"
#include "commands/keyspace_notifications.h"
#include "commands/runtime_settings.h"
#include "server/blocking_registry.h"
#include "server/pubsub_registry.h"
#include "server/tracking_registry.h"
#include "server/watch_registry.h"
#include "storage/keyspace.h"

namespace redoubt::server {

class KeyEvents : public storage::KeyObserver {
 public:
  KeyEvents(BlockingRegistry& blocking, WatchRegistry& watches, TrackingRegistry& tracking,
            PubSubRegistry& pubsub, const commands::RuntimeSettings& settings)
      : blocking_(blocking),
        watches_(watches),
        tracking_(tracking),
        pubsub_(pubsub),
        settings_(settings) {}

  void OnKeyStored(int db, std::string_view key, bool created) override {
    blocking_.OnKeyStored(db, key);
    watches_.OnKeyChanged(db, key);
    tracking_.OnKeyChanged(key);
    if (created) {
      Notify(commands::kNotifyNew, "new", db, key);
    }
  }
  void OnKeyAppended(int db, std::string_view key) override { blocking_.OnKeyAppended(db, key); }
  void OnKeyChanged(int db, std::string_view key) override {
    watches_.OnKeyChanged(db, key);
    blocking_.OnKeyChanged(db, key);
    tracking_.OnKeyChanged(key);
  }
  void OnKeyExpired(int db, std::string_view key) override {
    LogDeletion(db, key);
    Notify(commands::kNotifyExpired, "expired", db, key);
  }
  void OnKeyEvicted(int db, std::string_view key) override {
    LogDeletion(db, key);
    Notify(commands::kNotifyEvicted, "evicted", db, key);
  }
  // As Redis 7.0's delKeysInSlot: propagated as DEL; the "del" event goes to modules only, so
  // subscribers get none.
  void OnKeyDropped(int db, std::string_view key) override { LogDeletion(db, key); }
  // Set once at start-up, before any command runs.
  void set_command_log(commands::CommandLog* log) { log_ = log; }
  void OnKeyMissed(int db, std::string_view key) override {
    Notify(commands::kNotifyKeyMiss, "keymiss", db, key);
  }
  void OnDatabaseFlushing(int db,
                          const std::function<bool(std::string_view key)>& had_key) override {
    watches_.OnDatabaseFlushing(db, had_key);
    blocking_.OnDatabaseFlushing(db);
  }
  void OnDatabasesSwapped(
      int a, int b, const std::function<bool(int db, std::string_view key)>& has_key) override {
    blocking_.OnDatabasesSwapped(a, b);
    watches_.OnDatabasesSwapped(a, b, has_key);
  }
  void OnFlushed() override { tracking_.OnFlushed(); }

 private:
  // As Redis 7.0's propagateDeletion (DEL; UNLINK only with lazyfree-lazy-expire/eviction,
  // whose effect on a replay is the same).
  void LogDeletion(int db, std::string_view key) {
    if (log_ != nullptr && log_->active()) {
      std::string bytes;
      commands::AppendRespCommand(&bytes, {"DEL", key});
      log_->Append(db, db, bytes);
    }
  }

  void Notify(uint32_t type, std::string_view event, int db, std::string_view key) {
    uint32_t flags = settings_.notify_keyspace_events.load(std::memory_order_relaxed);
    if ((flags & type) != 0) {
      commands::PublishKeyspaceEvent(pubsub_, flags, type, event, db, key);
    }
  }

  BlockingRegistry& blocking_;
  WatchRegistry& watches_;
  TrackingRegistry& tracking_;
  PubSubRegistry& pubsub_;
  const commands::RuntimeSettings& settings_;
  commands::CommandLog* log_ = nullptr;
};

}  // namespace redoubt::server
