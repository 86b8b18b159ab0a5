// redoubt-tls-connect's loop; see handshake_bench.h.
#include "tools/handshake_bench.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/clock.h"
#include "tools/resp_client.h"
#include "tools/signals.h"

namespace redoubt::tools {
namespace {

// Nearest-rank percentile of sorted values; 0 when there are none.
int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) {
    return 0;
  }
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

HandshakeBenchResult RunHandshakeBench(const HandshakeBenchOptions& options,
                                       const TlsClientContext& tls) {
  HandshakeBenchResult result;
  RespClient client(options.host, options.port, &tls);
  std::vector<int64_t> handshake_us;
  handshake_us.reserve(std::min<uint64_t>(options.connections, 1 << 20));
  const int64_t timeout_us = int64_t{options.timeout_ms} * 1000;
  const int64_t start = common::MonotonicMicros();
  const int64_t end = start + static_cast<int64_t>(options.duration_s * 1e6);
  int64_t next_progress = start + common::kMicrosPerSecond;
  RespReply reply;

  while (result.connections < options.connections && !StopRequested()) {
    int64_t now = common::MonotonicMicros();
    if (now >= end) {
      break;
    }
    if (!options.resume) {
      client.ForgetSession();
    }
    ++result.connections;
    ClientStatus s = client.Connect(now + timeout_us);
    if (s.ok()) {
      handshake_us.push_back(client.handshake_us());
      s = client.Call({"PING"}, &reply, common::MonotonicMicros() + timeout_us);
      if (s.ok() && !(reply.type == RespReply::Type::kSimpleString && reply.str == "PONG")) {
        s = {ClientError::kIo, "PING: expected PONG, got " + reply.Describe()};
      }
    }
    if (s.ok()) {
      ++(client.session_reused() ? result.resumed : result.full);
      result.tls_version = client.tls_version();
    } else {
      ++result.failures;
      if (result.first_failure.empty()) {
        result.first_failure = s.message;
      }
    }
    client.Close();

    now = common::MonotonicMicros();
    if (!options.quiet && now >= next_progress) {
      while (next_progress <= now) {
        next_progress += common::kMicrosPerSecond;
      }
      std::fprintf(stderr, "[%4lds] connections=%llu resumed=%llu full=%llu failures=%llu\n",
                   static_cast<long>((now - start) / common::kMicrosPerSecond),
                   static_cast<unsigned long long>(result.connections),
                   static_cast<unsigned long long>(result.resumed),
                   static_cast<unsigned long long>(result.full),
                   static_cast<unsigned long long>(result.failures));
    }
  }

  result.elapsed_s =
      static_cast<double>(common::MonotonicMicros() - start) / common::kMicrosPerSecond;
  if (result.elapsed_s > 0) {
    result.conn_per_s = static_cast<double>(result.resumed + result.full) / result.elapsed_s;
  }
  std::sort(handshake_us.begin(), handshake_us.end());
  result.handshake_us_p50 = Percentile(handshake_us, 50);
  result.handshake_us_p99 = Percentile(handshake_us, 99);
  return result;
}

}  // namespace redoubt::tools
