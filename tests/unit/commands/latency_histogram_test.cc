// LatencyHistogram and LatencyDistribution: the expected numbers are what Redis 7.0.15's
// HdrHistogram (deps/hdr_histogram, configured as Redis does: 1 ns to 1 s, 2 significant
// digits) reports for the same samples, so INFO latencystats and LATENCY HISTOGRAM print what
// Redis prints for the same durations.
#include "commands/latency_histogram.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace redoubt::commands {
namespace {

std::string Micros(int64_t nanos) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(nanos) / 1000.0);
  return buf;
}

std::vector<std::pair<int64_t, uint64_t>> Buckets(const LatencyDistribution& d) {
  std::vector<std::pair<int64_t, uint64_t>> out;
  for (const LatencyDistribution::Bucket& b : d.CumulativeBuckets()) {
    out.emplace_back(b.micros, b.cumulative);
  }
  return out;
}

LatencyDistribution Merge(const LatencyHistogram& h) {
  LatencyDistribution d;
  d.Add(h);
  return d;
}

// 1000 commands of 10 µs, 10 of 500 µs, 5 of 2 µs.
void RecordWorkload(LatencyHistogram& h) {
  for (auto [micros, times] : {std::pair{10, 1000}, {500, 10}, {2, 5}}) {
    for (int i = 0; i < times; ++i) {
      h.RecordMicros(micros);
    }
  }
}

TEST(LatencyHistogramTest, PercentilesAreHdrHistogramsHighestEquivalentValues) {
  LatencyHistogram h;
  RecordWorkload(h);

  LatencyDistribution d = Merge(h);

  EXPECT_EQ(d.total(), 1015u);
  EXPECT_EQ(Micros(d.ValueAtPercentile(0)), "2.000");  // percentile 0: the lowest equivalent
  EXPECT_EQ(Micros(d.ValueAtPercentile(0.1)), "2.007");
  EXPECT_EQ(Micros(d.ValueAtPercentile(50)), "10.047");
  EXPECT_EQ(Micros(d.ValueAtPercentile(99)), "10.047");
  EXPECT_EQ(Micros(d.ValueAtPercentile(99.9)), "501.759");
  EXPECT_EQ(Micros(d.ValueAtPercentile(100)), "501.759");
}

TEST(LatencyHistogramTest, BucketsArePowersOfTwoWithCumulativeCounts) {
  LatencyHistogram h;
  RecordWorkload(h);

  std::vector<std::pair<int64_t, uint64_t>> buckets = Buckets(Merge(h));

  // Empty buckets (4, 8, 33, … µs) are left out, as Redis leaves them out.
  EXPECT_EQ(buckets, (std::vector<std::pair<int64_t, uint64_t>>{{2, 5}, {16, 1005}, {528, 1015}}));
}

TEST(LatencyHistogramTest, ZeroIsOneNanosecondAndOverASecondIsOneSecond) {
  LatencyHistogram h;
  for (int64_t micros : {1, 2, 3, 1'000'000, 0}) {
    h.RecordMicros(micros);
  }
  LatencyHistogram over;
  over.RecordMicros(5'000'000);

  LatencyDistribution d = Merge(h);

  EXPECT_EQ(Micros(d.ValueAtPercentile(10)), "0.001");
  EXPECT_EQ(Micros(d.ValueAtPercentile(50)), "2.007");
  EXPECT_EQ(Micros(d.ValueAtPercentile(75)), "3.007");
  EXPECT_EQ(Micros(d.ValueAtPercentile(90)), "1002438.655");
  EXPECT_EQ(Buckets(d),
            (std::vector<std::pair<int64_t, uint64_t>>{{1, 2}, {2, 3}, {4, 4}, {1073741, 5}}));
  EXPECT_EQ(Micros(Merge(over).ValueAtPercentile(100)), "1002438.655");
  EXPECT_EQ(Buckets(Merge(over)), (std::vector<std::pair<int64_t, uint64_t>>{{1073741, 1}}));
}

TEST(LatencyHistogramTest, EveryValueFallsBetweenItsIndexBounds) {
  for (int64_t v = 1; v <= LatencyHistogram::kMaxNanos; v = v * 3 / 2 + 1) {
    int index = LatencyHistogram::IndexOf(v);

    ASSERT_LT(index, LatencyHistogram::kCountsLen) << v;
    EXPECT_LE(LatencyHistogram::LowestAt(index), v);
    EXPECT_GE(LatencyHistogram::HighestAt(index), v);
    // Two significant digits: the bucket is at most 1/128 of the value wide.
    EXPECT_LE((LatencyHistogram::HighestAt(index) - LatencyHistogram::LowestAt(index)) * 128, v);
  }
}

TEST(LatencyHistogramTest, DistributionSumsThreadsHistograms) {
  LatencyHistogram a;
  LatencyHistogram b;
  a.RecordMicros(1);
  b.RecordMicros(1);
  b.RecordMicros(100);

  LatencyDistribution d;
  d.Add(a);
  d.Add(b);

  EXPECT_EQ(d.total(), 3u);
  EXPECT_EQ(Buckets(d), (std::vector<std::pair<int64_t, uint64_t>>{{1, 2}, {132, 3}}));
}

TEST(LatencyHistogramTest, ResetForgetsEverySample) {
  LatencyHistogram h;
  h.RecordMicros(7);

  h.Reset();

  LatencyDistribution d = Merge(h);
  EXPECT_EQ(d.total(), 0u);
  EXPECT_TRUE(d.CumulativeBuckets().empty());
  h.RecordMicros(7);
  EXPECT_EQ(Merge(h).total(), 1u);
}

TEST(LatencyHistogramTest, EmptyHistogramHasNothingToShow) {
  LatencyHistogram h;

  LatencyDistribution d = Merge(h);

  EXPECT_EQ(d.total(), 0u);
  EXPECT_EQ(d.ValueAtPercentile(50), 0);
  EXPECT_TRUE(d.CumulativeBuckets().empty());
}

TEST(LatencyHistogramTest, PercentilesPrintAsRedisTrimsThem) {
  EXPECT_EQ(FormatPercentile(50), "50");
  EXPECT_EQ(FormatPercentile(99.9), "99.9");
  EXPECT_EQ(FormatPercentile(0), "0");
  EXPECT_EQ(FormatPercentile(100), "100");
  EXPECT_EQ(FormatPercentile(12.3456789), "12.345679");
}

}  // namespace
}  // namespace redoubt::commands
