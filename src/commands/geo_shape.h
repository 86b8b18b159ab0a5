// The area a GEOSEARCH or GEORADIUS looks in: a circle or a box around a point, distances on
// Redis's sphere, and the nine geohash cells a search scans to cover the area. Follows Redis
// 7.0's geohash_helper.c and geoWithinShape with the same double operations in the same order,
// so that a point on the edge of an area is in or out as in Redis, and the cells, hence the
// order of unsorted results, are Redis's.
//
// Distances are great-circle (haversine) distances on a sphere of radius 6372797.560856 m.
//
// Thread: pure functions.
#pragma once

#include <array>
#include <cstdint>

#include "commands/geohash.h"

namespace redoubt::commands {

inline constexpr double kEarthRadiusMeters = 6372797.560856;

enum class GeoShapeType : uint8_t { kCircle, kBox };

// Sizes are in the unit the command was given; `meters_per_unit` converts them.
struct GeoShape {
  GeoShapeType type = GeoShapeType::kCircle;
  GeoCoordinates center;
  double meters_per_unit = 1;
  double radius = 0;  // kCircle
  double width = 0;   // kBox
  double height = 0;  // kBox
};

// The distance in meters between two points.
double GeoDistance(GeoCoordinates a, GeoCoordinates b);

// Whether point lies inside shape; *distance_meters is then its distance from the centre.
bool GeoWithinShape(const GeoShape& shape, GeoCoordinates point, double* distance_meters);

// The precision (bits per coordinate, 1 to 26) whose cells are about as large as a search of
// radius range_meters around latitude needs.
uint8_t GeoEstimateSteps(double range_meters, double latitude);

struct GeoBounds {
  double min_longitude = 0;
  double min_latitude = 0;
  double max_longitude = 0;
  double max_latitude = 0;
};

// The longitudes and latitudes the shape spans (not wrapped at ±180).
GeoBounds GeoBoundingBox(const GeoShape& shape);

// The cells a search scans, in Redis's order: the centre's cell, then north, south, east, west,
// north-east, north-west, south-east, south-west. A neighbour the area does not reach is zero
// (GeoHashBits::IsZero).
using GeoSearchCells = std::array<GeoHashBits, 9>;
GeoSearchCells GeoCellsCovering(const GeoShape& shape);

}  // namespace redoubt::commands
