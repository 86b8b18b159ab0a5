// The elements of one Redis list, in order: a pure data structure with no keyspace, no RESP and
// no locking. Commands reach it through Entry::list() / Entry::mutable_list().
//
// Representation: Redis 7.0's quicklist without compression. The elements are packed into
// nodes (storage/list_node.h: a block of at most 8 KB, list-max-listpack-size -2, whose elements
// cost 2 bytes more than their length each), and the list keeps its nodes in order in a ring of
// slots, each slot a node pointer and the node's element count (so finding an index reads the
// ring, not every node). A list of a million 12-byte elements costs ~14.1 bytes an element where
// a std::deque<std::string> cost 32 and more, and a list of a few elements is one node the size
// of its elements. An element longer than a node gets a node of its own (whose allocator slack
// may take a few more elements).
//
// Costs: push and pop at either end are amortised O(1): a node keeps free room on the sides that
// are pushed, grows by an eighth at a time up to 8 KB, and a full end node gets a new neighbour
// that starts at 8 KB. Access by index is O(nodes + elements of one node), counting from the
// nearer end, like Redis's; walking a range (LRANGE, LPOS, LINSERT, SORT) goes through a Cursor,
// O(1) a step. Insert and Set move bytes within one node; a full node splits. Pops, Trim and
// Remove free emptied nodes, LTRIM and LREM merge neighbours that together fill at most half a
// node, and a node whose elements use under a quarter of its block gives the rest back, so a list
// that shrank does not keep the memory of its largest size.
//
// Thread: owned by its Entry; used only under that entry's shard lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/list_node.h"

namespace redoubt::storage {

class ListValue {
 public:
  class Cursor;

  ListValue() = default;
  // A deep copy (COPY must not share elements with its source).
  ListValue(const ListValue& other);
  ListValue& operator=(const ListValue&) = delete;
  ~ListValue();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Hot path (LPUSH, RPUSH): amortised O(1).
  void PushFront(std::string_view element);
  void PushBack(std::string_view element);
  // Requires: !empty(). The string_views of front()/back() are valid until the list changes.
  std::string_view front() const;
  std::string_view back() const;
  // Removes the first / last element. Requires: !empty(). O(1), and amortised O(1) when a node
  // is freed or shrunk.
  void PopFront();
  void PopBack();
  // Hot path (LPOP, RPOP): removes and returns the first / last element, as PopFront/PopBack.
  std::string TakeFront();
  std::string TakeBack();

  // The element at `index` (negative counts from the end, -1 is the last), or nullopt when out
  // of range. Valid until the list changes.
  std::optional<std::string_view> At(int64_t index) const;
  // Replaces the element at `index` (negative as for At). False when out of range.
  bool Set(int64_t index, std::string_view element);
  // Inserts element before position i (i == size() appends). Requires: i <= size().
  void Insert(size_t i, std::string_view element);
  // Removes up to |count| elements equal to `element`: from the head when count > 0, from the
  // tail when count < 0, all when 0 (LREM). Returns how many. One pass over the nodes it reads.
  size_t Remove(std::string_view element, int64_t count);
  // Keeps only positions first..last (LTRIM). Requires: first <= last < size(). O(nodes freed +
  // elements of the two nodes cut).
  void Trim(size_t first, size_t last);
  // Removes every element.
  void Clear();
  // Requires: i < size(). O(nodes + elements of one node): to read a range, use a Cursor.
  std::string_view operator[](size_t i) const;
  // A cursor on element i (done() when i >= size()).
  Cursor CursorAt(size_t i) const;

  // Heap bytes owned by this list (the object, its slot ring and its nodes' blocks), kept up to
  // date by every change: memory accounting and MEMORY USAGE read it per command.
  size_t AllocatedBytes() const { return sizeof(ListValue) + allocated_; }
  // Nodes the elements are packed into (tests and sizing checks).
  size_t node_count() const { return nodes_; }

 private:
  struct Slot {
    ListNode* node;
    size_t count;  // elements in node; 0 only briefly, inside Remove
  };
  // Where element `local` of node `slot` (in list order) starts: data() + offset.
  struct Position {
    size_t slot;
    size_t offset;
    size_t local;
  };

  Slot& slot(size_t i) { return slots_[(head_ + i) & (ring_size_ - 1)]; }
  const Slot& slot(size_t i) const { return slots_[(head_ + i) & (ring_size_ - 1)]; }
  // The ring of slots: resized to a power of two >= nodes_; size 1 is single_, no allocation.
  void ResizeRing(size_t ring_size);
  void FitRing();
  // Insert or remove slots at i, moving those on the shorter side: O(1) at either end.
  void InsertSlot(size_t i, Slot s);
  void EraseSlots(size_t i, size_t n);

  ListNode* NewNode(size_t capacity, ListEnd side);
  void FreeNode(ListNode* node);
  // Gives s.node room for n more bytes at `side` (moving its elements or growing its block);
  // false when the node would then hold more than a node may.
  bool MakeRoom(Slot& s, size_t n, ListEnd side);
  bool MakeRoomSlow(Slot& s, size_t n, ListEnd side);
  void Reshape(Slot& s, size_t capacity, ListEnd side, size_t n);
  // Gives back most of a node's block when its elements use under a quarter of it.
  void MaybeShrink(Slot& s);
  // Writes element (n bytes encoded) at the `side` end of node i, which has the room.
  void WriteAt(size_t i, ListEnd side, std::string_view element, size_t n);
  void Push(ListEnd side, std::string_view element);
  // Adds an empty node at the `side` end with room for n bytes there.
  void AddEndNode(ListEnd side, size_t n);
  // A pop in two steps: Detach takes the element at `side` out of the counts and offsets and
  // returns its bytes, still in the node's block; Settle then frees the node if that emptied it,
  // or shrinks its block. TakeFront/TakeBack copy the bytes in between, decoding them once.
  std::string_view Detach(ListEnd side);
  void Settle(ListEnd side);
  // Inserts element between node `boundary - 1` and node `boundary`: into one of them when it
  // has room, else into a new node there.
  void InsertAtBoundary(size_t boundary, std::string_view element, size_t n);
  // Moves the elements of node p.slot from p.local on into a new node after it.
  void SplitNode(const Position& p);

  Position Locate(size_t i) const;
  // Where element `local` of the node of s starts (as for Position::offset).
  static size_t OffsetInNode(const Slot& s, size_t local);
  // Removes up to `limit` elements equal to `element` from the node of s, scanning from `from`;
  // returns how many. Leaves s.count at 0 when it empties the node.
  size_t RemoveFromNode(Slot& s, std::string_view element, size_t limit, ListEnd from);
  // Removes n elements from one end (LTRIM): whole nodes, then part of one. O(nodes removed +
  // elements of one node).
  void CutEnd(ListEnd side, size_t n);
  // Moves the elements of s's node to the end of previous's node and frees it, when the two
  // fit in half a node; returns whether it did (s's slot is then the caller's to drop).
  bool Append(Slot& previous, const Slot& s);
  // Append for node i and node i - 1, dropping slot i when merged.
  void MergeIntoPrevious(size_t i);
  // After Remove changed nodes lo..hi: frees the emptied ones, merges small neighbours and
  // shrinks sparse nodes, O(nodes lo - 1..hi + 1 + slots moved).
  void Compact(size_t lo, size_t hi);

  Slot* slots_ = &single_;
  Slot single_{};
  uint32_t head_ = 0;       // ring index of the first node
  uint32_t nodes_ = 0;      // nodes in use
  uint32_t ring_size_ = 1;  // a power of two
  size_t size_ = 0;         // elements
  size_t allocated_ = 0;    // bytes of the nodes' blocks and the ring when it is allocated
};

// Reads the list from one element towards either end, O(1) a step. Any change to the list
// invalidates it, and the views it returned.
//
// Everything is inline and nothing takes the cursor's address, so that the compiler keeps it in
// registers: a step is then one dependent load (the next length byte) and a few additions. With
// the step out of line, the cursor lived on the stack and LRANGE's walk took twice as long
// (bench/micro/list_value_bench.cc, BM_ListRange).
class ListValue::Cursor {
 public:
  // True once the cursor has left the list (past either end).
  bool done() const { return done_; }
  // The position of the current element. Requires: !done().
  size_t index() const { return index_; }
  std::string_view operator*() const { return element_; }
  // Moves towards the tail / the head. Requires: !done().
  void Next() {
    const char* next = EncodingEnd(element_);
    ++index_;
    if (next == end_) [[unlikely]] {
      if (++slot_ == list_->nodes_) {
        done_ = true;
        return;
      }
      Enter(list_->slot(slot_).node);
      next = begin_;
    }
    element_ = ElementAt(next);
  }
  void Prev() {
    const char* start = EncodingStart(element_);
    --index_;
    if (start == begin_) [[unlikely]] {
      if (slot_ == 0) {
        done_ = true;
        return;
      }
      Enter(list_->slot(--slot_).node);
      start = end_;
    }
    element_ = ElementBefore(start);
  }

 private:
  friend class ListValue;
  Cursor(const ListValue* list, size_t slot, size_t index)
      : list_(list), slot_(slot), index_(index) {}

  void Enter(const ListNode* node) {
    begin_ = node->data() + node->begin;
    end_ = node->data() + node->end;
  }

  const ListValue* list_;
  size_t slot_;
  size_t index_;
  bool done_ = true;
  // The current node's elements.
  const char* begin_ = nullptr;
  const char* end_ = nullptr;
  std::string_view element_;
};

inline std::string_view ListValue::front() const {
  const ListNode* node = slot(0).node;
  return ElementAt(node->data() + node->begin);
}

inline std::string_view ListValue::back() const {
  const ListNode* node = slot(nodes_ - 1).node;
  return ElementBefore(node->data() + node->end);
}

}  // namespace redoubt::storage
