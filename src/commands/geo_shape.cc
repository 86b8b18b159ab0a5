// Search shapes, distances and the cells covering a shape; see geo_shape.h.
#include "commands/geo_shape.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace redoubt::commands {
namespace {

// Redis's D_R: degrees become radians by multiplying by it and come back by dividing by it.
constexpr double kRadiansPerDegree = std::numbers::pi / 180.0;
// Half the Web Mercator world's width in meters: a radius this large needs the coarsest cells.
constexpr double kMercatorMax = 20037726.37;

double DegreesToRadians(double degrees) {
  return degrees * kRadiansPerDegree;
}

double RadiansToDegrees(double radians) {
  return radians / kRadiansPerDegree;
}

// Along a meridian the haversine reduces to the difference of the latitudes.
double LatitudeDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(DegreesToRadians(lat2) - DegreesToRadians(lat1));
}

struct Cover {
  GeoHashBits hash;
  GeoHashArea area;
  GeoHashNeighbors neighbors;
};

Cover CoverAt(GeoCoordinates center, uint8_t steps) {
  Cover c;
  // The centre is always inside the score ranges (a checked argument, or a decoded member).
  c.hash = GeoHashEncodeWgs84(center, steps).value_or(GeoHashBits{.bits = 0, .step = steps});
  c.neighbors = GeoHashNeighborsOf(c.hash);
  c.area = GeoHashDecodeWgs84(c.hash);
  return c;
}

}  // namespace

double GeoDistance(GeoCoordinates a, GeoCoordinates b) {
  const double lon1 = DegreesToRadians(a.longitude);
  const double lon2 = DegreesToRadians(b.longitude);
  const double v = std::sin((lon2 - lon1) / 2);
  // Redis skips the expensive terms for points on one meridian, with a result that can differ
  // from the full formula's in the last bits.
  if (v == 0.0) {
    return LatitudeDistance(a.latitude, b.latitude);
  }
  const double lat1 = DegreesToRadians(a.latitude);
  const double lat2 = DegreesToRadians(b.latitude);
  const double u = std::sin((lat2 - lat1) / 2);
  const double h = u * u + std::cos(lat1) * std::cos(lat2) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(h));
}

bool GeoWithinShape(const GeoShape& shape, GeoCoordinates point, double* distance_meters) {
  if (shape.type == GeoShapeType::kCircle) {
    *distance_meters = GeoDistance(shape.center, point);
    return !(*distance_meters > shape.radius * shape.meters_per_unit);
  }
  // The cheaper latitude test first; the width is measured along the point's own parallel.
  const double width = shape.width * shape.meters_per_unit;
  const double height = shape.height * shape.meters_per_unit;
  if (LatitudeDistance(point.latitude, shape.center.latitude) > height / 2) {
    return false;
  }
  const GeoCoordinates on_parallel{.longitude = shape.center.longitude, .latitude = point.latitude};
  if (GeoDistance(point, on_parallel) > width / 2) {
    return false;
  }
  *distance_meters = GeoDistance(shape.center, point);
  return true;
}

uint8_t GeoEstimateSteps(double range_meters, double latitude) {
  if (range_meters == 0) {
    return kGeoStepMax;
  }
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    ++step;
  }
  // Two steps coarser, so that the area is mostly within the nine cells; coarser still near
  // the poles, where cells narrow.
  step -= 2;
  if (latitude > 66 || latitude < -66) {
    --step;
    if (latitude > 80 || latitude < -80) {
      --step;
    }
  }
  return static_cast<uint8_t>(std::clamp(step, 1, static_cast<int>(kGeoStepMax)));
}

GeoBounds GeoBoundingBox(const GeoShape& shape) {
  const bool circle = shape.type == GeoShapeType::kCircle;
  const double lon = shape.center.longitude;
  const double lat = shape.center.latitude;
  const double height = shape.meters_per_unit * (circle ? shape.radius : shape.height / 2);
  const double width = shape.meters_per_unit * (circle ? shape.radius : shape.width / 2);
  const double lat_delta = RadiansToDegrees(height / kEarthRadiusMeters);
  const double lon_delta_top =
      RadiansToDegrees(width / kEarthRadiusMeters / std::cos(DegreesToRadians(lat + lat_delta)));
  const double lon_delta_bottom =
      RadiansToDegrees(width / kEarthRadiusMeters / std::cos(DegreesToRadians(lat - lat_delta)));
  // Parallels shorten towards the pole, so the widest edge is the one nearer the equator.
  const double lon_delta = lat < 0 ? lon_delta_bottom : lon_delta_top;
  return {.min_longitude = lon - lon_delta,
          .min_latitude = lat - lat_delta,
          .max_longitude = lon + lon_delta,
          .max_latitude = lat + lat_delta};
}

GeoSearchCells GeoCellsCovering(const GeoShape& shape) {
  const GeoBounds bounds = GeoBoundingBox(shape);
  // A box is covered as the circle through its corners.
  double radius_meters = shape.type == GeoShapeType::kCircle
                             ? shape.radius
                             : std::sqrt((shape.width / 2) * (shape.width / 2) +
                                         (shape.height / 2) * (shape.height / 2));
  radius_meters *= shape.meters_per_unit;
  uint8_t steps = GeoEstimateSteps(radius_meters, shape.center.latitude);
  Cover c = CoverAt(shape.center, steps);

  // The estimate can leave part of the area outside the neighbours when the centre lies near
  // the edge of its cell: then one step coarser.
  const GeoHashArea north = GeoHashDecodeWgs84(c.neighbors.north);
  const GeoHashArea south = GeoHashDecodeWgs84(c.neighbors.south);
  const GeoHashArea east = GeoHashDecodeWgs84(c.neighbors.east);
  const GeoHashArea west = GeoHashDecodeWgs84(c.neighbors.west);
  const bool too_fine =
      north.latitude.max < bounds.max_latitude || south.latitude.min > bounds.min_latitude ||
      east.longitude.max < bounds.max_longitude || west.longitude.min > bounds.min_longitude;
  if (steps > 1 && too_fine) {
    --steps;
    c = CoverAt(shape.center, steps);
  }

  // Neighbours on a side the area does not reach past the centre's cell are not scanned.
  GeoHashNeighbors& n = c.neighbors;
  if (steps >= 2) {
    if (c.area.latitude.min < bounds.min_latitude) {
      n.south = n.south_west = n.south_east = GeoHashBits{};
    }
    if (c.area.latitude.max > bounds.max_latitude) {
      n.north = n.north_east = n.north_west = GeoHashBits{};
    }
    if (c.area.longitude.min < bounds.min_longitude) {
      n.west = n.south_west = n.north_west = GeoHashBits{};
    }
    if (c.area.longitude.max > bounds.max_longitude) {
      n.east = n.south_east = n.north_east = GeoHashBits{};
    }
  }
  return {c.hash,       n.north,      n.south,      n.east,      n.west,
          n.north_east, n.north_west, n.south_east, n.south_west};
}

}  // namespace redoubt::commands
