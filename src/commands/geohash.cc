// Geohash encoding, decoding and neighbours; see geohash.h. Every formula keeps the operand
// order of Redis 7.0's geohash.c, so that the doubles round as Redis's do.
#include "commands/geohash.h"

#include <algorithm>
#include <cmath>

#include "common/check.h"

namespace redoubt::commands {
namespace {

constexpr uint64_t kEvenBits = 0x5555555555555555ULL;

// The bits of v at the even positions of a 64-bit word (bit i at 2i).
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & kEvenBits;
  return x;
}

// The even-position bits of x, packed together: Spread's inverse.
uint32_t Squash(uint64_t x) {
  x &= kEvenBits;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

// Latitude bits at the even positions, longitude bits at the odd ones.
constexpr int kLatitudeShift = 0;
constexpr int kLongitudeShift = 1;

bool IsEmpty(GeoRange r) {
  return r.min == 0 && r.max == 0;
}

// A cell offset as Redis turns it into an integer: truncated, through 64 bits, to 32 bits.
uint32_t CellIndex(double offset) {
  return static_cast<uint32_t>(static_cast<uint64_t>(offset));
}

// The code with one coordinate (the bits at `shift`) moved by delta cells, modulo the number of
// cells. The moved coordinate keeps only its bits within the code's width, the other one all of
// its bits, as Redis's geohash_move_x/_y do.
uint64_t MoveAxis(GeoHashBits hash, int shift, int delta) {
  if (delta == 0) {
    return hash.bits;
  }
  const uint64_t width_mask = hash.step >= 32 ? ~uint64_t{0} : (uint64_t{1} << (hash.step * 2)) - 1;
  const uint32_t moved = Squash(hash.bits >> shift) + static_cast<uint32_t>(delta);
  const uint64_t axis_mask = kEvenBits << shift;
  return (hash.bits & ~axis_mask) | ((Spread(moved) << shift) & width_mask);
}

GeoHashBits Moved(GeoHashBits hash, int east, int north) {
  hash.bits = MoveAxis(hash, kLongitudeShift, east);
  hash.bits = MoveAxis(hash, kLatitudeShift, north);
  return hash;
}

// A score converted to uint64_t as x86-64 does it (cvttsd2si, with 2^63 subtracted first from
// values at or above it): Redis casts any score so, and its replies for scores that no GEOADD
// wrote (negative, fractional, huge, infinite) come from that result. The casts below are
// within range, so defined in C++.
uint64_t CodeOfScore(double score) {
  constexpr double kTwo63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = uint64_t{1} << 63;  // the instruction's out-of-range answer
  if (score >= kTwo63) {
    const double rest = score - kTwo63;
    const uint64_t low = rest < kTwo63 ? static_cast<uint64_t>(rest) : kIndefinite;
    return low ^ kIndefinite;
  }
  if (score >= -kTwo63) {  // false for NaN too
    return static_cast<uint64_t>(static_cast<int64_t>(score));
  }
  return kIndefinite;
}

}  // namespace

std::optional<GeoHashBits> GeoHashEncode(GeoRange longitude_range, GeoRange latitude_range,
                                         GeoCoordinates point, uint8_t step) {
  if (step == 0 || step > 32 || IsEmpty(latitude_range) || IsEmpty(longitude_range)) {
    return std::nullopt;
  }
  const double lon = point.longitude;
  const double lat = point.latitude;
  // NaN cannot come from a command (the parsers refuse it), but would make the cell index
  // undefined.
  if (lon > kGeoLongMax || lon < kGeoLongMin || lat > kGeoLatMax || lat < kGeoLatMin ||
      std::isnan(lon) || std::isnan(lat)) {
    return std::nullopt;
  }
  if (lat < latitude_range.min || lat > latitude_range.max || lon < longitude_range.min ||
      lon > longitude_range.max) {
    return std::nullopt;
  }
  double lat_offset = (lat - latitude_range.min) / (latitude_range.max - latitude_range.min);
  double lon_offset = (lon - longitude_range.min) / (longitude_range.max - longitude_range.min);
  const auto cells = static_cast<double>(uint64_t{1} << step);
  lat_offset *= cells;
  lon_offset *= cells;
  return GeoHashBits{.bits = (Spread(CellIndex(lat_offset)) << kLatitudeShift) |
                             (Spread(CellIndex(lon_offset)) << kLongitudeShift),
                     .step = step};
}

std::optional<GeoHashBits> GeoHashEncodeWgs84(GeoCoordinates point, uint8_t step) {
  return GeoHashEncode(kGeoLongRange, kGeoLatRange, point, step);
}

GeoHashArea GeoHashDecode(GeoRange longitude_range, GeoRange latitude_range, GeoHashBits hash) {
  REDOUBT_DCHECK(!hash.IsZero());
  const uint32_t lat_cell = Squash(hash.bits >> kLatitudeShift);
  const uint32_t lon_cell = Squash(hash.bits >> kLongitudeShift);
  const double lat_scale = latitude_range.max - latitude_range.min;
  const double lon_scale = longitude_range.max - longitude_range.min;
  const auto cells = static_cast<double>(uint64_t{1} << hash.step);
  // The cell after the last one wraps to 0 in 32 bits, as in Redis (only a score no GEOADD
  // wrote has such a cell).
  const uint32_t lat_next = lat_cell + 1;
  const uint32_t lon_next = lon_cell + 1;
  GeoHashArea area{.hash = hash};
  area.latitude.min = latitude_range.min + (lat_cell * 1.0 / cells) * lat_scale;
  area.latitude.max = latitude_range.min + (lat_next * 1.0 / cells) * lat_scale;
  area.longitude.min = longitude_range.min + (lon_cell * 1.0 / cells) * lon_scale;
  area.longitude.max = longitude_range.min + (lon_next * 1.0 / cells) * lon_scale;
  return area;
}

GeoHashArea GeoHashDecodeWgs84(GeoHashBits hash) {
  return GeoHashDecode(kGeoLongRange, kGeoLatRange, hash);
}

GeoCoordinates GeoCellCenter(const GeoHashArea& area) {
  const double lon = (area.longitude.min + area.longitude.max) / 2;
  const double lat = (area.latitude.min + area.latitude.max) / 2;
  return {.longitude = std::clamp(lon, kGeoLongMin, kGeoLongMax),
          .latitude = std::clamp(lat, kGeoLatMin, kGeoLatMax)};
}

GeoHashNeighbors GeoHashNeighborsOf(GeoHashBits hash) {
  return {.north = Moved(hash, 0, 1),
          .east = Moved(hash, 1, 0),
          .west = Moved(hash, -1, 0),
          .south = Moved(hash, 0, -1),
          .north_east = Moved(hash, 1, 1),
          .south_east = Moved(hash, 1, -1),
          .north_west = Moved(hash, -1, 1),
          .south_west = Moved(hash, -1, -1)};
}

uint64_t GeoHashAlign52Bits(GeoHashBits hash) {
  REDOUBT_DCHECK(hash.step <= kGeoStepMax);
  return hash.bits << (52 - hash.step * 2);
}

double GeoScoreOf(GeoCoordinates point) {
  std::optional<GeoHashBits> hash = GeoHashEncodeWgs84(point, kGeoStepMax);
  REDOUBT_DCHECK(hash.has_value());
  return static_cast<double>(GeoHashAlign52Bits(hash.value_or(GeoHashBits{})));
}

GeoCoordinates GeoDecodeScore(double score) {
  return GeoCellCenter(GeoHashDecodeWgs84({.bits = CodeOfScore(score), .step = kGeoStepMax}));
}

std::string GeoHashString(GeoCoordinates point) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  // The standard geohash counts latitude within ±90, where scores count it within the
  // Mercator limits, so the point is encoded again.
  const uint64_t bits =
      GeoHashEncode(kGeoLongRange, {-90, 90}, point, kGeoStepMax).value_or(GeoHashBits{}).bits;
  std::string text(11, '0');
  for (int i = 0; i < 10; ++i) {
    text[i] = kAlphabet[(bits >> (52 - (i + 1) * 5)) & 0x1f];
  }
  return text;
}

}  // namespace redoubt::commands
