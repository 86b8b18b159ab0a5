// redoubt-downtime's output formats; see downtime_report.h.
#include "tools/downtime_report.h"

#include <absl/strings/str_format.h>

#include <cerrno>
#include <cmath>
#include <cstring>

namespace redoubt::tools {
namespace {

constexpr size_t kFailuresInSummary = 5;

// Milliseconds with microsecond precision, so that the rows add up to the total.
double Millis(int64_t us) {
  return static_cast<double>(us) / 1000.0;
}

// The redirection counters appear in cluster mode only, so that a single server's report keeps
// the shape the scripts that read it expect.
nlohmann::json CountersJson(const Counters& c, bool cluster) {
  nlohmann::json j = {{"ok", c.ok},
                      {"failed", c.failed},
                      {"connection_errors", c.connection_errors},
                      {"timeout_errors", c.timeout_errors},
                      {"data_errors", c.data_errors},
                      {"downtime_ms", Millis(c.downtime_us)},
                      {"reconnects", c.reconnects},
                      {"reauths", c.reauths},
                      {"reauth_failures", c.reauth_failures}};
  if (cluster) {
    j["moved"] = c.moved;
    j["asks"] = c.asks;
  }
  return j;
}

// A shard's own counters: operations on its keys, their downtime and redirections.
// Re-authentication is the connection's, not a shard's.
nlohmann::json ShardCountersJson(const Counters& c) {
  nlohmann::json j = CountersJson(c, /*cluster=*/true);
  j.erase("reauths");
  j.erase("reauth_failures");
  return j;
}

Counters ShardTotals(const DowntimeStats& stats, size_t shard) {
  return shard < stats.shard_totals().size() ? stats.shard_totals()[shard] : Counters{};
}

std::string PrimariesText(const ShardInfo& shard) {
  std::string text;
  for (const ShardPrimary& p : shard.primaries) {
    text += (text.empty() ? "" : " -> ") + p.address;
  }
  return text;
}

std::string SummaryRow(const char* name, double seconds, const Counters& c) {
  double rate = seconds > 0 ? static_cast<double>(c.operations()) / seconds : 0;
  return absl::StrFormat("%-8s %8.2f %10u %7u %9u %8u %9u %11u %8u %12u %12.1f %10.0f\n", name,
                         seconds, c.ok, c.failed, c.connection_errors, c.timeout_errors,
                         c.data_errors, c.reconnects, c.reauths, c.reauth_failures,
                         Millis(c.downtime_us), rate);
}

}  // namespace

std::string FormatProgressLine(double elapsed_s, Phase phase, const Counters& t, bool cluster) {
  std::string line = absl::StrFormat(
      "[%4.0fs] phase=%s ok=%u fail=%u conn_err=%u timeout=%u data_err=%u downtime=%.0fms "
      "reauth=%u reauth_fail=%u",
      std::floor(elapsed_s), PhaseName(phase), t.ok, t.failed, t.connection_errors,
      t.timeout_errors, t.data_errors, Millis(t.downtime_us), t.reauths, t.reauth_failures);
  if (cluster) {
    line += absl::StrFormat(" moved=%u asks=%u", t.moved, t.asks);
  }
  return line;
}

nlohmann::json BuildReport(const DowntimeOptions& options, const DowntimeOutcome& outcome,
                           const DowntimeStats& stats) {
  const bool cluster = options.cluster;
  nlohmann::json rows = nlohmann::json::array();
  for (const SecondRow& row : stats.rows()) {
    nlohmann::json r = CountersJson(row.counters, cluster);
    r["t"] = row.t;
    r["phase"] = PhaseName(row.phase);
    r["duration_s"] = row.duration_s;
    rows.push_back(std::move(r));
  }
  nlohmann::json failures = nlohmann::json::array();
  for (const FailureRecord& f : stats.failures()) {
    nlohmann::json failure = {{"t", f.t},
                              {"phase", PhaseName(f.phase)},
                              {"kind", FailureKindName(f.kind)},
                              {"message", f.message}};
    if (cluster) {
      // The shard's slots, as in "shards"; null when no slot map was known yet.
      failure["shard"] = f.shard >= 0 && static_cast<size_t>(f.shard) < outcome.shards.size()
                             ? nlohmann::json(outcome.shards[f.shard].slots)
                             : nlohmann::json(nullptr);
    }
    failures.push_back(std::move(failure));
  }
  nlohmann::json report = {
      {"label", options.label},
      {"host", options.host},
      {"port", options.port},
      {"tls", options.tls},
      // How the tester authenticates; the secret itself is never reported.
      {"auth", !options.password_file.empty() ? "password-file"
               : !options.password.empty()    ? "password"
                                              : "none"},
      // How often --password-file is looked at for in-band re-AUTH; 0: at connect only.
      {"reauth_check_ms", options.password_file.empty() ? 0 : options.reauth_check_ms},
      {"started_unix", static_cast<double>(outcome.started_wall_us) / 1e6},
      {"run_started_unix",
       outcome.run_started_wall_us > 0
           ? nlohmann::json(static_cast<double>(outcome.run_started_wall_us) / 1e6)
           : nlohmann::json(nullptr)},
      {"ended_unix", static_cast<double>(outcome.ended_wall_us) / 1e6},
      {"prefill_keys", outcome.prefill_keys},
      {"stop_reason", outcome.stop_reason},
      {"command_exit_status", outcome.command_exit_status
                                  ? nlohmann::json(*outcome.command_exit_status)
                                  : nlohmann::json(nullptr)},
      {"totals", CountersJson(stats.totals(), cluster)},
      {"per_second", std::move(rows)},
      {"failures", std::move(failures)},
      {"failures_dropped", stats.failures_dropped()},
  };
  if (options.wait_replicas > 0) {
    report["wait_replicas"] = options.wait_replicas;
    report["replicas_acked"] = outcome.replicas_acked >= 0 ? nlohmann::json(outcome.replicas_acked)
                                                           : nlohmann::json(nullptr);
  }
  if (cluster) {
    report["cluster"] = true;
    report["slot_map_refreshes"] = outcome.slot_map_refreshes;
    nlohmann::json shards = nlohmann::json::array();
    for (size_t i = 0; i < outcome.shards.size(); ++i) {
      const ShardInfo& shard = outcome.shards[i];
      nlohmann::json primaries = nlohmann::json::array();
      for (const ShardPrimary& p : shard.primaries) {
        primaries.push_back(
            {{"address", p.address}, {"since_unix", static_cast<double>(p.since_wall_us) / 1e6}});
      }
      shards.push_back({{"slots", shard.slots},
                        {"primaries", std::move(primaries)},
                        {"totals", ShardCountersJson(ShardTotals(stats, i))}});
    }
    report["shards"] = std::move(shards);
  }
  return report;
}

absl::Status WriteReport(const std::string& path, const nlohmann::json& report) {
  // Error messages from a server may hold bytes that are not UTF-8; replace them rather than let
  // dump() throw.
  std::string text = report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return absl::UnavailableError("cannot write report " + path + ": " + std::strerror(errno));
  }
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    return absl::UnavailableError("cannot write report " + path + ": " + std::strerror(errno));
  }
  return absl::OkStatus();
}

void PrintSummary(std::FILE* out, const DowntimeOptions& options, const DowntimeOutcome& outcome,
                  const DowntimeStats& stats) {
  std::string text =
      absl::StrFormat("redoubt-downtime %s:%d %s%s  prefill_keys=%u  stop=%s  rows=%u\n",
                      options.host, options.port, options.tls ? "tls" : "plaintext",
                      options.label.empty() ? "" : "  label=" + options.label, outcome.prefill_keys,
                      outcome.stop_reason, stats.rows().size());
  text += absl::StrFormat("%-8s %8s %10s %7s %9s %8s %9s %11s %8s %12s %12s %10s\n", "phase",
                          "seconds", "ok", "failed", "conn_err", "timeout", "data_err",
                          "reconnects", "reauths", "reauth_fail", "downtime_ms", "ops/s");
  double prefill_s = stats.PhaseSeconds(Phase::kPrefill);
  double run_s = stats.PhaseSeconds(Phase::kRun);
  text += SummaryRow("prefill", prefill_s, stats.PhaseTotals(Phase::kPrefill));
  if (outcome.run_started_wall_us > 0) {
    text += SummaryRow("run", run_s, stats.PhaseTotals(Phase::kRun));
  }
  text += SummaryRow("total", prefill_s + run_s, stats.totals());
  if (options.cluster) {
    text += absl::StrFormat("cluster: %u shards  moved=%u  asks=%u  slot_map_refreshes=%u\n",
                            outcome.shards.size(), stats.totals().moved, stats.totals().asks,
                            outcome.slot_map_refreshes);
    if (!outcome.shards.empty()) {
      text += absl::StrFormat("%-18s %10s %7s %9s %8s %9s %8s %8s %12s  %s\n", "shard", "ok",
                              "failed", "conn_err", "timeout", "data_err", "moved", "asks",
                              "downtime_ms", "primaries");
    }
    for (size_t i = 0; i < outcome.shards.size(); ++i) {
      const Counters c = ShardTotals(stats, i);
      text += absl::StrFormat("%-18s %10u %7u %9u %8u %9u %8u %8u %12.1f  %s\n",
                              outcome.shards[i].slots, c.ok, c.failed, c.connection_errors,
                              c.timeout_errors, c.data_errors, c.moved, c.asks,
                              Millis(c.downtime_us), PrimariesText(outcome.shards[i]));
    }
  }
  if (options.wait_replicas > 0) {
    text += absl::StrFormat("wait-replicas %d: %d acknowledged\n", options.wait_replicas,
                            outcome.replicas_acked);
  }
  if (outcome.command_exit_status) {
    text += absl::StrFormat("until-command exit status: %d\n", *outcome.command_exit_status);
  }
  const auto& failures = stats.failures();
  for (size_t i = 0; i < failures.size() && i < kFailuresInSummary; ++i) {
    text += absl::StrFormat("failure %.3f %s %s: %s\n", failures[i].t, PhaseName(failures[i].phase),
                            FailureKindName(failures[i].kind), failures[i].message);
  }
  uint64_t more = failures.size() + stats.failures_dropped();
  if (more > kFailuresInSummary) {
    text += absl::StrFormat("... %u more failures (see --report)\n", more - kFailuresInSummary);
  }
  std::fputs(text.c_str(), out);
}

}  // namespace redoubt::tools
