// Tests of large string values (kLargeValueBytes or more) kept in their own SharedBytes block:
// reads, shared references for replies, copy-on-write, moves without copies, adoption.
#include <gtest/gtest.h>

#include <string>

#include "common/shared_bytes.h"
#include "storage/entry.h"

namespace redoubt::storage {
namespace {

std::string Big(char c, size_t n = kLargeValueBytes + 100) {
  return std::string(n, c);
}

TEST(EntryLargeValueTest, LargeValueLivesInItsOwnBlockAndReadsBack) {
  std::string v = Big('a');

  Entry* e = Entry::Create("k", v, false);

  EXPECT_TRUE(e->has_large_value());
  EXPECT_EQ(e->value(), v);
  EXPECT_EQ(e->key(), "k");
  EXPECT_GE(e->AllocatedBytes(), v.size());
  Entry::Destroy(e);
}

TEST(EntryLargeValueTest, SmallValueStaysInline) {
  Entry* e = Entry::Create("k", std::string(kLargeValueBytes - 1, 'x'), false);

  EXPECT_FALSE(e->has_large_value());
  EXPECT_FALSE(e->ShareLargeValue());
  Entry::Destroy(e);
}

TEST(EntryLargeValueTest, WritingWhileAReplyHoldsTheValueCopiesFirst) {
  Entry* e = Entry::Create("k", Big('a'), false);
  common::SharedBytesRef reply = e->ShareLargeValue();

  e->mutable_value()[0] = 'b';

  EXPECT_EQ(reply->view(), Big('a'));  // the reply still sees what it was given
  EXPECT_EQ(e->value()[0], 'b');
  EXPECT_TRUE(reply->unique());  // the entry moved to its own copy
  Entry::Destroy(e);
}

TEST(EntryLargeValueTest, WritingAnUnsharedValueIsInPlace) {
  Entry* e = Entry::Create("k", Big('a'), false);
  const char* before = e->value().data();

  e->mutable_value()[1] = 'z';

  EXPECT_EQ(e->value().data(), before);
  Entry::Destroy(e);
}

TEST(EntryLargeValueTest, DestroyLeavesAReplysReferenceValid) {
  Entry* e = Entry::Create("k", Big('q'), false);
  common::SharedBytesRef reply = e->ShareLargeValue();

  Entry::Destroy(e);

  EXPECT_EQ(reply->view(), Big('q'));
  EXPECT_TRUE(reply->unique());
}

TEST(EntryLargeValueTest, RelocateMovesTheBlockWithoutCopying) {
  Entry* e = Entry::Create("old", Big('m'), false);
  const char* bytes = e->value().data();

  Entry* moved = Entry::Relocate(e, "new", true, e->value().size());
  Entry::Destroy(e);

  EXPECT_EQ(moved->key(), "new");
  EXPECT_EQ(moved->value().data(), bytes);
  EXPECT_TRUE(moved->has_expire_slot());
  Entry::Destroy(moved);
}

TEST(EntryLargeValueTest, CloneIsIndependent) {
  Entry* e = Entry::Create("k", Big('c'), false);

  Entry* copy = Entry::CloneWith(*e, "k2", false, e->value().size());
  copy->mutable_value()[0] = 'd';

  EXPECT_EQ(e->value(), Big('c'));
  EXPECT_NE(copy->value().data(), e->value().data());
  Entry::Destroy(copy);
  Entry::Destroy(e);
}

TEST(EntryLargeValueTest, AdoptedBlockBecomesTheValueWithoutACopy) {
  std::string v = Big('r');
  common::SharedBytesRef block(common::SharedBytes::Copy(v, v.size() + 2));
  const char* bytes = block->data();

  Entry* e = Entry::CreateAdopting("k", std::move(block), false);

  EXPECT_FALSE(block);  // NOLINT(bugprone-use-after-move): the entry took the reference
  EXPECT_EQ(e->value().data(), bytes);
  EXPECT_EQ(e->value(), v);
  Entry::Destroy(e);
}

TEST(EntryLargeValueTest, LengthChangesUnshareFirst) {
  Entry* e = Entry::Create("k", Big('s'), false);
  common::SharedBytesRef reply = e->ShareLargeValue();

  e->set_value_len(10);

  EXPECT_EQ(e->value().size(), 10u);
  EXPECT_EQ(reply->size(), Big('s').size());
  Entry::Destroy(e);
}

}  // namespace
}  // namespace redoubt::storage
