// Where nodes run: the one interface through which the control plane starts, watches and stops
// redoubt-server processes. Its first implementation is this machine (LocalNodeHost); an agent
// per host, reached over the network, is the next one, and nothing above this interface knows
// which it talks to.
//
// Thread: implementations are safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace redoubt::control {

// One node as its host runs it.
struct NodeSpec {
  std::string name;     // unique on the host (the cache cluster id); names its folder
  std::string address;  // the address it binds, its own
  int port = 6379;
  // Lines of its config file beyond bind, port, dir and pidfile, in order: a directive and its
  // arguments (each quoted as the config parser needs).
  std::vector<std::vector<std::string>> directives;
};

class NodeHost {
 public:
  virtual ~NodeHost() = default;

  // Writes the node's config and starts its process; its pid. The process outlives the control
  // plane (its own session), so that restarting the control plane leaves the nodes serving.
  virtual absl::StatusOr<int64_t> Start(const NodeSpec& spec) = 0;
  // Whether process pid is still the node `name` (false once it exited, or the pid is reused).
  virtual bool IsRunning(const std::string& name, int64_t pid) = 0;
  // SIGTERM, then SIGKILL after grace_ms; returns once the process is gone.
  virtual void Stop(const std::string& name, int64_t pid, int64_t grace_ms) = 0;
  // Deletes the node's folder (its config, data and log); after Stop.
  virtual void Remove(const std::string& name) = 0;
  // Whether address:port and its cluster bus port (+10000) can be bound now.
  virtual bool PortsFree(const std::string& address, int port) = 0;
  // Writes a file into the node's folder (its certificate, key, CA) with mode, before or while
  // it runs; the path the node's config names it by.
  virtual absl::StatusOr<std::string> WriteNodeFile(const std::string& name,
                                                    const std::string& file_name,
                                                    const std::string& content, int mode) = 0;
  // The tail of the node's log, for an event that says why it failed.
  virtual std::string LogTail(const std::string& name, size_t max_bytes) = 0;
};

}  // namespace redoubt::control
