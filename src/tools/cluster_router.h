// redoubt-downtime's connections to a Redis Cluster: one DowntimeLink per node it talks to, the
// slot map (cluster_slot_map.h) and when to read it again. The runner asks which link serves a
// slot, reports MOVED redirections and failures here, and follows the redirections itself,
// because what happens to an operation is the runner's to count.
//
// The map is read with CLUSTER SLOTS when the run starts, and again when a MOVED, a CLUSTERDOWN
// or a failed connection says it may be stale, at most every 100 ms: while a failed primary
// waits for its replica to take over, every operation on its slots fails, and a CLUSTER SLOTS
// per failure would only add load. It is asked of a node already connected, else of the seed,
// else of any node the map named (a replica, an old primary): the seed may be the node that
// failed.
//
// Connections are kept to primaries only: after a refresh, the links of nodes that serve no slot
// are closed. Links themselves are never destroyed, so a reference from LinkFor() stays valid
// for the router's life, and a node's link remembers that it was connected before.
//
// Thread: confined to the tool's single thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tools/cluster_slot_map.h"
#include "tools/downtime_link.h"
#include "tools/resp_client.h"
#include "tools/tls_client_context.h"

namespace redoubt::tools {

class ClusterRouter {
 public:
  // Connects and authenticates `link` before the deadline by the runner's rules (AUTH,
  // --password-file) and says why not. The router's own connections, made to read the map, are
  // not operations and the runner does not count them.
  using Opener = std::function<ClientStatus(DowntimeLink& link, int64_t connect_deadline_us)>;

  static constexpr int64_t kMinRefreshIntervalUs = 100 * 1000;

  // `tls` null for plaintext; borrowed, must outlive the router.
  ClusterRouter(NodeAddress seed, const TlsClientContext* tls, int connect_timeout_ms,
                int op_timeout_ms, Opener open);

  // Reads the map now, from the first node (in the order above) that answers CLUSTER SLOTS with
  // at least one served slot. False when none did; last_refresh_error() says why.
  bool Refresh();
  // The map may be stale: MaybeRefresh() reads it again once the interval allows.
  void RequestRefresh() { refresh_requested_ = true; }
  // Refreshes if one was requested (or the last attempt failed) and kMinRefreshIntervalUs have
  // passed since the last attempt.
  void MaybeRefresh(int64_t now_us);

  // The link to the primary that serves `slot` in the map, or nullptr when none does.
  DowntimeLink* LinkForSlot(int slot);
  // The link to `node`, made (not connected) on first use.
  DowntimeLink& LinkFor(const NodeAddress& node);
  // Links of the primaries that serve slots in the map, in order of first slot.
  std::vector<DowntimeLink*> PrimaryLinks();
  // A MOVED: `slot` is served by `owner` from now on; a whole refresh is requested.
  void ApplyMoved(int slot, const NodeAddress& owner);

  const SlotMap& map() const { return map_; }
  // Changes whenever the map does (refresh, MOVED), for callers that derive state from it.
  uint64_t map_version() const { return map_version_; }
  // CLUSTER SLOTS replies taken in, and attempts that found no node to answer.
  uint64_t refreshes() const { return refreshes_; }
  uint64_t failed_refreshes() const { return failed_refreshes_; }
  const std::string& last_refresh_error() const { return last_refresh_error_; }

  void CloseAll();

 private:
  // Asks one node for the map; false (and last_refresh_error_) when it cannot be had there.
  bool RefreshFrom(DowntimeLink& link);

  // Set at construction.
  const NodeAddress seed_;
  const TlsClientContext* const tls_;
  const int64_t connect_timeout_us_;
  const int64_t op_timeout_us_;
  const Opener open_;

  SlotMap map_;
  uint64_t map_version_ = 0;
  bool refresh_requested_ = false;
  int64_t last_refresh_attempt_us_ = 0;
  uint64_t refreshes_ = 0;
  uint64_t failed_refreshes_ = 0;
  std::string last_refresh_error_;
  // By "host:port"; in order of first use for the refresh order.
  std::map<std::string, std::unique_ptr<DowntimeLink>> links_;
  std::vector<DowntimeLink*> links_in_order_;
};

}  // namespace redoubt::tools
