// Redis's geohash: the interleaved code that GEO commands store as a sorted-set score, and the
// arithmetic on it: encoding a longitude and latitude at `step` bits per coordinate, decoding a
// code into the cell it names, the eight cells around one, and the 11-character base-32 string
// GEOHASH prints. Follows Redis 7.0's geohash.c to the bit, with the same double operations in
// the same order: a score written by Redis must decode to the coordinates Redis prints, and a
// search must visit the cells Redis visits.
//
// A point's score is its code at 26 steps (52 bits), latitude bits at the even positions and
// longitude bits at the odd ones, counted within ±180 longitude and ±85.05112878 latitude (the
// Web Mercator limits; nothing nearer the poles can be stored).
//
// Thread: constants and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace redoubt::commands {

inline constexpr double kGeoLongMin = -180;
inline constexpr double kGeoLongMax = 180;
inline constexpr double kGeoLatMin = -85.05112878;
inline constexpr double kGeoLatMax = 85.05112878;
// Bits per coordinate of a stored point: 52 bits in all, exact in a double.
inline constexpr uint8_t kGeoStepMax = 26;

struct GeoRange {
  double min = 0;
  double max = 0;
};

// The ranges scores are encoded in.
inline constexpr GeoRange kGeoLongRange{kGeoLongMin, kGeoLongMax};
inline constexpr GeoRange kGeoLatRange{kGeoLatMin, kGeoLatMax};

struct GeoCoordinates {
  double longitude = 0;
  double latitude = 0;
};

// A code of `step` bits per coordinate, in the low 2 * step bits (an edge point may set the
// bit just above them, as in Redis).
struct GeoHashBits {
  uint64_t bits = 0;
  uint8_t step = 0;

  // No cell: a search's neighbour left out (Redis's GZERO).
  bool IsZero() const { return bits == 0 && step == 0; }
  bool operator==(const GeoHashBits&) const = default;
};

// The cell a code names: the coordinates it spans.
struct GeoHashArea {
  GeoHashBits hash;
  GeoRange longitude;
  GeoRange latitude;
};

struct GeoHashNeighbors {
  GeoHashBits north;
  GeoHashBits east;
  GeoHashBits west;
  GeoHashBits south;
  GeoHashBits north_east;
  GeoHashBits south_east;
  GeoHashBits north_west;
  GeoHashBits south_west;
};

// The code of a point within the given ranges. nullopt where Redis's geohashEncode fails: step
// 0 or above 32, an empty range, a point outside ±180 / ±85.05112878 or outside the ranges.
std::optional<GeoHashBits> GeoHashEncode(GeoRange longitude_range, GeoRange latitude_range,
                                         GeoCoordinates point, uint8_t step);
// The same within the score ranges.
std::optional<GeoHashBits> GeoHashEncodeWgs84(GeoCoordinates point, uint8_t step);

// The cell a code names within the given ranges. Requires: !hash.IsZero().
GeoHashArea GeoHashDecode(GeoRange longitude_range, GeoRange latitude_range, GeoHashBits hash);
GeoHashArea GeoHashDecodeWgs84(GeoHashBits hash);
// The middle of a cell, pulled back inside the score ranges.
GeoCoordinates GeoCellCenter(const GeoHashArea& area);

// The eight cells of the same step around hash, wrapping around at the edges of the ranges.
GeoHashNeighbors GeoHashNeighborsOf(GeoHashBits hash);

// The code moved to the top of 52 bits: the lowest score of the points inside its cell.
// Requires: hash.step <= kGeoStepMax.
uint64_t GeoHashAlign52Bits(GeoHashBits hash);

// The score GEOADD stores for a point. Requires: the point is inside the score ranges.
double GeoScoreOf(GeoCoordinates point);
// The point a score stands for, as Redis decodes any score (one that no GEOADD wrote too: it is
// converted to an integer code as x86-64 converts a double to uint64_t, and always decodes).
GeoCoordinates GeoDecodeScore(double score);

// The standard 11-character geohash of a point (latitude counted within ±90), as GEOHASH
// prints it: 52 bits in base 32, the eleventh character always '0'.
std::string GeoHashString(GeoCoordinates point);

}  // namespace redoubt::commands
