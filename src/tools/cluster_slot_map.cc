// Slot map, CLUSTER SLOTS parsing and redirections; see cluster_slot_map.h.
#include "tools/cluster_slot_map.h"

#include <optional>

#include "common/numbers.h"

namespace redoubt::tools {
namespace {

std::optional<int> SlotMapParseSlot(std::string_view text) {
  std::optional<int64_t> v = common::ParseInt64(text);
  if (!v || *v < 0 || *v >= kClusterSlotCount) {
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

// "host:port" split at the last ':' (an IPv6 host has colons of its own, and Redis does not
// bracket it). The host may be empty; the port must be valid.
std::optional<NodeAddress> SlotMapParseEndpoint(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  std::optional<int64_t> port = common::ParseInt64(text.substr(colon + 1));
  if (!port || *port <= 0 || *port > 65535) {
    return std::nullopt;
  }
  return NodeAddress{std::string(text.substr(0, colon)), static_cast<int>(*port)};
}

// One node of a CLUSTER SLOTS entry: [host, port, id, ...].
absl::StatusOr<NodeAddress> SlotMapParseNode(const RespReply& node, std::string_view queried_host) {
  if (node.type != RespReply::Type::kArray || node.elements.size() < 2) {
    return absl::InvalidArgumentError("CLUSTER SLOTS: a node is not [host, port, ...]: " +
                                      node.Describe());
  }
  const RespReply& host = node.elements[0];
  const RespReply& port = node.elements[1];
  NodeAddress address;
  if (host.IsNil() || (host.type == RespReply::Type::kBulkString && host.str.empty())) {
    address.host = std::string(queried_host);
  } else if (host.type == RespReply::Type::kBulkString ||
             host.type == RespReply::Type::kSimpleString) {
    address.host = host.str;
  } else {
    return absl::InvalidArgumentError("CLUSTER SLOTS: a node's host is " + host.Describe());
  }
  if (port.type != RespReply::Type::kInteger || port.integer <= 0 || port.integer > 65535) {
    return absl::InvalidArgumentError("CLUSTER SLOTS: a node's port is " + port.Describe());
  }
  address.port = static_cast<int>(port.integer);
  return address;
}

}  // namespace

std::string NodeAddress::ToString() const {
  return host + ":" + std::to_string(port);
}

absl::StatusOr<std::vector<SlotRange>> ParseClusterSlots(const RespReply& reply,
                                                         std::string_view queried_host) {
  if (reply.IsError()) {
    return absl::UnavailableError("CLUSTER SLOTS: -" + reply.str);
  }
  if (reply.type != RespReply::Type::kArray) {
    return absl::InvalidArgumentError("CLUSTER SLOTS: not an array: " + reply.Describe());
  }
  std::vector<SlotRange> ranges;
  ranges.reserve(reply.elements.size());
  for (const RespReply& entry : reply.elements) {
    if (entry.type != RespReply::Type::kArray || entry.elements.size() < 3 ||
        entry.elements[0].type != RespReply::Type::kInteger ||
        entry.elements[1].type != RespReply::Type::kInteger) {
      return absl::InvalidArgumentError(
          "CLUSTER SLOTS: an entry is not [first, last, primary, ...]: " + entry.Describe());
    }
    const int64_t first = entry.elements[0].integer;
    const int64_t last = entry.elements[1].integer;
    if (first < 0 || last < first || last >= kClusterSlotCount) {
      return absl::InvalidArgumentError("CLUSTER SLOTS: bad slot range " + entry.Describe());
    }
    SlotRange range;
    range.first = static_cast<int>(first);
    range.last = static_cast<int>(last);
    for (size_t i = 2; i < entry.elements.size(); ++i) {
      absl::StatusOr<NodeAddress> node = SlotMapParseNode(entry.elements[i], queried_host);
      if (!node.ok()) {
        return node.status();
      }
      if (i == 2) {
        range.primary = std::move(*node);
      } else {
        range.replicas.push_back(std::move(*node));
      }
    }
    ranges.push_back(std::move(range));
  }
  return ranges;
}

void SlotMap::Assign(const std::vector<SlotRange>& ranges) {
  owner_.fill(kNoNode);
  nodes_.clear();
  for (const SlotRange& range : ranges) {
    const int32_t primary = Intern(range.primary);
    for (int slot = range.first; slot <= range.last; ++slot) {
      owner_[slot] = primary;
    }
    for (const NodeAddress& replica : range.replicas) {
      Intern(replica);
    }
  }
}

void SlotMap::SetOwner(int slot, const NodeAddress& owner) {
  owner_[slot] = Intern(owner);
}

const NodeAddress* SlotMap::Owner(int slot) const {
  const int32_t index = owner_[slot];
  return index == kNoNode ? nullptr : &nodes_[index];
}

std::vector<NodeAddress> SlotMap::Primaries() const {
  std::vector<bool> seen(nodes_.size(), false);
  std::vector<NodeAddress> primaries;
  for (int32_t index : owner_) {
    if (index != kNoNode && !seen[index]) {
      seen[index] = true;
      primaries.push_back(nodes_[index]);
    }
  }
  return primaries;
}

int SlotMap::FirstSlotOf(const NodeAddress& node) const {
  for (int slot = 0; slot < kClusterSlotCount; ++slot) {
    if (owner_[slot] != kNoNode && nodes_[owner_[slot]] == node) {
      return slot;
    }
  }
  return -1;
}

bool SlotMap::empty() const {
  for (int32_t index : owner_) {
    if (index != kNoNode) {
      return false;
    }
  }
  return true;
}

int32_t SlotMap::Intern(const NodeAddress& node) {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i] == node) {
      return static_cast<int32_t>(i);
    }
  }
  nodes_.push_back(node);
  return static_cast<int32_t>(nodes_.size() - 1);
}

Redirect ParseRedirect(std::string_view error) {
  Redirect r;
  auto word_end = error.find(' ');
  std::string_view word = error.substr(0, word_end);
  if (word == "TRYAGAIN") {
    r.kind = Redirect::Kind::kTryAgain;
    return r;
  }
  if (word == "CLUSTERDOWN") {
    r.kind = Redirect::Kind::kClusterDown;
    return r;
  }
  if ((word != "MOVED" && word != "ASK") || word_end == std::string_view::npos) {
    return r;
  }
  std::string_view rest = error.substr(word_end + 1);
  const size_t space = rest.find(' ');
  if (space == std::string_view::npos) {
    return r;
  }
  std::optional<int> slot = SlotMapParseSlot(rest.substr(0, space));
  std::optional<NodeAddress> target = SlotMapParseEndpoint(rest.substr(space + 1));
  if (!slot || !target) {
    return r;
  }
  r.kind = word == "MOVED" ? Redirect::Kind::kMoved : Redirect::Kind::kAsk;
  r.slot = *slot;
  r.target = std::move(*target);
  return r;
}

}  // namespace redoubt::tools
