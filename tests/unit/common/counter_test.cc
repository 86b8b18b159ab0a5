// Tests of common::Counter and CounterGroup: a counter joins its group when declared, keeps
// its INFO name, and ResetStatistics clears statistics but leaves gauges.
#include "common/counter.h"

#include <gtest/gtest.h>

namespace redoubt::common {
namespace {

struct ExampleStats {
  CounterGroup counters;
  Counter accepted{counters, "total_connections_received"};
  Counter connected{counters, "connected_clients", Counter::Kind::kGauge};
};

TEST(CounterTest, CountersJoinTheirGroupWithTheirInfoNames) {
  ExampleStats stats;

  ASSERT_EQ(stats.counters.counters().size(), 2u);
  EXPECT_EQ(stats.counters.counters()[0]->info_name(), "total_connections_received");
  EXPECT_EQ(stats.counters.counters()[1]->info_name(), "connected_clients");
}

TEST(CounterTest, ResetStatisticsClearsStatisticsAndKeepsGauges) {
  ExampleStats stats;
  stats.accepted.fetch_add(5);
  stats.connected.fetch_add(3);
  stats.connected.fetch_sub(1);

  stats.counters.ResetStatistics();

  EXPECT_EQ(stats.accepted.Get(), 0);
  EXPECT_EQ(stats.connected.Get(), 2);
}

}  // namespace
}  // namespace redoubt::common
