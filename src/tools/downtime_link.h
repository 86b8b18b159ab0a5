// One connection of redoubt-downtime to one server node, with what the runner keeps about it:
// the password it authenticated with (the in-band credential refresh compares the password
// file with it), when the file is next looked at for it, and whether the node was ever
// connected (a later connection is counted as a reconnect). Against one server the runner has
// one link; in cluster mode ClusterRouter keeps one per node.
//
// Thread: confined to the tool's single thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "tools/cluster_slot_map.h"
#include "tools/resp_client.h"
#include "tools/tls_client_context.h"

namespace redoubt::tools {

struct DowntimeLink {
  // `tls` null for plaintext; borrowed, must outlive the link.
  DowntimeLink(NodeAddress node, const TlsClientContext* tls)
      : address(std::move(node)), client(address.host, address.port, tls) {}

  const NodeAddress address;
  RespClient client;
  // The password the open connection authenticated with ("" without AUTH).
  std::string password;
  int64_t next_file_check_us = 0;
  bool ever_connected = false;
};

}  // namespace redoubt::tools
