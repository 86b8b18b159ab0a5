// Tests of the sorted set's skip list with hash chains (storage/sorted_table.h) against a model
// (std::set ordered by score, then member): every change keeps order, ranks, spans and the hash
// index right; score and lex ranges find their ends; ZSCAN's cursor returns every element
// present throughout; copies are deep; memory accounting returns to its start.
#include "storage/sorted_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace redoubt::storage {
namespace {

using Model = std::set<std::pair<double, std::string>>;

std::vector<std::pair<double, std::string>> InOrder(const SortedTable& t) {
  std::vector<std::pair<double, std::string>> out;
  for (auto it = t.First(); it.valid(); it.Next()) {
    out.emplace_back(it.score(), std::string(it.member()));
  }
  return out;
}

void ExpectMatches(const SortedTable& t, const Model& model) {
  ASSERT_EQ(t.size(), model.size());
  std::vector<std::pair<double, std::string>> expected(model.begin(), model.end());
  ASSERT_EQ(InOrder(t), expected);
  // Backwards too (the backward links), and rank/select both ways for every element.
  size_t rank = expected.size();
  for (auto it = t.Last(); it.valid(); it.Prev()) {
    --rank;
    ASSERT_EQ(it.member(), expected[rank].second);
  }
  ASSERT_EQ(rank, 0u);
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& [score, member] = expected[i];
    ASSERT_EQ(t.Rank(member), i) << member;
    ASSERT_EQ(t.Score(member), score);
    auto at = t.AtRank(i);
    ASSERT_TRUE(at.valid());
    ASSERT_EQ(at.member(), member);
    ASSERT_EQ(t.RankOf(at), i);
  }
  EXPECT_FALSE(t.AtRank(expected.size()).valid());
}

TEST(SortedTableTest, OrdersByScoreThenMemberBytes) {
  SortedTable t;
  EXPECT_TRUE(t.Set("b", 1));
  EXPECT_TRUE(t.Set("a", 1));
  EXPECT_TRUE(t.Set(std::string_view("\xff", 1), 1));  // above every ASCII byte, as memcmp
  EXPECT_TRUE(t.Set("", 1));
  EXPECT_TRUE(t.Set("z", -INFINITY));
  EXPECT_TRUE(t.Set("y", INFINITY));
  EXPECT_FALSE(t.Set("a", 1));
  Model model{{1, "a"}, {1, "b"}, {1, "\xff"}, {1, ""}, {-INFINITY, "z"}, {INFINITY, "y"}};
  ExpectMatches(t, model);
  EXPECT_FALSE(t.Score("nope").has_value());
  EXPECT_FALSE(t.Rank("nope").has_value());
}

TEST(SortedTableTest, RandomChangesKeepOrderRanksAndIndex) {
  std::mt19937_64 rng(7);
  SortedTable t;
  Model model;
  std::map<std::string, double> scores;
  const size_t before = t.AllocatedBytes();
  for (int step = 0; step < 20000; ++step) {
    std::string member = "m" + std::to_string(rng() % 700);
    if (rng() % 3 != 0) {
      double score = static_cast<double>(static_cast<int>(rng() % 50) - 25) / 2;
      auto old = scores.find(member);
      bool fresh = old == scores.end();
      if (!fresh) {
        model.erase({old->second, member});
      }
      EXPECT_EQ(t.Set(member, score), fresh);
      scores[member] = score;
      model.insert({score, member});
    } else {
      auto old = scores.find(member);
      EXPECT_EQ(t.Erase(member), old != scores.end());
      if (old != scores.end()) {
        model.erase({old->second, member});
        scores.erase(old);
      }
    }
    if (step % 2000 == 0) {
      ExpectMatches(t, model);
    }
  }
  ExpectMatches(t, model);
  for (const auto& [member, score] : scores) {
    t.Erase(member);
  }
  EXPECT_TRUE(t.empty());
  EXPECT_FALSE(t.First().valid());
  EXPECT_FALSE(t.Last().valid());
  EXPECT_EQ(t.AllocatedBytes(), before);
}

TEST(SortedTableTest, ScoreRangesFindTheirEnds) {
  SortedTable t;
  for (int i = 0; i < 100; ++i) {
    t.Set("m" + std::to_string(i), i / 10);  // ten members per score 0..9
  }
  auto first = t.FirstFrom(ScoreBound{3, false});
  ASSERT_TRUE(first.valid());
  EXPECT_EQ(first.score(), 3);
  EXPECT_EQ(t.RankOf(first), 30u);
  first = t.FirstFrom(ScoreBound{3, true});
  EXPECT_EQ(t.RankOf(first), 40u);
  auto last = t.LastUpTo(ScoreBound{3, false});
  EXPECT_EQ(t.RankOf(last), 39u);
  last = t.LastUpTo(ScoreBound{3, true});
  EXPECT_EQ(t.RankOf(last), 29u);
  EXPECT_FALSE(t.FirstFrom(ScoreBound{9, true}).valid());
  EXPECT_FALSE(t.LastUpTo(ScoreBound{0, true}).valid());
  EXPECT_EQ(t.RankOf(t.FirstFrom(ScoreBound{-INFINITY, false})), 0u);
  EXPECT_EQ(t.RankOf(t.LastUpTo(ScoreBound{INFINITY, false})), 99u);
}

TEST(SortedTableTest, LexRangesFindTheirEnds) {
  SortedTable t;
  for (std::string m : {"a", "b", "bb", "c", "d"}) {
    t.Set(m, 0);
  }
  auto rank_of_first = [&](LexBound b) { return t.RankOf(t.FirstFrom(b)); };
  auto rank_of_last = [&](LexBound b) { return t.RankOf(t.LastUpTo(b)); };
  EXPECT_EQ(rank_of_first({LexBound::kMinusInfinity, {}}), 0u);
  EXPECT_EQ(rank_of_first({LexBound::kInclusive, "b"}), 1u);
  EXPECT_EQ(rank_of_first({LexBound::kExclusive, "b"}), 2u);
  EXPECT_EQ(rank_of_first({LexBound::kInclusive, "ba"}), 2u);
  EXPECT_FALSE(t.FirstFrom(LexBound{LexBound::kPlusInfinity, {}}).valid());
  EXPECT_EQ(rank_of_last({LexBound::kPlusInfinity, {}}), 4u);
  EXPECT_EQ(rank_of_last({LexBound::kInclusive, "bb"}), 2u);
  EXPECT_EQ(rank_of_last({LexBound::kExclusive, "bb"}), 1u);
  EXPECT_FALSE(t.LastUpTo(LexBound{LexBound::kMinusInfinity, {}}).valid());
  EXPECT_FALSE(t.LastUpTo(LexBound{LexBound::kExclusive, "a"}).valid());
}

TEST(SortedTableTest, ScoreUpdatesMoveInPlaceOrRelink) {
  SortedTable t;
  for (int i = 0; i < 50; ++i) {
    t.Set("m" + std::to_string(i), i);
  }
  t.Set("m10", 10.5);  // between its neighbours: stays
  t.Set("m0", 100);    // to the end
  t.Set("m49", -1);    // to the front
  Model model;
  for (int i = 0; i < 50; ++i) {
    model.insert({i, "m" + std::to_string(i)});
  }
  model.erase({10, "m10"});
  model.insert({10.5, "m10"});
  model.erase({0, "m0"});
  model.insert({100, "m0"});
  model.erase({49, "m49"});
  model.insert({-1, "m49"});
  ExpectMatches(t, model);
}

TEST(SortedTableTest, ScanReturnsEveryElementPresentAcrossResizes) {
  SortedTable t;
  for (int i = 0; i < 1000; ++i) {
    t.Set("keep" + std::to_string(i), i);
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = t.Scan(cursor, [&](std::string_view m, double) { seen.insert(std::string(m)); });
    // Grow and later shrink the table between calls.
    if (calls == 5) {
      for (int i = 0; i < 5000; ++i) {
        t.Set("extra" + std::to_string(i), -i);
      }
    }
    if (calls == 40) {
      for (int i = 0; i < 5000; ++i) {
        t.Erase("extra" + std::to_string(i));
      }
    }
    ++calls;
  } while (cursor != 0 && calls < 100000);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.count("keep" + std::to_string(i))) << i;
  }
}

TEST(SortedTableTest, CopiesAreDeep) {
  SortedTable a;
  for (int i = 0; i < 300; ++i) {
    a.Set("m" + std::to_string(i), i % 7);
  }
  SortedTable b(a);
  a.Erase("m1");
  b.Set("m2", 99);
  EXPECT_EQ(a.size(), 299u);
  EXPECT_EQ(b.size(), 300u);
  EXPECT_EQ(b.Score("m1"), 1);
  EXPECT_EQ(a.Score("m2"), 2);
  EXPECT_EQ(b.Rank("m2"), 299u);
}

}  // namespace
}  // namespace redoubt::storage
