// Connections and slot map of a cluster run; see cluster_router.h.
#include "tools/cluster_router.h"

#include <utility>

#include "common/clock.h"

namespace redoubt::tools {

ClusterRouter::ClusterRouter(NodeAddress seed, const TlsClientContext* tls, int connect_timeout_ms,
                             int op_timeout_ms, Opener open)
    : seed_(std::move(seed)),
      tls_(tls),
      connect_timeout_us_(int64_t{connect_timeout_ms} * 1000),
      op_timeout_us_(int64_t{op_timeout_ms} * 1000),
      open_(std::move(open)) {}

bool ClusterRouter::Refresh() {
  last_refresh_attempt_us_ = common::MonotonicMicros();
  // Candidates in order, each once: open connections cost no connect, the seed is where the
  // user pointed, then every address the map has named.
  std::vector<DowntimeLink*> candidates;
  auto add = [&candidates](DowntimeLink* link) {
    for (DowntimeLink* c : candidates) {
      if (c == link) {
        return;
      }
    }
    candidates.push_back(link);
  };
  for (DowntimeLink* link : links_in_order_) {
    if (link->client.connected()) {
      add(link);
    }
  }
  add(&LinkFor(seed_));
  // A copy: LinkFor() does not change the map, but RefreshFrom() does.
  const std::vector<NodeAddress> known = map_.known_nodes();
  for (const NodeAddress& node : known) {
    add(&LinkFor(node));
  }
  for (DowntimeLink* link : links_in_order_) {
    add(link);
  }

  for (DowntimeLink* link : candidates) {
    if (RefreshFrom(*link)) {
      ++refreshes_;
      ++map_version_;
      refresh_requested_ = false;
      const std::vector<NodeAddress> primaries = map_.Primaries();
      for (DowntimeLink* l : links_in_order_) {
        bool primary = false;
        for (const NodeAddress& p : primaries) {
          primary = primary || p == l->address;
        }
        if (!primary) {
          l->client.Close();
        }
      }
      return true;
    }
  }
  ++failed_refreshes_;
  refresh_requested_ = true;
  return false;
}

bool ClusterRouter::RefreshFrom(DowntimeLink& link) {
  const std::string where = " (" + link.address.ToString() + ")";
  if (!link.client.connected()) {
    ClientStatus s = open_(link, common::MonotonicMicros() + connect_timeout_us_);
    if (!s.ok()) {
      last_refresh_error_ = s.message + where;
      return false;
    }
  }
  RespReply reply;
  ClientStatus s =
      link.client.Call({"CLUSTER", "SLOTS"}, &reply, common::MonotonicMicros() + op_timeout_us_);
  if (!s.ok()) {
    link.client.Close();
    last_refresh_error_ = "CLUSTER SLOTS: " + s.message + where;
    return false;
  }
  absl::StatusOr<std::vector<SlotRange>> ranges = ParseClusterSlots(reply, link.address.host);
  if (!ranges.ok()) {
    last_refresh_error_ = std::string(ranges.status().message()) + where;
    return false;
  }
  if (ranges->empty()) {
    // A node that has not joined the cluster (or has just restarted without its config) serves
    // nothing; taking its word would forget every slot.
    last_refresh_error_ = "CLUSTER SLOTS: no slot is served" + where;
    return false;
  }
  map_.Assign(*ranges);
  return true;
}

void ClusterRouter::MaybeRefresh(int64_t now_us) {
  if (refresh_requested_ && now_us - last_refresh_attempt_us_ >= kMinRefreshIntervalUs) {
    Refresh();
  }
}

DowntimeLink* ClusterRouter::LinkForSlot(int slot) {
  const NodeAddress* owner = map_.Owner(slot);
  return owner == nullptr ? nullptr : &LinkFor(*owner);
}

DowntimeLink& ClusterRouter::LinkFor(const NodeAddress& node) {
  std::unique_ptr<DowntimeLink>& link = links_[node.ToString()];
  if (link == nullptr) {
    link = std::make_unique<DowntimeLink>(node, tls_);
    links_in_order_.push_back(link.get());
  }
  return *link;
}

std::vector<DowntimeLink*> ClusterRouter::PrimaryLinks() {
  std::vector<DowntimeLink*> links;
  for (const NodeAddress& primary : map_.Primaries()) {
    links.push_back(&LinkFor(primary));
  }
  return links;
}

void ClusterRouter::ApplyMoved(int slot, const NodeAddress& owner) {
  map_.SetOwner(slot, owner);
  ++map_version_;
  refresh_requested_ = true;
}

void ClusterRouter::CloseAll() {
  for (DowntimeLink* link : links_in_order_) {
    link->client.Close();
  }
}

}  // namespace redoubt::tools
