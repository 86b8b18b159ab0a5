// MEMORY: per-key memory use (USAGE), the server's memory breakdown (STATS) and report
// (DOCTOR), the allocator's statistics (MALLOC-STATS) and housekeeping (PURGE); Redis 7.0's
// replies and texts, with the figures of memory_stats.h.
//
// Thread: handlers run on the caller's I/O thread. MEMORY USAGE declares its key (position 2),
// so the dispatcher holds that key's shard lock while the handler reads the entry; the others
// lock no shard themselves (the keyspace takes each shard's lock briefly).
#include "server/memory_command.h"

#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/numbers.h"
#include "server/command_helpers.h"
#include "server/memory_stats.h"
#include "storage/keyspace.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;

// The entry's heap block holds key, value and TTL together; add the bucket slot pointing at
// it. The whole value is measured, so SAMPLES (Redis's estimate for aggregate types) is
// checked but changes nothing.
constexpr size_t kTableSlotBytes = sizeof(void*);

// MEMORY USAGE key [SAMPLES count]
void CmdMemoryUsage(CommandContext& ctx) {
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    if (commands::EqualsIgnoreCase(ctx.args[i], "samples") && i + 1 < ctx.argc()) {
      int64_t samples;
      if (!commands::ParseInt64OrReply(ctx, ctx.args[i + 1], &samples)) {
        return;
      }
      if (samples < 0) {
        return ctx.reply.Error(commands::kErrSyntax);
      }
    } else {
      return ctx.reply.Error(commands::kErrSyntax);
    }
  }
  const storage::Entry* entry = ctx.keyspace.Find(ctx.db(), ctx.args[2], storage::Access::kNoTouch);
  if (entry == nullptr) {
    return ctx.reply.Null();
  }
  ctx.reply.Integer(static_cast<int64_t>(entry->AllocatedBytes() + kTableSlotBytes));
}

void CmdMemoryPurge(CommandContext& ctx) {
  if (PurgeAllocator()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error("ERR Error purging dirty pages");
  }
}

// MEMORY STATS: Redis 7.0's fields in its order (integers, and doubles for the ratios), with a
// db.<n> map for each database that has keys.
void CmdMemoryStats(CommandContext& ctx) {
  ClientMemory clients;
  MemoryOverhead mh = Admin(ctx).MemoryNow(&clients);
  auto integer = [&](std::string_view name, uint64_t v) {
    ctx.reply.Bulk(name);
    ctx.reply.Integer(static_cast<int64_t>(v));
  };
  auto signed_integer = [&](std::string_view name, int64_t v) {
    ctx.reply.Bulk(name);
    ctx.reply.Integer(v);
  };
  auto ratio = [&](std::string_view name, float v) {
    ctx.reply.Bulk(name);
    ctx.reply.Double(v);
  };
  ctx.reply.MapHeader(27 + mh.dbs.size());
  integer("peak.allocated", mh.peak_allocated);
  integer("total.allocated", mh.total_allocated);
  integer("startup.allocated", mh.startup_allocated);
  integer("replication.backlog", mh.repl_backlog);
  integer("clients.slaves", mh.clients_slaves);
  integer("clients.normal", mh.clients_normal);
  integer("cluster.links", mh.cluster_links);
  integer("aof.buffer", mh.aof_buffer);
  integer("lua.caches", mh.lua_caches);
  integer("functions.caches", mh.functions_caches);
  for (const MemoryOverhead::Db& db : mh.dbs) {
    ctx.reply.Bulk("db." + std::to_string(db.id));
    ctx.reply.MapHeader(3);
    integer("overhead.hashtable.main", db.overhead_ht_main);
    integer("overhead.hashtable.expires", db.overhead_ht_expires);
    integer("overhead.hashtable.slot-to-keys", db.overhead_ht_slot_to_keys);
  }
  integer("overhead.total", mh.overhead_total);
  integer("keys.count", mh.total_keys);
  integer("keys.bytes-per-key", mh.bytes_per_key);
  integer("dataset.bytes", mh.dataset);
  ratio("dataset.percentage", mh.dataset_perc);
  ratio("peak.percentage", mh.peak_perc);
  integer("allocator.allocated", mh.allocator.allocated);
  integer("allocator.active", mh.allocator.active);
  integer("allocator.resident", mh.allocator.resident);
  ratio("allocator-fragmentation.ratio", mh.allocator_frag);
  signed_integer("allocator-fragmentation.bytes", mh.allocator_frag_bytes);
  ratio("allocator-rss.ratio", mh.allocator_rss);
  signed_integer("allocator-rss.bytes", mh.allocator_rss_bytes);
  ratio("rss-overhead.ratio", mh.rss_extra);
  signed_integer("rss-overhead.bytes", mh.rss_extra_bytes);
  // The total RSS overhead, fragmentation included; Redis keeps the name for compatibility.
  ratio("fragmentation", mh.total_frag);
  signed_integer("fragmentation.bytes", mh.total_frag_bytes);
}

void CmdMemoryDoctor(CommandContext& ctx) {
  ClientMemory clients;
  MemoryOverhead mh = Admin(ctx).MemoryNow(&clients);
  ctx.reply.Verbatim("txt", MemoryDoctorReport(mh, clients.clients));
}

// jemalloc's own report; the reply Redis gives when built without jemalloc otherwise.
void CmdMemoryMallocStats(CommandContext& ctx) {
  std::string text;
  if (AllocatorStatsText(&text)) {
    ctx.reply.Verbatim("txt", text);
  } else {
    ctx.reply.Bulk("Stats not supported for the current allocator");
  }
}

void CmdMemoryHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "MEMORY",
            {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
             "    Return internal statistics report from the memory allocator.", "PURGE",
             "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
             "    Return information about the memory usage of the server.",
             "USAGE <key> [SAMPLES <count>]",
             "    Return memory in bytes used by <key> and its value. Nested values are",
             "    sampled up to <count> times (default: 5, 0 means sample all)."});
}

}  // namespace

void RegisterMemoryCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  table.Add({.name = "memory",
             .arity = -2,
             .acl = kAclSlow,
             .summary = "A container for memory diagnostics commands.",
             .since = "4.0.0",
             .group = "server",
             .subcommands = {
                 {.name = "memory|usage",
                  .arity = -3,
                  .flags = kReadOnly,
                  .keys = {.first = 2, .last = 2, .step = 1},
                  .acl = kAclRead | kAclSlow,
                  .handler = CmdMemoryUsage,
                  .summary = "Estimates the memory usage of a key.",
                  .since = "4.0.0",
                  .group = "server"},
                 {.name = "memory|purge",
                  .arity = 2,
                  .acl = kAclSlow,
                  .handler = CmdMemoryPurge,
                  .summary = "Asks the allocator to release memory.",
                  .since = "4.0.0",
                  .group = "server"},
                 {.name = "memory|stats",
                  .arity = 2,
                  .acl = kAclSlow,
                  .handler = CmdMemoryStats,
                  .summary = "Returns details about memory usage.",
                  .since = "4.0.0",
                  .group = "server"},
                 {.name = "memory|doctor",
                  .arity = 2,
                  .acl = kAclSlow,
                  .handler = CmdMemoryDoctor,
                  .summary = "Outputs a memory problems report.",
                  .since = "4.0.0",
                  .group = "server"},
                 {.name = "memory|malloc-stats",
                  .arity = 2,
                  .acl = kAclSlow,
                  .handler = CmdMemoryMallocStats,
                  .summary = "Returns the allocator statistics.",
                  .since = "4.0.0",
                  .group = "server"},
                 {.name = "memory|help",
                  .arity = 2,
                  .flags = kLoading | kStale,
                  .acl = kAclSlow,
                  .handler = CmdMemoryHelp,
                  .summary = "Returns helpful text about the different subcommands.",
                  .since = "4.0.0",
                  .group = "server"},
             }});
}

}  // namespace redoubt::server
