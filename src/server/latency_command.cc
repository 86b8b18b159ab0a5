// LATENCY: Redoubt has no latency monitor (latency-monitor-threshold is accepted but records
// nothing), so LATEST and HISTORY are always empty and RESET resets nothing, which is what a
// Redis with monitoring disabled replies. Tools that poll LATENCY LATEST keep working.
//
// Thread: handlers run on the caller's I/O thread and touch no shared state.
#include "server/latency_command.h"

#include "commands/command_context.h"
#include "server/command_helpers.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;

void CmdLatencyEmpty(CommandContext& ctx) {
  ctx.reply.ArrayHeader(0);
}

void CmdLatencyReset(CommandContext& ctx) {
  ctx.reply.Integer(0);
}

void CmdLatencyDoctor(CommandContext& ctx) {
  ctx.reply.Verbatim("txt",
                     "Latency monitoring is not available in this Redoubt server: there are no "
                     "latency events to analyse. Use SLOWLOG GET and INFO commandstats to find "
                     "slow commands.\n");
}

void CmdLatencyHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "LATENCY",
            {"DOCTOR", "    Return a human readable latency analysis report.", "HISTORY <event>",
             "    Return time-latency samples for the <event> class.", "LATEST",
             "    Return the latest latency samples for all events.", "RESET [<event> ...]",
             "    Reset latency data of one or more <event> classes.",
             "    (default: reset all data for all event classes)"});
}

}  // namespace

void RegisterLatencyCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  constexpr uint32_t kFlags = kAdmin | kNoScript | kLoading | kStale;
  constexpr uint64_t kAcl = kAclAdmin | kAclSlow | kAclDangerous;
  table.Add({.name = "latency",
             .arity = -2,
             .acl = kAclSlow,
             .summary = "A container for latency diagnostics commands.",
             .since = "2.8.13",
             .group = "server",
             .subcommands = {
                 {.name = "latency|latest",
                  .arity = 2,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdLatencyEmpty,
                  .summary = "Returns the latest latency samples for all events.",
                  .since = "2.8.13",
                  .group = "server"},
                 {.name = "latency|history",
                  .arity = 3,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdLatencyEmpty,
                  .summary = "Returns timestamp-latency samples for an event.",
                  .since = "2.8.13",
                  .group = "server"},
                 {.name = "latency|reset",
                  .arity = -2,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdLatencyReset,
                  .summary = "Resets the latency data for one or more events.",
                  .since = "2.8.13",
                  .group = "server"},
                 {.name = "latency|doctor",
                  .arity = 2,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdLatencyDoctor,
                  .summary = "Returns a human-readable latency analysis report.",
                  .since = "2.8.13",
                  .group = "server"},
                 {.name = "latency|help",
                  .arity = 2,
                  .flags = kLoading | kStale,
                  .acl = kAclSlow,
                  .handler = CmdLatencyHelp,
                  .summary = "Returns helpful text about the different subcommands.",
                  .since = "2.8.13",
                  .group = "server"},
             }});
}

}  // namespace redoubt::server
