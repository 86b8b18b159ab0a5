// Node flags as text; see cluster_node.h.
#include "cluster/cluster_node.h"

#include <string_view>

#include "common/ascii.h"

namespace redoubt::cluster {
namespace {

// In CLUSTER NODES's order; Redis names replicas "slave" and PFAIL "fail?".
struct FlagName {
  uint16_t flag;
  std::string_view name;
};
constexpr FlagName kFlagNames[] = {
    {kMyself, "myself"}, {kPrimary, "master"},
    {kReplica, "slave"}, {kPfail, "fail?"},
    {kFail, "fail"},     {kHandshake, "handshake"},
    {kNoAddr, "noaddr"}, {kNoFailover, "nofailover"},
};

}  // namespace

std::string FlagsText(uint16_t flags) {
  std::string out;
  for (const FlagName& f : kFlagNames) {
    if (flags & f.flag) {
      if (!out.empty()) {
        out += ',';
      }
      out += f.name;
    }
  }
  return out.empty() ? "noflags" : out;
}

uint16_t ParseFlagsText(std::string_view text) {
  uint16_t flags = 0;
  for (std::string_view word : common::Split(text, ',')) {
    for (const FlagName& f : kFlagNames) {
      if (word == f.name) {
        flags |= f.flag;
      }
    }
  }
  return flags;
}

}  // namespace redoubt::cluster
