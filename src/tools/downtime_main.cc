// redoubt-downtime: measures what one client experiences while an operator changes a server (TLS
// mode switch, certificate rotation, password rotation), as AWS ElastiCache's in-transit
// encryption migration guide measures it. Usage and report schema: src/tools/README.md.
//
// Exit status: 0 when it ran (failures are in the report, for the caller to judge), 1 when no
// key could be written during prefill or the run could not proceed, 2 on bad usage.
#include <cstdio>
#include <memory>

#include "tools/downtime_options.h"
#include "tools/downtime_report.h"
#include "tools/downtime_runner.h"
#include "tools/downtime_stats.h"
#include "tools/signals.h"
#include "tools/tls_client_context.h"

int main(int argc, char** argv) {
  using namespace redoubt::tools;
  DowntimeOptions options;
  if (std::optional<int> status = ParseDowntimeOptions(argc, argv, &options)) {
    return *status;
  }
  InstallSignalHandlers();

  std::unique_ptr<TlsClientContext> tls;
  if (options.tls) {
    auto created = TlsClientContext::Create(options.tls_options);
    if (!created.ok()) {
      std::fprintf(stderr, "redoubt-downtime: %s\n",
                   std::string(created.status().message()).c_str());
      return 2;
    }
    tls = std::move(*created);
  }

  DowntimeStats stats;
  DowntimeRunner runner(options, tls.get(), &stats);
  DowntimeOutcome outcome = runner.Run();

  PrintSummary(stdout, options, outcome, stats);
  std::fflush(stdout);
  int exit_status = outcome.error.empty() ? 0 : 1;
  if (!outcome.error.empty()) {
    std::fprintf(stderr, "redoubt-downtime: %s\n", outcome.error.c_str());
  }
  if (!options.report_path.empty()) {
    if (absl::Status s = WriteReport(options.report_path, BuildReport(options, outcome, stats));
        !s.ok()) {
      std::fprintf(stderr, "redoubt-downtime: %s\n", std::string(s.message()).c_str());
      exit_status = 1;
    }
  }
  return exit_status;
}
