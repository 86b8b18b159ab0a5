// Memory figures for INFO memory and MEMORY STATS / DOCTOR; see memory_stats.h.
#include "server/memory_stats.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "scripting/scripting.h"
#include "server/connection.h"
#include "server/server.h"

// jemalloc's control and statistics entry points, declared weak: the server binary links
// jemalloc (they resolve), while sanitizer builds and the unit tests run on libc malloc (they
// stay null and the libc answers apply).
extern "C" {
int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));
void malloc_stats_print(void (*write_cb)(void*, const char*), void* cbopaque, const char* opts)
    __attribute__((weak));
}

namespace redoubt::server {
namespace {

bool HaveJemalloc() {
  return mallctl != nullptr;
}

uint64_t ReadSizeStat(const char* name) {
  size_t value = 0;
  size_t len = sizeof(value);
  return mallctl(name, &value, &len, nullptr, 0) == 0 ? value : 0;
}

float Ratio(uint64_t num, uint64_t den) {
  return den == 0 ? 0.0f : static_cast<float>(num) / static_cast<float>(den);
}

int64_t Difference(uint64_t a, uint64_t b) {
  return static_cast<int64_t>(a) - static_cast<int64_t>(b);
}

}  // namespace

AllocatorStats ReadAllocatorStats() {
  AllocatorStats stats;
  if (!HaveJemalloc()) {
    return stats;
  }
  // jemalloc caches its statistics until the epoch advances.
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  stats.allocated = ReadSizeStat("stats.allocated");
  stats.active = ReadSizeStat("stats.active");
  stats.resident = ReadSizeStat("stats.resident");
  return stats;
}

std::string AllocatorName() {
  if (!HaveJemalloc()) {
    return "libc";
  }
  // "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c" -> "jemalloc-5.3.0", as Redis names it.
  const char* version = nullptr;
  size_t len = sizeof(version);
  if (mallctl("version", &version, &len, nullptr, 0) != 0 || version == nullptr) {
    return "jemalloc";
  }
  std::string v(version);
  return "jemalloc-" + v.substr(0, v.find('-'));
}

bool AllocatorStatsText(std::string* out) {
  if (malloc_stats_print == nullptr) {
    return false;
  }
  malloc_stats_print([](void* text, const char* s) { static_cast<std::string*>(text)->append(s); },
                     out, nullptr);
  return true;
}

bool PurgeAllocator() {
  if (!HaveJemalloc()) {
    return true;
  }
  // "arena.<narenas>.purge" addresses all arenas at once.
  unsigned arenas = 0;
  size_t len = sizeof(arenas);
  if (mallctl("arenas.narenas", &arenas, &len, nullptr, 0) != 0) {
    return false;
  }
  std::string name = "arena." + std::to_string(arenas) + ".purge";
  return mallctl(name.c_str(), nullptr, nullptr, nullptr, 0) == 0;
}

uint64_t ProcessRssBytes() {
  // statm: size resident shared text lib data dt, in pages.
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

ClientMemory CollectClientMemory(Server& server) {
  ClientMemory m;
  server.clients().ForEach([&](Connection& c) {
    ++m.clients;
    m.buffers += c.query_buffer_bytes() + c.output_buffer_bytes();
  });
  return m;
}

MemoryOverhead CollectMemoryOverhead(Server& server, uint64_t client_buffers) {
  MemoryOverhead mh;
  std::vector<storage::DbInfo> dbs = server.keyspace().Info();
  uint64_t keyspace_bytes = server.keyspace().used_bytes();
  // Scripting, which maxmemory counts too: EVAL's Lua states and cached scripts, and the
  // functions' states and libraries.
  scripting::Scripting& scripting = server.scripting();
  mh.lua_caches = static_cast<uint64_t>(std::max<int64_t>(0, scripting.lua_bytes())) +
                  scripting.cache().body_bytes() +
                  scripting.cache().size() * scripting::Scripting::kScriptOverheadBytes;
  mh.functions_caches =
      static_cast<uint64_t>(std::max<int64_t>(0, scripting.function_lua_bytes())) +
      scripting.functions().memory_bytes();
  mh.total_allocated = keyspace_bytes + client_buffers + mh.lua_caches + mh.functions_caches;
  uint64_t peak = server.stats().peak_memory.load(std::memory_order_relaxed);
  if (mh.total_allocated > peak) {
    server.stats().peak_memory.store(mh.total_allocated, std::memory_order_relaxed);
  }
  mh.peak_allocated = std::max(peak, mh.total_allocated);
  mh.clients_normal = client_buffers;

  mh.overhead_total = mh.startup_allocated + mh.repl_backlog + mh.clients_slaves +
                      mh.clients_normal + mh.cluster_links + mh.aof_buffer + mh.lua_caches +
                      mh.functions_caches;
  for (size_t i = 0; i < dbs.size(); ++i) {
    if (dbs[i].keys == 0) {
      continue;
    }
    mh.total_keys += dbs[i].keys;
    mh.dbs.push_back({.id = static_cast<int>(i),
                      .overhead_ht_main = dbs[i].table_bytes,
                      .overhead_ht_expires = dbs[i].expires_bytes});
    mh.overhead_total += dbs[i].table_bytes + dbs[i].expires_bytes;
  }
  // The tables of empty databases still hold bucket arrays; the shards count them as dataset
  // bytes, so the dataset is what remains after every overhead listed above.
  mh.dataset = mh.total_allocated > mh.overhead_total ? mh.total_allocated - mh.overhead_total : 0;
  mh.peak_perc = mh.peak_allocated == 0 ? 100.0f
                                        : static_cast<float>(mh.total_allocated) * 100 /
                                              static_cast<float>(mh.peak_allocated);
  uint64_t net_usage =
      mh.total_allocated > mh.startup_allocated ? mh.total_allocated - mh.startup_allocated : 1;
  mh.dataset_perc = static_cast<float>(mh.dataset) * 100 / static_cast<float>(net_usage);
  mh.bytes_per_key = mh.total_keys == 0 ? 0 : net_usage / mh.total_keys;

  mh.allocator = ReadAllocatorStats();
  mh.process_rss = ProcessRssBytes();
  mh.total_frag = Ratio(mh.process_rss, mh.total_allocated);
  mh.total_frag_bytes = Difference(mh.process_rss, mh.total_allocated);
  mh.allocator_frag = Ratio(mh.allocator.active, mh.allocator.allocated);
  mh.allocator_frag_bytes = Difference(mh.allocator.active, mh.allocator.allocated);
  mh.allocator_rss = Ratio(mh.allocator.resident, mh.allocator.active);
  mh.allocator_rss_bytes = Difference(mh.allocator.resident, mh.allocator.active);
  mh.rss_extra = Ratio(mh.process_rss, mh.allocator.resident);
  mh.rss_extra_bytes = Difference(mh.process_rss, mh.allocator.resident);
  return mh;
}

std::string MemoryDoctorReport(const MemoryOverhead& mh, int64_t clients) {
  constexpr int64_t kTenMegabytes = 10 << 20;
  if (mh.total_allocated < 5 * 1024 * 1024) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector "
           "can't be used in these conditions. Please, leave for your mission on Earth and fill "
           "it with some data. The new Sam and I will be back to our programming as soon as I "
           "finished rebooting.\n";
  }
  // Redis's checks, in its order; replica buffers and cached scripts do not exist here.
  bool big_peak =
      static_cast<float>(mh.peak_allocated) / static_cast<float>(mh.total_allocated) > 1.5f;
  bool high_frag = mh.total_frag > 1.4f && mh.total_frag_bytes > kTenMegabytes;
  bool high_alloc_frag = mh.allocator_frag > 1.1f && mh.allocator_frag_bytes > kTenMegabytes;
  bool high_alloc_rss = mh.allocator_rss > 1.1f && mh.allocator_rss_bytes > kTenMegabytes;
  bool high_proc_rss = mh.rss_extra > 1.1f && mh.rss_extra_bytes > kTenMegabytes;
  bool big_client_buf = clients > 0 && mh.clients_normal / clients > 1024 * 200;
  if (!big_peak && !high_frag && !high_alloc_frag && !high_alloc_rss && !high_proc_rss &&
      !big_client_buf) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
           "occurs on this base.\n";
  }
  std::string s = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
  if (big_peak) {
    s += " * Peak memory: In the past this instance used more than 150% the memory that is "
         "currently using. The allocator is normally not able to release memory after a peak, "
         "so you can expect to see a big fragmentation ratio, however this is actually harmless "
         "and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) "
         "is currently bigger than expected, the memory will be used as soon as you fill the "
         "Redis instance with more data. If the memory peak was only occasional and you want to "
         "try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other "
         "option is to shutdown and restart the instance.\n\n";
  }
  if (high_frag) {
    s += " * High total RSS: This instance has a memory fragmentation and RSS overhead greater "
         "than 1.4 (this means that the Resident Set Size of the Redis process is much larger "
         "than the sum of the logical allocations Redis performed). This problem is usually due "
         "either to a large peak memory (check if there is a peak memory entry above in the "
         "report) or may result from a workload that causes the allocator to fragment memory a "
         "lot. If the problem is a large peak memory, then there is no issue. Otherwise, make "
         "sure you are using the Jemalloc allocator and not the default libc malloc. Note: The "
         "currently used allocator is \"" +
         AllocatorName() + "\".\n\n";
  }
  if (high_alloc_frag) {
    s += " * High allocator fragmentation: This instance has an allocator external "
         "fragmentation greater than 1.1. This problem is usually due either to a large peak "
         "memory (check if there is a peak memory entry above in the report) or may result from "
         "a workload that causes the allocator to fragment memory a lot. You can try enabling "
         "'activedefrag' config option.\n\n";
  }
  if (high_alloc_rss) {
    s += " * High allocator RSS overhead: This instance has an RSS memory overhead is greater "
         "than 1.1 (this means that the Resident Set Size of the allocator is much larger than "
         "the sum what the allocator actually holds). This problem is usually due to a large "
         "peak memory (check if there is a peak memory entry above in the report), you can try "
         "the MEMORY PURGE command to reclaim it.\n\n";
  }
  if (high_proc_rss) {
    s += " * High process RSS overhead: This instance has non-allocator RSS memory overhead is "
         "greater than 1.1 (this means that the Resident Set Size of the Redis process is much "
         "larger than the RSS the allocator holds). This problem may be due to Lua scripts or "
         "Modules.\n\n";
  }
  if (big_client_buf) {
    s += " * Big client buffers: The clients output buffers in this instance are greater than "
         "200K per client (on average). This may result from different causes, like Pub/Sub "
         "clients subscribed to channels bot not receiving data fast enough, so that data piles "
         "on the Redis instance output buffer, or clients sending commands with large replies "
         "or very large sequences of commands in the same pipeline. Please use the CLIENT LIST "
         "command in order to investigate the issue if it causes problems in your instance, or "
         "to understand better why certain clients are using a big amount of memory.\n\n";
  }
  s += "I'm here to keep you safe, Sam. I want to help you.\n";
  return s;
}

}  // namespace redoubt::server
