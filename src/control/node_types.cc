// Node types' memory; see node_types.h.
#include "control/node_types.h"

#include <array>
#include <utility>

namespace redoubt::control {
namespace {

// The maxmemory of ElastiCache's node-type-specific parameters (bytes), for the current
// generations. Types of one size share a value across processor families.
constexpr std::array<std::pair<std::string_view, int64_t>, 30> kNodeTypes = {{
    {"cache.t2.micro", 581959680},       {"cache.t2.small", 1665138688},
    {"cache.t2.medium", 3461349785},     {"cache.t3.micro", 536870912},
    {"cache.t3.small", 1471026299},      {"cache.t3.medium", 3317862236},
    {"cache.t4g.micro", 536870912},      {"cache.t4g.small", 1471026299},
    {"cache.t4g.medium", 3317862236},    {"cache.m5.large", 6854542746},
    {"cache.m5.xlarge", 13891921715},    {"cache.m5.2xlarge", 27966669210},
    {"cache.m5.4xlarge", 56116178125},   {"cache.m6g.large", 6854542746},
    {"cache.m6g.xlarge", 13891921715},   {"cache.m6g.2xlarge", 27966669210},
    {"cache.m6g.4xlarge", 56116178125},  {"cache.m7g.large", 6854542746},
    {"cache.m7g.xlarge", 13891921715},   {"cache.r5.large", 14037181030},
    {"cache.r5.xlarge", 28261849702},    {"cache.r5.2xlarge", 56711183565},
    {"cache.r5.4xlarge", 113609865216},  {"cache.r6g.large", 14037181030},
    {"cache.r6g.xlarge", 28261849702},   {"cache.r6g.2xlarge", 56711183565},
    {"cache.r6g.4xlarge", 113609865216}, {"cache.r7g.large", 14037181030},
    {"cache.r7g.xlarge", 28261849702},   {"cache.r7g.2xlarge", 56711183565},
}};

}  // namespace

std::optional<int64_t> MaxMemoryOfNodeType(std::string_view node_type) {
  for (const auto& [name, bytes] : kNodeTypes) {
    if (name == node_type) {
      return bytes;
    }
  }
  return std::nullopt;
}

}  // namespace redoubt::control
