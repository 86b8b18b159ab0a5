// Random choices shared by HRANDFIELD, SRANDMEMBER, SPOP and (later) ZRANDMEMBER: one generator
// per thread, and Redis 7.0's way of picking distinct elements.
//
// Thread: the generator is thread_local; the functions run under the key's shard lock.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <cstddef>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace redoubt::commands {

// This thread's generator, seeded from the system once.
inline std::mt19937_64& CommandRng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// n distinct elements of a collection of `size` (n < size), in random order, as Redis's
// SRANDMEMBER and HRANDFIELD choose them: when n is a third of the collection or more, or
// random picks are costly (a packed encoding), the first n of a shuffle of all(); otherwise
// random() until n distinct ones, compared by name_of(element).
template <typename T, typename AllFn, typename RandomFn, typename NameFn>
std::vector<T> PickDistinct(size_t n, size_t size, bool cheap_random, AllFn all, RandomFn random,
                            NameFn name_of) {
  std::mt19937_64& rng = CommandRng();
  std::vector<T> picks;
  if (!cheap_random || n * 3 > size) {
    picks = all();
    for (size_t i = 0; i < n; ++i) {
      std::swap(picks[i], picks[i + rng() % (picks.size() - i)]);
    }
    picks.resize(n);
    return picks;
  }
  absl::flat_hash_set<std::string_view> seen;
  while (picks.size() < n) {
    T pick = random();
    if (seen.insert(name_of(pick)).second) {
      picks.push_back(std::move(pick));
    }
  }
  return picks;
}

}  // namespace redoubt::commands
