// Tests of the list node format (src/storage/list_node.h, .cc): elements read back from either
// end across the lengths where the varint grows, and the moves of Place and Splice.
#include "storage/list_node.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace redoubt::storage {
namespace {

// A node holding `elements` packed from its start, with `room` bytes to spare.
ListNode* NodeOf(const std::vector<std::string>& elements, size_t room) {
  size_t bytes = 0;
  for (const std::string& e : elements) {
    bytes += EncodedSize(e.size());
  }
  ListNode* node = ListNode::Allocate(bytes + room, ListEnd::kBack);
  for (const std::string& e : elements) {
    node->end = static_cast<size_t>(EncodeElement(node->data() + node->end, e) - node->data());
  }
  return node;
}

std::vector<std::string> ReadForward(const ListNode* node) {
  std::vector<std::string> out;
  for (const char* at = node->data() + node->begin; at != node->data() + node->end;) {
    std::string_view e = ElementAt(at);
    out.emplace_back(e);
    at = EncodingEnd(e);
  }
  return out;
}

std::vector<std::string> ReadBackward(const ListNode* node) {
  std::vector<std::string> out;
  for (const char* end = node->data() + node->end; end != node->data() + node->begin;) {
    std::string_view e = ElementBefore(end);
    out.insert(out.begin(), std::string(e));
    end = EncodingStart(e);
  }
  return out;
}

TEST(ListNodeTest, ElementsReadTheSameFromEitherEndAcrossVarintSizes) {
  const std::vector<std::string> elements = {"",
                                             std::string("\x80\0\xff", 3),
                                             std::string(127, 'a'),
                                             std::string(128, '\x81'),
                                             std::string(16383, 'c'),
                                             std::string(16384, 'd')};
  ListNode* node = NodeOf(elements, 0);

  EXPECT_EQ(ReadForward(node), elements);
  EXPECT_EQ(ReadBackward(node), elements);
  EXPECT_EQ(EncodedSize(127), 129u);
  EXPECT_EQ(EncodedSize(128), 132u);
  ListNode::Free(node);
}

TEST(ListNodeTest, PlaceKeepsTheOtherSidesRoomUpToHalfOfWhatIsLeft) {
  ListNode* node = NodeOf({"abc", "def"}, 100);
  node->Place(ListEnd::kFront, 10);  // all the room was at the back

  EXPECT_GE(node->room(ListEnd::kFront), 10u);
  EXPECT_EQ(node->room(ListEnd::kBack), (node->capacity - node->used() - 10) / 2);
  EXPECT_EQ(ReadForward(node), (std::vector<std::string>{"abc", "def"}));
  ListNode::Free(node);
}

TEST(ListNodeTest, SpliceMovesTheShorterSide) {
  ListNode* node = NodeOf({"a", "b", "c", "d", "e", "f"}, 64);
  node->Place(ListEnd::kFront, 16);  // room on both sides
  const size_t begin = node->begin;

  // Replacing "b" (3 bytes) with "bbbb" (6 bytes): the head ("a") is shorter, so it moves.
  char* at = node->Splice(begin + 3, 3, EncodedSize(4));
  EncodeElement(at, "bbbb");

  EXPECT_EQ(node->begin, begin - 3);
  EXPECT_EQ(ReadForward(node), (std::vector<std::string>{"a", "bbbb", "c", "d", "e", "f"}));

  // Removing "e" (tail "f" is shorter): the tail moves.
  const size_t end = node->end;
  node->Splice(end - 6, 3, 0);

  EXPECT_EQ(node->end, end - 3);
  EXPECT_EQ(ReadBackward(node), (std::vector<std::string>{"a", "bbbb", "c", "d", "f"}));
  ListNode::Free(node);
}

}  // namespace
}  // namespace redoubt::storage
