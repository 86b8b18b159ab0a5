// The control plane's calls to its nodes: one command on a short-lived connection (the control
// plane sends a few per operation, never a stream), and waiting for a node to reach a state. The
// connection is the tools' RespClient, the same client redoubt-downtime measures with.
//
// Thread: functions; each call has its own connection.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/resp_reply.h"
#include "tools/tls_client_context.h"

namespace redoubt::control {

struct NodeAddress {
  std::string address;
  int port = 6379;
  // AUTH before the command, as user (the default user when empty) with the first of these the
  // node accepts: while an auth token changes, nodes may hold the old one, the new one or both.
  std::string user;
  std::vector<std::string> passwords;
  // TLS (verifying the node against the control plane's CA) when set; borrowed.
  const tools::TlsClientContext* tls = nullptr;
  // The local address the call leaves from (empty: the kernel's choice).
  std::string source;

  std::string ToString() const { return address + ":" + std::to_string(port); }
};

// Sends args and returns the reply; an error reply (-ERR …) is an error status naming the node.
absl::StatusOr<tools::RespReply> CallNode(const NodeAddress& node,
                                          const std::vector<std::string>& args,
                                          int64_t timeout_ms = 5000);

// Calls args every few milliseconds until done(reply) holds (true) or deadline_ms (monotonic)
// passes; the error then says what the last reply or failure was. `what` names the wait.
absl::Status WaitForNode(const NodeAddress& node, const std::vector<std::string>& args,
                         const std::function<bool(const tools::RespReply&)>& done,
                         int64_t deadline_ms, std::string_view what);

// A field of an INFO reply ("role" → "master"), or nullopt.
std::optional<std::string> InfoField(std::string_view info, std::string_view field);

}  // namespace redoubt::control
