// MEMORY DOCTOR's report (Redis 7.0's texts and thresholds) from given figures, and the
// allocator queries' answers when jemalloc is not linked (the unit tests run on libc malloc,
// as sanitizer builds do).
#include "server/memory_stats.h"

#include <gtest/gtest.h>

#include <string>

namespace redoubt::server {
namespace {

constexpr uint64_t kMb = 1024 * 1024;

// 100 MB in use, allocator and RSS close to it: nothing to report.
MemoryOverhead Healthy() {
  MemoryOverhead mh;
  mh.total_allocated = 100 * kMb;
  mh.peak_allocated = 110 * kMb;
  mh.clients_normal = 1 * kMb;
  mh.total_frag = 1.1f;
  mh.total_frag_bytes = 10 * kMb;
  mh.allocator_frag = 1.05f;
  mh.allocator_rss = 1.02f;
  mh.rss_extra = 1.01f;
  return mh;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(MemoryStatsTest, DoctorSaysAnInstanceUnderFiveMegabytesIsEmpty) {
  MemoryOverhead mh = Healthy();
  mh.total_allocated = 5 * kMb - 1;

  std::string report = MemoryDoctorReport(mh, 1);

  EXPECT_EQ(report.rfind("Hi Sam, this instance is empty or is using very little memory", 0), 0u);
}

TEST(MemoryStatsTest, DoctorFindsNothingInAHealthyInstance) {
  std::string report = MemoryDoctorReport(Healthy(), 10);

  EXPECT_EQ(report,
            "Hi Sam, I can't find any memory issue in your instance. I can only account for "
            "what occurs on this base.\n");
}

TEST(MemoryStatsTest, DoctorReportsAPeakAndBigClientBuffers) {
  MemoryOverhead mh = Healthy();
  mh.peak_allocated = 151 * kMb;
  mh.clients_normal = 10 * 201 * 1024;

  std::string report = MemoryDoctorReport(mh, 10);

  EXPECT_EQ(
      report.rfind("Sam, I detected a few issues in this Redis instance memory implants:\n\n", 0),
      0u);
  EXPECT_TRUE(Contains(report, " * Peak memory: In the past this instance used more than 150%"));
  EXPECT_TRUE(Contains(report, " * Big client buffers: The clients output buffers"));
  EXPECT_FALSE(Contains(report, "High total RSS"));
  EXPECT_TRUE(Contains(report, "I'm here to keep you safe, Sam. I want to help you.\n"));
}

TEST(MemoryStatsTest, DoctorNeedsBothRatioAndTenMegabytesForFragmentation) {
  MemoryOverhead small = Healthy();
  small.total_frag = 3.0f;
  small.total_frag_bytes = 9 * kMb;
  MemoryOverhead large = small;
  large.total_frag_bytes = 11 * kMb;
  large.allocator_rss = 1.2f;
  large.allocator_rss_bytes = 11 * kMb;

  std::string quiet = MemoryDoctorReport(small, 1);
  std::string loud = MemoryDoctorReport(large, 1);

  EXPECT_FALSE(Contains(quiet, "High total RSS"));
  EXPECT_TRUE(Contains(loud, "High total RSS"));
  EXPECT_TRUE(Contains(loud, "The currently used allocator is \"libc\"."));
  EXPECT_TRUE(Contains(loud, " * High allocator RSS overhead:"));
}

TEST(MemoryStatsTest, WithoutJemallocTheAllocatorHasNothingToSay) {
  std::string text;

  AllocatorStats stats = ReadAllocatorStats();

  EXPECT_EQ(stats.allocated + stats.active + stats.resident, 0u);
  EXPECT_EQ(AllocatorName(), "libc");
  EXPECT_FALSE(AllocatorStatsText(&text));
  EXPECT_TRUE(PurgeAllocator());
}

}  // namespace
}  // namespace redoubt::server
