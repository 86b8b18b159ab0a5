// Per-command latency histograms (latency-tracking): INFO latencystats percentiles and LATENCY
// HISTOGRAM, with the numbers Redis 7.0 reports.
//
// Redis records each command's duration in an HdrHistogram (1 ns to 1 s, 2 significant
// digits) and reads percentiles and power-of-two buckets from it. Debian packages no
// HdrHistogram C library (only Go and Java ports), so this is a small histogram with the same
// layout: 23 buckets of 128 sub-buckets, each value within 1% of its bucket's bounds. Same
// layout, same recorded values (microseconds × 1000, as Redis records them), same percentile
// and bucket rules: the same numbers as Redis for the same durations.
//
// Thread: a LatencyHistogram has one writer, the I/O thread whose statistics hold it, and any
// number of readers (INFO, LATENCY HISTOGRAM on other threads), which merge every thread's
// histogram into a LatencyDistribution. Counts are relaxed atomics written with load+store
// (no locked instruction on the hot path); a block of counters is allocated on its first
// sample and published with release, so a reader sees it zeroed or counting.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace redoubt::commands {

// One command's latencies on one I/O thread: counts per value range, in HdrHistogram's layout.
// Owned by the thread's CommandCounters. Thread: written by that I/O thread only; read by any
// (AddTo).
class LatencyHistogram {
 public:
  // Redis's range: 1 ns to 1 s; longer durations count as 1 s.
  static constexpr int64_t kMaxNanos = 1'000'000'000;
  // 2 significant digits: 256 sub-buckets per power of two (the upper half of each is new).
  static constexpr int kSubBucketHalfCountMagnitude = 7;
  static constexpr int kSubBucketHalfCount = 1 << kSubBucketHalfCountMagnitude;  // 128
  // Buckets until 256 << b exceeds kMaxNanos, plus the first, lower half: 24 blocks of 128.
  static constexpr int kBlocks = 24;
  static constexpr int kCountsLen = kBlocks * kSubBucketHalfCount;  // 3072

  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;
  ~LatencyHistogram();

  // Records one command that took `micros`, as Redis does: micros × 1000 ns.
  // Hot path: see RecordNanos. Requires: the owning thread.
  void RecordMicros(int64_t micros) {
    RecordNanos(micros >= kMaxNanos / 1000 ? kMaxNanos : micros * 1000);
  }

  // Records one value, clamped to [1, kMaxNanos]. Hot path: the index takes one
  // count-leading-zeros, then one increment; the first sample in a block of 128 counters
  // allocates it. Requires: the owning thread.
  void RecordNanos(int64_t nanos) {
    int index = IndexOf(std::clamp<int64_t>(nanos, 1, kMaxNanos));
    Block* block = blocks_[index >> kSubBucketHalfCountMagnitude].load(std::memory_order_relaxed);
    if (block == nullptr) [[unlikely]] {
      block = AllocateBlock(index >> kSubBucketHalfCountMagnitude);
    }
    std::atomic<uint64_t>& count = block->counts[index & (kSubBucketHalfCount - 1)];
    count.store(count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  // CONFIG RESETSTAT: zeroes the counts (blocks stay allocated, readers may hold them).
  // Requires: the owning thread.
  void Reset();

  // Adds the counts to `counts` (sized to kCountsLen when it is empty and there is something to
  // add) and returns how many samples it added. Any thread.
  uint64_t AddTo(std::vector<uint64_t>* counts) const;

  // The counts array index of a value in nanoseconds (1 ≤ nanos ≤ kMaxNanos), and the lowest
  // and highest values that share it.
  static int IndexOf(int64_t nanos) {
    // Bucket: the power of two above the sub-bucket range; the sub-bucket: the value's top bits.
    int bucket = 64 - __builtin_clzll(static_cast<uint64_t>(nanos) | 255) -
                 (kSubBucketHalfCountMagnitude + 1);
    int sub_bucket = static_cast<int>(nanos >> bucket);
    return ((bucket + 1) << kSubBucketHalfCountMagnitude) + sub_bucket - kSubBucketHalfCount;
  }
  static int64_t LowestAt(int index);
  static int64_t HighestAt(int index);

 private:
  struct Block {
    std::atomic<uint64_t> counts[kSubBucketHalfCount] = {};
  };

  Block* AllocateBlock(int block);

  std::atomic<Block*> blocks_[kBlocks] = {};
};

// One command's histograms merged over the I/O threads, for reading. Thread: confined to the
// caller that built it.
class LatencyDistribution {
 public:
  void Add(const LatencyHistogram& h);
  // Samples recorded (LATENCY HISTOGRAM's "calls"); 0: the command has no histogram to show.
  uint64_t total() const { return total_; }

  // Redis's hdr_value_at_percentile: the highest value equivalent to the one at or below which
  // `percentile` of the samples lie (the lowest for percentile 0), in nanoseconds.
  int64_t ValueAtPercentile(double percentile) const;

  // LATENCY HISTOGRAM's buckets: for 1024 ns, 2048 ns, … (doubling) until every sample is
  // counted, the bucket's upper bound in microseconds and the samples up to it; a bucket that
  // adds no sample is left out.
  struct Bucket {
    int64_t micros;
    uint64_t cumulative;
  };
  std::vector<Bucket> CumulativeBuckets() const;

 private:
  std::vector<uint64_t> counts_;  // empty until a histogram with samples is added
  uint64_t total_ = 0;
};

// A percentile as Redis prints it in INFO and CONFIG GET: "%f" without trailing zeros or dot
// (50 → "50", 99.9 → "99.9").
std::string FormatPercentile(double percentile);

}  // namespace redoubt::commands
