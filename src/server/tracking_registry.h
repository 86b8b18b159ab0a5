// Client-side caching, as Redis 7.0's tracking.c: which clients may hold which keys in their
// own cache, and the invalidation messages that tell them a key changed.
//
// Two modes, chosen by CLIENT TRACKING ON:
//   - default: each key a tracking client's read-only command reads is remembered for it
//     (RememberKeys, under the key's shard lock); the key's next change sends that client one
//     invalidation and forgets the key for every client, as Redis's tracking table does;
//   - BCAST: the client names prefixes and hears of every changed key under them, whether it
//     read it or not. Changed keys are gathered per prefix and sent, one array per prefix,
//     when a thread's event-loop batch ends (FlushBroadcasts, from its before-sleep step),
//     as Redis sends them from beforeSleep.
// The keys are names only, whatever the database, as in Redis. FLUSHDB and FLUSHALL
// invalidate everything (a null instead of a key array) and empty the table; SWAPDB does not,
// as in Redis 7.0.
//
// Where the message goes: to the tracking client as a RESP3 push (`invalidate`), or to the
// client named by REDIRECT: a RESP3 push there too, or for a RESP2 client that is subscribed
// to something, a `message` on `__redis__:invalidate`. A RESP2 client without redirection gets
// nothing (RESP2 has no push). A redirection whose client is gone makes the tracking client
// hear `tracking-redir-broken` (RESP3).
//
// Across threads: a change is seen on the writer's thread, under the key's shard lock. The
// message is posted to the recipient's thread, this one included (a task of the loop looks the
// client up again by id, so a client that closed meanwhile is simply not found; and no write
// to another client happens inside a command). A message for the client whose command is
// running waits until that command's reply is written (EndCommand) and follows it at once, as
// Redis's tracking_pending_keys. NOLOOP: a client does not hear of its own changes.
//
// A change is reported when a key is looked up for writing (storage::KeyObserver), so a write
// that ends up changing nothing (SREM of a missing member) also invalidates: a message Redis
// would not send, which only makes the client read the key again.
//
// Thread: thread-safe. mu_ guards the tables; it is never held while a message is written.
// Lock order: a shard lock, then mu_, then the ClientRegistry's.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/key_tracking.h"

namespace redoubt::server {

class ClientRegistry;
class Connection;
struct IoThread;

// What one invalidation message says: these keys changed, or (all) every key did. The null
// that says "all" is in the tracking client's protocol, wherever it goes (Redis's
// shared.null[c->resp]), so a RESP2 client redirecting to a RESP3 one sends "$-1".
struct Invalidation {
  bool all = false;
  bool null_resp3 = false;
  std::vector<std::string> keys;
};

// CLIENT TRACKING ON's options, once checked (client_command.cc).
struct TrackingOptions {
  uint64_t redirect = 0;  // client id; 0: none
  bool resp3 = false;     // the tracking client's protocol now
  bool bcast = false;
  bool noloop = false;
  std::vector<std::string> prefixes;  // BCAST only; none: every key
};

class TrackingRegistry final : public commands::KeyTracking {
 public:
  explicit TrackingRegistry(ClientRegistry& clients) : clients_(clients) {}

  // CLIENT TRACKING ON (again: the options replace the previous ones; prefixes are added).
  void Enable(uint64_t client_id, const TrackingOptions& options) ABSL_LOCKS_EXCLUDED(mu_);
  // CLIENT TRACKING OFF, RESET, a closing client. Its ids in the key table are left to go
  // lazily with their keys, as in Redis.
  void Disable(uint64_t client_id) ABSL_LOCKS_EXCLUDED(mu_);
  // HELLO changed the protocol of a tracking client.
  void SetProtocol(uint64_t client_id, bool resp3) ABSL_LOCKS_EXCLUDED(mu_);

  // commands::KeyTracking.
  void RememberKeys(uint64_t client_id, std::span<const std::string_view> keys) override
      ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t BeginCommand(uint64_t client_id) override;
  void EndCommand(uint64_t client_id, uint64_t previous) override;
  void EnterCall() override;
  void LeaveCall() override;

  // tracking-table-max-keys: over it, keys are forgotten (their clients invalidated) until the
  // table is back under it; more keys each time this finds it still over. Before each command
  // and from the cron, as Redis does.
  void EnforceKeyLimit() ABSL_LOCKS_EXCLUDED(mu_);

  // From the keyspace (server/key_events.h): the key changed, expired or was evicted.
  void OnKeyChanged(std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  // A database was emptied: every tracking client hears that all keys are invalid, and the
  // table empties.
  void OnFlushed() ABSL_LOCKS_EXCLUDED(mu_);
  // The end of a thread's event-loop batch: sends the BCAST messages gathered.
  void FlushBroadcasts() ABSL_LOCKS_EXCLUDED(mu_);

  // tracking-table-max-keys: over it, keys are forgotten (their clients invalidated) until the
  // table is back under it (0: no limit).
  void set_max_keys(uint64_t max) { max_keys_.store(max, std::memory_order_relaxed); }

  // INFO: tracking_clients, tracking_total_keys, tracking_total_items, tracking_total_prefixes.
  struct Figures {
    uint64_t clients = 0;
    uint64_t keys = 0;
    uint64_t items = 0;
    uint64_t prefixes = 0;
  };
  Figures figures() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Tracker {
    uint64_t redirect = 0;
    bool bcast = false;
    bool noloop = false;
    bool resp3 = false;
  };
  struct Prefix {
    std::set<uint64_t> clients;
    // Keys changed since the last flush (in order, as Redis's radix tree), each with the
    // client that changed it last (0: none), which NOLOOP leaves out.
    std::map<std::string, uint64_t, std::less<>> changed;
  };
  // One message for one tracking client.
  struct Outgoing {
    uint64_t tracker = 0;
    uint64_t redirect = 0;
    std::shared_ptr<const Invalidation> message;
  };

  // Forgets the key; appends a message for each client that may hold it (not BCAST ones, not
  // the writer itself under NOLOOP).
  void InvalidateLocked(std::string_view key, std::vector<Outgoing>* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // tracking-table-max-keys: invalidates keys until the table is under the limit.
  void LimitLocked(std::vector<Outgoing>* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends each message: held for the running client (EndCommand), or posted.
  void Send(std::vector<Outgoing>& out);
  // Writes one message to the tracking client's destination: at once when that is
  // writing_client on this thread (its command just ended), else posted to its thread.
  void Deliver(const Outgoing& o, uint64_t writing_client);
  // Runs fn on `thread` (client id's), if the client is still there then, and writes its
  // output.
  void PostToClient(IoThread* thread, uint64_t id, std::function<void(Connection&)> fn);
  // The connection with this id and its thread, or {nullptr, nullptr}. The connection may be
  // used only on its own thread.
  std::pair<Connection*, IoThread*> Find(uint64_t id);

  ClientRegistry& clients_;
  std::atomic<uint64_t> prefix_count_{0};  // prefixes_.size(): OnKeyChanged skips BCAST at 0
  std::atomic<bool> broadcasts_pending_{false};
  std::atomic<uint64_t> max_keys_{1000000};

  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Tracker> trackers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::flat_hash_set<uint64_t>> table_ ABSL_GUARDED_BY(mu_);
  uint64_t items_ ABSL_GUARDED_BY(mu_) = 0;  // client ids over every key of table_
  std::map<std::string, Prefix, std::less<>> prefixes_ ABSL_GUARDED_BY(mu_);
  // tracking-table-max-keys: rounds that could not get under the limit, for more effort.
  int limit_rounds_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace redoubt::server
