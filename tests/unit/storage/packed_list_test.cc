// Tests of the packed string sequence (the small encoding of hashes, sets and sorted sets):
// append, iterate, find records by their first string, replace and erase, across the lengths
// where a varint prefix grows (127/128 bytes, 16383/16384) and with binary bytes.
#include "storage/packed_list.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/varint.h"

namespace redoubt::storage {
namespace {

std::vector<std::string> Strings(const std::string& buffer) {
  std::vector<std::string> out;
  for (std::string_view s : PackedList(buffer)) {
    out.emplace_back(s);
  }
  return out;
}

TEST(PackedListTest, EmptyListHasNoStrings) {
  std::string b = PackedList::Empty();
  PackedList list(b);
  EXPECT_EQ(list.size(), 0u);
  EXPECT_TRUE(list.empty());
  EXPECT_FALSE(list.FindRecord("x", 2).has_value());
  EXPECT_TRUE(Strings(b).empty());
}

TEST(PackedListTest, AppendedStringsReadBackInOrder) {
  std::string b = PackedList::Empty();
  std::vector<std::string_view> pair1 = {"field", "value"};
  PackedList::Append(b, pair1);
  std::vector<std::string_view> pair2 = {std::string_view("\0bin\r\n", 6), ""};
  PackedList::Append(b, pair2);
  EXPECT_EQ(PackedList(b).size(), 4u);
  std::vector<std::string> expected = {"field", "value", std::string("\0bin\r\n", 6), ""};
  EXPECT_EQ(Strings(b), expected);
  EXPECT_EQ(PackedList(b).At(2), std::string_view("\0bin\r\n", 6));
  // 1 count byte, then a length byte per string.
  EXPECT_EQ(b.size(), 1u + 6 + 6 + 7 + 1);
}

TEST(PackedListTest, RecordsAreFoundByTheirFirstStringOnly) {
  std::string b = PackedList::Empty();
  std::vector<std::string_view> s = {"a", "b", "b", "c"};
  PackedList::Append(b, s);
  PackedList list(b);
  EXPECT_EQ(list.FindRecord("a", 2), 0u);
  EXPECT_EQ(list.FindRecord("b", 2), 1u);  // the value "b" of record 0 is not a key
  EXPECT_FALSE(list.FindRecord("c", 2).has_value());
  EXPECT_EQ(list.FindRecord("c", 1), 3u);
  EXPECT_EQ(list.FindPairValue("a"), "b");
  EXPECT_EQ(list.FindPairValue("b"), "c");  // the key "b", not the value "b"
  EXPECT_FALSE(list.FindPairValue("c").has_value());
}

TEST(PackedListTest, LengthsAcrossVarintBoundariesRoundTrip) {
  std::string b = PackedList::Empty();
  std::vector<std::string> values = {std::string(127, 'a'), std::string(128, 'b'),
                                     std::string(16383, 'c'), std::string(16384, 'd'), ""};
  for (const std::string& v : values) {
    std::vector<std::string_view> one = {v};
    PackedList::Append(b, one);
  }
  EXPECT_EQ(Strings(b), values);
  EXPECT_EQ(VarintSize(127), 1u);
  EXPECT_EQ(VarintSize(128), 2u);
  EXPECT_EQ(VarintSize(16384), 3u);
}

TEST(PackedListTest, ReplaceChangesOneStringAndKeepsTheRest) {
  std::string b = PackedList::Empty();
  std::vector<std::string_view> s = {"f1", "v1", "f2", "v2"};
  PackedList::Append(b, s);
  PackedList::Replace(b, 1, std::string(200, 'x'));  // grows past a 1-byte length
  PackedList::Replace(b, 3, "");
  std::vector<std::string> expected = {"f1", std::string(200, 'x'), "f2", ""};
  EXPECT_EQ(Strings(b), expected);
  PackedList::Replace(b, 1, "short");
  expected[1] = "short";
  EXPECT_EQ(Strings(b), expected);
}

TEST(PackedListTest, EraseRemovesARecordAndTheCountFollows) {
  std::string b = PackedList::Empty();
  std::vector<std::string> all;
  // 70 records: 140 strings, so the count needs two varint bytes and drops back to one.
  for (int i = 0; i < 70; ++i) {
    all.push_back("f" + std::to_string(i));
    all.push_back("v" + std::to_string(i));
  }
  for (const std::string& s : all) {
    std::vector<std::string_view> one = {s};
    PackedList::Append(b, one);
  }
  EXPECT_EQ(PackedList(b).size(), 140u);
  size_t record = *PackedList(b).FindRecord("f10", 2);
  PackedList::Erase(b, record * 2, 2);
  all.erase(all.begin() + 20, all.begin() + 22);
  EXPECT_EQ(Strings(b), all);
  for (int i = 0; i < 10; ++i) {
    PackedList::Erase(b, 0, 2);
    all.erase(all.begin(), all.begin() + 2);
  }
  EXPECT_EQ(PackedList(b).size(), 118u);
  EXPECT_EQ(Strings(b), all);
  PackedList::Erase(b, 0, PackedList(b).size());
  EXPECT_EQ(b, PackedList::Empty());
}

}  // namespace
}  // namespace redoubt::storage
