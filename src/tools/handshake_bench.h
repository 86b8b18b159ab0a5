// The measuring loop of redoubt-tls-connect: opens TLS connections one after another (TCP
// connect, handshake, PING, close) and times the handshakes, full or resumed. redis-benchmark
// keeps its connections open and cannot resume sessions, so it does not show what connection
// setup costs a server, nor how much session resumption saves.
//
// With resume, each handshake offers the session saved from the previous connection. For TLS 1.3
// the ticket arrives after the handshake, so the session is taken after the PING reply has been
// read (RespClient does this).
//
// Thread: confined to the tool's single thread.
#pragma once

#include <cstdint>
#include <string>

#include "tools/tls_client_context.h"

namespace redoubt::tools {

struct HandshakeBenchOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  uint64_t connections = 1000;
  double duration_s = 60;  // cap: stop early when it is reached
  bool resume = false;
  int timeout_ms = 1000;  // connect plus handshake, and PING, each
  bool quiet = false;     // no progress line on stderr once per second
};

struct HandshakeBenchResult {
  uint64_t connections = 0;  // attempted; = resumed + full + failures
  uint64_t resumed = 0;
  uint64_t full = 0;
  uint64_t failures = 0;
  double elapsed_s = 0;
  double conn_per_s = 0;  // successful connections per second
  int64_t handshake_us_p50 = 0;
  int64_t handshake_us_p99 = 0;
  std::string tls_version;    // negotiated, from the last successful connection
  std::string first_failure;  // message of the first failure, if any
};

// Requires: `tls` outlives the call.
HandshakeBenchResult RunHandshakeBench(const HandshakeBenchOptions& options,
                                       const TlsClientContext& tls);

}  // namespace redoubt::tools
