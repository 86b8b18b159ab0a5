// Tests of StreamValue (src/storage/stream_value.h): entries across nodes that close where
// Redis closes them, ranges both ways, tombstones and the nodes they empty, trimming by length
// and by id (exact and whole nodes only), copies, consumer groups (deliveries, acknowledgements,
// the read counter and lag); and that the listpack size model the nodes
// split by agrees with the listpack bytes persistence/listpack.cc lays out.
#include "storage/stream_value.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "persistence/listpack.h"
#include "storage/listpack_size.h"

namespace redoubt::storage {
namespace {

constexpr StreamNodeLimits kThreePerNode{.max_bytes = 4096, .max_entries = 3};

std::vector<std::string> Ids(const StreamValue& s, StreamId start = StreamId::Min(),
                             StreamId end = StreamId::Max(), bool reverse = false) {
  std::vector<std::string> ids;
  s.Range(start, end, reverse, [&](const StreamEntry& e) {
    ids.push_back(e.id.ToString());
    return true;
  });
  return ids;
}

StreamValue Numbered(int n, const StreamNodeLimits& limits = kThreePerNode) {
  StreamValue s;
  for (int i = 1; i <= n; ++i) {
    const std::string v = std::to_string(i);
    std::vector<std::string_view> fv = {"f", v};
    s.Append({1, static_cast<uint64_t>(i)}, fv, limits);
  }
  return s;
}

TEST(StreamValueTest, EntriesSpreadOverNodesAndReadBothWays) {
  StreamValue s = Numbered(7);
  EXPECT_EQ(s.length(), 7u);
  EXPECT_EQ(s.node_count(), 3u);
  EXPECT_EQ(Ids(s), (std::vector<std::string>{"1-1", "1-2", "1-3", "1-4", "1-5", "1-6", "1-7"}));
  EXPECT_EQ(Ids(s, {1, 3}, {1, 5}, true), (std::vector<std::string>{"1-5", "1-4", "1-3"}));
  EXPECT_EQ(Ids(s, {1, 6}, StreamId::Max()), (std::vector<std::string>{"1-6", "1-7"}));
  EXPECT_EQ(Ids(s, {0, 0}, {1, 0}, true), std::vector<std::string>{});
}

TEST(StreamValueTest, FieldsOtherThanTheNodesFirstAreKeptWithTheEntry) {
  StreamValue s;
  std::vector<std::string_view> a = {"f", "1", "g", "2"};
  std::vector<std::string_view> b = {"g", "3", "f", "4"};
  s.Append({1, 1}, a, kThreePerNode);
  s.Append({1, 2}, b, kThreePerNode);
  std::vector<std::string> seen;
  s.Range(StreamId::Min(), StreamId::Max(), false, [&](const StreamEntry& e) {
    e.ForEachPair([&](std::string_view f, std::string_view v) {
      seen.push_back(std::string(f) + "=" + std::string(v));
    });
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"f=1", "g=2", "g=3", "f=4"}));
}

TEST(StreamValueTest, DeletingLeavesTombstonesUntilANodeIsEmpty) {
  StreamValue s = Numbered(6);
  EXPECT_TRUE(s.Delete({1, 2}));
  EXPECT_FALSE(s.Delete({1, 2}));
  EXPECT_FALSE(s.Delete({9, 9}));
  EXPECT_EQ(s.node_count(), 2u);
  EXPECT_TRUE(s.Delete({1, 1}));
  EXPECT_TRUE(s.Delete({1, 3}));
  EXPECT_EQ(s.node_count(), 1u);  // the first node had only deleted entries left
  EXPECT_EQ(s.length(), 3u);
  EXPECT_EQ(s.EdgeId(true, true).ToString(), "1-4");
  EXPECT_EQ(Ids(s), (std::vector<std::string>{"1-4", "1-5", "1-6"}));
}

TEST(StreamValueTest, TrimsByLengthAndById) {
  StreamValue exact = Numbered(10);
  EXPECT_EQ(exact.Trim({.strategy = StreamTrim::Strategy::kMaxLen, .max_len = 5}), 5);
  EXPECT_EQ(Ids(exact).front(), "1-6");
  EXPECT_EQ(exact.first_id().ToString(), "1-6");

  // "~": whole nodes only: 1-1..1-3 go, 1-4..1-6 stay (removing them would leave fewer than 5).
  StreamValue approx = Numbered(10);
  EXPECT_EQ(approx.Trim({.strategy = StreamTrim::Strategy::kMaxLen, .approx = true, .max_len = 5}),
            3);
  EXPECT_EQ(approx.length(), 7u);

  StreamValue by_id = Numbered(10);
  EXPECT_EQ(by_id.Trim({.strategy = StreamTrim::Strategy::kMinId, .min_id = {1, 8}}), 7);
  EXPECT_EQ(Ids(by_id), (std::vector<std::string>{"1-8", "1-9", "1-10"}));

  StreamValue limited = Numbered(10);
  EXPECT_EQ(
      limited.Trim(
          {.strategy = StreamTrim::Strategy::kMaxLen, .approx = true, .limit = 4, .max_len = 0}),
      3);  // a second node would pass the limit
}

TEST(StreamValueTest, CopiesAreIndependent) {
  StreamValue s = Numbered(4);
  StreamValue copy(s);
  EXPECT_TRUE(s.Delete({1, 1}));
  EXPECT_EQ(copy.length(), 4u);
  EXPECT_EQ(Ids(copy).front(), "1-1");
  EXPECT_EQ(copy.AllocatedBytes(), Numbered(4).AllocatedBytes());
}

TEST(StreamValueTest, NodesCloseAtTheListpackByteLimit) {
  const StreamNodeLimits limits{.max_bytes = 60, .max_entries = 0};
  StreamValue s;
  for (uint64_t i = 1; i <= 6; ++i) {
    std::vector<std::string_view> fv = {"field", "0123456789"};
    s.Append({1, i}, fv, limits);
  }
  // As redis-server 7.0.15 with stream-node-max-bytes 60 (XINFO STREAM: 3 radix-tree-keys): a
  // node with one entry is a 42-byte listpack, and 42 + 15 bytes of field and value stay
  // below 60, so a second entry joins it (62 bytes); a third starts a new node.
  EXPECT_EQ(s.node_count(), 3u);
}

TEST(StreamGroupTest, DeliveriesMoveBetweenConsumersAndCopiesKeepThem) {
  StreamValue s = Numbered(3);
  StreamGroup* g = s.CreateGroup("g", StreamId::Min(), 0);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(s.CreateGroup("g", StreamId::Min(), 0), nullptr);
  StreamConsumer* alice = g->CreateConsumer("alice", 10);
  StreamConsumer* bob = g->CreateConsumer("bob", 10);
  g->Deliver({1, 1}, alice, 100);
  g->Deliver({1, 2}, alice, 100);
  // Delivered again to another consumer (after XGROUP SETID): it moves, its count restarts.
  g->pel.find({1, 1})->second.delivery_count = 5;
  g->Deliver({1, 1}, bob, 200);
  EXPECT_EQ(alice->pending.size(), 1u);
  EXPECT_EQ(bob->pending.size(), 1u);
  EXPECT_EQ(g->pel.find({1, 1})->second.delivery_count, 1u);

  StreamValue copy(s);
  StreamGroup* cg = copy.FindGroup("g");
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->pel.find({1, 1})->second.consumer, cg->FindConsumer("bob"));
  EXPECT_NE(cg->FindConsumer("bob"), bob);

  EXPECT_TRUE(g->Acknowledge({1, 1}));
  EXPECT_FALSE(g->Acknowledge({1, 1}));
  EXPECT_TRUE(bob->pending.empty());
  EXPECT_EQ(g->DeleteConsumer(alice), 1u);
  EXPECT_TRUE(g->pel.empty());
  EXPECT_EQ(cg->pel.size(), 2u);  // the copy is untouched
}

TEST(StreamGroupTest, ReadCounterAndLagFollowTheStream) {
  StreamValue s = Numbered(3);
  StreamGroup* g = s.CreateGroup("g", StreamId::Min(), 0);
  EXPECT_EQ(s.Lag(*g), 3);
  s.AdvanceGroup(*g, {1, 1});
  EXPECT_EQ(g->entries_read, 1);
  EXPECT_EQ(s.Lag(*g), 2);
  // A tombstone ahead of the group makes the counter unknowable.
  ASSERT_TRUE(s.Delete({1, 3}));
  s.set_max_deleted_id({1, 3});
  EXPECT_EQ(s.Lag(*g), std::nullopt);
  EXPECT_EQ(s.EstimateEntriesRead({1, 3}), 3);  // the last id: everything was read
}

TEST(ListpackSizeTest, AgreesWithTheListpackBuilder) {
  const std::vector<std::string> elements = {"",
                                             "a",
                                             "0",
                                             "127",
                                             "128",
                                             "-1",
                                             "4095",
                                             "-4096",
                                             "4096",
                                             "32767",
                                             "-32768",
                                             "32768",
                                             "8388607",
                                             "8388608",
                                             "2147483647",
                                             "2147483648",
                                             "9223372036854775807",
                                             "01",
                                             "+1",
                                             std::string(63, 'x'),
                                             std::string(64, 'x'),
                                             std::string(4095, 'y'),
                                             std::string(4096, 'y'),
                                             std::string(16380, 'z')};
  for (const std::string& e : elements) {
    persistence::ListpackBuilder lp;
    const size_t before = lp.bytes();
    lp.Append(e);
    EXPECT_EQ(lp.bytes() - before, ListpackElementBytes(e)) << e.substr(0, 20);
  }
  for (int64_t v : {int64_t{0}, int64_t{-5000}, int64_t{1} << 40, INT64_MIN}) {
    persistence::ListpackBuilder lp;
    lp.AppendInteger(v);
    EXPECT_EQ(lp.bytes(), kListpackFrameBytes + ListpackIntegerBytes(v)) << v;
  }
}

}  // namespace
}  // namespace redoubt::storage
