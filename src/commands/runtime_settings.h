// Settings that commands read on every call (maxmemory and its policy, proto-max-bulk-len,
// latency-tracking, the encodings' limits), published by the server from its configuration.
//
// Thread: written by CONFIG SET from any thread; relaxed atomics because each value is
// independent and a command may see the old or the new one.
#pragma once

#include <atomic>
#include <cstdint>

#include "storage/keyspace.h"

namespace redoubt::commands {

// RuntimeSettings::replica_gate's bits, kept by the replication component.
enum ReplicationGate : uint32_t {
  kGateReadOnly = 1u << 0,    // a replica with replica-read-only yes: writes get -READONLY
  kGateStale = 1u << 1,       // its link is down and replica-serve-stale-data is no
  kGateLoading = 1u << 2,     // it loads its primary's snapshot: -LOADING
  kGateNoReplicas = 1u << 3,  // fewer good replicas than min-replicas-to-write: -NOREPLICAS
};

// A script past busy-reply-threshold: EVAL's (SCRIPT KILL stops it) or a function's (FUNCTION
// KILL does).
enum class BusyScript : uint8_t { kNone, kEval, kFunction };

struct RuntimeSettings {
  std::atomic<int64_t> proto_max_bulk_len{512 * 1024 * 1024};
  std::atomic<storage::EvictionPolicy> maxmemory_policy{storage::EvictionPolicy::kNoEviction};
  std::atomic<uint64_t> maxmemory{0};
  std::atomic<int> maxmemory_samples{5};
  // latency-tracking: whether each command's duration goes into its latency histogram.
  std::atomic<bool> latency_tracking{true};
  // When a small hash converts to a table (hash-max-listpack-entries / -value).
  std::atomic<int64_t> hash_max_listpack_entries{512};
  std::atomic<int64_t> hash_max_listpack_value{64};
  // When a set of integers converts to a table (set-max-intset-entries).
  std::atomic<int64_t> set_max_intset_entries{512};
  // When a small sorted set converts to a skip list (zset-max-listpack-entries / -value).
  std::atomic<int64_t> zset_max_listpack_entries{128};
  // When a stream's node closes (stream-node-max-entries / -bytes).
  std::atomic<int64_t> stream_node_max_entries{100};
  std::atomic<int64_t> stream_node_max_bytes{4096};
  std::atomic<int64_t> zset_max_listpack_value{64};
  // When a sparse HyperLogLog turns dense (hll-sparse-max-bytes).
  std::atomic<int64_t> hll_sparse_max_bytes{3000};
  // DEBUG SET-ACTIVE-EXPIRE: whether the cron deletes expired keys nobody reads.
  std::atomic<bool> active_expire{true};
  // notify-keyspace-events as NotifyClass bits (commands/keyspace_notifications.h); 0: off.
  std::atomic<uint32_t> notify_keyspace_events{0};
  // Redis's MISCONF refusal: set while the last background save failed, save points are
  // configured and stop-writes-on-bgsave-error is yes (the server keeps it up to date).
  std::atomic<bool> refuse_writes_after_failed_save{false};
  // The same for the AOF: the errno of its last failed write or sync while the AOF is on and
  // has not written successfully since (0: none), as Redis's aof_last_write_status.
  std::atomic<int> aof_write_errno{0};
  // What replication refuses, as ReplicationGate bits (0: nothing): one load per command.
  std::atomic<uint32_t> replica_gate{0};
  // When kGateLoading was last set (monotonic ms): a short load holds commands instead.
  std::atomic<int64_t> loading_started_ms{0};
  // rdbcompression, for DUMP (snapshots read it from the configuration when they start).
  std::atomic<bool> rdbcompression{true};
  // busy-reply-threshold in ms (0: never busy), and which kind of script, if any, has now run
  // longer than it: then every command but the few marked allow-busy is answered -BUSY (one
  // relaxed load), naming the command that can stop it.
  std::atomic<int64_t> busy_reply_threshold_ms{5000};
  std::atomic<BusyScript> busy_script{BusyScript::kNone};
};

}  // namespace redoubt::commands
