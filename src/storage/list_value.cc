// The list data structure; see list_value.h.
#include "storage/list_value.h"

#include <malloc.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/check.h"

namespace redoubt::storage {
namespace {

// Redis's list-max-listpack-size -2: a node's block is at most 8 KB, header included (8192 is a
// jemalloc size class, so a full node wastes nothing), unless it holds a single longer element.
constexpr size_t kNodeBytes = 8192;
constexpr size_t kNodeData = kNodeBytes - sizeof(ListNode);
// Blocks smaller than this are not shrunk: the copy would cost more than the bytes it saves.
constexpr size_t kShrinkFrom = 256;
// After Remove or Trim, two neighbours whose elements fit in this many bytes become one node,
// so that a list thinned out by LREM does not keep a node per survivor. Half a node, so that the
// merged node has room left and the next insert does not split it again.
constexpr size_t kMergeUpTo = kNodeData / 2;

// Positions from the end become positions from the start; nullopt when outside [0, len).
std::optional<size_t> ResolveIndex(int64_t index, size_t len) {
  int64_t n = static_cast<int64_t>(len);
  if (index < 0) {
    index += n;
  }
  if (index < 0 || index >= n) {
    return std::nullopt;
  }
  return static_cast<size_t>(index);
}

// The start of the element after the one whose encoding starts at `at`.
const char* SkipElement(const char* at) {
  return EncodingEnd(ElementAt(at));
}

// A node whose elements use under a quarter of its block, worth shrinking.
bool Sparse(const ListNode* node) {
  return node->capacity >= kShrinkFrom && node->used() * 4 < node->capacity;
}

}  // namespace

ListValue::ListValue(const ListValue& other) : size_(other.size_) {
  ResizeRing(std::bit_ceil(std::max<size_t>(other.nodes_, 1)));
  for (size_t i = 0; i < other.nodes_; ++i) {
    const Slot& from = other.slot(i);
    const size_t used = from.node->used();
    ListNode* node = NewNode(used, ListEnd::kBack);
    std::memcpy(node->data(), from.node->data() + from.node->begin, used);
    node->end = used;
    slot(i) = {node, from.count};
  }
  nodes_ = other.nodes_;
}

ListValue::~ListValue() {
  Clear();
}

// ---- The ring of slots ----

void ListValue::ResizeRing(size_t ring_size) {
  REDOUBT_DCHECK(std::has_single_bit(ring_size) && ring_size >= nodes_);
  if (ring_size == ring_size_) {
    return;
  }
  Slot* fresh = &single_;
  if (ring_size > 1) {
    fresh = static_cast<Slot*>(std::malloc(ring_size * sizeof(Slot)));
    if (fresh == nullptr) {
      throw std::bad_alloc();
    }
    allocated_ += malloc_usable_size(fresh);
  }
  for (size_t i = 0; i < nodes_; ++i) {
    fresh[i] = slot(i);
  }
  if (slots_ != &single_) {
    allocated_ -= malloc_usable_size(slots_);
    std::free(slots_);
  }
  slots_ = fresh;
  ring_size_ = static_cast<uint32_t>(ring_size);
  head_ = 0;
}

void ListValue::FitRing() {
  // A quarter full before halving, so that a list whose node count goes back and forth across
  // a power of two does not reallocate its ring each time; one node needs no ring.
  size_t ring_size = ring_size_;
  while (ring_size > 1 && (nodes_ <= 1 || nodes_ * 4 <= ring_size)) {
    ring_size = nodes_ <= 1 ? 1 : ring_size / 2;
  }
  ResizeRing(ring_size);
}

void ListValue::InsertSlot(size_t i, Slot s) {
  if (nodes_ == ring_size_) {
    ResizeRing(ring_size_ * 2);
  }
  // Moves the slots on the shorter side of i; at either end, none.
  if (i < nodes_ - i) {
    head_ = (head_ - 1) & (ring_size_ - 1);
    for (size_t k = 0; k < i; ++k) {
      slot(k) = slot(k + 1);
    }
  } else {
    for (size_t k = nodes_; k > i; --k) {
      slot(k) = slot(k - 1);
    }
  }
  ++nodes_;
  slot(i) = s;
}

void ListValue::EraseSlots(size_t i, size_t n) {
  if (n == 0) {
    return;
  }
  if (i < nodes_ - (i + n)) {
    for (size_t k = i; k > 0; --k) {
      slot(k - 1 + n) = slot(k - 1);
    }
    head_ = (head_ + n) & (ring_size_ - 1);
  } else {
    for (size_t k = i; k + n < nodes_; ++k) {
      slot(k) = slot(k + n);
    }
  }
  nodes_ -= static_cast<uint32_t>(n);
  FitRing();
}

// ---- Nodes ----

ListNode* ListValue::NewNode(size_t capacity, ListEnd side) {
  ListNode* node = ListNode::Allocate(capacity, side);
  allocated_ += node->AllocatedBytes();
  return node;
}

void ListValue::FreeNode(ListNode* node) {
  allocated_ -= node->AllocatedBytes();
  ListNode::Free(node);
}

void ListValue::Reshape(Slot& s, size_t capacity, ListEnd side, size_t n) {
  allocated_ -= s.node->AllocatedBytes();
  s.node = ListNode::Reshape(s.node, capacity, side, n);
  allocated_ += s.node->AllocatedBytes();
}

inline bool ListValue::MakeRoom(Slot& s, size_t n, ListEnd side) {
  return s.node->room(side) >= n || MakeRoomSlow(s, n, side);
}

bool ListValue::MakeRoomSlow(Slot& s, size_t n, ListEnd side) {
  ListNode* node = s.node;
  const size_t used = node->used();
  if (used + n > kNodeData) {
    return false;
  }
  const size_t free = node->capacity - used;
  if (free >= n && free - n >= used / 4) {
    // Moving the elements costs `used` bytes, and at least used / 8 bytes of pushes will fit
    // at this side before they move again: amortised O(1) per byte pushed.
    node->Place(side, n);
    return true;
  }
  // At least an eighth more, so that growth is geometric whatever the allocator's size classes,
  // but no more than that: jemalloc's classes (a quarter apart from 128 bytes on) add the rest,
  // and a small list's node then costs no more than Redis's listpack does.
  const size_t need = used + n;
  Reshape(s, std::min(kNodeData, std::max(need, node->capacity + node->capacity / 8)), side, n);
  return true;
}

void ListValue::MaybeShrink(Slot& s) {
  if (Sparse(s.node)) {
    const size_t used = s.node->used();
    Reshape(s, used + used / 4, ListEnd::kBack, 0);
  }
}

// ---- Pushes and pops ----

void ListValue::WriteAt(size_t i, ListEnd side, std::string_view element, size_t n) {
  Slot& s = slot(i);
  ListNode* node = s.node;
  if (side == ListEnd::kBack) {
    EncodeElement(node->data() + node->end, element);
    node->end += n;
  } else {
    node->begin -= n;
    EncodeElement(node->data() + node->begin, element);
  }
  ++s.count;
  ++size_;
}

void ListValue::Push(ListEnd side, std::string_view element) {
  const size_t n = EncodedSize(element.size());
  const bool front = side == ListEnd::kFront;
  if (nodes_ == 0 || !MakeRoom(slot(front ? 0 : nodes_ - 1), n, side)) {
    AddEndNode(side, n);
  }
  WriteAt(front ? 0 : nodes_ - 1, side, element, n);
}

void ListValue::AddEndNode(ListEnd side, size_t n) {
  // When the end node is full of elements, this list is long: the new node starts at full size
  // rather than growing step by step. A first node, or the neighbour of a lone long element,
  // starts at the element's size.
  const bool front = side == ListEnd::kFront;
  const bool long_list = nodes_ > 0 && slot(front ? 0 : nodes_ - 1).count > 1;
  InsertSlot(front ? 0 : nodes_, {NewNode(long_list ? std::max(n, kNodeData) : n, side), 0});
}

void ListValue::PushFront(std::string_view element) {
  Push(ListEnd::kFront, element);
}

void ListValue::PushBack(std::string_view element) {
  Push(ListEnd::kBack, element);
}

inline std::string_view ListValue::Detach(ListEnd side) {
  Slot& s = slot(side == ListEnd::kFront ? 0 : nodes_ - 1);
  ListNode* node = s.node;
  std::string_view element;
  if (side == ListEnd::kFront) {
    element = ElementAt(node->data() + node->begin);
    node->begin = static_cast<size_t>(EncodingEnd(element) - node->data());
  } else {
    element = ElementBefore(node->data() + node->end);
    node->end = static_cast<size_t>(EncodingStart(element) - node->data());
  }
  --s.count;
  --size_;
  return element;
}

inline void ListValue::Settle(ListEnd side) {
  const size_t i = side == ListEnd::kFront ? 0 : nodes_ - 1;
  Slot& s = slot(i);
  if (s.count == 0) {
    FreeNode(s.node);
    EraseSlots(i, 1);
  } else if (Sparse(s.node)) [[unlikely]] {
    MaybeShrink(s);
  }
}

void ListValue::PopFront() {
  Detach(ListEnd::kFront);
  Settle(ListEnd::kFront);
}

void ListValue::PopBack() {
  Detach(ListEnd::kBack);
  Settle(ListEnd::kBack);
}

std::string ListValue::TakeFront() {
  std::string element(Detach(ListEnd::kFront));
  Settle(ListEnd::kFront);
  return element;
}

std::string ListValue::TakeBack() {
  std::string element(Detach(ListEnd::kBack));
  Settle(ListEnd::kBack);
  return element;
}

// ---- Positions ----

ListValue::Position ListValue::Locate(size_t i) const {
  REDOUBT_DCHECK(i < size_);
  size_t s;
  size_t local;
  if (i < size_ / 2) {
    s = 0;
    local = i;
    while (local >= slot(s).count) {
      local -= slot(s).count;
      ++s;
    }
  } else {
    s = nodes_ - 1;
    size_t from_end = size_ - i;  // 1 for the last element
    while (from_end > slot(s).count) {
      from_end -= slot(s).count;
      --s;
    }
    local = slot(s).count - from_end;
  }
  return {s, OffsetInNode(slot(s), local), local};
}

size_t ListValue::OffsetInNode(const Slot& s, size_t local) {
  // Walks from the node's nearer end.
  const ListNode* node = s.node;
  const char* at;
  if (local <= s.count / 2) {
    at = node->data() + node->begin;
    for (size_t k = 0; k < local; ++k) {
      at = SkipElement(at);
    }
  } else {
    at = node->data() + node->end;
    for (size_t k = s.count; k > local; --k) {
      at = EncodingStart(ElementBefore(at));
    }
  }
  return static_cast<size_t>(at - node->data());
}

std::string_view ListValue::operator[](size_t i) const {
  const Position p = Locate(i);
  return ElementAt(slot(p.slot).node->data() + p.offset);
}

std::optional<std::string_view> ListValue::At(int64_t index) const {
  std::optional<size_t> i = ResolveIndex(index, size_);
  if (!i) {
    return std::nullopt;
  }
  return (*this)[*i];
}

ListValue::Cursor ListValue::CursorAt(size_t i) const {
  Cursor cursor(this, 0, i);
  if (i < size_) {
    const Position p = Locate(i);
    const ListNode* node = slot(p.slot).node;
    cursor.slot_ = p.slot;
    cursor.done_ = false;
    cursor.Enter(node);
    cursor.element_ = ElementAt(node->data() + p.offset);
  }
  return cursor;
}

// ---- Changes inside the list ----

bool ListValue::Set(int64_t index, std::string_view element) {
  std::optional<size_t> i = ResolveIndex(index, size_);
  if (!i) {
    return false;
  }
  const Position p = Locate(*i);
  Slot& s = slot(p.slot);
  const size_t old_n = EncodedSize(ElementAt(s.node->data() + p.offset).size());
  const size_t n = EncodedSize(element.size());
  if (s.node->used() - old_n + n <= kNodeData) {
    if (n > old_n && s.node->room(ListEnd::kFront) < n - old_n) {
      const size_t from_begin = p.offset - s.node->begin;
      const bool room = MakeRoom(s, n - old_n, ListEnd::kBack);
      REDOUBT_CHECK(room);
      EncodeElement(s.node->Splice(s.node->begin + from_begin, old_n, n), element);
    } else {
      EncodeElement(s.node->Splice(p.offset, old_n, n), element);
    }
    MaybeShrink(s);
  } else if (s.count == 1) {
    // A lone element, replaced by one longer than a node: a block of its size.
    FreeNode(s.node);
    s.node = NewNode(n, ListEnd::kBack);
    EncodeElement(s.node->data(), element);
    s.node->end = n;
  } else {
    // The node is full: the old element goes, and the new one is inserted as LINSERT would
    // (into a neighbour, or between the halves of this node).
    s.node->Splice(p.offset, old_n, 0);
    --s.count;
    --size_;
    Insert(*i, element);
  }
  return true;
}

void ListValue::Insert(size_t i, std::string_view element) {
  REDOUBT_DCHECK(i <= size_);
  if (i == 0) {
    return PushFront(element);
  }
  if (i == size_) {
    return PushBack(element);
  }
  const Position p = Locate(i);
  const size_t n = EncodedSize(element.size());
  Slot& s = slot(p.slot);
  if (s.node->used() + n > kNodeData) {
    // A full node: the element goes between it and a neighbour, or between its two halves.
    if (p.local == 0) {
      return InsertAtBoundary(p.slot, element, n);
    }
    SplitNode(p);
    return InsertAtBoundary(p.slot + 1, element, n);
  }
  size_t offset = p.offset;
  if (s.node->room(ListEnd::kFront) < n && s.node->room(ListEnd::kBack) < n) {
    const size_t from_begin = offset - s.node->begin;
    const bool room = MakeRoom(s, n, ListEnd::kBack);
    REDOUBT_CHECK(room);
    offset = s.node->begin + from_begin;
  }
  EncodeElement(s.node->Splice(offset, 0, n), element);
  ++s.count;
  ++size_;
}

void ListValue::InsertAtBoundary(size_t boundary, std::string_view element, size_t n) {
  if (boundary > 0 && MakeRoom(slot(boundary - 1), n, ListEnd::kBack)) {
    return WriteAt(boundary - 1, ListEnd::kBack, element, n);
  }
  if (boundary < nodes_ && MakeRoom(slot(boundary), n, ListEnd::kFront)) {
    return WriteAt(boundary, ListEnd::kFront, element, n);
  }
  InsertSlot(boundary, {NewNode(n, ListEnd::kBack), 0});
  WriteAt(boundary, ListEnd::kBack, element, n);
}

void ListValue::SplitNode(const Position& p) {
  Slot& s = slot(p.slot);
  ListNode* node = s.node;
  const size_t tail = node->end - p.offset;
  ListNode* second = NewNode(tail, ListEnd::kFront);
  second->begin = second->capacity - tail;
  std::memcpy(second->data() + second->begin, node->data() + p.offset, tail);
  node->end = p.offset;
  const size_t second_count = s.count - p.local;
  s.count = p.local;
  InsertSlot(p.slot + 1, {second, second_count});  // s is not used after this: the ring may move
}

size_t ListValue::Remove(std::string_view element, int64_t count) {
  const size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(count < 0 ? -count : count);
  size_t removed = 0;
  size_t lo = SIZE_MAX;  // the nodes that lost elements
  size_t hi = 0;
  for (size_t k = 0; k < nodes_ && removed < limit; ++k) {
    const size_t i = count >= 0 ? k : nodes_ - 1 - k;
    const size_t here = RemoveFromNode(slot(i), element, limit - removed,
                                       count >= 0 ? ListEnd::kFront : ListEnd::kBack);
    if (here > 0) {
      removed += here;
      lo = std::min(lo, i);
      hi = std::max(hi, i);
    }
  }
  if (removed > 0) {
    size_ -= removed;
    Compact(lo, hi);
  }
  return removed;
}

size_t ListValue::RemoveFromNode(Slot& s, std::string_view element, size_t limit, ListEnd from) {
  // One pass that slides the kept elements over the removed ones, in the direction of the scan,
  // so that removing every element of a node costs one pass, not one move per element.
  ListNode* node = s.node;
  char* d = node->data();
  size_t removed = 0;
  if (from == ListEnd::kFront) {
    size_t read = node->begin;
    size_t write = node->begin;
    while (read < node->end && removed < limit) {
      const std::string_view e = ElementAt(d + read);
      const size_t n = EncodedSize(e.size());
      if (e == element) {
        ++removed;
      } else {
        if (write != read) {
          std::memmove(d + write, d + read, n);
        }
        write += n;
      }
      read += n;
    }
    std::memmove(d + write, d + read, node->end - read);
    node->end = write + (node->end - read);
  } else {
    size_t read = node->end;
    size_t write = node->end;
    while (read > node->begin && removed < limit) {
      const std::string_view e = ElementBefore(d + read);
      const size_t n = EncodedSize(e.size());
      read -= n;
      if (e == element) {
        ++removed;
      } else {
        write -= n;
        if (write != read) {
          std::memmove(d + write, d + read, n);
        }
      }
    }
    const size_t rest = read - node->begin;
    std::memmove(d + write - rest, d + node->begin, rest);
    node->begin = write - rest;
  }
  s.count -= removed;
  return removed;
}

void ListValue::Trim(size_t first, size_t last) {
  REDOUBT_DCHECK(first <= last && last < size_);
  CutEnd(ListEnd::kBack, size_ - (last + 1));
  CutEnd(ListEnd::kFront, first);
}

void ListValue::CutEnd(ListEnd side, size_t n) {
  const bool front = side == ListEnd::kFront;
  while (n > 0) {
    const size_t i = front ? 0 : nodes_ - 1;
    Slot& s = slot(i);
    if (s.count <= n) {
      n -= s.count;
      size_ -= s.count;
      FreeNode(s.node);
      EraseSlots(i, 1);
      continue;
    }
    const size_t cut = OffsetInNode(s, front ? n : s.count - n);
    (front ? s.node->begin : s.node->end) = cut;
    s.count -= n;
    size_ -= n;
    n = 0;
    MaybeShrink(s);
  }
  // A range kept across a node boundary may leave two small nodes at this end.
  if (nodes_ >= 2) {
    MergeIntoPrevious(front ? 1 : nodes_ - 1);
  }
}

bool ListValue::Append(Slot& previous, const Slot& s) {
  const size_t used = s.node->used();
  if (previous.node->used() + used > kMergeUpTo) {
    return false;
  }
  const bool room = MakeRoom(previous, used, ListEnd::kBack);
  REDOUBT_CHECK(room);
  std::memcpy(previous.node->data() + previous.node->end, s.node->data() + s.node->begin, used);
  previous.node->end += used;
  previous.count += s.count;
  FreeNode(s.node);
  return true;
}

void ListValue::MergeIntoPrevious(size_t i) {
  if (Append(slot(i - 1), slot(i))) {
    EraseSlots(i, 1);
  }
}

void ListValue::Compact(size_t lo, size_t hi) {
  // One pass over the changed nodes and their neighbours (which they may merge with), sliding
  // the kept slots over the freed and merged ones.
  const size_t first = lo > 0 ? lo - 1 : 0;
  const size_t last = std::min<size_t>(hi + 1, nodes_ - 1);
  size_t kept = first;
  for (size_t i = first; i <= last; ++i) {
    const Slot s = slot(i);
    if (s.count == 0) {
      FreeNode(s.node);
    } else if (kept == first || !Append(slot(kept - 1), s)) {
      slot(kept) = s;
      MaybeShrink(slot(kept));
      ++kept;
    }
  }
  EraseSlots(kept, last + 1 - kept);
}

void ListValue::Clear() {
  for (size_t i = 0; i < nodes_; ++i) {
    FreeNode(slot(i).node);
  }
  nodes_ = 0;
  size_ = 0;
  ResizeRing(1);
}

}  // namespace redoubt::storage
