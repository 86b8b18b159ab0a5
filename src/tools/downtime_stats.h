// The counters redoubt-downtime accumulates: totals, one row per second of each phase, and the
// first failures with their messages. Kept apart from the loop that produces them and from the
// report that prints them.
//
// Every operation lands in exactly one of ok, failed, connection_errors, timeout_errors and
// data_errors; reconnects, in-band re-authentications and downtime are counted beside them (a
// refused or failed re-AUTH is also one failed operation). In cluster mode, redirections
// followed (MOVED, ASK) are counted beside them too, and every count also goes to the shard of
// the operation's key (cluster_shards.h) when it is known. Times are monotonic
// microseconds; each phase is anchored to the wall clock once, when it begins, so that rows and
// failures carry Unix times a script can compare with the times at which it changed the server.
//
// Thread: confined to the tool's single thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redoubt::tools {

enum class Phase : uint8_t { kPrefill, kRun };
enum class FailureKind : uint8_t { kConnection, kTimeout, kError, kData };

// "prefill" / "run", and "connection" / "timeout" / "error" / "data", as the report spells them.
const char* PhaseName(Phase phase);
const char* FailureKindName(FailureKind kind);

struct Counters {
  uint64_t ok = 0;
  uint64_t failed = 0;  // connection closed or reset, error reply, unparseable reply
  uint64_t connection_errors = 0;
  uint64_t timeout_errors = 0;
  uint64_t data_errors = 0;
  uint64_t reconnects = 0;  // connections made after the first
  // AUTH sent again on an open connection because --password-file changed: accepted, and
  // refused or failed (those are also counted as a failed operation above).
  uint64_t reauths = 0;
  uint64_t reauth_failures = 0;
  // Cluster mode: -MOVED and -ASK redirections followed, whatever became of the operation.
  uint64_t moved = 0;
  uint64_t asks = 0;
  int64_t downtime_us = 0;

  uint64_t operations() const {
    return ok + failed + connection_errors + timeout_errors + data_errors;
  }
  void Add(const Counters& other);
};

struct SecondRow {
  Phase phase;
  int64_t start_mono_us;
  double t;               // Unix time at the row's start
  double duration_s = 0;  // 1 except for the last row of a phase; set by BeginPhase/Finish
  Counters counters;
};

struct FailureRecord {
  double t;  // Unix time at which the failure was known
  Phase phase;
  FailureKind kind;
  std::string message;
  int shard = -1;  // cluster mode: the shard of the operation's key, when known
};

class DowntimeStats {
 public:
  static constexpr size_t kMaxFailures = 1000;

  // Starts `phase` at monotonic `mono_us`, which is Unix time `wall_us`; its rows are the
  // seconds that follow. Ends the previous phase there.
  void BeginPhase(Phase phase, int64_t mono_us, int64_t wall_us);
  // Ends the last phase; rows past `mono_us` get no more counts.
  void Finish(int64_t mono_us);

  // `shard`: in cluster mode, the shard of the operation's key (an index into
  // ClusterShards::shards()) to count it for too; -1 for none.
  void RecordOk(int64_t mono_us, int shard = -1);
  // Failures of every kind, data errors included, with the message kept for the report.
  void RecordFailure(FailureKind kind, int64_t mono_us, std::string message, int shard = -1);
  void RecordReconnect(int64_t mono_us, int shard = -1);
  // A redirection followed: -MOVED (`ask` false) or -ASK.
  void RecordRedirect(int64_t mono_us, int shard, bool ask);
  // An in-band re-AUTH; a failed one must also be recorded with RecordFailure.
  void RecordReauth(int64_t mono_us, bool accepted);
  // Adds [from_us, to_us) to downtime, split over the seconds it covers.
  void AddDowntime(int64_t from_us, int64_t to_us);
  // Adds [from_us, to_us) to one shard's downtime (its totals only: it has no rows).
  void AddShardDowntime(int shard, int64_t from_us, int64_t to_us);

  // Unix seconds of a monotonic time, through the current phase's anchor.
  double UnixSeconds(int64_t mono_us) const;

  const Counters& totals() const { return totals_; }
  Counters PhaseTotals(Phase phase) const;
  // Seconds the phase lasted (0 if it never began).
  double PhaseSeconds(Phase phase) const;
  const std::vector<SecondRow>& rows() const { return rows_; }
  const std::vector<FailureRecord>& failures() const { return failures_; }
  // Per shard, by index; shorter than the shard list when the last shards counted nothing.
  const std::vector<Counters>& shard_totals() const { return shard_totals_; }
  uint64_t failures_dropped() const { return failures_dropped_; }

 private:
  struct PhaseSpan {
    Phase phase;
    int64_t start_mono_us;
    int64_t start_wall_us;
    int64_t end_mono_us = -1;  // -1 while running
  };

  // The row holding `mono_us` in the current phase, creating the rows up to it.
  SecondRow& RowAt(int64_t mono_us);
  // Where a count for `shard` goes too; nullptr for -1.
  Counters* ShardCounters(int shard);

  Counters totals_;
  std::vector<PhaseSpan> phases_;
  std::vector<SecondRow> rows_;
  size_t first_row_of_phase_ = 0;  // index in rows_ of the current phase's first second
  std::vector<FailureRecord> failures_;
  uint64_t failures_dropped_ = 0;
  std::vector<Counters> shard_totals_;
};

}  // namespace redoubt::tools
