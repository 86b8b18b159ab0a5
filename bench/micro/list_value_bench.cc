// Micro-benchmarks of the list representation (storage::ListValue) under the list commands that
// redis-benchmark measures: LPUSH, RPUSH, LPOP, RPOP, LRANGE_100 and LRANGE_600, plus LINDEX in
// the middle of a long list. Elements are redis-benchmark's (3 bytes) unless the name says
// otherwise.
// Run: cmake -B build-bench -DREDOUBT_BENCH=ON && ninja -C build-bench redoubt_micro_bench
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "storage/list_value.h"

namespace {

using redoubt::storage::ListValue;

constexpr std::string_view kElement = "xxx";
// Pushes run on a list of at most this many elements, then it is emptied untimed, so that every
// run measures the same mix of pushes into existing room and growth.
constexpr size_t kMaxPushed = 100000;

template <typename Push>
void PushLoop(benchmark::State& state, Push push) {
  ListValue list;
  for (auto _ : state) {
    push(list);
    if (list.size() == kMaxPushed) {
      state.PauseTiming();
      list.Clear();
      state.ResumeTiming();
    }
  }
}

void BM_ListPushFront(benchmark::State& state) {
  PushLoop(state, [](ListValue& list) { list.PushFront(kElement); });
}
BENCHMARK(BM_ListPushFront);

void BM_ListPushBack(benchmark::State& state) {
  PushLoop(state, [](ListValue& list) { list.PushBack(kElement); });
}
BENCHMARK(BM_ListPushBack);

// Pops (moving the element out, as LPOP and RPOP do) from a list refilled untimed when empty.
template <typename Take>
void PopLoop(benchmark::State& state, Take take) {
  ListValue list;
  for (auto _ : state) {
    if (list.empty()) {
      state.PauseTiming();
      for (size_t i = 0; i < kMaxPushed; ++i) {
        list.PushBack(kElement);
      }
      state.ResumeTiming();
    }
    std::string element = take(list);
    benchmark::DoNotOptimize(element.data());
  }
}

void BM_ListTakeFront(benchmark::State& state) {
  PopLoop(state, [](ListValue& list) { return list.TakeFront(); });
}
BENCHMARK(BM_ListTakeFront);

void BM_ListTakeBack(benchmark::State& state) {
  PopLoop(state, [](ListValue& list) { return list.TakeBack(); });
}
BENCHMARK(BM_ListTakeBack);

// A queue: RPUSH then LPOP on a list that stays at 1,000 elements.
void BM_ListQueue(benchmark::State& state) {
  ListValue list;
  for (size_t i = 0; i < 1000; ++i) {
    list.PushBack(kElement);
  }
  for (auto _ : state) {
    list.PushBack(kElement);
    std::string element = list.TakeFront();
    benchmark::DoNotOptimize(element.data());
  }
}
BENCHMARK(BM_ListQueue);

ListValue FilledList(size_t n, std::string_view element) {
  ListValue list;
  for (size_t i = 0; i < n; ++i) {
    list.PushFront(element);
  }
  return list;
}

// LRANGE key 0 count-1 on a list of 10,000 elements, as redis-benchmark's LRANGE_100 and
// LRANGE_600 (bench/data_types.py fills the list the same way), reading each element as
// CmdLRange does.
void BM_ListRange(benchmark::State& state) {
  const ListValue list = FilledList(10000, kElement);
  const auto count = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    size_t bytes = 0;
    ListValue::Cursor cursor = list.CursorAt(0);
    for (size_t left = count; left > 0; --left, cursor.Next()) {
      bytes += (*cursor).size();
    }
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_ListRange)->Arg(100)->Arg(600);

// LINDEX in the middle of lists of 12-byte elements (bench/data_types.py's big list).
void BM_ListIndexMiddle(benchmark::State& state) {
  const ListValue list = FilledList(static_cast<size_t>(state.range(0)), "item:0000000");
  const auto middle = static_cast<int64_t>(list.size() / 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(list.At(middle));
  }
}
BENCHMARK(BM_ListIndexMiddle)->Arg(1000)->Arg(1000000);

}  // namespace
