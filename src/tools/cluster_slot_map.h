// What a Redis Cluster client must know to send a key to the right node: the key's hash slot,
// the slot map read from CLUSTER SLOTS (which primary serves which slots, and its replicas),
// and the redirections a node answers with (-MOVED, -ASK, -TRYAGAIN, -CLUSTERDOWN), all in
// Redis 7.0's formats. Parsing and bookkeeping only: no sockets (cluster_router.h talks to the
// nodes), so every rule here is unit-tested on replies built in memory.
//
// The slot of a key is common::KeyHashSlot (CRC16-XMODEM of the key or of its hash tag, modulo
// 16384): the tools may use common/, and that is the function Redoubt's nodes route with, so the
// client cannot disagree with the server about a key.
//
// Thread: plain values and pure functions; a SlotMap is confined to its owner's thread.
#pragma once

#include <absl/status/statusor.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash_slot.h"
#include "tools/resp_reply.h"

namespace redoubt::tools {

inline constexpr int kClusterSlotCount = common::kClusterSlots;

// 0 .. 16383, as CLUSTER KEYSLOT gives it.
inline int KeySlot(std::string_view key) {
  return common::KeyHashSlot(key);
}

// A node's client address as CLUSTER SLOTS and the redirections name it.
struct NodeAddress {
  std::string host;
  int port = 0;

  // "host:port", as Redis writes it in MOVED and ASK (an IPv6 host is not bracketed).
  std::string ToString() const;
  bool operator==(const NodeAddress&) const = default;
};

// One entry of CLUSTER SLOTS: slots first..last (inclusive) and the nodes serving them.
struct SlotRange {
  int first = 0;
  int last = 0;
  NodeAddress primary;
  std::vector<NodeAddress> replicas;
};

// Parses a CLUSTER SLOTS reply (Redis 7.0: [first, last, [host, port, id, [metadata]],
// replicas...] per entry). A null or empty host means "the node you asked", as Redis documents
// for nodes whose address is unknown; `queried_host` is put in its place. Returns an error for
// anything else that is not of that shape (an error reply, a slot out of range, a bad port).
absl::StatusOr<std::vector<SlotRange>> ParseClusterSlots(const RespReply& reply,
                                                         std::string_view queried_host);

// Which primary serves each slot. Nodes are interned (an index per distinct address) so that
// an owner lookup is an array access; Assign() starts the list afresh, so it holds no more than
// one CLUSTER SLOTS reply and the MOVED targets seen since.
class SlotMap {
 public:
  SlotMap() { owner_.fill(kNoNode); }

  // Replaces the whole map with `ranges` (a CLUSTER SLOTS reply); slots in no range have no
  // owner. Replicas are remembered as known nodes (somewhere to ask for the map).
  void Assign(const std::vector<SlotRange>& ranges);
  // One slot changes owner (a -MOVED redirection), the rest of the map stays.
  void SetOwner(int slot, const NodeAddress& owner);

  // The primary serving `slot`, or nullptr when the map has none.
  const NodeAddress* Owner(int slot) const;
  // Distinct primaries that own at least one slot, in order of first slot.
  std::vector<NodeAddress> Primaries() const;
  // The lowest slot `node` owns, or -1.
  int FirstSlotOf(const NodeAddress& node) const;
  // Every address named since the last Assign(): primaries, replicas, MOVED targets.
  const std::vector<NodeAddress>& known_nodes() const { return nodes_; }
  // Whether no slot has an owner (nothing learnt yet, or a map with no slot served).
  bool empty() const;

 private:
  static constexpr int32_t kNoNode = -1;

  int32_t Intern(const NodeAddress& node);

  std::vector<NodeAddress> nodes_;
  std::array<int32_t, kClusterSlotCount> owner_;
};

// A node's answer that sends the client elsewhere or asks it to wait (Redis 7.0,
// cluster.c getNodeByQuery and clusterRedirectClient).
struct Redirect {
  enum class Kind : uint8_t {
    kNone,         // not a cluster redirection: an ordinary error
    kMoved,        // MOVED <slot> <host>:<port>: the slot has a new owner
    kAsk,          // ASK <slot> <host>:<port>: this one command, after ASKING, goes there
    kTryAgain,     // TRYAGAIN: a multi-key command during a slot's migration
    kClusterDown,  // CLUSTERDOWN: the cluster (or the slot) is not served right now
  };
  Kind kind = Kind::kNone;
  int slot = -1;
  // MOVED/ASK: where to go. An empty host (Redis sends ":<port>" for a node whose address is
  // unknown) means the host of the node that answered.
  NodeAddress target;
};

// Classifies an error reply's text (RespReply::str, without the '-'). A MOVED or ASK that does
// not parse is kNone, so that it counts as the error it is.
Redirect ParseRedirect(std::string_view error);

}  // namespace redoubt::tools
