// ElastiCache's node types and the memory each gives the engine: a group's CacheNodeType becomes
// its nodes' `maxmemory`, the value ElastiCache's default parameter groups set for that type, so
// that a cache sized for a cache.r6g.large evicts here where it would evict there.
//
// Thread: immutable data.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace redoubt::control {

// The type a group gets when CreateReplicationGroup names none.
inline constexpr char kDefaultNodeType[] = "cache.t3.micro";

// maxmemory in bytes for a node type, or nullopt for a type ElastiCache does not offer.
std::optional<int64_t> MaxMemoryOfNodeType(std::string_view node_type);

}  // namespace redoubt::control
