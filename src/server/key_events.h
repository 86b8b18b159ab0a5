// The keyspace's reports (storage::KeyObserver), handed to the two registries that wait for
// them: blocked clients (a key stored anew) and watched keys (any change).
//
// Thread: any; see storage::KeyObserver.
#pragma once

#include "server/blocking_registry.h"
#include "server/watch_registry.h"
#include "storage/keyspace.h"

namespace redoubt::server {

class KeyEvents : public storage::KeyObserver {
 public:
  KeyEvents(BlockingRegistry& blocking, WatchRegistry& watches)
      : blocking_(blocking), watches_(watches) {}

  void OnKeyStored(int db, std::string_view key) override {
    blocking_.OnKeyStored(db, key);
    watches_.OnKeyChanged(db, key);
  }
  void OnKeyChanged(int db, std::string_view key) override { watches_.OnKeyChanged(db, key); }
  void OnDatabaseFlushing(int db,
                          const std::function<bool(std::string_view key)>& had_key) override {
    watches_.OnDatabaseFlushing(db, had_key);
  }
  void OnDatabasesSwapped(
      int a, int b, const std::function<bool(int db, std::string_view key)>& has_key) override {
    blocking_.OnDatabasesSwapped(a, b);
    watches_.OnDatabasesSwapped(a, b, has_key);
  }

 private:
  BlockingRegistry& blocking_;
  WatchRegistry& watches_;
};

}  // namespace redoubt::server
