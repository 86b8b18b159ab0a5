// The block of a list node; see list_node.h.
#include "storage/list_node.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <new>

#include "common/check.h"

namespace redoubt::storage {
namespace {

// Where the elements (used bytes) start in a block of `capacity` data bytes that must have room
// for n more at `side`: the other side keeps the room it had (other_room), up to half of what is
// left over. So a list pushed at one end only keeps all its room at that end, and one pushed at
// both ends gets room at both, which is what keeps repositioning amortised O(1).
size_t PlacedBegin(size_t capacity, size_t used, ListEnd side, size_t n, size_t other_room) {
  const size_t keep = std::min(other_room, (capacity - used - n) / 2);
  return side == ListEnd::kBack ? keep : capacity - used - keep;
}

ListEnd Opposite(ListEnd side) {
  return side == ListEnd::kFront ? ListEnd::kBack : ListEnd::kFront;
}

}  // namespace

ListNode* ListNode::Allocate(size_t capacity, ListEnd side) {
  void* block = std::malloc(sizeof(ListNode) + capacity);
  if (block == nullptr) {
    throw std::bad_alloc();
  }
  auto* node = static_cast<ListNode*>(block);
  node->capacity = malloc_usable_size(block) - sizeof(ListNode);
  node->begin = side == ListEnd::kBack ? 0 : node->capacity;
  node->end = node->begin;
  return node;
}

void ListNode::Free(ListNode* node) {
  std::free(node);
}

ListNode* ListNode::Reshape(ListNode* node, size_t capacity, ListEnd side, size_t n) {
  const size_t used = node->used();
  REDOUBT_DCHECK(capacity >= used + n);
  ListNode* fresh = Allocate(capacity, side);
  fresh->begin = PlacedBegin(fresh->capacity, used, side, n, node->room(Opposite(side)));
  fresh->end = fresh->begin + used;
  std::memcpy(fresh->data() + fresh->begin, node->data() + node->begin, used);
  Free(node);
  return fresh;
}

void ListNode::Place(ListEnd side, size_t n) {
  const size_t used = this->used();
  REDOUBT_DCHECK(used + n <= capacity);
  const size_t to = PlacedBegin(capacity, used, side, n, room(Opposite(side)));
  std::memmove(data() + to, data() + begin, used);
  begin = to;
  end = to + used;
}

char* ListNode::Splice(size_t offset, size_t remove, size_t insert) {
  char* d = data();
  const size_t head = offset - begin;           // bytes before the gap
  const size_t tail = end - (offset + remove);  // bytes after it
  if (insert > remove) {
    const size_t more = insert - remove;
    const bool front_fits = begin >= more;
    if (front_fits && (head <= tail || capacity - end < more)) {
      std::memmove(d + begin - more, d + begin, head);
      begin -= more;
      offset -= more;
    } else {
      REDOUBT_CHECK(capacity - end >= more);
      std::memmove(d + offset + insert, d + offset + remove, tail);
      end += more;
    }
  } else if (insert < remove) {
    const size_t less = remove - insert;
    if (head < tail) {
      std::memmove(d + begin + less, d + begin, head);
      begin += less;
      offset += less;
    } else {
      std::memmove(d + offset + insert, d + offset + remove, tail);
      end -= less;
    }
  }
  return d + offset;
}

}  // namespace redoubt::storage
