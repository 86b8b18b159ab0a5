// Calls to nodes; see node_client.h.
#include "control/node_client.h"

#include <thread>

#include "common/clock.h"
#include "tools/resp_client.h"

namespace redoubt::control {

absl::StatusOr<tools::RespReply> CallNode(const NodeAddress& node,
                                          const std::vector<std::string>& args,
                                          int64_t timeout_ms) {
  const int64_t deadline_us = common::MonotonicMicros() + timeout_ms * 1000;
  tools::RespClient client(node.address, node.port, node.tls);
  client.set_source_address(node.source);
  if (tools::ClientStatus s = client.Connect(deadline_us); !s.ok()) {
    return absl::UnavailableError(node.ToString() + ": " + s.message);
  }
  tools::RespReply reply;
  for (size_t i = 0; i < node.passwords.size(); ++i) {
    std::vector<std::string_view> auth = {"AUTH", node.passwords[i]};
    if (!node.user.empty()) {
      auth.insert(auth.begin() + 1, node.user);
    }
    if (tools::ClientStatus s = client.Call(auth, &reply, deadline_us); !s.ok()) {
      return absl::UnavailableError(node.ToString() + ": " + s.message);
    }
    if (!reply.IsError()) {
      break;
    }
    if (i + 1 == node.passwords.size()) {
      return absl::PermissionDeniedError(node.ToString() + ": " + reply.str);
    }
  }
  std::vector<std::string_view> views(args.begin(), args.end());
  if (tools::ClientStatus s = client.Call(views, &reply, deadline_us); !s.ok()) {
    return absl::UnavailableError(node.ToString() + ": " + s.message);
  }
  client.Close();
  if (reply.IsError()) {
    return absl::FailedPreconditionError(node.ToString() + " answered " + args.front() + ": " +
                                         reply.str);
  }
  return reply;
}

absl::Status WaitForNode(const NodeAddress& node, const std::vector<std::string>& args,
                         const std::function<bool(const tools::RespReply&)>& done,
                         int64_t deadline_ms, std::string_view what) {
  std::string last;
  for (;;) {
    const int64_t left = deadline_ms - common::MonotonicMillis();
    if (left <= 0) {
      return absl::DeadlineExceededError(node.ToString() + ": timed out waiting for " +
                                         std::string(what) + " (last: " + last + ")");
    }
    absl::StatusOr<tools::RespReply> reply = CallNode(node, args, std::min<int64_t>(left, 2000));
    if (reply.ok() && done(*reply)) {
      return absl::OkStatus();
    }
    last = reply.ok() ? reply->Describe() : std::string(reply.status().message());
    // A node that is starting or converging answers within milliseconds; 10 ms between polls
    // keeps a 9-node group's creation well under a second of waiting.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<std::string> InfoField(std::string_view info, std::string_view field) {
  size_t pos = 0;
  while (pos < info.size()) {
    size_t end = info.find('\n', pos);
    if (end == std::string_view::npos) {
      end = info.size();
    }
    std::string_view line = info.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.size() > field.size() && line.substr(0, field.size()) == field &&
        line[field.size()] == ':') {
      return std::string(line.substr(field.size() + 1));
    }
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace redoubt::control
