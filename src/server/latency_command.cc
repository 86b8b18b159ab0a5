// LATENCY: per-command latency histograms (HISTOGRAM, from latency-tracking) and the latency
// monitor's event commands. Redoubt has no latency monitor (latency-monitor-threshold is
// accepted but records no event), so LATEST and HISTORY are always empty, RESET resets nothing,
// GRAPH has no samples and DOCTOR says monitoring is off: what a Redis with monitoring disabled
// replies. Tools that poll LATENCY LATEST keep working.
//
// Thread: handlers run on the caller's I/O thread; histograms are read through their
// thread-safe merge (latency_histogram.h).
#include "server/latency_command.h"

#include <string>
#include <vector>

#include "commands/command_context.h"
#include "server/command_helpers.h"
#include "server/server.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::CommandSpec;
using commands::FormatPercentile;
using commands::LatencyDistribution;

void CmdLatencyEmpty(CommandContext& ctx) {
  ctx.reply.ArrayHeader(0);
}

void CmdLatencyReset(CommandContext& ctx) {
  ctx.reply.Integer(0);
}

void CmdLatencyGraph(CommandContext& ctx) {
  ctx.reply.Error("ERR No samples available for event '" + std::string(ctx.args[2]) + "'");
}

// Redis's report for a server whose monitor never recorded an event with the threshold at 0.
// Redoubt records none at any threshold, so it always gives this one.
void CmdLatencyDoctor(CommandContext& ctx) {
  ctx.reply.Verbatim(
      "txt",
      "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. "
      "You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable "
      "it. If we weren't in a deep space mission I'd suggest to take a look at "
      "https://redis.io/topics/latency-monitor.\n");
}

struct CommandHistogram {
  const CommandSpec* spec;
  LatencyDistribution latency;
};

// Adds `spec` when it has samples.
void AddIfRecorded(ServerAdmin& admin, const CommandSpec& spec,
                   std::vector<CommandHistogram>* out) {
  LatencyDistribution latency = admin.LatencyOf(spec);
  if (latency.total() > 0) {
    out->push_back({&spec, std::move(latency)});
  }
}

// A command and then its subcommands, as Redis walks its command table.
void AddWithSubcommands(ServerAdmin& admin, const CommandSpec& spec,
                        std::vector<CommandHistogram>* out) {
  AddIfRecorded(admin, spec, out);
  for (const CommandSpec& sub : spec.subcommands) {
    AddIfRecorded(admin, sub, out);
  }
}

// "get", "client" (with its subcommands) or "client|id"; nullptr when unknown.
const CommandSpec* FindByFullName(const commands::CommandTable& table, std::string_view name) {
  size_t bar = name.find('|');
  const CommandSpec* spec = table.Find(name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) {
    return spec;
  }
  std::string_view sub = name.substr(bar + 1);
  return sub.find('|') == std::string_view::npos
             ? commands::CommandTable::FindSubcommand(*spec, sub)
             : nullptr;
}

// LATENCY HISTOGRAM [command ...]: a map from command name to {calls, histogram_usec: {upper
// bound in µs: samples up to it}}, for the named commands (a container names its subcommands;
// unknown names are skipped) or every command with samples.
void CmdLatencyHistogram(CommandContext& ctx) {
  ServerAdmin& admin = Admin(ctx);
  std::vector<CommandHistogram> found;
  if (ctx.argc() == 2) {
    for (const auto& spec : ctx.services.table.all()) {
      AddWithSubcommands(admin, *spec, &found);
    }
  }
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (const CommandSpec* spec = FindByFullName(ctx.services.table, ctx.args[i])) {
      AddWithSubcommands(admin, *spec, &found);
    }
  }
  ctx.reply.MapHeader(found.size());
  for (const CommandHistogram& h : found) {
    ctx.reply.Bulk(h.spec->name);
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("calls");
    ctx.reply.Integer(static_cast<int64_t>(h.latency.total()));
    ctx.reply.Bulk("histogram_usec");
    std::vector<LatencyDistribution::Bucket> buckets = h.latency.CumulativeBuckets();
    ctx.reply.MapHeader(buckets.size());
    for (const LatencyDistribution::Bucket& b : buckets) {
      ctx.reply.Integer(b.micros);
      ctx.reply.Integer(static_cast<int64_t>(b.cumulative));
    }
  }
}

void CmdLatencyHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "LATENCY",
      {"DOCTOR", "    Return a human readable latency analysis report.", "GRAPH <event>",
       "    Return an ASCII latency graph for the <event> class.", "HISTORY <event>",
       "    Return time-latency samples for the <event> class.", "LATEST",
       "    Return the latest latency samples for all events.", "RESET [<event> ...]",
       "    Reset latency data of one or more <event> classes.",
       "    (default: reset all data for all event classes)", "HISTOGRAM [COMMAND ...]",
       "    Return a cumulative distribution of latencies in the format of a histogram for the "
       "specified command names.",
       "    If no commands are specified then all histograms are replied."});
}

}  // namespace

LatencyDistribution CommandLatency(Server& server, const CommandSpec& spec) {
  LatencyDistribution latency;
  for (const auto& t : server.threads()) {
    latency.Add(t->stats.commands[spec.stats_index].latency);
  }
  return latency;
}

void RegisterLatencyCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  constexpr uint32_t kFlags = kAdmin | kNoScript | kLoading | kStale;
  constexpr uint64_t kAcl = kAclAdmin | kAclSlow | kAclDangerous;
  auto sub = [](std::string_view name, int arity, Handler handler, std::string_view summary,
                std::string_view since) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = kFlags,
                       .acl = kAcl,
                       .handler = handler,
                       .summary = summary,
                       .since = since,
                       .group = "server"};
  };
  table.Add({.name = "latency",
             .arity = -2,
             .acl = kAclSlow,
             .summary = "A container for latency diagnostics commands.",
             .since = "2.8.13",
             .group = "server",
             .subcommands = {
                 sub("latency|latest", 2, CmdLatencyEmpty,
                     "Returns the latest latency samples for all events.", "2.8.13"),
                 sub("latency|history", 3, CmdLatencyEmpty,
                     "Returns timestamp-latency samples for an event.", "2.8.13"),
                 sub("latency|reset", -2, CmdLatencyReset,
                     "Resets the latency data for one or more events.", "2.8.13"),
                 sub("latency|graph", 3, CmdLatencyGraph, "Returns a latency graph for an event.",
                     "2.8.13"),
                 sub("latency|doctor", 2, CmdLatencyDoctor,
                     "Returns a human-readable latency analysis report.", "2.8.13"),
                 sub("latency|histogram", -2, CmdLatencyHistogram,
                     "Returns the cumulative distribution of latencies of a subset or all "
                     "commands.",
                     "7.0.0"),
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
