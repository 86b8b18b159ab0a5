// What a cluster node knows of one node of its cluster, itself included: its name (40 hex
// digits), addresses, role, flags, epoch, and the slots it serves. CLUSTER NODES, nodes.conf and
// (later) the bus's gossip all describe nodes this way.
//
// Thread: plain data; ClusterState guards the nodes it holds.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/hash_slot.h"

namespace redoubt::cluster {

// Redis's CLUSTER_NODE_* flags (the bus carries them with these values).
enum NodeFlag : uint16_t {
  kPrimary = 1,
  kReplica = 2,
  kPfail = 4,
  kFail = 8,
  kMyself = 16,
  kHandshake = 32,
  kNoAddr = 64,
  kMeet = 128,
  kMigrateTo = 256,
  kNoFailover = 512,
};

// CLUSTER NODES's flags field: "myself,master", "slave", "master,fail?", "noflags".
std::string FlagsText(uint16_t flags);
// The inverse, for nodes.conf; unknown words are ignored as Redis ignores them.
uint16_t ParseFlagsText(std::string_view text);

struct ClusterNode {
  std::string name;  // 40 lower-case hex digits
  std::string ip;    // empty: not known yet (noaddr)
  int port = 0;      // the port clients use
  int pport = 0;     // the other client port when TLS and plaintext ports differ (0: none)
  int cport = 0;     // the cluster bus port
  std::string hostname;
  uint16_t flags = 0;
  std::string primary_name;  // a replica's primary, empty otherwise
  int64_t ping_sent_ms = 0;
  int64_t pong_received_ms = 0;
  uint64_t config_epoch = 0;
  bool link_connected = false;
  std::bitset<common::kClusterSlots> slots;

  // What the bus keeps (not saved in nodes.conf): an id for its links that survives the
  // handshake's rename; when the node was made, when anything last came from it, when it was
  // flagged FAIL; its replication offset; the primaries that reported it failing, and when.
  uint64_t serial = 0;
  int64_t created_ms = 0;
  int64_t data_received_ms = 0;
  int64_t fail_time_ms = 0;
  uint64_t repl_offset = 0;
  std::vector<std::pair<std::string, int64_t>> failure_reports;
  // A primary's: when this node last voted for one of its replicas; since when it has had no
  // working replica (0: it has one, or never had one).
  int64_t voted_time_ms = 0;
  int64_t orphaned_time_ms = 0;

  bool is_myself() const { return flags & kMyself; }
  bool is_primary() const { return flags & kPrimary; }
  bool is_replica() const { return flags & kReplica; }
  bool failed() const { return flags & kFail; }
};

}  // namespace redoubt::cluster
