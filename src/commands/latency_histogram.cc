// Latency histograms; see latency_histogram.h. The layout and the percentile and bucket rules are
// HdrHistogram's (lowest value 1, 2 significant digits), as Redis 7.0 configures it.
#include "commands/latency_histogram.h"

#include <algorithm>
#include <cstdio>

namespace redoubt::commands {
namespace {

// The bucket (power of two) an index belongs to; the first two blocks share bucket 0.
int BucketOf(int index) {
  return std::max(0, (index >> LatencyHistogram::kSubBucketHalfCountMagnitude) - 1);
}

}  // namespace

LatencyHistogram::~LatencyHistogram() {
  for (std::atomic<Block*>& b : blocks_) {
    delete b.load(std::memory_order_relaxed);
  }
}

LatencyHistogram::Block* LatencyHistogram::AllocateBlock(int block) {
  Block* b = new Block();
  // Release: a reader that sees the pointer sees the zeroed counters.
  blocks_[block].store(b, std::memory_order_release);
  return b;
}

void LatencyHistogram::Reset() {
  for (std::atomic<Block*>& b : blocks_) {
    Block* block = b.load(std::memory_order_relaxed);
    if (block != nullptr) {
      for (std::atomic<uint64_t>& c : block->counts) {
        c.store(0, std::memory_order_relaxed);
      }
    }
  }
}

uint64_t LatencyHistogram::AddTo(std::vector<uint64_t>* counts) const {
  uint64_t added = 0;
  for (int b = 0; b < kBlocks; ++b) {
    const Block* block = blocks_[b].load(std::memory_order_acquire);
    if (block == nullptr) {
      continue;
    }
    // Most commands never ran on most threads: INFO allocates nothing for them.
    counts->resize(kCountsLen);
    for (int i = 0; i < kSubBucketHalfCount; ++i) {
      uint64_t c = block->counts[i].load(std::memory_order_relaxed);
      (*counts)[b * kSubBucketHalfCount + i] += c;
      added += c;
    }
  }
  return added;
}

int64_t LatencyHistogram::LowestAt(int index) {
  int bucket = (index >> kSubBucketHalfCountMagnitude) - 1;
  int64_t sub_bucket = (index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {
    sub_bucket -= kSubBucketHalfCount;
    bucket = 0;
  }
  return sub_bucket << bucket;
}

int64_t LatencyHistogram::HighestAt(int index) {
  return LowestAt(index) + (int64_t{1} << BucketOf(index)) - 1;
}

void LatencyDistribution::Add(const LatencyHistogram& h) {
  total_ += h.AddTo(&counts_);
}

int64_t LatencyDistribution::ValueAtPercentile(double percentile) const {
  if (total_ == 0) {
    return 0;
  }
  double requested = std::min(percentile, 100.0);
  // The same arithmetic as HdrHistogram, so that rounding picks the same sample.
  auto wanted = static_cast<int64_t>((requested / 100) * static_cast<double>(total_) + 0.5);
  uint64_t target = static_cast<uint64_t>(std::max<int64_t>(wanted, 1));
  uint64_t seen = 0;
  int index = 0;
  for (; index < LatencyHistogram::kCountsLen; ++index) {
    seen += counts_[index];
    if (seen >= target) {
      break;
    }
  }
  if (index == LatencyHistogram::kCountsLen) {
    return 0;
  }
  return percentile == 0.0 ? LatencyHistogram::LowestAt(index) : LatencyHistogram::HighestAt(index);
}

std::vector<LatencyDistribution::Bucket> LatencyDistribution::CumulativeBuckets() const {
  std::vector<Bucket> buckets;
  if (total_ == 0) {
    return buckets;
  }
  uint64_t cumulative = 0;
  uint64_t previous = 0;
  int next = 0;  // first index not yet added
  for (int64_t level = 1024;; level *= 2) {
    // The sub-bucket where the level starts, counted in full; past the range, the last one.
    int index = std::min(LatencyHistogram::IndexOf(level), LatencyHistogram::kCountsLen - 1);
    for (; next <= index; ++next) {
      cumulative += counts_[next];
    }
    if (cumulative > previous) {
      buckets.push_back({LatencyHistogram::HighestAt(index) / 1000, cumulative});
    }
    previous = cumulative;
    if (cumulative >= total_ || index == LatencyHistogram::kCountsLen - 1) {
      return buckets;
    }
  }
}

std::string FormatPercentile(double percentile) {
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "%f", percentile);
  std::string s(buf, static_cast<size_t>(std::max(n, 0)));
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') {
      s.pop_back();
    }
  }
  return s;
}

}  // namespace redoubt::commands
