// Per-command counters of one executing thread: calls, time, rejected and failed calls and a
// latency histogram per command (INFO commandstats and latencystats, LATENCY HISTOGRAM), the
// number of commands processed, and the change counter behind rdb_changes_since_last_save.
//
// Thread: each I/O thread owns one CommandStats and is its single writer (its Dispatcher
// writes it); INFO and LATENCY on any thread read every thread's and sum them. Counters are
// relaxed atomics written with load+store: no locked instruction on the request path.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "commands/latency_histogram.h"

namespace redoubt::commands {

// A counter with a single writer (its thread) and any number of readers.
struct SingleWriterCounter {
  std::atomic<uint64_t> v{0};
  void Add(uint64_t d) {
    v.store(v.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  uint64_t Get() const { return v.load(std::memory_order_relaxed); }
  void Reset() { v.store(0, std::memory_order_relaxed); }
};

// One command's (or subcommand's) counters on one thread.
struct CommandCounters {
  SingleWriterCounter calls;
  SingleWriterCounter usec;
  SingleWriterCounter rejected_calls;  // refused before running (arity, NOAUTH, ACL, OOM)
  SingleWriterCounter failed_calls;    // ran and replied with an error
  LatencyHistogram latency;            // latency-tracking: INFO latencystats, LATENCY HISTOGRAM
};

// A thread's counters, indexed by CommandSpec::stats_index.
struct CommandStats {
  explicit CommandStats(int slots) : commands(new CommandCounters[slots]), slots(slots) {}
  std::unique_ptr<CommandCounters[]> commands;
  int slots;
  SingleWriterCounter commands_processed;
  // Changes to the data (CommandContext::dirty of each command); INFO's sum is
  // rdb_changes_since_last_save. Not a statistic: CONFIG RESETSTAT leaves it, as Redis leaves
  // server.dirty, and only a save will reset it.
  SingleWriterCounter dirty;

  // CONFIG RESETSTAT. Requires: on the owning thread (the single writer).
  void Reset() {
    for (int i = 0; i < slots; ++i) {
      commands[i].calls.Reset();
      commands[i].usec.Reset();
      commands[i].rejected_calls.Reset();
      commands[i].failed_calls.Reset();
      commands[i].latency.Reset();
    }
    commands_processed.Reset();
  }
};

}  // namespace redoubt::commands
