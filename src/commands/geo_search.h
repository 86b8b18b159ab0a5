// The scan behind GEORADIUS and GEOSEARCH: the members of a sorted set of points that lie inside
// a shape, found as Redis 7.0's membersOfAllNeighbors finds them, so that unsorted replies list
// them in Redis's order: cell by cell (geo_shape.h's order, a cell equal to the one scanned
// just before skipped), and within a cell by score.
//
// Thread: under the key's shard lock, like every ZsetReader.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "commands/geo_shape.h"
#include "commands/geohash.h"
#include "commands/zset_operations.h"

namespace redoubt::commands {

struct GeoMatch {
  std::string_view member;  // valid while the sorted set is unchanged
  double score;
  GeoCoordinates position;
  double distance_meters;  // from the shape's centre
};

// The members of zset inside shape, in scan order; with a limit (not 0), the scan stops once it
// has found that many (GEORADIUS ... COUNT n ANY).
std::vector<GeoMatch> GeoMembersInShape(const ZsetReader& zset, const GeoShape& shape,
                                        size_t limit);

}  // namespace redoubt::commands
