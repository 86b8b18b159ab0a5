// Statistics declared once: a Counter is declared with the INFO field that shows it and whether
// CONFIG RESETSTAT clears it, and joins its component's CounterGroup. INFO prints a counter by
// the name it was declared with (InfoLines::Add(counter)), and RESETSTAT resets a component's
// statistics with one call (CounterGroup::ResetStatistics), so a new counter needs no edit in
// either place.
//
// The atomic-like methods (fetch_add, load, store) keep call sites as they read for a plain
// std::atomic.
//
// Thread: any thread; relaxed atomics (statistics, each independent). A group is built with
// its owner and never changes afterwards.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

namespace redoubt::common {

class Counter;

class CounterGroup {
 public:
  CounterGroup() = default;
  CounterGroup(const CounterGroup&) = delete;
  CounterGroup& operator=(const CounterGroup&) = delete;

  // CONFIG RESETSTAT: every counter declared as a statistic back to 0 (gauges keep counting).
  void ResetStatistics();
  const std::vector<Counter*>& counters() const { return counters_; }

 private:
  friend class Counter;
  std::vector<Counter*> counters_;
};

class Counter {
 public:
  enum class Kind : uint8_t {
    kStatistic,  // counts events since start or the last CONFIG RESETSTAT
    kGauge,      // a current amount (connected clients): RESETSTAT leaves it
  };

  // info_name: the INFO field, exactly as shown. Requires: `group` outlives the counter.
  Counter(CounterGroup& group, std::string_view info_name, Kind kind = Kind::kStatistic)
      : info_name_(info_name), kind_(kind) {
    group.counters_.push_back(this);
  }
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  std::string_view info_name() const { return info_name_; }
  Kind kind() const { return kind_; }
  int64_t Get() const { return v_.load(std::memory_order_relaxed); }

  int64_t fetch_add(int64_t d, std::memory_order order = std::memory_order_relaxed) {
    return v_.fetch_add(d, order);
  }
  int64_t fetch_sub(int64_t d, std::memory_order order = std::memory_order_relaxed) {
    return v_.fetch_sub(d, order);
  }
  int64_t load(std::memory_order order = std::memory_order_relaxed) const { return v_.load(order); }
  void store(int64_t v, std::memory_order order = std::memory_order_relaxed) { v_.store(v, order); }

 private:
  const std::string_view info_name_;
  const Kind kind_;
  std::atomic<int64_t> v_{0};
};

inline void CounterGroup::ResetStatistics() {
  for (Counter* c : counters_) {
    if (c->kind() == Counter::Kind::kStatistic) {
      c->store(0);
    }
  }
}

}  // namespace redoubt::common
