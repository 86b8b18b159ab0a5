// What the server's memory is made of, in Redis 7.0's terms (its getMemoryOverheadData): the
// numbers INFO memory and MEMORY STATS / DOCTOR share, and the allocator's own statistics.
//
// Redoubt counts its dataset itself (every key's block and the tables, per shard) and the
// clients' query and output buffers; jemalloc, when linked, says what it allocated, holds
// active and resident; procfs gives the process's RSS. What Redoubt does not have (replication
// backlog, AOF buffer, scripts, cluster links, a start-up baseline) is 0.
//
// Thread: any thread; reads thread-safe counters and takes each shard's lock briefly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redoubt::server {

class Server;

// jemalloc's stats.allocated / active / resident, refreshed; all 0 without jemalloc.
struct AllocatorStats {
  uint64_t allocated = 0;
  uint64_t active = 0;
  uint64_t resident = 0;
};
AllocatorStats ReadAllocatorStats();

// "jemalloc-5.3.0" when jemalloc is linked, else "libc" (INFO mem_allocator).
std::string AllocatorName();

// jemalloc's malloc_stats_print text (MEMORY MALLOC-STATS); false without jemalloc.
bool AllocatorStatsText(std::string* out);

// MEMORY PURGE: asks jemalloc to return every arena's dirty pages to the system. False when
// jemalloc refuses; true without jemalloc (nothing to do).
bool PurgeAllocator();

// Resident set size of the process, from /proc/self/statm.
uint64_t ProcessRssBytes();

struct MemoryOverhead {
  uint64_t peak_allocated = 0;
  uint64_t total_allocated = 0;  // INFO used_memory: the dataset and the client buffers
  uint64_t startup_allocated = 0;
  uint64_t repl_backlog = 0;
  uint64_t clients_slaves = 0;
  uint64_t clients_normal = 0;
  uint64_t cluster_links = 0;
  uint64_t aof_buffer = 0;
  uint64_t lua_caches = 0;
  uint64_t functions_caches = 0;
  struct Db {
    int id = 0;
    uint64_t overhead_ht_main = 0;
    uint64_t overhead_ht_expires = 0;
    uint64_t overhead_ht_slot_to_keys = 0;
  };
  std::vector<Db> dbs;  // databases that have keys
  uint64_t overhead_total = 0;
  uint64_t total_keys = 0;
  uint64_t bytes_per_key = 0;
  uint64_t dataset = 0;  // total_allocated - overhead_total: keys and values
  float dataset_perc = 0;
  float peak_perc = 0;

  AllocatorStats allocator;
  uint64_t process_rss = 0;
  // Ratios as Redis computes them (0 when the denominator is); bytes may be negative.
  float total_frag = 0;  // process RSS / total_allocated
  int64_t total_frag_bytes = 0;
  float allocator_frag = 0;  // active / allocated
  int64_t allocator_frag_bytes = 0;
  float allocator_rss = 0;  // resident / active
  int64_t allocator_rss_bytes = 0;
  float rss_extra = 0;  // process RSS / resident
  int64_t rss_extra_bytes = 0;
};

// Gathers the figures now; `client_buffers` is the sum of the clients' query and output
// buffers (the caller may already have walked the clients). Raises the recorded peak when
// total_allocated is above it.
MemoryOverhead CollectMemoryOverhead(Server& server, uint64_t client_buffers);

// Sum of every client's query and output buffer bytes, and the number of clients.
struct ClientMemory {
  uint64_t buffers = 0;
  int64_t clients = 0;
};
ClientMemory CollectClientMemory(Server& server);

// MEMORY DOCTOR's report, with Redis's texts: an empty (under 5 MB) instance, no issue found,
// or the issues found (peak, fragmentation, allocator and RSS overheads, big client buffers).
std::string MemoryDoctorReport(const MemoryOverhead& mh, int64_t clients);

}  // namespace redoubt::server
