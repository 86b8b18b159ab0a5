// The cluster hash slot's CRC-16: the project's carry-less multiplication and slicing-by-8
// (common/hash_slot.cc) against Boost's table-driven crc_optimal, a byte at a time as Redis's
// crc16.c, which they replaced.
// Keys of 16 bytes (redis-benchmark's "key:000000001234") and 64 bytes.
#include <benchmark/benchmark.h>

#include <boost/crc.hpp>
#include <string>

#include "common/hash_slot.h"

namespace {

std::string KeyOf(int64_t size) {
  std::string key = "key:000000001234";
  key.resize(static_cast<size_t>(size), 'x');
  return key;
}

void BM_Crc16Clmul(benchmark::State& state) {  // tables on a CPU without PCLMULQDQ
  const std::string key = KeyOf(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(key.data());
    benchmark::DoNotOptimize(redoubt::common::Crc16Xmodem(key));
  }
}
BENCHMARK(BM_Crc16Clmul)->Arg(10)->Arg(16)->Arg(24)->Arg(64);

void BM_Crc16Slicing(benchmark::State& state) {
  const std::string key = KeyOf(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(key.data());
    benchmark::DoNotOptimize(redoubt::common::Crc16XmodemTables(key));
  }
}
BENCHMARK(BM_Crc16Slicing)->Arg(10)->Arg(16)->Arg(24)->Arg(64);

void BM_Crc16Boost(benchmark::State& state) {
  const std::string key = KeyOf(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(key.data());
    boost::crc_optimal<16, 0x1021, 0, 0, false, false> crc;
    crc.process_bytes(key.data(), key.size());
    benchmark::DoNotOptimize(crc.checksum());
  }
}
BENCHMARK(BM_Crc16Boost)->Arg(16)->Arg(64);

void BM_KeyHashSlotKnown(benchmark::State& state) {
  const std::string key = KeyOf(16);
  redoubt::common::KnownKeySlot known;
  known.Set(key, redoubt::common::ComputeKeyHashSlot(key));
  for (auto _ : state) {
    benchmark::DoNotOptimize(key.data());
    benchmark::DoNotOptimize(redoubt::common::KeyHashSlot(key));
  }
}
BENCHMARK(BM_KeyHashSlotKnown);

}  // namespace
