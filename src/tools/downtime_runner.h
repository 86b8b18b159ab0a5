// The measuring loop of redoubt-downtime: phase 1 writes keys 0..N-1, phase 2 reads random keys
// and checks every value, one operation in flight on one connection, as a simple application
// would. It decides what counts as a failure and as downtime; DowntimeStats keeps the counts.
//
// An operation is: connect (if the last one failed), send, read the reply, check it. A failure
// closes the connection; the next operation connects again after a short back-off (1 ms,
// doubling to 10 ms). Downtime runs from the start of a failed operation until a connection
// that then delivers a reply was established, back-off and failed reconnects included.
//
// Credential refresh: with --password-file, the file is looked at (stat) at most every
// --reauth-check-ms while connected; when its content differs from the password the
// connection authenticated with, `AUTH [user] <new>` is sent on that connection before the next
// operation, as an application refreshing its secret does, without reconnecting. A refused
// re-AUTH is a failed operation but keeps the connection (still authenticated as before) and is
// retried at most once a second while the file still differs.
//
// Cluster mode (--cluster): each key goes to the primary that serves its slot, over that
// primary's own connection (ClusterRouter), still one operation in flight. A -MOVED updates the
// slot's owner and the command is sent there; a -ASK sends ASKING and the command to the node
// named, for this command only; -TRYAGAIN and -CLUSTERDOWN are retried after a short back-off.
// An operation that gets its reply that way succeeded; redirections are counted (moved, asks),
// not failed. It fails as usual when a connection fails (which also asks for a fresh slot map:
// the node may have been replaced), on any other error reply, or when it is still redirected
// after kMaxClusterAttempts commands or --op-timeout-ms. Every count also goes to the shard of
// the key (ClusterShards), whose downtime runs from the start of a failed operation on its keys
// until one on its keys gets a reply again, as the whole client's does over all keys.
//
// Thread: confined to the tool's single thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tools/cluster_router.h"
#include "tools/cluster_shards.h"
#include "tools/downtime_link.h"
#include "tools/downtime_options.h"
#include "tools/downtime_stats.h"
#include "tools/resp_client.h"
#include "tools/stop_condition.h"
#include "tools/tls_client_context.h"

namespace redoubt::tools {

struct DowntimeOutcome {
  bool prefill_ok = false;  // at least one key was written
  uint64_t prefill_keys = 0;
  int64_t started_wall_us = 0;
  int64_t run_started_wall_us = 0;  // 0 if phase 2 never began
  int64_t ended_wall_us = 0;
  std::string stop_reason;  // duration, until-file, until-command, max-seconds, signal, error
  std::optional<int> command_exit_status;
  std::string error;  // why the run could not proceed, when it could not
  // --wait-replicas: the fewest replicas a primary's last WAIT counted; -1 when none answered.
  int64_t replicas_acked = -1;
  // Cluster mode: the shards as they ended (index = the shard of the stats' per-shard counts),
  // and how often the slot map was read.
  std::vector<ShardInfo> shards;
  uint64_t slot_map_refreshes = 0;
};

class DowntimeRunner {
 public:
  // `tls` null for plaintext; borrowed, as is `stats`; both must outlive the runner.
  DowntimeRunner(const DowntimeOptions& options, const TlsClientContext* tls, DowntimeStats* stats);

  DowntimeOutcome Run();

 private:
  enum class ExecStatus : uint8_t { kReply, kFailed };
  // What stat() says about --password-file; a change means it must be read again.
  struct FileIdentity {
    bool valid = false;  // false: stat() failed, or the content was not read
    uint64_t dev = 0, ino = 0;
    int64_t size = 0, mtime_ns = 0, ctime_ns = 0;
    bool operator==(const FileIdentity&) const = default;
  };

  // Commands a cluster operation may send before it counts as failed: the first, and the
  // redirections and retries after it (redis-py's cluster client allows as many).
  static constexpr int kMaxClusterAttempts = 16;

  void Prefill(DowntimeOutcome* outcome);
  // Deletes keys N..M-1 so that leftovers of an earlier run with the same prefix (or a SET whose
  // reply was lost at the end of phase 1) cannot read as data errors in phase 2.
  void DeleteBeyondPrefill(uint64_t first, uint64_t end);
  // --wait-replicas: WAIT on the server, or on every primary of the cluster.
  void WaitForReplicas(DowntimeOutcome* outcome);
  void Measure(DowntimeOutcome* outcome);

  // One command about `key`: on the one connection, or in cluster mode routed by the key's
  // slot. Failures are recorded here, the reply's meaning is the caller's to judge.
  ExecStatus Send(const std::vector<std::string_view>& args, std::string_view key,
                  RespReply* reply);
  // One command on `link`, connecting first if needed. `hold_us`: how long the server may hold
  // the command on purpose (WAIT), on top of --op-timeout-ms.
  ExecStatus Execute(DowntimeLink& link, const std::vector<std::string_view>& args,
                     RespReply* reply, int64_t hold_us = 0);
  // Cluster mode: one command sent to the owner of `key`'s slot, redirections followed.
  ExecStatus ExecuteRouted(const std::vector<std::string_view>& args, std::string_view key,
                           RespReply* reply);
  // Before a command of the operation begun at `op_start_us`: connects `link` if it is closed,
  // else runs the credential refresh on it. False when the operation failed (recorded).
  bool PrepareLink(DowntimeLink& link, int64_t op_start_us);
  // A reply came: the client's outage, and the operation's shard's, end when the connection
  // that brought it was ready.
  void EndOutage();
  // Connects and authenticates `link` (re-reading --password-file first). Counts nothing: the
  // callers decide (Reconnect for operations, the cluster router for its own connections).
  ClientStatus OpenLink(DowntimeLink& link, int64_t connect_deadline_us);
  // OpenLink for an operation: records a connection error on failure, a reconnect on success.
  bool Reconnect(DowntimeLink& link, int64_t op_start_us);
  // Credential refresh (see above): when due, looks at --password-file and re-AUTHs the open
  // connection if the secret changed. Requires: link connected.
  void MaybeReauthenticate(DowntimeLink& link, int64_t now_us);
  // Reads --password-file if its identity (inode, size, mtime) changed since the last read;
  // keeps the last good content otherwise or when it cannot be read.
  void RefreshFilePassword();
  FileIdentity StatPasswordFile() const;
  // A failed operation: closes `link` (if any), counts it, backs off, and extends the outage.
  void RecordOpFailure(DowntimeLink* link, FailureKind kind, int64_t op_start_us,
                       std::string message);
  // A command that got no reply (`what` names it in the message).
  void RecordCallFailure(DowntimeLink& link, const ClientStatus& status, std::string_view what,
                         int64_t op_start_us);
  // Cluster mode: takes in a changed slot map (new shards, new primaries).
  void ObserveSlotMap();
  void BackOff();
  // Sleeps until the next operation is due under --rate.
  void Pace();
  void MaybePrintProgress(Phase phase);
  // Whether the run must end now for a reason other than the phase's own condition.
  bool MustStop(int64_t now_us, DowntimeOutcome* outcome) const;
  const std::string& Key(uint64_t i);

  const DowntimeOptions& options_;
  DowntimeStats& stats_;
  // The connection to the server; unused in cluster mode, where router_ holds one per node.
  DowntimeLink link_;
  std::unique_ptr<ClusterRouter> router_;
  std::mt19937_64 rng_;

  int64_t start_us_ = 0;
  int64_t cap_us_ = 0;  // --max-seconds, as a monotonic deadline
  int consecutive_failures_ = 0;
  std::string last_failure_;
  // Start of the current outage not yet added to downtime; -1 when the client is healthy.
  int64_t outage_since_us_ = -1;
  // When the connection used by the current operation became ready.
  int64_t ready_at_us_ = 0;
  // Cluster mode: the shard of the current operation's key, which its counts also go to (-1:
  // none, or not a cluster), and per shard the start of its outage not yet counted (-1: none).
  int op_shard_ = -1;
  ClusterShards shards_;
  std::vector<int64_t> shard_outage_since_us_;
  uint64_t observed_map_version_ = 0;
  int64_t next_op_us_ = 0;
  int64_t next_progress_us_ = 0;
  std::string key_;
  std::string value_;

  // Credential refresh (each link keeps the password it authenticated with). The file's content
  // as last read and the stat() identity it was read under.
  std::string file_password_;
  FileIdentity file_identity_;
  // After a refused re-AUTH, the same password is not offered again before this time.
  std::string refused_password_;
  int64_t next_reauth_attempt_us_ = 0;
};

}  // namespace redoubt::tools
