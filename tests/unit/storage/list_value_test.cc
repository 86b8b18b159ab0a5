// Tests of the list data structure (src/storage/list_value.cc) and of lists held by an Entry.
#include "storage/list_value.h"

#include <gtest/gtest.h>

#include <string>

#include "storage/entry.h"

namespace redoubt::storage {
namespace {

TEST(ListValueTest, PushesAtBothEndsKeepOrder) {
  ListValue list;

  list.PushBack("b");
  list.PushBack("c");
  list.PushFront("a");

  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0], "a");
  EXPECT_EQ(list[1], "b");
  EXPECT_EQ(list[2], "c");
}

TEST(ListValueTest, TakeRemovesFromTheNamedEnd) {
  ListValue list;
  list.PushBack("a");
  list.PushBack("b");
  list.PushBack("c");

  std::string first = list.TakeFront();
  std::string last = list.TakeBack();

  EXPECT_EQ(first, "a");
  EXPECT_EQ(last, "c");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list.front(), "b");
}

TEST(ListValueTest, AtCountsNegativeIndexesFromTheEnd) {
  ListValue list;
  list.PushBack("a");
  list.PushBack("b");

  EXPECT_EQ(list.At(0), "a");
  EXPECT_EQ(list.At(-1), "b");
  EXPECT_EQ(list.At(-2), "a");
  EXPECT_EQ(list.At(2), std::nullopt);
  EXPECT_EQ(list.At(-3), std::nullopt);
}

TEST(ListValueTest, SetReplacesInRangeAndRefusesOutOfRange) {
  ListValue list;
  list.PushBack("a");
  list.PushBack("b");

  EXPECT_TRUE(list.Set(-1, "z"));
  EXPECT_FALSE(list.Set(2, "x"));

  EXPECT_EQ(list[1], "z");
  EXPECT_EQ(list.size(), 2u);
}

TEST(ListValueTest, AllocatedBytesFollowsLongElementsAndReturnsToEmpty) {
  ListValue list;
  size_t empty = list.AllocatedBytes();

  list.PushBack(std::string(1000, 'x'));
  size_t one_long = list.AllocatedBytes();
  list.Set(0, "short");
  size_t one_short = list.AllocatedBytes();
  list.PopBack();

  EXPECT_GE(one_long, empty + 1000);
  EXPECT_LT(one_short, one_long);
  EXPECT_EQ(list.AllocatedBytes(), empty);
}

TEST(ListValueTest, CopyIsIndependentAndRecountsBytes) {
  ListValue list;
  std::string grown(1000, 'x');
  grown.reserve(5000);
  list.PushBack(grown);

  ListValue copy(list);
  copy.Set(0, "changed");

  EXPECT_EQ(list[0], std::string(1000, 'x'));
  EXPECT_EQ(copy[0], "changed");
  EXPECT_EQ(ListValue(list).AllocatedBytes(), list.AllocatedBytes());
}

TEST(ListValueTest, EntryCloneDeepCopiesTheList) {
  Entry* original = Entry::CreateList("k", false);
  original->mutable_list().PushBack("a");

  Entry* clone = Entry::CloneWith(*original, "k2", true, 0);
  clone->mutable_list().PushBack("b");

  EXPECT_EQ(clone->type(), ValueType::kList);
  EXPECT_EQ(clone->encoding(), Encoding::kQuicklist);
  EXPECT_EQ(original->list().size(), 1u);
  EXPECT_EQ(clone->list().size(), 2u);
  Entry::Destroy(original);
  EXPECT_EQ(clone->list()[0], "a");
  Entry::Destroy(clone);
}

TEST(ListValueTest, EntryRelocateHandsTheListOver) {
  Entry* original = Entry::CreateList("k", false);
  original->mutable_list().PushBack("a");
  const ListValue* list = &original->list();

  Entry* moved = Entry::Relocate(original, "k2", true, 0);

  EXPECT_EQ(&moved->list(), list);
  EXPECT_EQ(moved->type(), ValueType::kList);
  EXPECT_EQ(original->type(), ValueType::kString);
  Entry::Destroy(original);
  EXPECT_EQ(moved->list()[0], "a");
  Entry::Destroy(moved);
}

TEST(ListValueTest, EntryAllocatedBytesIncludesTheList) {
  Entry* e = Entry::CreateList("k", false);
  size_t before = e->AllocatedBytes();

  e->mutable_list().PushBack(std::string(4096, 'x'));

  EXPECT_GE(e->AllocatedBytes(), before + 4096);
  Entry::Destroy(e);
}

}  // namespace
}  // namespace redoubt::storage
