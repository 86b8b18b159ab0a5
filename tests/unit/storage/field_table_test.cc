// Tests of the chained field table (the large encoding of hashes and sets): set, insert, find,
// erase, in-place value updates, growth and shrinking, deep copies, random picks, and HSCAN's
// guarantee that a scan across resizes returns every element present throughout.
#include "storage/field_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

namespace redoubt::storage {
namespace {

std::map<std::string, std::string> Contents(const FieldTable& t) {
  std::map<std::string, std::string> out;
  t.ForEach([&](std::string_view f, std::string_view v) { out[std::string(f)] = std::string(v); });
  return out;
}

TEST(FieldTableTest, SetFindAndErase) {
  FieldTable t;
  EXPECT_FALSE(t.Find("a").has_value());
  EXPECT_TRUE(t.Set("a", "1"));
  EXPECT_FALSE(t.Set("a", "22"));  // an update, not a new field
  EXPECT_TRUE(t.Set(std::string_view("\0b", 2), ""));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.Find("a"), "22");
  EXPECT_EQ(t.Find(std::string_view("\0b", 2)), "");
  EXPECT_FALSE(t.Insert("a", "x"));
  EXPECT_EQ(t.Find("a"), "22");
  EXPECT_TRUE(t.Erase("a"));
  EXPECT_FALSE(t.Erase("a"));
  EXPECT_EQ(t.size(), 1u);
}

TEST(FieldTableTest, EmptyFieldsAndValuesAreElementsLikeAnyOther) {
  // A default std::string_view has a null data(): a set member "" arrives as one.
  FieldTable t;
  EXPECT_TRUE(t.Insert(std::string_view(), std::string_view()));
  EXPECT_EQ(t.Find(""), "");
  EXPECT_TRUE(t.Set("f", "value"));
  EXPECT_FALSE(t.Set("f", std::string_view()));
  EXPECT_EQ(t.Find("f"), "");
  EXPECT_TRUE(t.Erase(""));
}

TEST(FieldTableTest, ValuesGrowAndShrinkAndAccountingFollows) {
  FieldTable t;
  size_t empty = t.AllocatedBytes();
  t.Set("f", "v");
  size_t small = t.AllocatedBytes();
  EXPECT_GT(small, empty);
  t.Set("f", std::string(1000, 'x'));
  EXPECT_EQ(t.Find("f"), std::string(1000, 'x'));
  EXPECT_GT(t.AllocatedBytes(), small + 900);
  t.Set("f", "y");
  EXPECT_EQ(t.Find("f"), "y");
  t.Erase("f");
  EXPECT_EQ(t.AllocatedBytes(), empty);  // nodes and buckets all returned
}

TEST(FieldTableTest, ManyFieldsSurviveGrowthAndShrinking) {
  FieldTable t;
  std::map<std::string, std::string> expected;
  for (int i = 0; i < 5000; ++i) {
    std::string f = "field:" + std::to_string(i);
    t.Set(f, "value:" + std::to_string(i));
    expected[f] = "value:" + std::to_string(i);
  }
  EXPECT_EQ(t.size(), 5000u);
  EXPECT_EQ(Contents(t), expected);
  for (int i = 0; i < 4990; ++i) {
    std::string f = "field:" + std::to_string(i);
    ASSERT_TRUE(t.Erase(f));
    expected.erase(f);
  }
  EXPECT_EQ(Contents(t), expected);
  for (const auto& [f, v] : expected) {
    EXPECT_EQ(t.Find(f), v);
  }
}

TEST(FieldTableTest, CopiesAreIndependent) {
  FieldTable t;
  t.Set("a", "1");
  t.Set("b", "2");
  FieldTable copy(t);
  copy.Set("a", "changed");
  copy.Erase("b");
  EXPECT_EQ(t.Find("a"), "1");
  EXPECT_EQ(t.Find("b"), "2");
  EXPECT_EQ(copy.Find("a"), "changed");
  EXPECT_EQ(copy.size(), 1u);
}

TEST(FieldTableTest, RandomPicksComeFromTheTableAndReachEveryField) {
  FieldTable t;
  for (int i = 0; i < 20; ++i) {
    t.Set("f" + std::to_string(i), "v" + std::to_string(i));
  }
  std::mt19937_64 rng(7);
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto [f, v] = t.Random(rng);
    ASSERT_EQ(t.Find(f), v);
    seen.insert(std::string(f));
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(FieldTableTest, RandomPicksAreFairAcrossChainsOfDifferentLengths) {
  // 50 fields in 64 buckets: some chains hold one node, some several. Each field should come up
  // about 2000 times in 100,000 picks (a standard deviation of 44); picking a bucket and then a
  // node of its chain would give a field sharing a chain of three a third of a lone one's share.
  FieldTable t;
  for (int i = 0; i < 50; ++i) {
    t.Set("field:" + std::to_string(i), "");
  }
  std::mt19937_64 rng(11);
  std::map<std::string, int> hits;
  for (int i = 0; i < 100000; ++i) {
    ++hits[std::string(t.Random(rng).first)];
  }
  ASSERT_EQ(hits.size(), 50u);
  for (const auto& [field, n] : hits) {
    EXPECT_GT(n, 1700) << field;
    EXPECT_LT(n, 2300) << field;
  }
}

TEST(FieldTableTest, ScanAcrossResizesReturnsEveryElementPresentThroughout) {
  FieldTable t;
  for (int i = 0; i < 1000; ++i) {
    t.Set("keep:" + std::to_string(i), "");
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor =
        t.Scan(cursor, [&](std::string_view f, std::string_view) { seen.insert(std::string(f)); });
    // Between calls the table grows (more fields) and later shrinks (they go again).
    ++step;
    if (step == 50) {
      for (int i = 0; i < 3000; ++i) {
        t.Set("extra:" + std::to_string(i), "");
      }
    } else if (step == 400) {
      for (int i = 0; i < 3000; ++i) {
        t.Erase("extra:" + std::to_string(i));
      }
    }
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.count("keep:" + std::to_string(i))) << i;
  }
}

}  // namespace
}  // namespace redoubt::storage
