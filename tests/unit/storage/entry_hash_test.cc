// Tests of hash and set entries: a small one keeps its packed fields in the entry's own block;
// a large one owns a FieldTable that copies (COPY), moves (RENAME) and frees with the entry, and
// whose bytes count in the entry's allocation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/entry.h"
#include "storage/field_table.h"
#include "storage/packed_list.h"

namespace redoubt::storage {
namespace {

TEST(EntryHashTest, SmallHashIsPackedInTheEntry) {
  std::string packed = PackedList::Empty();
  std::vector<std::string_view> pair = {"field", "value"};
  PackedList::Append(packed, pair);
  Entry* e = Entry::CreatePacked("h", ValueType::kHash, packed, false);
  EXPECT_EQ(e->type(), ValueType::kHash);
  EXPECT_EQ(e->encoding(), Encoding::kListpack);
  EXPECT_FALSE(e->owns_object());
  EXPECT_EQ(e->value(), packed);
  EXPECT_EQ(PackedList(e->value()).FindRecord("field", 2), 0u);

  Entry* copy = Entry::CloneWith(*e, "h2", true, packed.size());
  EXPECT_EQ(copy->type(), ValueType::kHash);
  EXPECT_EQ(copy->encoding(), Encoding::kListpack);
  EXPECT_EQ(copy->value(), packed);
  Entry::Destroy(copy);
  Entry::Destroy(e);
}

TEST(EntryHashTest, LargeHashOwnsItsTableThroughCopiesAndMoves) {
  auto* table = new FieldTable();
  for (int i = 0; i < 200; ++i) {
    table->Set("f" + std::to_string(i), "v" + std::to_string(i));
  }
  Entry* e = Entry::CreateTable("h", ValueType::kHash, table, false);
  EXPECT_TRUE(e->owns_object());
  EXPECT_EQ(e->encoding(), Encoding::kHashtable);
  EXPECT_GE(e->AllocatedBytes(), table->AllocatedBytes());

  // A copy is deep: changing it leaves the original alone.
  Entry* copy = Entry::CloneWith(*e, "copy", false, 0);
  copy->mutable_table().Set("f0", "changed");
  EXPECT_EQ(e->table().Find("f0"), "v0");
  EXPECT_EQ(copy->table().Find("f0"), "changed");

  // A move hands the table over; the source no longer frees it.
  Entry* moved = Entry::Relocate(e, "moved", true, 0);
  EXPECT_EQ(&moved->table(), table);
  EXPECT_FALSE(e->owns_object());
  Entry::Destroy(e);
  EXPECT_EQ(moved->table().size(), 200u);
  Entry::Destroy(moved);
  Entry::Destroy(copy);
}

TEST(EntryHashTest, SetsUseTheSameEncodings) {
  Entry* small = Entry::CreatePacked("s", ValueType::kSet, PackedList::Empty(), false);
  EXPECT_EQ(small->type(), ValueType::kSet);
  Entry* large = Entry::CreateTable("s", ValueType::kSet, new FieldTable(), false);
  EXPECT_EQ(large->type(), ValueType::kSet);
  EXPECT_TRUE(large->table().empty());
  Entry::Destroy(small);
  Entry::Destroy(large);
}

}  // namespace
}  // namespace redoubt::storage
