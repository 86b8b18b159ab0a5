// nodes.conf lines; see nodes_file.h.
#include "cluster/nodes_file.h"

#include "common/ascii.h"
#include "common/numbers.h"

namespace redoubt::cluster {
namespace {

// "a-b" or "a" into out; false when not slot numbers.
bool ParseSlotRange(std::string_view text, int* first, int* last) {
  const size_t dash = text.find('-');
  std::optional<int64_t> a = common::ParseInt64(text.substr(0, dash));
  std::optional<int64_t> b =
      dash == std::string_view::npos ? a : common::ParseInt64(text.substr(dash + 1));
  if (!a || !b || *a < 0 || *b < *a || *b >= common::kClusterSlots) {
    return false;
  }
  *first = static_cast<int>(*a);
  *last = static_cast<int>(*b);
  return true;
}

// "ip:port@cport[,hostname]"; the ip may hold colons (IPv6): the last one ends it.
bool ParseAddress(std::string_view text, ClusterNode* node) {
  const size_t comma = text.find(',');
  if (comma != std::string_view::npos) {
    node->hostname = std::string(text.substr(comma + 1));
    text = text.substr(0, comma);
  }
  const size_t at = text.find('@');
  const size_t colon = text.rfind(':', at);
  if (at == std::string_view::npos || colon == std::string_view::npos) {
    return false;
  }
  std::optional<int64_t> port = common::ParseInt64(text.substr(colon + 1, at - colon - 1));
  std::optional<int64_t> cport = common::ParseInt64(text.substr(at + 1));
  if (!port || !cport || *port < 0 || *port > 65535 || *cport < 0 || *cport > 65535) {
    return false;
  }
  node->ip = std::string(text.substr(0, colon));
  node->port = static_cast<int>(*port);
  node->cport = static_cast<int>(*cport);
  return true;
}

absl::Status LineError(size_t line, std::string_view why) {
  return absl::InvalidArgumentError("Unrecoverable error: corrupted cluster config file \"" +
                                    std::string(why) + "\" at line " + std::to_string(line));
}

}  // namespace

bool IsNodeName(std::string_view name) {
  if (name.size() != 40) {
    return false;
  }
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string FormatNodeLine(const ClusterNode& n, const std::vector<SlotTransfer>& transfers) {
  std::string line =
      n.name + " " + n.ip + ":" + std::to_string(n.port) + "@" + std::to_string(n.cport);
  if (!n.hostname.empty()) {
    line += "," + n.hostname;
  }
  line += " " + FlagsText(n.flags) + " ";
  line += n.primary_name.empty() ? "-" : n.primary_name;
  line += " " + std::to_string(n.ping_sent_ms) + " " + std::to_string(n.pong_received_ms) + " " +
          std::to_string(n.config_epoch) + " ";
  line += (n.link_connected || n.is_myself()) ? "connected" : "disconnected";
  // Runs of consecutive slots, as "first-last" (or "slot" alone).
  for (int slot = 0; slot < common::kClusterSlots;) {
    if (!n.slots.test(slot)) {
      ++slot;
      continue;
    }
    int last = slot;
    while (last + 1 < common::kClusterSlots && n.slots.test(last + 1)) {
      ++last;
    }
    line += " " + std::to_string(slot);
    if (last != slot) {
      line += "-" + std::to_string(last);
    }
    slot = last + 1;
  }
  for (const SlotTransfer& t : transfers) {
    line += " [" + std::to_string(t.slot) + (t.importing ? "-<-" : "->-") + t.peer + "]";
  }
  return line;
}

std::string FormatNodesFile(const NodesFile& file) {
  std::string out;
  for (const ClusterNode& n : file.nodes) {
    out += FormatNodeLine(n, n.is_myself() ? file.transfers : std::vector<SlotTransfer>{});
    out += "\n";
  }
  out += "vars currentEpoch " + std::to_string(file.current_epoch) + " lastVoteEpoch " +
         std::to_string(file.last_vote_epoch) + "\n";
  return out;
}

absl::StatusOr<NodesFile> ParseNodesFile(std::string_view text) {
  NodesFile file;
  size_t line_number = 0;
  int myself_count = 0;
  for (std::string_view line : common::Split(text, '\n')) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    std::vector<std::string_view> f = common::Split(line, ' ', true);
    if (f.empty()) {
      continue;
    }
    if (f[0] == "vars") {
      for (size_t i = 1; i + 1 < f.size(); i += 2) {
        std::optional<int64_t> v = common::ParseInt64(f[i + 1]);
        if (!v || *v < 0) {
          return LineError(line_number, "bad epoch");
        }
        if (f[i] == "currentEpoch") {
          file.current_epoch = static_cast<uint64_t>(*v);
        } else if (f[i] == "lastVoteEpoch") {
          file.last_vote_epoch = static_cast<uint64_t>(*v);
        }
      }
      continue;
    }
    if (f.size() < 8) {
      return LineError(line_number, "too few fields");
    }
    ClusterNode node;
    node.name = std::string(f[0]);
    if (!IsNodeName(node.name)) {
      return LineError(line_number, "bad node name");
    }
    if (!ParseAddress(f[1], &node)) {
      return LineError(line_number, "bad address");
    }
    node.flags = ParseFlagsText(f[2]);
    if (f[3] != "-") {
      node.primary_name = std::string(f[3]);
    }
    std::optional<int64_t> ping = common::ParseInt64(f[4]);
    std::optional<int64_t> pong = common::ParseInt64(f[5]);
    std::optional<int64_t> epoch = common::ParseInt64(f[6]);
    if (!ping || !pong || !epoch || *epoch < 0) {
      return LineError(line_number, "bad numbers");
    }
    node.ping_sent_ms = *ping;
    node.pong_received_ms = *pong;
    node.config_epoch = static_cast<uint64_t>(*epoch);
    node.link_connected = f[7] == "connected";
    for (size_t i = 8; i < f.size(); ++i) {
      std::string_view s = f[i];
      if (s.front() == '[') {
        // [slot->-name] or [slot-<-name]
        const size_t arrow =
            s.find("->-") != std::string_view::npos ? s.find("->-") : s.find("-<-");
        std::optional<int64_t> slot = common::ParseInt64(s.substr(1, arrow - 1));
        if (arrow == std::string_view::npos || s.back() != ']' || !slot || *slot < 0 ||
            *slot >= common::kClusterSlots) {
          return LineError(line_number, "bad slot transfer");
        }
        file.transfers.push_back({static_cast<int>(*slot), s.substr(arrow, 3) == "-<-",
                                  std::string(s.substr(arrow + 3, s.size() - arrow - 4))});
        continue;
      }
      int first = 0;
      int last = 0;
      if (!ParseSlotRange(s, &first, &last)) {
        return LineError(line_number, "bad slot range");
      }
      for (int slot = first; slot <= last; ++slot) {
        node.slots.set(slot);
      }
    }
    if (node.is_myself()) {
      ++myself_count;
    }
    file.nodes.push_back(std::move(node));
  }
  if (myself_count != 1) {
    return absl::InvalidArgumentError(
        "Unrecoverable error: corrupted cluster config file: " +
        std::string(myself_count == 0 ? "no node flagged myself" : "more than one myself"));
  }
  return file;
}

}  // namespace redoubt::cluster
