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
// Thread: confined to the tool's single thread.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

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

  void Prefill(DowntimeOutcome* outcome);
  // Deletes keys N..M-1 so that leftovers of an earlier run with the same prefix (or a SET whose
  // reply was lost at the end of phase 1) cannot read as data errors in phase 2.
  void DeleteBeyondPrefill(uint64_t first, uint64_t end);
  void Measure(DowntimeOutcome* outcome);

  // One command, connecting first if needed; failures are recorded here, the reply's meaning
  // is the caller's to judge.
  ExecStatus Execute(const std::vector<std::string_view>& args, RespReply* reply);
  // Connects and authenticates (re-reading --password-file first); records a connection error
  // on failure.
  bool Reconnect(int64_t op_start_us);
  // Credential refresh (see above): when due, looks at --password-file and re-AUTHs the open
  // connection if the secret changed. Requires: connected.
  void MaybeReauthenticate(int64_t now_us);
  // Reads --password-file if its identity (inode, size, mtime) changed since the last read;
  // keeps the last good content otherwise or when it cannot be read.
  void RefreshFilePassword();
  FileIdentity StatPasswordFile() const;
  // A failed operation: closes the connection, counts it, backs off, and extends the outage.
  void RecordOpFailure(FailureKind kind, int64_t op_start_us, std::string message);
  void BackOff();
  // Sleeps until the next operation is due under --rate.
  void Pace();
  void MaybePrintProgress(Phase phase);
  // Whether the run must end now for a reason other than the phase's own condition.
  bool MustStop(int64_t now_us, DowntimeOutcome* outcome) const;
  const std::string& Key(uint64_t i);

  const DowntimeOptions& options_;
  DowntimeStats& stats_;
  RespClient client_;
  std::mt19937_64 rng_;

  int64_t start_us_ = 0;
  int64_t cap_us_ = 0;  // --max-seconds, as a monotonic deadline
  bool ever_connected_ = false;
  int consecutive_failures_ = 0;
  std::string last_failure_;
  // Start of the current outage not yet added to downtime; -1 when the client is healthy.
  int64_t outage_since_us_ = -1;
  // When the connection used by the current operation became ready.
  int64_t ready_at_us_ = 0;
  int64_t next_op_us_ = 0;
  int64_t next_progress_us_ = 0;
  std::string key_;
  std::string value_;

  // Credential refresh. The password the open connection authenticated with; the file's
  // content as last read and the stat() identity it was read under.
  std::string connection_password_;
  std::string file_password_;
  FileIdentity file_identity_;
  int64_t next_file_check_us_ = 0;
  // After a refused re-AUTH, the same password is not offered again before this time.
  std::string refused_password_;
  int64_t next_reauth_attempt_us_ = 0;
};

}  // namespace redoubt::tools
