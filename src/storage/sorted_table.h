// The large encoding of sorted sets (Redis's "skiplist"): members ordered by (score, member
// bytes) in a skip list whose links carry spans, so that rank and select are O(log n) as in
// Redis's zskiplist; and the same nodes chained into hash buckets by member, for ZSCORE in O(1)
// and for ZSCAN's reverse-binary cursor (scan_cursor.h).
//
// Why one node for both: Redis keeps a dict entry, an sds member and a skip-list node per
// element (about 120 bytes for a 13-byte member); here the member, its score, its hash link and
// its levels share one block (64 or 80 bytes for the same member), plus an 8-byte bucket.
// No library in Debian offers an order-statistic ordered container with a stable scan cursor;
// absl::btree_set has neither rank nor a cursor that survives resizing.
//
// Levels are drawn as Redis draws them (p = 1/4, at most 32). The table grows at one node per
// bucket and shrinks below one per eight, rehashing in one step, like FieldTable.
//
// Thread: owned by its key's value; used only under that key's shard lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string_view>

namespace redoubt::storage {

// One end of a score range (ZRANGEBYSCORE's "1", "(1", "-inf").
struct ScoreBound {
  double value = 0;
  bool exclusive = false;
  // Whether score is inside a range this bound opens (as its minimum) or closes (its maximum).
  bool AdmitsAsMin(double score) const { return exclusive ? score > value : score >= value; }
  bool AdmitsAsMax(double score) const { return exclusive ? score < value : score <= value; }
};

// One end of a lexicographic range (ZRANGEBYLEX's "-", "+", "[member", "(member"); members
// compare as bytes, as Redis's sdscmp.
struct LexBound {
  enum Kind : uint8_t { kMinusInfinity, kPlusInfinity, kInclusive, kExclusive };
  Kind kind = kMinusInfinity;
  std::string_view member;
  bool AdmitsAsMin(std::string_view m) const;
  bool AdmitsAsMax(std::string_view m) const;
};

class SortedTable {
  struct Node;

 public:
  // A position in score order: an element, or the end. Valid until the table changes.
  class Iterator {
   public:
    bool valid() const { return node_ != nullptr; }
    std::string_view member() const;
    double score() const;
    // The next element in ascending order; the previous one.
    void Next();
    void Prev();

   private:
    friend class SortedTable;
    explicit Iterator(const Node* node) : node_(node) {}
    const Node* node_;
  };

  SortedTable();
  // A deep copy (COPY must not share nodes with its source).
  SortedTable(const SortedTable& other);
  SortedTable& operator=(const SortedTable&) = delete;
  ~SortedTable();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  std::optional<double> Score(std::string_view member) const;
  // Adds member with score, or moves it to score. True when the member is new.
  // Requires: score is not NaN.
  bool Set(std::string_view member, double score);
  // Removes member. True when it was there.
  bool Erase(std::string_view member);

  // 0-based rank in ascending order, or nullopt.
  std::optional<size_t> Rank(std::string_view member) const;
  // The element at a 0-based rank (an invalid iterator past the end). O(log n).
  Iterator AtRank(size_t rank) const;
  Iterator First() const { return AtRank(0); }
  Iterator Last() const;

  // The first element a minimum admits and the last a maximum admits; invalid when there is
  // none. By member, the lex forms assume all elements share one score (as Redis's do).
  Iterator FirstFrom(const ScoreBound& min) const;
  Iterator LastUpTo(const ScoreBound& max) const;
  Iterator FirstFrom(const LexBound& min) const;
  Iterator LastUpTo(const LexBound& max) const;
  // The 0-based rank of an element an iterator points at. O(log n).
  size_t RankOf(const Iterator& it) const;

  // ZSCAN: calls fn(member, score) for the elements of the buckets `cursor` selects and returns
  // the next cursor (0: done).
  uint64_t Scan(uint64_t cursor, const std::function<void(std::string_view, double)>& fn) const;

  // Heap bytes owned by the table, as the allocator sized them; kept up to date by every
  // change, for memory accounting and MEMORY USAGE.
  size_t AllocatedBytes() const { return sizeof(SortedTable) + allocated_; }

 private:
  static constexpr int kMaxLevel = 32;

  Node* NewNode(std::string_view member, double score, int height);
  void FreeNode(Node* node);
  int RandomHeight();
  // The bucket link that points to member's node, or nullptr.
  Node** Locate(std::string_view member, uint64_t hash) const;
  void LinkHash(Node* node, uint64_t hash);
  void ResizeBuckets(size_t new_capacity);
  // The last node (or the head) that `before` holds for, at the bottom level.
  template <typename Pred>
  const Node* LastWhere(Pred before) const;
  // Puts node into the skip list at its (score, member) place, with its own height.
  void LinkList(Node* node);
  // Takes node out of the skip list; the hash chain is left alone.
  void UnlinkList(Node* node);

  Node* head_;  // the skip list's header: kMaxLevel levels, no member
  Node* tail_ = nullptr;
  int level_ = 1;  // levels in use
  size_t size_ = 0;
  Node** buckets_ = nullptr;
  size_t capacity_ = 0;  // buckets, 0 or a power of two
  size_t allocated_ = 0;
  std::minstd_rand level_rng_;
};

}  // namespace redoubt::storage
