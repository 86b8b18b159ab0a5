// The members of a sorted set inside a shape; see geo_search.h.
#include "commands/geo_search.h"

#include "storage/sorted_table.h"

namespace redoubt::commands {
namespace {

bool Full(const std::vector<GeoMatch>& found, size_t limit) {
  return limit != 0 && found.size() >= limit;
}

// Appends the members of one cell that lie inside shape: those whose scores share the cell's
// prefix, from its lowest score (inclusive) to the next cell's (exclusive).
void ScanCell(const ZsetReader& zset, GeoHashBits cell, const GeoShape& shape, size_t limit,
              std::vector<GeoMatch>* found) {
  const auto min = static_cast<double>(GeoHashAlign52Bits(cell));
  ++cell.bits;
  const auto max = static_cast<double>(GeoHashAlign52Bits(cell));
  for (size_t rank = zset.FirstRankFrom(storage::ScoreBound{.value = min}); rank < zset.size();
       ++rank) {
    const ZsetElement el = zset.At(rank);
    if (!(el.score < max)) {
      break;
    }
    const GeoCoordinates position = GeoDecodeScore(el.score);
    double distance = 0;
    if (GeoWithinShape(shape, position, &distance)) {
      found->push_back({.member = el.member,
                        .score = el.score,
                        .position = position,
                        .distance_meters = distance});
    }
    if (Full(*found, limit)) {
      break;
    }
  }
}

}  // namespace

std::vector<GeoMatch> GeoMembersInShape(const ZsetReader& zset, const GeoShape& shape,
                                        size_t limit) {
  const GeoSearchCells cells = GeoCellsCovering(shape);
  std::vector<GeoMatch> found;
  // A huge area can make neighbours coincide; Redis skips a cell equal to the last one scanned,
  // comparing only once a cell other than the centre's has been scanned.
  size_t last_scanned = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].IsZero() || (last_scanned != 0 && cells[i] == cells[last_scanned])) {
      continue;
    }
    if (Full(found, limit)) {
      break;
    }
    ScanCell(zset, cells[i], shape, limit, &found);
    last_scanned = i;
  }
  return found;
}

}  // namespace redoubt::commands
