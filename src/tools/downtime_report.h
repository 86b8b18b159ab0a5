// What redoubt-downtime prints and writes: the progress line on stderr, the summary table on
// stdout and the JSON report (schema in src/tools/README.md). Formatting only; the counts come
// from DowntimeStats and the run's outcome from DowntimeRunner.
#pragma once

#include <absl/status/status.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "tools/downtime_options.h"
#include "tools/downtime_runner.h"
#include "tools/downtime_stats.h"

namespace redoubt::tools {

// "[  12s] phase=run ok=10234 fail=0 conn_err=0 timeout=0 data_err=0 downtime=0ms reauth=0
// reauth_fail=0", totals so far; in cluster mode followed by " moved=3 asks=0".
std::string FormatProgressLine(double elapsed_s, Phase phase, const Counters& totals, bool cluster);

nlohmann::json BuildReport(const DowntimeOptions& options, const DowntimeOutcome& outcome,
                           const DowntimeStats& stats);

// Writes `report` to `path` (replacing it); the message names the file on failure.
[[nodiscard]] absl::Status WriteReport(const std::string& path, const nlohmann::json& report);

// Counters per phase and in total, in cluster mode per shard too, and the first failures.
void PrintSummary(std::FILE* out, const DowntimeOptions& options, const DowntimeOutcome& outcome,
                  const DowntimeStats& stats);

}  // namespace redoubt::tools
