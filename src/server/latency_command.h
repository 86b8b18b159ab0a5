// Registers LATENCY and its subcommands (LATEST HISTORY RESET GRAPH DOCTOR HISTOGRAM HELP), and
// reads the per-command latency histograms that INFO latencystats shares.
#pragma once

#include "commands/command_table.h"
#include "commands/latency_histogram.h"

namespace redoubt::server {

class Server;

void RegisterLatencyCommand(commands::CommandTable& table);

// `spec`'s latency histograms (latency-tracking) merged over every I/O thread; total() 0 when
// it has not run since start or CONFIG RESETSTAT. Any thread.
commands::LatencyDistribution CommandLatency(Server& server, const commands::CommandSpec& spec);

}  // namespace redoubt::server
