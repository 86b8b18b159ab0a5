// The NodeHost of this machine: each node is a redoubt-server process spawned with its own
// folder (NODES_DIR/NAME: redoubt.conf, its data, node.log for stdout and stderr, redoubt.pid),
// in a session of its own so that it survives the control plane. Nodes started by an earlier
// run of the control plane are not its children: they are recognised by their command line.
//
// Thread: safe; it keeps no state beyond its two paths.
#pragma once

#include <string>

#include "control/node_host.h"

namespace redoubt::control {

class LocalNodeHost : public NodeHost {
 public:
  LocalNodeHost(std::string server_binary, std::string nodes_dir);

  absl::StatusOr<int64_t> Start(const NodeSpec& spec) override;
  bool IsRunning(const std::string& name, int64_t pid) override;
  void Stop(const std::string& name, int64_t pid, int64_t grace_ms) override;
  void Remove(const std::string& name) override;
  bool PortsFree(const std::string& address, int port) override;
  absl::StatusOr<std::string> WriteNodeFile(const std::string& name, const std::string& file_name,
                                            const std::string& content, int mode) override;
  std::string LogTail(const std::string& name, size_t max_bytes) override;

 private:
  std::string FolderOf(const std::string& name) const { return nodes_dir_ + "/" + name; }
  std::string ConfigOf(const std::string& name) const { return FolderOf(name) + "/redoubt.conf"; }

  std::string server_binary_;
  std::string nodes_dir_;
};

}  // namespace redoubt::control
