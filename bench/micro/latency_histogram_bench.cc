// Micro-benchmark of the latency-tracking record on the life of a request (the dispatcher's
// accounting records every command's duration): the latency-tracking switch and
// LatencyHistogram::RecordMicros, with tracking on and off, over durations spread as a real
// workload's (mostly a few microseconds, some hundreds).
// Run: cmake -B build-bench -DREDOUBT_BENCH=ON && ninja -C build-bench redoubt_micro_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "commands/command_stats.h"
#include "commands/runtime_settings.h"

namespace {

using redoubt::commands::CommandCounters;
using redoubt::commands::RuntimeSettings;

std::vector<int64_t> Durations() {
  std::vector<int64_t> d;
  uint64_t x = 42;
  for (int i = 0; i < 4096; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;  // fixed-seed LCG
    d.push_back((x >> 60) == 0 ? static_cast<int64_t>((x >> 33) % 500) : (x >> 33) % 8);
  }
  return d;
}

void BM_RecordLatency(benchmark::State& state) {
  RuntimeSettings settings;
  settings.latency_tracking.store(state.range(0) != 0);
  CommandCounters counters;
  std::vector<int64_t> durations = Durations();
  size_t i = 0;
  for (auto _ : state) {
    // As Dispatcher::Account does it.
    if (settings.latency_tracking.load(std::memory_order_relaxed)) {
      counters.latency.RecordMicros(durations[i & 4095]);
    }
    ++i;
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_RecordLatency)->Arg(1)->Arg(0)->ArgName("tracking");

}  // namespace
