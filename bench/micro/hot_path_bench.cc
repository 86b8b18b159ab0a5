// Micro-benchmarks of the functions on the life of a request (docs/architecture.md): parsing a
// pipelined command, encoding replies, and the keyspace operations under a shard lock.
// Run: cmake -B build-bench -DREDOUBT_BENCH=ON && ninja -C build-bench redoubt_micro_bench
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "commands/string_operations.h"
#include "protocol/reply_writer.h"
#include "protocol/resp_parser.h"
#include "storage/keyspace.h"

namespace {

using redoubt::protocol::ReplyWriter;
using redoubt::protocol::RespParser;
using redoubt::storage::Keyspace;
using redoubt::storage::ShardLocks;

void BM_ParseSetCommand(benchmark::State& state) {
  const std::string input =
      "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000042\r\n$64\r\n" + std::string(64, 'v') + "\r\n";
  RespParser parser;
  std::vector<std::string_view> args;
  for (auto _ : state) {
    auto r = parser.Parse(input, &args);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseSetCommand);

void BM_WriteBulkReply(benchmark::State& state) {
  std::string out;
  ReplyWriter writer(&out);
  const std::string value(64, 'v');
  for (auto _ : state) {
    out.clear();
    writer.Bulk(value);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_WriteBulkReply);

void BM_KeyspaceGetHit(benchmark::State& state) {
  Keyspace keyspace(16);
  std::vector<std::string> keys;
  for (int i = 0; i < 100000; ++i) {
    keys.push_back("key:" + std::to_string(i));
    ShardLocks locks(keyspace);
    locks.LockKey(keys.back());
    keyspace.SetString(0, keys.back(), std::string(64, 'v'), redoubt::storage::kNoExpire, false);
  }
  size_t i = 0;
  for (auto _ : state) {
    const std::string& key = keys[i++ % keys.size()];
    ShardLocks locks(keyspace);
    locks.LockKey(key);
    benchmark::DoNotOptimize(keyspace.Find(0, key));
  }
}
BENCHMARK(BM_KeyspaceGetHit);

// Overwrites the 64-byte values of 100,000 keys in turn with `store`, each under its key's shard
// lock, as a handler runs.
template <typename Store>
void SetOverwriteLoop(benchmark::State& state, Store store) {
  Keyspace keyspace(16);
  const std::string value(64, 'v');
  size_t i = 0;
  for (auto _ : state) {
    std::string key = "key:" + std::to_string(i++ % 100000);
    ShardLocks locks(keyspace);
    locks.LockKey(key);
    store(keyspace, key, value);
  }
}

void BM_KeyspaceSetOverwrite(benchmark::State& state) {
  SetOverwriteLoop(state, [](Keyspace& keyspace, std::string_view key, std::string_view value) {
    keyspace.SetString(0, key, value, redoubt::storage::kNoExpire, false);
  });
}
BENCHMARK(BM_KeyspaceSetOverwrite);

// SET's operation: its lookup (for NX, XX and GET) comes on top of the store.
void BM_OpSetOverwrite(benchmark::State& state) {
  SetOverwriteLoop(state, [](Keyspace& keyspace, std::string_view key, std::string_view value) {
    benchmark::DoNotOptimize(redoubt::commands::OpSet(keyspace, 0, key, value, {}));
  });
}
BENCHMARK(BM_OpSetOverwrite);

}  // namespace
