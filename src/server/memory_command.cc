// MEMORY: per-key memory use (USAGE) and allocator housekeeping (PURGE), Redis 7.0 texts.
//
// Thread: handlers run on the caller's I/O thread. MEMORY USAGE declares its key (position 2),
// so the dispatcher holds that key's shard lock while the handler reads the entry.
#include "server/memory_command.h"

#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/numbers.h"
#include "server/command_helpers.h"
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

// Redis asks jemalloc to return dirty pages; jemalloc's background purging does that here.
void CmdMemoryPurge(CommandContext& ctx) {
  ctx.reply.Ok();
}

void CmdMemoryDoctor(CommandContext& ctx) {
  ctx.reply.Verbatim("txt",
                     "No memory problems detected: Redoubt keeps each key and its value in one "
                     "allocation; see INFO memory for totals.\n");
}

void CmdMemoryHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "MEMORY",
            {"DOCTOR", "    Return memory problems reports.", "PURGE",
             "    Attempt to purge dirty pages for reclamation by the allocator.",
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
                 {.name = "memory|doctor",
                  .arity = 2,
                  .acl = kAclSlow,
                  .handler = CmdMemoryDoctor,
                  .summary = "Outputs a memory problems report.",
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
