// A replica's link to its primary (replicaof / REPLICAOF host port): a thread that connects,
// authenticates (masteruser/masterauth), announces itself (REPLCONF listening-port, capa eof
// psync2), asks PSYNC with the id and offset it holds, and then either continues the stream
// (+CONTINUE) or receives a snapshot (+FULLRESYNC), loads it in place of its dataset, and
// applies the command stream that follows, acknowledging its offset every second and when
// asked (REPLCONF GETACK). A lost link is retried every second, with PSYNC first.
//
// The stream's bytes are applied one command at a time through the dispatcher (a client with
// every permission whose replies are dropped), then appended verbatim to this node's own
// replication stream, so that its offset is the primary's and sub-replicas can follow it.
// A transaction (MULTI … EXEC) is applied once its EXEC has arrived, as Redis does.
//
// Thread: Start/Stop/status from any thread; the rest on the link's thread.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "commands/execution_services.h"
#include "commands/runtime_settings.h"
#include "net/transport.h"
#include "persistence/encryption_keys.h"
#include "replication/replication_stream.h"
#include "storage/keyspace.h"

namespace redoubt::replication {

struct LinkSettings {
  std::string host;
  int port = 0;
  std::string user;        // masteruser (empty: AUTH with the password alone)
  std::string password;    // masterauth (empty: no AUTH)
  int listening_port = 0;  // what REPLCONF listening-port announces
  std::string announce_ip;
  std::string source_ip;  // bind-source-addr: the address the link connects from
  int64_t repl_timeout_ms = 60000;
  std::string temp_dir = ".";  // where the snapshot is received before it is loaded
  // A primary handing over to this link's target (FAILOVER): PSYNC carries FAILOVER, which
  // makes the target promote itself first.
  bool failover = false;
  bool rdb_checksum = true;
  // With a current key, the snapshot is encrypted as it is written to the temporary file
  // (persistence/encrypted_rdb.h): the dataset never lies on disk in plaintext.
  std::shared_ptr<const persistence::EncryptionKeyring> rdb_keys;
};

// What the link's owner provides.
struct LinkEnv {
  ReplicationStream& stream;
  storage::Keyspace& keyspace;
  commands::RuntimeSettings& runtime;
  // The function libraries, which a full sync replaces with the primary's.
  commands::ScriptingServices& functions;
  // Runs one of the primary's commands (SELECT included) as the primary's client. Returns
  // false when it must be tried again later (CLIENT PAUSE holds writes).
  std::function<bool(std::span<const std::string_view>)> apply;
  // Around loading a full sync's snapshot: the AOF stops before and starts again (with a
  // rewrite) after, as Redis restarts it.
  std::function<void()> before_load;
  std::function<void()> after_load;
  std::function<LinkSettings()> settings;
  // A TLS transport over a connected socket when tls-replication is on (null: plaintext, fd
  // left to the caller), or an error in words (the handshake failed; fd is closed).
  std::function<absl::StatusOr<std::unique_ptr<net::Transport>>(int fd)> wrap_tls;
};

// INFO replication's replica fields.
struct LinkStatus {
  std::string host;
  int port = 0;
  bool up = false;                  // master_link_status
  bool sync_in_progress = false;    // master_sync_in_progress
  int64_t last_io_seconds = -1;     // master_last_io_seconds_ago
  int64_t down_since_seconds = -1;  // master_link_down_since_seconds
  int64_t sync_total_bytes = -1;
  int64_t sync_read_bytes = 0;
  std::string state;  // connect, connecting, handshake, sync, connected (ROLE's)
};

class PrimaryLink {
 public:
  explicit PrimaryLink(LinkEnv env);
  ~PrimaryLink();

  void Start();
  // Closes the link and waits for the thread.
  void Stop();
  LinkStatus status() const;
  // Milliseconds since anything came from the primary (while the link is up) or since the link
  // went down; very large when it was never up (Redis's data age, for cluster failover).
  int64_t silence_ms() const;
  bool up() const { return up_.load(std::memory_order_relaxed); }
  // The answer to the first PSYNC: 0 none yet, 1 accepted (+CONTINUE or +FULLRESYNC), -1
  // refused (FAILOVER's target said no).
  int first_psync_result() const { return first_psync_.load(std::memory_order_acquire); }

 private:
  void Run();
  // One connection's life: returns why it ended.
  absl::Status Session();
  absl::Status Handshake(net::Transport& t, std::string* pending, const LinkSettings& s);
  // Sends a command and reads its one-line reply.
  absl::StatusOr<std::string> Exchange(net::Transport& t, std::string* pending,
                                       std::initializer_list<std::string_view> args, int timeout);
  absl::Status ReceiveSnapshot(net::Transport& t, std::string* pending, const LinkSettings& s,
                               const std::string& replid, int64_t offset);
  absl::Status ApplyStream(net::Transport& t, std::string* pending, const LinkSettings& s);
  absl::Status SendAck(net::Transport& t);
  void SetState(std::string state);

  LinkEnv env_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> fd_{-1};  // the socket of the current session, for Stop's shutdown
  std::atomic<bool> up_{false};
  std::atomic<bool> syncing_{false};
  std::atomic<int64_t> last_io_ms_{0};
  std::atomic<int64_t> down_since_ms_{0};
  std::atomic<int64_t> sync_total_{-1};
  std::atomic<int64_t> sync_read_{0};
  std::atomic<int> first_psync_{0};
  mutable absl::Mutex mu_;
  std::string state_ ABSL_GUARDED_BY(mu_) = "connect";
  LinkSettings shown_ ABSL_GUARDED_BY(mu_);
};

}  // namespace redoubt::replication
