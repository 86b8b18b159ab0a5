// Tests of the list data structure (src/storage/list_value.cc) and of lists held by an Entry: the
// operations one by one, the node layout (small lists in one small node, long ones in ~8 KB
// nodes, long elements alone), memory given back after pops, LTRIM and LREM, the cursor, and a
// randomized comparison with std::deque (fixed seed) over every operation.
#include "storage/list_value.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

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

// The list's elements read with a cursor from the head, and from the tail (reversed back).
std::vector<std::string> Forward(const ListValue& list) {
  std::vector<std::string> out;
  for (ListValue::Cursor c = list.CursorAt(0); !c.done(); c.Next()) {
    EXPECT_EQ(c.index(), out.size());
    out.emplace_back(*c);
  }
  return out;
}

std::vector<std::string> Backward(const ListValue& list) {
  std::vector<std::string> out;
  if (list.empty()) {
    return out;
  }
  for (ListValue::Cursor c = list.CursorAt(list.size() - 1); !c.done(); c.Prev()) {
    EXPECT_EQ(c.index(), list.size() - 1 - out.size());
    out.emplace_back(*c);
  }
  return {out.rbegin(), out.rend()};
}

ListValue Filled(size_t n, std::string_view element) {
  ListValue list;
  for (size_t i = 0; i < n; ++i) {
    list.PushBack(element);
  }
  return list;
}

TEST(ListValueTest, SmallListIsOneSmallNode) {
  ListValue list;

  list.PushBack("one");
  list.PushBack("two");
  list.PushFront("zero");

  EXPECT_EQ(list.node_count(), 1u);
  EXPECT_LE(list.AllocatedBytes(), sizeof(ListValue) + 64);
  EXPECT_EQ(Forward(list), (std::vector<std::string>{"zero", "one", "two"}));
}

TEST(ListValueTest, LongListPacksSmallElementsIntoNodesOfAtMost8KB) {
  const ListValue list = Filled(100000, "item:0000000");  // 12 bytes, as bench/data_types.py

  const double per_element =
      static_cast<double>(list.AllocatedBytes()) / static_cast<double>(list.size());

  EXPECT_LE(per_element, 14.2);  // 14 bytes packed, Redis's listpack entry is as long
  EXPECT_GE(list.node_count(), 100000u * 14 / 8192);
  EXPECT_LE(list.node_count(), 100000u * 14 / 8000 + 1);
}

TEST(ListValueTest, LongListPushedAtTheFrontIsAsDense) {
  ListValue list;
  for (int i = 0; i < 100000; ++i) {
    list.PushFront("item:0000000");
  }

  EXPECT_LE(static_cast<double>(list.AllocatedBytes()) / 100000, 14.2);
}

TEST(ListValueTest, ElementLongerThanANodeGetsANodeOfItsOwn) {
  const std::string big(20000, 'b');
  ListValue list;
  list.PushBack("a");
  list.PushBack(big);
  list.PushBack("c");

  EXPECT_GE(list.node_count(), 2u);  // "c" may use the long element's block's spare bytes
  EXPECT_EQ(list[1], big);
  EXPECT_GE(list.AllocatedBytes(), sizeof(ListValue) + 20000);
  EXPECT_LT(list.AllocatedBytes(), sizeof(ListValue) + 20000 + 1024);

  list.Set(1, "small");

  EXPECT_EQ(Forward(list), (std::vector<std::string>{"a", "small", "c"}));
  EXPECT_LT(list.AllocatedBytes(), sizeof(ListValue) + 1024);
}

TEST(ListValueTest, CursorWalksBothWaysAcrossNodes) {
  ListValue list;
  std::vector<std::string> expected;
  for (int i = 0; i < 5000; ++i) {
    expected.push_back(std::to_string(i));
    list.PushBack(expected.back());
  }

  ListValue::Cursor c = list.CursorAt(2500);
  EXPECT_EQ(*c, "2500");
  c.Prev();
  EXPECT_EQ(*c, "2499");

  ASSERT_GT(list.node_count(), 1u);
  EXPECT_EQ(Forward(list), expected);
  EXPECT_EQ(Backward(list), expected);
  EXPECT_TRUE(list.CursorAt(5000).done());
}

TEST(ListValueTest, PopsGiveTheMemoryBack) {
  ListValue list = Filled(100000, "item:0000000");

  for (int i = 0; i < 99990; ++i) {
    i % 2 == 0 ? list.PopFront() : list.PopBack();
  }

  EXPECT_EQ(list.size(), 10u);
  EXPECT_LT(list.AllocatedBytes(), sizeof(ListValue) + 512);
}

TEST(ListValueTest, QueueKeepsItsMemoryBounded) {
  ListValue list = Filled(1000, "item:0000000");
  const size_t start = list.AllocatedBytes();

  for (int i = 0; i < 200000; ++i) {
    list.PushBack("item:0000001");
    EXPECT_EQ(list.TakeFront().size(), 12u);
  }

  EXPECT_EQ(list.size(), 1000u);
  EXPECT_LT(list.AllocatedBytes(), start * 2);
}

TEST(ListValueTest, TrimKeepsTheMiddleAndFreesTheRest) {
  ListValue list;
  for (int i = 0; i < 100000; ++i) {
    list.PushBack(std::to_string(i));
  }

  list.Trim(50000, 50004);

  EXPECT_EQ(Forward(list), (std::vector<std::string>{"50000", "50001", "50002", "50003", "50004"}));
  EXPECT_EQ(list.node_count(), 1u);
  EXPECT_LT(list.AllocatedBytes(), sizeof(ListValue) + 256);
}

TEST(ListValueTest, RemoveCountsFromTheNamedEndAndMergesThinnedNodes) {
  ListValue list;
  for (int i = 0; i < 20000; ++i) {
    list.PushBack(i % 10 == 0 ? "keep" : "drop");
  }
  const size_t nodes = list.node_count();

  EXPECT_EQ(list.Remove("drop", 2), 2u);
  EXPECT_EQ(list[8], "keep");  // was position 10: the two "drop"s removed were before it
  EXPECT_EQ(list.Remove("drop", -3), 3u);
  EXPECT_EQ(list[list.size() - 7], "keep");  // 9 "drop"s ended the list, 6 are left
  EXPECT_EQ(list.Remove("drop", 0), 17995u);

  // 2,000 elements of 6 bytes fill three nodes merged up to half full (plus the remainder).
  EXPECT_EQ(list.size(), 2000u);
  EXPECT_LE(list.node_count(), 4u);
  EXPECT_GT(nodes, 10u);
  for (ListValue::Cursor c = list.CursorAt(0); !c.done(); c.Next()) {
    ASSERT_EQ(*c, "keep");
  }
}

TEST(ListValueTest, InsertIntoAFullNodeSplitsIt) {
  ListValue list = Filled(2000, "xxxxxxxxxx");
  std::vector<std::string> expected(2000, "xxxxxxxxxx");

  for (size_t i = 100; i < 1900; i += 97) {
    list.Insert(i, "inserted");
    expected.insert(expected.begin() + static_cast<ptrdiff_t>(i), "inserted");
  }

  EXPECT_EQ(Forward(list), expected);
  EXPECT_EQ(Backward(list), expected);
}

TEST(ListValueTest, EmptyAndBinaryElementsRoundTrip) {
  const std::vector<std::string> elements = {"",
                                             std::string("\0\xff\x80", 3),
                                             std::string(127, '\x80'),
                                             std::string(128, '\0'),
                                             std::string(16383, 'c'),
                                             std::string(16384, 'd'),
                                             ""};
  ListValue list;
  for (const std::string& e : elements) {
    list.PushBack(e);
  }
  for (auto it = elements.rbegin(); it != elements.rend(); ++it) {
    list.PushFront(*it);
  }

  std::vector<std::string> expected = elements;
  expected.insert(expected.begin(), elements.begin(), elements.end());
  EXPECT_EQ(Forward(list), expected);
  EXPECT_EQ(Backward(list), expected);
  EXPECT_EQ(list.TakeBack(), "");
  EXPECT_EQ(list.TakeFront(), "");
}

// Random operations applied to a ListValue and to a std::deque, compared after each step (size,
// ends, one random position) and every 200 steps in full (both cursor directions, operator[]).
// The weights keep the list wandering between empty and a few thousand elements, so that it
// spans many nodes; elements are empty, short, binary, past a 1-byte length, or (rarely) longer
// than a node.
class ListModel {
 public:
  explicit ListModel(uint32_t seed) : rng_(seed) {}

  void Step() {
    const int op = Uniform(0, 99);
    ListValue& list = *list_;
    if (op < 36) {
      const std::string e = Element();
      if (op < 18) {
        list.PushFront(e);
        model_.push_front(e);
      } else {
        list.PushBack(e);
        model_.push_back(e);
      }
    } else if (op < 50) {
      if (!model_.empty()) {
        Pop(op % 4);
      }
    } else if (op < 60) {
      const size_t i = static_cast<size_t>(Uniform(0, static_cast<int>(model_.size())));
      const std::string e = Element();
      list.Insert(i, e);
      model_.insert(model_.begin() + static_cast<ptrdiff_t>(i), e);
    } else if (op < 70) {
      const int64_t index = Index();
      const std::string e = Element();
      const bool in_range = Resolve(index).has_value();
      ASSERT_EQ(list.Set(index, e), in_range);
      if (in_range) {
        model_[*Resolve(index)] = e;
      }
    } else if (op < 73) {
      Remove();
    } else if (op < 74) {
      Trim();
    } else if (op < 90) {
      const int64_t index = Index();
      std::optional<size_t> i = Resolve(index);
      std::optional<std::string_view> got = list.At(index);
      ASSERT_EQ(got.has_value(), i.has_value());
      if (i) {
        ASSERT_EQ(*got, model_[*i]);
      }
    } else if (op < 91) {
      list_ = std::make_unique<ListValue>(list);  // the copy carries on; the source is freed
    } else if (op == 91 && Uniform(0, 99) == 0) {
      list.Clear();
      model_.clear();
    }
    Check();
  }

  void CheckAll() const {
    const ListValue& list = *list_;
    std::vector<std::string> expected(model_.begin(), model_.end());
    ASSERT_EQ(Forward(list), expected);
    ASSERT_EQ(Backward(list), expected);
    for (size_t i = 0; i < model_.size(); i += 37) {
      ASSERT_EQ(list[i], model_[i]);
    }
    size_t packed = 0;
    for (const std::string& e : model_) {
      packed += EncodedSize(e.size());
    }
    // Enough to hold the elements, and no block much bigger than its elements: a node is shrunk
    // when they fill less than a quarter of it, except the end nodes of a long list, which start
    // at 8 KB; each node also has its header, the allocator's rounding and a ring slot.
    ASSERT_GE(list.AllocatedBytes(), sizeof(ListValue) + packed);
    ASSERT_LE(list.AllocatedBytes(),
              sizeof(ListValue) + 4 * packed + 400 * list.node_count() + 2 * 8192 + 64);
    if (model_.empty()) {
      ASSERT_EQ(list.AllocatedBytes(), sizeof(ListValue));
      ASSERT_EQ(list.node_count(), 0u);
    }
  }

  size_t size() const { return model_.size(); }

 private:
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  std::string Element() {
    const int kind = Uniform(0, 199);
    if (kind < 10) {
      return "";
    }
    if (kind < 120) {
      return "v" + std::to_string(Uniform(0, 40));  // repeats, for Remove to find
    }
    if (kind < 170) {
      std::string e(static_cast<size_t>(Uniform(1, 40)), '\0');
      for (char& c : e) {
        c = static_cast<char>(Uniform(0, 255));
      }
      return e;
    }
    if (kind < 198) {
      return std::string(static_cast<size_t>(Uniform(100, 400)),
                         static_cast<char>('a' + kind % 26));
    }
    return std::string(static_cast<size_t>(Uniform(8000, 20000)), 'L');
  }

  int64_t Index() {
    const int n = static_cast<int>(model_.size());
    return Uniform(-n - 2, n + 1);
  }

  std::optional<size_t> Resolve(int64_t index) const {
    const auto n = static_cast<int64_t>(model_.size());
    if (index < 0) {
      index += n;
    }
    if (index < 0 || index >= n) {
      return std::nullopt;
    }
    return static_cast<size_t>(index);
  }

  void Pop(int how) {
    ListValue& list = *list_;
    switch (how) {
      case 0:
        ASSERT_EQ(list.TakeFront(), model_.front());
        model_.pop_front();
        break;
      case 1:
        ASSERT_EQ(list.TakeBack(), model_.back());
        model_.pop_back();
        break;
      case 2:
        ASSERT_EQ(list.front(), model_.front());
        list.PopFront();
        model_.pop_front();
        break;
      default:
        ASSERT_EQ(list.back(), model_.back());
        list.PopBack();
        model_.pop_back();
        break;
    }
  }

  void Remove() {
    const std::string e =
        model_.empty() || Uniform(0, 3) == 0
            ? Element()
            : model_[static_cast<size_t>(Uniform(0, static_cast<int>(size()) - 1))];
    const int64_t count = Uniform(-4, 4);
    const size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(count < 0 ? -count : count);
    size_t removed = 0;
    if (count >= 0) {
      for (auto it = model_.begin(); it != model_.end() && removed < limit;) {
        if (*it == e) {
          it = model_.erase(it);
          ++removed;
        } else {
          ++it;
        }
      }
    } else {
      for (size_t i = model_.size(); i > 0 && removed < limit; --i) {
        if (model_[i - 1] == e) {
          model_.erase(model_.begin() + static_cast<ptrdiff_t>(i - 1));
          ++removed;
        }
      }
    }
    ASSERT_EQ(list_->Remove(e, count), removed);
  }

  void Trim() {
    if (model_.empty()) {
      return;
    }
    // Mostly small cuts at the ends, as a capped list (LPUSH + LTRIM) makes; sometimes up to a
    // quarter at each end, which frees whole nodes.
    const int n = static_cast<int>(model_.size());
    const int most = Uniform(0, 9) == 0 ? n / 4 : 5;
    const int first = Uniform(0, std::min(n - 1, most));
    const int last = std::max(first, n - 1 - Uniform(0, most));
    list_->Trim(static_cast<size_t>(first), static_cast<size_t>(last));
    model_.erase(model_.begin() + last + 1, model_.end());
    model_.erase(model_.begin(), model_.begin() + first);
  }

  void Check() const {
    const ListValue& list = *list_;
    ASSERT_EQ(list.size(), model_.size());
    ASSERT_EQ(list.empty(), model_.empty());
    if (!model_.empty()) {
      ASSERT_EQ(list.front(), model_.front());
      ASSERT_EQ(list.back(), model_.back());
      const size_t i = model_.size() / 3;
      ASSERT_EQ(list[i], model_[i]);
      ListValue::Cursor c = list.CursorAt(i);
      ASSERT_EQ(*c, model_[i]);
    }
  }

  std::mt19937 rng_;
  std::unique_ptr<ListValue> list_ = std::make_unique<ListValue>();
  std::deque<std::string> model_;
};

TEST(ListValueTest, BehavesAsADequeUnderRandomOperations) {
  ListModel model(20240611);
  size_t largest = 0;

  for (int step = 1; step <= 60000; ++step) {
    ASSERT_NO_FATAL_FAILURE(model.Step()) << "step " << step;
    largest = std::max(largest, model.size());
    if (step % 200 == 0) {
      ASSERT_NO_FATAL_FAILURE(model.CheckAll()) << "step " << step;
    }
  }

  EXPECT_GT(largest, 1000u);  // the walk did reach lists of many nodes
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
